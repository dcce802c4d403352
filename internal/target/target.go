package target

import (
	"context"
	"time"
)

// Target is where submit sends a plan: SAP Concur UPS v4 (asynchronous
// provisioning, OAuth2 company token), any SCIM 2.0 server with RFC 7644
// Bulk (synchronous BulkResponse), or the built-in sandbox (which is a UPS
// target on a loopback address). Every method is safe for concurrent use.
type Target interface {
	// Flavor is "ups" or "scim".
	Flavor() string
	// Prepare authenticates and reads what the target publishes (limits,
	// schemas). It fails with a *Error of KindAuth or KindUnreachable when
	// the target cannot be used; nothing has been sent then.
	Prepare(ctx context.Context) (*Info, error)
	// Send posts one Bulk request (an encoded scim.BulkRequest of ops
	// operations). Retryable failures (5xx, 429, connection errors before
	// the request was written) are retried inside Send. A request whose
	// outcome is unknown (connection dropped after the request was written,
	// timeout) returns a *Error of KindInDoubt and is never re-sent.
	Send(ctx context.Context, body []byte, ops int) (*Accepted, error)
	// Status reads the summary status of an asynchronous provision.
	Status(ctx context.Context, provisionID string) (*ProvisionStatus, error)
	// Operations reads the outcome of every operation of a provision (all
	// pages; failed ones first where the target can filter).
	Operations(ctx context.Context, provisionID string) ([]OpResult, error)
	// LookupEmployees finds users by employeeNumber; numbers not found are
	// absent from the map. Batched and safe to call with many numbers.
	LookupEmployees(ctx context.Context, employeeNumbers []string) (map[string]User, error)
	// LookupUserNames finds users by userName (logins compare ignoring case).
	LookupUserNames(ctx context.Context, userNames []string) (map[string]User, error)
}

// Info is what Prepare learned about the target.
type Info struct {
	// BaseURL is the API base actually used (the token's geolocation for
	// UPS unless overridden).
	BaseURL string
	// Company is the company id of the token ("" when the target has none).
	Company string
	// MaxOps and MaxBytes bound a Bulk request: the target's published
	// limits where smaller than 100 operations and 400 KB.
	MaxOps, MaxBytes int
	// Schemas lists the schema URNs the target supports (SCIM /Schemas);
	// nil when it does not say.
	Schemas []string
}

// Accepted is the answer to a Send.
type Accepted struct {
	HTTPStatus    int
	CorrelationID string
	// ProvisionID is set by asynchronous targets (UPS 202): poll it.
	ProvisionID string
	// Results is set by synchronous targets (SCIM BulkResponse): the
	// outcome of every operation, final.
	Results []OpResult
	// Throttled counts the 429 answers Send got (and waited out) before
	// the request was accepted; submit halves its concurrency on them.
	Throttled int
	// Attempts is how many times the request was sent (1 = first try).
	Attempts int
}

// ProvisionStatus is the summary status of a provision.
type ProvisionStatus struct {
	ID        string
	Completed bool
	// Success is meaningful once Completed.
	Success                        bool
	Total, Succeeded, Failed, Pend int
	Created, LastModified          time.Time
}

// OpResult is the outcome of one operation of a request.
type OpResult struct {
	// Index is the 0-based position of the operation in its request.
	Index     int
	BulkID    string
	Completed bool
	Success   bool
	// Code is the operation's HTTP status code ("201", "400" …).
	Code string
	// UserID is the id of the user the operation wrote (UPS
	// resource.id, SCIM Location), when known.
	UserID     string
	Extensions []ExtResult
	// Messages are operation-level messages (SCIM error detail).
	Messages []Message
}

// ExtResult is the outcome of one schema (extension) of an operation.
type ExtResult struct {
	Schema string // URN
	// Result is success, no-op, error or not-processed.
	Result   string
	Code     string
	Messages []Message
}

// Extension results.
const (
	ResultSuccess      = "success"
	ResultNoOp         = "no-op"
	ResultError        = "error"
	ResultNotProcessed = "not-processed"
)

// CodeNotSupported is the code of the message on an extension (or
// attributes) a SCIM target does not support and that was therefore not
// sent: by design, not a failure.
const CodeNotSupported = "NOT_SUPPORTED"

// Message is a message of the target about an operation or extension.
type Message struct {
	Code       string `json:"code,omitempty"`
	Text       string `json:"message,omitempty"`
	SchemaPath string `json:"schemaPath,omitempty"`
	Type       string `json:"type,omitempty"`
}

// User is a user found by a lookup.
type User struct {
	ID             string
	EmployeeNumber string
	UserName       string
}

// Kind classifies a *Error.
type Kind int

// Error kinds.
const (
	KindPermanent   Kind = iota // the target refused the request (4xx): do not retry
	KindInDoubt                 // the request may have been applied: settle by lookup
	KindAuth                    // bad credentials or missing scopes: fix and re-run
	KindUnreachable             // the target cannot be reached (retries exhausted)
	KindRetryable               // retries exhausted on 5xx/429
)
