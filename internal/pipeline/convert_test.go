package pipeline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/concur"
	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/mapping"
)

func init() { toolVersion = func() string { return "test" } }

const companyID = "053c9338-bf2a-49cd-9035-c1f97be858b0"

// sampleFiles lists every sample input, relative to the repository root.
func sampleFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"samples/concur/*.csv", "samples/legacy/*.xml", "samples/legacy/*.json"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) < 10 {
		t.Fatalf("only %d sample files found", len(files))
	}
	return files
}

// TestConvertSamplesGolden converts every sample together and compares
// every output file with testdata/samples (go test -update rewrites them).
func TestConvertSamplesGolden(t *testing.T) {
	dir, err := filepath.Abs("testdata/samples")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir("../..")
	res, err := Convert(sampleFiles(t), Options{Options: plan.Options{CompanyID: companyID, Indent: true}})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := res.Write(out); err != nil {
		t.Fatal(err)
	}
	golden.CheckDir(t, dir, out)
}

// TestConvertSamplesAccounting checks that nothing is lost: every record
// read has exactly one outcome and the totals add up, per file and overall.
func TestConvertSamplesAccounting(t *testing.T) {
	t.Chdir("../..")
	files := sampleFiles(t)
	res, err := Convert(files, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	read := 0
	perFile := map[string]int{}
	for _, f := range res.Files {
		read += f.Records
	}
	for _, r := range res.Records {
		perFile[r.Pos.File]++
		switch r.Status {
		case model.StatusConverted, model.StatusSkipped, model.StatusRejected:
		default:
			t.Errorf("%s: status %q", r.Pos, r.Status)
		}
		if r.Status == model.StatusRejected && len(r.Messages) == 0 {
			t.Errorf("%s: rejected without a reason", r.Pos)
		}
	}
	tt := res.Totals
	if tt.Records != read || tt.Records != len(res.Records) || tt.Converted+tt.Skipped+tt.Rejected != tt.Records {
		t.Errorf("totals %+v do not add up to %d records read (%d results)", tt, read, len(res.Records))
	}
	for _, f := range res.Files {
		if perFile[f.Path] != f.Records {
			t.Errorf("%s: %d records read, %d outcomes", f.Path, f.Records, perFile[f.Path])
		}
	}
	// roles-400.csv line 2 has two segments: refused, and counted.
	if len(res.Refused) != 1 || res.Refused[0].Table != "400" || res.Refused[0].Records != 1 {
		t.Errorf("refused %+v, want one 400 record", res.Refused)
	}
	if want := "refused (among the rejected): 1 400 record(s) with a value in Segment 1 or Segment 2: UPS cannot hold it"; !strings.Contains(res.Summary(), want) {
		t.Errorf("summary lacks %q:\n%s", want, res.Summary())
	}
}

// TestConvertNeverWritesPasswords converts the samples (one 305 row carries
// a password) and searches every output file for the value.
func TestConvertNeverWritesPasswords(t *testing.T) {
	t.Chdir("../..")
	const password = "Spring#2024-Temp!"
	src, err := os.ReadFile("samples/concur/employees-305.csv")
	if err != nil || !bytes.Contains(src, []byte(password)) {
		t.Fatalf("the sample no longer carries the password this test looks for (%v)", err)
	}
	res, err := Convert(sampleFiles(t), Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := res.Write(out); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(password)) || bytes.Contains(b, []byte("Spring#2024")) {
			t.Errorf("%s contains the password", filepath.Base(f))
		}
	}
	if strings.Contains(res.Summary(), password) {
		t.Error("summary contains the password")
	}
}

// row305 builds a 305 record: the given identity fields, field 15 Active=Y
// and the extra fields by position.
func row305(first, last, emp, locale, country, sub, currency string, extra map[int]string) string {
	n := 15
	for k := range extra {
		n = max(n, k)
	}
	f := make([]string, n)
	login := strings.ToLower(first) + "@example.com"
	for i, v := range []string{"305", first, "", last, emp, login, "", login, locale, country, sub, "L1", currency, "", "Y"} {
		f[i] = v
	}
	for k, v := range extra {
		f[k-1] = v
	}
	return strings.Join(f, ",")
}

