package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzLoad loads a run directory made of an arbitrary report.json and
// plan.jsonl (no journal), seeded with real convert outputs of the samples
// (testdata/fuzz/FuzzLoad, written by upsmigrate convert) and the golden
// fixtures, then walks the plan. Neither may panic. An error names the
// file it is about, with the line of plan.jsonl where there is one.
// Loaded Data is consistent: records = converted + skipped + rejected,
// overall and per file, the files' records add up to the records; one
// Rejected entry per rejected record; the warning and resolved-at-submit
// counts are their lists' lengths; the plan yields as many employees as
// counted; every operation is listed once, in (bulk, index) order, not
// submitted, and found by its key; and Trace yields exactly TraceRows rows.
func FuzzLoad(f *testing.F) {
	for _, fx := range []string{"testdata/basic", "testdata/atsubmit"} {
		rep, err1 := os.ReadFile(filepath.Join(fx, "report.json"))
		plan, err2 := os.ReadFile(filepath.Join(fx, "plan.jsonl"))
		if err1 == nil && err2 == nil {
			f.Add(rep, plan)
		}
	}
	f.Add([]byte(`{}`), []byte(``))
	f.Add([]byte(`{"totals":{"records":2},"records":[{"pos":{"file":"a","line":1},"status":"converted"},{"pos":{"file":"a","line":1},"status":"odd"}],"files":[{"path":"b","records":3}]}`),
		[]byte("{\"plan\":\"upsmigrate\",\"version\":2}\n{\"file\":1,\"path\":\"a\"}\n{\"emp\":\"E1\",\"records\":[[1,1]],\"ops\":[[\"bulk-0001.json\",1,7,\"POST\",\"/Users\"],[\"bulk-0001.json\",1,1,\"PATCH\",\"/Users/x\"]]}\n\n{\"emp\":\"E2\",\"rename\":{\"from\":\"E0\",\"newEmployeeId\":\"E2\"},\"ops\":[[\"bulk-0000.json\",-1,0,\"POST\",\"/Users\"]]}\n"))
	f.Add([]byte("{\n\"records\": [\n{\"status\": 5}]}\n"), []byte(`{"plan":"upsmigrate","version":2}`+"\n"+`{"emp":"E1","attrs":[[9,"x"]]}`))
	f.Add([]byte(`{"plan":{"operations":[1,2,3,4,-5]}}`), []byte(`{"plan":"upsmigrate","version":1}`+"\n"+`{"emp":7}`))
	f.Add([]byte(`{"resolvedAtSubmit":[{"employee":"E9","kind":"update","source":{"file":"x","line":2}}],"totals":{"resolvedAtSubmit":1}}`),
		[]byte(`{"plan":"upsmigrate","version":2}`+"\n"+`{"ref":1,"kind":"manager","schema":"urn:x","path":"manager","primary":true,"field":"Password","name":"Password","row":"r:1"}`+"\n"+`{"emp":"E9","refs":[[1,"E1",0,[[1,"s3cret"]]]],"leaveOut":["urn:x"]}`))
	dir := f.TempDir() // one per worker process; its inputs run one at a time
	reportPath, planPath := filepath.Join(dir, "report.json"), filepath.Join(dir, "plan.jsonl")
	planLine := regexp.MustCompile(`^` + regexp.QuoteMeta(planPath) + `(:[1-9][0-9]*(:[0-9]+)?)?: `)
	f.Fuzz(func(t *testing.T, rep, plan []byte) {
		if err := os.WriteFile(reportPath, rep, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(planPath, plan, 0o600); err != nil {
			t.Fatal(err)
		}
		d, err := Load(dir)
		if err != nil {
			if d != nil {
				t.Fatal("data and an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, reportPath+":") && !planLine.MatchString(msg) {
				t.Fatalf("error %q names neither report.json nor a line of plan.jsonl", msg)
			}
			return
		}
		defer d.Close()
		if err := d.Count(); err != nil {
			if !planLine.MatchString(err.Error()) {
				t.Fatalf("error %q of the plan walk does not name plan.jsonl", err)
			}
			return
		}
		s := d.Summary
		rejected, listedWarnings := 0, 0
		if err := d.EachRejected(func(*Rejected) error { rejected++; return nil }); err != nil {
			t.Fatalf("EachRejected after Load: %v", err)
		}
		if err := d.EachWarning(func(*Warning) error { listedWarnings++; return nil }); err != nil {
			t.Fatalf("EachWarning after Load: %v", err)
		}
		if s.Records != s.Converted+s.Skipped+s.Rejected || s.Rejected != rejected {
			t.Fatalf("summary does not add up: %d records, %d converted, %d skipped, %d rejected (%d listed)", s.Records, s.Converted, s.Skipped, s.Rejected, rejected)
		}
		if s.Warnings != listedWarnings || s.AtSubmit != len(d.AtSubmit) {
			t.Fatalf("summary counts %d warnings and %d resolved at submit, lists %d and %d", s.Warnings, s.AtSubmit, listedWarnings, len(d.AtSubmit))
		}
		if len(s.Operations) != 3 || len(s.RequestsPerPhase) != 3 {
			t.Fatalf("per-phase counts %v %v", s.Operations, s.RequestsPerPhase)
		}
		records, warnings := 0, 0
		for _, fl := range d.Files {
			if fl.Records != fl.Converted+fl.Skipped+fl.Rejected {
				t.Fatalf("file %q: %d records, %d converted, %d skipped, %d rejected", fl.Path, fl.Records, fl.Converted, fl.Skipped, fl.Rejected)
			}
			records += fl.Records
			warnings += fl.Warnings
		}
		if records != s.Records || warnings > s.Warnings {
			t.Fatalf("files hold %d records and %d warnings, the summary %d and %d", records, warnings, s.Records, s.Warnings)
		}
		employees := 0
		if err := d.walk(func(e *Employee) error {
			if e.InPlan {
				employees++
			}
			return nil
		}); err != nil {
			t.Fatalf("walking the employees after Load: %v", err)
		}
		if s.Employees != employees {
			t.Fatalf("the summary counts %d employees, the plan yields %d", s.Employees, employees)
		}
		for i, op := range d.Operations {
			if i > 0 {
				p := d.Operations[i-1]
				if p.Bulk > op.Bulk || (p.Bulk == op.Bulk && p.Index >= op.Index) {
					t.Fatalf("operation %s listed after %s", op.Key, p.Key)
				}
			}
			if op.Key != OpKey(op.Bulk, op.Index) || op.Status != StatusNotSubmitted {
				t.Fatalf("operation %+v", op)
			}
			if got := d.Operation(op.Key); got == nil || got.Key != op.Key {
				t.Fatalf("Operation(%q) = %v", op.Key, got)
			}
		}
		rows := 0
		if err := d.Trace(func(r *TraceRow) error {
			rows++
			if r.Employee == "" {
				t.Fatalf("trace row %d without an employee", rows)
			}
			return nil
		}); err != nil {
			t.Fatalf("Trace after Load: %v", err)
		}
		if rows != s.TraceRows {
			t.Fatalf("Trace yields %d rows, the summary counts %d", rows, s.TraceRows)
		}
	})
}
