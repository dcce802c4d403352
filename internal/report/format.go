package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/private"
)

// Limits shape what each format shows of a large run. A zero field takes
// its value from DefaultLimits; a negative one means none (no rows) where
// that makes sense.
type Limits struct {
	// HTMLPage is the number of employee sections per page of an HTML
	// report written to a file (WriteHTMLFile); a run with no more is one
	// document.
	HTMLPage int
	// HTMLList is the number of rows of each list (rejected records,
	// warnings, unsuccessful records, resolved at submit) the summary of
	// an HTML report written to a file shows; the others continue on
	// pages of HTMLListPage rows.
	HTMLList      int
	HTMLListPage  int
	MarkdownTrace int // trace rows in Markdown
	MarkdownList  int // rejected records, warnings, unsuccessful records and resolved at submit in Markdown (each)
	// XLSXRows is the number of data rows of a sheet (below its header);
	// a longer list continues in the sheet "NAME 2", "NAME 3" ….
	XLSXRows int
}

// DefaultLimits are the limits of a Data whose Limits are zero; doc.go
// explains them.
var DefaultLimits = Limits{
	HTMLPage:      500,
	HTMLList:      1000,
	HTMLListPage:  5000,
	MarkdownTrace: 200,
	MarkdownList:  1000,
	XLSXRows:      1048575, // Excel's 1,048,576 rows per sheet less the header
}

func (l Limits) withDefaults() Limits {
	def := func(v *int, d, least int) {
		switch {
		case *v == 0:
			*v = d
		case *v < least:
			*v = least
		}
	}
	def(&l.HTMLPage, DefaultLimits.HTMLPage, 1)
	def(&l.HTMLList, DefaultLimits.HTMLList, 0)
	def(&l.HTMLListPage, DefaultLimits.HTMLListPage, 1)
	def(&l.MarkdownTrace, DefaultLimits.MarkdownTrace, 0)
	def(&l.MarkdownList, DefaultLimits.MarkdownList, 0)
	def(&l.XLSXRows, DefaultLimits.XLSXRows, 1)
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

// Write writes d to w in the named format; HTML as one document
// (WriteHTML).
func Write(format string, w io.Writer, d *Data) error {
	for _, wr := range writers {
		if wr.name == format {
			return wr.write(w, d)
		}
	}
	return fmt.Errorf("unknown report format %q: use one of %s", format, strings.Join(Formats(), ", "))
}

// WriteFile writes d to the file at path (0600: it holds personal data) in
// the named format, whole or not at all (a temporary file beside path
// replaces it when complete); HTML with WriteHTMLFile, its pages beside it
// when the run is large.
func WriteFile(format, path string, d *Data) error {
	if format == "html" {
		return WriteHTMLFile(path, d)
	}
	known := false
	for _, f := range Formats() {
		known = known || f == format
	}
	if !known {
		return Write(format, io.Discard, d)
	}
	return private.WriteFile(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 256<<10)
		if err := Write(format, bw, d); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// WriteJSON writes d as one JSON document: the fields of Data in a fixed
// order, then "rejected", "warnings", "operations" and "trace", one entry
// per line, streamed.
func WriteJSON(w io.Writer, d *Data) error {
	if err := d.Count(); err != nil {
		return err
	}
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
	var rb bytes.Buffer
	renc := json.NewEncoder(&rb)
	renc.SetEscapeHTML(false)
	array := func(name string, each func(func(any) error) error) error {
		bw.WriteString(",\n  \"" + name + "\": [")
		first := true
		err := each(func(v any) error {
			rb.Reset()
			if err := renc.Encode(v); err != nil {
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
		if !first {
			bw.WriteString("\n  ")
		}
		bw.WriteString("]")
		return err
	}
	if err := array("rejected", func(put func(any) error) error {
		return d.EachRejected(func(r *Rejected) error { return put(r) })
	}); err != nil {
		return err
	}
	if err := array("warnings", func(put func(any) error) error {
		return d.EachWarning(func(x *Warning) error { return put(x) })
	}); err != nil {
		return err
	}
	if err := array("operations", func(put func(any) error) error {
		return d.EachOperation(func(o *Operation) error { return put(o) })
	}); err != nil {
		return err
	}
	if err := array("trace", func(put func(any) error) error {
		return d.Trace(func(r *TraceRow) error { return put(r) })
	}); err != nil {
		return err
	}
	bw.WriteString("\n}\n")
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
const fullReport = "the HTML, XLSX and JSON reports hold them all"
