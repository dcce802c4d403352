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
// Validation follows spec/ups-v4/attributes.csv: types, required
// attributes, canonical values and lengths, formats (ISO 4217 currencies,
// ISO 3166-1 countries, language-REGION locales, UPS language codes and time
// zones, dates and their 1900–2079 range, UUIDs), spend role codes and their
// exclusions (spec/spend-role-codes.csv), uniqueness of userName,
// employeeNumber and externalId, the company of the token, create-only
// testEmployee, and references (manager, biManager, approvers, delegates,
// travel manager) to existing users by id or employeeNumber. The attribute
// list and every code list are read from package spec.
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
// Faults for rehearsals and tests (Config fields; `upsmigrate sandbox`
// flags in brackets):
//
//   - ResponseLatency [--response-latency]: every answer is delayed.
//   - Latency [--latency]: each provisioning stage is delayed.
//   - DropRate [--drop-rate]: the connection is closed before the request
//     is processed (logged "dropped").
//   - MaintenanceRate, MaintenanceDuration [--maintenance-rate,
//     --maintenance-duration]: a request opens a maintenance window (5s by
//     default) when none is open; during it every request (the opening one
//     included) but the token endpoint, which stays up so clients can keep
//     their tokens fresh, gets 503 with Retry-After (seconds left, rounded
//     up, at least 1) and the SCIM error "service under maintenance".
//     Server.SetMaintenance opens or closes a window directly.
//   - FailRate [--fail-rate]: 500, 502, 503 (with Retry-After: 1) or 504.
//   - ThrottleRate, ThrottleRetryAfter [--throttle-rate,
//     --throttle-retry-after]: 429 with Retry-After, 1 s by default; 0 can
//     be sent explicitly (a client must not read it as "now").
//   - Rate [--rate]: requests per second per client id; 429 beyond, with
//     the limiter's delay as Retry-After.
//   - ApplyDropRate [--apply-drop-rate]: a write (Bulk POST; POST, PATCH,
//     PUT or DELETE of a User, identity endpoints included) is processed
//     and committed (the Bulk accepted and queued, the user written, the DB
//     flushed), then its connection closed without the answer: the
//     in-doubt case (logged "applied, answer dropped"). Only 2xx answers
//     are dropped.
//   - ExtFailRate [--ext-fail-rate]: each extension an operation writes
//     (spend User, Role, Approver, ApproverLimit, Delegate, preferences,
//     Payroll, Travel; never core or enterprise) fails with result "error",
//     code 400 and an INVALID_VALUE message "injected extension failure
//     (--ext-fail-rate)" whose schemaPath names an attribute it wrote. The
//     identity and the other extensions are written; the operation
//     completes with success false and code "400", as status-shapes.json
//     shows for a failed spend extension.
//
// Drop, maintenance, fail and throttle (and the rate limit) are decided and
// answered before the request changes anything, so a client may retry them
// safely; the apply-drop acts after the change is committed.
//
// Seed [--seed] makes the fault draws and generated ids reproducible for a
// given request order. Each request draws, before it is processed, from
// three streams: the request stream (DropRate; unless dropped, FailRate and,
// when it fires, which of the four statuses; unless failed, ThrottleRate),
// the maintenance stream (MaintenanceRate, every non-token request) and the
// apply-drop stream (ApplyDropRate, every write). The provisioning worker
// draws ExtFailRate from a fourth stream, once per extension written, in
// the order extensions are written (provisions in queue order, operations in
// request order, extensions in status order). A draw is made only when its
// rate is positive, and which draws happen never depends on the clock, so
// enabling one fault does not move where the others hit.
//
// Every operation that wrote or addressed an existing user carries the
// user's id as resource.id in the detailed status, also when an extension
// failed; a POST whose identity failed has no resource.
//
// State lives in memory, or with Config.DB in a SQLite file (users,
// provision statuses, refresh tokens, company and client ids, the token
// signing key; secrets only as SHA-256). Every request is logged on one line
// (method, path, status, duration, client id), never with tokens or secrets.
package sandbox
