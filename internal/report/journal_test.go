package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/journal"
)

// runDir copies the convert output of the basic fixture to a new directory,
// as submit finds it.
func runDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"report.json", "plan.jsonl"} {
		b, err := os.ReadFile(filepath.Join(fixture, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func planHash(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "plan.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var (
	runStart   = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	runUpdated = time.Date(2025, 3, 1, 10, 5, 0, 0, time.UTC)
)

// send journals one request of ops the way submit does: begun, accepted
// with a provision id, then each op with its outcome (fin[i], nil to leave
// it sent); done when every op has one.
func send(t *testing.T, j *journal.Journal, phase, round int, provision string, ops []journal.Op, fin []func(*journal.Op)) {
	t.Helper()
	r := &journal.Request{Phase: phase, Round: round, Bytes: 100 * len(ops)}
	must(t, j.BeginRequest(r, ops))
	must(t, j.MarkSent(r.ID, 202, provision, "corr-"+provision, 1))
	done := true
	for i := range ops {
		ops[i].State = journal.OpSent
		if fin[i] == nil {
			done = false
			continue
		}
		fin[i](&ops[i])
	}
	must(t, j.PutOps(ops))
	if done {
		must(t, j.MarkRequest(r.ID, journal.RequestDone, 0, "", ""))
	}
}

func rawJSON(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	must(t, err)
	return b
}

// journalFixture writes the journal of a run of the basic fixture that
// stopped while the identity of E2 was being provisioned: the rename of E9
// succeeded, E1 was created with its spend extension refused (partial),
// L1 failed, and phase 2 was not planned yet.
func journalFixture(t *testing.T) string {
	t.Helper()
	dir := runDir(t)
	j, err := journal.Open(dir)
	must(t, err)
	defer j.Close()
	must(t, j.SetMeta(journal.Meta{ToolVersion: "v1.4.0", PlanHash: planHash(t, dir),
		Target: "https://svc:pa55word@us.api.example.com/profile/v4/?token=abc#x", Flavor: "ups",
		Company: "c0ffee-company", Created: runStart, Updated: runUpdated}))

	send(t, j, 0, 1, "prov-0001", []journal.Op{{Phase: 0, Employee: "E9", Method: "PATCH", Path: "/Users/6f1e-e9", Kind: "rename"}},
		[]func(*journal.Op){func(o *journal.Op) { o.State, o.Code, o.UserID = journal.OpSuccess, "200", "6f1e-e9" }})

	spend := "urn:ietf:params:scim:schemas:extension:spend:2.0:User"
	send(t, j, 1, 1, "prov-0002", []journal.Op{
		{Phase: 1, Employee: "E1", Method: "POST", Path: "/Users", Kind: "create"},
		{Phase: 1, Employee: "L1", Method: "POST", Path: "/Users", Kind: "create"},
	}, []func(*journal.Op){
		func(o *journal.Op) {
			o.State, o.Code, o.UserID = journal.OpPartial, "201", "a1b2-e1"
			o.Extensions = rawJSON(t, []map[string]any{
				{"schema": "urn:ietf:params:scim:schemas:core:2.0:User", "result": "success", "code": "201"},
				{"schema": spend, "result": "error", "code": "400", "messages": []map[string]string{
					{"code": "INVALID_VALUE", "message": "not an accepted currency", "schemaPath": spend + ":reimbursementCurrency", "type": "error"},
					{"code": "INVALID_VALUE", "message": "S3cr3t-should-not-show is not allowed here", "schemaPath": spend + ":customData", "type": "error"},
				}},
			})
		},
		func(o *journal.Op) {
			o.State, o.Code = journal.OpFailed, "409"
			o.Message = "userName <script>alert(1)</script> already exists"
			o.Messages = rawJSON(t, []map[string]any{{"code": "uniqueness", "message": "userName <script>alert(1)</script> already exists",
				"schemaPath": "urn:ietf:params:scim:schemas:core:2.0:User:userName"}})
		},
	})
	send(t, j, 1, 2, "prov-0003", []journal.Op{{Phase: 1, Employee: "E2", Method: "PATCH", Path: "/Users/6f1e-e9", Kind: "update"}},
		[]func(*journal.Op){nil})

	must(t, j.PutRecords([]journal.Record{
		{File: "in/feed.csv", Line: 1, Type: "100", State: journal.RecordSkipped, Reason: "record type 100 holds import settings: not sent to UPS"},
		{File: "in/feed.csv", Line: 2, Type: "305", Employee: "E1", State: journal.RecordPartial,
			Reason: "identity created; spend failed: INVALID_VALUE reimbursementCurrency, INVALID_VALUE customData"},
		{File: "in/feed.csv", Line: 3, Type: "305", Employee: "E2", State: journal.RecordSuccess},
		{File: "in/feed.csv", Line: 4, Type: "320", Employee: "E2", State: journal.RecordSuccess, Reason: "renamed"},
		{File: "in/feed.csv", Line: 5, Type: "400", Employee: "E3", State: journal.RecordRejected, Reason: `want Y or N, got "maybe"`},
		{File: "in/users.xml", Line: 3, Type: "v1", Employee: "L1", State: journal.RecordFailed,
			Reason: "phase 1 create: uniqueness: userName <script>alert(1)</script> already exists"},
		{File: "in/users.xml", Line: 20, Type: "v1", Employee: "E2", State: journal.RecordPending, Reason: "not final yet"},
	}))
	return dir
}

// loadJournal loads a journal fixture as the goldens show it: under a fixed
// directory name, with the request times the journal took fixed.
func loadJournal(t *testing.T, dir string) *Data {
	t.Helper()
	d, err := Load(dir)
	must(t, err)
	d.Dir = "out/run1"
	for i := range d.Requests {
		r := &d.Requests[i]
		r.Created = runStart.Add(time.Duration(r.ID) * time.Minute)
		if !r.Sent.IsZero() {
			r.Sent = r.Created.Add(time.Second)
		}
		if !r.Done.IsZero() {
			r.Done = r.Created.Add(30 * time.Second)
		}
	}
	return d
}

func TestJournalGolden(t *testing.T) {
	d := loadJournal(t, journalFixture(t))
	for _, format := range []string{"html", "json", "md"} {
		t.Run(format, func(t *testing.T) {
			got := render(t, format, d)
			golden.Check(t, filepath.Join("testdata", "journal."+format), got)
		})
	}
}

func counts(cs []StateCount) string {
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s=%d", c.State, c.Count))
	}
	return strings.Join(parts, " ")
}

func sum(cs []StateCount) int {
	n := 0
	for _, c := range cs {
		n += c.Count
	}
	return n
}

func TestJournalData(t *testing.T) {
	d := loadJournal(t, journalFixture(t))
	s := d.Summary
	if sum(s.RecordStates) != s.Records || len(d.Outcomes) != s.Records {
		t.Errorf("record states add up to %d over %d outcomes, %d records read", sum(s.RecordStates), len(d.Outcomes), s.Records)
	}
	if got, want := counts(s.RecordStates), "success=2 partial=1 failed=1 rejected=1 skipped=1 pending=1"; got != want {
		t.Errorf("record states %s, want %s", got, want)
	}
	wantOps := []string{
		"planned=0 sending=0 sent=0 in-doubt=0 success=1 partial=0 failed=0 skipped=0",
		"planned=0 sending=0 sent=1 in-doubt=0 success=0 partial=1 failed=1 skipped=0",
		"planned=0 sending=0 sent=0 in-doubt=0 success=0 partial=0 failed=0 skipped=0",
	}
	if len(s.OperationStates) != 3 {
		t.Fatalf("operation states of %d phases", len(s.OperationStates))
	}
	for i, ps := range s.OperationStates {
		if ps.Phase != i || counts(ps.States) != wantOps[i] || ps.Total != sum(ps.States) {
			t.Errorf("phase %d: %s (total %d), want %s", ps.Phase, counts(ps.States), ps.Total, wantOps[i])
		}
	}
	wantNotes := []string{"1 record has no final outcome yet"}
	if len(d.Notes) != len(wantNotes) || !strings.HasPrefix(d.Notes[0], wantNotes[0]) {
		t.Errorf("notes %q, want %q", d.Notes, wantNotes)
	}
	if r := d.Run; r == nil || r.Target != "https://us.api.example.com/profile/v4/" || r.Flavor != "ups" ||
		r.Company != "c0ffee-company" || r.ToolVersion != "v1.4.0" || !r.Updated.Equal(runUpdated) || !r.Created.Equal(runStart) {
		t.Errorf("run %+v", d.Run)
	}
	if d.Title() != TitleMigration {
		t.Errorf("title %q", d.Title())
	}

	ops := map[string]string{}
	for _, o := range d.Operations {
		ops[o.Key] = strings.Join([]string{o.Employee, o.Status, o.Code, o.UserID, o.ProvisionID, fmt.Sprint(o.RequestID)}, "|")
	}
	for key, want := range map[string]string{
		"bulk-0001.json #0": "E9|success|200|6f1e-e9|prov-0001|1",
		"bulk-0002.json #0": "E1|partial|201|a1b2-e1|prov-0002|2",
		"bulk-0002.json #1": "L1|failed|409||prov-0002|2",
		"bulk-0002.json #2": "E2|sent|||prov-0003|3",
		"bulk-0003.json #0": "E1|not submitted||||0",
	} {
		if ops[key] != want {
			t.Errorf("%s: %s, want %s", key, ops[key], want)
		}
	}
	e1 := d.Operation("bulk-0002.json #0")
	if len(e1.Extensions) != 2 || !e1.Extensions[1].Failed() || e1.Extensions[1].Schema != "spend:2.0:User" ||
		e1.Extensions[1].Messages[1].Message != Withheld+" is not allowed here" {
		t.Errorf("E1 extensions %+v", e1.Extensions)
	}
	if l1 := d.Operation("bulk-0002.json #1"); len(l1.Messages) != 1 || l1.Messages[0].Code != "uniqueness" {
		t.Errorf("L1 messages %+v", l1.Messages)
	}
	if len(d.Requests) != 3 || d.Requests[0].ProvisionID != "prov-0001" || d.Requests[2].State != journal.RequestSent {
		t.Errorf("requests %+v", d.Requests)
	}

	rows := traceRows(t, d)
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
		want string // Operation|ProvisionID|Code|UserID|RecordState|OpStatus|Result|Message|Value
	}{
		{"reimbursementCurrency", "bulk-0002.json #0|prov-0002|201|a1b2-e1|partial|partial|error|INVALID_VALUE: not an accepted currency|USD"},
		{"name.givenName", `bulk-0002.json #0|prov-0002|201|a1b2-e1|partial|partial|success||Dana <&> "Q"`},
		{`customData[id eq "custom2"].value`, "bulk-0002.json #0|prov-0002|201|a1b2-e1|partial|partial|error|INVALID_VALUE: (withheld) is not allowed here|(withheld)"},
		{"title", "bulk-0002.json #1|prov-0002|409||failed|failed||userName <script>alert(1)</script> already exists|Controller | EMEA"},
		{"employeeNumber", "bulk-0001.json #0|prov-0001|200|6f1e-e9|success|success|||E2"},
		{"department", "bulk-0002.json #2|prov-0003|||pending|sent|||Finance"},
		{"expense", "bulk-0003.json #0||||partial|not submitted|||E2"},
	}
	for _, tt := range tests {
		r := find(tt.path)
		got := strings.Join([]string{r.Operation, r.ProvisionID, r.Code, r.UserID, r.RecordState, r.OpStatus, r.Result, r.Message, r.Value}, "|")
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.path, got, tt.want)
		}
	}
}

