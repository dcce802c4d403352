package pipeline

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

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
		res, err := Convert(sampleFiles(t), Options{CompanyID: companyID})
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
		res, err := Convert(sampleFiles(t), Options{CompanyID: companyID, Mapping: set})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}},
	{"varied", func(t *testing.T) *Result {
		path := writeVaried(t, 16, 17)
		t.Chdir(filepath.Dir(path))
		res, err := Convert([]string{filepath.Base(path)}, Options{CompanyID: companyID})
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
			golden, err := filepath.Abs(filepath.Join("testdata", "lineage", feed.name+".trace.jsonl"))
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
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				gl, wl := bytes.Split(got, []byte{'\n'}), bytes.Split(want, []byte{'\n'})
				for i := range min(len(gl), len(wl)) {
					if !bytes.Equal(gl[i], wl[i]) {
						t.Fatalf("trace row %d differs from %s:\n got %s\nwant %s", i+1, golden, gl[i], wl[i])
					}
				}
				t.Fatalf("%d trace rows, %s has %d", len(gl)-1, golden, len(wl)-1)
			}
		})
	}
}
