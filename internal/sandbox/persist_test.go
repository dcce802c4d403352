package sandbox

import (
	"bytes"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSQLiteRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "sandbox.db")
	clock := newFakeClock()
	open := func(cfg Config) (*tclient, func()) {
		s, err := New(cfg)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		hs := httptest.NewServer(s)
		return &tclient{t: t, srv: s, base: hs.URL, hc: hs.Client(), token: s.AccessToken()}, func() {
			hs.Close()
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	}
	c1, close1 := open(Config{DB: db, ClientSecret: "sec", Users: 3, Latency: 10 * time.Minute, Clock: clock.Now})
	cr1 := c1.srv.Credentials()
	token1 := c1.token
	co := cr1.CompanyID
	r := c1.do("POST", "/profile/v4/Users", newUser(co, "DB1"))
	if r.status != 201 {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	uid, userProv := r.json["id"].(string), get(r.json, "meta.provisionId").(string)
	bulkProv := c1.bulk(postOp("b", newUser(co, "DB2")))
	del := c1.do("DELETE", "/profile/v4/Users/"+c1.do("GET", "/profile/identity/v4/Users?filter=employeeNumber%20eq%20%22E00003%22", nil).json["Resources"].([]any)[0].(map[string]any)["id"].(string), nil)
	if del.status != 204 {
		t.Fatalf("DELETE: %d", del.status)
	}
	close1()

	c2, close2 := open(Config{DB: db, Users: 3, Latency: 10 * time.Minute, Clock: clock.Now})
	defer close2()
	cr2 := c2.srv.Credentials()
	if cr2.CompanyID != co || cr2.ClientID != cr1.ClientID || cr2.GeneratedSecret {
		t.Fatalf("credentials after restart: %+v", cr2)
	}
	c2.token = token1 // the signing key survives the restart
	if g := c2.do("GET", "/profile/identity/v4/Users/"+uid, nil); g.status != 200 {
		t.Fatalf("user after restart: %d %s", g.status, g.body)
	}
	// E00003 was deleted: the seed recreates it; the others are kept.
	if l := c2.do("GET", "/profile/identity/v4.1/Users?count=1", nil); get(l.json, "totalResults") != 4.0 {
		t.Errorf("users after restart: %v", get(l.json, "totalResults"))
	}
	for _, p := range []string{userProv, bulkProv} {
		if s := c2.do("GET", "/profile/v4/provisions/"+p+"/status", nil); s.status != 200 || get(s.json, "status.completed") != false {
			t.Errorf("pending provision %s after restart: %d %s", p, s.status, s.body)
		}
	}
	clock.Advance(20 * time.Minute)
	for _, p := range []string{userProv, bulkProv} {
		if s := c2.waitDone(p); get(s, "status.success") != true {
			t.Errorf("provision %s after restart: %v", p, s)
		}
	}
	if l := c2.do("GET", "/profile/identity/v4/Users?filter=employeeNumber%20eq%20%22DB2%22", nil); get(l.json, "totalResults") != 1.0 {
		t.Errorf("bulk user after restart: %s", l.body)
	}
	rt := c2.form(url.Values{"grant_type": {"refresh_token"}, "client_id": {cr1.ClientID}, "client_secret": {"sec"}, "refresh_token": {cr1.RefreshToken}})
	if rt.status != 200 {
		t.Errorf("refresh token after restart: %d %s", rt.status, rt.body)
	}
}

func TestBadDBPath(t *testing.T) {
	if _, err := New(Config{DB: filepath.Join(t.TempDir(), "missing", "dir", "x.db")}); err == nil {
		t.Error("New accepted a DB in a missing directory")
	}
}

// TestDBPrivate: the state file holds the token signing key: 0600 whatever
// the umask, and an older, readable one is made private on open.
func TestDBPrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.db")
	if err := os.WriteFile(existing, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, db := range []string{filepath.Join(dir, "new.db"), existing} {
		s, err := New(Config{DB: db, ClientSecret: "sec"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{db, db + "-wal", db + "-shm"} {
			st, err := os.Stat(p)
			if err != nil {
				continue // -wal and -shm may not exist yet
			}
			if m := st.Mode().Perm(); m != 0o600 {
				t.Errorf("%s: mode %o, want 600", p, m)
			}
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBulkNotJSON: a Bulk request that is not JSON gets 415, whether its
// Content-Type says so or, without one, its body does; JSON with a JSON
// type that does not parse stays a 400.
func TestBulkNotJSON(t *testing.T) {
	s, err := New(Config{NoAuth: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	valid := []byte(`{"schemas":["` + urnBulkRequest + `"],"Operations":[]}`)
	tests := []struct {
		name, ct string
		body     []byte
		want     int
	}{
		{"form", "application/x-www-form-urlencoded", []byte("a=b"), 415},
		{"text with JSON in it", "text/plain", valid, 415},
		{"no type, not JSON", "", []byte("<batch/>"), 415},
		{"JSON type, broken JSON", "application/json", []byte("{"), 400},
		{"scim+json with charset", "application/scim+json; charset=utf-8", valid, 400}, // no operations
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newRequest("POST", "/profile/v4/Bulk", tt.body)
			if tt.ct != "" {
				req.Header.Set("Content-Type", tt.ct)
			}
			if rec := serve(s, req); rec.Code != tt.want {
				t.Errorf("status %d, want %d: %s", rec.Code, tt.want, rec.Body)
			}
		})
	}
}

// TestLogEscapes: what a client puts in the request line cannot forge a
// line of the request log or reach the terminal raw.
func TestLogEscapes(t *testing.T) {
	var log bytes.Buffer
	s, err := New(Config{NoAuth: true, Seed: 1, Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	req := newRequest("GET", "/profile/v4/Users/x", nil)
	req.URL.Path = "/profile/v4/Users/x\n2026-01-01T00:00:00Z POST /profile/v4/Bulk 202 \x1b[2J"
	req.URL.RawPath = ""
	req.Method = "GET\x1b[31m"
	serve(s, req)
	out := log.String()
	if n := strings.Count(out, "\n"); n != 1 {
		t.Errorf("%d log lines, want 1:\n%q", n, out)
	}
	if strings.ContainsAny(out, "\x1b") {
		t.Errorf("raw ESC in the log: %q", out)
	}
}
