package pipeline

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/report"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// lineageFeeds are the conversions whose lineage the tests trace: every
// sample together, without and with the sample mapping defaults, and a
// varied 305 feed (employees of many shapes). Each
// runs in a directory of its own, inputs named relative to it, so the
// sources do not depend on where the test runs.
var lineageFeeds = []struct {
	name    string
	convert func(t *testing.T) *Result
}{
	{"samples", func(t *testing.T) *Result {
		t.Chdir("../..")
		res, err := Convert(sampleFiles(t), Options{Options: plan.Options{CompanyID: companyID}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}},
	{"defaults", func(t *testing.T) *Result {
		t.Chdir("../..")
		set, err := mapping.LoadDir("samples/mapping")
		if err != nil {
			t.Fatal(err)
		}
		res, err := Convert(sampleFiles(t), Options{Options: plan.Options{CompanyID: companyID}, Mapping: set})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}},
	{"varied", func(t *testing.T) *Result {
		path := writeVaried(t, 16, 17)
		t.Chdir(filepath.Dir(path))
		res, err := Convert([]string{filepath.Base(path)}, Options{Options: plan.Options{CompanyID: companyID}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}},
}

// traceLines renders the report's trace of dir, one JSON row a line.
func traceLines(t *testing.T, dir string) []byte {
	t.Helper()
	d, err := report.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := d.Trace(func(r *report.TraceRow) error { return enc.Encode(r) }); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestLineageTraceUnchanged traces every value of each feed through the
// report and compares the rows with testdata/lineage/NAME.trace.jsonl,
// written from the plan.jsonl format that held every value's lineage
// inline (before issue 11): a plan format that loses nothing gives the
// same trace.
func TestLineageTraceUnchanged(t *testing.T) {
	for _, feed := range lineageFeeds {
		t.Run(feed.name, func(t *testing.T) {
			file, err := filepath.Abs(filepath.Join("testdata", "lineage", feed.name+".trace.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			res := feed.convert(t)
			out := t.TempDir()
			if err := res.Write(out); err != nil {
				t.Fatal(err)
			}
			got := traceLines(t, out)
			if bytes.Count(got, []byte{'\n'}) < 100 {
				t.Fatalf("only %d trace rows: the feed shows too little", bytes.Count(got, []byte{'\n'}))
			}
			golden.Check(t, file, got)
		})
	}
}

// flatAttr is everything a value says, its lineage put together.
type flatAttr struct {
	Schema, Path string
	Kind         model.AttrKind
	Member       string
	Present      bool
	Value        any
	Source       model.Source
	Row          string
}

type flatRef struct {
	Kind         model.RefKind
	Schema, Path string
	Primary      string // "", "primary", "secondary"
	Target       string
	Attrs        []flatAttr
	Source       model.Source
	Row          string
}

type flatSet struct {
	EmployeeID string
	Creates    bool
	Rename     *model.Rename
	Attrs      []flatAttr
	Refs       []flatRef
	Records    []model.Position
	LeaveOut   []string
}

func flatAttrs(as []model.Attr) []flatAttr {
	var out []flatAttr
	for i := range as {
		a := &as[i]
		f := flatAttr{Schema: a.Schema(), Path: a.Path(), Kind: a.Kind(), Value: a.Value(), Source: a.Source(), Row: a.Row()}
		if a.Kind() == model.AttrMember {
			f.Member, f.Present = a.Member(), a.Present()
		}
		out = append(out, f)
	}
	return out
}

// flatten is cs without the parts its values share in memory: what the
// lineage must keep.
func flatten(cs *model.ChangeSet) flatSet {
	f := flatSet{EmployeeID: cs.EmployeeID, Creates: cs.Creates, Rename: cs.Rename, Attrs: flatAttrs(cs.Attrs),
		Records: cs.Records, LeaveOut: cs.LeaveOut}
	for i := range cs.Refs {
		r := &cs.Refs[i]
		fr := flatRef{Kind: r.Kind, Schema: r.Schema, Path: r.Path, Target: r.Target, Attrs: flatAttrs(r.Attrs), Source: r.Source(), Row: r.Row()}
		if r.Primary != nil {
			fr.Primary = map[bool]string{true: "primary", false: "secondary"}[*r.Primary]
		}
		f.Refs = append(f.Refs, fr)
	}
	if len(f.LeaveOut) == 0 {
		f.LeaveOut = nil
	}
	return f
}

// TestLineageLossless converts each feed, and a larger varied one, writes
// the outputs and reads plan.jsonl back: every change set equals the one
// convert held in memory, value by value with its target and lineage, and
// every employee's operations are those of the bulk requests, in order.
func TestLineageLossless(t *testing.T) {
	feeds := append(lineageFeeds[:len(lineageFeeds):len(lineageFeeds)], struct {
		name    string
		convert func(t *testing.T) *Result
	}{"varied-3000", func(t *testing.T) *Result {
		res, err := Convert([]string{writeVariedP(t, 3000, 23, 40)}, Options{Options: plan.Options{CompanyID: companyID}})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}})
	for _, feed := range feeds {
		t.Run(feed.name, func(t *testing.T) {
			res := feed.convert(t)
			out := t.TempDir()
			if err := res.Write(out); err != nil {
				t.Fatal(err)
			}
			// The operations of each employee, from the requests: a
			// rename's under the old ID first.
			byEmp := map[string][]OpRef{}
			for _, req := range res.Plan.Requests {
				for i, op := range req.Operations {
					byEmp[op.Employee] = append(byEmp[op.Employee], OpRef{Bulk: BulkFileName(req.Seq), Index: i, Phase: op.Phase,
						Method: op.Method, Path: op.Path, BulkID: op.BulkID})
				}
			}
			f, err := os.Open(filepath.Join(out, "plan.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			lr := lineage.NewReader(f)
			values, ops := 0, 0
			for i, cs := range res.ChangeSets {
				line, err := lr.Next()
				if err != nil {
					t.Fatalf("employee %d (%s): %v", i+1, cs.EmployeeID, err)
				}
				if got, want := flatten(line.ChangeSet), flatten(cs); !reflect.DeepEqual(got, want) {
					t.Fatalf("plan.jsonl:%d: the change set of %s differs:\n got %+v\nwant %+v", line.N, cs.EmployeeID, got, want)
				}
				var want []OpRef
				if cs.Rename != nil && cs.Rename.From != cs.EmployeeID {
					want = append(want, byEmp[cs.Rename.From]...)
				}
				want = append(want, byEmp[cs.EmployeeID]...)
				if len(line.Operations) != len(want) || len(want) > 0 && !reflect.DeepEqual(line.Operations, want) {
					t.Fatalf("plan.jsonl:%d: operations of %s\n got %+v\nwant %+v", line.N, cs.EmployeeID, line.Operations, want)
				}
				values += len(cs.Attrs) + len(cs.Refs)
				ops += len(want)
			}
			if _, err := lr.Next(); err != io.EOF {
				t.Fatalf("after the %d change sets: %v, want io.EOF", len(res.ChangeSets), err)
			}
			if values < 100 || ops == 0 {
				t.Fatalf("%d values, %d operations: the feed shows too little", values, ops)
			}
		})
	}
}
