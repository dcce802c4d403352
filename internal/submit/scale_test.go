package submit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/target"
)

// TestPaceTransport: requests through a PaceTransport go out one every
// 1/rate, in any number of goroutines, on the bubble's clock.
func TestPaceTransport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var at []time.Time
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
		})
		hc := &http.Client{Transport: PaceTransport(handlerTransport{h}, 5)}
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				res, err := hc.Get("http://paced.invalid/x")
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
			})
		}
		wg.Wait()
		if len(at) != 10 {
			t.Fatalf("%d requests arrived", len(at))
		}
		for i := 1; i < len(at); i++ {
			if d := at[i].Sub(at[i-1]); d < 200*time.Millisecond {
				t.Errorf("request %d came %s after the previous one, want 200ms at 5/s", i, d)
			}
		}
		// A request whose context ends while it waits is not sent.
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://paced.invalid/y", nil)
		if _, err := hc.Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a request past its deadline: %v", err)
		}
		if len(at) != 10 {
			t.Errorf("the cancelled request was sent")
		}
	})
	if rt := PaceTransport(http.DefaultTransport, 0); rt != http.DefaultTransport {
		t.Errorf("rate 0 paces")
	}
}

// TestPollClock: the first poll moves past the provisioning time after a
// pending poll, stays there while first polls find provisions complete,
// and drifts back slowly, never under the poll interval.
func TestPollClock(t *testing.T) {
	p := newPollClock(5*time.Second, time.Minute)
	if p.first() != 5*time.Second {
		t.Fatalf("first poll %s, want the poll interval", p.first())
	}
	// Pending at 5 s, complete at 13 s: provisioning takes 5..13 s.
	p.complete(5*time.Second, 13*time.Second, false)
	if got := p.first(); got != 11*time.Second {
		t.Errorf("after a miss: %s, want 11s (¾ of the way to 13s)", got)
	}
	// An earlier, smaller miss does not pull it back.
	p.complete(5*time.Second, 7*time.Second, false)
	if got := p.first(); got != 11*time.Second {
		t.Errorf("after a smaller miss: %s, want 11s", got)
	}
	for range 20 {
		p.complete(0, 11*time.Second, true)
	}
	if got := p.first(); got < 9*time.Second || got >= 11*time.Second {
		t.Errorf("after 20 hits: %s, want a slow drift under 11s", got)
	}
	for range 10000 {
		p.complete(0, 6*time.Second, true)
	}
	if got := p.first(); got < 5*time.Second || got > 5*time.Second+time.Millisecond {
		t.Errorf("after many hits: %s, want back at the 5s interval", got)
	}
	p.complete(5*time.Second, 10*time.Minute, false)
	if got := p.first(); got != time.Minute {
		t.Errorf("after a very slow provision: %s, want the 1m cap", got)
	}
	// A first poll that finds a provision pending moves the first poll
	// at once, before the provision completes.
	q := newPollClock(5*time.Second, time.Minute)
	q.pendingAt(6 * time.Second)
	if got := q.first(); got != 9*time.Second {
		t.Errorf("after a first poll pending at 6s: %s, want 9s", got)
	}
	q.pendingAt(4 * time.Second)
	if got := q.first(); got != 9*time.Second {
		t.Errorf("an earlier pending poll moved it back: %s", got)
	}
}

// lookupCounter is a target whose lookups find every employee number that
// starts with "E", counting calls in flight.
type lookupCounter struct {
	target.Target
	inFlight, most, calls atomic.Int64
	fail                  string // a number whose lookup fails
}

func (l *lookupCounter) LookupEmployees(ctx context.Context, emps []string) (map[string]target.User, error) {
	l.calls.Add(1)
	n := l.inFlight.Add(1)
	defer l.inFlight.Add(-1)
	for {
		m := l.most.Load()
		if n <= m || l.most.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(10 * time.Millisecond)
	out := map[string]target.User{}
	for _, e := range emps {
		if e == l.fail {
			return nil, fmt.Errorf("lookup of %s failed", e)
		}
		if e[0] == 'E' {
			out[e] = target.User{ID: "id-" + e, EmployeeNumber: e}
		}
	}
	return out, nil
}

// TestResolverLookupsConcurrent: a large lookup is split into searches run
// side by side, and every answer is kept; a failed search fails it.
func TestResolverLookupsConcurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lc := &lookupCounter{}
		r := newResolver(lc, nil, 4, (&Run{}).index())
		var emps []string
		for i := range 1000 {
			emps = append(emps, fmt.Sprintf("E%04d", i), fmt.Sprintf("X%04d", i))
		}
		if err := r.ensure(context.Background(), emps); err != nil {
			t.Fatal(err)
		}
		if got := lc.calls.Load(); got != 40 {
			t.Errorf("%d lookups of ≤%d numbers, want 40", got, lookupChunk)
		}
		if got := lc.most.Load(); got != 4 {
			t.Errorf("at most %d lookups in flight, want 4", got)
		}
		for i := range 1000 {
			if e := fmt.Sprintf("E%04d", i); !r.has(e) {
				t.Fatalf("%s not found", e)
			}
			if x := fmt.Sprintf("X%04d", i); r.has(x) || !r.isMissing(x) {
				t.Fatalf("%s: known %v, missing %v", x, r.has(x), r.isMissing(x))
			}
		}
		lc2 := &lookupCounter{fail: "E0500"}
		r2 := newResolver(lc2, nil, 4, (&Run{}).index())
		if err := r2.ensure(context.Background(), emps); err == nil {
			t.Error("a failed search did not fail the lookup")
		}
	})
}

// TestSubmitPacedKeepsRate: a simulated submission through a
// PaceTransport at the rate the sandbox allows meets no 429 and, while it
// has operations to send, uses the rate whole.
func TestSubmitPacedKeepsRate(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated submission of 600 employees")
	}
	r := simulate(t, simConfig{employees: 600, rate: 10, latency: 500 * time.Millisecond, rtt: 100 * time.Millisecond,
		poll: 500 * time.Millisecond, paced: true})
	if r.out.Counts[StateSuccess] != 600 {
		t.Fatalf("counts %v", r.out.Counts)
	}
	if r.throttled != 0 {
		t.Errorf("%d 429s: the paced client went over the rate", r.throttled)
	}
	// Provisioning takes 1 s, the first poll is at 0.5 s: the first
	// provisions meet a pending poll; the next ones are polled later.
	if st, bulk := r.byKind[kindStatus], r.byKind[kindBulk]; st > bulk+bulk/4 {
		t.Errorf("%d status polls for %d Bulk requests: the first poll did not learn when provisions complete", st, bulk)
	}
	if r.sending < 0.95 {
		t.Errorf("while sending the client used %.3f of the rate, want ≥ 0.95 (requests by kind %v in %s)", r.sending, r.byKind, r.elapsed)
	}
}
