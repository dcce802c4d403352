package mapping

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

const password = "Sup3r-Secret!pw"

// scenario is a run over all record types: creations, a rename followed by
// records using the new ID, a rejected bad flag, an approver to an unknown
// employee, passwords, a second rename, legacy records.
func scenario() []*model.Record {
	return []*model.Record{
		flat("feed.csv", 1, "100", map[int]string{2: "0", 3: "SSO", 4: "UPDATE", 5: "EN", 6: "Y", 7: "Y"}),
		flat("feed.csv", 2, "305", map[int]string{2: "Ann", 4: "Lee", 5: "E1", 6: "ann@example.com", 7: password,
			8: "ann@example.com", 9: "en_US", 10: "US", 11: "US-WA", 12: "DEFAULT", 13: "usd", 15: "Y", 16: "HQ",
			23: " blue ", 45: "N", 56: "Y", 59: "E2", 63: "Y", 64: "Y", 66: "N", 71: "Y", 76: "REQ", 77: "E2",
			78: "N", 90: "APCHECK", 137: ""}),
		flat("feed.csv", 3, "305", map[int]string{2: "Bob", 4: "Ray", 5: "E2", 6: "bob@example.com", 8: "bob@example.com", 9: "en_GB", 15: "Y"}),
		flat("feed.csv", 4, "305", map[int]string{2: "Cy", 4: "Dee", 5: "E3", 6: "cy@example.com", 15: "X"}),
		flat("feed.csv", 5, "305", map[int]string{2: "Di", 4: "Eve", 5: "E4", 6: "di@example.com", 59: "E99"}),
		flat("feed.csv", 6, "320", map[int]string{2: "E1", 3: "E1N", 4: "ann.lee@example.com"}),
		flat("feed.csv", 7, "350", map[int]string{2: "E1N", 7: "F", 8: "12/31/1980", 9: "E2", 11: "+1 425 555 0100", 12: "42", 15: "425-555-0199", 25: "us"}),
		flat("feed.csv", 8, "400", map[int]string{2: "E1N", 3: "exp_processor"}),
		flat("feed.csv", 9, "400", map[int]string{2: "E2", 3: "EXP_USER"}),
		flat("feed.csv", 10, "500", map[int]string{2: "E1N", 3: "E2", 4: "EXP", 5: "Y", 9: "2024-03-01", 10: "03/31/2024"}),
		flat("feed.csv", 11, "550", map[int]string{2: "E1N", 3: "E2", 4: "expense", 7: "Y", 15: "N"}),
		flat("feed.csv", 12, "320", map[int]string{2: "E1", 3: "E1Z"}),
		flat("feed.csv", 13, "305", map[int]string{2: "Fay", 4: "Gil", 5: "E5", 6: "fay@example.com", 9: "english"}),
		flat("feed.csv", 14, "370", map[int]string{2: "E2", 3: "Y", 5: "E1"}),
		flat("feed.csv", 15, "350", map[int]string{2: "E2"}),
		flat("feed.csv", 16, "310", map[int]string{2: "E6", 3: "gus@example.com", 4: "Gus", 6: "Hay", 7: "gus@example.com", 8: password, 14: "Y", 16: "Y"}),
		flat("feed.csv", 17, "310", map[int]string{2: "E2", 4: "Robert", 17: "Y"}),
		flat("feed.csv", 18, "305", map[int]string{2: "Bobby", 5: "E2", 15: "N"}),
		keyed(model.FormatV1XML, "v1", "users.xml", 3, "EmpId", "V1A", "LoginId", "vic@example.com", "Password", password,
			"FirstName", "Vic", "LastName", "Ng", "CtrySubCode", "CA-ON", "ExpenseUser", "Y", "TripUser", "N",
			"ExpenseApproverEmployeeID", "E2", "FeedRecordNumber", "7", "Shoe", "42"),
		keyed(model.FormatV3JSON, "3.1", "users.json", 12, "EmployeeID", "V3A", "Active", "true", "LoginID", "wu@example.com",
			"CellPhoneNumber", "555 0101", "Emails[0].Value", "wu@example.com", "ID", "ABC-123"),
	}
}

type goldenRun struct {
	ChangeSets []*model.ChangeSet   `json:"changeSets"`
	Results    []model.RecordResult `json:"results"`
	Counts     map[model.Status]int `json:"counts"`
	Messages   []string             `json:"messages"`
}

