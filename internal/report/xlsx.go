package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// maxCell is the most characters an Excel cell holds.
const maxCell = 32767

// sheet streams one worksheet: a bold frozen header row, column widths,
// an autofilter over the rows written, and at most max data rows.
type sheet struct {
	f     *excelize.File
	name  string
	sw    *excelize.StreamWriter
	cols  int
	rows  int
	max   int
	total int // rows offered, written or not
}

func newSheet(f *excelize.File, name string, max, bold int, header []string, widths []float64) (*sheet, error) {
	if _, err := f.NewSheet(name); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: bold, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		return nil, err
	}
	return &sheet{f: f, name: name, sw: sw, cols: len(header), max: max}, nil
}

// add writes a row unless the sheet is full; it reports whether it did.
func (s *sheet) add(cells ...any) (bool, error) {
	s.total++
	if s.rows >= s.max {
		return false, nil
	}
	for i, c := range cells {
		if str, ok := c.(string); ok && len(str) > maxCell {
			cells[i] = truncate(str, maxCell-1) + "…"
		}
	}
	s.rows++
	cell, _ := excelize.CoordinatesToCellName(1, s.rows+1)
	return true, s.sw.SetRow(cell, cells)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

func (s *sheet) close() error {
	last, _ := excelize.CoordinatesToCellName(s.cols, s.rows+1)
	if err := s.f.AutoFilter(s.name, "A1:"+last, nil); err != nil {
		return err
	}
	return s.sw.Flush()
}

// WriteXLSX writes d as a workbook with the sheets Summary, Files,
// Rejected, Warnings, Resolved at submit (when convert left employees to
// submit's lookup) and Trace (continued in Trace 2, Trace 3 … when it
// outgrows a sheet; with a column Left out when extensions were left out
// of new users). With a journal it has the sheets Summary, Outcome (every
// record with its final state), Files, Rejected, Warnings, Resolved at
// submit (with the record states), Operations, Requests and Trace, whose
// rows carry the journal's outcome.
func WriteXLSX(w io.Writer, d *Data) error {
	l := d.Limits.withDefaults()
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDDDDD"}}})
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", "Summary"); err != nil {
		return err
	}
	var notes []string

	if d.Run != nil {
		out, err := newSheet(f, "Outcome", l.XLSXRows, bold, []string{"File", "Line", "Type", "Employee", "State", "Reason"},
			[]float64{40, 7, 7, 14, 10, 100})
		if err != nil {
			return err
		}
		for _, o := range d.Outcomes {
			if _, err := out.add(o.File, o.Line, o.Type, o.Employee, o.State, o.Reason); err != nil {
				return err
			}
		}
		notes = appendCut(notes, out, "records")
		if err := out.close(); err != nil {
			return err
		}
	}

	files, err := newSheet(f, "Files", l.XLSXRows, bold,
		[]string{"File", "Format", "Records", "Converted", "Skipped", "Rejected", "Warnings", "Import settings"},
		[]float64{50, 10, 10, 10, 10, 10, 10, 80})
	if err != nil {
		return err
	}
	for _, x := range d.Files {
		if _, err := files.add(x.Path, x.Format, x.Records, x.Converted, x.Skipped, x.Rejected, x.Warnings, x.Settings); err != nil {
			return err
		}
	}
	notes = appendCut(notes, files, "input files")
	if err := files.close(); err != nil {
		return err
	}

	rej, err := newSheet(f, "Rejected", l.XLSXRows, bold,
		[]string{"Record", "Format", "Type", "Employee", "Severity", "Source", "Message", "Mapping row"},
		[]float64{40, 9, 7, 14, 9, 45, 80, 30})
	if err != nil {
		return err
	}
	for _, r := range d.Rejected {
		for _, m := range r.Messages {
			if _, err := rej.add(r.Pos, r.Format, r.Type, r.EmployeeID, m.Severity, m.Source, m.Message, m.Row); err != nil {
				return err
			}
		}
		if len(r.Messages) == 0 {
			if _, err := rej.add(r.Pos, r.Format, r.Type, r.EmployeeID, "", "", "", ""); err != nil {
				return err
			}
		}
	}
	notes = appendCut(notes, rej, "rejection messages")
	if err := rej.close(); err != nil {
		return err
	}

	warn, err := newSheet(f, "Warnings", l.XLSXRows, bold,
		[]string{"Origin", "Source", "Employee", "Record status", "Message", "Mapping row", "Operation"},
		[]float64{9, 45, 14, 12, 80, 30, 20})
	if err != nil {
		return err
	}
	for _, x := range d.Warnings {
		if _, err := warn.add(x.Origin, x.Source, x.Employee, x.Status, x.Message, x.Row, x.Operation); err != nil {
			return err
		}
	}
	notes = appendCut(notes, warn, "warnings")
	if err := warn.close(); err != nil {
		return err
	}
	if len(d.AtSubmit) > 0 {
		if notes, err = writeAtSubmit(f, d, l, bold, notes); err != nil {
			return err
		}
	}
	if d.Run != nil {
		if notes, err = writeJournalSheets(f, d, l, bold, notes); err != nil {
			return err
		}
	}

	if n, err := writeTrace(f, d, l, bold); err != nil {
		return err
	} else if n != "" {
		notes = append(notes, n)
	}

	sum, err := newSheet(f, "Summary", DefaultLimits.XLSXRows, bold, []string{"Item", "Value"}, []float64{28, 100})
	if err != nil {
		return err
	}
	if _, err := sum.add("Output directory", d.Dir); err != nil {
		return err
	}
	rows := summaryRows(d.Summary)
	if t := d.Summary.LeftOutText(); t != "" {
		rows = append(rows, summaryRow{"Extensions left out of new users",
			t + " (UPS requires a value the input does not give; see the Warnings sheet)"})
	}
	for _, lo := range d.Summary.LeftOut {
		rows = append(rows, summaryRow{"Left out of new users, " + lo.Extension, lo.Users})
	}
	if r := d.Run; r != nil {
		rows = append([]summaryRow{{"Target", r.Target}, {"Flavor", r.Flavor}, {"Company", r.Company},
			{"Tool version", r.ToolVersion}, {"Run started", utc(r.Created)}, {"Journal updated", utc(r.Updated)}}, rows...)
		for _, c := range d.Summary.RecordStates {
			rows = append(rows, summaryRow{"Records " + c.State, c.Count})
		}
		for _, ps := range d.Summary.OperationStates {
			for _, c := range ps.States {
				rows = append(rows, summaryRow{fmt.Sprintf("Operations, phase %d, %s", ps.Phase, c.State), c.Count})
			}
		}
	}
	for _, r := range rows {
		if _, err := sum.add(r.name, r.value); err != nil {
			return err
		}
	}
	for _, n := range append(append([]string(nil), d.Notes...), notes...) {
		if _, err := sum.add("Note", n); err != nil {
			return err
		}
	}
	if err := sum.close(); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	_, err = f.WriteTo(w)
	return err
}

