package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// atSubmitFixture is the output of convert without --directory on
// atSubmitFeed: TestAtSubmitFromConvert writes it (go test -update).
const atSubmitFixture = "testdata/atsubmit"

// atSubmitFeed: E1 (created) names report approver E9 and expense delegate
// E7, neither in the run; a 350 updates E5, whom the run does not create;
// E2 is created, and its 350 gives a travel value without the rule class
// UPS requires with the travel extension, which is left out of E2.
var atSubmitFeed = strings.Join([]string{
	"305,Ada,,Lovelace,E1,ada@example.com,,ada@example.com,en_US,US,,L1,USD,,Y" + strings.Repeat(",", 44) + "E9",
	"350,E5,,,,,,,,Countess",
	"305,Bob,,Babbage,E2,bob@example.com,,bob@example.com,en_GB,GB,,L1,GBP,,Y",
	"350,E2,,,,,F",
	"500,E1,E7,EXP,Y,Y,N,N,,,Y",
}, "\n") + "\n"

// The employees the fixture leaves to submit, as Employee|What|Source.
var wantAtSubmit = []string{
	"E9|report approver of E1|in/feed.csv:1:59 (Employee ID of the expense report approver)",
	"E7|expense delegate of E1|in/feed.csv:5:3 (Delegate ID)",
	"E5|update (not created by this run)|in/feed.csv:2",
}

func atSubmitRows(d *Data) []string {
	var out []string
	for _, a := range d.AtSubmit {
		out = append(out, a.Employee+"|"+a.What()+"|"+a.Source)
	}
	return out
}

func loadAtSubmit(t *testing.T) *Data {
	t.Helper()
	d, err := Load(atSubmitFixture)
	must(t, err)
	return d
}

// checkAtSubmit checks what Load makes of the fixture's report.json and
// plan.jsonl.
func checkAtSubmit(t *testing.T, d *Data) {
	t.Helper()
	if got, want := strings.Join(atSubmitRows(d), "\n"), strings.Join(wantAtSubmit, "\n"); got != want {
		t.Errorf("resolved at submit:\n%s\nwant\n%s", got, want)
	}
	if d.Summary.AtSubmit != len(wantAtSubmit) {
		t.Errorf("summary counts %d resolved at submit", d.Summary.AtSubmit)
	}
	if got := d.Summary.LeftOutText(); got != "travel 1" {
		t.Errorf("left out %q, want travel 1", got)
	}
	if len(d.Notes) != 0 {
		t.Errorf("notes %q", d.Notes)
	}
	left := 0
	for _, r := range traceRows(t, d) {
		if r.LeftOut {
			left++
			if r.Employee != "E2" || r.Schema != "travel:2.0:User" || r.Path != "gender" {
				t.Errorf("left out: %+v", r)
			}
		}
	}
	if left != 1 {
		t.Errorf("%d trace rows left out, want 1 (E2's gender)", left)
	}
}

// TestAtSubmitFromConvert converts atSubmitFeed with pipeline.Convert, as
// convert does without --directory, and checks what the report makes of
// it; with -update it writes the result to testdata/atsubmit.
func TestAtSubmitFromConvert(t *testing.T) {
	fixture, err := filepath.Abs(atSubmitFixture)
	must(t, err)
	t.Chdir(t.TempDir())
	must(t, os.MkdirAll("in", 0o755))
	must(t, os.WriteFile("in/feed.csv", []byte(atSubmitFeed), 0o644))
	res, err := pipeline.Convert([]string{"in/feed.csv"}, pipeline.Options{Options: plan.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"}})
	must(t, err)
	must(t, res.Write("out"))
	d, err := Load("out")
	must(t, err)
	checkAtSubmit(t, d)
	warned := 0
	for _, w := range allWarnings(t, d) {
		if strings.Contains(w.Message, "extension left out of new user") {
			warned++
		}
	}
	if warned != 1 {
		t.Errorf("%d left-out warnings, want 1", warned)
	}
	if len(d.Lost) != 1 || d.Lost[0].Kind != LostExtension || d.Lost[0].Target != "travel" || d.Lost[0].Values != 1 ||
		!strings.HasPrefix(d.Lost[0].Reason, "UPS requires ") {
		t.Errorf("lost %+v, want the travel extension left out of E2", d.Lost)
	}
	if *golden.Update {
		must(t, os.MkdirAll(fixture, 0o755))
		for _, name := range []string{"report.json", "plan.jsonl"} {
			b, err := os.ReadFile(filepath.Join("out", name))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(fixture, name), b, 0o644))
		}
	}
}

func TestAtSubmitFixture(t *testing.T) {
	checkAtSubmit(t, loadAtSubmit(t))
}

