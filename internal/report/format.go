package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Limits caps what each format shows of a large run. A zero field takes its
// value from DefaultLimits; a negative one means none (no rows).
type Limits struct {
	HTMLTrace       int // trace rows in HTML
	HTMLList        int // rejected records, warnings, unsuccessful records and resolved at submit in HTML (each)
	MarkdownTrace   int // trace rows in Markdown
	MarkdownList    int // rejected records, warnings, unsuccessful records and resolved at submit in Markdown (each)
	XLSXRows        int // data rows per sheet (below the header row)
	XLSXTraceSheets int // sheets Trace, Trace 2 … before the trace is cut
}

// DefaultLimits are the limits of a Data whose Limits are zero; doc.go
// explains them.
var DefaultLimits = Limits{
	HTMLTrace:       10000,
	HTMLList:        10000,
	MarkdownTrace:   200,
	MarkdownList:    1000,
	XLSXRows:        1048575, // Excel's 1,048,576 rows per sheet less the header
	XLSXTraceSheets: 10,
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		switch {
		case *v == 0:
			*v = d
		case *v < 0:
			*v = 0
		}
	}
	def(&l.HTMLTrace, DefaultLimits.HTMLTrace)
	def(&l.HTMLList, DefaultLimits.HTMLList)
	def(&l.MarkdownTrace, DefaultLimits.MarkdownTrace)
	def(&l.MarkdownList, DefaultLimits.MarkdownList)
	def(&l.XLSXRows, DefaultLimits.XLSXRows)
	def(&l.XLSXTraceSheets, DefaultLimits.XLSXTraceSheets)
	if l.XLSXRows > DefaultLimits.XLSXRows {
		l.XLSXRows = DefaultLimits.XLSXRows
	}
	return l
}

// writers is the table of formats.
var writers = []struct {
	name  string
	write func(io.Writer, *Data) error
}{
	{"html", WriteHTML},
	{"xlsx", WriteXLSX},
	{"json", WriteJSON},
	{"md", WriteMarkdown},
}

// Formats lists the format names Write accepts.
func Formats() []string {
	out := make([]string, len(writers))
	for i, w := range writers {
		out[i] = w.name
	}
	return out
}

// Write writes d to w in the named format.
func Write(format string, w io.Writer, d *Data) error {
	for _, wr := range writers {
		if wr.name == format {
			return wr.write(w, d)
		}
	}
	return fmt.Errorf("unknown report format %q: use one of %s", format, strings.Join(Formats(), ", "))
}

// WriteJSON writes d as one JSON document: the fields of Data in a fixed
// order, then "trace", one row per line.
func WriteJSON(w io.Writer, d *Data) error {
	var hb bytes.Buffer
	henc := json.NewEncoder(&hb)
	henc.SetIndent("", "  ")
	henc.SetEscapeHTML(false)
	if err := henc.Encode(d); err != nil {
		return err
	}
	head := bytes.TrimRight(bytes.TrimSuffix(bytes.TrimRight(hb.Bytes(), "\n"), []byte("}")), "\n")
	bw := bufio.NewWriterSize(w, 256*1024)
	bw.Write(head)
	bw.WriteString(",\n  \"trace\": [")
	first := true
	var rb bytes.Buffer
	renc := json.NewEncoder(&rb)
	renc.SetEscapeHTML(false)
	err := d.Trace(func(r *TraceRow) error {
		rb.Reset()
		if err := renc.Encode(r); err != nil {
			return err
		}
		if !first {
			bw.WriteByte(',')
		}
		first = false
		bw.WriteString("\n    ")
		_, err := bw.Write(bytes.TrimRight(rb.Bytes(), "\n"))
		return err
	})
	if err != nil {
		return err
	}
	if !first {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}

// cut is a "showing n of total" note for a capped list, "" when nothing was
// cut.
func cut(shown, total int, what, where string) string {
	if shown >= total {
		return ""
	}
	return fmt.Sprintf("Showing the first %d of %d %s; %s.", shown, total, what, where)
}

// fullReport points at the formats that hold everything.
const fullReport = "the XLSX and JSON reports hold them all"
