package report

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	planfmt "github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

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

func allWarnings(t *testing.T, d *Data) []Warning {
	t.Helper()
	var out []Warning
	must(t, d.EachWarning(func(w *Warning) error { out = append(out, *w); return nil }))
	return out
}

func allOps(t *testing.T, d *Data) []Operation {
	t.Helper()
	var out []Operation
	must(t, d.EachOperation(func(o *Operation) error { out = append(out, *o); return nil }))
	return out
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
				golden.Check(t, filepath.Join("testdata", name+"."+format), got)
			})
		}
	}
}

func TestSummaryAddsUp(t *testing.T) {
	d := load(t)
	must(t, d.Count())
	s := d.Summary
	if s.Records != s.Converted+s.Skipped+s.Rejected {
		t.Errorf("records %d != %d + %d + %d", s.Records, s.Converted, s.Skipped, s.Rejected)
	}
	want := Summary{Records: 7, Converted: 5, Skipped: 1, Rejected: 1, Warnings: 7, Employees: 3, UsersCreated: 1,
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
	if n := len(allWarnings(t, d)); n != s.Warnings {
		t.Errorf("%d warnings listed, %d counted", n, s.Warnings)
	}
	ops := allOps(t, d)
	if len(ops) != s.OperationsTotal() {
		t.Errorf("%d operations listed, %d counted", len(ops), s.OperationsTotal())
	}
	for _, op := range ops {
		if op.Status != StatusNotSubmitted {
			t.Errorf("%s: status %q", op.Key, op.Status)
		}
		if op.Key == "bulk-0001.json #0" && (op.Employee != "E9" || op.Phase != 0) {
			t.Errorf("rename operation: %+v", op)
		}
	}
}

func traceRows(t *testing.T, d *Data) []TraceRow {
	t.Helper()
	var rows []TraceRow
	if err := d.Trace(func(r *TraceRow) error { c := *r; c.record = model.Position{}; rows = append(rows, c); return nil }); err != nil {
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

// parseHTML reads an HTML page with an HTML5 parser (golang.org/x/net/html,
// as a browser builds its tree: a cell or row without an end tag ends
// where the next begins).
func parseHTML(b []byte) (*htmlDoc, error) {
	root, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	doc := &htmlDoc{ids: map[string]bool{}}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				switch {
				case a.Key == "id":
					doc.ids[a.Val] = true
				case a.Key == "src" || (a.Key == "href" && !strings.HasPrefix(a.Val, "#")):
					doc.external = append(doc.external, a.Val)
				}
			}
			switch n.Data {
			case "link", "img", "iframe", "object", "embed":
				doc.external = append(doc.external, n.Data)
			case "tr":
				row := []string{}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
						row = append(row, strings.TrimSpace(nodeText(c)))
					}
				}
				doc.rows = append(doc.rows, row)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return doc, nil
}

// nodeText is the text of n and everything in it.
func nodeText(n *html.Node) string {
	var sb strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return sb.String()
}

func TestHTML(t *testing.T) {
	out := render(t, "html", load(t))
	doc, err := parseHTML(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"audit", "summary", "lost", "rejected", "warnings", "files", "employees", "find",
		"emp-E1", "emp-E2", "emp-L1", "emp-E3"} {
		if !doc.ids[id] {
			t.Errorf("no element #%s", id)
		}
	}
	if len(doc.external) > 0 {
		t.Errorf("external assets or links: %q", doc.external)
	}
	rows := map[string]bool{}
	for _, r := range doc.rows {
		rows[strings.Join(r, "|")] = true
	}
	for _, want := range []string{
		// a value with its lineage, in E1's section
		`2 (First Name)|mapping/tables/305.csv:3|core:2.0:User name.givenName|Dana <&> "Q"|bulk-0002.json #0`,
		// the section's record and operations
		"in/feed.csv:2|305|converted",
		"bulk-0002.json #0|1|POST|/Users|not submitted",
		// a value from no field of its record: its whole source
		"mapping/defaults.csv:5:value (default)|mapping/defaults.csv:5|spend:2.0:User reimbursementCurrency|USD|bulk-0002.json #0",
		// the audit header
		"in/feed.csv|concur|1234|2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
		"v1|client/mapping/v1.csv|override|40|bbbb000000000000000000000000000000000000000000000000000000000003",
		"Company|053c9338-bf2a-49cd-9035-c1f97be858b0",
		"Converted by|upsmigrate v1.4.0+0123456789ab",
	} {
		if !rows[want] {
			t.Errorf("no row %s", want)
		}
	}
	for _, want := range []string{
		// the table note instead of a pointer to it
		"dropping it would change the record&#39;s meaning (table note: UPS role assignments have no segments: dropping the segment would give the role for every segment)",
		// a link from a list to the employee's section
		`<a href="#emp-L1">L1</a>`,
		"Approver | &lt;Flag&gt;",
		"overridden: v1 (",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("HTML lacks %s", want)
		}
	}
	if bytes.Contains(out, []byte("see the table note")) {
		t.Error("a message still points at the table note")
	}
	if bytes.Contains(out, []byte("break-all")) || bytes.Contains(out, []byte("overflow-wrap: anywhere")) {
		t.Error("the style breaks tokens anywhere")
	}
	if i, j := bytes.Index(out, []byte(`id="rejected"`)), bytes.Index(out, []byte(`id="employees"`)); i < 0 || j < i {
		t.Error("rejected records do not come before the employees")
	}
}

