package submit

import (
	"net/http"
	"time"

	"golang.org/x/time/rate"
)

// PaceTransport paces the HTTP requests sent through rt to perSecond
// requests per second, every request counted: Bulk sends, status polls
// and their pages, lookups, token requests and retries. Give it the rate
// the target allows a client (UPS counts every request against it) and
// use it as the transport of the target's HTTP client (HTTPOptions.Client):
// the client then meets no 429s of its own making, where a client that
// paces only its sends (Options.Rate) meets them on its polls and lookups,
// and each costs the request at least a second (Retry-After is in whole
// seconds). perSecond ≤ 0 returns rt unchanged; a nil rt is
// http.DefaultTransport.
//
// Requests wait their turn in the order they come, each at 1/perSecond
// from the previous one, without bursts: the target's own allowance (a
// bucket of about a second of requests) absorbs the jitter of the network.
func PaceTransport(rt http.RoundTripper, perSecond float64) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	if perSecond <= 0 {
		return rt
	}
	return &paced{rt: rt, rl: rate.NewLimiter(rate.Limit(perSecond), 1)}
}

type paced struct {
	rt http.RoundTripper
	rl *rate.Limiter
}

// RoundTrip waits for the request's turn, or for its context to end: then
// the request is not sent and the context's error is returned (a turn
// past the deadline is not waited for in vain: the deadline is).
func (p *paced) RoundTrip(r *http.Request) (*http.Response, error) {
	ctx := r.Context()
	res := p.rl.Reserve()
	d := res.Delay()
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		res.Cancel()
		d = time.Until(dl) + time.Millisecond
	}
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
	if err := ctx.Err(); err != nil {
		res.Cancel()
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	return p.rt.RoundTrip(r)
}