func TestAtSubmitFormats(t *testing.T) {
	d := loadAtSubmit(t)
	leftOut := "Extensions left out of new users: travel 1 (UPS requires a value the input does not give; see the warnings)"

	out := render(t, "html", d)
	doc, err := parseHTML(out)
	must(t, err)
	if !doc.ids["atsubmit"] || !bytes.Contains(out, []byte(`<h2 id="atsubmit">To be resolved at submit</h2>`)) {
		t.Error("HTML has no section To be resolved at submit")
	}
	if i, j := bytes.Index(out, []byte(`id="warnings"`)), bytes.Index(out, []byte(`id="atsubmit"`)); j < i {
		t.Error("the section does not follow the warnings")
	}
	rows := map[string]bool{}
	for _, r := range doc.rows {
		rows[strings.Join(r, "|")] = true
	}
	for _, want := range append(wantAtSubmit, "Resolved at submit|3") {
		if !rows[want] {
			t.Errorf("HTML has no row %s", want)
		}
	}
	if !bytes.Contains(out, []byte(`Extensions left out of new users: travel 1 (UPS requires a value the input does not give; see the <a href="#warnings">warnings</a>).`)) {
		t.Error("HTML summary does not say which extensions were left out")
	}
	if !bytes.Contains(out, []byte("bulk-0001.json #2"+leftOutNote)) {
		t.Error("HTML section of E2 does not say its travel value is left out")
	}

	md := string(render(t, "md", d))
	for _, want := range []string{
		"\n## To be resolved at submit\n\nConvert had no `--directory`: when it sends, submit looks up in the target these 3 employees,",
		"| E9 | report approver of E1 | `in/feed.csv:1:59 (Employee ID of the expense report approver)` |",
		"| E7 | expense delegate of E1 | `in/feed.csv:5:3 (Delegate ID)` |",
		"| E5 | update (not created by this run) | `in/feed.csv:2` |",
		"| Resolved at submit | 3 |",
		leftOut,
		"POST, phase 1" + leftOutNote,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}

	var doc2 struct {
		Summary  Summary    `json:"summary"`
		AtSubmit []AtSubmit `json:"resolvedAtSubmit"`
		Trace    []TraceRow `json:"trace"`
	}
	must(t, json.Unmarshal(render(t, "json", d), &doc2))
	if len(doc2.AtSubmit) != 3 || doc2.AtSubmit[0].Employee != "E9" || doc2.AtSubmit[0].Kind != "report approver" ||
		doc2.AtSubmit[0].From != "E1" || doc2.AtSubmit[0].File != "in/feed.csv" || doc2.AtSubmit[0].Line != 1 ||
		doc2.AtSubmit[2].Kind != KindUpdate || doc2.AtSubmit[2].From != "" {
		t.Errorf("JSON resolvedAtSubmit %+v", doc2.AtSubmit)
	}
	if doc2.Summary.AtSubmit != 3 || len(doc2.Summary.LeftOut) != 1 || doc2.Summary.LeftOut[0] != (LeftOut{"travel", 1}) {
		t.Errorf("JSON summary %+v", doc2.Summary)
	}
	left := 0
	for _, r := range doc2.Trace {
		if r.LeftOut {
			left++
		}
	}
	if left != 1 {
		t.Errorf("JSON trace has %d rows left out, want 1", left)
	}

	b := render(t, "xlsx", d)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	must(t, err)
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), ","), "Summary,Users,Lineage,Warnings,Rejected,Unsupported,Files,Resolved at submit"; got != want {
		t.Errorf("sheets %s, want %s", got, want)
	}
	sheet, err := f.GetRows("Resolved at submit")
	must(t, err)
	want := [][]string{{"Employee", "Kind", "From", "Source"},
		{"E9", "report approver", "E1", "in/feed.csv:1:59 (Employee ID of the expense report approver)"},
		{"E7", "expense delegate", "E1", "in/feed.csv:5:3 (Delegate ID)"},
		{"E5", "update", "", "in/feed.csv:2"}}
	if len(sheet) != len(want) {
		t.Fatalf("Resolved at submit: %q", sheet)
	}
	for i := range want {
		if strings.Join(sheet[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("Resolved at submit row %d: %q, want %q", i+1, sheet[i], want[i])
		}
	}
	if panes, err := f.GetPanes("Resolved at submit"); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("Resolved at submit: header not frozen: %+v %v", panes, err)
	}
	if raw := string(unzip(t, b, "xl/worksheets/sheet8.xml")); !strings.Contains(raw, `<autoFilter ref="$A$1:$D$4"`) {
		t.Error("Resolved at submit has no autofilter over its rows")
	}
	summary := string(xlsxText(t, b))
	for _, want := range []string{"Summary\tResolved at submit\t3\n", "Summary\tLeft out of new users, travel\t1\n",
		"Summary\tExtensions left out of new users\ttravel 1 (UPS requires a value the input does not give; see the Warnings sheet)\n"} {
		if !strings.Contains(summary, want) {
			t.Errorf("Summary sheet lacks %q", strings.TrimSpace(want))
		}
	}
	lin, err := f.GetRows("Lineage")
	must(t, err)
	notes := 0
	for _, r := range lin[1:] {
		if len(r) > 5 && r[5] != "" {
			notes++
			if r[0] != "E2" || r[5] != "not sent (extension left out of the new user): travel:2.0:User gender" {
				t.Errorf("Lineage row %q: notes %q", r[:4], r[5])
			}
		}
	}
	if notes != 1 {
		t.Errorf("%d Lineage rows say a value is not sent, want 1", notes)
	}
	users, err := f.GetRows("Users")
	must(t, err)
	if len(users) != 4 || users[2][0] != "E5" || users[2][3] != "update" || users[3][0] != "E2" || users[3][9] != "travel" {
		t.Errorf("Users %q", users)
	}
}