// TestJournalFormats checks that every format shows the title, the states
// and the reasons, and never the password, the target's credentials or
// unescaped markup.
func TestJournalFormats(t *testing.T) {
	d := loadJournal(t, journalFixture(t))
	reasons := []string{"identity created; spend failed: INVALID_VALUE reimbursementCurrency, INVALID_VALUE customData",
		"phase 1 create: uniqueness: userName <script>alert(1)</script> already exists", "not final yet"}
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			out := render(t, format, d)
			text := string(out)
			switch format {
			case "xlsx":
				text = string(xlsxText(t, out))
			case "html":
				doc, err := parseHTML(out)
				must(t, err)
				var b strings.Builder
				for _, r := range doc.rows {
					b.WriteString(strings.Join(r, "\t") + "\n")
				}
				text = b.String()
				if bytes.Contains(out, []byte("<script>alert")) || bytes.Count(out, []byte("<script")) != 1 {
					t.Error("HTML holds a script element of the journal's")
				}
				if len(doc.external) > 0 {
					t.Errorf("external assets or scripts: %q", doc.external)
				}
				for _, id := range []string{"outcome", "summary", "rejected", "warnings", "files", "employees", "emp-E1"} {
					if !doc.ids[id] {
						t.Errorf("no section #%s", id)
					}
				}
				if i, j := bytes.Index(out, []byte(`id="outcome"`)), bytes.Index(out, []byte(`id="summary"`)); i < 0 || j < i {
					t.Error("the outcome does not come first")
				}
				if !bytes.Contains(out, []byte("<title>Migration report</title>")) || !bytes.Contains(out, []byte("<h1>Migration report</h1>")) {
					t.Error("not titled Migration report")
				}
				want := strings.Join([]string{"in/users.xml:3", "v1", "L1", "failed", reasons[1]}, "\t")
				if !strings.Contains(text, want+"\n") {
					t.Errorf("no outcome row %q", want)
				}
			case "md":
				if !strings.HasPrefix(text, "# Migration report\n") {
					t.Error("not titled Migration report")
				}
				if strings.Contains(text, "<script>") {
					t.Error("Markdown holds raw markup")
				}
				if i, j := strings.Index(text, "## Outcome"), strings.Index(text, "## Summary"); i < 0 || j < i {
					t.Error("the outcome does not come first")
				}
				text = strings.NewReplacer("&lt;", "<", "&gt;", ">", `\_`, "_").Replace(text)
			case "json":
				if !json.Valid(out) {
					t.Fatal("not one JSON document")
				}
				text = strings.NewReplacer(`\u003c`, "<", `\u003e`, ">").Replace(text)
			}
			for _, s := range append([]string{journal.RecordPartial, journal.RecordFailed, journal.RecordPending, "prov-0002",
				"https://us.api.example.com/profile/v4/"}, reasons...) {
				if !strings.Contains(text, s) {
					t.Errorf("%s lacks %q", format, s)
				}
			}
			for _, s := range []string{"S3cr3t", "pa55word", "token=abc"} {
				if strings.Contains(text, s) || bytes.Contains(out, []byte(s)) {
					t.Errorf("%s shows %q", format, s)
				}
			}
		})
	}
}

