package submit

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/sandbox"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

// Flags of the scale benchmarks (docs/submit-at-scale.md): go test
// ./internal/submit -bench 'SubmitTargetRate|SubmitClient' -submit.employees 20000.
var (
	scaleEmployees = flag.Int("submit.employees", 10000, "employees of the generated feed of BenchmarkSubmitTargetRate and BenchmarkSubmitClient")
	scaleSizes     = flag.String("submit.sizes", "10000,50000,100000", "employees of each BenchmarkSubmitMemory run")
	scaleRate      = flag.Float64("submit.rate", 25, "requests per second the sandbox allows a client (BenchmarkSubmitTargetRate)")
	scaleLatency   = flag.Duration("submit.latency", 250*time.Millisecond, "sandbox provisioning latency per stage (BenchmarkSubmitTargetRate)")
	scalePoll      = flag.Duration("submit.poll", time.Second, "wait before the first status poll (BenchmarkSubmitTargetRate)")
	scaleRTT       = flag.Duration("submit.rtt", 20*time.Millisecond, "delay of every sandbox answer (BenchmarkSubmitTargetRate)")
)

// scaleFeeds caches the converted feeds by size: converting is not what
// the benchmarks measure.
var scaleFeeds sync.Map // int → *pipeline.Result

// converted305 converts a generated 305 feed of n employees (cached).
func converted305(b testing.TB, n int) *pipeline.Result {
	if r, ok := scaleFeeds.Load(n); ok {
		return r.(*pipeline.Result)
	}
	dir, err := os.MkdirTemp("", "submit-scale-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	feed := filepath.Join(dir, "feed.csv")
	f, err := os.Create(feed)
	if err != nil {
		b.Fatal(err)
	}
	if err := gen.Write305(f, n, 1); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	res, err := pipeline.Convert([]string{feed}, pipeline.Options{Options: plan.Options{CompanyID: company}})
	if err != nil {
		b.Fatal(err)
	}
	scaleFeeds.Store(n, res)
	return res
}

// writtenRun writes a converted feed into a fresh run directory.
func writtenRun(b *testing.B, res *pipeline.Result) string {
	dir := b.TempDir()
	if err := res.Write(dir); err != nil {
		b.Fatal(err)
	}
	return dir
}

// Request kinds the counting handler tells apart.
const (
	kindBulk = iota
	kindStatus
	kindDetail
	kindLookup
	kindOther
	kinds
)

var kindNames = [kinds]string{"bulk", "status", "detail", "lookup", "other"}

// counting records when the handler answered each request, by kind, and
// counts the 429s.
type counting struct {
	h         http.Handler
	mu        sync.Mutex
	answered  [kinds][]time.Time
	throttled int
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func classifyRequest(r *http.Request) int {
	switch p := r.URL.Path; {
	case strings.HasSuffix(p, "/Bulk"):
		return kindBulk
	case strings.HasSuffix(p, "/status") && r.URL.Query().Get("attributes") != "":
		return kindDetail
	case strings.HasSuffix(p, "/status"):
		return kindStatus
	case strings.HasSuffix(p, "/.search") || strings.Contains(r.URL.RawQuery, "filter="):
		return kindLookup
	}
	return kindOther
}

func (c *counting) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sr := &statusRecorder{ResponseWriter: w}
	c.h.ServeHTTP(sr, r)
	k := classifyRequest(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if sr.status == http.StatusTooManyRequests {
		c.throttled++
		if os.Getenv("SUBMIT_BENCH_429") != "" {
			fmt.Fprintf(os.Stderr, "429 %s %s\n", time.Now().Format("15:04:05.000"), kindNames[k])
		}
		return
	}
	c.answered[k] = append(c.answered[k], time.Now())
}

// between counts the requests of every kind answered in [from, to].
func (c *counting) between(from, to time.Time) (n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range kinds {
		for _, t := range c.answered[k] {
			if !t.Before(from) && !t.After(to) {
				n++
			}
		}
	}
	return n
}

// timeline prints the requests answered per step, by kind.
func (c *counting) timeline(from, to time.Time, step time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := int(to.Sub(from)/step) + 1
	per := make([][kinds]int, n)
	for k := range kinds {
		for _, t := range c.answered[k] {
			if i := int(t.Sub(from) / step); i >= 0 && i < n {
				per[i][k]++
			}
		}
	}
	for i, p := range per {
		fmt.Fprintf(os.Stderr, "%6.2f %v\n", (time.Duration(i) * step).Seconds(), p)
	}
}

// count is the requests of kind k answered so far.
func (c *counting) count(k int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.answered[k])
}

// lastBulk is when the last Bulk request before t was answered.
func (c *counting) lastBulk(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var last time.Time
	for _, a := range c.answered[kindBulk] {
		if !a.After(t) && a.After(last) {
			last = a
		}
	}
	return last
}

// phaseLog notes when each round began to send and each phase completed,
// from submit's progress lines.
type phaseLog struct {
	mu            sync.Mutex
	starts, dones []time.Time
	// cpuSending is the process's CPU time from each round's start to
	// its phase's completion (when measured: the instant target, where
	// nothing is left to wait for at the end of a phase).
	cpuSending time.Duration
	cpuAt      time.Duration
	measureCPU bool
}

func (p *phaseLog) log(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case strings.Contains(line, ": sending ") && strings.Contains(line, "(round"):
		p.starts = append(p.starts, time.Now())
		if p.measureCPU {
			p.cpuAt = cpuTime()
		}
	case strings.Contains(line, ": complete: ") && strings.HasPrefix(line, "phase "):
		p.dones = append(p.dones, time.Now())
		if p.measureCPU && p.cpuAt > 0 {
			p.cpuSending += cpuTime() - p.cpuAt
			p.cpuAt = 0
		}
	}
	if os.Getenv("SUBMIT_BENCH_LOG") != "" {
		fmt.Fprintf(os.Stderr, "%s %s\n", time.Now().Format("15:04:05.000"), line)
	}
}

