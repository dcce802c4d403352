package report

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite golden files")

const fixture = "testdata/basic"

func load(t *testing.T) *Data {
	t.Helper()
	d, err := Load(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func render(t *testing.T, format string, d *Data) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(format, &b, d); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return b.Bytes()
}

// TestGolden renders each dry-run fixture, testdata/NAME, in every text
// format and compares it with testdata/NAME.FORMAT.
func TestGolden(t *testing.T) {
	for _, name := range []string{"basic", "atsubmit"} {
		d, err := Load(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{"html", "json", "md"} {
			t.Run(name+"."+format, func(t *testing.T) {
				got := render(t, format, d)
				golden := filepath.Join("testdata", name+"."+format)
				if *update {
					if err := os.WriteFile(golden, got, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s (run with -update to accept)", format, golden)
				}
			})
		}
	}
}

func TestSummaryAddsUp(t *testing.T) {
	d := load(t)
	s := d.Summary
	if s.Records != s.Converted+s.Skipped+s.Rejected {
		t.Errorf("records %d != %d + %d + %d", s.Records, s.Converted, s.Skipped, s.Rejected)
	}
	want := Summary{Records: 7, Converted: 5, Skipped: 1, Rejected: 1, Warnings: 5, Employees: 3, UsersCreated: 1,
		UsersUpdated: 1, Renames: 1, Operations: []int{1, 3, 1}, Requests: 3, RequestsPerPhase: []int{1, 1, 1}, Bytes: 2048, TraceRows: 13}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Errorf("summary\n got %+v\nwant %+v", s, want)
	}
	if len(d.Notes) != 0 {
		t.Errorf("notes on a consistent fixture: %q", d.Notes)
	}
	files := 0
	for _, f := range d.Files {
		if f.Records != f.Converted+f.Skipped+f.Rejected {
			t.Errorf("%s: %d records != %d + %d + %d", f.Path, f.Records, f.Converted, f.Skipped, f.Rejected)
		}
		files += f.Records
	}
	if files != s.Records {
		t.Errorf("files hold %d records, summary %d", files, s.Records)
	}
	if len(d.Operations) != s.OperationsTotal() {
		t.Errorf("%d operations listed, %d counted", len(d.Operations), s.OperationsTotal())
	}
	for _, op := range d.Operations {
		if op.Status != StatusNotSubmitted {
			t.Errorf("%s: status %q", op.Key, op.Status)
		}
	}
	if op := d.Operation("bulk-0001.json #0"); op == nil || op.Employee != "E9" || op.Phase != 0 {
		t.Errorf("rename operation: %+v", op)
	}
}

func traceRows(t *testing.T, d *Data) []TraceRow {
	t.Helper()
	var rows []TraceRow
	if err := d.Trace(func(r *TraceRow) error { rows = append(rows, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestTrace(t *testing.T) {
	d := load(t)
	rows := traceRows(t, d)
	if len(rows) != d.Summary.TraceRows {
		t.Fatalf("%d rows, summary says %d", len(rows), d.Summary.TraceRows)
	}
	find := func(path string) TraceRow {
		for _, r := range rows {
			if r.Path == path {
				return r
			}
		}
		t.Fatalf("no trace row for %s", path)
		return TraceRow{}
	}
	tests := []struct {
		path string
		want string // Source|Row|Schema|Value|Operation|Method|Phase|Status|OpStatus
	}{
		{"name.givenName", `in/feed.csv:2:2 (First Name)|mapping/tables/305.csv:3|core:2.0:User|Dana <&> "Q"|bulk-0002.json #0|POST|1|converted|not submitted`},
		{"active", `in/feed.csv:2:15 (Active)|mapping/tables/305.csv:16|core:2.0:User|true|bulk-0002.json #0|POST|1|converted|not submitted`},
		{"roles", `in/feed.csv:2:64 (Approver)|mapping/tables/305.csv:65|spend:2.0:Role|add EXP_APPROVER|bulk-0002.json #0|POST|1|converted|not submitted`},
		{"entitlements", `in/feed.csv:2:66 (Travel User)|mapping/tables/305.csv:67|core:2.0:User|remove Travel|bulk-0002.json #0|POST|1|converted|not submitted`},
		{`customData[id eq "custom2"].value`, `in/feed.csv:2:7 (Password)|mapping/tables/305.csv:8|spend:2.0:User|(withheld)|bulk-0002.json #0|POST|1|converted|not submitted`},
		{"reimbursementCurrency", `mapping/defaults.csv:5:value (default)|mapping/defaults.csv:5|spend:2.0:User|USD|bulk-0002.json #0|POST|1|converted|not submitted`},
		{"expense", `in/feed.csv:2:69 (Delegate ID)|mapping/tables/305.csv:70|spend:2.0:Delegate|E2|bulk-0003.json #0|PATCH|2|converted|not submitted`},
		{"expense[E2].canPrepare", `in/feed.csv:2:70 (Can Prepare)|mapping/tables/305.csv:71|spend:2.0:Delegate|true|bulk-0003.json #0|PATCH|2|converted|not submitted`},
		{"employeeNumber", `in/feed.csv:4:3 (New Employee ID)||enterprise:2.0:User|E2|bulk-0001.json #0|PATCH|0|converted|not submitted`},
		{"userName", `in/feed.csv:4:3 (New Employee ID)||core:2.0:User|e2@example.com|bulk-0001.json #0|PATCH|0|converted|not submitted`},
		{"department", `in/users.xml:24:Department|mapping/tables/v1.csv:12|enterprise:2.0:User|Finance|bulk-0002.json #2|PATCH|1|converted|not submitted`},
		{"report", `in/feed.csv:3:59 (Report approver)|mapping/tables/305.csv:60|spend:2.0:Approver|E1 (primary)|||2|converted|`},
	}
	for _, tt := range tests {
		r := find(tt.path)
		got := strings.Join([]string{r.Source, r.Row, r.Schema, r.Value, r.Operation, r.Method, fmt.Sprint(r.Phase), r.Status, r.OpStatus}, "|")
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.path, got, tt.want)
		}
	}
	if r := find("employeeNumber"); r.Employee != "E9 → E2" {
		t.Errorf("rename row employee %q", r.Employee)
	}

	// A journal fills the operation status; every row of it shows it.
	d.Operation("bulk-0002.json #0").Status = "completed"
	for _, r := range traceRows(t, d) {
		if r.Operation == "bulk-0002.json #0" && r.OpStatus != "completed" {
			t.Errorf("%s: operation status %q after the journal set it", r.Path, r.OpStatus)
		}
	}
}

// TestPasswordNeverShown checks every format for the fixture's password
// value.
func TestPasswordNeverShown(t *testing.T) {
	d := load(t)
	for _, format := range Formats() {
		out := render(t, format, d)
		if format == "xlsx" {
			out = xlsxText(t, out)
		}
		if bytes.Contains(out, []byte("S3cr3t")) {
			t.Errorf("%s shows the password value", format)
		}
		if !bytes.Contains(out, []byte(Withheld)) {
			t.Errorf("%s does not say the value was withheld", format)
		}
	}
}

// xlsxText returns every cell of every sheet, tab-separated.
func xlsxText(t *testing.T, b []byte) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			out.WriteString(name + "\t" + strings.Join(r, "\t") + "\n")
		}
	}
	return out.Bytes()
}

// htmlDoc is what TestHTML reads from a page: its table rows (cell texts),
// element ids and any reference to an external asset or a script.
type htmlDoc struct {
	rows     [][]string
	ids      map[string]bool
	external []string
}

// parseHTML reads an HTML page with encoding/xml in its HTML mode, failing
// on markup it cannot parse.
func parseHTML(b []byte) (*htmlDoc, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	doc := &htmlDoc{ids: map[string]bool{}}
	var row []string
	var cell *strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return doc, nil
		}
		if err != nil {
			return nil, err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			for _, a := range tok.Attr {
				switch {
				case a.Name.Local == "id":
					doc.ids[a.Value] = true
				case a.Name.Local == "src" || (a.Name.Local == "href" && !strings.HasPrefix(a.Value, "#")):
					doc.external = append(doc.external, a.Value)
				}
			}
			switch tok.Name.Local {
			case "script", "link", "img", "iframe":
				doc.external = append(doc.external, tok.Name.Local)
			case "tr":
				row = []string{}
			case "td", "th":
				cell = &strings.Builder{}
			}
		case xml.EndElement:
			switch tok.Name.Local {
			case "td", "th":
				if cell != nil {
					row = append(row, cell.String())
					cell = nil
				}
			case "tr":
				doc.rows = append(doc.rows, row)
			}
		case xml.CharData:
			if cell != nil {
				cell.Write(tok)
			}
		}
	}
}

