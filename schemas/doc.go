// Package schemas holds the JSON Schemas of what upsmigrate sends to SAP
// Concur's User Provisioning Service (UPS v4) and validates payloads against
// them, with positions.
//
// The schema files (*.json in this directory, embedded) are written from
// spec/ups-v4/attributes.csv and endpoints.csv: user.json (core User and
// the extension keys), enterprise-user.json, sap-user.json, spend-user.json,
// approver.json, approver-limit.json, delegate.json, role.json,
// user-preference.json, workflow-preference.json, invoice-preference.json,
// payroll.json, travel-user.json, patch-op.json, bulk-request.json and
// plan-line.json (one line of plan.jsonl, package lineage's format: the
// header, a dictionary entry or an employee; validate also reads the plan
// with lineage's reader, for what no per-line schema says: the version,
// references to entries defined above, the operations' fields). The code
// lists (ISO 3166-1 countries, ISO 4217 currencies, spend role codes, UPS
// time zones and languages) are read from package spec, which keeps the
// one copy of each (spec/reference/, spec/spend-role-codes.csv).
// Formats ("country", "locale", "role-code", "username", "date-time", …)
// are Go checks registered under the same names with both validators.
//
// # Two modes
//
// Keywords under the annotation "x-strict" apply only in strict mode:
// "required" and "properties" there add to the schema's own, "format",
// "enum", "pattern", "minLength" and "maxLength" replace them. Strict mode
// also closes every schema that declares "type": "object" and "properties"
// (additionalProperties: false). So the files compile into two variants:
// the default one (x-strict dropped, objects open) and the strict one. In
// strict mode the strict variant's findings are the errors; in default mode
// the default variant's findings are the errors and whatever the strict
// variant finds beyond them becomes a warning: unknown attributes, and the
// rules Concur's own Postman examples break (a User without "schemas", PUT
// data without "id", "de-DE" as preferredLanguage, dates with a time but no
// zone, EXP_USER sent as a role, …).
//
// # Two validators
//
// Validator runs santhosh-tekuri/jsonschema/v5 and is the reference: the
// validate command and the tests use it. FastValidator (Validator.Fast)
// compiles the same files into a tree of Go checks for the keywords they
// use (type, enum, const, format, pattern, minLength, maxLength, minItems,
// maxItems, required, properties, additionalProperties: false, items, $ref,
// allOf, if/then/else, boolean schemas); any other keyword is a compile
// error, so the two cannot drift apart silently. It walks decoded values
// (map[string]any, []any, string, bool, json.Number, nil) in one pass for
// both modes, with no encoding, and as well any tree exposed through the
// read-only Object and Array interfaces (and *string for string), so a
// caller validates its own tree without converting it; on a valid document
// it allocates nothing. A tree whose nodes also give their slices
// (Members, Elements) is read without a method call per member.
// FuzzDifferential holds both to the same findings, over decoded
// documents and over Object/Array wrappers of them (every other one with
// Members or Elements).
//
// The walk's shortcuts live in fastleaf.go: leafOK and condOK decide
// schemas that only check the value itself (and "if" conditions on one
// member) without emitting, falling back to the plain walk whenever a
// finding may follow; the walker's memo of member names by position and
// the caches of recent nodes and PATCH paths are caches of pure functions,
// confirmed by comparing whole strings. TestMemoDifferential and
// TestRecentCaches hold them to the reference and the uncached answers.
//
// A Session (FastValidator.Session), for one goroutine, adds a memo of
// whole data (opmemo.go): given the data's JSON encoding, an operation
// whose method and encoded data equal those of an earlier one that passed
// has only its method, path and bulkId checked, the data standing in as
// valid (ValidateOperationEncoded). The PATCH of each report of one
// manager repeats byte for byte; a method whose data does not repeat
// stops using the memo after a sample. convert's workers take a Session
// each: no lock. TestDataMemoDifferential holds it to the reference under
// every method, path and bulkId. Given also where each member of the
// data's root object is within the encoding (ValidateOperationMembers),
// the Session keeps a memo of members as well (membermemo.go): the POST
// of a new user never repeats whole, but its preferences, roles and
// schemas do, and a member whose encoding passed the same schema before
// is not walked again; TestMemberMemoDifferential holds it to the
// reference.
//
// The reference compiles on first use: convert and validate run the fast
// path only.
//
// What no keyword says is shared Go code used by both: each PATCH
// operation's value is checked against the schema of the attribute its path
// names (an unknown path is a strict-only finding), bulkIds must be unique,
// and a serialized bulk request must stay within 400 KB.
//
// # Attributes
//
// LookupAttribute and LookupElementAttribute tell whether a path in the
// mapping tables' notation (name.givenName, emails[type eq "work"].value,
// report[primary eq true].approver.employeeNumber) names an attribute of a
// schema, from a catalogue of the schema files built once per process; an
// unknown name is an *AttributeError with the closest known path (Suggest:
// same name in another case, small edit distance, same name elsewhere in
// the schema or in another schema). Names are case-sensitive: RFC 7643
// says otherwise, but UPS reads its JSON case-sensitively.
//
// # Findings
//
// A Finding names a JSON pointer ("/Operations/3/data/name/givenName"), a
// message, a severity and the keyword; ValidateFile and ValidateBytes add
// the line of the file. SourceOf maps a finding on a bulk request back to
// the input value it came from, through a lineage callback.
package schemas
