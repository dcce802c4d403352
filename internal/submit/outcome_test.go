package submit

import (
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

func ext(schema, result string, msgs ...target.Message) target.ExtResult {
	return target.ExtResult{Schema: schema, Result: result, Messages: msgs}
}

func TestJudge(t *testing.T) {
	spendErr := target.Message{Code: "INVALID_VALUE", SchemaPath: model.SchemaSpendUser + ":reimbursementCurrency", Type: "error"}
	tests := []struct {
		name string
		res  target.OpResult
		want string
	}{
		{"all success", target.OpResult{Completed: true, Success: true, Code: "201",
			Extensions: []target.ExtResult{ext(model.SchemaCore, "success"), ext(model.SchemaSpendUser, "success")}}, journal.OpSuccess},
		{"no-op counts as written", target.OpResult{Completed: true, Success: true, Code: "200",
			Extensions: []target.ExtResult{ext(model.SchemaCore, "success"), ext(model.SchemaRole, "no-op")}}, journal.OpSuccess},
		{"extension failed", target.OpResult{Completed: true, Success: false, Code: "201",
			Extensions: []target.ExtResult{ext(model.SchemaCore, "success"), ext(model.SchemaSpendUser, "error", spendErr)}}, journal.OpPartial},
		{"identity failed", target.OpResult{Completed: true, Success: false, Code: "400",
			Extensions: []target.ExtResult{ext(model.SchemaCore, "error"), ext(model.SchemaSpendUser, "no-op")}}, journal.OpFailed},
		{"failed without extensions", target.OpResult{Completed: true, Success: false, Code: "409"}, journal.OpFailed},
		{"synchronous success", target.OpResult{Completed: true, Success: true, Code: "201"}, journal.OpSuccess},
		{"4xx without extension failure", target.OpResult{Completed: true, Success: true, Code: "400"}, journal.OpFailed},
		{"not processed extension", target.OpResult{Completed: true, Success: false, Code: "200",
			Extensions: []target.ExtResult{ext(model.SchemaEnterprise, "success"), ext(model.SchemaTravel, "not-processed")}}, journal.OpPartial},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, notes := judge(tt.res)
			if got != tt.want {
				t.Fatalf("state %q, want %q", got, tt.want)
			}
			if got == journal.OpFailed && len(tt.res.Extensions) == 0 && len(notes) == 0 {
				t.Error("a failure without extensions has no message")
			}
		})
	}
}

func TestExtFailureWording(t *testing.T) {
	e := ExtOutcome{Schema: model.SchemaSpendUser, Result: "error", Messages: []target.Message{{Code: "INVALID_VALUE", SchemaPath: model.SchemaSpendUser + ":reimbursementCurrency"}}}
	if got, want := extFailure(e), "spend failed: INVALID_VALUE reimbursementCurrency"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := shortSchema(model.SchemaApprover); got != "spend Approver" {
		t.Errorf("shortSchema: %q", got)
	}
}

// runOf is a run of one employee E1 created from f.csv:2 (core and spend
// values), with an approver reference on f.csv:3 and a rename on r.csv:2.
func runOf() *Run {
	src := func(line int, field string) model.Source {
		return model.Source{File: "f.csv", Line: line, Field: field}
	}
	ref := model.Ref{Kind: model.RefApprover, Schema: model.SchemaApprover, Path: "report", Target: "E9"}
	ref.SetSource(src(3, "59"), "")
	cs := &model.ChangeSet{EmployeeID: "E1", Creates: true,
		Attrs: []model.Attr{
			model.NewAttr(model.SchemaCore, "name.givenName", "A", src(2, "2"), ""),
			model.NewAttr(model.SchemaSpendUser, "reimbursementCurrency", "USD", src(2, "13"), ""),
		},
		Refs:    []model.Ref{ref},
		Records: []model.Position{{File: "f.csv", Line: 2}, {File: "f.csv", Line: 3}},
	}
	ren := &model.ChangeSet{EmployeeID: "N2", Rename: &model.Rename{From: "O2", NewEmployeeID: "N2", Source: model.Source{File: "r.csv", Line: 2, Field: "3"}},
		Records: []model.Position{{File: "r.csv", Line: 2}}}
	return &Run{Sets: []*model.ChangeSet{cs, ren}, Records: []model.RecordResult{
		{Pos: model.Position{File: "f.csv", Line: 1}, Type: "100", Status: model.StatusSkipped, Messages: []model.Diagnostic{{Message: "import settings"}}},
		{Pos: model.Position{File: "f.csv", Line: 2}, Type: "305", EmployeeID: "E1", Status: model.StatusConverted},
		{Pos: model.Position{File: "f.csv", Line: 3}, Type: "305", EmployeeID: "E1", Status: model.StatusConverted},
		{Pos: model.Position{File: "f.csv", Line: 4}, Type: "305", Status: model.StatusRejected, Messages: []model.Diagnostic{{Severity: model.SevError, Message: "bad flag"}}},
		{Pos: model.Position{File: "r.csv", Line: 2}, Type: "320", EmployeeID: "N2", Status: model.StatusConverted},
	}}
}