func TestGolden(t *testing.T) {
	css, res := run(t, Options{Known: knownSet("E1")}, scenario()...)
	out := goldenRun{ChangeSets: css, Results: res, Counts: map[model.Status]int{}}
	for _, r := range res {
		out.Counts[r.Status]++
		for _, m := range r.Messages {
			out.Messages = append(out.Messages, m.String())
		}
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "scenario.golden"), append(b, '\n'))
	if strings.Contains(string(b), password) {
		t.Error("the password value appears in the output")
	}
}

// TestScenario asserts the behaviours the golden file shows, so that a
// careless -update cannot hide a regression.
func TestScenario(t *testing.T) {
	css, res := run(t, Options{Known: knownSet("E1")}, scenario()...)
	status := map[int]model.Status{}
	msgs := map[int]string{}
	for _, r := range res {
		if r.Pos.File == "feed.csv" {
			status[r.Pos.Line] = r.Status
			for _, m := range r.Messages {
				msgs[r.Pos.Line] += m.String() + "\n"
			}
		}
	}
	if len(res) != len(scenario()) {
		t.Fatalf("%d results for %d records", len(res), len(scenario()))
	}
	want := map[int]model.Status{1: "skipped", 2: "converted", 3: "converted", 4: "rejected", 5: "rejected", 6: "converted",
		7: "converted", 8: "converted", 9: "rejected", 10: "converted", 11: "converted", 12: "rejected", 13: "rejected",
		14: "converted", 15: "skipped", 16: "converted", 17: "converted", 18: "converted"}
	for line, s := range want {
		if status[line] != s {
			t.Errorf("feed.csv:%d: status %s, want %s; messages:\n%s", line, status[line], s, msgs[line])
		}
	}
	for line, frag := range map[int]string{
		4:  "feed.csv:4:15 (Active): error: flag must be Y or N, got \"X\" [mapping/tables/305.csv:16]",
		5:  "feed.csv:5:59 (Employee ID of the expense report approver): error: report approver E99 is neither in this run nor in the directory",
		9:  "role EXP_USER is granted only through entitlement Expense",
		12: "feed.csv:12:3 (New Employee ID): error: employee E1 is already renamed by feed.csv:6",
		13: "feed.csv:13:9 (Locale Code): error: malformed locale \"english\"",
		14: "refers to the old Employee ID E1, renamed to E1N by feed.csv:6",
		2:  "feed.csv:2:7 (Password): warning: a password value was present and dropped",
		17: "feed.csv:17:17 (Locate and Alert): warning: Y for Locate and Alert: not supported by UPS, the user will not get the Locate and Alert entitlement",
	} {
		if !strings.Contains(msgs[line], frag) {
			t.Errorf("feed.csv:%d messages lack %q:\n%s", line, frag, msgs[line])
		}
	}
	if strings.Contains(msgs[2], "Integration Administrator") {
		t.Errorf("unsupported flag N warned: %s", msgs[2])
	}

	ann := findCS(css, "E1N")
	if ann == nil || ann.Rename == nil || ann.Rename.From != "E1" || ann.Rename.NewLogin != "ann.lee@example.com" || !ann.Creates {
		t.Fatalf("E1N = %+v", ann)
	}
	if a := findAttr(ann, model.SchemaCore+":userName"); a != nil {
		t.Errorf("userName %v of the record before the rename would undo the rename's new login", a.Value())
	}
	if findCS(css, "E1") != nil {
		t.Error("old ID E1 has its own change set")
	}
	checks := map[string]any{
		model.SchemaSpendUser + ":locale":                             "en-US",
		model.SchemaSpendUser + ":stateProvince":                      "WA",
		model.SchemaSpendUser + ":reimbursementCurrency":              "USD",
		model.SchemaSpendUser + `:customData[id eq "custom2"].value`:  "blue",
		model.SchemaSpendUser + ":reimbursementType":                  "ACCOUNTS_PAYABLE",
		model.SchemaUserPreference + ":expenseAuditRequired":          "REQUIRED",
		model.SchemaUserPreference + ":allowReceiptImageAvailEmails":  true,
		model.SchemaWorkflowPreference + ":emailStatusChangeOnReport": false,
		model.SchemaCore + ":active":                                  true,
		model.SchemaCore + ":dateOfBirth":                             "1980-12-31",
		model.SchemaCore + `:phoneNumbers[type eq "work"].value`:      "+1 425 555 0100 x42",
		model.SchemaCore + `:phoneNumbers[type eq "mobile"].primary`:  true,
		model.SchemaCore + `:addresses[type eq "home"].country`:       "US",
		model.SchemaTravel + ":gender":                                "Female",
		model.SchemaCore + ":entitlements#Expense":                    true,
		model.SchemaCore + ":entitlements#Request":                    false,
		model.SchemaRole + ":roles#EXP_APPROVER":                      true,
		model.SchemaRole + ":roles#EXP_PROCESSOR":                     true,
	}
	for key, want := range checks {
		a := findAttr(ann, key)
		switch {
		case a == nil:
			t.Errorf("E1N lacks %s", key)
		case a.Kind() == model.AttrMember && a.Present() != want:
			t.Errorf("E1N %s present = %v, want %v", key, a.Present(), want)
		case a.Kind() == model.AttrSet && a.Value() != want:
			t.Errorf("E1N %s = %#v, want %#v", key, a.Value(), want)
		}
	}
	if a := findAttr(ann, model.SchemaCore+":name.givenName"); a == nil || a.Source().String() != "feed.csv:2:2 (First Name)" || a.Row() != "mapping/tables/305.csv:3" {
		t.Errorf("givenName lineage = %+v", a)
	}
	var refs []string
	for _, r := range ann.Refs {
		s := fmt.Sprintf("%s %s %s -> %s", r.Kind, r.Path, r.Source(), r.Target)
		for _, a := range r.Attrs {
			s += fmt.Sprintf(" %s=%v", a.Path(), a.Value())
		}
		refs = append(refs, s)
	}
	wantRefs := []string{
		"approver report feed.csv:2:59 (Employee ID of the expense report approver) -> E2",
		"biManager biManager feed.csv:2:77 (BI Manager Employee ID) -> E2",
		"manager manager feed.csv:7:9 (Employee ID of the Travel Approver) -> E2",
		"delegate expense feed.csv:11:3 (Delegate ID) -> E2 canPrepare=true temporaryDelegation.temporaryDelegationFromDate=2024-03-01T00:00:00Z temporaryDelegation.temporaryDelegationToDate=2024-03-31T23:59:59Z temporaryDelegation=true canApprove=true canSubmitTravelRequest=false",
	}
	if strings.Join(refs, "\n") != strings.Join(wantRefs, "\n") {
		t.Errorf("E1N refs:\n%s\nwant:\n%s", strings.Join(refs, "\n"), strings.Join(wantRefs, "\n"))
	}

	bob := findCS(css, "E2")
	if a := findAttr(bob, model.SchemaCore+":name.givenName"); a == nil || a.Value() != "Bobby" || a.Source().Line != 18 {
		t.Errorf("E2 givenName = %+v (later records override)", a)
	}
	if a := findAttr(bob, model.SchemaCore+":name.familyName"); a == nil || a.Value() != "Ray" {
		t.Errorf("E2 familyName = %+v (blank = no change)", a)
	}
	if len(bob.Refs) != 1 || bob.Refs[0].Path != "statement" || bob.Refs[0].Target != "E1N" {
		t.Errorf("E2 refs = %+v (reference follows the rename)", bob.Refs)
	}
	if got := len(bob.Records); got != 4 { // 3, 14, 17, 18: line 9 is rejected, line 15 skipped
		t.Errorf("E2 records = %v", bob.Records)
	}
	if cs := findCS(css, "E6"); cs == nil || !cs.Creates {
		t.Errorf("full 310 does not create: %+v", cs)
	}
	for _, id := range []string{"E3", "E4", "E5"} {
		if findCS(css, id) != nil {
			t.Errorf("rejected employee %s has a change set", id)
		}
	}
	v1 := findCS(css, "V1A")
	if a := findAttr(v1, model.SchemaSpendUser+":stateProvince"); v1 == nil || !v1.Creates || a == nil || a.Value() != "ON" {
		t.Errorf("V1A = %+v", v1)
	}
	v3 := findCS(css, "V3A")
	if a := findAttr(v3, model.SchemaCore+":active"); a == nil || a.Value() != true || a.Source().String() != "users.json:12:Active" {
		t.Errorf("V3A active = %+v", a)
	}
	var order []string
	for _, cs := range css {
		order = append(order, cs.EmployeeID)
	}
	if got := strings.Join(order, " "); got != "E1N E2 E6 V1A V3A" {
		t.Errorf("change set order = %s", got)
	}
}

