package pipeline

import (
	"reflect"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// TestConvertFindingsMatchRebuiltData: the findings Convert collects on
// the plan's trees are those of the reference validator on the rebuilt
// data of every operation (Operation.Data), in plan order, with the same
// sources, in both modes (without a company ID every POST lacks companyId:
// a warning in default mode).
func TestConvertFindingsMatchRebuiltData(t *testing.T) {
	t.Chdir("../..")
	files := sampleFiles(t)
	total := 0
	for _, c := range []struct {
		strict  bool
		company string
	}{{false, companyID}, {true, companyID}, {false, ""}} {
		strict := c.strict
		res, err := Convert(files, Options{Options: plan.Options{CompanyID: c.company}, Strict: strict})
		if err != nil {
			t.Fatal(err)
		}
		v, err := schemas.New(schemas.Options{Strict: strict})
		if err != nil {
			t.Fatal(err)
		}
		var want []OpFinding
		for ri, r := range res.Plan.Requests {
			for oi, op := range r.Operations {
				for _, f := range v.ValidateOperation(op.Method, op.Path, op.BulkID, op.Data()) {
					if f.IsError() {
						t.Errorf("strict=%v: request %d operation %d: error left in the final plan: %v", strict, ri+1, oi, f)
						continue
					}
					of := OpFinding{Request: ri + 1, Operation: oi, Employee: op.Employee, Finding: f}
					if src, _, ok := op.SourceAt(dataPointer(f.Pointer)); ok {
						of.Source = &src
					}
					want = append(want, of)
				}
			}
		}
		if !reflect.DeepEqual(res.Findings, want) {
			t.Errorf("strict=%v: findings differ\ngot  %+v\nwant %+v", strict, res.Findings, want)
		}
		total += len(want) + res.Totals.Rejected
		t.Logf("strict=%v, company %q: %d warnings, %d records rejected", strict, c.company, len(want), res.Totals.Rejected)
	}
	if total == 0 {
		t.Error("the samples gave no finding at all; the comparison covers nothing")
	}
}
