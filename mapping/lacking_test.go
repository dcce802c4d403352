package mapping

import (
	"slices"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// newUser305 is a 305 record of employee id with the spend values given.
func newUser305(line int, id string, spend map[int]string) *model.Record {
	fields := map[int]string{2: "Ada", 4: "Lovelace", 5: id, 6: strings.ToLower(id) + "@example.com",
		8: strings.ToLower(id) + "@example.com", 15: "Y"}
	for k, v := range spend {
		fields[k] = v
	}
	return flat("in.csv", line, "305", fields)
}

func TestFinishLeavesOutLacking(t *testing.T) {
	reqs, err := schemas.ExtensionRequirements()
	if err != nil {
		t.Fatal(err)
	}
	full := map[int]string{9: "en_US", 10: "US", 13: "USD"}
	noCurrency := map[int]string{9: "en_US", 10: "US"}
	onlyLedger := map[int]string{12: "L1"}
	withCurrency, err := mustDefault(t).WithDefaultFlags([]string{"spend:2.0:User:reimbursementCurrency=EUR"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		set      *Set
		opts     Options
		rec      *model.Record
		leaveOut []string // want cs.LeaveOut
		missing  string   // and a warning naming what is missing
	}{
		{name: "complete", opts: Options{Requires: reqs}, rec: newUser305(2, "E1", full)},
		{name: "no currency", opts: Options{Requires: reqs}, rec: newUser305(2, "E1", noCurrency),
			leaveOut: []string{model.SchemaSpendUser}, missing: "UPS requires reimbursementCurrency with it"},
		{name: "ledger alone", opts: Options{Requires: reqs}, rec: newUser305(2, "E1", onlyLedger),
			leaveOut: []string{model.SchemaSpendUser}, missing: "UPS requires country, locale and reimbursementCurrency with it"},
		{name: "no spend value", opts: Options{Requires: reqs}, rec: newUser305(2, "E1", nil)},
		{name: "not asked", rec: newUser305(2, "E1", noCurrency)},
		{name: "known user: updated", opts: Options{Requires: reqs, Known: knownSet("E1")}, rec: newUser305(2, "E1", noCurrency)},
		{name: "a default gives it", set: withCurrency, opts: Options{Requires: reqs}, rec: newUser305(2, "E1", noCurrency)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set := tt.set
			if set == nil {
				set = mustDefault(t)
			}
			e := NewEngine(set, tt.opts)
			e.Add(tt.rec)
			css, results := e.Finish()
			cs := findCS(css, "E1")
			if cs == nil {
				t.Fatalf("no change set: %+v", results)
			}
			if !slices.Equal(cs.LeaveOut, tt.leaveOut) {
				t.Errorf("LeaveOut = %v, want %v", cs.LeaveOut, tt.leaveOut)
			}
			var msgs []string
			for _, m := range results[0].Messages {
				msgs = append(msgs, m.Message)
			}
			found := false
			for _, m := range msgs {
				if strings.Contains(m, "extension left out of new user E1") {
					found = true
					if !strings.Contains(m, tt.missing) || tt.missing == "" {
						t.Errorf("warning %q, want it to say %q", m, tt.missing)
					}
				}
			}
			if found != (tt.missing != "") {
				t.Errorf("messages %q: want a leave-out warning: %v", msgs, tt.missing != "")
			}
			// LeaveOut of the same extension gives the same warning.
			if tt.missing != "" {
				ref := NewEngine(set, Options{Known: tt.opts.Known})
				ref.Add(tt.rec)
				for _, m := range strings.Split(strings.TrimSuffix(strings.SplitN(tt.missing, "requires ", 2)[1], " with it"), ", ") {
					for _, a := range strings.Split(m, " and ") {
						ref.LeaveOut("E1", model.SchemaSpendUser, a)
					}
				}
				rcss, rres := ref.Finish()
				if !slices.Equal(findCS(rcss, "E1").LeaveOut, cs.LeaveOut) || !slices.Equal(rres[0].Messages, results[0].Messages) {
					t.Errorf("Finish left out\n%v %+v\nLeaveOut\n%v %+v", cs.LeaveOut, results[0].Messages, findCS(rcss, "E1").LeaveOut, rres[0].Messages)
				}
			}
		})
	}
}

// TestLeaveOutMessage: the warning says what UPS requires and gives the
// flags that supply it.
func TestLeaveOutMessage(t *testing.T) {
	for _, c := range []struct {
		l    leftExt
		want string
	}{
		{leftExt{urn: model.SchemaSpendUser, missing: []string{"reimbursementCurrency"}},
			"spend extension left out of new user E1: UPS requires reimbursementCurrency with it and no input gives one; --default 'spend:2.0:User:reimbursementCurrency=<value>' supplies it"},
		{leftExt{urn: model.SchemaSpendUser, missing: []string{"locale", "reimbursementCurrency"}},
			"spend extension left out of new user E1: UPS requires locale and reimbursementCurrency with it and no input gives them; --default 'spend:2.0:User:locale=<value>' --default 'spend:2.0:User:reimbursementCurrency=<value>' supply them"},
		{leftExt{urn: model.SchemaTravel, missing: []string{"ruleClass"}},
			"travel extension left out of new user E1: UPS requires ruleClass with it and no input gives one; --default 'travel:2.0:User:ruleClass.name=<value>' supplies it"},
	} {
		p := leaveOutParts(c.l)
		if got := p[0] + "E1" + p[1]; got != c.want {
			t.Errorf("\n got %s\nwant %s", got, c.want)
		}
	}
}