func TestPasswordNeverEchoed(t *testing.T) {
	long := strings.Repeat("p", 300) + password
	recs := []*model.Record{
		flat("a.csv", 1, "305", map[int]string{5: "E1", 7: password}),
		flat("a.csv", 2, "305", map[int]string{5: "E2", 7: password, 15: "bad"}),
		flat("a.csv", 3, "300", map[int]string{5: "E3", 7: long, 59: "NOBODY"}),
		flat("a.csv", 4, "310", map[int]string{2: "E4", 8: password}),
		keyed(model.FormatV1XML, "v1", "b.xml", 1, "EmpId", "E5", "Password", long),
		keyed(model.FormatV1XML, "v1", "b.xml", 2, "Password", password),
	}
	for _, opts := range []Options{{}, {Known: knownSet("E1")}} {
		css, res := run(t, opts, recs...)
		b, err := json.Marshal(struct {
			A []*model.ChangeSet
			B []model.RecordResult
		}{css, res})
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for _, r := range res {
			for _, m := range r.Messages {
				text.WriteString(m.String() + m.Error())
			}
		}
		for _, s := range []string{string(b), text.String()} {
			if strings.Contains(s, password) || strings.Contains(s, "pppp") {
				t.Fatalf("password echoed: %s", s)
			}
		}
		if !strings.Contains(text.String(), "a password value was present and dropped") {
			t.Errorf("no password warning: %s", text.String())
		}
	}
}

