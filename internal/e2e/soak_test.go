//go:build soak

package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestSoak is `make soak`: a migration of SOAK_EMPLOYEES (default 600)
// generated employees through a sandbox that fails (5xx), throttles (429),
// drops connections, loses the answers of applied writes and is slow (its
// answers and its provisioning), while the client is SIGKILLed SOAK_KILLS
// times (default 5) at random moments — a random number of requests begun,
// then a random delay — and started again, until a run ends. All of it is
// drawn from SOAK_SEED (default: the clock's, printed, so that a failure
// can be replayed). At the end every record is final and successful, each
// employee exists once in the sandbox with the document a run without
// faults gives, the journal agrees with the sandbox, and no create ever
// met an existing user. Loopback only; a few minutes at most.
func TestSoak(t *testing.T) {
	seed := envInt(t, "SOAK_SEED", time.Now().UnixNano()%1_000_000)
	n := int(envInt(t, "SOAK_EMPLOYEES", 600))
	kills := int(envInt(t, "SOAK_KILLS", 5))
	t.Logf("soak: seed %d, %d employees, %d kills (replay: make soak SOAK_SEEDS=%d)", seed, n, kills, seed)

	feed := writeFeed305(t, filepath.Join(t.TempDir(), fmt.Sprintf("employees-%d-305.csv", n)), n, seed)
	in := input{files: []string{feed}}
	ref, _ := referenceRun(t, in)

	rng := rand.New(rand.NewPCG(uint64(seed), 3))
	faults := append([]string{"--apply-drop-rate", "0.03", "--response-latency", "20ms", "--latency", "200ms"}, chaosFaults...)
	dir := tempDir(t)
	sb := startSandbox(t, filepath.Join(dir, "sandbox.db"), seed, faults...)
	c := newClient(t, sb, filepath.Join(dir, "out"), in)
	start := time.Now()
	// The run sends about 2n/100 requests (two phases of 100 operations):
	// spread the kills over them, so that all of them land before it ends.
	per := max(1, 2*n/100/(kills+1))
	base := 0
	for i := range kills {
		k := 1 + rng.IntN(per)
		delay := time.Duration(rng.IntN(1500)) * time.Millisecond
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
		if err == errExited {
			t.Logf("kill %d: the run ended before %q", i+1, what)
			break
		}
		if err != nil {
			t.Fatalf("kill %d at %q: %v; output:\n%s", i+1, what, err, tail(lastRun(p.output()), 40))
		}
		p.kill()
		c.codes = append(c.codes, -1)
		s := readSnapshot(c.out)
		base = len(s.reqs)
		t.Logf("kill %d at %q (%s): %s", i+1, what, time.Since(start).Round(time.Millisecond), describe(s))
	}
	c.runToEnd(0)
	t.Logf("%d runs (exit codes %v) in %s", c.runs, c.codes, time.Since(start).Round(time.Millisecond))
	st := checkFinal(t, c.out)
	checkAllSucceeded(t, st)
	if st.Records != n+1 {
		t.Errorf("%d records, want %d", st.Records, n+1)
	}
	got := inspect(t, sb)
	if len(got.byEmp) != n {
		t.Errorf("the sandbox holds %d employees, want %d", len(got.byEmp), n)
	}
	checkTarget(t, got, st, ref)
	checkNoRecreate(t, got)
}

// envInt reads an integer from the environment, def when unset.
func envInt(t *testing.T, name string, def int64) int64 {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: expected an integer", name, s)
	}
	return v
}