// windows are the spans while the client had operations to send: from
// each round's start to the last Bulk answered before the next round or
// the end of its phase.
func (p *phaseLog) windows(cnt *counting, end time.Time) [][2]time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out [][2]time.Time
	for i, s := range p.starts {
		endOf := end
		for _, d := range p.dones {
			if d.After(s) {
				endOf = d
				break
			}
		}
		if i+1 < len(p.starts) && p.starts[i+1].Before(endOf) {
			endOf = p.starts[i+1]
		}
		if last := cnt.lastBulk(endOf); last.After(s) {
			out = append(out, [2]time.Time{s, last})
		}
	}
	return out
}

// sandboxAtRate is a UPS client to an in-process sandbox that allows rate
// requests per second, behind a counting handler.
func sandboxAtRate(b *testing.B, rate float64, paced bool) (target.Target, *counting) {
	sb, err := sandbox.New(sandbox.Config{CompanyID: company, Rate: rate, Latency: *scaleLatency, ResponseLatency: *scaleRTT})
	if err != nil {
		b.Fatal(err)
	}
	cnt := &counting{h: sb}
	ts := httptest.NewServer(cnt)
	b.Cleanup(func() { ts.Close(); sb.Close() })
	cr := sb.Credentials()
	var ho target.HTTPOptions
	if paced {
		ho.Client = &http.Client{Transport: PaceTransport(http.DefaultTransport.(*http.Transport).Clone(), rate)}
	}
	tg, err := target.NewUPS(target.UPSOptions{URL: ts.URL, BaseURL: ts.URL, ClientID: cr.ClientID,
		ClientSecret: cr.ClientSecret, CompanyID: cr.CompanyID, RequestToken: cr.AuthToken, HTTPOptions: ho})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tg.Prepare(context.Background()); err != nil {
		b.Fatal(err)
	}
	return tg, cnt
}