func countStatus(res []model.RecordResult) map[model.Status]int {
	m := map[model.Status]int{}
	for _, r := range res {
		m[r.Status]++
	}
	return m
}

func TestRenames(t *testing.T) {
	tests := []struct {
		name  string
		known []string
		recs  []*model.Record
		ids   string         // change set IDs in order
		stat  map[int]string // line -> status
		msg   map[int]string // line -> message fragment
		check func(*testing.T, []*model.ChangeSet)
	}{
		{
			name: "records before and after fold into the new ID",
			recs: []*model.Record{
				flat("r.csv", 1, "350", map[int]string{2: "A", 10: "Boss"}),
				flat("r.csv", 2, "350", map[int]string{2: "B", 5: "Al"}),
				flat("r.csv", 3, "320", map[int]string{2: "A", 3: "B"}),
				flat("r.csv", 4, "350", map[int]string{2: "A", 3: "Dr"}),
			},
			ids:  "B",
			stat: map[int]string{1: "converted", 2: "converted", 3: "converted", 4: "converted"},
			msg:  map[int]string{4: "uses the old Employee ID A, renamed to B by r.csv:3: folded into B"},
			check: func(t *testing.T, css []*model.ChangeSet) {
				if css[0].Rename == nil || css[0].Rename.NewEmployeeID != "B" || len(css[0].Attrs) != 3 || len(css[0].Records) != 4 {
					t.Errorf("B = %+v", css[0])
				}
			},
		},
		{
			name: "renaming the new ID again is rejected",
			recs: []*model.Record{
				flat("r.csv", 1, "320", map[int]string{2: "A", 3: "B"}),
				flat("r.csv", 2, "320", map[int]string{2: "B", 3: "C"}),
			},
			ids:  "B",
			stat: map[int]string{1: "converted", 2: "rejected"},
			msg:  map[int]string{2: "r.csv:2:3 (New Employee ID): error: employee B gets this ID from the rename at r.csv:1"},
		},
		{
			name: "two employees to one new ID",
			recs: []*model.Record{
				flat("r.csv", 1, "320", map[int]string{2: "A", 3: "C"}),
				flat("r.csv", 2, "320", map[int]string{2: "B", 3: "C"}),
			},
			ids:  "C",
			stat: map[int]string{1: "converted", 2: "rejected"},
			msg:  map[int]string{2: "new Employee ID C is already given to employee A by r.csv:1"},
		},
		{
			name:  "new ID taken in the directory",
			known: []string{"A", "B"},
			recs:  []*model.Record{flat("r.csv", 1, "320", map[int]string{2: "A", 3: "B"})},
			ids:   "",
			stat:  map[int]string{1: "rejected"},
			msg:   map[int]string{1: "new Employee ID B already belongs to an employee in the directory"},
		},
		{
			name:  "login-only rename",
			known: []string{"A"},
			recs:  []*model.Record{flat("r.csv", 1, "320", map[int]string{2: "A", 4: "a2@example.com"})},
			ids:   "A",
			stat:  map[int]string{1: "converted"},
			check: func(t *testing.T, css []*model.ChangeSet) {
				r := css[0].Rename
				if r == nil || r.From != "A" || r.NewEmployeeID != "" || r.NewLogin != "a2@example.com" || r.Source.Field != "4" {
					t.Errorf("rename = %+v", r)
				}
			},
		},
		{
			name:  "rename of an employee created in the run folds into the creation",
			known: []string{"X"},
			recs: []*model.Record{
				flat("r.csv", 1, "305", map[int]string{5: "A", 6: "a@example.com"}),
				flat("r.csv", 2, "320", map[int]string{2: "A", 3: "B", 4: "b@example.com"}),
			},
			ids:  "B",
			stat: map[int]string{1: "converted", 2: "converted"},
			check: func(t *testing.T, css []*model.ChangeSet) {
				a := findAttr(css[0], model.SchemaCore+":userName")
				if css[0].Rename != nil || !css[0].Creates || a == nil || a.Value() != "b@example.com" || len(css[0].Attrs) != 1 {
					t.Errorf("B = %+v", css[0])
				}
			},
		},
		{
			name: "a 320 without changes is skipped",
			recs: []*model.Record{flat("r.csv", 1, "320", map[int]string{2: "A", 3: "A"})},
			ids:  "",
			stat: map[int]string{1: "skipped"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{}
			if tt.known != nil {
				opts.Known = knownSet(tt.known...)
			}
			css, res := run(t, opts, tt.recs...)
			var ids []string
			for _, cs := range css {
				ids = append(ids, cs.EmployeeID)
			}
			if got := strings.Join(ids, " "); got != tt.ids {
				t.Errorf("change sets %q, want %q", got, tt.ids)
			}
			for _, r := range res {
				var all string
				for _, m := range r.Messages {
					all += m.String() + "\n"
				}
				if s := tt.stat[r.Pos.Line]; s != "" && string(r.Status) != s {
					t.Errorf("line %d: %s, want %s\n%s", r.Pos.Line, r.Status, s, all)
				}
				if m := tt.msg[r.Pos.Line]; m != "" && !strings.Contains(all, m) {
					t.Errorf("line %d messages lack %q:\n%s", r.Pos.Line, m, all)
				}
			}
			if tt.check != nil && len(css) > 0 {
				tt.check(t, css)
			}
		})
	}
}