// write puts files into a temporary directory and returns their paths.
func write(t *testing.T, files map[string]string) []string {
	t.Helper()
	dir := t.TempDir()
	var paths []string
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

// TestConvertMergesByEmployee: 305+350+400+500 for the same employees give
// one POST per new employee with the merged values, and phase-2 operations
// for approvers and delegates.
func TestConvertMergesByEmployee(t *testing.T) {
	paths := write(t, map[string]string{"a.csv": strings.Join([]string{
		"100,0,SSO,UPDATE,EN,N,N",
		row305("Ada", "Lovelace", "E1", "en_US", "US", "US-WA", "USD", map[int]string{59: "E2", 63: "Y", 64: "Y"}),
		row305("Bob", "Babbage", "E2", "en_GB", "GB", "", "GBP", map[int]string{63: "Y", 64: "Y"}),
		"350,E1,Dr.,,,,,,,Countess,+1 206 555 0100",
		"400,E1,EXP_PROCESSOR",
		"500,E1,E2,EXP,Y,Y,N,N,,,Y",
	}, "\n") + "\n"})
	res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Rejected != 0 {
		t.Fatalf("rejections: %+v", res.Records)
	}
	posts := map[string]map[string]any{}
	var phase2 []string
	for _, req := range res.Plan.Requests {
		for _, op := range req.Operations {
			switch {
			case op.Method == "POST":
				if _, dup := posts[op.Employee]; dup {
					t.Errorf("two POSTs for %s", op.Employee)
				}
				var m map[string]any
				b, _ := json.Marshal(op.Data())
				json.Unmarshal(b, &m)
				posts[op.Employee] = m
			case op.Phase == 2:
				b, _ := json.Marshal(op.Data())
				phase2 = append(phase2, op.Employee+" "+op.Path+" "+string(b))
			}
		}
	}
	if len(posts) != 2 {
		t.Fatalf("%d POSTs, want 2", len(posts))
	}
	e1, _ := json.Marshal(posts["E1"])
	for _, want := range []string{`"givenName":"Ada"`, `"honorificPrefix":"Dr."`, `"title":"Countess"`, `"EXP_PROCESSOR"`, `"locale":"en-US"`, `"stateProvince":"WA"`, `"Expense"`} {
		if !bytes.Contains(e1, []byte(want)) {
			t.Errorf("E1's POST lacks %s:\n%s", want, e1)
		}
	}
	all := strings.Join(phase2, "\n")
	for _, want := range []string{"Approver", "Delegate", `"E2"`} {
		if !strings.Contains(all, want) {
			t.Errorf("phase 2 lacks %s:\n%s", want, all)
		}
	}
	for _, p := range phase2 {
		if !strings.HasPrefix(p, "E1 /Users/bulkId:emp-E1") {
			t.Errorf("phase-2 operation not addressed to E1 by bulkId: %s", p)
		}
	}
}

func TestConvertBadInput(t *testing.T) {
	tests := []struct {
		name    string
		content string
		fatal   bool
		reject  string // message fragment of a rejected record
		// directory: convert with an (empty) directory snapshot, so that
		// an employee outside the run is known not to exist
		directory bool
	}{
		{name: "binary", content: "\x00\x01\x02\x03\xff\xfe\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", fatal: true},
		{name: "empty", content: "", fatal: true},
		{name: "bad flag", content: row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", map[int]string{15: "maybe"}) + "\n", reject: "15"},
		{name: "unknown record type", content: "100,0,SSO,UPDATE,EN,N,N\n999,x\n", reject: "999"},
		{name: "unknown approver", content: row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", map[int]string{59: "E404"}) + "\n", reject: "E404", directory: true},
		{name: "employee ID a spreadsheet turned into a number", content: row305("Ann", "Lee", "1.23457E+11", "en_US", "US", "", "USD", nil) + "\n", reject: "in.csv:1:5 (Employee ID): error: \"1.23457E+11\" is a number in the scientific notation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := write(t, map[string]string{"in.csv": tt.content})
			opts := Options{Format: "concur"}
			if tt.directory {
				opts.Directory, _ = plan.NewDirectory(nil)
			}
			res, err := Convert(paths, opts)
			if tt.fatal {
				if err == nil {
					t.Fatal("no error for an unreadable input")
				}
				if !strings.Contains(err.Error(), "in.csv") {
					t.Errorf("error does not name the file: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Totals.Rejected != 1 {
				t.Fatalf("%d rejected, want 1: %+v", res.Totals.Rejected, res.Records)
			}
			var msgs []string
			for _, r := range res.Records {
				for _, m := range r.Messages {
					msgs = append(msgs, m.String())
				}
			}
			joined := strings.Join(msgs, "\n")
			if !strings.Contains(joined, "in.csv:") || !strings.Contains(joined, tt.reject) {
				t.Errorf("messages do not name in.csv and %q:\n%s", tt.reject, joined)
			}
		})
	}
}

// TestConvertIncompleteExtensionTracesToInput: a 3.1 user without locale
// and currency cannot get a spend profile; the warning that leaves it out
// names the input record, and nothing is rejected for it.
func TestConvertIncompleteExtensionTracesToInput(t *testing.T) {
	t.Chdir("../..")
	res, err := Convert([]string{"samples/legacy/users-v3.1.json", "samples/concur/employees-305.csv"}, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, r := range res.Records {
		if r.Status == model.StatusRejected {
			t.Errorf("%s rejected: %v", r.Pos, r.Messages)
		}
		for _, m := range r.Messages {
			if m.Source.File == "samples/legacy/users-v3.1.json" && strings.Contains(m.Message, "spend extension left out") {
				found++
			}
		}
	}
	if found != 3 {
		t.Fatalf("%d spend warnings trace back to samples/legacy/users-v3.1.json, want one per user (3)", found)
	}
	if res.Totals.LeftOut["spend"] != 3 {
		t.Errorf("left out %v", res.Totals.LeftOut)
	}
}

// TestConvertWithSampleDefaults: the legacy samples lack the attributes UPS
// requires with the spend and travel extensions; the sample defaults table
// supplies them, and its rows appear in the lineage.
func TestConvertWithSampleDefaults(t *testing.T) {
	t.Chdir("../..")
	set, err := mapping.LoadDir("samples/mapping")
	if err != nil {
		t.Fatal(err)
	}
	files := []string{"samples/legacy/users-v3.0.json", "samples/legacy/users-v3.1.json"}
	without, err := Convert(files, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	with, err := Convert(files, Options{Options: plan.Options{CompanyID: companyID}, Mapping: set})
	if err != nil {
		t.Fatal(err)
	}
	if len(without.Totals.LeftOut) == 0 {
		t.Fatal("the legacy samples convert whole without defaults: this test no longer shows anything")
	}
	if with.Totals.Rejected != 0 || len(with.Totals.LeftOut) != 0 {
		t.Errorf("with the sample defaults %d records are still rejected, extensions left out %v: %+v", with.Totals.Rejected, with.Totals.LeftOut, with.Records)
	}
	found := false
	for _, cs := range with.ChangeSets {
		for _, a := range cs.Attrs {
			if strings.HasSuffix(a.Source().File, "defaults.csv") && a.Path() == "ruleClass.name" {
				found = true
			}
		}
	}
	if !found {
		t.Error("no attribute traces back to samples/mapping/defaults.csv")
	}
	// The 3.1 Emails[] element of type Personal reaches the bulk as the
	// home e-mail; the Work one is PrimaryEmail's.
	var body []byte
	for _, req := range with.Plan.Requests {
		for _, op := range req.Operations {
			if op.Employee == "L131" {
				body, _ = json.Marshal(op.Data())
			}
		}
	}
	if want := `"emails":[{"type":"work","value":"noor.haddad@example.com"},{"type":"home","value":"noor.h@example.net"}]`; !bytes.Contains(body, []byte(want)) {
		t.Errorf("L131's operation lacks %s:\n%s", want, body)
	}
}

// TestConvertMissingRequiredRejectsEmployee: a required attribute missing
// from a new user's POST is no single value's fault: every record of the
// employee is rejected (not just the first), in one round, and nothing
// amends a user that is never created.
func TestConvertMissingRequiredRejectsEmployee(t *testing.T) {
	rows := []string{row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", map[int]string{2: ""})} // no first name: no identity
	for i := 0; i < 5; i++ {
		rows = append(rows, "350,E1,,,,,,,,Title "+string(rune('A'+i)))
	}
	rows = append(rows, row305("Bo", "Ek", "E2", "en_US", "US", "", "USD", nil))
	paths := write(t, map[string]string{"in.csv": strings.Join(rows, "\n") + "\n"})
	res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Records {
		want := model.StatusRejected
		if r.EmployeeID == "E2" {
			want = model.StatusConverted
		}
		if r.Status != want {
			t.Errorf("%s (%s): %s, want %s: %v", r.Pos, r.EmployeeID, r.Status, want, r.Messages)
		}
	}
	for _, req := range res.Plan.Requests {
		for _, op := range req.Operations {
			if op.Employee == "E1" {
				t.Errorf("E1 still has an operation: %s %s", op.Method, op.Path)
			}
		}
	}
	if res.SchemaErrors != 0 {
		t.Errorf("%d unattributed schema errors", res.SchemaErrors)
	}
}

// TestConvertIncompleteExtension: an extension missing an attribute UPS
// requires with it is left out of the new user, with one warning on the
// record that started it; the identity and the complete extensions are
// created, and a record that gave only the left-out extension is skipped.
func TestConvertIncompleteExtension(t *testing.T) {
	tests := []struct {
		name     string
		rows     []string
		urn      string // left out of E1
		keep     string // an extension E1 still gets ("" none)
		warnLine int
		warn     []string
		statuses []model.Status // per record
	}{
		{name: "spend without a currency", rows: []string{row305("Ann", "Lee", "E1", "en_US", "US", "", "", nil)},
			urn: model.SchemaSpendUser, warnLine: 1,
			warn:     []string{"spend extension left out of new user E1", "reimbursementCurrency", "--default 'spend:2.0:User:reimbursementCurrency=<value>' supplies it"},
			statuses: []model.Status{"converted"}},
		{name: "travel without a rule class, from a 350", rows: []string{
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil),
			"350,E1,,,,,F",
		}, urn: model.SchemaTravel, keep: model.SchemaSpendUser, warnLine: 2,
			warn:     []string{"travel extension left out of new user E1", "ruleClass", "ruleClass.name"},
			statuses: []model.Status{"converted", "skipped"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := write(t, map[string]string{"in.csv": strings.Join(tt.rows, "\n") + "\n"})
			res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID}})
			if err != nil {
				t.Fatal(err)
			}
			if res.SchemaErrors != 0 || res.Totals.Rejected != 0 {
				t.Fatalf("%d schema errors, %d rejected: %+v", res.SchemaErrors, res.Totals.Rejected, res.Records)
			}
			warned := 0
			for i, r := range res.Records {
				if r.Status != tt.statuses[i] {
					t.Errorf("%s: %s, want %s: %v", r.Pos, r.Status, tt.statuses[i], r.Messages)
				}
				for _, m := range r.Messages {
					if !strings.Contains(m.Message, "left out") {
						continue
					}
					warned++
					if r.Pos.Line != tt.warnLine || m.Severity != model.SevWarning {
						t.Errorf("warning on %s (%s), want line %d: %s", r.Pos, m.Severity, tt.warnLine, m.Message)
					}
					for _, w := range tt.warn {
						if !strings.Contains(m.Message, w) {
							t.Errorf("warning lacks %q: %s", w, m.Message)
						}
					}
				}
			}
			if warned != 1 {
				t.Errorf("%d left-out warnings, want 1", warned)
			}
			if res.Totals.LeftOut[mapping.ExtensionName(tt.urn)] != 1 {
				t.Errorf("totals left out %v, want 1 for %s", res.Totals.LeftOut, tt.urn)
			}
			var post *plan.Operation
			for _, req := range res.Plan.Requests {
				for _, op := range req.Operations {
					if op.Employee == "E1" && op.Method == "POST" {
						post = op
					}
				}
			}
			if post == nil {
				t.Fatal("E1 is not created")
			}
			body := string(post.Encoded())
			if strings.Contains(body, tt.urn) {
				t.Errorf("the left-out extension is sent: %s", body)
			}
			if tt.keep != "" && !strings.Contains(body, tt.keep) {
				t.Errorf("the complete extension %s is not sent: %s", tt.keep, body)
			}
		})
	}
}

// TestConvertValueUPSCannotHold: a value over a schema limit is dropped with
// a warning naming its field, and the user is created without it.
func TestConvertValueUPSCannotHold(t *testing.T) {
	paths := write(t, map[string]string{"in.csv": row305("Ann", "Lee", "E1", "en_US", "GB", "GB-LND", "GBP", nil) + "\n"})
	res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	r := res.Records[0]
	if r.Status != model.StatusConverted || len(r.Messages) != 1 {
		t.Fatalf("%s: %v", r.Status, r.Messages)
	}
	m := r.Messages[0]
	if m.Severity != model.SevWarning || m.Source.Field != "11" || !strings.Contains(m.Message, "stateProvince") || !strings.Contains(m.Message, "value dropped") {
		t.Errorf("message %s", m)
	}
	body := string(res.Plan.Requests[0].Operations[0].Encoded())
	if strings.Contains(body, "stateProvince") || !strings.Contains(body, `"reimbursementCurrency":"GBP"`) {
		t.Errorf("body %s", body)
	}
}

// TestConvertPlanErrorRejectsEmployee: an employee whose operation cannot be
// planned (here: larger than a request may be) is rejected with a reason;
// the others are converted.
func TestConvertPlanErrorRejectsEmployee(t *testing.T) {
	content := row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil) + "\n" +
		row305("Bo", "Ek", "E2", "en_US", "US", "", "USD", nil) + "\n" +
		"350,E2,,,,,,,,\"" + strings.Repeat("Senior ", 500) + "\"\n"
	paths := write(t, map[string]string{"in.csv": content})
	for _, validate := range []bool{true, false} {
		res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID, MaxBytes: 2500}, NoValidate: !validate})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]model.Status{}
		msgs := ""
		for _, r := range res.Records {
			got[r.EmployeeID+"@"+strconv.Itoa(r.Pos.Line)] = r.Status
			for _, m := range r.Messages {
				msgs += m.String() + "\n"
			}
		}
		want := map[string]model.Status{"E1@1": model.StatusConverted, "E2@2": model.StatusRejected, "E2@3": model.StatusRejected}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("validate=%v: %s is %q, want %q (%v)", validate, k, got[k], w, got)
			}
		}
		if !strings.Contains(msgs, "a request holds at most 2500") {
			t.Errorf("validate=%v: no reason given:\n%s", validate, msgs)
		}
		if res.Plan.Stats.UsersCreated != 1 {
			t.Errorf("validate=%v: %d users created, want 1", validate, res.Plan.Stats.UsersCreated)
		}
	}
}

