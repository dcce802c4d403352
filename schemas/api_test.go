package schemas

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/spec"
)

func TestSourceOf(t *testing.T) {
	lineage := map[int]map[string]model.Source{
		3: {
			"":                {File: "in.txt", Line: 7},
			"/name/givenName": {File: "in.txt", Line: 7, Field: "3", Name: "First Name"},
			"/urn:ietf:params:scim:schemas:extension:spend:2.0:User/locale": {File: "in.txt", Line: 8, Field: "20"},
		},
	}
	resolve := func(op int, ptr string) (model.Source, bool) {
		s, ok := lineage[op][ptr]
		return s, ok
	}
	tests := []struct {
		ptr  string
		want string
		ok   bool
	}{
		{"/Operations/3/data/name/givenName", "in.txt:7:3 (First Name)", true},
		{"/Operations/3/data/urn:ietf:params:scim:schemas:extension:spend:2.0:User/locale", "in.txt:8:20", true},
		{"/Operations/3/data/name/familyName", "in.txt:7", true}, // missing attribute: nearest ancestor with lineage
		{"/Operations/3/bulkId", "in.txt:7", true},               // the operation itself: the whole data
		{"/Operations/4/data/userName", "", false},               // no lineage for that operation
		{"", "", false}, // the whole request
		{"/schemas", "", false},
	}
	for _, tt := range tests {
		src, ok := SourceOf(Finding{Pointer: tt.ptr}, resolve)
		if ok != tt.ok || ok && src.String() != tt.want {
			t.Errorf("SourceOf(%q) = %v, %v; want %q, %v", tt.ptr, src, ok, tt.want, tt.ok)
		}
	}
	op, rest, inData, ok := OpPointer("/Operations/12/data/emails/0/value")
	if op != 12 || rest != "/emails/0/value" || !inData || !ok {
		t.Errorf("OpPointer = %d %q %v %v", op, rest, inData, ok)
	}
}

func TestFormats(t *testing.T) {
	fs, err := formatTable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		format string
		good   []string
		bad    []string
	}{
		{"country", []string{"US", "DE", "GB"}, []string{"USA", "us", "UK", ""}},
		{"currency", []string{"USD", "EUR", "JPY"}, []string{"usd", "US$", "XXX", "DOLLARS"}},
		{"locale", []string{"en-US", "it-IT", "fr-CA"}, []string{"en_US", "en", "EN-US", "en-XX", "es-419"}},
		{"language", []string{"en-US", "de", "de-DE", "es-LA", "pt-BR"}, []string{"klingon", "xx-US", "de_DE", ""}},
		{"language-listed", []string{"en-US", "de", "es-LA"}, []string{"de-DE"}},
		{"timezone", []string{"America/New_York", "UTC", "Etc/GMT+12"}, []string{"PST", "America/Nowhere"}},
		{"role-code", []string{"EXP_APPROVER", "EXP_USER", "REPORTING_CONSUMER"}, []string{"N/A", "REPORTING_CAS_ANALYST", "EXP_TRAVEL_AND_EXPENSE_USER", "exp_approver"}},
		{"role-code-assignable", []string{"EXP_APPROVER"}, []string{"EXP_USER", "REQ_USER", "INV_PMT_USER"}},
		{"username", []string{"john.doe@example.com", "j_doe-1@x.y"}, []string{"", "a b|c", "a#b", "a:b", "a+b", "a=b", "a]b", "a\tb"}},
		{"email", []string{"a@b.co", "first.last@sub.example.com"}, []string{"a@b", "@b.co", "a@@b.co", "a b@c.de", "a@b."}},
		{"uuid", []string{"e5756608-5824-4ede-889c-e231245850ef"}, []string{"e575660858244ede889ce231245850ef", "e5756608-5824-4ede-889c-e231245850eg"}},
		{"user-ref", []string{"e5756608-5824-4ede-889c-e231245850ef", "bulkId:emp-1"}, []string{"bulkId:", "E1"}},
		{"user-path", []string{"/Users/bulkId:emp-1", "/Users/e5756608-5824-4ede-889c-e231245850ef"}, []string{"/Users", "/Users/", "/Users/a/b", "/Groups/bulkId:x"}},
		{"date", []string{"2024-02-29", "1900-01-01", "2079-06-06"}, []string{"2023-02-29", "1899-12-31", "2079-06-07", "2024-1-5", "2024-01-01T00:00:00Z"}},
		{"date-or-date-time", []string{"2018-01-01", "2018-01-01T00:00:00.000"}, []string{"01/01/2018"}},
		{"date-time", []string{"2015-12-11T19:28:30.45Z", "2016-01-01T00:00:00.000", "2016-01-01T00:00", "2016-01-01T00:00:00+02:00"}, []string{"2016-01-01", "2016-01-01T24:00:00Z", "2016-01-01T00:00:00.Z"}},
		{"date-time-utc", []string{"2015-12-11T19:28:30Z", "2015-12-11T19:28:30.45Z"}, []string{"2016-01-01T00:00:00.000", "2016-01-01T00:00Z", "2016-01-01T00:00:00+00:00"}},
	}
	for _, tt := range tests {
		f := fs[tt.format]
		if f == nil {
			t.Errorf("no format %q", tt.format)
			continue
		}
		for _, s := range tt.good {
			if !f.check(s) {
				t.Errorf("%s rejects %q", tt.format, s)
			}
		}
		for _, s := range tt.bad {
			if f.check(s) {
				t.Errorf("%s accepts %q", tt.format, s)
			}
		}
	}
	if n := len(FormatNames()); n != len(fs) {
		t.Errorf("FormatNames lists %d of %d formats", n, len(fs))
	}
}

