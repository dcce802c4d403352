package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/jsonw"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// sampleRecords are record results of every shape AppendJSON writes.
func sampleRecords() []model.RecordResult {
	src := model.Source{File: "in/feed.csv", Line: 3, Field: "25", Name: "Custom 4"}
	return []model.RecordResult{
		{Pos: model.Position{File: "in/feed.csv", Line: 1}, Format: "concur", Type: "100", Status: model.StatusSkipped,
			Messages: []model.Diagnostic{{Severity: model.SevInfo, Source: model.Source{File: "in/feed.csv", Line: 1}, Message: "import settings"}}},
		{Pos: model.Position{File: "in/feed.csv", Line: 2}, Format: "concur", Type: "305", EmployeeID: "E1", Status: model.StatusConverted},
		{Pos: model.Position{File: "in/min.json", Line: 1, Item: 4}, Format: "users-v3", Type: "user", EmployeeID: "Zoë Ørsted", Status: model.StatusRejected,
			Messages: []model.Diagnostic{
				{Severity: model.SevError, Source: model.Source{File: "in/min.json", Line: 1, Item: 4, Field: "x"}, Row: "mapping/tables/v3.csv:2", Message: "élan vital"},
				{Severity: model.SevWarning, Source: src, Row: "mapping/tables/305.csv:26", Message: `a "quoted" value <b> & \ backslash`},
				{Severity: model.SevWarning, Source: model.Source{File: "in/feed.csv", Line: 3, Name: "only a name"}, Message: "tab\there\nline"},
			}},
		{Pos: model.Position{File: "", Line: 0}, Format: "", Type: "", Status: ""},
		{Pos: model.Position{File: "in/bad\xffutf8.csv", Line: 7}, Format: "concur", Type: "305", Status: model.StatusConverted},
	}
}

// TestParseRecordSame: every record AppendJSON writes decodes as
// encoding/json decodes it, by parseRecord where it takes the bytes, and
// it takes those of valid UTF-8, escaped or not.
func TestParseRecordSame(t *testing.T) {
	in := interner{}
	taken := 0
	for i, r := range sampleRecords() {
		for _, html := range []bool{false, true} {
			b := r.AppendJSON(nil)
			if html {
				b = jsonw.EscapeHTML(b, 0)
			}
			var want, got jsonRecord
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatalf("record %d: %v", i, err)
			}
			for k, m := range want.Messages { // a source without a file is of the record's
				if s := r.Messages[k].Source; m.Source.File != s.File || m.Source.Line != s.Line || m.Source.Field != s.Field {
					t.Errorf("record %d message %d: %s read as source %+v, want %v", i, k, b, m.Source, s)
				}
			}
			if !parseRecord(b, &got, &in) {
				if !strings.Contains(string(b), "\xff") {
					t.Errorf("record %d: %s not taken", i, b)
				}
				continue
			}
			taken++
			if !reflect.DeepEqual(got, want) {
				t.Errorf("record %d: %s\nparsed   %+v\nencoding %+v", i, b, got, want)
			}
		}
	}
	if taken < 8 {
		t.Errorf("parseRecord took %d records, want all but the invalid UTF-8", taken)
	}
	// Escapes as encoding/json reads them; what it reads otherwise than
	// plainly (surrogates, invalid escapes) is left to it.
	for _, c := range []struct {
		msg   string
		taken bool
	}{
		{`give \u003cvalue\u003e \u0026 \"this\" \\ \/ \b\f\n\r\t \u00e9\u00C9`, true},
		{`a pair \ud83d\ude00`, false},
		{`a lone \ud83d`, false},
		{`bad \x41`, false},
		{`short \u00e`, false},
	} {
		b := []byte(`{"pos":{"file":"a","line":1},"format":"f","type":"t","status":"s","messages":[{"severity":"warning","source":{"file":"a","line":1},"message":"` + c.msg + `"}]}`)
		var got, want jsonRecord
		ok := parseRecord(b, &got, &in)
		if ok != c.taken {
			t.Errorf("%s: taken %t, want %t", c.msg, ok, c.taken)
		}
		if err := json.Unmarshal(b, &want); ok && (err != nil || !reflect.DeepEqual(got, want)) {
			t.Errorf("%s\nparsed   %+v\nencoding %+v (%v)", c.msg, got, want, err)
		}
	}
	for _, b := range []string{
		`{"pos":{"file":"a","line":01},"format":"f","type":"t","status":"s"}`, // not JSON
		`{"pos":{"file":"a","line":1.5},"format":"f","type":"t","status":"s"}`,
		`{"pos":{"file":"a","line":-1},"format":"f","type":"t","status":"s"}`,
		`{"pos":{"file":"a","line":1},"format":"f","type":"t","status":"s"} `,
		`{"pos":{"file":"a","line":1},"type":"t","format":"f","status":"s"}`, // another order
		`{"Pos":{"file":"a","line":1},"format":"f","type":"t","status":"s"}`,
		`{"pos":{"file":"a","line":1},"format":"f","type":"t","status":"s","messages":[]}`,
		`{"pos":{"file":"a","line":1234567890123456},"format":"f","type":"t","status":"s"}`,
	} {
		var r jsonRecord
		if parseRecord([]byte(b), &r, &in) {
			t.Errorf("%s taken, want it left to encoding/json", b)
		}
	}
}