func appendCut(notes []string, s *sheet, what string) []string {
	if s.total > s.rows {
		notes = append(notes, fmt.Sprintf("Sheet %s holds the first %d of %d %s (Excel's row limit); the JSON report holds them all.",
			s.name, s.rows, s.total, what))
	}
	return notes
}

// writeAtSubmit writes the sheet "Resolved at submit": the employees
// outside the run that submit looks up in the target.
func writeAtSubmit(f *excelize.File, d *Data, l Limits, bold int, notes []string) ([]string, error) {
	header, widths := []string{"Employee", "Kind", "From", "Source"}, []float64{14, 26, 14, 60}
	if d.Run != nil {
		header, widths = append(header, "Record state"), append(widths, 12)
	}
	sh, err := newSheet(f, "Resolved at submit", l.XLSXRows, bold, header, widths)
	if err != nil {
		return nil, err
	}
	for _, a := range d.AtSubmit {
		cells := []any{a.Employee, a.Kind, a.From, a.Source}
		if d.Run != nil {
			cells = append(cells, a.RecordState)
		}
		if _, err := sh.add(cells...); err != nil {
			return nil, err
		}
	}
	notes = appendCut(notes, sh, "employees resolved at submit")
	return notes, sh.close()
}

// writeTrace writes the trace over as many sheets as the limits allow and
// returns a note when it had to cut it.
func writeTrace(f *excelize.File, d *Data, l Limits, bold int) (string, error) {
	header := []string{"Employee", "Source file", "Line", "Field", "Field name", "Mapping row", "Schema", "Path",
		"Value", "Bulk file", "Operation #", "Method", "Phase", "Record status", "Final status"}
	widths := []float64{14, 40, 7, 8, 28, 30, 20, 40, 36, 16, 11, 8, 7, 13, 14}
	if d.Run != nil {
		header = append(header, "Record state", "Provision id", "HTTP status", "User id", "Result", "Message")
		widths = append(widths, 12, 38, 8, 38, 12, 80)
	}
	leftOut := len(d.Summary.LeftOut) > 0
	if leftOut {
		header, widths = append(header, "Left out"), append(widths, 30)
	}
	var cur *sheet
	sheets, written, total := 0, 0, 0
	err := d.Trace(func(r *TraceRow) error {
		total++
		if cur != nil && cur.rows >= cur.max {
			if err := cur.close(); err != nil {
				return err
			}
			cur = nil
		}
		if cur == nil {
			if sheets >= l.XLSXTraceSheets {
				return nil // counted, not written
			}
			sheets++
			name := "Trace"
			if sheets > 1 {
				name = fmt.Sprintf("Trace %d", sheets)
			}
			var err error
			if cur, err = newSheet(f, name, l.XLSXRows, bold, header, widths); err != nil {
				return err
			}
		}
		bulk, index := "", any("")
		if op := d.Operation(r.Operation); op != nil {
			bulk, index = op.Bulk, op.Index
		}
		written++
		cells := []any{r.Employee, r.File, r.Line, r.Field, r.Name, r.Row, r.Schema, r.Path, r.Value,
			bulk, index, r.Method, r.Phase, r.Status, r.OpStatus}
		if d.Run != nil {
			cells = append(cells, r.RecordState, r.ProvisionID, r.Code, r.UserID, r.Result, r.Message)
		}
		if leftOut {
			note := ""
			if r.LeftOut {
				note = "extension left out of the new user"
			}
			cells = append(cells, note)
		}
		_, err := cur.add(cells...)
		return err
	})
	if err != nil {
		return "", err
	}
	if cur == nil && sheets == 0 {
		if cur, err = newSheet(f, "Trace", l.XLSXRows, bold, header, widths); err != nil {
			return "", err
		}
	}
	if cur != nil {
		if err := cur.close(); err != nil {
			return "", err
		}
	}
	if written < total {
		return fmt.Sprintf("The trace sheets hold the first %d of %d traced values (%d sheets of %d rows); the JSON report holds them all.",
			written, total, sheets, l.XLSXRows), nil
	}
	return "", nil
}

