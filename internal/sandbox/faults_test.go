package sandbox

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaultModes(t *testing.T) {
	t.Run("drop", func(t *testing.T) {
		var logs safeBuffer
		c := startSandbox(t, Config{DropRate: 1, Log: &logs})
		req, _ := http.NewRequest("GET", c.base+"/profile/v4/Schemas", nil)
		res, err := c.hc.Do(req)
		if err == nil {
			res.Body.Close()
			t.Fatalf("got a reply %d, want a closed connection", res.StatusCode)
		}
		if !strings.Contains(logs.String(), "GET /profile/v4/Schemas dropped") {
			t.Errorf("log: %q", logs.String())
		}
	})
	t.Run("fail", func(t *testing.T) {
		c := startSandbox(t, Config{FailRate: 1})
		r := c.do("GET", "/profile/v4/Schemas", nil)
		if r.status < 500 || r.status > 504 || get(r.json, "schemas.0") != urnError {
			t.Errorf("got %d %s", r.status, r.body)
		}
	})
	t.Run("throttle", func(t *testing.T) {
		c := startSandbox(t, Config{ThrottleRate: 1})
		r := c.do("GET", "/profile/v4/Schemas", nil)
		if r.status != 429 || r.header.Get("Retry-After") != "1" || r.json["scimType"] != "tooMany" {
			t.Errorf("got %d %v %s", r.status, r.header, r.body)
		}
	})
	t.Run("rate", func(t *testing.T) {
		clock := newFakeClock()
		c := startSandbox(t, Config{Rate: 2, Clock: clock.Now})
		var got []int
		for i := 0; i < 3; i++ {
			got = append(got, c.do("GET", "/profile/v4/Schemas", nil).status)
		}
		r := c.do("GET", "/profile/v4/Schemas", nil)
		if got[0] != 200 || got[1] != 200 || got[2] != 429 || r.status != 429 || r.header.Get("Retry-After") == "" {
			t.Fatalf("statuses %v then %d", got, r.status)
		}
		clock.Advance(time.Second)
		if r := c.do("GET", "/profile/v4/Schemas", nil); r.status != 200 {
			t.Errorf("after one second: %d", r.status)
		}
		// Another client has its own budget.
		other := startSandbox(t, Config{Rate: 2, Clock: clock.Now, NoAuth: true})
		if r := other.do("GET", "/profile/v4/Schemas", nil); r.status != 200 {
			t.Errorf("other client: %d", r.status)
		}
	})
	t.Run("response latency", func(t *testing.T) {
		c := startSandbox(t, Config{ResponseLatency: time.Millisecond})
		if r := c.do("GET", "/profile/v4/Schemas", nil); r.status != 200 {
			t.Errorf("got %d", r.status)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		for _, cfg := range []Config{{FailRate: 1.5}, {DropRate: -0.1}, {Rate: -1}, {Users: -1}} {
			if _, err := New(cfg); err == nil {
				t.Errorf("New(%+v) accepted", cfg)
			}
		}
	})
}

func TestSeedReplaysFaults(t *testing.T) {
	run := func(seed int64) string {
		c := startSandbox(t, Config{Seed: seed, FailRate: 0.3, ThrottleRate: 0.3})
		var b strings.Builder
		for i := 0; i < 40; i++ {
			fmt.Fprintf(&b, "%d ", c.do("GET", "/profile/v4/ServiceProviderConfig", nil).status)
		}
		return b.String()
	}
	a, b := run(99), run(99)
	if a != b {
		t.Errorf("same seed, different faults:\n%s\n%s", a, b)
	}
	if !strings.Contains(a, "200") || !strings.Contains(a, "429") || !strings.Contains(a, " 50") {
		t.Errorf("expected a mix of answers: %s", a)
	}
	if run(100) == a {
		t.Errorf("another seed gave the same faults")
	}
}

// TestConcurrentClients runs clients that create, patch, read and poll at
// the same time; run it with -race.
func TestConcurrentClients(t *testing.T) {
	c := startSandbox(t, Config{Users: 10})
	co := c.srv.Credentials().CompanyID
	const clients, rounds = 6, 5
	var wg sync.WaitGroup
	errs := make(chan string, clients*rounds*4)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				var ops []map[string]any
				for k := 0; k < 5; k++ {
					emp := strings.ToUpper(string(rune('A'+w))) + "-" + string(rune('0'+r)) + string(rune('0'+k))
					ops = append(ops, postOp(emp, newUser(co, emp)))
				}
				ops = append(ops, map[string]any{"method": "PATCH", "path": "/Users/bulkId:" + ops[0]["bulkId"].(string),
					"data": patchOpData(map[string]any{"op": "add", "path": urnApprover + ":report", "value": []any{map[string]any{"approver": map[string]any{"employeeNumber": "E00001"}, "primary": true}}})})
				res := c.do("POST", "/profile/v4/Bulk", map[string]any{"schemas": []string{urnBulkRequest}, "Operations": ops})
				if res.status != 202 {
					errs <- res.String()
					continue
				}
				st := c.waitDone(res.json["id"].(string))
				if get(st, "status.success") != true {
					errs <- string(res.body)
				}
				if l := c.do("POST", "/profile/identity/v4.1/Users/.search", map[string]any{"schemas": []string{urnConcurSearch}, "filter": `active eq true`, "count": 5}); l.status != 200 {
					errs <- l.String()
				}
				if p := c.do("PATCH", "/profile/v4/Users/"+get(st, "operations.1.resource.id").(string), patchOpData(map[string]any{"op": "replace", "path": "title", "value": "T"})); p.status != 200 {
					errs <- p.String()
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	l := c.do("GET", "/profile/identity/v4.1/Users?count=1", nil)
	if want := float64(10 + clients*rounds*5); get(l.json, "totalResults") != want {
		t.Errorf("users: %v, want %v", get(l.json, "totalResults"), want)
	}
}

func (r resp) String() string { return http.StatusText(r.status) + " " + string(r.body) }

func TestThrottleRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		d    *time.Duration
		want string
	}{{nil, "1"}, {new(time.Duration(0)), "0"}, {new(2500 * time.Millisecond), "3"}} {
		c := startSandbox(t, Config{ThrottleRate: 1, ThrottleRetryAfter: tc.d})
		r := c.do("POST", "/profile/v4/Bulk", map[string]any{})
		if r.status != 429 || r.header.Get("Retry-After") != tc.want || r.json["scimType"] != "tooMany" {
			t.Errorf("ThrottleRetryAfter %v: %d Retry-After %q, want %q", tc.d, r.status, r.header.Get("Retry-After"), tc.want)
		}
	}
	if _, err := New(Config{ThrottleRetryAfter: new(-time.Second)}); err == nil {
		t.Error("a negative Retry-After was accepted")
	}
}

