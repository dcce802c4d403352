package mapping

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// bench305 generates n realistic 305 rows: names, IDs, codes, custom data,
// Y/N flags, approvers pointing at other generated employees, blank future
// use fields.
func bench305(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		id := "EMP" + strconv.Itoa(100000+i)
		v := make([]string, 137)
		v[0] = "305"
		v[1], v[3] = "First"+strconv.Itoa(i), "Last"+strconv.Itoa(i)
		v[4], v[5] = id, "user"+strconv.Itoa(i)+"@example.com"
		v[6] = "" // password blank
		v[7] = v[5]
		v[8], v[9], v[10], v[11], v[12] = "en_US", "US", "US-WA", "DEFAULT", "USD"
		v[14] = "Y"
		for f := 16; f <= 30; f++ {
			v[f-1] = "CODE" + strconv.Itoa(f)
		}
		for f := 43; f <= 58; f++ {
			v[f-1] = "YN"[f%2 : f%2+1]
		}
		if i > 0 {
			v[58] = "EMP" + strconv.Itoa(100000+i-1) // approver: the previous employee
		}
		for _, f := range []int{63, 64, 65, 67, 69, 70, 72, 73, 74, 75, 78, 79, 84, 85, 86} {
			v[f-1] = "N"
		}
		v[62] = "Y"
		v[75], v[88], v[89] = "REQ", "N", "CNQRPAY"
		rows[i] = v
	}
	return rows
}

func benchRecords(rows [][]string) []*model.Record {
	recs := make([]*model.Record, len(rows))
	for i, v := range rows {
		recs[i] = &model.Record{Format: model.FormatConcur, Type: "305", Pos: model.Position{File: "bench.csv", Line: i + 1},
			Keys: flatKeys[:137], Values: v}
	}
	return recs
}

// BenchmarkEngine305 maps generated 305 records: Add alone, and Add plus
// Finish (fold into change sets and results). ns/record is the figure to
// compare with a bare CSV read of the same rows (BenchmarkCSVRead305).
func BenchmarkEngine305(b *testing.B) {
	const n = 2000
	recs := benchRecords(bench305(n))
	set := mustDefault(b)
	b.Run("Add", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e := NewEngine(set, Options{})
			for _, r := range recs {
				e.Add(r)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
	})
	b.Run("AddFinish", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			e := NewEngine(set, Options{})
			for _, r := range recs {
				e.Add(r)
			}
			css, res := e.Finish()
			if len(css) != n || len(res) != n || res[n-1].Status != model.StatusConverted {
				b.Fatalf("%d change sets, %d results, last %+v", len(css), len(res), res[n-1])
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
	})
}

// BenchmarkCSVRead305 is the baseline: a bare encoding/csv read of the same
// rows.
func BenchmarkCSVRead305(b *testing.B) {
	const n = 2000
	var sb strings.Builder
	w := csv.NewWriter(&sb)
	if err := w.WriteAll(bench305(n)); err != nil {
		b.Fatal(err)
	}
	data := sb.String()
	b.ReportAllocs()
	for b.Loop() {
		r := csv.NewReader(strings.NewReader(data))
		r.FieldsPerRecord = -1
		for {
			if _, err := r.Read(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}
