// Package sandbox is a local emulator of SAP Concur's User Provisioning
// Service (UPS) v4, the target of `upsmigrate sandbox`, demos and tests.
//
// It serves, over HTTP or in-process (Server is an http.Handler):
//
//   - POST /oauth2/v0/token: password grant with credtype=authtoken
//     (username = company id, password = Credentials.AuthToken),
//     refresh_token (tokens rotate: each use retires the old one) and
//     client_credentials (an application token that may read Schemas but
//     no users). Access tokens are HS256 JWTs valid one hour. Errors carry
//     Concur's codes (5, 51, 52, 60–65, 100, 105, 106, 108, 120).
//   - POST /profile/v4/Bulk (202 + provision status), POST /profile/v4/Users
//     (201), PATCH|PUT|DELETE /profile/v4/Users/{id}, also under
//     /provisioning/v4 as in Concur's Postman collection.
//   - GET /profile/v4/provisions/{id}/status[?attributes=operations
//     &startIndex&count&state], shaped as spec/ups-v4/status-shapes.json.
//   - GET /profile/identity/v4/Users?filter= (userName, employeeNumber,
//     externalId), GET /profile/identity/v4.1/Users[/{id}] (cursor paging),
//     POST …/Users/.search with full SCIM filters, identity-only writes on
//     /profile/identity/v4[.1]/Users, GET /profile/spend/v4[.1]/Users[/{id}],
//     GET /profile/travel/v4/Users/{id}, GET /profile/v4/Users/{id} (every
//     schema), Schemas, ResourceTypes and ServiceProviderConfig.
//
// Provisioning is asynchronous as in UPS. A Bulk is accepted at once; after
// Config.Latency its operations' identities (core and enterprise schemas)
// are written in order, and after another Latency their extensions (spend,
// roles, approvers, delegates, preferences, payroll, travel). Single-user
// writes return the identity at once and provision the extensions the same
// way. An identity failure fails the operation and blocks its extensions
// (no-op); an extension failure leaves the identity and the other
// extensions written. Operation ids in the detailed status are 1-based
// positions in the request.
//
// Validation follows spec/ups-v4/attributes.csv (embedded under data/):
// types, required attributes, canonical values and lengths, formats (ISO
// 4217 currencies, ISO 3166-1 countries, language-REGION locales, UPS
// language codes and time zones, dates and their 1900–2079 range, UUIDs),
// spend role codes and their exclusions (spend-role-codes.csv), uniqueness
// of userName, employeeNumber and externalId, the company of the token,
// create-only testEmployee, and references (manager, biManager, approvers,
// delegates, travel manager) to existing users by id or employeeNumber.
// Unknown attributes are ignored, as UPS does.
//
// PATCH follows RFC 7644 §3.5.2 with UPS's rules: a multi-valued path
// without a filter replaces all values; add merges elements by their key
// (type, id, name, roleName); filtered paths select elements
// (customData[id eq "custom2"].value) and, when they are equality tests
// that match nothing, create the element. Concur's own quirks are
// tolerated: `entitlements eq "Invoice"` for entitlements[value eq
// "Invoice"], a trailing colon after an extension URN, and a bare string
// replacing emails[type eq "work"].
//
// Bulk requests hold at most 100 operations and 400 KB (413 beyond); POST
// needs a bulkId; "/Users/bulkId:x" paths and "bulkId:x" reference values
// resolve to users created earlier in the same request (an unknown bulkId
// is a 400). failOnErrors is accepted and ignored: UPS does not document it.
//
// Faults for tests: ResponseLatency, FailRate (500/502/503/504), ThrottleRate
// (429 + Retry-After), DropRate (connection closed before any reply) and
// Rate (requests per second per client id, 429 beyond). Seed makes the
// fault draws and generated ids reproducible for a given request order.
//
// State lives in memory, or with Config.DB in a SQLite file (users,
// provision statuses, refresh tokens, company and client ids, the token
// signing key; secrets only as SHA-256). Every request is logged on one line
// (method, path, status, duration, client id), never with tokens or secrets.
package sandbox