func TestReferences(t *testing.T) {
	tests := []struct {
		name  string
		known []string
		recs  []*model.Record
		stat  []model.Status
		msg   string
	}{
		{"approver in the run", nil, []*model.Record{
			flat("a.csv", 1, "305", map[int]string{5: "A", 59: "B"}),
			flat("a.csv", 2, "305", map[int]string{5: "B"}),
		}, []model.Status{"converted", "converted"}, ""},
		{"approver unknown without directory", nil, []*model.Record{
			flat("a.csv", 1, "305", map[int]string{5: "A", 59: "B"}),
		}, []model.Status{"converted"}, ""}, // an existing user: resolved at submit
		{"approver in the directory", []string{"B"}, []*model.Record{
			flat("a.csv", 1, "305", map[int]string{5: "A", 59: "B"}),
		}, []model.Status{"converted"}, ""},
		{"self approver", nil, []*model.Record{
			flat("a.csv", 1, "305", map[int]string{5: "A", 80: "A"}),
		}, []model.Status{"rejected"}, "employee A cannot be their own report approver (secondary)"},
		{"self delegate", []string{"A"}, []*model.Record{
			flat("a.csv", 1, "550", map[int]string{2: "A", 3: "A", 4: "PMT"}),
		}, []model.Status{"rejected"}, "employee A cannot be their own payment delegate"},
		{"cascade: the approver's only record is rejected", []string{"Z"}, []*model.Record{
			flat("a.csv", 1, "305", map[int]string{5: "A", 94: "B"}),
			flat("a.csv", 2, "305", map[int]string{5: "B", 15: "maybe"}),
		}, []model.Status{"rejected", "rejected"}, "budget approver B is neither in this run nor in the directory"},
		{"no cascade without a directory: the approver may exist", nil, []*model.Record{
			flat("a.csv", 1, "305", map[int]string{5: "A", 94: "B"}),
			flat("a.csv", 2, "305", map[int]string{5: "B", 15: "maybe"}),
		}, []model.Status{"converted", "rejected"}, ""},
		{"cascade through amend check", []string{"Z"}, []*model.Record{
			flat("a.csv", 1, "350", map[int]string{2: "B", 10: "CEO"}),
			flat("a.csv", 2, "370", map[int]string{2: "Z", 5: "B"}),
		}, []model.Status{"rejected", "rejected"}, "statement approver B is neither in this run nor in the directory"},
		{"delegate needs product", []string{"A", "B"}, []*model.Record{
			flat("a.csv", 1, "500", map[int]string{2: "A", 3: "B", 5: "Y"}),
		}, []model.Status{"rejected"}, "a.csv:1:4 (Product Code): error: Product Code is required"},
		{"delegate bad product", []string{"A", "B"}, []*model.Record{
			flat("a.csv", 1, "500", map[int]string{2: "A", 3: "B", 4: "REQ"}),
		}, []model.Status{"rejected"}, "unknown product code \"REQ\""},
		{"delegate needs target", []string{"A"}, []*model.Record{
			flat("a.csv", 1, "500", map[int]string{2: "A", 4: "EXP"}),
		}, []model.Status{"rejected"}, "Delegate ID is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{}
			if tt.known != nil {
				opts.Known = knownSet(tt.known...)
			}
			_, res := run(t, opts, tt.recs...)
			var all string
			for i, r := range res {
				for _, m := range r.Messages {
					all += m.String() + "\n"
				}
				if r.Status != tt.stat[i] {
					t.Errorf("record %d: %s, want %s", i+1, r.Status, tt.stat[i])
				}
			}
			if tt.msg != "" && !strings.Contains(all, tt.msg) {
				t.Errorf("messages lack %q:\n%s", tt.msg, all)
			}
		})
	}
}