// TestLost: what the customer loses, per field, with the reason: the
// mapping row's lost column when the audit has it, the table note where a
// message pointed to it.
func TestLost(t *testing.T) {
	d := load(t)
	var got []string
	for _, l := range d.Lost {
		got = append(got, strings.Join([]string{l.Kind, l.Table, l.Field, l.Target, fmt.Sprint(l.Values), l.Reason,
			fmt.Sprint(l.Examples)}, "|"))
	}
	want := []string{
		"password|305|7 (Password)||1|UPS has no password attribute; the value is never written|[{E1 in/feed.csv:2:7 (Password)}]",
		"not supported|305|66 (Integration Administrator)||1|the user will not get role SHD_IMPORT_EXTRACT_ADMIN (Import/Extract Administrator): grant it in Concur|[{E1 in/feed.csv:2:66 (Integration Administrator)}]",
		"record refused|400|4 (Segment 1)||1|a value here cannot be carried to UPS and dropping it would change the record's meaning (table note: UPS role assignments have no segments: dropping the segment would give the role for every segment)|[{E3 in/feed.csv:5:4 (Segment 1)}]",
		"value UPS cannot hold|v1|StateProvince|spend:2.0:User stateProvince|1|is 6 characters long, over the maximum of 2|[{L1 in/users.xml:9:StateProvince}]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lost:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if d.LostValues() != 4 {
		t.Errorf("%d values lost, want 4", d.LostValues())
	}
}

