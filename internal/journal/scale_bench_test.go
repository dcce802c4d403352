package journal

import (
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
// journal: per employee a create (phase 1) and a references PATCH (phase
// 2) with their outcomes, a user, and a record; one request per 100
// operations.
func fill(b *testing.B, j *Journal, n int) {
	const batch = 10_000
	var reqID int64
	for phase := 1; phase <= 2; phase++ {
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			ops := make([]Op, 0, hi-lo)
			var users []User
			for i := lo; i < hi; i++ {
				if (i-lo)%100 == 0 {
					r := &Request{Phase: phase, Round: 1, Bytes: 100 << 10}
					if err := j.BeginRequest(r, nil); err != nil {
						b.Fatal(err)
					}
					reqID = r.ID
				}
				op := Op{Phase: phase, Employee: employee(i), State: OpSuccess, Attempts: 1, RequestID: reqID,
					Index: (i - lo) % 100, UserID: fakeUUID(i), Code: "201", Extensions: extResults}
				if phase == 1 {
					op.Method, op.Path, op.Kind = "POST", "/Users", "create"
					users = append(users, User{EmployeeNumber: employee(i), ID: fakeUUID(i), Source: SourceCreated})
				} else {
					op.Method, op.Path, op.Kind, op.Code = "PATCH", "/Users/"+fakeUUID(i), "refs", "200"
				}
				ops = append(ops, op)
			}
			if err := j.Complete(reqID, ops, users, ""); err != nil {
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
// 1M records, 20k requests), and reports both and their ratio (target:
// flat, ≈1). It also reports the whole-phase reads submit makes between
// rounds (Ops of one phase) per 1,000 rows.
func BenchmarkJournalGrowth(b *testing.B) {
	const cycles = 50 // requests measured per journal size and iteration
	empty := benchJournal(b)
	full := benchJournal(b)
	start := time.Now()
	fill(b, full, *scaleEmployees)
	b.Logf("filled a journal with %d employees in %s", *scaleEmployees, time.Since(start).Round(time.Millisecond))
	var tEmpty, tFull, tScan time.Duration
	var rows int
	next := *scaleEmployees
	b.ResetTimer()
	for b.Loop() {
		// Alternate the two journals so that both see the same machine.
		for c := 0; c < cycles; c++ {
			t0 := time.Now()
			cycle(b, empty, 3, next)
			t1 := time.Now()
			cycle(b, full, 3, next)
			tEmpty += t1.Sub(t0)
			tFull += time.Since(t1)
			next += 100
		}
		t0 := time.Now()
		ops, err := full.Ops(1)
		if err != nil {
			b.Fatal(err)
		}
		tScan += time.Since(t0)
		rows += len(ops)
	}
	perOp := func(d time.Duration) float64 { return d.Seconds() * 1e6 / float64(b.N*cycles*100) }
	b.ReportMetric(perOp(tEmpty), "µs/op-empty")
	b.ReportMetric(perOp(tFull), "µs/op-full")
	b.ReportMetric(tFull.Seconds()/tEmpty.Seconds(), "full/empty")
	b.ReportMetric(tScan.Seconds()*1e3/float64(rows)*1e3, "ms/1k-rows-scan")
}
