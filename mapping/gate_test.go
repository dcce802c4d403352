package mapping

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestTemporaryDelegationFlag: 500/550 field 8 (Can Temporarily Approve
// Reports) is the presence flag of the delegate's temporaryDelegation,
// whose dates are fields 9 and 10.
func TestTemporaryDelegationFlag(t *testing.T) {
	const from, to = "2024-03-01", "2024-03-31"
	const fromAttr, toAttr = "temporaryDelegation.temporaryDelegationFromDate=2024-03-01T00:00:00Z", "temporaryDelegation.temporaryDelegationToDate=2024-03-31T23:59:59Z"
	deleg := func(typ string, line int, flag, f9, f10 string) *model.Record {
		return flat("d.csv", line, typ, map[int]string{2: "E1", 3: "E2", 4: "EXP", 5: "Y", 8: flag, 9: f9, 10: f10})
	}
	tests := []struct {
		name  string
		recs  []*model.Record
		attrs []string // the delegate element's attributes after folding
		warns []string // warnings of the records, in order
	}{
		{name: "N with dates: none, and the dates are named",
			recs:  []*model.Record{deleg("500", 1, "N", from, to)},
			attrs: []string{"canPrepare=true", "temporaryDelegation=false"},
			warns: []string{"d.csv:1:8 (Can Temporarily Approve Reports): warning: N for Can Temporarily Approve Reports: the delegate gets no temporaryDelegation, " +
				"so field 9 (Temporary Approval Delegation From Date) and field 10 (Temporary Approval Delegation To Date) are ignored [mapping/tables/500.csv:9]"}},
		{name: "N with one date (550)",
			recs:  []*model.Record{deleg("550", 1, "n", "", to)},
			attrs: []string{"canPrepare=true", "temporaryDelegation=false"},
			warns: []string{"d.csv:1:8 (Can Temporarily Approve Reports): warning: N for Can Temporarily Approve Reports: the delegate gets no temporaryDelegation, " +
				"so field 10 (Temporary Approval Delegation To Date) is ignored [mapping/tables/550.csv:9]"}},
		{name: "N without dates: quiet",
			recs:  []*model.Record{deleg("500", 1, "N", "", "")},
			attrs: []string{"canPrepare=true", "temporaryDelegation=false"}},
		{name: "Y with dates",
			recs:  []*model.Record{deleg("500", 1, "Y", from, to)},
			attrs: []string{"canPrepare=true", "temporaryDelegation=true", fromAttr, toAttr}},
		{name: "blank with dates: the dates carry it",
			recs:  []*model.Record{deleg("550", 1, "", from, to)},
			attrs: []string{"canPrepare=true", fromAttr, toAttr, "temporaryDelegation=true"}},
		{name: "Y without dates: nothing, with a warning",
			recs:  []*model.Record{deleg("500", 1, "Y", "", "")},
			attrs: []string{"canPrepare=true"},
			warns: []string{"d.csv:1:8 (Can Temporarily Approve Reports): warning: Y for Can Temporarily Approve Reports without field 9 (Temporary Approval Delegation From Date) " +
				"and field 10 (Temporary Approval Delegation To Date): UPS holds a temporaryDelegation only with them, so none is sent [mapping/tables/500.csv:9]"}},
		{name: "a later N takes back an earlier delegation",
			recs:  []*model.Record{deleg("500", 1, "Y", from, to), deleg("500", 2, "N", "", "")},
			attrs: []string{"canPrepare=true", "temporaryDelegation=false", fromAttr, toAttr}},
		{name: "later dates with a blank flag override an earlier N",
			recs:  []*model.Record{deleg("500", 1, "N", "", ""), deleg("500", 2, "", from, to)},
			attrs: []string{"canPrepare=true", "temporaryDelegation=true", fromAttr, toAttr}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := append([]*model.Record{flat("d.csv", 0, "305", map[int]string{2: "B", 4: "C", 5: "E2", 6: "e2@example.com"})}, tt.recs...)
			css, res := run(t, Options{}, recs...)
			var warns []string
			for _, r := range res {
				if r.Status != model.StatusConverted {
					t.Errorf("%s: %s %v", r.Pos, r.Status, r.Messages)
				}
				for _, m := range r.Messages {
					warns = append(warns, m.String())
				}
			}
			if !reflect.DeepEqual(warns, tt.warns) {
				t.Errorf("warnings %q\nwant %q", warns, tt.warns)
			}
			cs := findCS(css, "E1")
			if cs == nil || len(cs.Refs) != 1 {
				t.Fatalf("E1 = %+v", cs)
			}
			var attrs []string
			for _, a := range cs.Refs[0].Attrs {
				attrs = append(attrs, fmt.Sprintf("%s=%v", a.Path(), a.Value()))
			}
			if strings.Join(attrs, " ") != strings.Join(tt.attrs, " ") {
				t.Errorf("attrs %v\nwant  %v", attrs, tt.attrs)
			}
		})
	}
}

// TestPresenceFlagCompiles: the gate is found from the paths, for any
// table; a flag on a delegate attribute without parts is a plain flag.
func TestPresenceFlagCompiles(t *testing.T) {
	set := mustDefault(t)
	for _, name := range []string{"500", "550"} {
		tb, _ := set.Table(name)
		if len(tb.c.gates) != 1 || tb.c.gates[0].src != "8" || len(tb.c.gates[0].gated) != 2 {
			t.Errorf("table %s gates %+v", name, tb.c.gates)
		}
	}
	for _, tb := range set.Tables() {
		if tb.Name != "500" && tb.Name != "550" && len(tb.c.gates) > 0 {
			t.Errorf("table %s has gates", tb.Name)
		}
	}
}