func TestOutcomes(t *testing.T) {
	spendFail := encodeJSON([]ExtOutcome{{Schema: model.SchemaCore, Result: "success"}, {Schema: model.SchemaSpendUser, Result: "error", Messages: []target.Message{{Code: "INVALID_VALUE", SchemaPath: model.SchemaSpendUser + ":reimbursementCurrency"}}}})
	unresolved := encodeJSON([]Note{{Code: "UNRESOLVED_REFERENCE", Text: "approver (report) E9 is neither in this run nor in the target", Source: &model.Source{File: "f.csv", Line: 3, Field: "59"}}})
	tests := []struct {
		name string
		ops  []journal.Op
		want map[int]string // f.csv line → state; 0 is r.csv:2
	}{
		{"not submitted", nil, map[int]string{1: StateSkipped, 2: StatePending, 3: StatePending, 4: StateRejected, 0: StatePending}},
		{"all written", []journal.Op{
			{Phase: 0, Employee: "O2", Kind: "rename", State: journal.OpSuccess},
			{Phase: 1, Employee: "E1", Kind: "create", State: journal.OpSuccess},
			{Phase: 2, Employee: "E1", Kind: "refs", State: journal.OpSuccess},
		}, map[int]string{1: StateSkipped, 2: StateSuccess, 3: StateSuccess, 4: StateRejected, 0: StateSuccess}},
		{"spend failed, reference unresolved", []journal.Op{
			{Phase: 0, Employee: "O2", Kind: "rename", State: journal.OpSent},
			{Phase: 1, Employee: "E1", Kind: "create", State: journal.OpPartial, Extensions: spendFail},
			{Phase: 2, Employee: "E1", Kind: "refs", State: journal.OpFailed, Messages: unresolved},
		}, map[int]string{2: StatePartial, 3: StateFailed, 0: StatePending}},
		{"rename folded into the create", []journal.Op{
			{Phase: 1, Employee: "N2", Kind: "create", State: journal.OpSuccess},
			{Phase: 1, Employee: "E1", Kind: "create", State: journal.OpFailed},
		}, map[int]string{0: StateSuccess, 2: StateFailed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := runOf()
			recs, counts, err := Outcomes(run, tt.ops)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(run.Records) {
				t.Fatalf("%d records, want %d", len(recs), len(run.Records))
			}
			sum := 0
			for _, n := range counts {
				sum += n
			}
			if sum != len(run.Records) {
				t.Errorf("counts %v add up to %d, want %d", counts, sum, len(run.Records))
			}
			for _, r := range recs {
				line := r.Line
				if r.File == "r.csv" {
					line = 0
				}
				if want, ok := tt.want[line]; ok && r.State != want {
					t.Errorf("%s:%d: %s (%s), want %s", r.File, r.Line, r.State, r.Reason, want)
				}
				if r.State != StateSuccess && r.State != StatePending && r.Reason == "" {
					t.Errorf("%s:%d: %s without a reason", r.File, r.Line, r.State)
				}
			}
			if tt.name == "spend failed, reference unresolved" && !strings.Contains(recs[1].Reason, "spend failed: INVALID_VALUE reimbursementCurrency") {
				t.Errorf("partial reason %q", recs[1].Reason)
			}
		})
	}
}

// TestPacer: the limit starts at two, grows after clean requests up to the
// most, halves on a throttled one.
func TestPacer(t *testing.T) {
	p := newPacer(4, 0, 100)
	ctx := t.Context()
	for i := 0; i < 2; i++ {
		if err := p.acquire(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	if p.limit != 2 || p.inflight != 2 {
		t.Fatalf("limit %d, inflight %d", p.limit, p.inflight)
	}
	p.release(false)
	p.release(false)
	if p.limit != 4 {
		t.Errorf("after two clean requests: limit %d, want 4", p.limit)
	}
	p.release(true) // a throttled one (inflight goes negative only in this test)
	if p.limit != 2 {
		t.Errorf("after a 429: limit %d, want 2", p.limit)
	}
	p.release(true)
	p.release(true)
	if p.limit != 1 {
		t.Errorf("the limit never goes under 1: %d", p.limit)
	}
}