// TestConvertExistingRecordHandling: a 100 record asking for another
// handling of existing employees than the update convert does gives a
// warning on the file naming field 4, unless --replace does what it asks.
func TestConvertExistingRecordHandling(t *testing.T) {
	tests := []struct {
		handling string
		replace  bool
		want     string // warning fragment; "" for none
	}{
		{"UPDATE", false, ""},
		{"REPLACE", false, "give --replace"},
		{"REPLACE", true, ""},
		{"IGNORE", false, "leave existing employees unchanged (IGNORE)"},
		{"WARN", true, "(WARN)"},
	}
	for _, tt := range tests {
		paths := write(t, map[string]string{"in.csv": "100,0,SSO," + tt.handling + ",EN,N,N\n" +
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil) + "\n"})
		res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID, Replace: tt.replace}})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, w := range res.Files[0].Warnings {
			got = append(got, w.String())
		}
		joined := strings.Join(got, "\n")
		switch {
		case tt.want == "" && joined != "":
			t.Errorf("%s (replace %v): unexpected warnings %q", tt.handling, tt.replace, joined)
		case tt.want != "" && (!strings.Contains(joined, tt.want) || !strings.Contains(joined, "in.csv:1:4 (Existing Record Handling)")):
			t.Errorf("%s (replace %v): warnings %q lack %q at in.csv:1:4", tt.handling, tt.replace, joined, tt.want)
		}
	}
}