// BenchmarkSubmitTargetRate submits a generated feed of -submit.employees
// employees to an in-process sandbox that allows -submit.rate requests
// per second per client, every request counted (Bulk, status polls and
// pages, lookups), as UPS limits a client; provisioning takes
// -submit.latency per stage and every answer -submit.rtt. It reports, as
// ratios to what the sandbox allowed (R·t plus its burst of R):
//
//   - target-ratio: every request it answered over the whole Submit
//     (journal, lookups, plan rebuilds, polling, the waits for the last
//     provisions of each phase included);
//   - useful-ratio: the same, counting at most one status poll per Bulk
//     request (polls that found a provision not complete are waste);
//   - sending-ratio: every request answered while the client had
//     operations to send (from a round's start to its last Bulk answer):
//     what the client sustains, the figure that holds at any scale;
//
// and the 429s the client met. Sub-benchmarks: "paced" gives the UPS
// client a PaceTransport at the sandbox's rate, "unpaced" relies on the
// sandbox's 429s and the client's retries.
func BenchmarkSubmitTargetRate(b *testing.B) {
	res := converted305(b, *scaleEmployees)
	for _, paced := range []bool{true, false} {
		name := map[bool]string{true: "paced", false: "unpaced"}[paced]
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				dir := writtenRun(b, res)
				run, err := Load(dir)
				if err != nil {
					b.Fatal(err)
				}
				tg, cnt := sandboxAtRate(b, *scaleRate, paced)
				j, err := journal.Open(dir)
				if err != nil {
					b.Fatal(err)
				}
				o := Options{Target: tg, Journal: j, Canary: -1, PollInterval: *scalePoll, MaxCreates: -1, MaxDeactivations: -1}
				pl := &phaseLog{}
				o.Log = pl.log
				before := cnt.between(time.Time{}, time.Now())
				b.StartTimer()
				cpu0, start := cpuTime(), time.Now()
				out, err := Submit(context.Background(), run, o)
				end, cpu := time.Now(), cpuTime()-cpu0
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if err := j.Close(); err != nil {
					b.Fatal(err)
				}
				if out.Counts[StateSuccess] != *scaleEmployees {
					b.Fatalf("counts %v: want %d successes", out.Counts, *scaleEmployees)
				}
				r := *scaleRate
				elapsed := end.Sub(start).Seconds()
				answered := cnt.between(start, end)
				extraPolls := max(0, cnt.count(kindStatus)-cnt.count(kindBulk))
				b.ReportMetric(float64(answered)/(r*elapsed+r), "target-ratio")
				b.ReportMetric(float64(answered-extraPolls)/(r*elapsed+r), "useful-ratio")
				var inWindows int
				var windows float64
				for _, w := range pl.windows(cnt, end) {
					inWindows += cnt.between(w[0], w[1])
					windows += w[1].Sub(w[0]).Seconds()
				}
				if windows > 0 {
					b.ReportMetric(float64(inWindows)/(r*windows), "sending-ratio")
				}
				if os.Getenv("SUBMIT_BENCH_TIMELINE") != "" {
					cnt.timeline(start, end, 250*time.Millisecond)
				}
				b.ReportMetric(float64(cnt.throttled), "429s")
				b.ReportMetric(float64(out.OpsSent)/elapsed, "ops/s")
				b.ReportMetric(elapsed, "s/run")
				b.ReportMetric(cpu.Seconds()/elapsed, "cpu-cores")
				b.Logf("%d employees at %g req/s: %d requests answered (%d before Submit), %d ops in %d Bulk, %d status, %d detail, %d lookup; %.1f s, %.1f s sending",
					*scaleEmployees, r, answered, before, out.OpsSent, cnt.count(kindBulk), cnt.count(kindStatus), cnt.count(kindDetail),
					cnt.count(kindLookup), elapsed, windows)
				b.StartTimer()
			}
		})
	}
}

