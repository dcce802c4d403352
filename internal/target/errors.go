package target

import (
	"errors"
	"strconv"
	"strings"
)

// Error is a failure of a target call, classified by Kind. Its message
// never holds a token, secret or request body: only the method and path,
// the status, what the target said (error code, SCIM detail) and a hint.
type Error struct {
	Kind Kind
	// Op is what was being done: "token", "send", "status", "lookup" …
	Op string
	// Method and URL of the failing call (the URL without query).
	Method, URL string
	// Status is the HTTP status of the last answer, 0 without one.
	Status int
	// Code is the target's error code: Concur's OAuth2 code ("5"), the
	// OAuth2 error ("invalid_grant") or the SCIM scimType.
	Code string
	// Detail is what the target said (SCIM detail, error_description) or
	// what went wrong.
	Detail string
	// Hint says what to do about it.
	Hint string
	// Messages are the target's messages (SCIM Concur error extension).
	Messages []Message
	// Attempts is how many times the request was sent.
	Attempts int
	// Err is the underlying error (network error, context error), if any.
	Err error
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	if e.Method != "" || e.URL != "" {
		b.WriteString(strings.TrimSpace(e.Method + " " + e.URL))
		b.WriteString(": ")
	}
	if e.Status != 0 {
		b.WriteString(strconv.Itoa(e.Status))
		b.WriteString(" ")
	}
	b.WriteString(e.Detail)
	if e.Attempts > 1 {
		b.WriteString(" (after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts)")
	}
	if e.Hint != "" {
		b.WriteString(" — ")
		b.WriteString(e.Hint)
	}
	return strings.TrimSpace(b.String())
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// String names the kind.
func (k Kind) String() string {
	switch k {
	case KindPermanent:
		return "permanent"
	case KindInDoubt:
		return "in-doubt"
	case KindAuth:
		return "auth"
	case KindUnreachable:
		return "unreachable"
	case KindRetryable:
		return "retryable"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// KindOf returns the Kind of the first *Error in err's chain; ok is false
// when there is none.
func KindOf(err error) (k Kind, ok bool) {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind, true
	}
	return 0, false
}

// IsKind reports whether err holds a *Error of kind k.
func IsKind(err error, k Kind) bool {
	got, ok := KindOf(err)
	return ok && got == k
}
