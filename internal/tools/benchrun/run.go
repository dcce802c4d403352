package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/gen"
)

// The stages of one run, in the order they run.
const (
	stageFloor    = "floor"
	stageConvert  = "convert"
	stageValidate = "validate"
	stageHTML     = "html"
	stageXLSX     = "xlsx"
)

var allStages = []string{stageFloor, stageConvert, stageValidate, stageHTML, stageXLSX}

// stageTitle is how the tables name a stage.
var stageTitle = map[string]string{
	stageFloor:    "floor (encoding/csv)",
	stageConvert:  "convert",
	stageValidate: "validate",
	stageHTML:     "report html",
	stageXLSX:     "report xlsx",
	stageTotal:    "whole chain",
}

// stageTotal is the row that adds up convert, validate and both reports:
// the whole command chain a migration runs before submitting.
const stageTotal = "total"

// runSpec is one size and shape to measure.
type runSpec struct {
	Rows  int
	Shape gen.Shape
}

// result is one stage of one run.
type result struct {
	Run     runSpec
	Stage   string
	Input   int64 // bytes of the input files
	OK      bool  // the stage ran to its end (convert: exit 0 or 1)
	Status  string
	Wall    time.Duration
	MaxRSS  int64 // bytes; 0: unknown
	Written int64 // bytes of the files it wrote; -1: none
	Bulk    int64 // convert: bytes of the bulk requests
	Note    string
	// PerFloor is convert's ratio to the floor: the median, over its
	// runs, of each run's wall time over that of the floor run just
	// before it (0: not measured so).
	PerFloor float64
}

// config is what the command line asks for.
type config struct {
	Bin       string // the upsmigrate binary
	Floor     string // the csvfloor binary
	CompanyID string
	Seed      int64
	Runs      []runSpec
	Stages    []string
	Limits    limits
	Work      string // the directory that holds every run's inputs and outputs
	Keep      bool   // keep each run's files
	Count     int    // runs of each stage (the floor: at least minFloorRuns); the median is reported
	Log       io.Writer
}

func (c *config) has(stage string) bool {
	for _, s := range c.Stages {
		if s == stage {
			return true
		}
	}
	return false
}