// writeJournalSheets writes the sheets Operations and Requests of a run
// with a journal.
func writeJournalSheets(f *excelize.File, d *Data, l Limits, bold int, notes []string) ([]string, error) {
	ops, err := newSheet(f, "Operations", l.XLSXRows, bold,
		[]string{"Bulk file", "Operation #", "Phase", "Method", "Path", "Employee", "Status", "HTTP status", "User id",
			"Request", "Provision id", "Attempts", "Message", "Extensions", "Messages"},
		[]float64{16, 11, 7, 8, 36, 14, 10, 8, 38, 9, 38, 8, 60, 80, 80})
	if err != nil {
		return nil, err
	}
	for _, o := range d.Operations {
		req := any("")
		if o.RequestID != 0 {
			req = o.RequestID
		}
		if _, err := ops.add(o.Bulk, o.Index, o.Phase, o.Method, o.Path, o.Employee, o.Status, o.Code, o.UserID,
			req, o.ProvisionID, o.Attempts, o.Message, extensionsText(o.Extensions), messagesText(o.Messages)); err != nil {
			return nil, err
		}
	}
	notes = appendCut(notes, ops, "operations")
	if err := ops.close(); err != nil {
		return nil, err
	}

	reqs, err := newSheet(f, "Requests", l.XLSXRows, bold,
		[]string{"Request", "Phase", "Round", "Operations", "Bytes", "State", "Provision id", "Correlation id",
			"HTTP status", "Attempts", "Message", "Created", "Sent", "Done"},
		[]float64{9, 7, 7, 10, 10, 9, 38, 38, 8, 8, 60, 22, 22, 22})
	if err != nil {
		return nil, err
	}
	for _, r := range d.Requests {
		status := any("")
		if r.HTTPStatus != 0 {
			status = r.HTTPStatus
		}
		if _, err := reqs.add(r.ID, r.Phase, r.Round, r.Ops, r.Bytes, r.State, r.ProvisionID, r.CorrelationID,
			status, r.Attempts, r.Message, utc(r.Created), utc(r.Sent), utc(r.Done)); err != nil {
			return nil, err
		}
	}
	notes = appendCut(notes, reqs, "requests")
	return notes, reqs.close()
}

// extensionsText renders extension results on one line each:
// "spend:2.0:User error 400: INVALID_VALUE: not a currency".
func extensionsText(exts []Extension) string {
	var b strings.Builder
	for i, e := range exts {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(e.Schema + " " + e.Result)
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
		if len(e.Messages) > 0 {
			b.WriteString(": " + messagesText(e.Messages))
		}
	}
	return b.String()
}

// messagesText joins messages with "; ", each with its code, schema path
// and input source when known.
func messagesText(msgs []OpMessage) string {
	parts := make([]string, 0, len(msgs))
	for _, m := range msgs {
		t := m.Text()
		if m.SchemaPath != "" {
			t += " [" + m.SchemaPath + "]"
		}
		if m.Source != "" {
			t = m.Source + ": " + t
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, "; ")
}
