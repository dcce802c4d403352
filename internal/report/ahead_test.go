package report

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// TestWalkAhead: the HTML (one document, and paged) and XLSX reports and
// the employees a walk gives are the same whether the plan is read and
// walked on the writer's goroutine or ahead of it (planAhead,
// aheadEmployees), on runs of many varied employees (renames, delegates,
// rejected records, findings on every record) and with a journal.
func TestWalkAhead(t *testing.T) {
	runs := map[string]func(t *testing.T) string{
		"samples": func(t *testing.T) string {
			files, err := filepath.Glob("../../samples/concur/*.csv")
			must(t, err)
			return convertRun(t, files)
		},
		"mixed": func(t *testing.T) string {
			files, err := gen.WriteFiles(t.TempDir(), gen.ShapeMixed, 150, 7)
			must(t, err)
			return convertRun(t, files)
		},
		"findings": func(t *testing.T) string {
			files, err := gen.WriteFiles(t.TempDir(), gen.ShapeFindings, 150, 7)
			must(t, err)
			return convertRun(t, files)
		},
		"journal": journalFixture,
	}
	defer func(n, p int) { aheadEmployees, planAhead = n, p }(aheadEmployees, planAhead)
	for name, run := range runs {
		t.Run(name, func(t *testing.T) {
			dir := run(t)
			aheadEmployees, planAhead = 0, 0
			want := renderAll(t, dir)
			for _, n := range []int{1, 3, 64} {
				aheadEmployees, planAhead = n, n
				got := renderAll(t, dir)
				if len(got) != len(want) {
					t.Fatalf("ahead %d: %d outputs, want %d", n, len(got), len(want))
				}
				for k := range want {
					if !bytes.Equal(got[k], want[k]) {
						t.Errorf("ahead %d: %s differs from the walk on one goroutine", n, k)
					}
				}
			}
			aheadEmployees, planAhead = 0, 0
			wantEmps := employees(t, dir)
			aheadEmployees, planAhead = 3, 2
			if got := employees(t, dir); !reflect.DeepEqual(got, wantEmps) {
				t.Error("walkAhead gives other employees than walk")
			}
			if len(wantEmps) == 0 {
				t.Error("no employee")
			}
		})
	}
}

// convertRun converts files into a run directory.
func convertRun(t *testing.T, files []string) string {
	t.Helper()
	res, err := pipeline.Convert(files, pipeline.Options{Options: plan.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"}})
	must(t, err)
	out := filepath.Join(t.TempDir(), "out")
	must(t, res.Write(out))
	return out
}

// renderAll renders the run in HTML (one document, and paged 40
// employees a page) and XLSX, each from a fresh Load, by output file name.
func renderAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	fresh := func() *Data {
		d, err := Load(dir)
		must(t, err)
		t.Cleanup(func() { d.Close() })
		return d
	}
	out["report.html"] = render(t, "html", fresh())
	// The workbook's parts: the zip stamps them with the time.
	x := render(t, "xlsx", fresh())
	zr, err := zip.NewReader(bytes.NewReader(x), int64(len(x)))
	must(t, err)
	for _, f := range zr.File {
		out["report.xlsx/"+f.Name] = unzip(t, x, f.Name)
	}
	d := fresh()
	d.Limits.HTMLPage = 40
	pages := t.TempDir()
	must(t, WriteHTMLFile(filepath.Join(pages, "report.html"), d))
	must(t, filepath.Walk(pages, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		rel, _ := filepath.Rel(pages, path)
		out["paged/"+rel] = b
		return err
	}))
	return out
}

// employees collects deep copies of the employees an HTML report's walk
// gives.
func employees(t *testing.T, dir string) []Employee {
	t.Helper()
	d, err := Load(dir)
	must(t, err)
	defer d.Close()
	must(t, d.Count())
	var out []Employee
	must(t, d.walkAhead(func(e *Employee) error {
		c := *e
		c.Records = append([]EmployeeRecord(nil), e.Records...)
		c.Operations = append([]Operation(nil), e.Operations...)
		c.Values = append([]TraceRow(nil), e.Values...)
		c.Warnings = append([]Warning(nil), e.Warnings...)
		c.Rejected = append([]Rejected(nil), e.Rejected...)
		c.AtSubmit = append([]AtSubmit(nil), e.AtSubmit...)
		c.LeftOut = append([]string(nil), e.LeftOut...)
		out = append(out, c)
		return nil
	}))
	return out
}
