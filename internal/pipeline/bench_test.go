package pipeline

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats"
	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// benchRows is the size of the generated 305 file every benchmark here
// reads; all figures are reported as ratios to BenchmarkEncodingCSV305.
const benchRows = 100000

var (
	benchOnce sync.Once
	benchPath string
	benchSize int64
	benchErr  error
)

// benchFile writes the generated 305 file once per test binary.
func benchFile(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "upsmigrate-bench")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "employees-305.csv")
		f, err := os.Create(benchPath)
		if err != nil {
			benchErr = err
			return
		}
		if err := gen.Write305(f, benchRows, 1); err != nil {
			benchErr = err
		}
		f.Close()
		st, err := os.Stat(benchPath)
		if err == nil {
			benchSize = st.Size()
		}
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	b.SetBytes(benchSize)
	return benchPath
}

// BenchmarkEncodingCSV305 is the baseline: a bare encoding/csv read of the
// file, every row materialised, nothing checked.
func BenchmarkEncodingCSV305(b *testing.B) {
	path := benchFile(b)
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		n := 0
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(rec)
		}
		f.Close()
		if n == 0 {
			b.Fatal("no fields read")
		}
	}
}

// BenchmarkRead305 is the Concur reader alone, through format detection.
func BenchmarkRead305(b *testing.B) {
	path := benchFile(b)
	b.ReportAllocs()
	for b.Loop() {
		in, err := formats.Open(path, formats.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := in.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		in.Close()
		if n != benchRows+1 {
			b.Fatalf("%d records, want %d", n, benchRows+1)
		}
	}
}

func benchConvert(b *testing.B, opts Options) {
	path := benchFile(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := Convert([]string{path}, opts)
		if err != nil {
			b.Fatal(err)
		}
		if res.Totals.Rejected != 0 || res.Plan.Stats.UsersCreated != benchRows {
			b.Fatalf("unexpected result: %+v, %d users created", res.Totals, res.Plan.Stats.UsersCreated)
		}
	}
}

// BenchmarkConvert305 is convert without schema validation: read, map,
// fold, plan and encode every bulk request in memory.
func BenchmarkConvert305(b *testing.B) {
	benchConvert(b, Options{Options: plan.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"}, NoValidate: true})
}

// BenchmarkConvertValidate305 is convert as the command runs it: every
// operation validated with the fast schema validator on all cores.
func BenchmarkConvertValidate305(b *testing.B) {
	benchConvert(b, Options{Options: plan.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"}})
}

// BenchmarkConvertWrite305 is the whole convert command: convert with
// validation, then the bulk files, plan.jsonl and report.json written to
// disk.
func BenchmarkConvertWrite305(b *testing.B) {
	path := benchFile(b)
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		res, err := Convert([]string{path}, Options{Options: plan.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"}})
		if err != nil {
			b.Fatal(err)
		}
		if err := res.Write(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvertFindings305 is convert when every operation carries a
// schema finding (no company id: each create lacks the companyId UPS
// requires): the cost of a run must not depend on its findings.
func BenchmarkConvertFindings305(b *testing.B) {
	path := benchFile(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := Convert([]string{path}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Findings) < benchRows {
			b.Fatalf("%d findings, want one per create at least", len(res.Findings))
		}
	}
}