// cpuTime is the CPU time of the process, every thread: steadier than
// wall time on a shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// noWait is an Options.Sleep that does not sleep.
func noWait(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// BenchmarkSubmitClient submits a generated feed of -submit.employees
// employees to a target that costs nothing (instant: every provision is
// complete when accepted, no waits, no network), so that all the time is
// the client's own: journal, lookups, plan rebuilds, encoding, polling
// and outcome bookkeeping. It reports per employee the wall and CPU time
// of Submit, and the part of it spent between sends (serial: the preview,
// the rebuilds between rounds and phases, the outcomes at the end), which
// no rate can hide; per Bulk request, the client's cost while sending
// (send: journal, encoding, the answer's outcomes; the instant target's
// own parsing of the request is in it), which bounds the requests per
// second one client can sustain; and the journal's share. CPU times are
// the process's (every thread), steadier than wall times on a shared
// machine.
func BenchmarkSubmitClient(b *testing.B) {
	res := converted305(b, *scaleEmployees)
	n := float64(*scaleEmployees)
	for b.Loop() {
		b.StopTimer()
		dir := writtenRun(b, res)
		run, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		tg := newInstant()
		j, err := journal.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		pl := &phaseLog{measureCPU: true}
		b.StartTimer()
		cpu0, start := cpuTime(), time.Now()
		out, err := Submit(context.Background(), run, Options{Target: tg, Journal: j, Canary: -1, Sleep: noWait,
			MaxCreates: -1, MaxDeactivations: -1, Log: pl.log})
		elapsed, cpu := time.Since(start), cpuTime()-cpu0
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if err := j.Close(); err != nil {
			b.Fatal(err)
		}
		if out.Counts[StateSuccess] != *scaleEmployees {
			b.Fatalf("counts %v: want %d successes", out.Counts, *scaleEmployees)
		}
		b.ReportMetric(elapsed.Seconds()*1e6/n, "µs/employee")
		b.ReportMetric(cpu.Seconds()*1e6/n, "cpu-µs/employee")
		b.ReportMetric((elapsed-out.SendTime).Seconds()*1e6/n, "serial-µs/employee")
		b.ReportMetric((cpu-pl.cpuSending).Seconds()*1e6/n, "serial-cpu-µs/employee")
		b.ReportMetric(pl.cpuSending.Seconds()*1e6/float64(out.Requests), "send-cpu-µs/request")
		b.ReportMetric(out.SendTime.Seconds()*1e6/float64(out.Requests), "send-µs/request")
		b.ReportMetric(100*out.JournalTime.Seconds()/elapsed.Seconds(), "journal-%")
		b.Logf("%d employees: %d ops in %d requests, %s (%s CPU), %s sending, journal %s",
			*scaleEmployees, out.OpsSent, out.Requests, elapsed.Round(time.Millisecond), cpu.Round(time.Millisecond),
			out.SendTime.Round(time.Millisecond), out.JournalTime.Round(time.Millisecond))
		b.StartTimer()
	}
}

// memoryChildEnv names the run directory TestSubmitMemoryChild submits.
const memoryChildEnv = "UPSMIGRATE_SUBMIT_MEMORY_DIR"

// peakRSS is the process's peak resident set (VmHWM), in kB; Linux only.
func peakRSS() (int64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			var kb int64
			_, err := fmt.Sscan(f[1], &kb)
			return kb, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/self/status")
}

// TestSubmitMemoryChild is BenchmarkSubmitMemory's child process: it loads
// the run directory named by UPSMIGRATE_SUBMIT_MEMORY_DIR, submits it to
// the instant target and prints its peak RSS after each step.
func TestSubmitMemoryChild(t *testing.T) {
	dir := os.Getenv(memoryChildEnv)
	if dir == "" {
		t.Skip("BenchmarkSubmitMemory's child")
	}
	base, err := peakRSS()
	if err != nil {
		t.Skip(err)
	}
	run, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	loaded, _ := peakRSS()
	j, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	out, err := Submit(context.Background(), run, Options{Target: newInstant(), Journal: j, Canary: -1, Sleep: noWait,
		MaxCreates: -1, MaxDeactivations: -1})
	if err != nil {
		t.Fatal(err)
	}
	done, _ := peakRSS()
	fmt.Printf("rss-kB base %d loaded %d submitted %d records %d\n", base, loaded, done, len(out.Records))
}

// BenchmarkSubmitMemory measures the peak RSS of a process that loads a
// convert output of n generated employees and submits it (to the instant
// target, with its journal), for each n of -submit.sizes, in a child
// process each: kB per employee after loading and at the end, and the
// slope between the smallest and the largest size (what each more
// employee costs).
func BenchmarkSubmitMemory(b *testing.B) {
	var sizes []int
	for _, f := range strings.Split(*scaleSizes, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err != nil || n <= 0 {
			b.Fatalf("-submit.sizes %q: %v", *scaleSizes, err)
		}
		sizes = append(sizes, n)
	}
	peaks := map[int][2]int64{}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("employees=%d", n), func(b *testing.B) {
			var loaded, submitted int64
			for b.Loop() {
				b.StopTimer()
				res := convertUncached(b, n)
				dir := writtenRun(b, res)
				res = nil
				b.StartTimer()
				cmd := exec.Command(os.Args[0], "-test.run=^TestSubmitMemoryChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), memoryChildEnv+"="+dir)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("child: %v\n%s", err, out)
				}
				var base int64
				var recs int
				i := strings.Index(string(out), "rss-kB ")
				if i < 0 {
					b.Fatalf("child printed no rss-kB line:\n%s", out)
				}
				if _, err := fmt.Sscanf(string(out[i:]), "rss-kB base %d loaded %d submitted %d records %d", &base, &loaded, &submitted, &recs); err != nil {
					b.Fatalf("child: %v\n%s", err, out)
				}
			}
			b.ReportMetric(float64(loaded)/float64(n), "kB/employee-loaded")
			b.ReportMetric(float64(submitted)/float64(n), "kB/employee-peak")
			b.ReportMetric(float64(submitted)/1024, "MB-peak")
			peaks[n] = [2]int64{loaded, submitted}
		})
	}
	if lo, hi := sizes[0], sizes[len(sizes)-1]; hi > lo && peaks[hi][1] > 0 && peaks[lo][1] > 0 {
		b.Logf("slope %d→%d employees: %.1f kB per employee loaded, %.1f kB per employee at the peak", lo, hi,
			float64(peaks[hi][0]-peaks[lo][0])/float64(hi-lo), float64(peaks[hi][1]-peaks[lo][1])/float64(hi-lo))
	}
}

// convertUncached converts a generated 305 feed of n employees, not kept
// for other benchmarks (the memory benchmark's sizes are large).
func convertUncached(b *testing.B, n int) *pipeline.Result {
	if r, ok := scaleFeeds.Load(n); ok {
		return r.(*pipeline.Result)
	}
	res := converted305(b, n)
	scaleFeeds.Delete(n)
	return res
}