func TestJournalXLSX(t *testing.T) {
	d := loadJournal(t, journalFixture(t))
	f, err := excelize.OpenReader(bytes.NewReader(render(t, "xlsx", d)))
	must(t, err)
	defer f.Close()
	if got, want := strings.Join(f.GetSheetList(), ","), "Summary,Users,Lineage,Warnings,Rejected,Unsupported,Files,Outcome,Operations,Requests"; got != want {
		t.Errorf("sheets %s, want %s", got, want)
	}
	tests := []struct {
		sheet string
		rows  int // including the header
		cell  string
		want  string
	}{
		{"Outcome", 8, "E3", "partial"},
		{"Outcome", 8, "F7", "phase 1 create: uniqueness: userName <script>alert(1)</script> already exists"},
		{"Operations", 6, "K3", "prov-0002"},
		{"Operations", 6, "N3", "core:2.0:User success 201\nspend:2.0:User error 400: INVALID_VALUE: not an accepted currency [urn:ietf:params:scim:schemas:extension:spend:2.0:User:reimbursementCurrency]; INVALID_VALUE: (withheld) is not allowed here [urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData]"},
		{"Requests", 4, "F4", "sent"},
		// Users: the final state after submit, with the target's word.
		{"Users", 5, "A2", "E1"},
		{"Users", 5, "L2", "partial"},
		{"Users", 5, "N2", "a1b2-e1"},
		{"Users", 5, "O2", "spend:2.0:User error 400: INVALID_VALUE: not an accepted currency [urn:ietf:params:scim:schemas:extension:spend:2.0:User:reimbursementCurrency]; INVALID_VALUE: (withheld) is not allowed here [urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData]"},
		{"Users", 5, "L4", "failed"},
		// Lineage: the record's final state, the target's message on a value.
		{"Lineage", 6, "D2", "converted / partial"},
	}
	for _, tt := range tests {
		rows, err := f.GetRows(tt.sheet)
		must(t, err)
		if len(rows) != tt.rows {
			t.Errorf("%s: %d rows, want %d", tt.sheet, len(rows), tt.rows)
		}
		if v, _ := f.GetCellValue(tt.sheet, tt.cell); v != tt.want {
			t.Errorf("%s!%s = %q, want %q", tt.sheet, tt.cell, v, tt.want)
		}
	}
	if v, _ := f.GetCellValue("Lineage", "F2"); !strings.Contains(v, "spend:2.0:User reimbursementCurrency: INVALID_VALUE: not an accepted currency") {
		t.Errorf("Lineage!F2 = %q: no target message on the value", v)
	}
	cols, _ := f.GetCols("Summary")
	all := strings.Join(cols[0], "\n") + "\n" + strings.Join(cols[1], "\n")
	for _, s := range []string{"Target", "Records partial", "Operations, phase 1, failed", "v1.4.0", "2025-03-01T10:05:00Z"} {
		if !strings.Contains(all, s) {
			t.Errorf("Summary lacks %q", s)
		}
	}
}

