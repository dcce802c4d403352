package mapping

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"sync"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/concur"
	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// benchRows is the size of the generated 305 file of the benchmarks, the
// size of the pipeline's Convert305 benchmark.
const benchRows = 100_000

// benchData is a generated 305 file (internal/gen) and its records as the
// Concur reader produces them, made once per process.
var benchData = sync.OnceValues(func() ([]byte, []*model.Record) {
	var buf bytes.Buffer
	if err := gen.Write305(&buf, benchRows, 1); err != nil {
		panic(err)
	}
	r := concur.NewReader(bytes.NewReader(buf.Bytes()), "bench.csv")
	var recs []*model.Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		recs = append(recs, rec)
	}
	return buf.Bytes(), recs
})

func benchEngine(b *testing.B, set *Set, recs []*model.Record) *Engine {
	e := NewEngine(set, Options{})
	for _, r := range recs {
		e.Add(r)
	}
	return e
}

func checkBench(b *testing.B, css []*model.ChangeSet, res []model.RecordResult) {
	if len(css) != benchRows || len(res) != benchRows+1 || res[benchRows].Status != model.StatusConverted {
		b.Fatalf("%d change sets, %d results, last %+v", len(css), len(res), res[len(res)-1])
	}
}

// BenchmarkEngine305 maps a generated file of 100k 305 records read by the
// Concur reader (outside the timed loop): Add alone, Finish alone (again on
// an engine that has all records), and Add plus Finish. ns/record is the
// figure to compare with a bare CSV read of the same file
// (BenchmarkCSVRead305).
func BenchmarkEngine305(b *testing.B) {
	_, recs := benchData()
	set := mustDefault(b)
	n := float64(len(recs))
	b.Run("Add", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			benchEngine(b, set, recs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*n), "ns/record")
	})
	b.Run("Finish", func(b *testing.B) {
		e := benchEngine(b, set, recs)
		b.ReportAllocs()
		for b.Loop() {
			css, res := e.Finish()
			checkBench(b, css, res)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*n), "ns/record")
	})
	b.Run("AddFinish", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e := benchEngine(b, set, recs)
			css, res := e.Finish()
			checkBench(b, css, res)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*n), "ns/record")
	})
}

// BenchmarkCSVRead305 is the baseline: a bare encoding/csv read of the same
// file.
func BenchmarkCSVRead305(b *testing.B) {
	data, _ := benchData()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	n := 0
	for b.Loop() {
		n = 0
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord = -1
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*float64(n)), "ns/record")
}

// TestParallelBuild checks that building on several workers gives the
// change sets and results of one worker, with renames, rejections and
// defaults (run it with -race).
func TestParallelBuild(t *testing.T) {
	var buf bytes.Buffer
	if err := gen.Write305(&buf, 3*buildBlock+17, 7); err != nil {
		t.Fatal(err)
	}
	recs := readAll(t, concur.NewReader(&buf, "gen.csv"))
	recs = append(recs, scenario()...)
	set := defaultsSet(t, testDefaults)
	var outs [2][]byte
	for i, workers := range []int{1, 4} {
		e := NewEngine(set, Options{})
		e.workers = workers
		for _, r := range recs {
			e.Add(r)
		}
		e.Reject(model.Position{File: "gen.csv", Line: 40}, model.Diagnostic{Message: "rejected by a test"})
		css, res := e.Finish()
		if len(css) < 3*buildBlock {
			t.Fatalf("%d change sets", len(css))
		}
		b, err := json.Marshal(struct {
			C []*model.ChangeSet
			R []model.RecordResult
		}{css, res})
		if err != nil {
			t.Fatal(err)
		}
		outs[i] = b
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("the change sets built on 4 workers differ from those built on 1")
	}
}