// TestClassify: the messages of convert that say data does not reach UPS,
// by kind.
func TestClassify(t *testing.T) {
	tests := []struct {
		msg, kind, target, reason string
	}{
		{"a password value was present and dropped: UPS has no password attribute (the value is never written)", LostPassword, "", "UPS has no password attribute; the value is never written"},
		{"Y for Integration Administrator: not supported by UPS, the user will not get role X", LostUnsupported, "", "the user will not get role X"},
		{"Custom 1: not supported by UPS, the value is dropped", LostUnsupported, "", "the value is dropped"},
		{"UPS cannot hold this value (spend:2.0:User stateProvince: is 3 characters long, over the maximum of 2): value dropped, the rest of the record is sent",
			LostValue, "spend:2.0:User stateProvince", "is 3 characters long, over the maximum of 2"},
		{"value is 40 characters long; at most 32 allowed: value dropped", LostTooLong, "", "at most 32 allowed characters (the mapping table's max_length)"},
		{`element "Foo" has no row in mapping table mapping/tables/v1.csv: value dropped`, LostNoRow, "", "no mapping table row maps it"},
		{"phone extension without the phone number in the same record: dropped", LostDropped, "", "phone extension without the phone number in the same record: dropped"},
		{"travel extension left out of new user E2: UPS requires ruleClass with it and no input gives one (the extension was started by this 350 record, field 7)",
			LostExtension, "travel", "UPS requires ruleClass with it and no input gives one"},
		{"spend extension left out of new user E4: UPS requires reimbursementCurrency with it and no input gives one; --default 'spend:2.0:User:reimbursementCurrency=<value>' supplies it",
			LostExtension, "spend", "UPS requires reimbursementCurrency with it and no input gives one"},
		{"spend extension left out of new user E3: UPS requires locale and reimbursementCurrency with it and no input gives them (this 305 record starts it: fields 9 (Locale Code), 10 (Country Code) and 3 more). To send it, give them to every new user: --default 'spend:2.0:User:locale=<value>' --default 'spend:2.0:User:reimbursementCurrency=<value>', or defaults.csv rows",
			LostExtension, "spend", "UPS requires locale and reimbursementCurrency with it and no input gives them"},
		{"N for Can Temporarily Approve Reports: the delegate gets no temporaryDelegation, so field 9 is ignored", "", "", ""},
		{"employee C1011 is created and renamed from E1011 in this run", "", "", ""},
	}
	for _, tt := range tests {
		kind, target, reason, ok := classify(tt.msg)
		if ok != (tt.kind != "") || kind != tt.kind || target != tt.target || reason != tt.reason {
			t.Errorf("%q:\n got %q %q %q %t\nwant %q %q %q", tt.msg, kind, target, reason, ok, tt.kind, tt.target, tt.reason)
		}
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
	if got, want := strings.Join(f.GetSheetList(), ","), "Summary,Users,Lineage,Warnings,Rejected,Unsupported,Files"; got != want {
		t.Errorf("sheets %s, want %s", got, want)
	}
	tests := []struct {
		sheet string
		rows  int // including the header
		cell  string
		want  string
	}{
		{"Summary", 29, "B1", "Value"},
		{"Users", 5, "A2", "E1"},
		{"Users", 5, "B2", `Dana <&> "Q"`},
		{"Users", 5, "D2", "create"},
		{"Users", 5, "L2", StatusNotSubmitted},
		{"Users", 5, "A5", "E3"},
		{"Users", 5, "L5", "rejected"},
		{"Lineage", 6, "A2", "E1"},
		{"Lineage", 6, "B2", "in/feed.csv:2"},
		{"Lineage", 6, "E2", "bulk-0002.json #0 POST\nbulk-0003.json #0 PATCH"},
		{"Warnings", 8, "A7", "schema"},
		{"Warnings", 8, "A8", "plan"},
		{"Rejected", 3, "G3", `want Y or N, got "maybe"`},
		{"Unsupported", 5, "C2", LostPassword},
		{"Unsupported", 5, "F3", "the user will not get role SHD_IMPORT_EXTRACT_ADMIN (Import/Extract Administrator): grant it in Concur"},
		{"Files", 3, "I2", "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"},
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
	// Every sheet has an autofilter over its rows.
	for i, name := range f.GetSheetList() {
		rows, _ := f.GetRows(name)
		cols := 0
		for _, r := range rows {
			cols = max(cols, len(r))
		}
		raw := string(unzip(t, out, fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1)))
		if !strings.Contains(raw, fmt.Sprintf(`<autoFilter ref="$A$1:$%s$%d"`, colName(cols), len(rows))) {
			t.Errorf("%s has no autofilter over its %d rows and %d columns", name, len(rows), cols)
		}
	}
	// Lineage: a column per mapping row, a cell per value.
	lin, _ := f.GetRows("Lineage")
	col := -1
	for i, h := range lin[0] {
		if strings.HasPrefix(h, "2 (First Name)\n→ core:2.0:User name.givenName\nmapping/tables/305.csv:3") {
			col = i
		}
	}
	if col < 0 || lin[1][col] != `Dana <&> "Q"` {
		t.Errorf("Lineage has no column for 305 field 2 with E1's value: %q", lin[0])
	}
	text := string(xlsxText(t, out))
	for _, want := range []string{"Lineage\tE1\tin/feed.csv:2\t305\tconverted", "USD (mapping/defaults.csv:5:value (default))",
		"Summary\tMapping tables\toverridden: v1 (client/mapping/v1.csv), defaults (mapping/defaults.csv); the others embedded, sha256 8b5b9db0"} {
		if !strings.Contains(text, want) {
			t.Errorf("workbook lacks %q", want)
		}
	}
}

func colName(n int) string {
	name, _ := excelize.ColumnNumberToName(n)
	return name
}

// TestXLSXNoFormula: no value becomes a formula, whatever it starts with.
func TestXLSXNoFormula(t *testing.T) {
	dir := runDir(t)
	values := []string{"=1+2", "@SUM(A1)", "+1-2", "-3+4", "=HYPERLINK(\"http://x\")", "\t=1"}
	var plan bytes.Buffer
	pw := planfmt.NewWriter(&plan, [planfmt.Phases]int{1, 1, 0})
	for i, v := range values {
		src := model.Source{File: "in/feed.csv", Line: i + 2, Field: "9", Name: "=Name"}
		cs := &model.ChangeSet{EmployeeID: fmt.Sprintf("F%d", i), Creates: true,
			Attrs:   []model.Attr{model.NewAttr(model.SchemaCore, "title", v, src, "mapping/tables/305.csv:10")},
			Records: []model.Position{{File: "in/feed.csv", Line: i + 2}}}
		must(t, pw.Write(cs, []planfmt.OpRef{{Bulk: "bulk-0002.json", Index: i, Phase: 1, Method: "POST", Path: "/Users"}}))
	}
	must(t, pw.Flush())
	must(t, os.WriteFile(filepath.Join(dir, "plan.jsonl"), plan.Bytes(), 0o600))
	d, err := Load(dir)
	must(t, err)
	out := render(t, "xlsx", d)
	f, err := excelize.OpenReader(bytes.NewReader(out))
	must(t, err)
	defer f.Close()
	seen := map[string]bool{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		must(t, err)
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if formula, err := f.GetCellFormula(name, cell); err != nil || formula != "" {
					t.Errorf("%s!%s %q is a formula %q (%v)", name, cell, v, formula, err)
				}
				seen[v] = true
			}
		}
	}
	for _, v := range values {
		if !seen[v] {
			t.Errorf("value %q is not in the workbook as it is", v)
		}
	}
	for i := 1; i <= len(f.GetSheetList()); i++ {
		if raw := unzip(t, out, fmt.Sprintf("xl/worksheets/sheet%d.xml", i)); bytes.Contains(raw, []byte("<f>")) || bytes.Contains(raw, []byte("<f ")) {
			t.Errorf("sheet%d.xml holds a formula", i)
		}
	}
}

