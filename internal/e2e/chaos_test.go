package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/gen"
)

// chaosFaults are the sandbox faults of TestChaos: 10% 5xx, 10% 429 and
// 5% connections dropped before the request is processed.
var chaosFaults = []string{"--fail-rate", "0.1", "--throttle-rate", "0.1", "--drop-rate", "0.05"}

// TestChaos migrates a generated feed of 2,000 employees (300 with -short)
// through a sandbox that fails, throttles and drops requests, with a
// variant that also loses the answers of applied writes. The client is
// SIGKILLed twice at seeded moments after some requests were begun, then
// run again until it exits. Every record must end final and successful,
// each employee must be in the sandbox exactly once with the same document
// as a run without faults, and no create may meet an existing user.
func TestChaos(t *testing.T) {
	t.Parallel()
	n := 2000
	if testing.Short() {
		n = 300
	}
	feed := filepath.Join(t.TempDir(), fmt.Sprintf("employees-%d-305.csv", n))
	f, err := os.Create(feed)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Write305(f, n, 1); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	in := input{files: []string{feed}}
	variants := []struct {
		name   string
		seed   int64
		faults []string
	}{
		{"faults", 41, chaosFaults},
		{"faults+apply-drop", 42, append([]string{"--apply-drop-rate", "0.05"}, chaosFaults...)},
	}
	// The reference run goes along with the variants, which wait for it at
	// their end.
	t.Run("reference", func(t *testing.T) {
		t.Parallel()
		referenceRun(t, in)
	})
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			t.Parallel()
			dir := tempDir(t)
			sb := startSandbox(t, filepath.Join(dir, "sandbox.db"), v.seed, v.faults...)
			c := newClient(t, sb, filepath.Join(dir, "out"), in)
			start := time.Now()
			// About n/100 requests per phase. Each kill comes a random delay
			// (< 1s) after the run began a random number of requests (1 to
			// n/100), so the first lands in phase 1 and the second in phase 1
			// or 2.
			rng := rand.New(rand.NewPCG(uint64(v.seed), 2))
			per := max(2, n/100)
			base := 0 // requests in the journal before the run
			for i := range 2 {
				k := 1 + rng.IntN(per)
				delay := time.Duration(rng.IntN(1000)) * time.Millisecond
				what := fmt.Sprintf("%d more requests begun, then %s", k, delay)
				p := c.start()
				_, err := awaitJournal(t, p, c.out, what, func(s *snapshot) bool { return len(s.reqs) >= base+k })
				if err == nil {
					select {
					case <-p.done:
						err = errExited
					case <-time.After(delay):
					}
				}
				if err != nil {
					t.Fatalf("kill %d at %q: %v (exit %d); output:\n%s", i+1, what, err, p.code, tail(lastRun(p.output()), 40))
				}
				p.kill()
				c.codes = append(c.codes, -1)
				s := readSnapshot(c.out)
				base = len(s.reqs)
				t.Logf("killed %s at %q (%s after the start): %s", p.name, what, time.Since(start).Round(time.Millisecond), describe(s))
			}
			c.runToEnd(0)
			t.Logf("%d runs (exit codes %v) in %s", c.runs, c.codes, time.Since(start).Round(time.Millisecond))
			st := checkFinal(t, c.out)
			checkAllSucceeded(t, st)
			if st.Records != n+1 {
				t.Errorf("%d records, want %d (a settings record and %d employees)", st.Records, n+1, n)
			}
			got := inspect(t, sb)
			if len(got.byEmp) != n {
				t.Errorf("the sandbox holds %d employees, want %d", len(got.byEmp), n)
			}
			ref, _ := referenceRun(t, in)
			checkTarget(t, got, st, ref)
			checkNoRecreate(t, got)
			t.Logf("records %v; sandbox operations per employee: %s", st.Totals, sendCounts(got))
		})
	}
}
