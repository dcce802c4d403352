package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for deterministic status transitions.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// tclient talks to a sandbox over real HTTP.
type tclient struct {
	t     testing.TB
	srv   *Server
	base  string
	token string
	hc    *http.Client
}

// startSandbox serves a sandbox on an httptest server and returns a client
// holding a company token.
func startSandbox(t testing.TB, cfg Config) *tclient {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	c := &tclient{t: t, srv: s, base: hs.URL, hc: hs.Client()}
	if !cfg.NoAuth {
		c.token = s.AccessToken()
	}
	return c
}

type resp struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (c *tclient) do(method, path string, body any) resp {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatalf("request %s %s: %v", method, path, err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, body: data}
	_ = json.Unmarshal(data, &r.json)
	return r
}

func (c *tclient) form(vals url.Values) resp {
	c.t.Helper()
	res, err := c.hc.PostForm(c.base+"/oauth2/v0/token", vals)
	if err != nil {
		c.t.Fatalf("token: %v", err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, body: data}
	_ = json.Unmarshal(data, &r.json)
	return r
}

// waitDone polls a provision's detailed status until it is completed.
func (c *tclient) waitDone(id string) map[string]any {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := c.do("GET", "/profile/v4/provisions/"+id+"/status?attributes=operations", nil)
		if r.status != 200 {
			c.t.Fatalf("status %s: %d %s", id, r.status, r.body)
		}
		if get(r.json, "status.completed") == true {
			return r.json
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("provision %s not completed: %s", id, r.body)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (c *tclient) bulk(ops ...map[string]any) string {
	c.t.Helper()
	r := c.do("POST", "/profile/v4/Bulk", map[string]any{"schemas": []string{urnBulkRequest}, "failOnErrors": 1, "Operations": ops})
	if r.status != 202 {
		c.t.Fatalf("bulk: %d %s", r.status, r.body)
	}
	return r.json["id"].(string)
}

// get walks a dotted path through decoded JSON ("a.b.0.c"); keys that
// contain dots (schema URNs) are matched whole.
func get(v any, path string) any {
	segs := strings.Split(path, ".")
	for i := 0; i < len(segs); {
		switch x := v.(type) {
		case map[string]any:
			found := false
			for j := len(segs); j > i; j-- {
				if val, ok := x[strings.Join(segs[i:j], ".")]; ok {
					v, i, found = val, j, true
					break
				}
			}
			if !found {
				return nil
			}
		case []any:
			var n int
			if _, err := fmt.Sscan(segs[i], &n); err != nil || n >= len(x) {
				return nil
			}
			v, i = x[n], i+1
		default:
			return nil
		}
	}
	return v
}

// extStatus finds an extension's status in a detailed operation.
func extOf(op any, urn string) map[string]any {
	for _, e := range toArray(get(op, "extensions")) {
		if get(e, "name") == urn {
			return asMap(e)
		}
	}
	return nil
}

// newUser builds a valid POST body (identity + spend) for company.
func newUser(company, emp string) map[string]any {
	return map[string]any{
		"schemas":  []string{urnCore},
		"userName": strings.ToLower(emp) + "@example.com",
		"active":   true,
		"name":     map[string]any{"givenName": "Given" + emp, "familyName": "Family"},
		"emails":   []any{map[string]any{"type": "work", "value": strings.ToLower(emp) + "@example.com"}},
		urnEnterprise: map[string]any{
			"companyId": company, "employeeNumber": emp,
		},
		urnSpend: map[string]any{"reimbursementCurrency": "USD", "country": "US", "locale": "en-US"},
	}
}

func postOp(bulkID string, data map[string]any) map[string]any {
	return map[string]any{"method": "POST", "path": "/Users", "bulkId": bulkID, "data": data}
}

func patchOpData(ops ...map[string]any) map[string]any {
	return map[string]any{"schemas": []string{urnPatchOp}, "Operations": ops}
}

type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newRequest(method, path string, body []byte) *http.Request {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r := httptest.NewRequest(method, "http://sandbox.test"+path, rd)
	return r
}

// serve runs one request in-process, without a listener.
func serve(s *Server, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, r)
	return rec
}
