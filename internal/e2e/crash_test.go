package e2e

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/journal"
)

// samples is the input of `make demo`: every record type and format of
// samples/, with renames and rejected rows, and the mapping overrides.
func samples(t *testing.T) input {
	t.Helper()
	var files []string
	for _, pat := range []string{"samples/concur/*.csv", "samples/legacy/*.xml", "samples/legacy/*.json"} {
		m, err := filepath.Glob(filepath.Join(root, pat))
		if err != nil || len(m) == 0 {
			t.Fatalf("no %s in %s", pat, root)
		}
		for _, f := range m {
			rel, _ := filepath.Rel(root, f)
			files = append(files, rel)
		}
	}
	sort.Strings(files)
	return input{extra: []string{"--mapping", "samples/mapping"}, files: files}
}

// renameFeed changes the Employee ID and login of users the sandbox
// already has (--users 6 seeds E00001…E00006): E00001 becomes R00001,
// E00002 gets a new login, E00003 both; two new employees report to the
// renamed ones, so phase 0, 1 and 2 each send one request.
const renameFeed = `100,0,SSO,UPDATE,EN,N,N
320,E00001,R00001
320,E00002,,ada.renamed@sandbox.example.com
320,E00003,R00003,grace.renamed@sandbox.example.com
305,Alan,,Turing,N00005,alan.turing@sandbox.example.com,,alan.turing@sandbox.example.com,en_GB,GB,,NWR-EU,GBP,,Y,Engineering,London,CC300,,,,,,,,,,,,,,,,,,,,,,,,,Y,N,Y,Y,N,Y,Y,N,N,N,N,Y,Y,N,N,N,R00001,R00001,R00001,R00001,Y,Y,N,N,N,N,N,N,N,N,N,N,N,NVR,,Y,Y,,,,,,,,,,N,CNQRPAY
305,Niklaus,,Wirth,N00010,niklaus.wirth@sandbox.example.com,,niklaus.wirth@sandbox.example.com,de_DE,DE,DE-BE,NWR-EU,EUR,,Y,Engineering,Berlin,CC300,,,,,,,,,,,,,,,,,,,,,,,,,Y,N,Y,Y,N,Y,Y,N,N,N,N,Y,Y,N,N,N,R00003,R00003,R00003,R00003,Y,Y,N,N,N,N,N,N,N,N,N,N,N,NVR,,Y,Y,,,,,,,,,,N,CNQRPAY
`

// renames is renameFeed, written into dir, for a sandbox of 6 users.
func renames(t *testing.T, dir string) input {
	t.Helper()
	f := filepath.Join(dir, "renames-320.csv")
	if err := os.WriteFile(f, []byte(renameFeed), 0o600); err != nil {
		t.Fatal(err)
	}
	return input{sandbox: []string{"--users", "6"}, extra: []string{"--mapping", "samples/mapping"}, files: []string{f}}
}

// killPoint is one SIGKILL of a crash scenario: when the journal shows
// cond, relative to what the runs before it left (prev, the snapshot of
// the previous kill; nil for the first).
type killPoint struct {
	what string
	cond func(s, prev *snapshot) bool
	// optional points may come after the run ended by itself.
	optional bool
}

// newRequest matches a request begun by this run (after every request of
// prev) in state st, of phase ph (any when < 0).
func newRequest(st string, ph int) func(s, prev *snapshot) bool {
	return func(s, prev *snapshot) bool {
		last := int64(0)
		if prev != nil {
			for _, r := range prev.reqs {
				last = max(last, r.ID)
			}
		}
		return s.count(func(r *journal.Request) bool {
			return r.ID > last && r.State == st && (ph < 0 || r.Phase == ph)
		}) > 0
	}
}

var (
	atLock = killPoint{what: "right after the lock is taken", cond: func(s, _ *snapshot) bool { return true }}
	// The first request begun, its answer not back (--response-latency
	// holds it).
	atSending = killPoint{what: "a request sending", cond: newRequest(journal.RequestSending, -1)}
	// A provision accepted and not complete (--latency holds it).
	atSent = killPoint{what: "a request sent, not done", cond: newRequest(journal.RequestSent, -1)}
	// A phase-1 request begun, its answer not back.
	atPhase1Sending = killPoint{what: "a phase-1 request sending", cond: newRequest(journal.RequestSending, 1)}
	// Phase 0: renames of existing users.
	atPhase0Sending = killPoint{what: "a phase-0 request sending", cond: newRequest(journal.RequestSending, 0)}
	atPhase0Sent    = killPoint{what: "a phase-0 request sent, not done", cond: newRequest(journal.RequestSent, 0)}
	// Phase 2 begun: a phase-2 request sending, or accepted.
	atPhase2Sending = killPoint{what: "a phase-2 request sending", cond: newRequest(journal.RequestSending, 2)}
	atPhase2Sent    = killPoint{what: "a phase-2 request sent, not done", cond: newRequest(journal.RequestSent, 2)}
	// An answer lost (--apply-drop-rate), before the next run settles it.
	atInDoubt = killPoint{what: "a request in doubt", cond: newRequest(journal.RequestInDoubt, -1)}
)