// TestConvertTemporaryDelegation: 500 field 8 N sends no temporary
// delegation even with dates (and warns), Y or blank with dates sends it.
func TestConvertTemporaryDelegation(t *testing.T) {
	paths := write(t, map[string]string{"d.csv": strings.Join([]string{
		row305("Ada", "Lovelace", "E1", "en_US", "US", "", "USD", map[int]string{63: "Y"}),
		row305("Bob", "Babbage", "E2", "en_US", "US", "", "USD", map[int]string{63: "Y"}),
		row305("Cy", "Dee", "E3", "en_US", "US", "", "USD", map[int]string{63: "Y"}),
		"500,E1,E2,EXP,Y,Y,N,N,2025-07-01,2025-07-15,Y",
		"500,E2,E3,EXP,Y,Y,N,Y,2025-07-01,2025-07-15,Y",
		"500,E3,E1,EXP,Y,Y,N,,2025-07-01,2025-07-15,Y",
	}, "\n") + "\n"})
	res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Rejected != 0 {
		t.Fatalf("rejections: %+v", res.Records)
	}
	delegation := map[string]bool{}
	for _, req := range res.Plan.Requests {
		for _, op := range req.Operations {
			if op.Phase == 2 && strings.Contains(op.Path+fmt.Sprint(op.Data()), "Delegate") {
				b, _ := json.Marshal(op.Data())
				delegation[op.Employee] = bytes.Contains(b, []byte(`"temporaryDelegation":{"temporaryDelegationFromDate":"2025-07-01T00:00:00Z","temporaryDelegationToDate":"2025-07-15T23:59:59Z"}`))
			}
		}
	}
	if want := map[string]bool{"E1": false, "E2": true, "E3": true}; !reflect.DeepEqual(delegation, want) {
		t.Errorf("temporary delegation by employee %v, want %v", delegation, want)
	}
	var warned []string
	for _, r := range res.Records {
		for _, m := range r.Messages {
			warned = append(warned, m.String())
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], ":4:8 (Can Temporarily Approve Reports): warning: N for Can Temporarily Approve Reports: the delegate gets no temporaryDelegation, so field 9 (Temporary Approval Delegation From Date) and field 10 (Temporary Approval Delegation To Date) are ignored") {
		t.Errorf("messages %q", warned)
	}
}

