package submit

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/sandbox"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

// benchEmployees is the size of the generated feed of the submit
// benchmarks.
const benchEmployees = 2000

// BenchmarkSubmitRate migrates a generated 2,000-employee feed into the
// in-process sandbox under --rate R and reports the operations per second
// achieved while sending (first send to last answer of each round: the
// waits for provisions between phases are not sending) as a ratio to R
// (target ≥ 0.95), and the share of the whole run spent writing the
// journal (target ≤ 1%).
//
// Sub-benchmarks: "instant" provisions at once and polls every 20 ms (the
// journal's worst case: the run is nearly all local work); "latency-500ms"
// gives each provisioning stage (identity, then extensions) 500 ms and
// polls every 500 ms, closer to UPS, whose first poll alone is 5 s.
func BenchmarkSubmitRate(b *testing.B) {
	for _, c := range []struct {
		name    string
		latency time.Duration
		poll    time.Duration
	}{{"instant", 0, 20 * time.Millisecond}, {"latency-500ms", 500 * time.Millisecond, 500 * time.Millisecond}} {
		b.Run(c.name, func(b *testing.B) { benchSubmit(b, c.latency, c.poll) })
	}
}

func benchSubmit(b *testing.B, latency, poll time.Duration) {
	const rateOps = 2000.0
	feed := filepath.Join(b.TempDir(), "feed.csv")
	f, err := os.Create(feed)
	if err != nil {
		b.Fatal(err)
	}
	if err := gen.Write305(f, benchEmployees, 1); err != nil {
		b.Fatal(err)
	}
	f.Close()
	res, err := pipeline.Convert([]string{feed}, pipeline.Options{Options: plan.Options{CompanyID: company}})
	if err != nil {
		b.Fatal(err)
	}
	var ops, sending, elapsed, journalTime float64
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		if err := res.Write(dir); err != nil {
			b.Fatal(err)
		}
		run, err := Load(dir)
		if err != nil {
			b.Fatal(err)
		}
		tg := sandboxTarget(b, latency)
		j, err := journal.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		out, err := Submit(context.Background(), run, Options{Target: tg, Journal: j, Canary: -1,
			PollInterval: poll, Rate: rateOps, Concurrency: 4, MaxCreates: -1, MaxDeactivations: -1})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		j.Close()
		ops += float64(out.OpsSent)
		sending += out.SendTime.Seconds()
		elapsed += out.Elapsed.Seconds()
		journalTime += out.JournalTime.Seconds()
		b.StartTimer()
	}
	b.ReportMetric(ops/sending, "ops/s")
	b.ReportMetric(ops/sending/rateOps, "ratio-to-rate")
	b.ReportMetric(100*journalTime/elapsed, "journal-%")
}

// sandboxTarget is a UPS client to a sandbox: a separate `upsmigrate
// sandbox` process when bin/upsmigrate is built (make bench builds it), as
// a real target is another machine; else one in this process.
func sandboxTarget(b *testing.B, latency time.Duration) target.Target {
	bin, err := filepath.Abs("../../bin/upsmigrate")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		b.Logf("no %s: the sandbox runs in the benchmark's process", bin)
		return newRig(b, sandbox.Config{Latency: latency}).t
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "sandbox", "--addr", addr, "--client-id", "bench", "--company-id", company, "--latency", latency.String())
	cmd.Env = append(os.Environ(), "UPSMIGRATE_CLIENT_SECRET=bench-secret")
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	token := ""
	sc := bufio.NewScanner(out)
	for token == "" && sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 3 && f[0] == "auth" && f[1] == "token" {
			token = f[2]
		}
	}
	if token == "" {
		b.Fatal("the sandbox printed no auth token")
	}
	go io.Copy(io.Discard, out)
	url := "http://" + addr
	tg, err := target.NewUPS(target.UPSOptions{URL: url, BaseURL: url, ClientID: "bench", ClientSecret: "bench-secret",
		CompanyID: company, RequestToken: token})
	if err != nil {
		b.Fatal(err)
	}
	return tg
}