// TestAtSubmitLimits: a list longer than the summary shows continues on
// pages the summary links; a sheet longer than its rows continues in the
// next sheet; Markdown cuts with a note.
func TestAtSubmitLimits(t *testing.T) {
	d := loadAtSubmit(t)
	d.Limits = Limits{HTMLList: 1, HTMLListPage: 1, MarkdownList: 2, XLSXRows: 2}
	dir := t.TempDir()
	path := filepath.Join(dir, "r.html")
	must(t, WriteHTMLFile(path, d))
	h := readFile(t, path)
	for _, want := range []string{"The first 1 of 3 employees resolved at submit are below",
		`<a href="r_files/atsubmit-0001.html">employees resolved at submit 2–2</a>`,
		`<a href="r_files/atsubmit-0002.html">employees resolved at submit 3–3</a>`} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(h, `<td>expense delegate of <a href="#emp-E1">E1</a></td>`) {
		t.Error("HTML summary shows the second entry")
	}
	for page, want := range map[string]string{"atsubmit-0001.html": "expense delegate of", "atsubmit-0002.html": "update (not created by this run)"} {
		if p := readFile(t, filepath.Join(dir, "r_files", page)); !strings.Contains(p, want) || !strings.Contains(p, `href="../r.html"`) {
			t.Errorf("%s lacks %q or the link back to the summary", page, want)
		}
	}
	md := string(render(t, "md", d))
	for _, want := range []string{"> Showing the first 2 of 3 employees resolved at submit", "| E7 | expense delegate of E1 |", "\n… and 1 more.\n"} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "| E5 | update") {
		t.Error("Markdown shows the third entry")
	}
	b := render(t, "xlsx", d)
	f, err := excelize.OpenReader(bytes.NewReader(b))
	must(t, err)
	defer f.Close()
	if rows, _ := f.GetRows("Resolved at submit"); len(rows) != 3 {
		t.Errorf("Resolved at submit: %d rows, want 3", len(rows))
	}
	if rows, _ := f.GetRows("Resolved at submit 2"); len(rows) != 2 || rows[1][0] != "E5" {
		t.Errorf("Resolved at submit 2: %q", rows)
	}
	if !strings.Contains(string(xlsxText(t, b)), "Resolved at submit continues over 2 sheets (3 rows; Excel holds 2 per sheet).") {
		t.Error("Summary sheet does not note the continuation")
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return string(b)
}

// TestAtSubmitReportShapes: the left-out counts come most first, and a
// count report.json does not back with its list is noted.
func TestAtSubmitReportShapes(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(atSubmitFixture, "report.json"))
	must(t, err)
	var rep map[string]any
	must(t, json.Unmarshal(b, &rep))
	totals := rep["totals"].(map[string]any)
	totals["leftOut"] = map[string]int{"spend": 1, "travel": 3, "custom:1.0:User": 1}
	totals["resolvedAtSubmit"] = 4
	b, err = json.Marshal(rep)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "report.json"), b, 0o644))
	plan, err := os.ReadFile(filepath.Join(atSubmitFixture, "plan.jsonl"))
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "plan.jsonl"), plan, 0o644))
	d, err := Load(dir)
	must(t, err)
	if got, want := d.Summary.LeftOutText(), "travel 3, custom:1.0:User 1, spend 1"; got != want {
		t.Errorf("left out %q, want %q", got, want)
	}
	if len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "report.json counts 4 employees resolved at submit, lists 3") {
		t.Errorf("notes %q", d.Notes)
	}
}

