package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Targets of issue 11.
const (
	targetFloorRatio   = 6.0       // convert wall time over the floor's, at 200k employees
	targetRSS          = 256 << 20 // convert's peak RSS, at 1M employees
	targetWrittenRatio = 1.5       // everything convert writes over the bulk requests
	targetValidate     = 1.0       // validate over convert
	targetReport       = 2.0       // each report over convert
)

// table is a header and rows of cells, printed aligned or as Markdown.
type table struct {
	header []string
	rows   [][]string
}

func (t *table) write(w io.Writer, markdown bool) {
	if markdown {
		row := func(cells []string) {
			esc := make([]string, len(cells))
			for i, c := range cells {
				esc[i] = strings.ReplaceAll(c, "|", `\|`)
			}
			fmt.Fprintf(w, "| %s |\n", strings.Join(esc, " | "))
		}
		row(t.header)
		sep := make([]string, len(t.header))
		for i := range sep {
			sep[i] = "---"
		}
		row(sep)
		for _, r := range t.rows {
			row(r)
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// find returns the result of one stage of a run.
func find(rs []result, spec runSpec, stage string) (result, bool) {
	for _, r := range rs {
		if r.Run == spec && r.Stage == stage {
			return r, true
		}
	}
	return result{}, false
}

// ratio is a.Wall / b.Wall when both stages ran to their end; convert's
// ratio to the floor is its runs' ratios to the floor runs beside them
// (result.PerFloor), when measured so.
func ratio(a, b result, okA, okB bool) (float64, bool) {
	if !okA || !okB || !a.OK || !b.OK || b.Wall <= 0 {
		return 0, false
	}
	if a.Stage == stageConvert && b.Stage == stageFloor && a.PerFloor > 0 {
		return a.PerFloor, true
	}
	return a.Wall.Seconds() / b.Wall.Seconds(), true
}

func formatRatio(x float64, ok bool) string {
	if !ok {
		return "-"
	}
	return strconv.FormatFloat(x, 'f', 2, 64) + "×"
}

// resultsTable lists every stage of every run with its ratios to the
// floor and to convert of the same run.
func resultsTable(rs []result) *table {
	t := &table{header: []string{"employees", "shape", "input", "stage", "status", "wall", "× floor", "× convert", "peak RSS", "written", "written / bulk", "note"}}
	for _, r := range rs {
		floor, okF := find(rs, r.Run, stageFloor)
		conv, okC := find(rs, r.Run, stageConvert)
		xf, okXF := ratio(r, floor, true, okF)
		xc, okXC := ratio(r, conv, true, okC)
		if r.Stage == stageConvert || r.Stage == stageFloor || r.Stage == stageTotal {
			xc, okXC = 0, false
		}
		wall := "-"
		if r.Wall > 0 {
			wall = formatDuration(r.Wall)
		}
		written, perBulk := "-", "-"
		if r.Written >= 0 && r.OK {
			written = formatBytes(r.Written)
		}
		if r.Stage == stageConvert && r.OK && r.Bulk > 0 {
			perBulk = strconv.FormatFloat(float64(r.Written)/float64(r.Bulk), 'f', 2, 64) + "× (bulk " + formatBytes(r.Bulk) + ")"
		}
		rss := "-"
		if r.MaxRSS > 0 {
			rss = formatBytes(r.MaxRSS)
		}
		t.rows = append(t.rows, []string{sizeName(r.Run.Rows), string(r.Run.Shape), formatBytes(r.Input), stageName(r.Stage), r.Status,
			wall, formatRatio(xf, okXF), formatRatio(xc, okXC), rss, written, perBulk, r.Note})
	}
	return t
}

func stageName(s string) string {
	if t, ok := stageTitle[s]; ok {
		return t
	}
	return s
}

// check marks a measured value against its bound.
func check(v float64, ok bool, bound float64, format func(float64) string) string {
	if !ok {
		return "-"
	}
	mark := "✓"
	if v > bound {
		mark = "✗"
	}
	return format(v) + " " + mark
}

func ratioText(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) + "×" }

// targetsTable checks every run against the targets of issue 11. The issue
// sets the speed bound at 200k employees and the memory bound at 1M; the
// table applies them at every size measured.
func targetsTable(rs []result, specs []runSpec) *table {
	t := &table{header: []string{"employees", "shape",
		"convert ≤ 6× floor", "convert peak RSS ≤ 256 MiB", "written ≤ 1.5× bulk",
		"validate ≤ 1× convert", "report html ≤ 2× convert", "report xlsx ≤ 2× convert"}}
	for _, spec := range specs {
		floor, okF := find(rs, spec, stageFloor)
		conv, okC := find(rs, spec, stageConvert)
		row := []string{sizeName(spec.Rows), string(spec.Shape)}
		x, ok := ratio(conv, floor, okC, okF)
		row = append(row, check(x, ok, targetFloorRatio, ratioText))
		rss := check(float64(conv.MaxRSS), okC && conv.OK && conv.MaxRSS > 0, targetRSS, func(v float64) string { return formatBytes(int64(v)) })
		if okC && !conv.OK && conv.MaxRSS > targetRSS {
			rss = "≥ " + formatBytes(conv.MaxRSS) + " ✗" // stopped, already over
		}
		row = append(row, rss)
		row = append(row, check(float64(conv.Written)/float64(max(conv.Bulk, 1)), okC && conv.OK && conv.Bulk > 0, targetWrittenRatio, ratioText))
		for _, c := range []struct {
			stage string
			bound float64
		}{{stageValidate, targetValidate}, {stageHTML, targetReport}, {stageXLSX, targetReport}} {
			r, okR := find(rs, spec, c.stage)
			x, ok := ratio(r, conv, okR, okC)
			row = append(row, check(x, ok, c.bound, ratioText))
		}
		t.rows = append(t.rows, row)
	}
	return t
}

// report writes the machine line, the results and the targets.
func report(w io.Writer, rs []result, specs []runSpec, machine string, markdown bool) {
	if markdown {
		fmt.Fprintf(w, "%s\n\n", machine)
		resultsTable(rs).write(w, true)
		fmt.Fprintf(w, "\nTargets of issue 11 (✓ met, ✗ missed; the issue sets the speed bound at 200k employees and the memory bound at 1M, the table applies every bound at every size measured):\n\n")
		targetsTable(rs, specs).write(w, true)
		return
	}
	fmt.Fprintf(w, "%s\n\n", machine)
	resultsTable(rs).write(w, false)
	fmt.Fprintf(w, "\ntargets of issue 11 (✓ met, ✗ missed; speed bound set at 200k employees, memory bound at 1M, applied here at every size):\n")
	targetsTable(rs, specs).write(w, false)
}

func formatDuration(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s < 10:
		return strconv.FormatFloat(s, 'f', 2, 64) + " s"
	case s < 100:
		return strconv.FormatFloat(s, 'f', 1, 64) + " s"
	}
	return strconv.FormatFloat(s, 'f', 0, 64) + " s"
}

// formatBytes prints a size in binary units (KiB, MiB, GiB).
func formatBytes(n int64) string {
	const k = 1 << 10
	switch {
	case n < k:
		return strconv.FormatInt(n, 10) + " B"
	case n < k*k:
		return strconv.FormatFloat(float64(n)/k, 'f', 1, 64) + " KiB"
	case n < k*k*k:
		return strconv.FormatFloat(float64(n)/(k*k), 'f', 1, 64) + " MiB"
	}
	return strconv.FormatFloat(float64(n)/(k*k*k), 'f', 2, 64) + " GiB"
}