// TestCrash SIGKILLs `upsmigrate migrate` of samples/ at several points,
// runs the same command again until it exits, and checks the end state:
// every record final, each employee in the sandbox exactly once, the same
// users as a run that was never killed, no create re-sent for a user that
// exists, and the provisions a killed run left accepted polled rather than
// sent again.
func TestCrash(t *testing.T) {
	t.Parallel()
	smp, ren := samples(t), renames(t, t.TempDir())
	scenarios := []struct {
		name   string
		seed   int64
		faults []string
		kills  []killPoint
		in     *input // samples when nil
	}{
		{"lock", 11, nil, []killPoint{atLock}, nil},
		{"sending", 12, []string{"--response-latency", "300ms"}, []killPoint{atSending}, nil},
		{"sent", 13, []string{"--latency", "1s"}, []killPoint{atSent}, nil},
		{"phase2", 14, []string{"--response-latency", "300ms"}, []killPoint{atPhase2Sending}, nil},
		// Seed 8 drops the answer of the 2nd write only (of the first 7).
		{"in-doubt", 8, []string{"--apply-drop-rate", "0.3"}, []killPoint{atInDoubt}, nil},
		{"every-point", 16, []string{"--response-latency", "150ms", "--latency", "400ms"},
			[]killPoint{atLock, atSending, atSent, atPhase2Sending, atPhase2Sent}, nil},
		{"thrice-sending", 17, []string{"--response-latency", "300ms"}, []killPoint{atSending, atSending, atSending}, nil},
		// The same operations are in the request each kill interrupts: the
		// attempts of a killed run must not count against the next.
		{"four-sending", 18, []string{"--response-latency", "300ms"}, []killPoint{atPhase1Sending, atPhase1Sending, atPhase1Sending, atPhase1Sending}, nil},
		// SIGKILLs at seeded random moments (200 ms to 2.5 s after the lock).
		{"random", 19, []string{"--response-latency", "100ms", "--latency", "300ms"}, randomKills(19, 6), nil},
		{"rename-sending", 20, []string{"--response-latency", "300ms"}, []killPoint{atPhase0Sending}, &ren},
		{"rename-sent", 21, []string{"--latency", "1s"}, []killPoint{atPhase0Sent}, &ren},
		// Seed 4 drops the answer of the 1st write only (of the first 8).
		{"rename-in-doubt", 4, []string{"--apply-drop-rate", "0.3"}, []killPoint{atInDoubt}, &ren},
		{"rename-every-point", 22, []string{"--response-latency", "150ms", "--latency", "400ms"},
			[]killPoint{atPhase0Sending, atPhase0Sent, atPhase1Sending, atSent, atPhase2Sending}, &ren},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			in := smp
			if sc.in != nil {
				in = *sc.in
			}
			dir := tempDir(t)
			sb := startSandbox(t, filepath.Join(dir, "sandbox.db"), sc.seed, slices.Concat(in.sandbox, sc.faults)...)
			c := newClient(t, sb, filepath.Join(dir, "out"), in)
			start := time.Now()
			var prev *snapshot
			var sent []journal.Request // requests a kill left accepted, not done
			for _, k := range sc.kills {
				p := c.start()
				s := killAt(t, c, p, k, prev)
				if s == nil {
					continue // an optional point the run did not reach
				}
				if len(s.reqs) > 0 {
					checkReadable(t, c.out)
				}
				prev = s
				for _, r := range prev.reqs {
					if r.State == journal.RequestSent {
						sent = append(sent, r)
					}
				}
			}
			c.runToEnd(0, 1)
			st := checkFinal(t, c.out)
			got := inspect(t, sb)
			ref, refSt := referenceRun(t, in)
			checkTarget(t, got, st, ref)
			checkNoRecreate(t, got)
			checkPolled(t, c.out, sent)
			t.Logf("%d runs (exit codes %v) in %s; records %v; sandbox operations: %s",
				c.runs, c.codes, time.Since(start).Round(time.Millisecond), st.Totals, sendCounts(got))
			if diffs := outcomeDiffs(st, refSt); len(diffs) > 0 {
				t.Errorf("%d records end otherwise than in a run never killed: %s", len(diffs), strings.Join(first(diffs, 10), "; "))
			}
		})
	}
}

// checkReadable checks that `status --json` reads a directory a killed
// run left (its journal's WAL not checkpointed): the counts add up.
func checkReadable(t *testing.T, dir string) {
	t.Helper()
	st := status(t, dir)
	sum := 0
	for _, n := range st.Totals {
		sum += n
	}
	if st.Records == 0 || sum != st.Records || len(st.Detail) != st.Records {
		t.Errorf("status after a kill: totals %v add up to %d, records %d, %d record states", st.Totals, sum, st.Records, len(st.Detail))
	}
}

