package pipeline

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// TestWritePlanLinesInOrder converts a thousand employees and reads
// plan.jsonl back: the lines come in change-set order, each with the JSON
// form of its change set, and every operation reference points at an
// operation of that employee.
func TestWritePlanLinesInOrder(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "employees.csv")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	const rows = 1017
	if err := gen.Write305(f, rows, 7); err != nil {
		t.Fatal(err)
	}
	f.Close()
	res, err := Convert([]string{in}, Options{Options: plan.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"}})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if err := res.Write(out); err != nil {
		t.Fatal(err)
	}
	type opKey struct {
		bulk  string
		index int
	}
	opEmp := map[opKey]string{}
	for _, req := range res.Plan.Requests {
		for i, op := range req.Operations {
			opEmp[opKey{BulkFileName(req.Seq), i}] = op.Employee
		}
	}
	pf, err := os.Open(filepath.Join(out, "plan.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	lr := lineage.NewReader(pf)
	n, ops := 0, 0
	for ; ; n++ {
		line, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n >= len(res.ChangeSets) {
			t.Fatalf("more lines than the %d change sets", len(res.ChangeSets))
		}
		cs := res.ChangeSets[n]
		if got, want := line.AppendJSON(nil), cs.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("employee %d differs from its change set:\n got %s\nwant %s", n+1, got, want)
		}
		if len(line.Operations) == 0 {
			t.Errorf("line %d (%s): no operations", line.N, cs.EmployeeID)
		}
		for _, o := range line.Operations {
			ops++
			if emp := opEmp[opKey{o.Bulk, o.Index}]; emp != cs.EmployeeID {
				t.Errorf("line %d (%s): operation %s #%d belongs to %q", line.N, cs.EmployeeID, o.Bulk, o.Index, emp)
			}
		}
	}
	if n != len(res.ChangeSets) || n != rows {
		t.Errorf("%d lines for %d change sets of %d rows", n, len(res.ChangeSets), rows)
	}
	if ops != len(opEmp) {
		t.Errorf("plan.jsonl references %d operations, the plan has %d", ops, len(opEmp))
	}
}

// TestWriteReportMatchesEncodingJSON: report.json, written an entry at a
// time, holds the tokens encoding/json writes for the whole report, in its
// order, indented as encoding/json indents but for the entries of the long
// arrays, which are one compact object a line.
func TestWriteReportMatchesEncodingJSON(t *testing.T) {
	path := writeVaried(t, 300, 3)
	res, err := Convert([]string{path}, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	full := res.Report()
	one := full
	one.Records = full.Records[:1]
	none := full
	none.Records = []model.RecordResult{}
	tail := Report{Records: full.Records[:2], Warnings: []model.Diagnostic{{Severity: model.SevWarning, Message: "plan <warning>"}},
		Findings: []OpFinding{{Request: 1, Employee: "E1"}}, ResolvedAtSubmit: []AtSubmit{{Employee: "E9", Kind: "update"}}}
	for name, rep := range map[string]Report{"full": full, "one record": one, "no records": none, "fields after records": tail} {
		want, err := json.Marshal(rep)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := writeReport(&got, rep); err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, got.Bytes()); err != nil {
			t.Fatalf("%s: not JSON: %v", name, err)
		}
		if !bytes.Equal(compact.Bytes(), want) {
			t.Errorf("%s: writeReport differs from encoding/json:\n got %.300s\nwant %.300s", name, compact.Bytes(), want)
		}
		entries := len(rep.Records) + len(rep.Findings) + len(rep.Warnings) + len(rep.ResolvedAtSubmit)
		lines := 0
		for _, l := range strings.Split(got.String(), "\n") {
			if strings.HasPrefix(l, "{") && l != "{" { // entries start their lines, the head's objects are indented
				lines++
				if !json.Valid([]byte(strings.TrimSuffix(l, ","))) {
					t.Errorf("%s: entry line %.80q is not one JSON object", name, l)
				}
			}
		}
		if lines != entries {
			t.Errorf("%s: %d entry lines for %d entries", name, lines, entries)
		}
	}
}

func TestIsOutput(t *testing.T) {
	for name, want := range map[string]bool{
		"bulk-0001.json": true, "bulk-9999.json": true, "bulk-12345.json": true, "plan.jsonl": true, "report.json": true,
		"bulk-1.json": false, "bulk-0001.json.bak": false, "bulk-00a1.json": false, "bulk-.json": false, "notes.txt": false, "report.html": false,
	} {
		if got := isOutput(name); got != want {
			t.Errorf("isOutput(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestWriteFailureLeavesNoPartialRun: when a write fails (here report.json
// cannot be created), the outputs written before it are removed, and the
// files that are not outputs stay.
func TestWriteFailureLeavesNoPartialRun(t *testing.T) {
	path := writeVaried(t, 50, 5)
	res, err := Convert([]string{path}, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "bulk-0042.json"), []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(out, "report.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := res.Write(out); err == nil {
		t.Fatal("Write succeeded with report.json a directory")
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if got := strings.Join(names, " "); got != "notes.txt report.json" {
		t.Errorf("after a failed write the directory holds %q, want only notes.txt and the report.json directory", got)
	}
}

// TestProgress: a conversion reports its reading in bytes up to the file's
// size, its planning, and its writing in files up to all of them, in that
// order and never going back.
func TestProgress(t *testing.T) {
	path := writeVaried(t, 2000, 9)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var events []Progress
	res, err := Convert([]string{path}, Options{Options: plan.Options{CompanyID: companyID}, Progress: func(p Progress) { events = append(events, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Write(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	order := map[string]int{StageRead: 0, StagePlan: 1, StageWrite: 2}
	last := map[string]Progress{}
	stage := 0
	for _, e := range events {
		o, ok := order[e.Stage]
		if !ok || o < stage {
			t.Fatalf("stage %q after stage %d", e.Stage, stage)
		}
		stage = o
		if p, seen := last[e.Stage]; seen && e.Done < p.Done {
			t.Fatalf("%s went back from %d to %d", e.Stage, p.Done, e.Done)
		}
		last[e.Stage] = e
	}
	if r := last[StageRead]; r.File != path || r.Done != st.Size() || r.Total != st.Size() {
		t.Errorf("last read event %+v, want %d of %d bytes of %s", r, st.Size(), st.Size(), path)
	}
	if _, ok := last[StagePlan]; !ok {
		t.Error("no plan event")
	}
	if w, files := last[StageWrite], int64(len(res.Plan.Requests)+2); w.Done != files || w.Total != files {
		t.Errorf("last write event %+v, want %d of %d files", w, files, files)
	}
}

// TestReportEntryMatchesMarshal: the entries written without reflection
// are json.Marshal's bytes (a record's without escaping <, > and &).
func TestReportEntryMatchesMarshal(t *testing.T) {
	src := model.Source{File: `in\a "b".csv`, Line: 4, Item: 1, Field: "41", Name: "Approver <ID>"}
	values := []any{
		&AtSubmit{Employee: "E1", Kind: "update", Source: model.Source{File: "a.csv", Line: 2}},
		&AtSubmit{Employee: "E&2\u2028", Kind: "report approver", From: "E<1>", Source: src},
		&AtSubmit{},
		&model.RecordResult{Pos: model.Position{File: "a.csv", Line: 3}, Format: model.FormatConcur, Type: "305", EmployeeID: "E1", Status: model.StatusConverted},
		&OpFinding{Request: 3, Operation: 7, Employee: "E<1>", Finding: schemas.Finding{Pointer: "/data/name/givenName", Message: "must be at most 64 characters & more \u2028", Severity: model.SevWarning, Keyword: "maxLength", Line: 12}, Source: &src},
		&OpFinding{Finding: schemas.Finding{Severity: model.SevError}},
		&model.RecordResult{Pos: model.Position{File: "x.xml", Line: 3, Item: 2}, Status: model.StatusRejected,
			Messages: []model.Diagnostic{{Severity: model.SevError, Source: src, Row: "305.csv:5", Message: "bad \xff & worse"}}},
	}
	for i, v := range values {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := v.(*model.RecordResult); ok {
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				t.Fatal(err)
			}
			want = bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		}
		got, err := reportEntry(v)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("value %d: got %s (%v)\nwant %s", i, got, err, want)
		}
	}
}
