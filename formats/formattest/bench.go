package formattest

import (
	"bytes"
	"io"
	"testing"
)

// PerOp is the mean time of one iteration of b so far, in nanoseconds: the
// baseline of a ratio a later sub-benchmark reports.
func PerOp(b *testing.B) float64 {
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}

// BenchRead is the body of a reader benchmark: every iteration reads data
// to its end with a reader from open and fails on an error or on a record
// count other than want. It reports bytes and allocations per iteration
// and returns PerOp.
func BenchRead(b *testing.B, data []byte, want int, open func(io.Reader, string) Reader) float64 {
	b.Helper()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := open(bytes.NewReader(data), "bench")
		n := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != want {
			b.Fatalf("read %d records, want %d", n, want)
		}
	}
	return PerOp(b)
}

// Ratio reports per/base as the metric unit of b, when base was measured.
func Ratio(b *testing.B, per, base float64, unit string) {
	if base > 0 {
		b.ReportMetric(per/base, unit)
	}
}
