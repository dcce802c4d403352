package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/journal"
)

// TestLock starts a second `upsmigrate migrate` on the directory of one
// that runs: it must exit 2 naming the holder's pid, without touching the
// directory, while `status` still reads it; the first run then ends as
// usual.
func TestLock(t *testing.T) {
	t.Parallel()
	in := samples(t)
	dir := tempDir(t)
	// Provisions of 1s per stage keep the first run busy for seconds.
	sb := startSandbox(t, filepath.Join(dir, "sandbox.db"), 21, "--latency", "1s")
	c := newClient(t, sb, filepath.Join(dir, "out"), in)
	first := c.start()
	if _, err := awaitJournal(t, first, c.out, "a request sent", func(s *snapshot) bool { return s.has(journal.RequestSent, -1) }); err != nil {
		t.Fatalf("first run: %v (exit %d):\n%s", err, first.code, tail(first.output(), 30))
	}
	plan := filepath.Join(c.out, "plan.jsonl")
	before, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	beforeInfo, _ := os.Stat(plan)

	second := exec.Command(bin, c.args...)
	second.Dir, second.Env = root, c.env()
	var out bytes.Buffer
	second.Stdout, second.Stderr = &out, &out
	done := make(chan error, 1)
	if err := second.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- second.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = second.Process.Kill()
		<-done
		t.Fatalf("a second migrate on a locked directory did not exit within 30s:\n%s", out.String())
	}
	if code := second.ProcessState.ExitCode(); code != 2 {
		t.Errorf("a second migrate on a locked directory exited %d, want 2:\n%s", code, out.String())
	}
	if want := fmt.Sprintf("pid %d", first.pid()); !strings.Contains(out.String(), want) {
		t.Errorf("a second migrate on a locked directory does not name the holder (%q):\n%s", want, out.String())
	}
	after, _ := os.ReadFile(plan)
	afterInfo, _ := os.Stat(plan)
	if !bytes.Equal(before, after) || !afterInfo.ModTime().Equal(beforeInfo.ModTime()) {
		t.Errorf("the refused migrate rewrote %s", plan)
	}
	if first.exited() {
		t.Fatalf("the first run ended (exit %d) before the second one was refused: the lock was not tested", first.code)
	}
	// status reads while the run holds the lock.
	st := status(t, c.out)
	if st.Records == 0 || st.Totals[journal.RecordPending] == 0 {
		t.Errorf("status during the run: %d records, totals %v: want records pending", st.Records, st.Totals)
	}

	if code := c.finish(first); code != 1 {
		t.Errorf("the first run exited %d, want 1 (samples/ has rejected rows):\n%s", code, tail(first.output(), 30))
	}
	fin := checkFinal(t, c.out)
	got := inspect(t, sb)
	ref, _ := referenceRun(t, in)
	checkTarget(t, got, fin, ref)
	checkNoRecreate(t, got)
}

// TestSIGTERM stops a running migrate with SIGTERM: it must exit 1
// within a few seconds, with what was in flight recorded in the journal
// (an accepted provision stays sent with its id; a request whose answer
// had not come is in doubt, not sending), and a re-run must end as a run
// that was never stopped.
func TestSIGTERM(t *testing.T) {
	t.Parallel()
	in := samples(t)
	scenarios := []struct {
		name   string
		faults []string
		at     killPoint
		want   string // state of the request in flight after the exit ("": none)
	}{
		{"sent", []string{"--latency", "1s"}, atSent, journal.RequestSent},
		{"sending", []string{"--response-latency", "1s"}, atSending, journal.RequestInDoubt},
		// Converting and looking users up: nothing in flight.
		{"lock", []string{"--response-latency", "200ms"}, atLock, ""},
	}
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			dir := tempDir(t)
			sb := startSandbox(t, filepath.Join(dir, "sandbox.db"), int64(31+i), sc.faults...)
			c := newClient(t, sb, filepath.Join(dir, "out"), in)
			p := c.start()
			s, err := awaitJournal(t, p, c.out, sc.at.what, func(s *snapshot) bool { return sc.at.cond(s, nil) })
			if err != nil {
				t.Fatalf("%v (exit %d):\n%s", err, p.code, tail(p.output(), 30))
			}
			var inflight journal.Request
			for _, r := range s.reqs {
				if r.State == journal.RequestSending || r.State == journal.RequestSent {
					inflight = r
				}
			}
			sig := time.Now()
			p.signal(syscall.SIGTERM)
			code, ok := p.wait(10 * time.Second)
			if !ok {
				p.kill()
				t.Fatalf("migrate did not exit within 10s of SIGTERM:\n%s", tail(p.output(), 30))
			}
			took := time.Since(sig)
			t.Logf("SIGTERM at %q (%s): exit %d after %s", sc.at.what, describe(s), code, took.Round(time.Millisecond))
			if code != 1 {
				t.Errorf("migrate exited %d after SIGTERM, want 1:\n%s", code, tail(p.output(), 30))
			}
			if took > 5*time.Second {
				t.Errorf("migrate took %s to exit after SIGTERM, want a few seconds at most", took)
			}
			if out := p.output(); !strings.Contains(out, "interrupted") {
				t.Errorf("migrate's output after SIGTERM does not say it was interrupted:\n%s", tail(out, 20))
			}
			after := readSnapshot(c.out)
			if sc.want == "" && len(after.reqs) > 0 {
				t.Errorf("requests were begun after SIGTERM: %s", describe(after))
			}
			for _, r := range after.reqs {
				if r.State == journal.RequestSending {
					t.Errorf("request %d is still sending after a SIGTERM: what was in flight was not recorded", r.ID)
				}
				if r.ID == inflight.ID && r.State != sc.want {
					t.Errorf("request %d was %s when SIGTERM came and is %s after the exit, want %s (%s)", r.ID, inflight.State, r.State, sc.want, r.Message)
				}
			}
			var sent []journal.Request
			if sc.want == journal.RequestSent {
				sent = append(sent, inflight)
			}
			c.runToEnd(1)
			st := checkFinal(t, c.out)
			got := inspect(t, sb)
			ref, _ := referenceRun(t, in)
			checkTarget(t, got, st, ref)
			checkNoRecreate(t, got)
			checkPolled(t, c.out, sent)
		})
	}
}
