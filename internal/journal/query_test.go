package journal

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// queryJournal holds, in phase 1: A success with details, B failed with
// details, C in doubt with messages, D planned; in phase 2: E sending.
func queryJournal(t *testing.T) *Journal {
	t.Helper()
	j, _ := open(t)
	ext := json.RawMessage(`[{"schema":"core","result":"success"}]`)
	msgs := json.RawMessage(`[{"message":"lost"}]`)
	ops := []Op{
		{Phase: 1, Employee: "A", Method: "POST", Path: "/Users", Kind: "create", State: OpSuccess, Extensions: ext, Messages: msgs},
		{Phase: 1, Employee: "B", Method: "POST", Path: "/Users", Kind: "create", State: OpFailed, Extensions: ext, Messages: msgs},
		{Phase: 1, Employee: "C", Method: "POST", Path: "/Users", Kind: "create", State: OpInDoubt, Extensions: ext, Messages: msgs},
		{Phase: 1, Employee: "D", Method: "POST", Path: "/Users", Kind: "create"},
	}
	if err := j.PutOps(ops); err != nil {
		t.Fatal(err)
	}
	if err := j.BeginRequest(&Request{Phase: 2}, []Op{{Phase: 2, Employee: "E", Method: "PATCH", Path: "/Users/x", Kind: "refs"}}); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestOpCounts(t *testing.T) {
	j := queryJournal(t)
	for phase, want := range map[int]map[string]int{
		-1: {OpSuccess: 1, OpFailed: 1, OpInDoubt: 1, OpPlanned: 1, OpSending: 1},
		0:  {},
		1:  {OpSuccess: 1, OpFailed: 1, OpInDoubt: 1, OpPlanned: 1},
		2:  {OpSending: 1},
	} {
		got, err := j.OpCounts(phase)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("OpCounts(%d) = %v, want %v", phase, got, want)
		}
	}
}

func TestOpsIn(t *testing.T) {
	j := queryJournal(t)
	got, err := j.OpsIn(1, OpInDoubt, OpSending, OpFailed)
	if err != nil {
		t.Fatal(err)
	}
	var emps []string
	for _, op := range got {
		emps = append(emps, op.Employee)
	}
	if !reflect.DeepEqual(emps, []string{"B", "C"}) {
		t.Errorf("OpsIn(1, in-doubt, sending, failed) = %v, want B C", emps)
	}
	// Read whole, as Ops reads them.
	all, err := j.Ops(1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got[0], all[1]) || !reflect.DeepEqual(got[1], all[2]) {
		t.Errorf("OpsIn read %+v, Ops %+v", got, all[1:3])
	}
	if got, err := j.OpsIn(2); err != nil || got != nil {
		t.Errorf("OpsIn without states = %v, %v", got, err)
	}
}

func TestOpsBrief(t *testing.T) {
	j := queryJournal(t)
	all, err := j.Ops(-1)
	if err != nil {
		t.Fatal(err)
	}
	brief, err := j.OpsBrief(-1)
	if err != nil {
		t.Fatal(err)
	}
	if len(brief) != len(all) {
		t.Fatalf("OpsBrief: %d operations, Ops %d", len(brief), len(all))
	}
	for i := range all {
		want := all[i]
		switch want.State {
		case OpSuccess, OpPartial, OpFailed, OpSkipped:
			want.Extensions, want.Messages = nil, nil
		}
		if !reflect.DeepEqual(brief[i], want) {
			t.Errorf("OpsBrief %s:\n got %+v\nwant %+v", want.Employee, brief[i], want)
		}
	}
	if all[2].Messages == nil || brief[2].Messages == nil {
		t.Errorf("the operation in doubt lost its messages: %+v", brief[2])
	}
	one, err := j.OpsBrief(2)
	if err != nil || len(one) != 1 || one[0].Employee != "E" {
		t.Errorf("OpsBrief(2) = %+v, %v", one, err)
	}
}

