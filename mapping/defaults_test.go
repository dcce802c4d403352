package mapping

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

const testDefaults = `target_schema,target_path,value,transform,applies,note
spend:2.0:User,locale,en_US,locale,,
spend:2.0:User,country,us,country,extension,
spend:2.0:User,reimbursementCurrency,USD,currency,,
travel:2.0:User,ruleClass.name,Default Travel Class,text,,
core:2.0:User,active,Y,flag,,
spend:2.0:WorkflowPreference,emailStatusChangeOnCashAdvance,true,bool,always,
`

func defaultsSet(t testing.TB, csv string) *Set {
	t.Helper()
	d, err := ParseDefaults("defaults.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	return mustDefault(t).WithDefaults(d)
}

func runWith(t testing.TB, set *Set, opts Options, recs ...*model.Record) ([]*model.ChangeSet, []model.RecordResult) {
	t.Helper()
	e := NewEngine(set, opts)
	for _, r := range recs {
		e.Add(r)
	}
	return e.Finish()
}

func TestDefaultsApply(t *testing.T) {
	set := defaultsSet(t, testDefaults)
	tests := []struct {
		name string
		opts Options
		recs []*model.Record
		emp  string
		want map[string]any // attribute key -> value; nil value = absent
		line map[string]int // attribute key -> defaults line it comes from
	}{{
		name: "identity-only V1 user: core and always rows only",
		recs: []*model.Record{keyed(model.FormatV1XML, "v1", "u.xml", 3, "EmpId", "A", "LoginId", "a@example.com", "FirstName", "A", "LastName", "B")},
		emp:  "A",
		want: map[string]any{
			model.SchemaCore + ":active":                                       true,
			model.SchemaSpendUser + ":locale":                                  nil,
			model.SchemaTravel + ":ruleClass.name":                             nil,
			model.SchemaWorkflowPreference + ":emailStatusChangeOnCashAdvance": true,
		},
		line: map[string]int{model.SchemaCore + ":active": 6, model.SchemaWorkflowPreference + ":emailStatusChangeOnCashAdvance": 7},
	}, {
		name: "V1 spend user: missing spend targets filled, given ones kept",
		recs: []*model.Record{keyed(model.FormatV1XML, "v1", "u.xml", 3, "EmpId", "A", "LoginId", "a@example.com",
			"FirstName", "A", "LastName", "B", "LocaleName", "de_DE", "Active", "N")},
		emp: "A",
		want: map[string]any{
			model.SchemaSpendUser + ":locale":                "de-DE",
			model.SchemaSpendUser + ":country":               "US",
			model.SchemaSpendUser + ":reimbursementCurrency": "USD",
			model.SchemaCore + ":active":                     false,
			model.SchemaTravel + ":ruleClass.name":           nil,
		},
		line: map[string]int{model.SchemaSpendUser + ":country": 3, model.SchemaSpendUser + ":reimbursementCurrency": 4},
	}, {
		name: "travel reference makes the travel extension present",
		recs: []*model.Record{
			flat("f.csv", 2, "305", map[int]string{2: "A", 4: "B", 5: "M", 6: "m@example.com"}),
			flat("f.csv", 3, "305", map[int]string{2: "C", 4: "D", 5: "E", 6: "e@example.com"}),
			flat("f.csv", 4, "350", map[int]string{2: "E", 9: "M"}),
		},
		emp:  "E",
		want: map[string]any{model.SchemaTravel + ":ruleClass.name": "Default Travel Class"},
		line: map[string]int{model.SchemaTravel + ":ruleClass.name": 5},
	}, {
		name: "amendment: no defaults",
		recs: []*model.Record{flat("f.csv", 2, "310", map[int]string{2: "A", 9: "en_GB"})},
		emp:  "A",
		want: map[string]any{
			model.SchemaSpendUser + ":locale":  "en-GB",
			model.SchemaSpendUser + ":country": nil,
			model.SchemaCore + ":active":       nil,
		},
	}, {
		name: "creation of an employee the directory knows: no defaults",
		opts: Options{Known: knownSet("A")},
		recs: []*model.Record{flat("f.csv", 2, "305", map[int]string{2: "A", 4: "B", 5: "A", 6: "a@example.com", 9: "en_GB"})},
		emp:  "A",
		want: map[string]any{
			model.SchemaSpendUser + ":country": nil,
			model.SchemaCore + ":active":       nil,
		},
	}, {
		name: "new employee with a directory: defaults",
		opts: Options{Known: knownSet("Z")},
		recs: []*model.Record{flat("f.csv", 2, "305", map[int]string{2: "A", 4: "B", 5: "A", 6: "a@example.com", 9: "en_GB"})},
		emp:  "A",
		want: map[string]any{
			model.SchemaSpendUser + ":locale":  "en-GB",
			model.SchemaSpendUser + ":country": "US",
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			css, _ := runWith(t, set, tt.opts, tt.recs...)
			cs := findCS(css, tt.emp)
			if cs == nil {
				t.Fatalf("no change set for %s", tt.emp)
			}
			for key, want := range tt.want {
				a := findAttr(cs, key)
				switch {
				case want == nil && a != nil:
					t.Errorf("%s = %v from %s, want absent", key, a.Value(), a.Row())
				case want != nil && a == nil:
					t.Errorf("%s absent, want %v", key, want)
				case want != nil && a.Value() != want:
					t.Errorf("%s = %#v, want %#v", key, a.Value(), want)
				}
			}
			for key, line := range tt.line {
				a := findAttr(cs, key)
				if a == nil {
					continue
				}
				wantSrc := model.Source{File: "defaults.csv", Line: line, Field: "value", Name: "default"}
				if a.Source() != wantSrc || a.Row() != "defaults.csv:"+itoa(line) || a.Kind() != model.AttrSet {
					t.Errorf("%s lineage %+v row %q, want %+v row defaults.csv:%d", key, a.Source(), a.Row(), wantSrc, line)
				}
			}
		})
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestDefaultsErrors(t *testing.T) {
	const head = "target_schema,target_path,value,transform,applies,note\n"
	tests := []struct{ name, csv, want string }{
		{"empty file", "", "defaults.csv: empty defaults table"},
		{"bad header", "target_schema,target_path,value,transform,colour\n", `defaults.csv:1: bad header ("colour", missing note)`},
		{"unknown schema", head + "spend:3.0:User,locale,en_US,locale,,\n", "defaults.csv:2:1 (target_schema): unknown target schema"},
		{"reference schema", head + "spend:2.0:Approver,report,x,text,,\n", "defaults.csv:2:1 (target_schema): schema spend:2.0:Approver takes references"},
		{"bad path", head + "spend:2.0:User,loc..ale,en_US,locale,,\n", `defaults.csv:2:2 (target_path): malformed target path "loc..ale"`},
		{"plan-written path", head + "enterprise:2.0:User,companyId,x,text,,\n", "defaults.csv:2:2 (target_path): companyId is written by the plan"},
		{"duplicate", head + "spend:2.0:User,locale,en_US,locale,,\nspend:2.0:User,locale,de_DE,locale,,\n", "defaults.csv:3:2 (target_path): duplicate target spend:2.0:User locale (also on line 2)"},
		{"bad value", head + "spend:2.0:User,reimbursementCurrency,dollars,currency,,\n", "defaults.csv:2:3 (value):"},
		{"bad flag", head + "core:2.0:User,active,maybe,flag,,\n", "defaults.csv:2:3 (value):"},
		{"empty value", head + "spend:2.0:User,locale, ,locale,,\n", "defaults.csv:2:3 (value): empty value"},
		{"structural transform", head + "spend:2.0:User,biManager.employeeNumber,E1,bi_manager,,\n", `defaults.csv:2:4 (transform): transform "bi_manager" cannot give a default`},
		{"datetime needs args", head + "spend:2.0:User,x,2024-01-01,datetime,,\n", `defaults.csv:2:4 (transform): transform "datetime"`},
		{"unknown transform", head + "spend:2.0:User,locale,en_US,loc,,\n", `defaults.csv:2:4 (transform): transform "loc"`},
		{"bad applies", head + "spend:2.0:User,locale,en_US,locale,sometimes,\n", `defaults.csv:2:5 (applies): applies is "sometimes"`},
		{"bad quoting", head + "spend:2.0:User,locale,\"en_US,locale,,\n", "defaults.csv:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseDefaults("defaults.csv", strings.NewReader(tt.csv))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
	// All problems together, without the applies column.
	_, err := ParseDefaults("d.csv", strings.NewReader("target_schema,target_path,value,transform,note\nx,locale,en_US,locale,\nspend:2.0:User,locale,,locale,\n"))
	if err == nil || !strings.Contains(err.Error(), "d.csv:2:1 (target_schema)") || !strings.Contains(err.Error(), "d.csv:3:3 (value)") {
		t.Fatalf("error %v, want both rows reported", err)
	}
}

func TestDefaultsLoad(t *testing.T) {
	set := mustDefault(t)
	if n := set.Defaults().Len(); n != 0 {
		t.Errorf("embedded defaults have %d rows, want none", n)
	}
	if _, ok := set.Table("defaults"); ok {
		t.Error("defaults.csv loaded as a mapping table")
	}
	sample, err := LoadDir(filepath.Join("..", "samples", "mapping"))
	if err != nil {
		t.Fatal(err)
	}
	if n := sample.Defaults().Len(); n != 4 {
		t.Errorf("sample defaults have %d rows, want 4", n)
	}
	if sample.With().Defaults() != sample.Defaults() {
		t.Error("With drops the defaults")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, DefaultsFile), []byte("target_schema,target_path,value,transform,note\nspend:2.0:User,locale,xx,locale,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, DefaultsFile)+":2:3 (value)") {
		t.Fatalf("LoadDir error %v, want the file:line:column of the bad value", err)
	}
}

// TestDefaultsGolden is the scenario run with the sample company defaults.
func TestDefaultsGolden(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "samples", "mapping", DefaultsFile))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDefaults("samples/mapping/defaults.csv", strings.NewReader(string(data)))
	if err != nil {
		t.Fatal(err)
	}
	css, _ := runWith(t, mustDefault(t).WithDefaults(d), Options{Known: knownSet("E1")}, scenario()...)
	var defaulted []string
	for _, cs := range css {
		for _, a := range cs.Attrs {
			if a.Source().File == "samples/mapping/defaults.csv" {
				defaulted = append(defaulted, cs.EmployeeID+" "+a.Key())
			}
		}
	}
	if len(defaulted) == 0 {
		t.Fatal("no defaults applied to the scenario")
	}
	b, err := json.MarshalIndent(css, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "defaults.golden"), append(b, '\n'))
}

func TestWithDefaultFlags(t *testing.T) {
	base := mustDefault(t)
	tests := []struct {
		name   string
		flags  []string
		want   map[string]string // target → transform
		errSub string
	}{
		{name: "currency and rule class", flags: []string{"spend:2.0:User:reimbursementCurrency=usd", "travel:2.0:User:ruleClass.name=Standard"},
			want: map[string]string{"reimbursementCurrency": "currency", "ruleClass.name": "text"}},
		{name: "locale converted", flags: []string{"spend:2.0:User:locale=en_US"}, want: map[string]string{"locale": "locale"}},
		{name: "no value", flags: []string{"spend:2.0:User:locale="}, errSub: "SCHEMA:PATH=VALUE"},
		{name: "unknown schema", flags: []string{"spnd:2.0:User:locale=en_US"}, errSub: "unknown schema"},
		{name: "bad value names the flag", flags: []string{"spend:2.0:User:reimbursementCurrency=dollars"}, errSub: "--default:1:3 (value): malformed currency code"},
		{name: "written by the plan", flags: []string{"enterprise:2.0:User:companyId=x"}, errSub: "written by the plan"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := base.WithDefaultFlags(tt.flags)
			if tt.errSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errSub) {
					t.Fatalf("error %v, want %q", err, tt.errSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range set.Defaults().Rows() {
				got[r.TargetPath] = r.Transform
				if r.File != DefaultFlag || r.Line < 1 {
					t.Errorf("row %+v does not name the flag", r)
				}
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s: transform %q, want %q (rows %v)", k, got[k], v, got)
				}
			}
		})
	}
}