// randomKills is n kill points at seeded random moments, 200 ms to 2.5 s
// after the run took the lock (a run without kills takes about 3 s; a
// run that ends first is fine).
func randomKills(seed int64, n int) []killPoint {
	rng := rand.New(rand.NewPCG(uint64(seed), 3))
	var out []killPoint
	for range n {
		d := 200*time.Millisecond + time.Duration(rng.IntN(2300))*time.Millisecond
		var started time.Time
		out = append(out, killPoint{what: fmt.Sprintf("%s after the lock", d), optional: true, cond: func(s, prev *snapshot) bool {
			if started.IsZero() {
				started = time.Now()
			}
			return time.Since(started) >= d
		}})
	}
	return out
}

// outcomeDiffs lists the records whose state differs from the reference
// run's.
func outcomeDiffs(st, ref *statusReport) []string {
	want := map[string]journal.Record{}
	for _, r := range ref.Detail {
		want[fmt.Sprintf("%s:%d", r.File, r.Line)] = r
	}
	var out []string
	for _, r := range st.Detail {
		k := fmt.Sprintf("%s:%d", r.File, r.Line)
		if w, ok := want[k]; !ok {
			out = append(out, k+": not in the reference run")
		} else if r.State != w.State {
			out = append(out, fmt.Sprintf("%s (%s) %s, want %s: %s", k, r.Employee, r.State, w.State, r.Reason))
		}
	}
	if len(st.Detail) != len(ref.Detail) {
		out = append(out, fmt.Sprintf("%d records, the reference run %d", len(st.Detail), len(ref.Detail)))
	}
	return out
}

// checkPolled checks that the operations of requests a killed run left
// accepted (sent, provision not complete) were not sent again: the next
// run polls the provision and records the outcome on the same request.
func checkPolled(t *testing.T, dir string, sent []journal.Request) {
	t.Helper()
	if len(sent) == 0 {
		return
	}
	j, err := journal.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for _, r := range sent {
		ops, err := j.OpsOfRequest(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ops) != r.Ops {
			t.Errorf("request %d (phase %d, provision %s) was accepted when the run was killed, yet %d of its %d operations were sent again in later requests",
				r.ID, r.Phase, r.ProvisionID, r.Ops-len(ops), r.Ops)
		}
		got, err := j.Request(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != journal.RequestDone {
			t.Errorf("request %d (provision %s) accepted before the kill ended %s, not done: %s", r.ID, r.ProvisionID, got.State, got.Message)
		}
	}
}

// TestInDoubtLookup loses the answer of a Bulk request the sandbox applied
// (seed 8 drops the answer of the 2nd write) while its provision is still
// queued (--latency, longer than --poll-interval). Settling the request
// looks its users up three times over 7 poll intervals (100, 200 and 400
// ms here) before it sends a create again. Within that window the creates
// must not be sent again; beyond it, the creates sent again meet the users
// (409) and are settled as updates: every record must still succeed, with
// the users of a run without faults.
func TestInDoubtLookup(t *testing.T) {
	t.Parallel()
	in := samples(t)
	for _, sc := range []struct {
		name, latency string
		known         string // why creates are sent again
	}{
		{"within", "400ms", ""},
		{"beyond", "1500ms", "known limitation: a provision slower than settle's lookups (7 poll intervals) is not seen: its creates are sent again and meet the users (409), then go as updates; a target without employeeNumber uniqueness would get duplicates"},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			dir := tempDir(t)
			sb := startSandbox(t, filepath.Join(dir, "sandbox.db"), 8, "--apply-drop-rate", "0.3", "--latency", sc.latency)
			c := newClient(t, sb, filepath.Join(dir, "out"), in)
			c.runToEnd(1)
			st := checkFinal(t, c.out)
			checkAllSucceeded(t, st)
			got := inspect(t, sb)
			ref, _ := referenceRun(t, in)
			checkTarget(t, got, st, ref)
			inDoubt := 0
			for _, r := range st.Requests {
				if r.State == journal.RequestInDoubt {
					inDoubt++
				}
			}
			if inDoubt == 0 {
				t.Fatalf("no request ended in doubt: the scenario did not lose an answer (requests %+v)", st.Requests)
			}
			if bad := recreated(got); len(bad) > 0 && sc.known != "" && !t.Failed() {
				t.Skipf("%s: %d creates sent again: %s", sc.known, len(bad), strings.Join(first(bad, 5), ", "))
			}
			checkNoRecreate(t, got)
		})
	}
}

// TestTokenDrop drops the connection of the first request of a run, the
// token request of the password grant (seed 20 drops the 1st request and
// none of the next 9). A company request token may be used again, so the
// run must get its token on a retry and go on.
func TestTokenDrop(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	sb := startSandbox(t, filepath.Join(dir, "sandbox.db"), 20, "--drop-rate", "0.05")
	c := newClient(t, sb, filepath.Join(dir, "out"), samples(t))
	c.runToEnd(1) // samples/ has rejected rows
	st := checkFinal(t, c.out)
	checkAllSucceeded(t, st)
	if log := readFile(sb.Log); !strings.Contains(log, "POST /oauth2/v0/token dropped") {
		t.Errorf("the sandbox did not drop the token request: the scenario did not test it:\n%s", tail(log, 10))
	}
}