// FuzzParseRecord: whatever parseRecord takes, encoding/json decodes the
// same.
func FuzzParseRecord(f *testing.F) {
	for _, r := range sampleRecords() {
		f.Add(r.AppendJSON(nil))
		f.Add(jsonw.EscapeHTML(r.AppendJSON(nil), 0))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var got jsonRecord
		in := interner{}
		if !parseRecord(b, &got, &in) {
			return
		}
		var want jsonRecord
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatalf("%q taken, but encoding/json: %v", b, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q\nparsed   %+v\nencoding %+v", b, got, want)
		}
	})
}

// convertSamples converts the samples into a run directory.
func convertSamples(t *testing.T) string {
	t.Helper()
	var files []string
	for _, glob := range []string{"samples/concur/*.csv", "samples/legacy/*.xml", "samples/legacy/*.json"} {
		m, err := filepath.Glob(filepath.Join("..", "..", glob))
		must(t, err)
		files = append(files, m...)
	}
	res, err := pipeline.Convert(files, pipeline.Options{Options: plan.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"}})
	must(t, err)
	out := filepath.Join(t.TempDir(), "out")
	must(t, res.Write(out))
	return out
}

// TestRecordsFastSame: a report.json as convert writes it has its records
// read apart (findRecords), and every report reads the same as when
// encoding/json reads the whole file.
func TestRecordsFastSame(t *testing.T) {
	dir := convertSamples(t)
	f, err := os.Open(filepath.Join(dir, "report.json"))
	must(t, err)
	cut, ok, err := findRecords(f)
	f.Close()
	must(t, err)
	if !ok {
		t.Fatal("the records of convert's report.json are not found")
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	must(t, err)
	if !bytes.HasPrefix(b[cut.start:], []byte("[\n{")) || !bytes.HasSuffix(b[:cut.end], []byte("}\n  ]")) {
		t.Errorf("records cut at %d..%d: %.20q … %.20q", cut.start, cut.end, b[cut.start:], b[max(0, cut.end-20):cut.end])
	}
	out := map[bool]map[string][]byte{}
	for _, fast := range []bool{true, false} {
		d, err := loadDir(dir, fast) // fast: no second reading
		must(t, err)
		out[fast] = map[string][]byte{}
		for _, format := range []string{"json", "md", "html"} {
			out[fast][format] = render(t, format, d)
		}
		d.Close()
	}
	for format, want := range out[false] {
		if got := out[true][format]; !bytes.Equal(got, want) {
			t.Errorf("%s: the records read apart give another report (%d bytes, %d)", format, len(got), len(want))
		}
	}
}

// TestRecordsFastErrors: a damaged record is reported at its line, read
// apart or not.
func TestRecordsFastErrors(t *testing.T) {
	dir := convertSamples(t)
	path := filepath.Join(dir, "report.json")
	b, err := os.ReadFile(path)
	must(t, err)
	lines := strings.Split(string(b), "\n")
	at := -1
	for i, l := range lines {
		if strings.HasPrefix(l, `{"pos":`) {
			at = i + 3 // the fourth record
			break
		}
	}
	if at < 0 || !strings.HasPrefix(lines[at], `{"pos":`) {
		t.Fatal("no record lines")
	}
	lines[at] = strings.Replace(lines[at], `"line":`, `"line":"x`, 1)
	must(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o600))
	saved := recordsFast
	defer func() { recordsFast = saved }()
	for _, fast := range []bool{true, false} {
		recordsFast = fast
		_, err := Load(dir)
		if want := "report.json:" + strconv.Itoa(at+1) + ":"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("fast %v: error %v, want it at %q", fast, err, want)
		}
	}
}

func TestContainsPair(t *testing.T) {
	list := []string{"bulk-0001.json #2 POST", "bulk-0002.json #0 PATCH"}
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"bulk-0001.json #2", "POST", true},
		{"bulk-0002.json #0", "PATCH", true},
		{"bulk-0001.json #2", "PATCH", false},
		{"bulk-0001.json", "#2 POST", true}, // as contains(list, a+" "+b) says
		{"bulk-0001.json #2 POST", "", false},
		{"", "", false},
	} {
		if got := containsPair(list, tc.a, tc.b); got != tc.want || got != contains(list, tc.a+" "+tc.b) {
			t.Errorf("containsPair(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