// TestAtSubmitJournal: after submit, the section keeps its entries and
// shows the final state of the record each comes from; a new user submit
// found in the target (created as an update) got its travel values.
func TestAtSubmitJournal(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"report.json", "plan.jsonl"} {
		b, err := os.ReadFile(filepath.Join(atSubmitFixture, name))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
	}
	j, err := journal.Open(dir)
	must(t, err)
	must(t, j.SetMeta(journal.Meta{ToolVersion: "v1.5.0", PlanHash: planHash(t, dir), Target: "https://us.api.example.com/profile/v4/",
		Flavor: "ups", Company: "c0ffee-company", Created: runStart, Updated: runUpdated}))
	success := func(o *journal.Op) { o.State, o.Code = journal.OpSuccess, "200" }
	send(t, j, 1, 1, "prov-0001", []journal.Op{
		{Phase: 1, Employee: "E1", Method: "POST", Path: "/Users", Kind: "create"},
		{Phase: 1, Employee: "E5", Method: "PATCH", Path: "/Users/bulkId:emp-E5", Kind: "update"},
		{Phase: 1, Employee: "E2", Method: "PATCH", Path: "/Users/b0b", Kind: "update"},
	}, []func(*journal.Op){success, func(o *journal.Op) {
		o.State, o.Code, o.Message = journal.OpFailed, "404", "employee E5 does not exist in the target, and no record of this run creates it"
	}, success})
	must(t, j.PutRecords([]journal.Record{
		{File: "in/feed.csv", Line: 1, Type: "305", Employee: "E1", State: journal.RecordSuccess},
		{File: "in/feed.csv", Line: 2, Type: "350", Employee: "E5", State: journal.RecordFailed, Reason: "employee E5 does not exist in the target"},
		{File: "in/feed.csv", Line: 3, Type: "305", Employee: "E2", State: journal.RecordSuccess},
		{File: "in/feed.csv", Line: 4, Type: "350", Employee: "E2", State: journal.RecordSkipped},
		{File: "in/feed.csv", Line: 5, Type: "500", Employee: "E1", State: journal.RecordPartial, Reason: "expense delegate E7 is neither in this run nor in the target: reference not set"},
	}))
	must(t, j.Close())

	d, err := Load(dir)
	must(t, err)
	var got []string
	for _, a := range d.AtSubmit {
		got = append(got, a.Employee+"="+a.RecordState)
	}
	if strings.Join(got, " ") != "E9=success E7=partial E5=failed" {
		t.Errorf("record states %s", got)
	}
	for _, r := range traceRows(t, d) {
		if r.LeftOut {
			t.Errorf("E2 was updated, not created, yet %s is left out", r.Path)
		}
	}
	out := render(t, "html", d)
	doc, err := parseHTML(out)
	must(t, err)
	if !bytes.Contains(out, []byte(`<h2 id="atsubmit">Resolved at submit</h2>`)) {
		t.Error("HTML has no section Resolved at submit")
	}
	rows := map[string]bool{}
	for _, r := range doc.rows {
		rows[strings.Join(r, "|")] = true
	}
	for _, want := range []string{"Employee|Looked up for|Source|Record state", wantAtSubmit[2] + "|failed", wantAtSubmit[1] + "|partial"} {
		if !rows[want] {
			t.Errorf("HTML has no row %s", want)
		}
	}
	if md := string(render(t, "md", d)); !strings.Contains(md, "\n## Resolved at submit\n") || !strings.Contains(md, "| E5 | update (not created by this run) | `in/feed.csv:2` | failed |") {
		t.Errorf("Markdown lacks the section or E5's state:\n%s", md)
	}
	f, err := excelize.OpenReader(bytes.NewReader(render(t, "xlsx", d)))
	must(t, err)
	defer f.Close()
	if v, _ := f.GetCellValue("Resolved at submit", "E4"); v != "failed" {
		t.Errorf("Resolved at submit!E4 = %q, want failed", v)
	}
}

// TestLeftOutNote: the lineage sheet names each extension once.
func TestLeftOutNote(t *testing.T) {
	vals := []TraceRow{
		{Schema: "spend:2.0:User", Path: "locale"}, {Schema: "core:2.0:User", Path: "userName"},
		{Schema: "spend:2.0:User", Path: "country"}, {Schema: "travel:2.0:User", Path: "ruleClass.name"},
	}
	var l lineage
	for _, c := range []struct {
		left []int
		want string
	}{
		{[]int{0}, "not sent (extension left out of the new user): spend:2.0:User locale"},
		{[]int{0, 2, 3}, "not sent (extension left out of the new user): spend:2.0:User locale, country; travel:2.0:User ruleClass.name"},
	} {
		if got := l.leftOutNote(vals, c.left); got != c.want {
			t.Errorf("got %q\nwant %q", got, c.want)
		}
	}
}
