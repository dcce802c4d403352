package submit

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/sandbox"
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
func BenchmarkSubmitRate(b *testing.B) {
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
	res, err := pipeline.Convert([]string{feed}, pipeline.Options{CompanyID: company})
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
		r := newRig(b, sandbox.Config{})
		j, err := journal.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		out, err := Submit(context.Background(), run, Options{Target: r.t, Journal: j, Canary: -1,
			PollInterval: 20 * time.Millisecond, Rate: rateOps, Concurrency: 4, MaxCreates: -1, MaxDeactivations: -1})
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