func TestMaintenanceWindow(t *testing.T) {
	clock := newFakeClock()
	c := startSandbox(t, Config{Clock: clock.Now})
	cr := c.srv.Credentials()
	password := url.Values{"grant_type": {"password"}, "client_id": {cr.ClientID}, "client_secret": {cr.ClientSecret},
		"username": {cr.CompanyID}, "password": {cr.AuthToken}, "credtype": {"authtoken"}}
	c.srv.SetMaintenance(3 * time.Second)
	check := func(when, retryAfter string) {
		t.Helper()
		for _, path := range []string{"/profile/v4/Schemas", "/profile/v4/Bulk"} {
			r := c.do("POST", path, map[string]any{})
			if r.status != 503 || r.header.Get("Retry-After") != retryAfter || get(r.json, "schemas.0") != urnError ||
				r.json["status"] != "503" || !strings.HasPrefix(r.json["detail"].(string), "service under maintenance") {
				t.Errorf("%s, %s: %d Retry-After %q %s", when, path, r.status, r.header.Get("Retry-After"), r.body)
			}
		}
		if r := c.form(password); r.status != 200 {
			t.Errorf("%s: the token endpoint is down: %d %s", when, r.status, r.body)
		}
	}
	check("at the start", "3")
	clock.Advance(1500 * time.Millisecond)
	check("after 1.5s", "2")
	clock.Advance(1499 * time.Millisecond)
	check("1ms before the end", "1")
	clock.Advance(time.Millisecond)
	if r := c.do("GET", "/profile/v4/Schemas", nil); r.status != 200 {
		t.Errorf("after the window: %d", r.status)
	}
	c.srv.SetMaintenance(time.Hour)
	c.srv.SetMaintenance(0)
	if r := c.do("GET", "/profile/v4/Schemas", nil); r.status != 200 {
		t.Errorf("after closing the window: %d", r.status)
	}
}

