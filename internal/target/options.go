package target

import (
	"context"
	"math/rand/v2"
	"net/http"
	"time"
)

// Defaults of HTTPOptions.
const (
	DefaultRequestTimeout   = 60 * time.Second
	DefaultMaxAttempts      = 8
	DefaultBaseDelay        = 500 * time.Millisecond
	DefaultMaxDelay         = 60 * time.Second
	DefaultMaintenanceDelay = 30 * time.Second
	DefaultMaxWait          = 10 * time.Minute
	// DefaultMaxOps and DefaultMaxBytes bound a Bulk request unless the
	// target publishes smaller limits (spec/ups-v4/endpoints.csv: at most
	// 100 operations or 400 KB).
	DefaultMaxOps   = 100
	DefaultMaxBytes = 400 * 1024
)

// HTTPOptions are the HTTP settings the UPS and SCIM clients share: the
// transport, timeouts, the retry policy and the verbose log. The zero value
// uses the defaults above.
type HTTPOptions struct {
	// Client sends the requests (its Timeout should be 0: RequestTimeout
	// applies per attempt). nil uses a clone of http.DefaultTransport that
	// does not follow redirects.
	Client *http.Client
	// RequestTimeout bounds one attempt, answer body included. A Send
	// that times out after its request was written is in doubt.
	RequestTimeout time.Duration
	// MaxAttempts is how many times a request is sent at most (1 = no
	// retry).
	MaxAttempts int
	// BaseDelay and MaxDelay shape the exponential backoff with full
	// jitter: before retry n the wait is a random duration in
	// [0, min(MaxDelay, BaseDelay·2^(n-1))).
	BaseDelay, MaxDelay time.Duration
	// MaintenanceDelay is the least wait after a 503 (UPS maintenance)
	// without a Retry-After; with one, the wait is Retry-After (at least
	// twice the backoff of a 500).
	MaintenanceDelay time.Duration
	// MaxWait caps any single wait, Retry-After and maintenance included.
	MaxWait time.Duration
	// Log, when set, gets one line per HTTP call: method, path, status (or
	// the network error), duration and attempt. Never a token, secret,
	// header or body.
	Log func(format string, args ...any)
	// UserAgent is sent with every request ("upsmigrate" when empty).
	UserAgent string

	// Sleep waits d or until ctx ends (tests record the waits); nil
	// sleeps on a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Rand returns a number in [0,1) for the jitter; nil uses math/rand.
	Rand func() float64
	// Now is the clock for Retry-After dates; nil uses time.Now.
	Now func() time.Time
}

func (o HTTPOptions) withDefaults() HTTPOptions {
	if o.Client == nil {
		// Redirects are answers, not followed: a 302 would turn a Bulk
		// POST into a GET.
		o.Client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.BaseDelay <= 0 {
		o.BaseDelay = DefaultBaseDelay
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	if o.MaintenanceDelay <= 0 {
		o.MaintenanceDelay = DefaultMaintenanceDelay
	}
	if o.MaxWait <= 0 {
		o.MaxWait = DefaultMaxWait
	}
	if o.UserAgent == "" {
		o.UserAgent = "upsmigrate"
	}
	if o.Sleep == nil {
		o.Sleep = Sleep
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	return o
}

// Sleep waits d, or until ctx is done (then it returns ctx.Err()).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
