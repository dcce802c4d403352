package target

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maxAnswer bounds the answer bodies read (a status page of 100 operations
// is far smaller).
const maxAnswer = 32 << 20

// httpc sends requests with the retry policy of HTTPOptions: 5xx, 429 and
// connection errors before the request was written are retried with
// exponential backoff and full jitter (Retry-After honoured, at least 1 s;
// 503 waits its Retry-After, at least twice the backoff, or without one at
// least MaintenanceDelay); a non-idempotent request whose
// connection broke after it was written is never re-sent (KindInDoubt).
type httpc struct {
	o HTTPOptions
}

// authorizer sets the Authorization of a request and renews it after a 401.
type authorizer interface {
	// authorize sets h's Authorization and returns the credential used.
	authorize(ctx context.Context, h http.Header) (string, error)
	// renew discards credential after a 401; false when renewing cannot
	// help (static credentials).
	renew(credential string) bool
}

// request is one logical request, sent one or more times.
type request struct {
	op          string // for errors: "send", "status" …
	method, url string
	body        []byte
	header      http.Header
	// idempotent requests are retried after a connection broke even when
	// they were written (GET); others are then in doubt.
	idempotent bool
	auth       authorizer
	// forbidden is the hint of a 403 (missing scopes).
	forbidden string
}

// response is the final answer to a request (any status not retried).
type response struct {
	status              int
	header              http.Header
	body                []byte
	attempts, throttled int
}

// do sends r until it gets an answer that is not retried, the attempts are
// exhausted or ctx ends (ctx's error is returned as is when the request
// was not written, wrapped in a KindInDoubt *Error when it was).
func (c *httpc) do(ctx context.Context, r *request) (*response, error) {
	var attempts, throttled int
	renewed := false
	var last *Error
	for try := 1; ; try++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hdr := r.header.Clone()
		if hdr == nil {
			hdr = http.Header{}
		}
		hdr.Set("User-Agent", c.o.UserAgent)
		var cred string
		if r.auth != nil {
			var err error
			if cred, err = r.auth.authorize(ctx, hdr); err != nil {
				return nil, err
			}
		}
		attempts++
		res, wrote, dur, err := c.once(ctx, r, hdr)
		path := logPath(r.url)
		if err != nil {
			c.o.Log("%s %s: %s (%s, attempt %d)", r.method, path, shortNetErr(err), dur.Round(time.Millisecond), attempts)
			timedOut := ctx.Err() == nil && isTimeout(err)
			switch {
			case ctx.Err() != nil && wrote && !r.idempotent:
				return nil, c.fail(r, KindInDoubt, 0, attempts, ctx.Err(), "cancelled after the request was sent: its outcome is unknown", "")
			case ctx.Err() != nil:
				return nil, ctx.Err()
			case wrote && !r.idempotent && timedOut:
				return nil, c.fail(r, KindInDoubt, 0, attempts, err, fmt.Sprintf("no answer within %s after the request was sent: its outcome is unknown", c.o.RequestTimeout), "it is not sent again; look its users up")
			case wrote && !r.idempotent:
				return nil, c.fail(r, KindInDoubt, 0, attempts, err, "the connection broke after the request was sent: its outcome is unknown ("+shortNetErr(err)+")", "it is not sent again; look its users up")
			}
			last = c.fail(r, KindUnreachable, 0, attempts, err, "cannot reach "+origin(r.url)+": "+shortNetErr(err), "check --target and the network")
			if try >= c.o.MaxAttempts {
				return nil, last
			}
			if err := c.o.Sleep(ctx, c.backoff(try)); err != nil {
				return nil, err
			}
			continue
		}
		c.o.Log("%s %s %d (%s, attempt %d)", r.method, path, res.status, dur.Round(time.Millisecond), attempts)
		var wait time.Duration
		switch s := res.status; {
		case s == http.StatusUnauthorized && r.auth != nil:
			if !renewed && r.auth.renew(cred) {
				renewed = true
				try-- // a renewal is not a retry
				continue
			}
			hint := "check the credentials; the token was renewed once already"
			if !renewed {
				hint = r.forbidden
			}
			e := c.fail(r, KindAuth, s, attempts, nil, "the target refused the credentials", hint)
			addSCIMDetail(e, res.body)
			return nil, e
		case s == http.StatusForbidden && r.auth != nil:
			e := c.fail(r, KindAuth, s, attempts, nil, "forbidden", r.forbidden)
			addSCIMDetail(e, res.body)
			return nil, e
		case s == http.StatusTooManyRequests:
			throttled++
			wait = c.retryAfter(res.header, try, 0)
		case s == http.StatusServiceUnavailable:
			// Maintenance: wait longer. The server's Retry-After says how
			// long (at least twice the backoff of a 500); without one,
			// at least MaintenanceDelay.
			least := c.o.MaintenanceDelay
			if _, ok := parseRetryAfter(res.header.Get("Retry-After"), c.o.Now()); ok {
				least = 2 * c.backoff(try)
			}
			wait = c.retryAfter(res.header, try, least)
		case s >= 500:
			wait = c.retryAfter(res.header, try, 0)
		default:
			res.attempts, res.throttled = attempts, throttled
			return res, nil
		}
		last = c.fail(r, KindRetryable, res.status, attempts, nil, http.StatusText(res.status), "the target is busy or failing; try again later")
		addSCIMDetail(last, res.body)
		if try >= c.o.MaxAttempts {
			return nil, last
		}
		if err := c.o.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// once sends one attempt and reads the whole answer. wrote reports that the
// request was written (or an answer started).
func (c *httpc) once(ctx context.Context, r *request, hdr http.Header) (res *response, wrote bool, dur time.Duration, err error) {
	actx, cancel := context.WithTimeout(ctx, c.o.RequestTimeout)
	defer cancel()
	var written atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			// A failed write leaves the server an incomplete request.
			if i.Err == nil {
				written.Store(true)
			}
		},
	})
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, r.url, body)
	if err != nil {
		return nil, false, 0, err
	}
	req.Header = hdr
	start := time.Now()
	resp, err := c.o.Client.Do(req)
	if err != nil {
		return nil, written.Load(), time.Since(start), err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	dur = time.Since(start)
	if err != nil {
		return nil, true, dur, err
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, true, dur, nil
}

// backoff is the full-jitter exponential wait before retry n (n ≥ 1).
func (c *httpc) backoff(n int) time.Duration {
	ceil := c.o.BaseDelay
	for i := 1; i < n && ceil < c.o.MaxDelay; i++ {
		ceil *= 2
	}
	ceil = min(ceil, c.o.MaxDelay)
	return time.Duration(c.o.Rand() * float64(ceil))
}

// retryAfter is the wait before retry n after an answer with header h:
// Retry-After (seconds or an HTTP date) when given, at least 1 s; else the
// backoff. least raises the wait (503 maintenance). MaxWait caps it.
func (c *httpc) retryAfter(h http.Header, n int, least time.Duration) time.Duration {
	wait := c.backoff(n)
	if d, ok := parseRetryAfter(h.Get("Retry-After"), c.o.Now()); ok {
		wait = max(d, time.Second)
	}
	return min(max(wait, least), c.o.MaxWait)
}

// parseRetryAfter reads a Retry-After value (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(24*time.Hour/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func (c *httpc) fail(r *request, k Kind, status, attempts int, err error, detail, hint string) *Error {
	return &Error{Kind: k, Op: r.op, Method: r.method, URL: stripQuery(r.url), Status: status,
		Detail: detail, Hint: hint, Attempts: attempts, Err: err}
}

// isTimeout reports a deadline or network timeout.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// shortNetErr words a transport error without the request URL.
func shortNetErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Error()
	}
	return err.Error()
}

func stripQuery(u string) string {
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[:i]
	}
	return u
}

// logPath is the path of u for the verbose log (no query: filters carry
// personal data).
func logPath(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "?"
	}
	return p.EscapedPath()
}

// origin is scheme://host of u.
func origin(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return u
	}
	return p.Scheme + "://" + p.Host
}
