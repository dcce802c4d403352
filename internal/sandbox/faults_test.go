package sandbox

import (
	"fmt"
	"net/http"
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
