package httpstub

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// recorder is a testing.TB that records failures instead of failing.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errs     []string
	cleanups []func()
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recorder) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

func get(t *testing.T, c *http.Client, u string) (*http.Response, error) {
	t.Helper()
	return c.Get(u)
}

func TestRegisterMatchesOnceByDefault(t *testing.T) {
	reg := New(t)
	reg.Register(REST("GET", "/a"), StringResponse("one"))
	reg.Register(REST("GET", "/a"), StatusStringResponse(201, "two"))
	c := reg.Client()
	for _, want := range []struct {
		status int
		body   string
	}{{200, "one"}, {201, "two"}} {
		res, err := get(t, c, "http://x/a")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != want.status || string(b) != want.body {
			t.Errorf("got %d %q, want %d %q", res.StatusCode, b, want.status, want.body)
		}
	}
}

func TestTimesAndAlways(t *testing.T) {
	reg := New(t)
	reg.Register(REST("GET", "/t"), StringResponse("t")).Times(3)
	reg.Register(REST("GET", "/a"), StringResponse("a")).Always()
	c := reg.Client()
	for range 3 {
		if _, err := get(t, c, "http://x/t"); err != nil {
			t.Fatal(err)
		}
	}
	for range 5 {
		if _, err := get(t, c, "http://x/a/"); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(reg.Requests()); n != 8 {
		t.Errorf("Requests = %d, want 8", n)
	}
}

func TestVerifyReportsUnusedAndUnmatched(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(*Registry)
		calls  []string
		failed []string
	}{
		{"unused", func(r *Registry) { r.Register(REST("GET", "/never"), StringResponse("")) }, nil, []string{"GET /never was used 0 of 1"}},
		{"times not reached", func(r *Registry) { r.Register(REST("GET", "/t"), StringResponse("")).Times(2) }, []string{"/t"}, []string{"used 1 of 2"}},
		{"always never used", func(r *Registry) { r.Register(REST("GET", "/a"), StringResponse("")).Always() }, nil, []string{"never used"}},
		{"unmatched", func(r *Registry) {}, []string{"/nope?q=1"}, []string{"no stub matches GET http://x/nope?q=1"}},
		{"exhausted", func(r *Registry) { r.Register(REST("GET", "/o"), StringResponse("")) }, []string{"/o", "/o"}, []string{"no stub matches GET http://x/o"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			reg := New(rec)
			tt.setup(reg)
			for _, p := range tt.calls {
				res, err := reg.Client().Get("http://x" + p)
				if err == nil {
					res.Body.Close()
				}
			}
			rec.runCleanups()
			all := strings.Join(rec.errs, "\n")
			for _, f := range tt.failed {
				if !strings.Contains(all, f) {
					t.Errorf("failures %q lack %q", all, f)
				}
			}
		})
	}
}

func TestZeroRegistryVerifyReportsUnmatched(t *testing.T) {
	var reg Registry
	c := &http.Client{Transport: &reg}
	if _, err := c.Post("http://x/p", "application/json", strings.NewReader(`{"a":1}`)); err == nil {
		t.Fatal("unmatched request succeeded")
	}
	rec := &recorder{TB: t}
	reg.Verify(rec)
	if len(rec.errs) != 1 || !strings.Contains(rec.errs[0], `{"a":1}`) {
		t.Errorf("Verify errors = %q, want the request with its body", rec.errs)
	}
}

func TestMatchers(t *testing.T) {
	reg := New(t)
	reg.Register(REST("POST", "/j").And(JSONBody(func(v any) bool {
		m, _ := v.(map[string]any)
		return m["n"] == float64(2)
	})), StringResponse("two"))
	reg.Register(REST("POST", "/j"), StringResponse("other"))
	reg.Register(REST("GET", "/q").And(Query("a", "b"), Header("X-K", "v")), StringResponse("q"))
	reg.Register(REST("GET", "/q").And(NoQuery("a")), StringResponse("noq"))
	reg.Register(REST("POST", "/f").And(FormField("grant_type", "password"), Form(func(v url.Values) bool { return v.Get("credtype") == "authtoken" })), StringResponse("form"))
	c := reg.Client()
	body := func(res *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if got := body(c.Post("http://x/j", "application/json", strings.NewReader(`{"n":3}`))); got != "other" {
		t.Errorf("n=3 got %q", got)
	}
	if got := body(c.Post("http://x/j", "application/json", strings.NewReader(`{"n":2}`))); got != "two" {
		t.Errorf("n=2 got %q", got)
	}
	req, _ := http.NewRequest("GET", "http://x/q?a=b", nil)
	req.Header.Set("X-K", "v")
	if got := body(c.Do(req)); got != "q" {
		t.Errorf("query got %q", got)
	}
	if got := body(c.Get("http://x/q")); got != "noq" {
		t.Errorf("no query got %q", got)
	}
	if got := body(c.PostForm("http://x/f", url.Values{"grant_type": {"password"}, "credtype": {"authtoken"}})); got != "form" {
		t.Errorf("form got %q", got)
	}
	if b := reg.Requests()[1].Body; string(b) != `{"n":2}` {
		t.Errorf("recorded body %q", b)
	}
}

func TestResponders(t *testing.T) {
	reg := New(t)
	reg.Register(REST("GET", "/json"), JSONResponse(202, map[string]string{"id": "p"}))
	reg.Register(REST("GET", "/hdr"), StatusWithHeader(429, "Retry-After", "3"))
	reg.Register(REST("GET", "/seq"), Sequence(StatusStringResponse(500, ""), StringResponse("ok"))).Times(3)
	c := reg.Client()
	res, err := c.Get("http://x/json")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 202 || string(b) != `{"id":"p"}` || res.Header.Get("Content-Type") != "application/json" {
		t.Errorf("JSONResponse = %d %q %v", res.StatusCode, b, res.Header)
	}
	res, err = c.Get("http://x/hdr")
	if err != nil || res.StatusCode != 429 || res.Header.Get("Retry-After") != "3" {
		t.Errorf("StatusWithHeader = %v %v", res, err)
	}
	var codes []int
	for range 3 {
		res, err := c.Get("http://x/seq")
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, res.StatusCode)
	}
	if codes[0] != 500 || codes[1] != 200 || codes[2] != 200 {
		t.Errorf("Sequence codes = %v", codes)
	}
}

func TestConnDropAndDialErrorTrace(t *testing.T) {
	tests := []struct {
		name      string
		responder Responder
		wrote     bool
	}{
		{"dial error", DialError(), false},
		{"conn drop", ConnDrop(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := New(t)
			reg.Register(Any(), tt.responder)
			wrote := false
			ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote = true }})
			req, _ := http.NewRequestWithContext(ctx, "POST", "http://x/b", strings.NewReader("{}"))
			_, err := reg.Client().Do(req)
			if err == nil {
				t.Fatal("no error")
			}
			if wrote != tt.wrote {
				t.Errorf("WroteRequest called = %v, want %v", wrote, tt.wrote)
			}
		})
	}
}

func TestHangEndsWithContext(t *testing.T) {
	reg := New(t)
	reg.Register(Any(), Hang())
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, "GET", "http://x/h", nil)
	done := make(chan error, 1)
	go func() {
		_, err := reg.Client().Do(req)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Hang returned %v, want context canceled", err)
	}
}