// runOne generates the inputs of one run and measures its stages. Its
// files stay until the whole benchmark ends (main removes cfg.Work): on
// ext4, creating files is slow for minutes after thousands were deleted
// (its inode allocator passes over recently freed inodes), so removing one
// run's outputs would charge the next run's convert for them.
func runOne(ctx context.Context, cfg *config, spec runSpec) []result {
	name := sizeName(spec.Rows) + "-" + string(spec.Shape)
	dir := filepath.Join(cfg.Work, name)
	fmt.Fprintf(cfg.Log, "%s %s: generating the inputs\n", sizeName(spec.Rows), spec.Shape)
	paths, err := gen.WriteFiles(filepath.Join(dir, "in"), spec.Shape, spec.Rows, cfg.Seed)
	if err != nil {
		return []result{{Run: spec, Stage: "generate", Status: "failed: " + err.Error(), Written: -1}}
	}
	// The inputs go to disk before the first stage: a user's files are
	// written long before they are converted, and the kernel writing back
	// the generator's pages while the stages run would be measured with
	// them (the floor and convert both ran a fifth slower).
	flushWrites()
	var input int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			input += st.Size()
		}
	}
	out := filepath.Join(dir, "out")
	var results []result
	converted := false
	floorAt := -1              // the floor's result
	var paired []time.Duration // the floor run before each run of convert (0: failed)
	for _, stage := range cfg.Stages {
		r := result{Run: spec, Stage: stage, Input: input, Written: -1}
		var args []string
		var wrote string
		switch stage {
		case stageFloor:
			args = append([]string{cfg.Floor}, paths...)
		case stageConvert:
			args = append([]string{cfg.Bin, "convert", "--company-id", cfg.CompanyID, "--progress=false", "--out", out}, paths...)
		case stageValidate:
			args = []string{cfg.Bin, "validate", out}
		case stageHTML, stageXLSX:
			wrote = filepath.Join(dir, "report."+stage)
			args = []string{cfg.Bin, "report", "--format", stage, "--out", wrote, out}
		}
		if stage != stageFloor && stage != stageConvert && !converted {
			r.Status = "skipped: no convert output"
			results = append(results, r)
			continue
		}
		reps := max(cfg.Count, 1)
		if stage == stageFloor {
			reps = max(reps, minFloorRuns)
		}
		argsOf := func(int) []string { return args }
		if stage == stageConvert {
			// Each run of convert writes a directory of its own, as a user's
			// first conversion does; the later stages read the first one's.
			argsOf = func(rep int) []string {
				if rep == 0 {
					return args
				}
				a := slices.Clone(args)
				a[slices.Index(a, out)] = fmt.Sprintf("%s-%d", out, rep+1)
				return a
			}
		}
		var before func()
		if stage == stageConvert && floorAt >= 0 {
			// The floor runs again before each convert, and once after
			// the last: the ratio is to the floor of the same minutes
			// (the machine's speed drifts).
			floorArgs := append([]string{cfg.Floor}, paths...)
			before = func() {
				var w time.Duration
				if f := runChild(ctx, cfg.Limits, floorArgs[0], floorArgs[1:]...); f.Err == nil && f.Exit == 0 {
					w = f.Wall
				}
				paired = append(paired, w)
			}
		}
		o, walls := measure(ctx, cfg.Limits, reps, argsOf, before)
		if before != nil && ctx.Err() == nil {
			before() // the floor after the last convert: each is bracketed
		}
		if stage == stageFloor {
			floorAt = len(results)
		}
		if stage == stageConvert && floorAt >= 0 {
			// Each run of convert over the floor run just before it: the
			// machine's speed drifts over minutes (the floor's first runs,
			// after the inputs are written and the bench has waited, took
			// 1.0 s one evening and 0.54 s beside the converts), so the
			// ratio is taken pair by pair, and the floor's row gives the
			// floors beside the converts.
			if x, f, ok := pairedRatio(walls, paired); ok {
				r.PerFloor = x
				results[floorAt].Wall = f
			}
		}
		r.Wall, r.MaxRSS = o.Wall, o.MaxRSS
		r.OK = o.Err == nil && (o.Exit == 0 || stage == stageConvert && o.Exit == 1)
		switch {
		case o.Stopped != "":
			r.Status = o.Stopped
		case o.Err != nil:
			r.Status = "failed: " + o.Err.Error()
		case o.Exit == 0:
			r.Status = "ok"
		default:
			r.Status = fmt.Sprintf("exit %d", o.Exit)
		}
		if !r.OK && o.Stderr != "" {
			r.Note = lastLine(o.Stderr)
		}
		switch stage {
		case stageConvert:
			converted = r.OK
			if r.OK {
				r.Written, r.Bulk = outputSizes(out)
				if t, err := readTotals(filepath.Join(out, "report.json")); err == nil {
					r.Note = fmt.Sprintf("%d records: %d rejected, %d warnings", t.Records, t.Rejected, t.Warnings)
				}
			}
		case stageHTML, stageXLSX:
			if st, err := os.Stat(wrote); err == nil && r.OK {
				r.Written = st.Size()
				if stage == stageHTML {
					// The HTML report's per-employee pages are in a folder
					// beside it: they count as written.
					pages, _ := outputSizes(strings.TrimSuffix(wrote, filepath.Ext(wrote)) + "_files")
					r.Written += pages
				}
			}
		}
		fmt.Fprintf(cfg.Log, "%s %s: %-8s %s, %.2f s, peak RSS %s%s\n", sizeName(spec.Rows), spec.Shape, stage, r.Status, r.Wall.Seconds(), formatBytes(r.MaxRSS), runWalls(walls, stage == stageConvert, paired))
		results = append(results, r)
		if ctx.Err() != nil {
			break
		}
	}
	return append(results, total(spec, input, results))
}

// runWalls lists the wall time of each run of a stage measured more than
// once, and for convert the floor's runs beside it, for the log.
func runWalls(walls []time.Duration, convert bool, floors []time.Duration) string {
	if len(walls) < 2 {
		return ""
	}
	list := func(ws []time.Duration) string {
		s := make([]string, len(ws))
		for i, w := range ws {
			s[i] = fmt.Sprintf("%.2f", w.Seconds())
		}
		return strings.Join(s, " ")
	}
	out := " (runs " + list(walls) + " s"
	if convert && len(floors) > 0 {
		out += "; floor " + list(floors) + " s"
	}
	return out + ")"
}