// TestJournalUnderWay reads journals of runs that have not finished: no
// records yet (while the writer holds the journal), no run description at
// all, and a rename folded into a create.
func TestJournalUnderWay(t *testing.T) {
	t.Run("no records yet", func(t *testing.T) {
		dir := runDir(t)
		j, err := journal.Open(dir)
		must(t, err)
		defer j.Close()
		must(t, j.SetMeta(journal.Meta{ToolVersion: "v1", PlanHash: planHash(t, dir), Target: "sandbox", Flavor: "ups"}))
		must(t, j.BeginRequest(&journal.Request{Phase: 0, Round: 1},
			[]journal.Op{{Phase: 0, Employee: "E9", Method: "PATCH", Path: "/Users/x", Kind: "rename"}}))
		d, err := Load(dir) // the writer still holds the journal
		must(t, err)
		if got, want := counts(d.Summary.RecordStates), "success=0 partial=0 failed=0 rejected=1 skipped=1 pending=5"; got != want {
			t.Errorf("record states %s, want %s", got, want)
		}
		if sum(d.Summary.RecordStates) != d.Summary.Records {
			t.Errorf("states add up to %d, %d records read", sum(d.Summary.RecordStates), d.Summary.Records)
		}
		if op := d.Operation("bulk-0001.json #0"); op.Status != journal.OpSending || op.RequestID != 1 || op.ProvisionID != "" {
			t.Errorf("rename operation %+v", op)
		}
		if op := d.Operation("bulk-0002.json #0"); op.Status != StatusNotSubmitted {
			t.Errorf("E1 operation %+v", op)
		}
		for _, r := range traceRows(t, d) {
			if r.RecordState != journal.RecordPending {
				t.Errorf("%s: record state %q", r.Path, r.RecordState)
			}
		}
		if len(d.Notes) != 1 || !strings.HasPrefix(d.Notes[0], "5 records have no final outcome yet") {
			t.Errorf("notes %q", d.Notes)
		}
		for _, format := range Formats() {
			render(t, format, d)
		}
	})
	t.Run("no run yet", func(t *testing.T) {
		dir := runDir(t)
		j, err := journal.Open(dir)
		must(t, err)
		must(t, j.Close())
		d, err := Load(dir)
		must(t, err)
		if d.Run == nil || d.Title() != TitleMigration || sum(d.Summary.RecordStates) != 7 || len(d.Summary.OperationStates) != 3 {
			t.Errorf("run %+v, states %v %v", d.Run, d.Summary.RecordStates, d.Summary.OperationStates)
		}
		if len(d.Notes) != 2 || !strings.Contains(d.Notes[0], "describes no run yet") {
			t.Errorf("notes %q", d.Notes)
		}
		for _, format := range Formats() {
			render(t, format, d)
		}
	})
	t.Run("rename folded into the create", func(t *testing.T) {
		dir := runDir(t)
		j, err := journal.Open(dir)
		must(t, err)
		must(t, j.SetMeta(journal.Meta{PlanHash: "0123456789abcdef", Target: "sandbox"}))
		must(t, j.PutOps([]journal.Op{
			{Phase: 1, Employee: "E2", Method: "POST", Path: "/Users", Kind: "create", State: journal.OpSuccess, Code: "201", UserID: "u-e2"},
			{Phase: 1, Employee: "Z9", Method: "POST", Path: "/Users", Kind: "create"},
		}))
		must(t, j.Close())
		d, err := Load(dir)
		must(t, err)
		op := d.Operation("bulk-0001.json #0")
		if op.Status != journal.OpSuccess || op.UserID != "u-e2" || !strings.Contains(op.Message, "folded into the create of E2") {
			t.Errorf("folded rename %+v", op)
		}
		notes := strings.Join(d.Notes, "\n")
		for _, s := range []string{"another plan.jsonl (sha256 0123456789ab…", "1 operation plan.jsonl does not name (first: phase 1 Z9)"} {
			if !strings.Contains(notes, s) {
				t.Errorf("notes lack %q:\n%s", s, notes)
			}
		}
	})
}