// TestConvertSettingsRecordIsNotAWarning: a 100 record ends skipped with
// its reason, as information, not as a warning of the run.
func TestConvertSettingsRecordIsNotAWarning(t *testing.T) {
	paths := write(t, map[string]string{"in.csv": "100,0,SSO,UPDATE,EN,N,N\n" + row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil) + "\n"})
	res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Warnings != 0 || res.Totals.Skipped != 1 || res.Totals.Converted != 1 {
		t.Errorf("totals %+v", res.Totals)
	}
	r := res.Records[0]
	if r.Status != model.StatusSkipped || len(r.Messages) != 1 || r.Messages[0].Severity != model.SevInfo || !strings.Contains(r.Messages[0].Message, "import settings") {
		t.Errorf("100 record: %+v", r)
	}
	if s, ok := res.Files[0].Settings.(*concur.Settings); !ok || s.ExistingRecordHandling != "UPDATE" {
		t.Errorf("file settings %+v", res.Files[0].Settings)
	}
}

// TestAppendAtSubmit: an update of an employee no record creates, and
// each reference to an employee outside the run, in order, however its
// targets repeat; the run is asked once per change of target.
func TestAppendAtSubmit(t *testing.T) {
	ref := func(path, target string) model.Ref {
		return model.Ref{Kind: model.RefApprover, Path: path, Target: target}
	}
	cs := &model.ChangeSet{EmployeeID: "E1", Refs: []model.Ref{
		ref("report", "M1"), ref("invoice", "M1"), ref("request", "M2"),
		ref("budget", "M1"), ref("cashAdvance", "M3"), ref("statement", "M3"),
	}}
	asked := 0
	inRun := func(emp string) bool { asked++; return emp == "M2" }
	got := appendAtSubmit(nil, cs, inRun)
	var desc []string
	for _, a := range got {
		if a.From != "E1" {
			t.Errorf("%+v: From %q, want E1", a, a.From)
		}
		desc = append(desc, a.Employee+" "+a.Kind)
	}
	want := []string{"M1 report approver", "M1 invoice approver", "M1 budget approver", "M3 cashAdvance approver", "M3 statement approver"}
	if !reflect.DeepEqual(desc, want) {
		t.Errorf("resolved at submit:\n got %q\nwant %q", desc, want)
	}
	if asked != 4 {
		t.Errorf("the run was asked %d times, want 4 (M1, M2, M1, M3)", asked)
	}
	cs.Records = []model.Position{{File: "u.csv", Line: 7}}
	got = appendAtSubmit(nil, cs, func(string) bool { return true })
	if len(got) != 1 || got[0].Kind != "update" || got[0].Employee != "E1" {
		t.Errorf("an employee the run does not create: %+v, want one update", got)
	}
}
