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
// the first rows of the value trace as GitHub-flavoured Markdown; with a
// journal, first the records that did not succeed, and the run and its
// state counts in the summary.
func WriteMarkdown(w io.Writer, d *Data) error {
	l := d.Limits.withDefaults()
	if err := d.Count(); err != nil {
		return err
	}
	v, err := newMDView(d, l.MarkdownList, l.MarkdownTrace)
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
	if r := d.Run; r != nil {
		p("# %s\n\nOutput directory `%s`. Submitted to `%s`", d.Title(), mdLine.Replace(d.Dir), mdLine.Replace(r.Target))
		if r.Flavor != "" {
			p(", flavor %s", mdCell.Replace(r.Flavor))
		}
		if r.Company != "" {
			p(", company `%s`", mdLine.Replace(r.Company))
		}
		if r.ToolVersion != "" {
			p(", by upsmigrate %s", mdCell.Replace(r.ToolVersion))
		}
		p(".")
		if !r.Updated.IsZero() {
			p(" The journal was last updated %s.", utc(r.Updated))
		}
		p("\n\n")
		writeMDAudit(p, d)
		p("## Outcome\n\n%d of %d records did not succeed: failed, partial (the identity was written, an extension was not) or pending (no final outcome yet).\n\n",
			v.Unsuccessful, len(d.Outcomes))
		if v.OutcomeNote != "" {
			p("> %s\n\n", v.OutcomeNote)
		}
		if len(v.Outcome) > 0 {
			row("record", "type", "employee", "state", "reason")
			row("---", "---", "---", "---", "---")
			for _, o := range v.Outcome {
				row(code(o.Pos()), o.Type, o.Employee, o.State, o.Reason)
			}
		} else {
			p("Every record that was sent succeeded.\n")
		}
		p("\n## Summary\n\n")
		row("run", "")
		row("---", "---")
		row("Target", code(r.Target))
		row("Flavor", r.Flavor)
		row("Company", code(r.Company))
		row("Tool version", r.ToolVersion)
		row("Run started", utc(r.Created))
		row("Journal updated", utc(r.Updated))
		p("\n")
	} else {
		p("# %s\n\nOutput directory `%s`. Nothing has been submitted.\n\n", d.Title(), mdLine.Replace(d.Dir))
		writeMDAudit(p, d)
		p("## Summary\n\n")
	}
	row("", "count")
	row("---", "---:")
	for _, kv := range summaryRows(s) {
		row(kv.name, fmt.Sprint(kv.value))
	}
	if t := s.LeftOutText(); t != "" {
		p("\nExtensions left out of new users: %s (UPS requires a value the input does not give; see the warnings).\n", mdCell.Replace(t))
	}
	if d.Run != nil {
		p("\n")
		row("record state", "records")
		row("---", "---:")
		for _, c := range s.RecordStates {
			row(c.State, fmt.Sprint(c.Count))
		}
		row("total", fmt.Sprint(len(d.Outcomes)))
		if len(s.OperationStates) > 0 {
			p("\n")
			head, align := []string{"phase"}, []string{"---"}
			for _, c := range s.OperationStates[0].States {
				head, align = append(head, c.State), append(align, "---:")
			}
			row(append(head, "total")...)
			row(append(align, "---:")...)
			for _, ps := range s.OperationStates {
				cells := []string{fmt.Sprint(ps.Phase)}
				for _, c := range ps.States {
					cells = append(cells, fmt.Sprint(c.Count))
				}
				row(append(cells, fmt.Sprint(ps.Total))...)
			}
		}
	}
	for _, n := range d.Notes {
		p("\n> %s\n", mdCell.Replace(n))
	}

	p("\n## What the customer loses by migrating\n\n")
	if len(d.Lost) == 0 {
		p("Nothing: every value the inputs carry has a place in UPS.\n")
	} else {
		row("input field", "table", "kind", "values", "why it is lost")
		row("---", "---", "---", "---:", "---")
		for _, x := range d.Lost {
			field := x.Field
			if x.Target != "" {
				field += " → " + x.Target
			}
			row(field, x.Table, x.Kind, fmt.Sprint(x.Values), x.Reason)
		}
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

	if len(v.AtSubmit) > 0 {
		if d.Run != nil {
			p("\n## Resolved at submit\n\nConvert had no `--directory`: submit looked up in the target these %d employees, who are outside this run: the employees of updates that no record of this run creates, and the employees that records refer to. An update of an employee the target did not have failed its record; a reference to one was not set. The record state is the final state of the record each comes from (the outcome above says why a record did not succeed).\n\n", s.AtSubmit)
		} else {
			p("\n## To be resolved at submit\n\nConvert had no `--directory`: when it sends, submit looks up in the target these %d employees, who are outside this run: the employees of updates that no record of this run creates, and the employees that records refer to. An update of an employee the target does not have fails its record; a reference to one is not set.\n\n", s.AtSubmit)
		}
		if v.AtSubmitNote != "" {
			p("> %s\n\n", v.AtSubmitNote)
		}
		if d.Run != nil {
			row("employee", "looked up for", "source", "record state")
			row("---", "---", "---", "---")
		} else {
			row("employee", "looked up for", "source")
			row("---", "---", "---")
		}
		for _, a := range v.AtSubmit {
			if d.Run != nil {
				row(a.Employee, a.What(), code(a.Source), a.RecordState)
			} else {
				row(a.Employee, a.What(), code(a.Source))
			}
		}
		if v.AtSubmitMore > 0 {
			p("\n… and %d more.\n", v.AtSubmitMore)
		}
	}

	p("\n## Input files\n\n")
	row("file", "format", "records", "converted", "skipped", "rejected", "warnings")
	row("---", "---", "---:", "---:", "---:", "---:", "---:")
	for _, f := range d.Files {
		row(code(f.Path), f.Format, fmt.Sprint(f.Records), fmt.Sprint(f.Converted), fmt.Sprint(f.Skipped),
			fmt.Sprint(f.Rejected), fmt.Sprint(f.Warnings))
	}
	for _, f := range d.Files {
		if f.Settings != "" {
			p("\n- %s import settings: %s", code(f.Path), f.Settings)
		}
	}
	p("\n")

	p("\n## Value trace\n\n")
	if v.TraceNote != "" {
		p("> %s\n\n", v.TraceNote)
	}
	if len(v.Trace) > 0 && d.Run != nil {
		row("employee", "source", "mapping row", "schema", "path", "value", "operation", "provision id", "record state", "final status")
		row("---", "---", "---", "---", "---", "---", "---", "---", "---", "---")
		for _, t := range v.Trace {
			row(t.Employee, code(t.Source), code(t.Row), t.Schema, code(t.Path), t.Value, opText(&t), code(t.ProvisionID),
				t.RecordState, finalStatus(t))
		}
	} else if len(v.Trace) > 0 {
		row("employee", "source", "mapping row", "schema", "path", "value", "operation", "status", "final status")
		row("---", "---", "---", "---", "---", "---", "---", "---", "---")
		for _, t := range v.Trace {
			row(t.Employee, code(t.Source), code(t.Row), t.Schema, code(t.Path), t.Value, opText(&t), t.Status, t.OpStatus)
		}
	}
	return bw.Flush()
}

// opText renders a row's operation: "bulk-0002.json #5 PATCH, phase 1",
// and says when the value's extension is left out of the new user.
func opText(t *TraceRow) string {
	s := fmt.Sprintf("none (phase %d)", t.Phase)
	if t.Operation != "" {
		s = fmt.Sprintf("%s %s, phase %d", t.Operation, t.Method, t.Phase)
	}
	if t.LeftOut {
		s += leftOutNote
	}
	return s
}

// leftOutNote follows the operation of a value whose extension is left out
// of the new user.
const leftOutNote = "; not sent: extension left out of the new user"

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
	if s.AtSubmit > 0 {
		rows = append(rows, summaryRow{"Resolved at submit", s.AtSubmit})
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

// writeMDAudit writes the audit lines: tool, company, inputs, mapping.
func writeMDAudit(p func(string, ...any), d *Data) {
	a := d.Audit
	if !d.Generated.IsZero() {
		p("- Report written %s", utc(d.Generated))
		if d.Generator != "" {
			p(" by upsmigrate %s", mdCell.Replace(d.Generator))
		}
		p("\n")
	}
	if a.ToolVersion != "" {
		p("- Converted by upsmigrate %s\n", mdCell.Replace(a.ToolVersion))
	}
	if a.CompanyID != "" {
		p("- Company `%s`\n", mdLine.Replace(a.CompanyID))
	}
	for _, in := range a.Inputs {
		if in.SHA256 != "" {
			p("- Input `%s` (%d bytes, sha256 `%s`)\n", mdLine.Replace(in.Path), in.Bytes, in.SHA256)
		} else {
			p("- Input `%s`\n", mdLine.Replace(in.Path))
		}
	}
	if len(a.Mapping) > 0 {
		what := "the embedded tables"
		if o := a.Overridden(); len(o) > 0 {
			names := make([]string, len(o))
			for i, t := range o {
				names[i] = t.Name + " (`" + mdLine.Replace(t.File) + "`)"
			}
			what = "overridden: " + strings.Join(names, ", ") + "; the others embedded"
		}
		p("- Mapping tables: %s, sha256 `%s`\n", what, a.MappingSHA256)
	}
	p("\n")
}

// mdView is the data with its lists capped and a note for each cut.
type mdView struct {
	Outcome      []Outcome // the unsuccessful records, capped (journal only)
	Unsuccessful int       // all of them
	OutcomeNote  string
	Rejected     []Rejected
	RejectedNote string
	Warnings     []Warning
	WarningsNote string
	AtSubmit     []AtSubmit
	AtSubmitNote string
	AtSubmitMore int // entries not shown
	Trace        []TraceRow
	TraceNote    string
}

func newMDView(d *Data, list, trace int) (*mdView, error) {
	v := &mdView{AtSubmit: d.AtSubmit}
	for _, o := range d.Outcomes {
		if o.Unsuccessful() {
			v.Unsuccessful++
			if len(v.Outcome) < list {
				v.Outcome = append(v.Outcome, o)
			}
		}
	}
	v.OutcomeNote = cut(len(v.Outcome), v.Unsuccessful, "records that did not succeed", fullReport)
	err := d.EachRejected(func(r *Rejected) error {
		if len(v.Rejected) >= list {
			return errStop
		}
		v.Rejected = append(v.Rejected, *r)
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	v.RejectedNote = cut(len(v.Rejected), d.rejected.len(), "rejected records", fullReport)
	err = d.EachWarning(func(w *Warning) error {
		if len(v.Warnings) >= list {
			return errStop
		}
		v.Warnings = append(v.Warnings, *w)
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	v.WarningsNote = cut(len(v.Warnings), d.warnings.len(), "warnings", fullReport)
	if len(v.AtSubmit) > list {
		v.AtSubmit = v.AtSubmit[:list]
		v.AtSubmitMore = len(d.AtSubmit) - list
		v.AtSubmitNote = cut(list, len(d.AtSubmit), "employees resolved at submit", fullReport)
	}
	if trace > 0 {
		err = d.Trace(func(r *TraceRow) error {
			if len(v.Trace) >= trace {
				return errStop
			}
			v.Trace = append(v.Trace, *r)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	v.TraceNote = cut(len(v.Trace), d.Summary.TraceRows, "traced values", fullReport)
	return v, nil
}
