package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	in := `goos: linux
BenchmarkEncodingCSV305-2   	      10	 100000000 ns/op	  50.00 MB/s	 1000 B/op	 10 allocs/op
BenchmarkEncodingCSV305-2   	      10	 120000000 ns/op	  50.00 MB/s	 1000 B/op	 10 allocs/op
BenchmarkEncodingCSV305-2   	      10	  90000000 ns/op	  50.00 MB/s	 1000 B/op	 10 allocs/op
BenchmarkConvert305-2       	       5	 250000000 ns/op	 2000 B/op	 20 allocs/op
PASS
`
	var out strings.Builder
	if err := run(strings.NewReader(in), &out, "BenchmarkEncodingCSV305"); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{"BenchmarkEncodingCSV305", "1.00x", "BenchmarkConvert305", "2.50x"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct{ name, in, baseline, want string }{
		{"empty", "PASS\n", "B", "no benchmark results"},
		{"no baseline", "BenchmarkA-2 1 10 ns/op\n", "BenchmarkB", "baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			err := run(strings.NewReader(tt.in), &out, tt.baseline)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
