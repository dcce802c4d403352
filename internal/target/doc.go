// Package target holds the HTTP clients submit sends through, behind one
// interface (Target):
//
//   - NewUPS: SAP Concur UPS v4 (and the sandbox, its emulator). OAuth2
//     company token with golang.org/x/oauth2: the password grant with
//     credtype=authtoken (company UUID + request token), the refresh grant
//     with rotation (the newest refresh token saved to UPSOptions.TokenFile,
//     0600, atomically) or client credentials. The token's geolocation is
//     the API base. Bulk POST answers 202 and a provision id; Status and
//     Operations read /profile/v4/provisions/{id}/status (operations paged,
//     failed ones first). Lookups batch employeeNumber/userName filters in
//     POST /profile/identity/v4.1/Users/.search, falling back to GET
//     /profile/identity/v4/Users?filter= one by one.
//   - NewSCIM: any RFC 7644 server with a synchronous /Bulk. The UPS body is
//     rewritten into the RFC dialect (dialect.go) for what the server's
//     /Schemas supports: entitlements as {"value": …} objects, canonical
//     email types; schemas the server does not list are removed from
//     bodies, schemas arrays and PATCH operations (reported per operation
//     as not-processed extensions), and, where /Schemas lists a schema's
//     attributes, so are the top-level attributes it lacks (the enterprise
//     companyId is kept only when listed). A PATCH left empty is not sent:
//     its result is a success with no-op extensions and the message
//     "nothing this server supports". Lookups are GET /Users?filter= with
//     or-batches.
//
// Every HTTP call goes through one retry policy (retry.go): 5xx, 429 and
// connection errors before the request was written are retried with
// exponential backoff and full jitter; Retry-After is honoured with a floor
// of one second, 503 (maintenance) waits at least 30 s. A Bulk whose
// connection broke after it was written, or that timed out, is never
// re-sent: *Error of KindInDoubt. A 401 renews the token once.
//
// Errors are *Error values classified by Kind. Nothing secret — tokens,
// client secrets, request tokens, Authorization headers — and no request
// body is ever put in an error or the verbose log (HTTPOptions.Log).
//
// The conformance suite every Target passes is in package targettest.
package target
