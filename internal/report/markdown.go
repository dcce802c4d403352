package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// mdCode escapes a value for a code span in a Markdown table cell; mdCell
// for plain text there, where HTML-like text must not become markup.
var (
	mdCode = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ", "`", "'")
	mdCell = strings.NewReplacer("|", `\|`, "\r\n", " ", "\n", " ", "\r", " ", "`", "'",
		"&", "&amp;", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "[", `\[`)
)

// mdLine makes a value safe inside a one-line code span.
var mdLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "`", "'")

// codeMark prefixes a cell to be rendered as code.
const codeMark = "\x00"

// WriteMarkdown writes the summary, the rejected records, the warnings and
// the first rows of the value trace as GitHub-flavoured Markdown.
func WriteMarkdown(w io.Writer, d *Data) error {
	l := d.Limits.withDefaults()
	v, err := newView(d, l.MarkdownList, l.MarkdownTrace)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 256*1024)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	row := func(cells ...string) {
		bw.WriteString("|")
		for _, c := range cells {
			if raw, ok := strings.CutPrefix(c, codeMark); ok {
				c = "`" + mdCode.Replace(raw) + "`"
			} else {
				c = mdCell.Replace(c)
			}
			bw.WriteString(" " + c + " |")
		}
		bw.WriteString("\n")
	}
	code := func(s string) string {
		if s == "" {
			return ""
		}
		return codeMark + s
	}
	s := d.Summary
	p("# upsmigrate dry-run report\n\nOutput directory `%s`. Nothing has been submitted.\n\n## Summary\n\n", d.Dir)
	row("", "count")
	row("---", "---:")
	for _, kv := range summaryRows(s) {
		row(kv.name, fmt.Sprint(kv.value))
	}
	for _, n := range d.Notes {
		p("\n> %s\n", mdCell.Replace(n))
	}

	p("\n## Rejected records\n\n")
	if v.RejectedNote != "" {
		p("> %s\n\n", v.RejectedNote)
	}
	if len(v.Rejected) == 0 {
		p("No record was rejected.\n")
	}
	for _, r := range v.Rejected {
		p("- **%s** (type %s", mdCell.Replace(r.Pos), mdCell.Replace(r.Type))
		if r.EmployeeID != "" {
			p(", employee %s", mdCell.Replace(r.EmployeeID))
		}
		p(")\n")
		for _, m := range r.Messages {
			p("  - `%s`\n", mdLine.Replace(m.Text))
		}
	}

	p("\n## Warnings\n\n")
	if v.WarningsNote != "" {
		p("> %s\n\n", v.WarningsNote)
	}
	if len(v.Warnings) == 0 {
		p("No warnings.\n")
	} else {
		row("origin", "source", "employee", "message", "mapping row / operation")
		row("---", "---", "---", "---", "---")
		for _, w := range v.Warnings {
			where := strings.TrimSpace(w.Row + " " + w.Operation)
			row(w.Origin, code(w.Source), w.Employee, w.Message, code(where))
		}
	}

	p("\n## Input files\n\n")
	row("file", "format", "records", "converted", "skipped", "rejected", "warnings")
	row("---", "---", "---:", "---:", "---:", "---:", "---:")
	for _, f := range d.Files {
		row(code(f.Path), f.Format, fmt.Sprint(f.Records), fmt.Sprint(f.Converted), fmt.Sprint(f.Skipped),
			fmt.Sprint(f.Rejected), fmt.Sprint(f.Warnings))
	}

	p("\n## Value trace\n\n")
	if v.TraceNote != "" {
		p("> %s\n\n", v.TraceNote)
	}
	if len(v.Trace) > 0 {
		row("employee", "source", "mapping row", "schema", "path", "value", "operation", "status", "final status")
		row("---", "---", "---", "---", "---", "---", "---", "---", "---")
		for _, t := range v.Trace {
			row(t.Employee, code(t.Source), code(t.Row), t.Schema, code(t.Path), t.Value, opText(&t), t.Status, t.OpStatus)
		}
	}
	return bw.Flush()
}

// opText renders a row's operation: "bulk-0002.json #5 PATCH, phase 1".
func opText(t *TraceRow) string {
	if t.Operation == "" {
		return fmt.Sprintf("none (phase %d)", t.Phase)
	}
	return fmt.Sprintf("%s %s, phase %d", t.Operation, t.Method, t.Phase)
}

type summaryRow struct {
	name  string
	value any
}

// summaryRows lists the summary as the Markdown and XLSX reports show it.
func summaryRows(s Summary) []summaryRow {
	rows := []summaryRow{
		{"Records read", s.Records},
		{"Converted", s.Converted},
		{"Skipped", s.Skipped},
		{"Rejected", s.Rejected},
		{"Warnings", s.Warnings},
		{"Employees", s.Employees},
		{"Users created", s.UsersCreated},
		{"Users updated", s.UsersUpdated},
		{"Users renamed", s.Renames},
	}
	for i, n := range s.Operations {
		rows = append(rows, summaryRow{fmt.Sprintf("Operations, phase %d", i), n})
	}
	return append(rows,
		summaryRow{"Operations", s.OperationsTotal()},
		summaryRow{"Bulk requests", s.Requests},
		summaryRow{"Request bytes", s.Bytes},
		summaryRow{"Traced values", s.TraceRows},
	)
}
