// Package plan turns per-employee change sets into phased SCIM v4 Bulk
// requests.
//
// # Phases
//
// Phase 0 renames (320 records): a PATCH replacing the enterprise
// employeeNumber and/or userName, addressed by the old Employee ID. Phase 1
// creates and updates: a POST /Users with the whole user (core attributes at
// the top, each extension as an object under its URN, every URN in
// "schemas") for a new employee; a PATCH for an existing one. Phase 2 sets
// references between users (approvers, delegates, managers), which may name
// users created in phase 1. Requests never mix phases, hold at most MaxOps
// operations and MaxBytes encoded bytes, and an operation is never split.
// Within a phase operations keep the order of the change sets; output is
// byte-identical for the same input and options, whatever the number of
// workers.
//
// # Addressing
//
// The POST that creates an employee carries bulkId "emp-<id>" (the ID
// path-escaped, see BulkID); every other operation on the employee uses the
// path /Users/bulkId:emp-<id>, which submit resolves to the user's UUID.
// After a rename, phases 1 and 2 use the new ID. With a Directory
// (LoadDirectory), users it lists are addressed /Users/<uuid>, are updated
// rather than created, and references to them carry "value": <uuid>. A
// change set without Creates is an update; so is one with a rename, unless
// the directory shows the old ID does not exist.
//
// # Semantics
//
//   - Create: attribute paths build the body ("name.givenName" nests,
//     `emails[type eq "work"].value` becomes an element {"type":"work",
//     "value":…}); absent members are left out; employeeNumber is the
//     Employee ID; companyId comes from Options.CompanyID. When mobile phones
//     are given and none is marked primary, the first is made primary (UPS
//     wants exactly one primary mobile); emails carry no primary (not a UPS
//     attribute). Role elements carry "roleGroups": [] (the global group).
//   - Update: "replace" with the full path per value (URN-prefixed for
//     extensions, filtered for elements of multi-valued attributes, never the
//     whole multi-valued attribute), one "add" per multi-valued attribute
//     with every present member, a filtered "remove" per absent member
//     (`entitlements[value eq "X"]`, `…:Role:roles[roleName eq "X"]`).
//     employeeNumber (changed only by renames) and companyId (immutable) are
//     not patched; a differing value is a warning. With Options.Replace the
//     update is a PUT of the whole user carrying "id".
//   - Approvers: a new user gets one path-less add holding every approval
//     type, as in Concur's "Adding Approver" example. An existing user gets,
//     per type, a replace of the whole type array when the change set names
//     every slot of it (the primary for primary-only types, primary and
//     secondary for report and request), else a replace of the named slot
//     through report[primary eq true|false]: a new primary replaces the old
//     one rather than accumulating, and a slot the input leaves blank is
//     kept.
//   - Delegates: one add per product (…:Delegate:expense) with all its
//     delegates. The sub-attribute is spelled temporaryDelegation as in the
//     attribute reference (Concur's examples misspell it
//     temporaryDelegatation; paths so spelled are corrected); a boolean at
//     temporaryDelegation itself is the 500 record's presence flag.
//   - Managers (travel manager, biManager, enterprise manager): a replace of
//     the reference object {employeeNumber[, value]}; the last reference to
//     a slot wins.
//
// # Data, encoding and lineage
//
// Build keeps only the encoded operations: the data trees of 100k users
// would take gigabytes. Options.NewCheck sees each tree with its encoding
// once it is encoded, on the worker that built it (for validation without
// a rebuild). Operation.Data and Request.Tree rebuild the data on
// demand as map[string]any, []any, string, bool and json.Number, with the
// content that was encoded. The encoder writes object keys sorted, compact
// by default (Options.Indent for two-space indentation), byte for byte as
// encoding/json with HTML escaping off. Lineage is rebuilt on demand too:
// Operation.Sources maps JSON pointers inside the data to the input
// value (file:line:field) and Rows to the mapping row; Plan.SourceAt and
// Request.SourceAt resolve a pointer into a request body by longest prefix.
package plan
