package httpstub

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Registry is an http.RoundTripper answering requests from registered
// stubs. The zero value is usable; New ties it to a test. It is safe for
// concurrent use.
type Registry struct {
	mu        sync.Mutex
	t         testing.TB
	stubs     []*Stub
	requests  []*Request
	unmatched []string
}

// New returns a Registry that fails t at once for a request no stub matches
// and verifies its stubs when the test ends (t.Cleanup).
func New(t testing.TB) *Registry {
	r := &Registry{t: t}
	t.Cleanup(func() { r.Verify(t) })
	return r
}

// Stub is one registered answer.
type Stub struct {
	matcher   Matcher
	responder Responder
	times     int // uses allowed; < 0 = unlimited
	used      int
}

// Times lets the stub answer n requests (Verify wants all n).
func (s *Stub) Times(n int) *Stub {
	s.times = n
	return s
}

// Always lets the stub answer any number of requests (Verify wants one).
func (s *Stub) Always() *Stub {
	s.times = -1
	return s
}

// Request is a request the Registry received, with its body read.
type Request struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
	// Stub is the description of the stub that answered ("" when none).
	Stub string
}

// Register adds a stub: requests m matches get r's answer. It answers one
// request unless Times or Always is called on the returned Stub.
func (r *Registry) Register(m Matcher, resp Responder) *Stub {
	s := &Stub{matcher: m, responder: resp, times: 1}
	r.mu.Lock()
	r.stubs = append(r.stubs, s)
	r.mu.Unlock()
	return s
}

// Client returns an http.Client whose transport is r.
func (r *Registry) Client() *http.Client { return &http.Client{Transport: r} }

// Requests returns the requests received so far, in order.
func (r *Registry) Requests() []*Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Request(nil), r.requests...)
}

// RoundTrip answers req from the first stub that matches it and has uses
// left. A request no stub matches fails the test (when the Registry came
// from New) and returns an error.
func (r *Registry) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("httpstub: reading request body: %w", err)
		}
	}
	rec := &Request{Method: req.Method, URL: req.URL, Header: req.Header.Clone(), Body: body}
	withBody := func() *http.Request {
		c := req.Clone(req.Context())
		c.Body = io.NopCloser(bytes.NewReader(body))
		c.ContentLength = int64(len(body))
		return c
	}
	r.mu.Lock()
	var hit *Stub
	for _, s := range r.stubs {
		if s.times >= 0 && s.used >= s.times {
			continue
		}
		if s.matcher.match(req, body) {
			hit = s
			s.used++
			break
		}
	}
	r.requests = append(r.requests, rec)
	if hit == nil {
		desc := describe(req, body)
		r.unmatched = append(r.unmatched, desc)
		t := r.t
		r.mu.Unlock()
		if t != nil {
			t.Errorf("httpstub: no stub matches %s", desc)
		}
		return nil, fmt.Errorf("httpstub: no stub matches %s %s", req.Method, req.URL)
	}
	rec.Stub = hit.matcher.String()
	r.mu.Unlock()
	return hit.responder(withBody())
}

// Verify fails t for every stub used fewer times than it was registered
// for (at least once for Always) and for every request no stub matched.
func (r *Registry) Verify(t testing.TB) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.stubs {
		switch {
		case s.times < 0 && s.used == 0:
			t.Errorf("httpstub: stub %s was never used", s.matcher)
		case s.times >= 0 && s.used < s.times:
			t.Errorf("httpstub: stub %s was used %d of %d times", s.matcher, s.used, s.times)
		}
	}
	if r.t == nil {
		for _, u := range r.unmatched {
			t.Errorf("httpstub: no stub matched %s", u)
		}
	}
}

func describe(req *http.Request, body []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", req.Method, req.URL)
	if ct := req.Header.Get("Content-Type"); ct != "" {
		fmt.Fprintf(&b, " (Content-Type %s)", ct)
	}
	if len(body) > 0 {
		const max = 2048
		s := string(body)
		if len(s) > max {
			s = s[:max] + "…"
		}
		fmt.Fprintf(&b, "\n%s", s)
	}
	return b.String()
}