func TestHTML(t *testing.T) {
	out := render(t, "html", load(t))
	doc, err := parseHTML(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"summary", "rejected", "warnings", "files", "trace"} {
		if !doc.ids[id] {
			t.Errorf("no section #%s", id)
		}
	}
	if len(doc.external) > 0 {
		t.Errorf("external assets or scripts: %q", doc.external)
	}
	want := strings.Join([]string{"E1", "in/feed.csv:2:2 (First Name)", "mapping/tables/305.csv:3", "core:2.0:User",
		"name.givenName", `Dana <&> "Q"`, "bulk-0002.json #0 POST, phase 1", "converted", "not submitted"}, "|")
	found := false
	for _, r := range doc.rows {
		if strings.Join(r, "|") == want {
			found = true
		}
	}
	if !found {
		t.Errorf("no trace row %s", want)
	}
	if i, j := bytes.Index(out, []byte(`id="rejected"`)), bytes.Index(out, []byte(`id="trace"`)); i < 0 || j < i {
		t.Error("rejected records do not come before the trace")
	}
	if !bytes.Contains(out, []byte("Approver | &lt;Flag&gt;")) {
		t.Error("rejection message not escaped")
	}
}

func unzip(t *testing.T, b []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := zr.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestXLSX(t *testing.T) {
	out := render(t, "xlsx", load(t))
	f, err := excelize.OpenReader(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), ","), "Summary,Files,Rejected,Warnings,Trace"; got != want {
		t.Errorf("sheets %s, want %s", got, want)
	}
	tests := []struct {
		sheet string
		rows  int // including the header
		cell  string
		want  string
	}{
		{"Summary", 18, "B3", "7"},
		{"Files", 3, "A3", "in/users.xml"},
		{"Rejected", 3, "G3", `want Y or N, got "maybe"`},
		{"Warnings", 6, "A6", "schema"},
		{"Trace", 14, "I2", `Dana <&> "Q"`},
		{"Trace", 14, "O2", StatusNotSubmitted},
	}
	for _, tt := range tests {
		rows, err := f.GetRows(tt.sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != tt.rows {
			t.Errorf("%s: %d rows, want %d", tt.sheet, len(rows), tt.rows)
		}
		if v, _ := f.GetCellValue(tt.sheet, tt.cell); v != tt.want {
			t.Errorf("%s!%s = %q, want %q", tt.sheet, tt.cell, v, tt.want)
		}
		panes, err := f.GetPanes(tt.sheet)
		if err != nil || !panes.Freeze || panes.YSplit != 1 {
			t.Errorf("%s: header not frozen: %+v %v", tt.sheet, panes, err)
		}
	}
	raw := string(unzip(t, out, "xl/worksheets/sheet5.xml"))
	if !strings.Contains(raw, `<autoFilter ref="$A$1:$O$14"`) {
		t.Errorf("Trace sheet has no autofilter over its rows")
	}
}

func TestLimits(t *testing.T) {
	d := load(t)
	d.Limits = Limits{HTMLTrace: 3, HTMLList: 1, MarkdownTrace: 2, MarkdownList: 1, XLSXRows: 5, XLSXTraceSheets: 2}

	h := string(render(t, "html", d))
	if n := strings.Count(h, "not submitted</td></tr>"); n != 3 {
		t.Errorf("HTML shows %d trace rows, want 3", n)
	}
	for _, note := range []string{"Showing the first 3 of 13 traced values", "Showing the first 1 of 5 warnings"} {
		if !strings.Contains(h, note) {
			t.Errorf("HTML lacks the note %q", note)
		}
	}
	md := string(render(t, "md", d))
	if !strings.Contains(md, "Showing the first 2 of 13 traced values; the XLSX and JSON reports hold them all.") {
		t.Error("Markdown lacks the trace note")
	}

	f, err := excelize.OpenReader(bytes.NewReader(render(t, "xlsx", d)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), ","), "Summary,Files,Rejected,Warnings,Trace,Trace 2"; got != want {
		t.Errorf("sheets %s, want %s", got, want)
	}
	for _, name := range []string{"Trace", "Trace 2"} {
		if rows, _ := f.GetRows(name); len(rows) != 6 {
			t.Errorf("%s: %d rows, want 6", name, len(rows))
		}
	}
	notes, _ := f.GetCols("Summary")
	all := strings.Join(notes[1], "\n")
	for _, note := range []string{"first 10 of 13 traced values (2 sheets of 5 rows)"} {
		if !strings.Contains(all, note) {
			t.Errorf("Summary lacks the note %q:\n%s", note, all)
		}
	}

	// Enough trace sheets: 13 rows over 3 sheets, nothing cut.
	d.Limits.XLSXTraceSheets = 3
	f2, err := excelize.OpenReader(bytes.NewReader(render(t, "xlsx", d)))
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if rows, _ := f2.GetRows("Trace 3"); len(rows) != 4 {
		t.Errorf("Trace 3: %d rows, want 4", len(rows))
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	err := Write("pdf", &bytes.Buffer{}, load(t))
	if err == nil {
		t.Fatal("no error for format pdf")
	}
	for _, f := range append(Formats(), "pdf") {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name %s", err, f)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	rep, err := os.ReadFile(filepath.Join(fixture, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := os.ReadFile(filepath.Join(fixture, "plan.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(plan), "\n")
	e1 := 0 // the line of E1, after the dictionary it uses
	for !strings.HasPrefix(lines[e1], `{"emp":"E1"`) {
		e1++
	}
	head := strings.Join(lines[:e1+1], "")
	tests := []struct {
		name   string
		report string
		plan   string
		want   string
	}{
		{"bad JSON on plan line 3", string(rep), lines[0] + lines[1] + "{\"emp\": \"X\",\n" + lines[3], "plan.jsonl:3:13: "},
		{"wrong type on plan line 2", string(rep), lines[0] + `{"emp":"E2","attrs":{}}` + "\n", "plan.jsonl:2:21: "},
		{"no employee", string(rep), lines[0] + `{"emp":"","records":[]}`, "plan.jsonl:2:8: an employee without an ID"},
		{"the format before version 2", string(rep), `{"employeeId":"E1","creates":true,"records":[]}` + "\n", "plan.jsonl:1: written by an older upsmigrate (no format header); this upsmigrate reads plan format 2: run 'upsmigrate convert' again"},
		{"no header", string(rep), lines[1], "plan.jsonl:1: no format header; this upsmigrate reads plan format 2"},
		{"bad line after many batches", string(rep), head + strings.Repeat(lines[e1], 3*planBatchLines+10) + "\n" + `{"emp":7}` + "\n" + strings.Repeat(lines[e1], 600),
			fmt.Sprintf("plan.jsonl:%d:8: ", e1+3*planBatchLines+13)},
		{"report syntax", "{\n  \"totals\": {\n    \"records\": 1,,\n", string(plan), "report.json:3: "},
		{"report type", "{\n\"records\": [\n{\"status\": 5}]}\n", string(plan), "report.json:3: "},
		{"no report", "", string(plan), "report.json: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.report != "" {
				os.WriteFile(filepath.Join(dir, "report.json"), []byte(tt.report), 0o644)
			}
			os.WriteFile(filepath.Join(dir, "plan.jsonl"), []byte(tt.plan), 0o644)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// TestJSONDocument checks that the JSON report is one valid document whose
// trace matches the rows Trace yields.
func TestJSONDocument(t *testing.T) {
	d := load(t)
	var doc struct {
		Summary Summary    `json:"summary"`
		Trace   []TraceRow `json:"trace"`
	}
	if err := json.Unmarshal(render(t, "json", d), &doc); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(doc.Trace) != fmt.Sprint(traceRows(t, d)) || doc.Summary.Records != 7 {
		t.Errorf("JSON document does not round-trip: %d rows", len(doc.Trace))
	}
}