func TestExistence(t *testing.T) {
	amend := flat("a.csv", 1, "350", map[int]string{2: "A", 10: "CEO"})
	// Without a directory an amendment passes: it is resolved at submit time.
	if _, res := run(t, Options{}, amend); res[0].Status != model.StatusConverted {
		t.Errorf("no directory: %+v", res[0])
	}
	_, res := run(t, Options{Known: knownSet("B")}, amend)
	if res[0].Status != model.StatusRejected || !strings.Contains(res[0].Messages[0].String(), "a.csv:1:2 (Employee ID): error: employee A is not in the directory and no record of this run creates it [mapping/tables/350.csv:3]") {
		t.Errorf("unknown employee: %+v", res[0])
	}
	if _, res := run(t, Options{Known: knownSet("A")}, amend); res[0].Status != model.StatusConverted {
		t.Errorf("known employee: %+v", res[0])
	}
	// A partial 310 does not create; a full one does.
	partial := flat("a.csv", 1, "310", map[int]string{2: "A", 3: "a@example.com", 4: "Al"})
	full := flat("a.csv", 2, "310", map[int]string{2: "C", 3: "c@example.com", 4: "Cy", 6: "Dee", 7: "c@example.com"})
	css, res := run(t, Options{Known: knownSet("B")}, partial, full)
	if res[0].Status != model.StatusRejected || res[1].Status != model.StatusConverted || len(css) != 1 || !css[0].Creates {
		t.Errorf("310: %+v %+v", res, css)
	}
}

