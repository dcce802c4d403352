package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/golden"
)

// The test binary doubles as the children benchrun runs: BENCHRUN_CHILD
// says which one it plays.
func TestMain(m *testing.M) {
	if mode := os.Getenv("BENCHRUN_CHILD"); mode != "" {
		os.Exit(child(mode, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func child(mode string, args []string) int {
	switch mode {
	case "exit3":
		fmt.Fprintln(os.Stderr, "first line\nit went wrong")
		return 3
	case "sleep":
		time.Sleep(time.Minute)
	case "alloc":
		b := make([]byte, 512<<20)
		for i := range b {
			b[i] = 1
		}
		time.Sleep(time.Minute)
		return int(b[len(b)-1]) - 1
	case "fake":
		return fakeUpsmigrate(args)
	}
	return 0
}

const fakeReport = `{"totals":{"records":11,"converted":10,"rejected":1,"warnings":4},"records":[]}`

// fakeUpsmigrate writes what convert and report write, in miniature; a
// convert of a file named *-findings.csv fails with exit code 2.
func fakeUpsmigrate(args []string) int {
	flagValue := func(name string) string {
		for i, a := range args {
			if a == name && i+1 < len(args) {
				return args[i+1]
			}
		}
		return ""
	}
	if len(args) == 0 {
		return 0 // the floor
	}
	switch args[0] {
	case "convert":
		if strings.HasSuffix(args[len(args)-1], "-findings.csv") {
			fmt.Fprintln(os.Stderr, "convert: cannot write")
			return 2
		}
		out := flagValue("--out")
		os.MkdirAll(out, 0o700)
		os.WriteFile(filepath.Join(out, "bulk-0001.json"), bytes.Repeat([]byte("b"), 1000), 0o600)
		os.WriteFile(filepath.Join(out, "plan.jsonl"), bytes.Repeat([]byte("p"), 500), 0o600)
		os.WriteFile(filepath.Join(out, "report.json"), []byte(fakeReport), 0o600)
		return 1
	case "report":
		os.WriteFile(flagValue("--out"), []byte("report"), 0o600)
	}
	return 0
}

func TestParseRuns(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{defaultRuns, "100000/305 100000/mixed 200000/305 200000/findings 1000000/305 1000000/mixed", ""},
		{"10k:mixed;  2500:305", "10000/mixed 2500/305", ""},
		{"10k", "", "SIZE:SHAPE"},
		{"10x:305", "", "positive count"},
		{"10k:json", "", "unknown shape"},
		{"  ", "", "no run"},
	}
	for _, tt := range tests {
		runs, err := parseRuns(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseRuns(%q): err %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		var got []string
		for _, r := range runs {
			got = append(got, fmt.Sprintf("%d/%s", r.Rows, r.Shape))
		}
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("parseRuns(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
		}
	}
	runs, err := crossRuns("10k,50k", "305,findings")
	if err != nil || len(runs) != 4 || runs[1] != (runSpec{10000, gen.ShapeFindings}) || runs[2] != (runSpec{50000, gen.Shape305}) {
		t.Errorf("crossRuns = %v, %v", runs, err)
	}
}

func TestSizes(t *testing.T) {
	for _, tt := range []struct {
		in   string
		n    int
		name string
	}{{"10k", 10000, "10k"}, {"1M", 1000000, "1M"}, {"2500", 2500, "2500"}, {"250K", 250000, "250k"}} {
		n, err := parseSize(tt.in)
		if err != nil || n != tt.n || sizeName(n) != tt.name {
			t.Errorf("%q: %d (%v), name %q; want %d, %q", tt.in, n, err, sizeName(n), tt.n, tt.name)
		}
	}
	for _, tt := range []struct {
		in   string
		want int64
	}{{"0", 0}, {"auto", autoRSS}, {"8GiB", 8 << 30}, {"512MB", 512 << 20}, {"1.5G", 3 << 29}, {"4096", 4096}} {
		if got, err := parseMaxRSS(tt.in); err != nil || got != tt.want {
			t.Errorf("parseMaxRSS(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if l := (limits{MaxRSS: 123}).effective(); l.MaxRSS != 123 {
		t.Errorf("a given limit changed to %d", l.MaxRSS)
	}
	if total, _ := memInfo(); total > 0 {
		if l := (limits{MaxRSS: autoRSS}).effective(); l.MaxRSS < 1<<30 || l.MaxRSS > total/4*3 {
			t.Errorf("auto limit %d: want between 1 GiB and 3/4 of %d", l.MaxRSS, total)
		}
	}
	if _, err := parseMaxRSS("lots"); err == nil {
		t.Error("parseMaxRSS(lots): want an error")
	}
	if st, err := parseStages("xlsx,floor"); err != nil || strings.Join(st, ",") != "floor,xlsx" {
		t.Errorf("parseStages = %v, %v; want floor,xlsx in run order", st, err)
	}
	if _, err := parseStages("floor,submit"); err == nil {
		t.Error("parseStages(submit): want an error")
	}
}

func TestParseVmRSS(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"Name:\tx\nVmPeak:\t  999 kB\nVmRSS:\t  2048 kB\n", 2048 << 10, true},
		{"Name:\tx\n", 0, false},
		{"VmRSS:\t2 MB\n", 0, false},
	} {
		got, ok := parseVmRSS([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseVmRSS(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTailWriter(t *testing.T) {
	w := &tailWriter{max: 8}
	io.WriteString(w, "0123456")
	io.WriteString(w, "789abc")
	if got := w.String(); got != "56789abc" {
		t.Errorf("tail = %q, want the last 8 bytes", got)
	}
}

func TestRunChild(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		mode    string
		lim     limits
		exit    int
		stopped string
	}{
		{"ok", limits{}, 0, ""},
		{"exit3", limits{}, 3, ""},
		{"sleep", limits{Timeout: 200 * time.Millisecond}, -1, "timed out after 200ms"},
		{"alloc", limits{MaxRSS: 64 << 20, Timeout: time.Minute}, -1, "over the memory limit (64.0 MiB)"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			if tt.mode == "alloc" {
				if _, err := os.Stat("/proc/self/status"); err != nil {
					t.Skip("no /proc: the memory limit does not apply")
				}
			}
			t.Setenv("BENCHRUN_CHILD", tt.mode)
			o := runChild(ctx, tt.lim, os.Args[0])
			if o.Exit != tt.exit || o.Stopped != tt.stopped {
				t.Fatalf("exit %d, stopped %q, err %v; want %d, %q", o.Exit, o.Stopped, o.Err, tt.exit, tt.stopped)
			}
			if (tt.stopped != "") != (o.Err != nil) {
				t.Errorf("err = %v for stopped %q", o.Err, o.Stopped)
			}
			if o.MaxRSS <= 0 && o.Polled <= 0 {
				t.Error("no peak RSS measured")
			}
			if tt.mode == "exit3" && lastLine(o.Stderr) != "it went wrong" {
				t.Errorf("stderr %q: want its last line kept", o.Stderr)
			}
		})
	}
	if o := runChild(ctx, limits{}, filepath.Join(t.TempDir(), "missing")); o.Err == nil || o.Exit != -1 {
		t.Errorf("missing binary: %+v, want an error", o)
	}
}

// TestRunOne runs the stages against a fake upsmigrate: figures are
// collected, a convert that fails skips the stages that need its output,
// and the run's files are removed.
func TestRunOne(t *testing.T) {
	t.Setenv("BENCHRUN_CHILD", "fake")
	var log bytes.Buffer
	cfg := &config{Bin: os.Args[0], Floor: os.Args[0], CompanyID: "c", Seed: 1, Stages: allStages, Work: t.TempDir(), Log: &log}
	var rs []result
	for _, spec := range []runSpec{{20, gen.ShapeMixed}, {20, gen.ShapeFindings}} {
		rs = append(rs, runOne(context.Background(), cfg, spec)...)
	}
	if len(rs) != 2*(len(allStages)+1) {
		t.Fatalf("%d results, want %d", len(rs), 2*(len(allStages)+1))
	}
	want := []struct {
		stage, status string
		ok            bool
		written       int64
	}{
		{stageFloor, "ok", true, -1},
		{stageConvert, "exit 1", true, 1000 + 500 + int64(len(fakeReport))},
		{stageValidate, "ok", true, -1},
		{stageHTML, "ok", true, 6},
		{stageXLSX, "ok", true, 6},
		{stageTotal, "ok", true, 1000 + 500 + int64(len(fakeReport)) + 12},
		{stageFloor, "ok", true, -1},
		{stageConvert, "exit 2", false, -1},
		{stageValidate, "skipped: no convert output", false, -1},
		{stageHTML, "skipped: no convert output", false, -1},
		{stageXLSX, "skipped: no convert output", false, -1},
		{stageTotal, "incomplete", false, 0},
	}
	for i, w := range want {
		r := rs[i]
		if r.Stage != w.stage || r.Status != w.status || r.OK != w.ok || r.Written != w.written {
			t.Errorf("result %d: %s %q ok=%v written %d; want %s %q ok=%v written %d", i, r.Stage, r.Status, r.OK, r.Written, w.stage, w.status, w.ok, w.written)
		}
	}
	if conv := rs[1]; conv.Bulk != 1000 || conv.Note != "11 records: 1 rejected, 4 warnings" || conv.Input == 0 {
		t.Errorf("convert: bulk %d, note %q, input %d", conv.Bulk, conv.Note, conv.Input)
	}
	if rs[7].Note != "convert: cannot write" {
		t.Errorf("failed convert: note %q, want the end of its standard error", rs[7].Note)
	}
	// Runs leave their files for main to remove at the end (see runOne).
	if entries, _ := os.ReadDir(cfg.Work); len(entries) != 2 {
		t.Errorf("work directory holds %v, want the two runs' directories", entries)
	}
}

func TestReadTotals(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		body string
		ok   bool
	}{
		{`{"options":{"x":[1,2]},"totals":{"records":3,"rejected":1,"warnings":2}}`, true},
		{`{"records":[]}`, false},
		{`[]`, false},
	} {
		path := filepath.Join(dir, "report.json")
		os.WriteFile(path, []byte(tt.body), 0o600)
		got, err := readTotals(path)
		if (err == nil) != tt.ok || tt.ok && got != (totals{3, 1, 2}) {
			t.Errorf("readTotals(%s) = %+v, %v", tt.body, got, err)
		}
	}
}

// fixedResults are figures of two runs, one of them with a failed stage.
func fixedResults() ([]result, []runSpec) {
	a := runSpec{200000, gen.Shape305}
	b := runSpec{1000000, gen.ShapeMixed}
	rs := []result{
		{Run: a, Stage: stageFloor, Input: 90 << 20, OK: true, Status: "ok", Wall: 800 * time.Millisecond, MaxRSS: 8 << 20, Written: -1},
		{Run: a, Stage: stageConvert, Input: 90 << 20, OK: true, Status: "ok", Wall: 4 * time.Second, MaxRSS: 200 << 20, Written: 300 << 20, Bulk: 250 << 20, Note: "200001 records: 0 rejected, 0 warnings",
			PerFloor: 5.25}, // its runs over the floor runs beside them, not 4 s / 0.8 s
		{Run: a, Stage: stageValidate, Input: 90 << 20, OK: true, Status: "ok", Wall: 3 * time.Second, MaxRSS: 100 << 20, Written: -1},
		{Run: a, Stage: stageHTML, Input: 90 << 20, OK: true, Status: "ok", Wall: 9 * time.Second, MaxRSS: 300 << 20, Written: 40 << 20},
		{Run: a, Stage: stageXLSX, Input: 90 << 20, OK: true, Status: "ok", Wall: 7 * time.Second, MaxRSS: 250 << 20, Written: 30 << 20},
		{Run: b, Stage: stageFloor, Input: 900 << 20, OK: true, Status: "ok", Wall: 8 * time.Second, MaxRSS: 8 << 20, Written: -1},
		{Run: b, Stage: stageConvert, Input: 900 << 20, Status: "over the memory limit (16.0 GiB)", Wall: 300 * time.Second, MaxRSS: 16 << 30, Written: -1},
		{Run: b, Stage: stageValidate, Input: 900 << 20, Status: "skipped: no convert output", Written: -1},
	}
	rs = append(rs[:5], append([]result{total(a, 90<<20, rs[1:5])}, rs[5:]...)...)
	rs = append(rs, total(b, 900<<20, rs[7:]))
	return rs, []runSpec{a, b}
}

func TestReportGolden(t *testing.T) {
	rs, specs := fixedResults()
	for _, tt := range []struct {
		file     string
		markdown bool
	}{{"report.txt", false}, {"report.md", true}} {
		var buf bytes.Buffer
		report(&buf, rs, specs, "Measured on a test machine.", tt.markdown)
		golden.Check(t, filepath.Join("testdata", tt.file), buf.Bytes())
	}
}

func TestUpdateSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "B.md")
	os.WriteFile(path, []byte("# B\n\nintro\n"+beginMarker+"\nold table\n"+endMarker+"\nafter\n"), 0o644)
	if err := updateSection(path, "new table\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "# B\n\nintro\n" + beginMarker + "\nnew table\n" + endMarker + "\nafter\n"; string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	os.WriteFile(path, []byte("no markers\n"), 0o644)
	if err := updateSection(path, "x"); err == nil {
		t.Error("file without markers: want an error")
	}
}

// TestMeasureBefore: the hook runs before each run (the floor before each
// convert), the wall times of every run come back, the median is the
// middle one.
func TestMeasureBefore(t *testing.T) {
	calls := 0
	o, walls := measure(context.Background(), limits{}, 3, func(int) []string { return []string{"true"} }, func() { calls++ })
	if o.Err != nil || o.Exit != 0 || calls != 3 || len(walls) != 3 {
		t.Fatalf("outcome %+v, %d hook calls, %d walls; want ok, 3, 3", o, calls, len(walls))
	}
	if m := median([]time.Duration{3, 1, 2}); m != 2 {
		t.Errorf("median = %v, want 2", m)
	}
}

// TestRunWalls: the log lists each run of a repeated stage, and beside
// convert's the floor's.
func TestRunWalls(t *testing.T) {
	tests := []struct {
		walls, floors []time.Duration
		convert       bool
		want          string
	}{
		{ms(3500), nil, false, ""},
		{ms(3500, 3600), nil, false, " (runs 3.50 3.60 s)"},
		{ms(3500, 3600, 4010), ms(550, 560, 570), true, " (runs 3.50 3.60 4.01 s; floor 0.55 0.56 0.57 s)"},
		{ms(550, 560, 570), ms(550), false, " (runs 0.55 0.56 0.57 s)"},
	}
	for _, tt := range tests {
		if got := runWalls(tt.walls, tt.convert, tt.floors); got != tt.want {
			t.Errorf("runWalls(%v, %v, %v) = %q, want %q", tt.walls, tt.convert, tt.floors, got, tt.want)
		}
	}
}

// TestPairedRatio: convert's ratio to the floor is the median of each run
// over the floor run just before it, pairs with a failed floor left out;
// the floor reported is the median of the floors paired.
func TestPairedRatio(t *testing.T) {
	for _, tt := range []struct {
		walls, floors []time.Duration
		x             float64
		floor         time.Duration
		ok            bool
	}{
		// The drift the pairs are for: a slow minute slows both.
		{ms(3180, 3740, 3330), ms(600, 530, 540), 6.17, 540 * time.Millisecond, true},
		{ms(3000), ms(500), 6, 500 * time.Millisecond, true},
		{ms(3000, 4000, 9000), ms(500, 0, 1000), 6, 1000 * time.Millisecond, true},
		// Bracketed: each run over the mean of the floors before and after it.
		{ms(3000, 3300, 3600), ms(500, 700, 500, 600), 5.5, 600 * time.Millisecond, true},
		{ms(3000, 3000, 3000), ms(500, 500, 500, 1000), 6, 500 * time.Millisecond, true},
		{ms(3000), ms(0), 0, 0, false},
		{ms(3000, 3000), ms(600), 5, 600 * time.Millisecond, true}, // convert stopped the floor's runs short
		{nil, nil, 0, 0, false},
	} {
		x, f, ok := pairedRatio(tt.walls, tt.floors)
		if ok != tt.ok || math.Abs(x-tt.x) > 0.005 || f != tt.floor {
			t.Errorf("pairedRatio(%v, %v) = %.3f, %v, %v; want %.2f, %v, %v", tt.walls, tt.floors, x, f, ok, tt.x, tt.floor, tt.ok)
		}
	}
	conv := result{Stage: stageConvert, OK: true, Wall: 4 * time.Second, PerFloor: 6.17}
	floor := result{Stage: stageFloor, OK: true, Wall: time.Second}
	if x, ok := ratio(conv, floor, true, true); !ok || x != 6.17 {
		t.Errorf("ratio(convert, floor) = %v, %v; want its paired 6.17", x, ok)
	}
	conv.PerFloor = 0
	if x, ok := ratio(conv, floor, true, true); !ok || x != 4 {
		t.Errorf("ratio(convert unpaired, floor) = %v, %v; want 4", x, ok)
	}
}

// ms lists durations given in milliseconds.
func ms(ns ...int) []time.Duration {
	var ws []time.Duration
	for _, n := range ns {
		ws = append(ws, time.Duration(n)*time.Millisecond)
	}
	return ws
}

// TestDiskWarning: the runs' need is counted per stage, size and
// count, and a file system with less room is warned of; more room, or
// none known, says nothing.
func TestDiskWarning(t *testing.T) {
	cfg := &config{Work: "/w", Count: 5, Stages: []string{stageFloor, stageConvert, stageValidate, stageHTML, stageXLSX},
		Runs: []runSpec{{Rows: 200000}, {Rows: 200000}, {Rows: 200000}}}
	need := diskNeeded(cfg)
	if want := int64(3 * 200000 * (inputPerEmployee + 5*(5600+14600+800))); need != want {
		t.Fatalf("diskNeeded = %d, want %d", need, want)
	}
	if w := diskWarning(cfg, need-1); !strings.Contains(w, "warning") || !strings.Contains(w, "/w holds") {
		t.Errorf("one byte short: %q, want a warning naming the directory", w)
	}
	for _, free := range []int64{need, -1} {
		if w := diskWarning(cfg, free); w != "" {
			t.Errorf("free %d: %q, want nothing", free, w)
		}
	}
	cfg.Stages = []string{stageFloor, stageValidate}
	if n := diskNeeded(cfg); n != 3*200000*inputPerEmployee {
		t.Errorf("floor and validate only: %d, want the inputs alone", n)
	}
}