func TestHasRequests(t *testing.T) {
	j := queryJournal(t)
	for phase, want := range map[int]bool{0: false, 1: false, 2: true} {
		if got, err := j.HasRequests(phase); err != nil || got != want {
			t.Errorf("HasRequests(%d) = %v, %v; want %v", phase, got, err, want)
		}
	}
}

// TestStateIndex: a journal written before the index existed gets it when
// opened for writing, and the counts read it.
func TestStateIndex(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.db.Exec(`DROP INDEX ops_state`); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if j, err = Open(dir); err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	var n int
	if err := j.db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ops_state'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("ops_state after reopening: %d, %v", n, err)
	}
	var plan string
	if err := j.db.QueryRow(`EXPLAIN QUERY PLAN SELECT state, count(*) FROM ops WHERE phase = 1 GROUP BY state`).Scan(new(int), new(int), new(int), &plan); err != nil {
		t.Fatal(err)
	}
	if want := "COVERING INDEX ops_state"; !strings.Contains(plan, want) {
		t.Errorf("OpCounts' plan %q does not use %s", plan, want)
	}
	if err := j.db.QueryRow(`EXPLAIN QUERY PLAN SELECT `+opSelect+` FROM ops WHERE phase = 1 AND state IN ('in-doubt', 'sending')`).Scan(new(int), new(int), new(int), &plan); err != nil {
		t.Fatal(err)
	}
	if want := "INDEX ops_state"; !strings.Contains(plan, want) {
		t.Errorf("OpsIn's plan %q does not use %s", plan, want)
	}
}

func TestOpsFailing(t *testing.T) {
	j, _ := open(t)
	ok := json.RawMessage(`[{"schema":"core","result":"success"},{"schema":"spend","result":"no-op"}]`)
	bad := json.RawMessage(`[{"schema":"core","result":"success"},{"schema":"spend","result":"error","messages":[{"code":"X"}]}]`)
	skipped := json.RawMessage(`[{"schema":"travel","result":"not-processed"}]`)
	msgs := json.RawMessage(`[{"message":"a note"}]`)
	ops := []Op{
		{Phase: 1, Employee: "A", Method: "POST", Path: "/Users", Kind: "create", State: OpSuccess, Extensions: ok, Messages: msgs},
		{Phase: 1, Employee: "B", Method: "POST", Path: "/Users", Kind: "create", State: OpPartial, Extensions: bad},
		{Phase: 2, Employee: "C", Method: "PATCH", Path: "/Users/c", Kind: "refs", State: OpSuccess, Extensions: skipped},
	}
	if err := j.PutOps(ops); err != nil {
		t.Fatal(err)
	}
	all, err := j.Ops(-1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := j.OpsFailing(-1)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]Op(nil), all...)
	want[0].Extensions = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("OpsFailing:\n got %+v\nwant %+v", got, want)
	}
	if one, err := j.OpsFailing(2); err != nil || len(one) != 1 || string(one[0].Extensions) != string(skipped) {
		t.Errorf("OpsFailing(2) = %+v, %v", one, err)
	}
}

// TestEachOp holds EachOp to what Ops(-1) reads, row for row, and checks
// that an error of fn stops the read.
func TestEachOp(t *testing.T) {
	j := queryJournal(t)
	want, err := j.Ops(-1)
	if err != nil {
		t.Fatal(err)
	}
	var got []Op
	if err := j.EachOp(func(op *Op) error { got = append(got, *op); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(want) != 5 || !reflect.DeepEqual(got, want) {
		t.Errorf("EachOp read %+v\nOps(-1) reads %+v", got, want)
	}
	stop := errors.New("stop")
	n := 0
	if err := j.EachOp(func(*Op) error { n++; return stop }); err != stop || n != 1 {
		t.Errorf("fn's error: EachOp returned %v after %d calls", err, n)
	}
}