func TestMaintenanceRate(t *testing.T) {
	var logs safeBuffer
	clock := newFakeClock()
	c := startSandbox(t, Config{MaintenanceRate: 1, MaintenanceDuration: 2 * time.Second, Clock: clock.Now, Log: &logs})
	if r := c.do("GET", "/profile/v4/Schemas", nil); r.status != 503 || r.header.Get("Retry-After") != "2" {
		t.Errorf("opening request: %d %q", r.status, r.header.Get("Retry-After"))
	}
	clock.Advance(time.Second)
	if r := c.do("GET", "/profile/v4/Schemas", nil); r.status != 503 || r.header.Get("Retry-After") != "1" {
		t.Errorf("inside the window: %d %q", r.status, r.header.Get("Retry-After"))
	}
	if n := strings.Count(logs.String(), "maintenance window opened for 2s"); n != 1 {
		t.Errorf("%d windows opened:\n%s", n, logs.String())
	}
	d := startSandbox(t, Config{MaintenanceRate: 1})
	if r := d.do("GET", "/profile/v4/Schemas", nil); r.status != 503 || r.header.Get("Retry-After") != "5" {
		t.Errorf("default duration: %d %q", r.status, r.header.Get("Retry-After"))
	}
	for _, cfg := range []Config{{MaintenanceRate: 2}, {MaintenanceDuration: -1}, {ApplyDropRate: -1}, {ExtFailRate: 1.1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// TestSeedReplaysAllFaults runs reads and writes with every request fault:
// a seed replays the same answers, and adding the apply-drop does not move
// where the 5xx and 429 hit.
func TestSeedReplaysAllFaults(t *testing.T) {
	run := func(seed int64, cfg Config) []string {
		clock := newFakeClock()
		cfg.Seed, cfg.Clock, cfg.Users, cfg.MaintenanceDuration = seed, clock.Now, 1, time.Second
		c := startSandbox(t, cfg)
		var out []string
		e1 := ""
		for i := 0; i < 60; i++ {
			var r resp
			var err error
			if i%2 == 0 || e1 == "" {
				r, err = c.try("GET", "/profile/identity/v4/Users?filter="+url.QueryEscape(`employeeNumber eq "E00001"`), nil)
				if id, ok := get(r.json, "Resources.0.id").(string); ok {
					e1 = id
				}
			} else {
				r, err = c.try("PATCH", "/profile/v4/Users/"+e1, patchOpData(map[string]any{"op": "replace", "path": "title", "value": fmt.Sprint(i)}))
			}
			if err != nil {
				out = append(out, "E")
			} else {
				out = append(out, fmt.Sprint(r.status))
			}
			clock.Advance(time.Second) // each window lasts one request
		}
		return out
	}
	all := Config{FailRate: 0.15, ThrottleRate: 0.15, MaintenanceRate: 0.1, ApplyDropRate: 0.3, DropRate: 0.05}
	a := run(7, all)
	if b := run(7, all); strings.Join(a, " ") != strings.Join(b, " ") {
		t.Errorf("same seed, different answers:\n%v\n%v", a, b)
	}
	for _, want := range []string{"200", "429", "503", "E"} {
		if !strings.Contains(strings.Join(a, " "), want) {
			t.Errorf("no %s in %v", want, a)
		}
	}
	if c := run(8, all); strings.Join(a, " ") == strings.Join(c, " ") {
		t.Error("another seed gave the same answers")
	}
	base := run(7, Config{FailRate: 0.3, ThrottleRate: 0.2})
	more := run(7, Config{FailRate: 0.3, ThrottleRate: 0.2, ApplyDropRate: 0.5})
	for i := range base {
		if base[i] != "200" && base[i] != more[i] {
			t.Errorf("request %d: %s without the apply-drop, %s with it", i, base[i], more[i])
		}
	}
}

// TestConcurrentRehearsal sends Bulks and polls statuses from several
// clients at once with every fault on, retrying as a client would; run it
// with -race.
func TestConcurrentRehearsal(t *testing.T) {
	c := startSandbox(t, Config{Users: 2, FailRate: 0.05, ThrottleRate: 0.05, ThrottleRetryAfter: new(time.Duration(0)), DropRate: 0.02,
		MaintenanceRate: 0.01, MaintenanceDuration: 5 * time.Millisecond, ApplyDropRate: 0.1, ExtFailRate: 0.2, Latency: time.Millisecond})
	co := c.srv.Credentials().CompanyID
	const clients, bulks = 6, 4
	var wg sync.WaitGroup
	errs := make(chan string, clients*bulks)
	send := func(method, path string, body any) (resp, bool) {
		for attempt := 0; attempt < 200; attempt++ {
			r, err := c.try(method, path, body)
			switch {
			case err != nil:
			case r.status == 429 || r.status >= 500:
				time.Sleep(time.Millisecond)
			default:
				return r, true
			}
		}
		return resp{}, false
	}
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var ids []string
			for b := 0; b < bulks; b++ {
				var ops []map[string]any
				for k := 0; k < 5; k++ {
					emp := fmt.Sprintf("C%d-%d-%d", w, b, k)
					u := newUser(co, emp)
					u[urnApprover] = map[string]any{"report": []any{map[string]any{"approver": map[string]any{"employeeNumber": "E00001"}, "primary": true}}}
					ops = append(ops, postOp(emp, u))
				}
				r, ok := send("POST", "/profile/v4/Bulk", map[string]any{"schemas": []string{urnBulkRequest}, "Operations": ops})
				if ok && r.status == 202 {
					ids = append(ids, r.json["id"].(string))
				}
			}
			for _, id := range ids {
				for {
					r, ok := send("GET", "/profile/v4/provisions/"+id+"/status?attributes=operations", nil)
					if !ok || r.status != 200 {
						errs <- fmt.Sprintf("status %s: %d %s", id, r.status, r.body)
						break
					}
					if get(r.json, "status.completed") == true {
						// Every operation names its user, but those that
						// failed with 409: a retry of a Bulk applied before
						// its answer was dropped.
						for _, op := range toArray(get(r.json, "operations")) {
							if get(op, "resource.id") == nil && get(op, "status.code") != "409" {
								errs <- fmt.Sprintf("operation without resource.id: %v", op)
							}
						}
						if get(r.json, "totalResults") != 5.0 {
							errs <- string(r.body)
						}
						break
					}
					time.Sleep(time.Millisecond)
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