func TestRecordErrors(t *testing.T) {
	tests := []struct {
		name string
		rec  *model.Record
		want string // fragment of the first message
		stat model.Status
	}{
		{"missing key", flat("e.csv", 1, "305", map[int]string{2: "Ann"}), "e.csv:1:5 (Employee ID): error: Employee ID is required [mapping/tables/305.csv:6]", "rejected"},
		{"too long: the value is dropped, not the record", flat("e.csv", 1, "305", map[int]string{5: "E1", 2: strings.Repeat("é", 33)}), "e.csv:1:2 (First Name): warning: value is 33 characters long; at most 32 allowed: value dropped", "converted"},
		{"too long key", flat("e.csv", 1, "305", map[int]string{5: strings.Repeat("1", 49)}), "e.csv:1:5 (Employee ID): error: value is 49 characters long; at most 48 allowed", "rejected"},
		{"not too long in bytes", flat("e.csv", 1, "305", map[int]string{5: "E1", 2: strings.Repeat("é", 32)}), "", "converted"},
		{"too many fields", &model.Record{Format: "concur", Type: "400", Pos: model.Position{File: "e.csv", Line: 1}, Keys: flatKeys[:14], Values: make([]string, 14)}, "e.csv:1: error: record has 14 fields; record type 400 has 13", "rejected"},
		{"unknown type", flat("e.csv", 1, "360", map[int]string{2: "E1"}), "no mapping table for concur record type \"360\"", "rejected"},
		{"record type mismatch", &model.Record{Format: "concur", Type: "305", Pos: model.Position{File: "e.csv", Line: 1}, Keys: flatKeys[:5], Values: []string{"350", "", "", "", "E1"}}, "record type field is \"350\", want \"305\"", "rejected"},
		{"bad login", flat("e.csv", 1, "305", map[int]string{5: "E1", 6: "ann"}), "login ID \"ann\" must have the form user@domain", "rejected"},
		{"segment", flat("e.csv", 1, "400", map[int]string{2: "E1", 3: "EXP_PROCESSOR", 4: "R&D"}), "e.csv:1:4 (Segment 1): error: a 400 record with Segment 1 is refused: UPS role assignments have no segments", "rejected"},
		{"unknown role", flat("e.csv", 1, "400", map[int]string{2: "E1", 3: "BOSS"}), "unknown role code \"BOSS\"", "rejected"},
		{"phone ext without phone", flat("e.csv", 1, "350", map[int]string{2: "E1", 12: "42", 10: "CEO"}), "warning: phone extension without the phone number", "converted"},
		{"only blanks", flat("e.csv", 1, "350", map[int]string{2: "E1", 3: "  ", 60: ""}), "no field carries a value", "skipped"},
		{"v1 alias conflict", keyed("v1xml", "v1", "u.xml", 4, "EmpId", "A", "EmployeeID", "B"), "u.xml:4:EmployeeID: error: Employee ID \"B\" differs from \"A\" given in EmpId", "rejected"},
		{"v1 alias agreement", keyed("v1xml", "v1", "u.xml", 4, "EmpId", "A", "LoginId", "a@x.com", "LoginID", "a@x.com"), "", "converted"},
		{"v1 alias disagreement", keyed("v1xml", "v1", "u.xml", 4, "EmpId", "A", "LoginId", "a@x.com", "LoginID", "b@x.com"), "u.xml:4:LoginID: error: conflicts with field LoginId", "rejected"},
		{"v1 repeated key", keyed("v1xml", "v1", "u.xml", 4, "EmpId", "A", "FirstName", "Al", "FirstName", "Bo"), "u.xml:4:FirstName: error: conflicts with field FirstName", "rejected"},
		{"v1 unknown element", keyed("v1xml", "v1", "u.xml", 4, "EmpId", "A", "Shoe", "42"), "u.xml:4:Shoe: warning: element \"Shoe\" has no row in mapping table mapping/tables/v1.csv", "converted"},
		{"v3 bad boolean", keyed("v3json", "3.0", "u.json", 2, "EmployeeID", "A", "Active", "Y"), "boolean must be true or false", "rejected"},
		{"v3 unknown version", keyed("v3json", "3.2", "u.json", 2, "EmployeeID", "A"), "no mapping table for v3json record type \"3.2\"", "rejected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res := run(t, Options{}, tt.rec)
			r := res[0]
			if r.Status != tt.stat {
				t.Errorf("status %s, want %s: %+v", r.Status, tt.stat, r.Messages)
			}
			if tt.want == "" {
				return
			}
			if len(r.Messages) == 0 || !strings.Contains(r.Messages[0].String(), tt.want) {
				t.Errorf("messages %v\nlack %q", r.Messages, tt.want)
			}
		})
	}
}

func TestExternalReject(t *testing.T) {
	e := NewEngine(mustDefault(t), Options{Known: func(string) bool { return false }})
	e.Add(flat("a.csv", 1, "305", map[int]string{5: "A", 2: "Al"}))
	e.Add(flat("a.csv", 2, "305", map[int]string{5: "B", 59: "A"}))
	e.Add(flat("a.csv", 3, "305", map[int]string{5: "C", 2: "Cy"}))
	css1, res1 := e.Finish()
	css1b, res1b := e.Finish()
	j1, _ := json.Marshal([]any{css1, res1})
	j1b, _ := json.Marshal([]any{css1b, res1b})
	if string(j1) != string(j1b) {
		t.Error("Finish is not repeatable")
	}
	if len(css1) != 3 {
		t.Fatalf("change sets %d", len(css1))
	}
	d := model.Diagnostic{Source: model.Source{File: "a.csv", Line: 1, Field: "2"}, Message: "schema: givenName too short"}
	if !e.Reject(model.Position{File: "a.csv", Line: 1}, d) {
		t.Fatal("record not found")
	}
	if e.Reject(model.Position{File: "a.csv", Line: 9}, d) {
		t.Fatal("found a record that does not exist")
	}
	css2, res2 := e.Finish()
	if len(css2) != 1 || css2[0].EmployeeID != "C" {
		t.Errorf("change sets after reject: %+v", css2)
	}
	if res2[0].Status != model.StatusRejected || res2[0].Messages[0].Severity != model.SevError || res2[0].Messages[0].Message != d.Message {
		t.Errorf("rejected record: %+v", res2[0])
	}
	if res2[1].Status != model.StatusRejected || !strings.Contains(res2[1].Messages[0].Message, "report approver A is neither in this run nor in the directory") {
		t.Errorf("dependent record: %+v", res2[1])
	}
	// More records after Finish, then Finish again.
	e.Add(flat("a.csv", 4, "305", map[int]string{5: "A", 2: "Al"}))
	css3, res3 := e.Finish()
	if len(css3) != 3 || len(res3) != 4 || res3[1].Status != model.StatusConverted {
		t.Errorf("after re-adding A: %d change sets, results %+v", len(css3), res3)
	}
}

