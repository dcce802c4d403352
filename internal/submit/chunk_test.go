package submit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/sandbox"
)

// submitted is what a submission left in its journal: each record's
// outcome and each request's operations, in order.
func submitted(t *testing.T, dir string) (records, requests []string) {
	t.Helper()
	j, err := journal.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	recs, err := j.Records()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		records = append(records, fmt.Sprintf("%s:%d %s %s", filepath.Base(r.File), r.Line, r.State, r.Reason))
	}
	reqs, err := j.Requests()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		ops, err := j.OpsOfRequest(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var emps []string
		for _, op := range ops {
			emps = append(emps, op.Employee)
		}
		requests = append(requests, fmt.Sprintf("phase %d round %d: %s", r.Phase, r.Round, strings.Join(emps, " ")))
	}
	return records, requests
}

// TestSubmitChunked: a submission that passes over the run a few change
// sets at a time sends the same requests (operations carried from one
// chunk to the next, the canary held until there is more than it to send)
// and ends every record as one that holds the whole run at once.
func TestSubmitChunked(t *testing.T) {
	defer func(n int) { chunkSize = n }(chunkSize)
	var wantRecs, wantReqs []string
	for _, size := range []int{1 << 20, 1, 3, 7} {
		t.Run(fmt.Sprintf("chunk=%d", size), func(t *testing.T) {
			chunkSize = size
			dir := converted(t)
			r := newRig(t, sandbox.Config{})
			res, err := r.submitDir(t, context.Background(), dir, func(o *Options) { o.Canary = 5 })
			if err != nil {
				t.Fatal(err)
			}
			checkEnd(t, r, dir, res)
			recs, reqs := submitted(t, dir)
			if wantRecs == nil {
				wantRecs, wantReqs = recs, reqs
				if len(reqs) < 3 || !strings.HasPrefix(reqs[0], "phase 1") || len(strings.Fields(reqs[0])) != 4+5 {
					t.Fatalf("requests %q: want a canary of 5 first", reqs)
				}
				return
			}
			if strings.Join(recs, "\n") != strings.Join(wantRecs, "\n") {
				t.Errorf("records differ from one chunk:\n%s\nwant\n%s", strings.Join(recs, "\n"), strings.Join(wantRecs, "\n"))
			}
			if strings.Join(reqs, "\n") != strings.Join(wantReqs, "\n") {
				t.Errorf("requests differ from one chunk:\n%s\nwant\n%s", strings.Join(reqs, "\n"), strings.Join(wantReqs, "\n"))
			}
		})
	}
}

// TestLoadStreams: Load keeps the report's options and an index of the
// plan's employees; the records and change sets are read on demand, and
// a damaged report or a plan naming an employee twice is an error.
func TestLoadStreams(t *testing.T) {
	dir := converted(t)
	run, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if run.Sets != nil || run.Records != nil {
		t.Fatal("Load held the change sets or the records")
	}
	sets, err := run.allSets()
	if err != nil {
		t.Fatal(err)
	}
	if len(sets) == 0 || len(sets) != len(run.index().emps) {
		t.Fatalf("%d change sets, %d in the index", len(sets), len(run.index().emps))
	}
	for _, cs := range sets {
		if e, ok := run.index().get(cs.EmployeeID); !ok || e.flags&empCreates != 0 != cs.Creates || int(e.refs) != len(cs.Refs) {
			t.Errorf("index of %s: %+v", cs.EmployeeID, e)
		}
	}
	n := 0
	if err := run.eachRecord(func(*model.RecordResult) error { n++; return nil }); err != nil || n == 0 {
		t.Fatalf("%d records, %v", n, err)
	}
	if err := run.dupError(); err != nil {
		t.Errorf("dupError of a good run: %v", err)
	}

	tests := []struct {
		name string
		run  *Run
		want string
	}{
		{"two change sets", &Run{Sets: []*model.ChangeSet{{EmployeeID: "E1", Records: []model.Position{{File: "a.csv", Line: 2}}},
			{EmployeeID: "E1", Records: []model.Position{{File: "a.csv", Line: 9}}}}}, `a.csv:9: employee "E1" has two change sets (the other starts at a.csv:2)`},
		{"damaged report", damagedReport(t, dir), "the file is damaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run.dupError()
			if err == nil && tt.run.Dir != "" {
				err = tt.run.eachRecord(func(*model.RecordResult) error { return nil })
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

// damagedReport is the run of dir with its report.json cut short.
func damagedReport(t *testing.T, dir string) *Run {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	bad := t.TempDir()
	for name, data := range map[string][]byte{"report.json": b[:len(b)/2]} {
		if err := os.WriteFile(filepath.Join(bad, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	plan, err := os.ReadFile(filepath.Join(dir, "plan.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "plan.jsonl"), plan, 0o600); err != nil {
		t.Fatal(err)
	}
	return &Run{Dir: bad}
}

// TestOpTable: operations that succeeded and say nothing are kept in two
// bytes, the others whole, and both read back as they were.
func TestOpTable(t *testing.T) {
	run := runOf()
	tab := newOpTable(run.index())
	ops := []journal.Op{
		{Phase: 1, Employee: "E1", Kind: "create", State: journal.OpSuccess},
		{Phase: 0, Employee: "O2", Kind: "rename", State: journal.OpFailed, Message: "refused"},
		{Phase: 2, Employee: "E1", Kind: "refs", State: journal.OpPartial, Messages: []byte(`[{"message":"x"}]`)},
		{Phase: 1, Employee: "OUT", Kind: "update", State: journal.OpSent},
	}
	for i := range ops {
		tab.add(&ops[i])
	}
	if len(tab.whole) != 3 {
		t.Errorf("%d operations kept whole, want 3", len(tab.whole))
	}
	for _, op := range ops {
		got := tab.get(op.Phase, op.Employee)
		if got == nil || got.State != op.State || got.Kind != op.Kind || got.Message != op.Message || string(got.Messages) != string(op.Messages) {
			t.Errorf("%d/%s: got %+v", op.Phase, op.Employee, got)
		}
	}
	if tab.get(2, "N2") != nil || tab.get(1, "nobody") != nil {
		t.Error("an operation nobody journaled")
	}
}