// TestJournalCountsDiffer checks the note when the journal's records do not
// match report.json's, and that nothing it holds is lost.
func TestJournalCountsDiffer(t *testing.T) {
	dir := runDir(t)
	j, err := journal.Open(dir)
	must(t, err)
	must(t, j.SetMeta(journal.Meta{PlanHash: planHash(t, dir), Target: "sandbox"}))
	must(t, j.PutRecords([]journal.Record{
		{File: "in/feed.csv", Line: 2, Type: "305", Employee: "E1", State: journal.RecordSuccess},
		{File: "in/other.csv", Line: 9, Type: "305", Employee: "X1", State: journal.RecordFailed, Reason: "gone | <b>"},
	}))
	must(t, j.Close())
	d, err := Load(dir)
	must(t, err)
	if got, want := counts(d.Summary.RecordStates), "success=1 partial=0 failed=1 rejected=1 skipped=1 pending=4"; got != want {
		t.Errorf("record states %s, want %s", got, want)
	}
	if last := d.Outcomes[len(d.Outcomes)-1]; last.Pos() != "in/other.csv:9" || last.Reason != "gone | <b>" {
		t.Errorf("extra record %+v", last)
	}
	notes := strings.Join(d.Notes, "\n")
	for _, s := range []string{"the record states add up to 8, not to the 7 records read",
		"journal.db holds 1 record report.json does not list, or holds a position twice (first: in/other.csv:9)"} {
		if !strings.Contains(notes, s) {
			t.Errorf("notes lack %q:\n%s", s, notes)
		}
	}
	for _, format := range []string{"html", "md"} {
		if out := string(render(t, format, d)); !strings.Contains(out, "add up to 8") || strings.Contains(out, "<b>") {
			t.Errorf("%s: no note on the counts, or raw markup", format)
		}
	}
}