func TestStatusesAddUp(t *testing.T) {
	recs := scenario()
	css, res := run(t, Options{}, recs...)
	if len(res) != len(recs) {
		t.Fatalf("%d results for %d records", len(res), len(recs))
	}
	c := countStatus(res)
	if c[model.StatusConverted]+c[model.StatusSkipped]+c[model.StatusRejected] != len(recs) {
		t.Errorf("counts %v", c)
	}
	in := map[model.Position]bool{}
	for _, cs := range css {
		for _, p := range cs.Records {
			in[p] = true
		}
	}
	for i, r := range res {
		if r.Pos != recs[i].Pos {
			t.Errorf("result %d is for %v, record is %v", i, r.Pos, recs[i].Pos)
		}
		if (r.Status == model.StatusConverted) != in[r.Pos] {
			t.Errorf("%v: status %s, in a change set: %v", r.Pos, r.Status, in[r.Pos])
		}
		if r.Status == model.StatusRejected {
			hasErr := false
			for _, m := range r.Messages {
				hasErr = hasErr || m.Severity == model.SevError
			}
			if !hasErr {
				t.Errorf("%v rejected without an error", r.Pos)
			}
		}
	}
}

// TestAddNeverPanics feeds odd records: nil, no keys, keys shorter than
// values, values of every field.
func TestAddNeverPanics(t *testing.T) {
	e := NewEngine(mustDefault(t), Options{Known: knownSet("A")})
	e.Add(nil)
	e.Add(&model.Record{})
	e.Add(&model.Record{Format: "concur", Type: "305"})
	e.Add(&model.Record{Format: "v1xml", Type: "v1", Values: []string{"x", "y"}, Keys: []string{"EmpId"}})
	e.Add(&model.Record{Format: "v3json", Type: "3.1", Keys: []string{"Emails[0].Value", "EmployeeID"}, Values: []string{"a@b.c", "Z"}})
	for _, typ := range []string{"100", "300", "305", "310", "320", "350", "370", "400", "500", "550"} {
		tb, _ := mustDefault(t).Table(typ)
		vals := make([]string, tb.FieldCount())
		for i := range vals {
			vals[i] = "Y"
		}
		vals[0] = typ
		e.Add(&model.Record{Format: "concur", Type: typ, Keys: flatKeys[:len(vals)], Values: vals, Names: []string{"Type"}, Lines: []int{5}})
	}
	_, res := e.Finish()
	if len(res) != 14 {
		t.Errorf("%d results, want 14 (nil is not a record)", len(res))
	}
	for _, r := range res {
		for _, m := range r.Messages {
			if strings.Contains(m.Message, "internal error") {
				t.Errorf("%+v", m)
			}
		}
	}
}

// TestMaxLenCountsCharacters: the length limit counts characters, not
// bytes: 32 two-byte characters fit a 32-character field, 33 do not.
func TestMaxLenCountsCharacters(t *testing.T) {
	for _, tt := range []struct {
		n     int
		warns bool
	}{{31, false}, {32, false}, {33, true}} {
		_, res := run(t, Options{}, flat("e.csv", 1, "305", map[int]string{5: "E1", 2: strings.Repeat("é", tt.n)}))
		if got := len(res[0].Messages) > 0; got != tt.warns || res[0].Status != model.StatusConverted {
			t.Errorf("%d × é: %s %v; want a warning: %v", tt.n, res[0].Status, res[0].Messages, tt.warns)
		}
	}
}