func TestFastCompilerRejectsUnsupportedKeywords(t *testing.T) {
	fs, _ := formatTable()
	for _, schema := range []string{
		`{"oneOf": [{"type": "string"}]}`,
		`{"type": "string", "format": "no-such-format"}`,
		`{"additionalProperties": {"type": "string"}}`,
		`{"x-strict": {"type": "string"}}`,
		`{"if": {"type": "object", "properties": {"a": {}}}, "then": {}}`,
		`{"properties": {"a": {}}, "x-strict": {"properties": {"a": {}}}}`,
	} {
		doc, err := decodeJSON([]byte(schema))
		if err != nil {
			t.Fatal(err)
		}
		c := newFastCompiler(docSet{BaseURL + "t.json": doc}, fs)
		if _, err := c.get(BaseURL + "t.json"); err == nil {
			t.Errorf("fast compiler accepts %s", schema)
		}
	}
}

func TestValidateFileAndDir(t *testing.T) {
	def, _ := validators(t)
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	user, _ := os.ReadFile("testdata/invalid/user-active-yes.json")
	write("user.json", string(user))
	write("report.json", `{"records": []}`)
	write("broken.json", "{\n  \"schemas\": [\n}")
	write("plan.jsonl", "{\"plan\":\"upsmigrate\",\"version\":2}\n\n{\"emp\":\"E2\",\"ops\":[]}\n")

	fs, kind, err := def.ValidateFile(filepath.Join(dir, "user.json"))
	if err != nil || kind != KindUser || len(fs) != 1 || fs[0].Format("user.json") != `user.json:4: /active: expected boolean, got string "yes"` {
		t.Errorf("user.json: %v %v %v", fs, kind, err)
	}
	if _, kind, err := def.ValidateFile(filepath.Join(dir, "report.json")); !errors.Is(err, ErrUnknownKind) || kind != KindUnknown {
		t.Errorf("report.json: %v %v", kind, err)
	}
	fs, _, err = def.ValidateFile(filepath.Join(dir, "broken.json"))
	if err != nil || len(fs) != 1 || fs[0].Keyword != "json" || fs[0].Line != 3 {
		t.Errorf("broken.json: %+v %v", fs, err)
	}
	fs, kind, err = def.ValidateFile(filepath.Join(dir, "plan.jsonl"))
	if err != nil || kind != KindPlan || len(fs) != 1 || fs[0].Format("plan.jsonl") != `plan.jsonl:3: /records: required attribute "records" is missing` {
		t.Errorf("plan.jsonl: %v %v %v", fs, kind, err)
	}

	results, err := def.ValidateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range results {
		got = append(got, filepath.Base(r.Path)+"="+string(r.Kind))
	}
	if strings.Join(got, " ") != "broken.json= plan.jsonl=plan report.json= user.json=user" {
		t.Errorf("ValidateDir: %v", got)
	}
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Path, r.Err)
		}
	}
}

