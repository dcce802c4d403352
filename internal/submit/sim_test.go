package submit

import (
	"context"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/sandbox"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

// The simulation runs the real submit (engine, pacing, polling, journal)
// against the real UPS client and the real sandbox, connected in memory,
// on the fake clock of a synctest bubble: waits (the rate limit, answer
// and provisioning latencies, polls, Retry-After) take virtual time, and
// local work takes none. So it measures the schedule alone, free of the
// machine's noise; what the client's own work adds is measured apart
// (BenchmarkSubmitClient, BenchmarkJournalGrowth).
var (
	simEmployees = flag.Int("submit.sim.employees", 0, "employees of TestSubmitSimulated's figures run (0: skip it)")
	simRate      = flag.Float64("submit.sim.rate", 10, "requests per second the simulated UPS allows a client")
	simLatency   = flag.Duration("submit.sim.latency", 5*time.Second, "simulated provisioning latency per stage (identity, then extensions)")
	simRTT       = flag.Duration("submit.sim.rtt", 200*time.Millisecond, "simulated delay of every answer")
	simPoll      = flag.Duration("submit.sim.poll", 5*time.Second, "first status poll (UPS: at least 5s)")
	simDir       = flag.String("submit.sim.dir", "", "convert output of the figures run (its plan.jsonl and report.json are copied; -submit.sim.employees is then its employee count): large runs are converted apart, with 'upsmigrate convert'")
)

// handlerTransport serves HTTP requests with a handler, in memory.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	res := rec.Result()
	res.Request = r
	return res, nil
}

// simConfig is one simulated submission.
type simConfig struct {
	employees  int
	rate       float64 // requests per second the target allows
	latency    time.Duration
	rtt        time.Duration
	poll       time.Duration
	paced      bool   // Options.RequestRate = rate
	concurrent int    // Options.Concurrency (0: default)
	from       string // a convert output to submit instead of a generated feed
}

// copyFile copies a file, private to the user.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// simResult is what a simulated submission did, in virtual time.
type simResult struct {
	out       *Result
	elapsed   time.Duration
	answered  int // requests answered (not 429)
	throttled int
	sending   float64 // requests answered per allowed while sending
	byKind    [kinds]int
}

// ratio is the requests answered per request allowed over the run (the
// sandbox's bucket starts full: R more).
func (r simResult) ratio(rate float64) float64 {
	return float64(r.answered) / (rate*r.elapsed.Seconds() + rate)
}

// simulate submits a converted feed of c.employees employees in a synctest
// bubble.
func simulate(t *testing.T, c simConfig) simResult {
	t.Helper()
	dir := t.TempDir()
	if c.from != "" {
		for _, name := range []string{"plan.jsonl", "report.json"} {
			if err := copyFile(filepath.Join(c.from, name), filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	} else if err := converted305(t, c.employees).Write(dir); err != nil {
		t.Fatal(err)
	}
	run, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var res simResult
	synctest.Test(t, func(t *testing.T) {
		sb, err := sandbox.New(sandbox.Config{CompanyID: company, Rate: c.rate, Latency: c.latency, ResponseLatency: c.rtt})
		if err != nil {
			t.Fatal(err)
		}
		defer sb.Close()
		cnt := &counting{h: sb}
		cr := sb.Credentials()
		const base = "http://ups.invalid"
		var rt http.RoundTripper = handlerTransport{cnt}
		if c.paced {
			rt = PaceTransport(rt, c.rate)
		}
		tg, err := target.NewUPS(target.UPSOptions{URL: base, BaseURL: base, ClientID: cr.ClientID,
			ClientSecret: cr.ClientSecret, CompanyID: cr.CompanyID, RequestToken: cr.AuthToken,
			HTTPOptions: target.HTTPOptions{Client: &http.Client{Transport: rt}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tg.Prepare(context.Background()); err != nil {
			t.Fatal(err)
		}
		j, err := journal.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		o := Options{Target: tg, Journal: j, Canary: -1, PollInterval: c.poll, Concurrency: c.concurrent,
			MaxCreates: -1, MaxDeactivations: -1}
		pl := &phaseLog{}
		o.Log = pl.log
		start := time.Now()
		out, err := Submit(context.Background(), run, o)
		end := time.Now()
		if err != nil {
			t.Fatal(err)
		}
		if os.Getenv("SUBMIT_BENCH_TIMELINE") != "" {
			cnt.timeline(start, end, time.Second)
		}
		res.out, res.elapsed = out, end.Sub(start)
		res.answered, res.throttled = cnt.between(start, end), cnt.throttled
		for k := range kinds {
			res.byKind[k] = cnt.count(k)
		}
		var in int
		var windows float64
		for _, w := range pl.windows(cnt, end) {
			in += cnt.between(w[0], w[1])
			windows += w[1].Sub(w[0]).Seconds()
		}
		if windows > 0 {
			res.sending = float64(in) / (c.rate * windows)
		}
	})
	return res
}

// TestSubmitSimulated prints the figures of a simulated submission of
// -submit.sim.employees employees (skipped without the flag).
func TestSubmitSimulated(t *testing.T) {
	if *simEmployees == 0 {
		t.Skip("figures run: give -submit.sim.employees N")
	}
	for _, paced := range []bool{true, false} {
		if m := os.Getenv("SUBMIT_SIM_MODE"); m != "" && m != map[bool]string{true: "paced", false: "unpaced"}[paced] {
			continue
		}
		c := simConfig{employees: *simEmployees, rate: *simRate, latency: *simLatency, rtt: *simRTT, poll: *simPoll, paced: paced, from: *simDir}
		cpu0 := cpuTime()
		r := simulate(t, c)
		// Status polls beyond one per Bulk request found a provision
		// not complete: waste. The idle time is what the run took beyond
		// its useful requests at the rate: the waits for the last
		// provisions of each phase, which do not grow with the run.
		useful := r.answered - max(0, r.byKind[kindStatus]-r.byKind[kindBulk])
		idle := r.elapsed.Seconds() - float64(useful)/c.rate
		rss, _ := peakRSS()
		t.Logf("paced %v: %d employees, %d ops at %g req/s: %s virtual; ratio %.3f, useful %.3f, sending %.3f; %d 429s; %d requests answered, by kind %v; idle %.1f s, %.4f useful requests per employee; %s CPU (client, sandbox and conversion), peak RSS %d MB so far",
			paced, c.employees, r.out.OpsSent, c.rate, r.elapsed.Round(time.Millisecond), r.ratio(c.rate),
			float64(useful)/(c.rate*r.elapsed.Seconds()+c.rate), r.sending, r.throttled, r.answered, r.byKind, idle,
			float64(useful)/float64(c.employees), (cpuTime() - cpu0).Round(time.Second), rss/1024)
	}
}