// pairedRatio is the median over convert's runs of each one's wall time
// over that of the floor runs beside it, and the median of those floors;
// false when no pair is whole (a floor run failed, or convert stopped).
// floors holds the floor run before each run of convert and, when run,
// one after the last: each run's floor is the mean of the one before it
// and the one after it (the next run's), so that a floor run in a slow or
// quick moment of the machine weighs on two ratios by half, not on one
// in full.
func pairedRatio(walls, floors []time.Duration) (float64, time.Duration, bool) {
	var xs []float64
	var fs []time.Duration
	for i, w := range walls {
		var sum time.Duration
		n := 0
		for _, j := range []int{i, i + 1} {
			if j < len(floors) && floors[j] > 0 {
				sum += floors[j]
				n++
			}
		}
		if n == 0 {
			continue
		}
		f := sum / time.Duration(n)
		xs = append(xs, w.Seconds()/f.Seconds())
		fs = append(fs, f)
	}
	if len(xs) == 0 {
		return 0, 0, false
	}
	slices.Sort(xs)
	return xs[len(xs)/2], median(fs), true
}

// minFloorRuns is how many times the floor runs at least: it is short,
// so one run is mostly noise of the machine.
const minFloorRuns = 3

// measure runs a command (argsOf gives the arguments of each run) reps
// times, or until a run fails, and returns the run of median wall time
// with the highest peak RSS of all runs, and the wall times of the runs.
// before, when set, runs before each run.
func measure(ctx context.Context, lim limits, reps int, argsOf func(rep int) []string, before func()) (outcome, []time.Duration) {
	var runs []outcome
	var walls []time.Duration
	var peak int64
	for i := 0; i < reps; i++ {
		if before != nil {
			before()
		}
		args := argsOf(i)
		o := runChild(ctx, lim, args[0], args[1:]...)
		if o.MaxRSS == 0 {
			o.MaxRSS = o.Polled
		}
		peak = max(peak, o.MaxRSS)
		if o.Err != nil || o.Exit != 0 {
			o.MaxRSS = peak
			return o, walls
		}
		runs = append(runs, o)
		walls = append(walls, o.Wall)
	}
	sort.Slice(runs, func(a, b int) bool { return runs[a].Wall < runs[b].Wall })
	o := runs[len(runs)/2]
	o.MaxRSS = peak
	return o, walls
}

// median is the median of ws (the upper one of an even count).
func median(ws []time.Duration) time.Duration {
	s := slices.Clone(ws)
	slices.Sort(s)
	return s[len(s)/2]
}

// total adds up the stages after the floor; it is complete only when
// convert, validate and both reports ran.
func total(spec runSpec, input int64, rs []result) result {
	t := result{Run: spec, Stage: stageTotal, Input: input, Written: 0, OK: true, Status: "ok"}
	n := 0
	for _, r := range rs {
		if r.Stage == stageFloor {
			continue
		}
		n++
		if !r.OK {
			t.OK, t.Status = false, "incomplete"
		}
		t.Wall += r.Wall
		t.MaxRSS = max(t.MaxRSS, r.MaxRSS)
		if r.Written > 0 {
			t.Written += r.Written
		}
	}
	if n < len(allStages)-1 {
		t.OK, t.Status = false, "incomplete"
	}
	return t
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// outputSizes sums the files of a convert output directory: everything,
// and the bulk requests (bulk-*.json) alone.
func outputSizes(dir string) (all, bulk int64) {
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		all += info.Size()
		if m, _ := filepath.Match("bulk-*.json", d.Name()); m {
			bulk += info.Size()
		}
		return nil
	})
	return all, bulk
}

type totals struct {
	Records  int `json:"records"`
	Rejected int `json:"rejected"`
	Warnings int `json:"warnings"`
}

// readTotals reads the "totals" member of report.json without decoding
// the rest (it comes first; report.json holds every record).
func readTotals(path string) (totals, error) {
	var t totals
	f, err := os.Open(path)
	if err != nil {
		return t, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return t, fmt.Errorf("%s: not a JSON object", path)
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return t, fmt.Errorf("%s: %w", path, err)
		}
		if key == "totals" {
			if err := dec.Decode(&t); err != nil {
				return t, fmt.Errorf("%s: totals: %w", path, err)
			}
			return t, nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return t, fmt.Errorf("%s: %w", path, err)
		}
	}
	return t, fmt.Errorf("%s: no totals", path)
}
