package journal

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"
)

var scaleEmployees = flag.Int("journal.employees", 1_000_000, "employees in the pre-filled journal of BenchmarkJournalGrowth")

// schemasUPS are the schemas UPS reports on every operation, as the
// sandbox does: the journal stores one result per schema (≈1 KB of JSON).
var schemasUPS = []string{
	"urn:ietf:params:scim:schemas:core:2.0:User",
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:User",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Role",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Delegate",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:UserPreference",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:WorkflowPreference",
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:Payroll",
	"urn:ietf:params:scim:schemas:extension:travel:2.0:User",
}

// extResults is the extensions column of a successful operation.
var extResults = func() json.RawMessage {
	parts := make([]string, len(schemasUPS))
	for i, s := range schemasUPS {
		parts[i] = fmt.Sprintf(`{"schema":%q,"result":"success","code":"200"}`, s)
	}
	return json.RawMessage("[" + strings.Join(parts, ",") + "]")
}()

func employee(i int) string { return fmt.Sprintf("EMP%07d", i) }

func fakeUUID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

// fill writes what a finished submission of n employees leaves in a
// journal, in large transactions of plain inserts (the benchmark measures
// what comes after): per employee a create (phase 1) and a references
// PATCH (phase 2) with their outcomes, a user and a record; one request
// per 100 operations.
func fill(b *testing.B, j *Journal, n int) {
	const batch = 50_000
	t := ts(now())
	ext := string(extResults)
	var reqID int64
	for phase := 1; phase <= 2; phase++ {
		for lo := 0; lo < n; lo += batch {
			err := j.write("fill", func(tx *sql.Tx) error {
				req, err := tx.Prepare(`INSERT INTO requests (phase, round, ops, bytes, state, provision_id, http_status, attempts, created, sent, done)
					VALUES (?, 1, 100, 102400, 'done', 'prov', 202, 1, ?, ?, ?)`)
				if err != nil {
					return err
				}
				defer req.Close()
				op, err := tx.Prepare(`INSERT INTO ops (` + opColumns + `) VALUES (?, ?, ?, ?, ?, 'success', 1, ?, ?, ?, ?, NULL, ?, NULL, ?)`)
				if err != nil {
					return err
				}
				defer op.Close()
				user, err := tx.Prepare(`INSERT INTO users (employee_number, id, user_name, source, updated) VALUES (?, ?, NULL, 'created', ?)`)
				if err != nil {
					return err
				}
				defer user.Close()
				for i := lo; i < min(lo+batch, n); i++ {
					if (i-lo)%100 == 0 {
						res, err := req.Exec(phase, t, t, t)
						if err != nil {
							return err
						}
						if reqID, err = res.LastInsertId(); err != nil {
							return err
						}
					}
					method, path, kind, code := "POST", "/Users", "create", "201"
					if phase == 2 {
						method, path, kind, code = "PATCH", "/Users/"+fakeUUID(i), "refs", "200"
					}
					if _, err := op.Exec(phase, employee(i), method, path, kind, reqID, (i-lo)%100, fakeUUID(i), code, ext, t); err != nil {
						return err
					}
					if phase == 1 {
						if _, err := user.Exec(employee(i), fakeUUID(i), t); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{File: "feed.csv", Line: i + 2, Type: "305", Employee: employee(i), State: RecordSuccess, Reason: "identity created"}
	}
	if err := j.PutRecords(recs); err != nil {
		b.Fatal(err)
	}
}

// cycle is the journal's share of one Bulk request of 100 operations for
// employees first..first+99, as submit writes it: begin (planned ops
// become sending), sent, the operations read back by request, complete
// with the outcomes and the users created.
func cycle(b *testing.B, j *Journal, phase, first int) {
	ops := make([]Op, 100)
	for k := range ops {
		ops[k] = Op{Phase: phase, Employee: employee(first + k), Method: "POST", Path: "/Users", Kind: "create"}
	}
	r := &Request{Phase: phase, Round: 1, Bytes: 100 << 10}
	if err := j.BeginRequest(r, ops); err != nil {
		b.Fatal(err)
	}
	if err := j.MarkSent(r.ID, 202, "prov", "corr", 1); err != nil {
		b.Fatal(err)
	}
	got, err := j.OpsOfRequest(r.ID)
	if err != nil || len(got) != len(ops) {
		b.Fatalf("ops of request %d: %d, %v", r.ID, len(got), err)
	}
	users := make([]User, len(got))
	for k := range got {
		got[k].State, got[k].Code, got[k].UserID, got[k].Extensions = OpSuccess, "201", fakeUUID(first+k), extResults
		users[k] = User{EmployeeNumber: got[k].Employee, ID: got[k].UserID, Source: SourceCreated}
	}
	if err := j.Complete(r.ID, got, users, ""); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkJournalGrowth measures, in one run, what the journal costs per
// operation of a Bulk request (begin, sent, read back, complete: cycle)
// in an empty journal and in one that holds a finished submission of
// -journal.employees employees (1M by default: 2M operations, 1M users,
// 1M records, 20k requests), alternating the two so that both see the
// same machine, and reports both and their ratio (target: flat, ≈1). It
// also times the reads of one phase submit makes between rounds in the
// full journal: a whole read (Ops), the brief read of pending (OpsBrief),
// the counts (OpCounts) and the operations in doubt (OpsIn), in ms.
func BenchmarkJournalGrowth(b *testing.B) {
	const cycles = 50 // requests measured per journal size and iteration
	empty := benchJournal(b)
	full := benchJournal(b)
	start := time.Now()
	fill(b, full, *scaleEmployees)
	b.Logf("filled a journal with %d employees in %s", *scaleEmployees, time.Since(start).Round(time.Millisecond))
	var tEmpty, tFull time.Duration
	var reads [4]time.Duration
	next := *scaleEmployees
	b.ResetTimer()
	for b.Loop() {
		for c := 0; c < cycles; c++ {
			t0 := time.Now()
			cycle(b, empty, 3, next)
			t1 := time.Now()
			cycle(b, full, 3, next)
			tEmpty += t1.Sub(t0)
			tFull += time.Since(t1)
			next += 100
		}
		for i, read := range []func() (int, error){
			func() (int, error) { ops, err := full.Ops(1); return len(ops), err },
			func() (int, error) { ops, err := full.OpsBrief(1); return len(ops), err },
			func() (int, error) { c, err := full.OpCounts(1); return c[OpSuccess], err },
			func() (int, error) { ops, err := full.OpsIn(1, OpInDoubt, OpSending); return len(ops), err },
		} {
			t0 := time.Now()
			n, err := read()
			if err != nil {
				b.Fatal(err)
			}
			if i < 3 && n != *scaleEmployees {
				b.Fatalf("read %d: %d operations, want %d", i, n, *scaleEmployees)
			}
			reads[i] += time.Since(t0)
		}
	}
	perOp := func(d time.Duration) float64 { return d.Seconds() * 1e6 / float64(b.N*cycles*100) }
	b.ReportMetric(perOp(tEmpty), "µs/op-empty")
	b.ReportMetric(perOp(tFull), "µs/op-full")
	b.ReportMetric(tFull.Seconds()/tEmpty.Seconds(), "full/empty")
	for i, name := range []string{"ms-Ops", "ms-OpsBrief", "ms-OpCounts", "ms-OpsIn"} {
		b.ReportMetric(reads[i].Seconds()*1e3/float64(b.N), name)
	}
}