func TestLimits(t *testing.T) {
	d := load(t)
	d.Limits = Limits{XLSXRows: 2}
	out := render(t, "xlsx", d)
	f, err := excelize.OpenReader(bytes.NewReader(out))
	must(t, err)
	defer f.Close()
	// 7 warnings over 2-row sheets: Warnings … Warnings 4, every row kept.
	var got []string
	n := 0
	for _, name := range f.GetSheetList() {
		if strings.HasPrefix(name, "Warnings") {
			got = append(got, name)
			rows, _ := f.GetRows(name)
			n += len(rows) - 1
			if rows[0][0] != "Origin" {
				t.Errorf("%s has no header: %q", name, rows[0])
			}
		}
	}
	if strings.Join(got, ",") != "Warnings,Warnings 2,Warnings 3,Warnings 4" || n != 7 {
		t.Errorf("warning sheets %q hold %d rows, want 4 sheets and 7 rows", got, n)
	}
	if text := string(xlsxText(t, out)); !strings.Contains(text, "Warnings continues over 4 sheets (7 rows; Excel holds 2 per sheet).") {
		t.Error("Summary does not note the continued sheets")
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
	tests := []struct {
		name   string
		report string
		plan   string
		want   string
	}{
		{"bad JSON on plan line 3", string(rep), lines[0] + lines[1] + "{\"emp\": \"X\",\n" + lines[3], "plan.jsonl:3"},
		{"a plan of the old format", string(rep), `{"employeeId":"E2","attrs":[]}` + "\n", "plan.jsonl:1"},
		{"an undefined site", string(rep), lines[0] + `{"emp":"E9","records":null,"attrs":[[999,"x"]],"ops":[]}` + "\n", "plan.jsonl:2"},
		{"report syntax", "{\n  \"totals\": {\n    \"records\": 1,,\n", string(plan), "report.json:3: "},
		{"report type", "{\n\"records\": [\n{\"status\": 5}]}\n", string(plan), "report.json:3: "},
		{"records not a list", "{\n\"records\": {}}\n", string(plan), "report.json:2: "},
		{"no report", "", string(plan), "report.json: no such file"},
		{"no plan", string(rep), "", "plan.jsonl: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.report != "" {
				os.WriteFile(filepath.Join(dir, "report.json"), []byte(tt.report), 0o644)
			}
			if tt.plan != "" {
				os.WriteFile(filepath.Join(dir, "plan.jsonl"), []byte(tt.plan), 0o644)
			}
			d, err := Load(dir)
			if err == nil {
				err = d.Count() // the plan is read by the first walk
			}
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

// TestLostFromSamples converts the samples with pipeline.Convert and
// checks that what convert says UPS cannot hold is counted as lost, per
// field, with a reason: the messages the classifier reads are the ones
// convert writes today.
func TestLostFromSamples(t *testing.T) {
	t.Chdir("../..")
	var files []string
	for _, glob := range []string{"samples/concur/*.csv", "samples/legacy/*.xml", "samples/legacy/*.json"} {
		m, err := filepath.Glob(glob)
		must(t, err)
		files = append(files, m...)
	}
	res, err := pipeline.Convert(files, pipeline.Options{Options: plan.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"}})
	must(t, err)
	out := filepath.Join(t.TempDir(), "out")
	must(t, res.Write(out))
	d, err := Load(out)
	must(t, err)
	defer d.Close()
	kinds := map[string]int{}
	for _, l := range d.Lost {
		kinds[l.Kind] += l.Values
		if l.Reason == "" || strings.Contains(l.Reason, tableNotePhrase) || l.Field == "" && l.Kind != LostExtension {
			t.Errorf("lost %+v: no reason or no field", l)
		}
		if l.Table == "" {
			t.Errorf("lost %+v: no table", l)
		}
	}
	for _, kind := range []string{LostPassword, LostUnsupported, LostValue, LostRefused} {
		if kinds[kind] == 0 {
			t.Errorf("the samples lose no value of kind %q: %v", kind, kinds)
		}
	}
	// Every warning of those kinds is counted, none twice.
	n := 0
	for _, w := range allWarnings(t, d) {
		if _, _, _, ok := classify(w.Message); ok && w.Origin == OriginRecord {
			n++
		}
	}
	if got := d.LostValues() - kinds[LostRefused]; got != n {
		t.Errorf("%d values lost by warnings, %d such warnings", got, n)
	}
	// The audit names every input with its hash and the embedded tables.
	if len(d.Audit.Inputs) != len(files) || d.Audit.MappingSHA256 == "" || len(d.Audit.Mapping) < 10 {
		t.Errorf("audit %+v", d.Audit)
	}
	for _, in := range d.Audit.Inputs {
		if len(in.SHA256) != 64 || in.Bytes == 0 {
			t.Errorf("input %+v without its hash", in)
		}
	}
}