func TestValidateOperation(t *testing.T) {
	def, strict := validators(t)
	for _, v := range []*Validator{def, strict} {
		for _, api := range []interface {
			ValidateOperation(method, path, bulkID string, data any) []Finding
		}{v, v.Fast()} {
			if fs := api.ValidateOperation("POST", "/Users", "emp-E00001", userDoc(1, "")); len(fs) > 0 {
				t.Errorf("valid POST: %v", fs)
			}
			fs := Prefix(api.ValidateOperation("POST", "/Users", "", userDoc(1, "")), "/Operations/3")
			if len(fs) != 1 || fs[0].String() != `/Operations/3/bulkId: required attribute "bulkId" is missing` {
				t.Errorf("POST without bulkId: %v", fs)
			}
			patch, _ := decodeJSON([]byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:locale","value":"en_US"}]}`))
			fs = api.ValidateOperation("PATCH", "/Users/bulkId:emp-E1", "", patch)
			if len(fs) != 1 || fs[0].Pointer != "/data/Operations/0/value" || fs[0].Keyword != "format" {
				t.Errorf("PATCH with a bad locale: %v", fs)
			}
			if fs := api.ValidateOperation("DELETE", "/Users/bulkId:emp-E1", "", nil); len(fs) > 0 {
				t.Errorf("DELETE: %v", fs)
			}
		}
	}
}

// TestSchemasCoverAttributes checks the schema files against
// spec/ups-v4/attributes.csv: every writable attribute of the User schemas
// is there, with its type and, where the spec lists them, its values.
func TestSchemasCoverAttributes(t *testing.T) {
	s, err := load()
	if err != nil {
		t.Fatal(err)
	}
	expand := map[string][]string{
		"<type>":    {"report", "cashAdvance", "request", "invoice", "purchaseRequest", "statement", "budget"},
		"<product>": {"expense", "payment", "purchaseRequest"},
		"<list>":    {"authorizedApprover", "costObjectApprover"},
	}
	checked := 0
	for _, r := range spec.Attributes().Rows {
		urn, attr, typ, multi, allowed := r[0], r[1], r[2], r[3], r[6]
		if _, ok := s.paths.urns[urn]; !ok {
			continue // status, error, search and list messages: not sent
		}
		if strings.HasPrefix(attr, "meta.") || attr == "schemas" {
			continue
		}
		paths := []string{attr}
		for ph, names := range expand {
			if strings.HasPrefix(attr, ph) {
				paths = nil
				for _, n := range names {
					paths = append(paths, n+strings.TrimPrefix(attr, ph))
				}
			}
		}
		for _, p := range paths {
			loc, err := attrLoc(s.paths, urn, p)
			if err != nil {
				t.Errorf("%s %s: %v", urn, p, err)
				continue
			}
			checked++
			_, raw := s.paths.deref(loc)
			types := strings.Join(stringsOf(raw["type"]), ",")
			want := map[string]string{"string": "string", "boolean": "boolean", "integer": "integer", "double": "number", "complex": "object"}[typ]
			if multi == "Y" && typ != "complex" || multi == "Y" && !strings.Contains(attr, ".") && typ == "complex" && !strings.HasPrefix(attr, "<") {
				if !strings.Contains(types, "array") {
					t.Errorf("%s %s: multi-valued in the spec, type %q in the schema", urn, p, types)
				}
				continue
			}
			if want != "" && raw["enum"] == nil && !strings.Contains(types, want) && !(typ == "boolean" && strings.Contains(types, "boolean")) {
				t.Errorf("%s %s: type %s in the spec, %q in the schema", urn, p, typ, types)
			}
			if strings.Contains(allowed, "|") && !strings.Contains(allowed, "..") {
				enum := map[any]bool{}
				for _, e := range asList(raw["enum"]) {
					enum[e] = true
				}
				for _, val := range strings.Split(allowed, "|") {
					if !enum[val] {
						t.Errorf("%s %s: allowed value %q is not in the schema's enum", urn, p, val)
					}
				}
			}
		}
	}
	t.Logf("%d attributes checked against the spec", checked)
	if checked < 150 {
		t.Errorf("only %d attributes checked", checked)
	}
}

// attrLoc finds the schema of a dotted attribute of a UPS schema, going
// through arrays.
func attrLoc(ix *pathIndex, urn, attr string) (string, error) {
	loc := ix.urns[urn]
	for _, name := range strings.Split(attr, ".") {
		if items, ok := ix.items(loc); ok {
			loc = items
		}
		var err error
		if loc, err = ix.property(loc, name); err != nil {
			return "", err
		}
	}
	return loc, nil
}

// TestConcurrentUse validates from several goroutines at once (run with
// -race): convert validates on every core.
func TestConcurrentUse(t *testing.T) {
	def, strict := validators(t)
	bad := userDoc(2, "")
	bad["active"] = "yes"
	done := make(chan []Finding)
	for g := 0; g < 4; g++ {
		v := def
		if g%2 == 1 {
			v = strict
		}
		go func() {
			var fs []Finding
			for i := 0; i < 20; i++ {
				fs = v.Fast().ValidateUser(bad)
				_ = v.ValidateUser(bad)
			}
			done <- fs
		}()
	}
	for g := 0; g < 4; g++ {
		if fs := <-done; len(fs) != 1 || fs[0].Pointer != "/active" {
			t.Errorf("goroutine %d: %v", g, fs)
		}
	}
}

// TestValidatePlanLinesInOrder: a plan.jsonl long enough to be validated
// in several chunks reports its findings at their lines, in line order.
func TestValidatePlanLinesInOrder(t *testing.T) {
	head := `{"plan":"upsmigrate","version":2}` + "\n" + `{"file":1,"path":"a.csv"}` + "\n" +
		`{"site":1,"schema":"urn:ietf:params:scim:schemas:core:2.0:User","path":"title"}` + "\n"
	good := `{"emp":"E1","records":[[1,2]],"attrs":[[1,"x"]],"ops":[["bulk-0001.json",0,1,"POST","/Users","emp-E1"]]}`
	bad := map[int]string{5: `{"emp":"","records":[],"ops":[]}`, 2*planChunk + 7: `not json`, 3*planChunk + 1: `{"emp":"E2","creates":"yes","records":[],"ops":[]}`}
	plan := bytes.NewBufferString(head)
	const lines = 3*planChunk + 40
	for n := 4; n <= lines; n++ {
		if b, ok := bad[n]; ok {
			plan.WriteString(b)
		} else if n%50 == 0 {
			plan.WriteString("   ") // blank lines are skipped
		} else {
			plan.WriteString(good)
		}
		plan.WriteByte('\n')
	}
	v, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := v.ValidateBytes(KindPlan, plan.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, f := range fs {
		if !f.IsError() {
			t.Errorf("line %d: unexpected warning %v", f.Line, f)
			continue
		}
		if len(got) == 0 || got[len(got)-1] != f.Line {
			got = append(got, f.Line)
		}
	}
	want := []int{5, 2*planChunk + 7, 3*planChunk + 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("error lines %v, want %v", got, want)
	}
}
