package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestDateOrder maps dates of birth (350 field 8) and delegation dates
// (500 fields 9, 10) in both orders: the value sent, the record's error,
// and the file's hint.
func TestDateOrder(t *testing.T) {
	dob := func(line int, v string) *model.Record {
		return flat("f.csv", line, "350", map[int]string{2: "E" + strconv.Itoa(line), 8: v})
	}
	tests := []struct {
		name  string
		order DateOrder
		recs  []*model.Record
		want  map[int]string // line -> dateOfBirth sent ("" = rejected)
		errs  map[int]string // line -> error fragment
		hint  string         // fragment of the file's hint; "" = none
	}{
		{name: "month-first reads MM/DD", order: MonthFirst,
			recs: []*model.Record{dob(1, "03/11/1984"), dob(2, "1984-03-11")},
			want: map[int]string{1: "1984-03-11", 2: "1984-03-11"}},
		{name: "day-first reads DD/MM", order: DayFirst,
			recs: []*model.Record{dob(1, "03/11/1984"), dob(2, "1984-03-11"), dob(3, "25/12/1984")},
			want: map[int]string{1: "1984-11-03", 2: "1984-03-11", 3: "1984-12-25"}},
		{name: "a day-first file read month-first gets the hint", order: MonthFirst,
			recs: []*model.Record{dob(1, "03/11/1984"), dob(2, "25/12/1984"), dob(3, "1984-01-02")},
			want: map[int]string{1: "1984-03-11", 2: "", 3: "1984-01-02"},
			errs: map[int]string{2: `f.csv:2:8 (Date of Birth): error: malformed date "25/12/1984": not a calendar date read month-first (MM/DD/YYYY; --date-order month-first); read day-first (DD/MM/YYYY) it is one`},
			hint: `f.csv:2: warning: the dates of this file read as day-first dates (DD/MM/YYYY): 1 of its 2 slash dates are not calendar dates read month-first (the first: "25/12/1984" at f.csv:2:8 (Date of Birth)) and all of them are read day-first; if the file writes dates day-first, convert it with --date-order day-first`},
		{name: "no hint when some date is not day-first either", order: MonthFirst,
			recs: []*model.Record{dob(1, "25/12/1984"), dob(2, "12/31/1984")},
			want: map[int]string{1: "", 2: "1984-12-31"},
			errs: map[int]string{1: "--date-order day-first"}},
		{name: "impossible in both orders: no hint, no suggestion", order: MonthFirst,
			recs: []*model.Record{dob(1, "31/02/1984")},
			want: map[int]string{1: ""},
			errs: map[int]string{1: "not a calendar date read month-first (MM/DD/YYYY; --date-order month-first) ["}},
		{name: "a month-first file read day-first gets the reverse hint", order: DayFirst,
			recs: []*model.Record{dob(1, "12/31/1984"), dob(2, "01/02/1984")},
			want: map[int]string{1: "", 2: "1984-02-01"},
			errs: map[int]string{1: "read month-first (MM/DD/YYYY) it is one: if the file writes dates that way, give --date-order month-first"},
			hint: "convert it with --date-order month-first"},
		{name: "delegation dates follow the order", order: DayFirst,
			recs: []*model.Record{
				flat("f.csv", 1, "305", map[int]string{2: "A", 4: "L", 5: "E2", 6: "e2@example.com"}),
				flat("f.csv", 2, "500", map[int]string{2: "E1", 3: "E2", 4: "EXP", 9: "01/03/2024", 10: "31/03/2024"}),
			},
			want: map[int]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := NewEngine(mustDefault(t), Options{DateOrder: tt.order})
			for _, r := range tt.recs {
				e.Add(r)
			}
			css, res := e.Finish()
			for line, want := range tt.want {
				got := ""
				if a := findAttr(findCS(css, "E"+strconv.Itoa(line)), model.SchemaCore+":dateOfBirth"); a != nil {
					got = a.Value().(string)
				}
				if got != want {
					t.Errorf("line %d: dateOfBirth %q, want %q", line, got, want)
				}
			}
			for _, r := range res {
				var msgs []string
				for _, m := range r.Messages {
					msgs = append(msgs, m.String())
				}
				all := strings.Join(msgs, "\n")
				if frag, ok := tt.errs[r.Pos.Line]; ok {
					if r.Status != model.StatusRejected || !strings.Contains(all, frag) {
						t.Errorf("line %d: %s %q, want rejected with %q", r.Pos.Line, r.Status, all, frag)
					}
				} else if r.Status == model.StatusRejected {
					t.Errorf("line %d rejected: %s", r.Pos.Line, all)
				}
			}
			hints := e.DateHints("f.csv")
			switch {
			case tt.hint == "" && len(hints) > 0:
				t.Errorf("unexpected hint %s", hints[0])
			case tt.hint != "" && (len(hints) != 1 || !strings.Contains(hints[0].String(), tt.hint)):
				t.Errorf("hints %v, want one containing %q", hints, tt.hint)
			}
			if len(e.DateHints("other.csv")) > 0 {
				t.Error("hint for a file without records")
			}
			if tt.name == "delegation dates follow the order" {
				cs := findCS(css, "E1")
				if cs == nil || len(cs.Refs) != 1 {
					t.Fatalf("refs %+v", cs.Refs)
				}
				var got []string
				for _, a := range cs.Refs[0].Attrs {
					got = append(got, fmt.Sprintf("%s=%v", a.Path(), a.Value()))
				}
				want := "temporaryDelegation.temporaryDelegationFromDate=2024-03-01T00:00:00Z temporaryDelegation.temporaryDelegationToDate=2024-03-31T23:59:59Z temporaryDelegation=true"
				if strings.Join(got, " ") != want {
					t.Errorf("delegate attrs %v, want %s", got, want)
				}
			}
		})
	}
}

func TestParseDateOrder(t *testing.T) {
	for in, want := range map[string]DateOrder{"": MonthFirst, "month-first": MonthFirst, "Day-First": DayFirst, "dmy": DayFirst, "MDY": MonthFirst} {
		got, err := ParseDateOrder(in)
		if err != nil || got != want {
			t.Errorf("ParseDateOrder(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := ParseDateOrder("year-first"); err == nil || !strings.Contains(err.Error(), "want month-first or day-first") {
		t.Errorf("ParseDateOrder(year-first) = %v", err)
	}
	if MonthFirst.String() != "month-first" || DayFirst.String() != "day-first" {
		t.Error("DateOrder.String")
	}
}