func TestJournalLimits(t *testing.T) {
	d := loadJournal(t, journalFixture(t))
	d.Limits = Limits{HTMLList: 2, MarkdownList: 1}
	path := filepath.Join(t.TempDir(), "report.html")
	must(t, WriteHTMLFile(path, d))
	h := readFile(t, path)
	if !strings.Contains(h, "The first 2 of 3 records that did not succeed are below") || strings.Contains(h, "<td>pending</td><td>not final yet</td>") {
		t.Error("HTML outcome not cut at 2 records")
	}
	if p := readFile(t, filepath.Join(filepath.Dir(path), "report_files", "outcome-0001.html")); !strings.Contains(p, "<td>pending</td><td>not final yet</td>") {
		t.Error("the third record is not on the outcome's page")
	}
	if md := string(render(t, "md", d)); !strings.Contains(md, "Showing the first 1 of 3 records that did not succeed") ||
		strings.Contains(md, "in/users.xml:3`") {
		t.Error("Markdown outcome not cut at 1 record")
	}
}

// TestNoJournal checks that a directory without a journal gives the dry
// run's report, with no journal-only field.
func TestNoJournal(t *testing.T) {
	d := load(t)
	if d.Run != nil || d.Outcomes != nil || d.Requests != nil || d.Summary.RecordStates != nil || d.Title() != TitleDryRun {
		t.Errorf("journal fields in a dry run: %+v", d)
	}
}
