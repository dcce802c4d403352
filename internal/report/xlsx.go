package report

import (
	"archive/zip"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// maxCell is the most characters an Excel cell holds.
const maxCell = 32767

// book is a workbook being streamed: every sheet through an excelize
// StreamWriter, with a bold frozen header row and an autofilter; a sheet
// that outgrows Limits.XLSXRows continues in "NAME 2", "NAME 3" …. Cells
// are written as values only, never as formulas: a text such as "=1+2"
// stays text.
type book struct {
	f     *excelize.File
	max   int
	head  int // header style
	wrap  int // wrapped header style
	grey  int // a value not sent
	notes []string
	// inject holds, per zip part, what writes a raw sheet part's rows.
	inject map[string]func(io.Writer) error
	// rendered are the sheets' rendered rows, released with the book.
	rendered []*rowFile
}

func newBook(max int) (*book, error) {
	f := excelize.NewFile()
	b := &book{f: f, max: max, inject: map[string]func(io.Writer) error{}}
	var err error
	fill := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDDDDD"}}
	if b.head, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: fill}); err != nil {
		return nil, err
	}
	if b.wrap, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: fill,
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}); err != nil {
		return nil, err
	}
	if b.grey, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "888888"}}); err != nil {
		return nil, err
	}
	return b, nil
}

// sheet streams one list over one or more worksheets.
type sheet struct {
	b      *book
	name   string
	header []string
	widths []float64
	height float64 // header row height, 0 for the default
	part   int     // 1 for NAME, 2 for "NAME 2" …
	sw     *excelize.StreamWriter
	rows   int // data rows in the current part
	total  int
	raw    bool      // the data rows are spliced in at zip time (skip, not add)
	parts  []rawPart // raw: the parts and their rows
	// rendered, when set, takes the rows add renders (xlsxrows.go);
	// sec is the current part's.
	rendered *rowFile
	sec      *rowSection
}

// sheet creates a worksheet (in tab order) to stream later.
func (b *book) sheet(name string, header []string, widths []float64) (*sheet, error) {
	if name != "Summary" {
		if _, err := b.f.NewSheet(name); err != nil {
			return nil, err
		}
	}
	s := &sheet{b: b, name: name, header: header, widths: widths, part: 1}
	if rawRows && name != "Summary" {
		s.rendered = &rowFile{}
		b.rendered = append(b.rendered, s.rendered)
	}
	return s, nil
}

func (s *sheet) partName() string {
	if s.part == 1 {
		return s.name
	}
	return s.name + " " + strconv.Itoa(s.part)
}

func (s *sheet) start() error {
	if s.part > 1 {
		if _, err := s.b.f.NewSheet(s.partName()); err != nil {
			return err
		}
	}
	sw, err := s.b.f.NewStreamWriter(s.partName())
	if err != nil {
		return err
	}
	for i, w := range s.widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	style := s.b.head
	var opts []excelize.RowOpts
	if s.height > 0 {
		style = s.b.wrap
		opts = append(opts, excelize.RowOpts{Height: s.height})
	}
	cells := make([]any, len(s.header))
	for i, h := range s.header {
		cells[i] = excelize.Cell{StyleID: style, Value: h}
	}
	if err := sw.SetRow("A1", cells, opts...); err != nil {
		return err
	}
	s.sw, s.rows = sw, 0
	if s.rendered != nil {
		path, err := sheetPath(s.b.f, s.partName())
		if err != nil {
			return err
		}
		rf, sec := s.rendered, s.rendered.section()
		s.sec = sec
		s.b.inject[path] = func(w io.Writer) error { return rf.copyTo(w, sec) }
	}
	if s.raw {
		path, err := sheetPath(s.b.f, s.partName())
		if err != nil {
			return err
		}
		s.parts = append(s.parts, rawPart{path: path, first: s.total})
	}
	return nil
}

// skip counts one row of a raw sheet into its parts.
func (s *sheet) skip() error {
	if err := s.next(); err != nil {
		return err
	}
	s.parts[len(s.parts)-1].rows++
	return nil
}

// next readies the part the next row goes into and counts the row.
func (s *sheet) next() error {
	if s.sw == nil {
		if err := s.start(); err != nil {
			return err
		}
	}
	if s.rows >= s.b.max {
		if err := s.end(); err != nil {
			return err
		}
		s.part++
		if err := s.start(); err != nil {
			return err
		}
	}
	s.rows++
	s.total++
	return nil
}

// cellText is a text cut to what a cell holds, with "…".
func cellText(str string) string {
	if len(str) > maxCell && utf8.RuneCountInString(str) > maxCell {
		return truncate(str, maxCell-1) + "…"
	}
	return str
}

// add writes one row; a text cell longer than a cell holds is cut, with
// "…".
func (s *sheet) add(cells ...any) error {
	if err := s.next(); err != nil {
		return err
	}
	for i, c := range cells {
		if str, ok := c.(string); ok {
			if str == "" {
				cells[i] = nil // no cell: an empty one took 40 bytes
			} else {
				cells[i] = cellText(str)
			}
		}
	}
	if s.rendered != nil {
		return s.rendered.add(s.sec, s.rows+1, cells)
	}
	return s.sw.SetRow("A"+strconv.Itoa(s.rows+1), cells)
}

func (s *sheet) end() error {
	last, _ := excelize.CoordinatesToCellName(len(s.header), s.rows+1)
	if err := s.b.f.AutoFilter(s.partName(), "A1:"+last, nil); err != nil {
		return err
	}
	return s.sw.Flush()
}

// close ends the sheet, writing its header when it got no row.
func (s *sheet) close() error {
	if s.sw == nil {
		if err := s.start(); err != nil {
			return err
		}
	}
	if s.part > 1 {
		s.b.notes = append(s.b.notes, fmt.Sprintf("%s continues over %d sheets (%d rows; Excel holds %d per sheet).",
			s.name, s.part, s.total, s.b.max))
	}
	return s.end()
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

// WriteXLSX writes d as a workbook with the sheets Summary (the audit and
// the counts), Users (one row per employee, with the final state after
// submit), Lineage (one row per employee and input record, one column per
// mapping row: every value with its input field, mapping row, UPS
// attribute and operation), Warnings, Rejected, Unsupported (what the
// customer loses), Files, Resolved at submit (when convert left employees
// to submit's lookup) and, with a journal, Outcome (every record with its
// final state), Operations and Requests. It walks the plan once; the
// Lineage rows wait in a temporary file until their columns are known,
// and are rendered on every core while the workbook is zipped
// (xlsxraw.go).
func WriteXLSX(w io.Writer, d *Data) error {
	l := d.Limits.withDefaults()
	b, err := newBook(l.XLSXRows)
	if err != nil {
		return err
	}
	defer b.f.Close()
	defer func() {
		for _, rf := range b.rendered {
			rf.close()
		}
	}()
	if err := b.f.SetSheetName("Sheet1", "Summary"); err != nil {
		return err
	}
	summary, err := b.sheet("Summary", []string{"Item", "Value"}, []float64{30, 110})
	if err != nil {
		return err
	}
	users, err := b.sheet("Users", usersHeader(d), usersWidths(d))
	if err != nil {
		return err
	}
	lin, err := newLineage(b, d)
	if err != nil {
		return err
	}
	defer lin.spool.close()
	rest, err := b.listSheets(d)
	if err != nil {
		return err
	}

	err = d.walkAhead(func(e *Employee) error {
		if err := users.add(userRow(d, e)...); err != nil {
			return err
		}
		return lin.add(e)
	})
	if err != nil {
		return err
	}
	if err := users.close(); err != nil {
		return err
	}
	if err := lin.write(); err != nil {
		return err
	}
	if err := rest.write(d); err != nil {
		return err
	}
	if err := writeSummary(summary, d, b.notes); err != nil {
		return err
	}
	// excelize builds the zip in memory, unless its zip writer writes
	// elsewhere: straight to w. Summary, the first sheet, is the active one.
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return newParallelDeflate(out, xlsxCompression), nil
	})
	sz := &splicingZip{zw: zw, inject: b.inject, done: map[string]bool{}}
	b.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return sz })
	if _, err = b.f.WriteTo(io.Discard); err != nil {
		return err
	}
	return sz.check()
}

// xlsxCompression is the deflate level of the workbook's parts: the
// fastest, a third less time than the default for a fifth more bytes.
// The deflater is klauspost/compress's: on the Lineage part of 200k
// employees it took a quarter of the standard library's time at that
// level, for 4% fewer bytes (the XLSX report of the findings shape: 6.8 →
// 6.1–6.3 s).
const xlsxCompression = flate.BestSpeed

func usersHeader(d *Data) []string {
	h := []string{"Employee", "Name", "Login", "Change", "Renamed from", "Input records", "Values", "Warnings",
		"Rejected records", "Extensions left out", "Operations"}
	if d.Run != nil {
		return append(h, "Final state", "HTTP status", "User id", "Target's messages")
	}
	return append(h, "State")
}

func usersWidths(d *Data) []float64 {
	w := []float64{14, 24, 34, 10, 12, 9, 8, 9, 9, 14, 40}
	if d.Run != nil {
		return append(w, 12, 8, 38, 80)
	}
	return append(w, 14)
}

func change(e *Employee) string {
	switch {
	case !e.InPlan:
		return "nothing sent"
	case e.Creates:
		return "create"
	}
	return "update"
}

func userRow(d *Data, e *Employee) []any {
	ops := make([]string, len(e.Operations))
	for i, o := range e.Operations {
		ops[i] = o.Key + " " + o.Method
	}
	row := append(make([]any, 0, 15), e.ID, e.Name, e.Login, change(e), e.RenamedFrom, len(e.Records), len(e.Values), len(e.Warnings),
		len(e.Rejected), strings.Join(e.LeftOut, ", "), strings.Join(ops, "\n")) // room for the state columns
	if d.Run == nil {
		state := StatusNotSubmitted
		switch {
		case !e.InPlan && len(e.Rejected) > 0:
			state = "rejected"
		case !e.InPlan:
			state = "nothing sent"
		}
		return append(row, state)
	}
	var codes, users, msgs []string
	for _, o := range e.Operations {
		if o.Code != "" {
			codes = append(codes, o.Code)
		}
		if o.UserID != "" && !contains(users, o.UserID) {
			users = append(users, o.UserID)
		}
		if o.Message != "" {
			msgs = append(msgs, o.Message)
		}
		if t := messagesText(o.Messages); t != "" {
			msgs = append(msgs, t)
		}
		for _, x := range o.Extensions {
			if x.Failed() {
				msgs = append(msgs, extensionsText([]Extension{x}))
			}
		}
	}
	return append(row, e.State, strings.Join(codes, ", "), strings.Join(users, ", "), strings.Join(msgs, "\n"))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// containsPair is contains(list, a+" "+b), without making that string.
func containsPair(list []string, a, b string) bool {
	for _, x := range list {
		if len(x) == len(a)+1+len(b) && x[len(a)] == ' ' && x[:len(a)] == a && x[len(a)+1:] == b {
			return true
		}
	}
	return false
}

// listSheets are the sheets written after the walk, created now for their
// place in the tab order.
type listSheets struct {
	warnings, rejected, lost, files, atSubmit, outcome, ops, reqs *sheet
}

func (b *book) listSheets(d *Data) (*listSheets, error) {
	ls := &listSheets{}
	var err error
	mk := func(dst **sheet, name string, header []string, widths []float64) {
		if err == nil {
			*dst, err = b.sheet(name, header, widths)
		}
	}
	mk(&ls.warnings, "Warnings", []string{"Origin", "Source", "Employee", "Record status", "Message", "Mapping row", "Operation"},
		[]float64{9, 45, 14, 12, 90, 30, 20})
	mk(&ls.rejected, "Rejected", []string{"Record", "Format", "Type", "Employee", "Severity", "Source", "Message", "Mapping row"},
		[]float64{40, 9, 7, 14, 9, 45, 90, 30})
	mk(&ls.lost, "Unsupported", []string{"Input field", "Table", "Kind", "UPS attribute", "Values", "Why it is lost", "Mapping row", "For example"},
		[]float64{40, 8, 20, 30, 9, 90, 30, 60})
	mk(&ls.files, "Files", []string{"File", "Format", "Records", "Converted", "Skipped", "Rejected", "Warnings", "Bytes", "SHA-256", "Import settings"},
		[]float64{50, 10, 10, 10, 10, 10, 10, 12, 66, 80})
	if len(d.AtSubmit) > 0 {
		header, widths := []string{"Employee", "Kind", "From", "Source"}, []float64{14, 26, 14, 60}
		if d.Run != nil {
			header, widths = append(header, "Record state"), append(widths, 12)
		}
		mk(&ls.atSubmit, "Resolved at submit", header, widths)
	}
	if d.Run != nil {
		mk(&ls.outcome, "Outcome", []string{"File", "Line", "Type", "Employee", "State", "Reason"}, []float64{40, 7, 7, 14, 10, 100})
		mk(&ls.ops, "Operations", []string{"Bulk file", "Operation #", "Phase", "Method", "Path", "Employee", "Status", "HTTP status", "User id",
			"Request", "Provision id", "Attempts", "Message", "Extensions", "Messages"},
			[]float64{16, 11, 7, 8, 36, 14, 10, 8, 38, 9, 38, 8, 60, 80, 80})
		mk(&ls.reqs, "Requests", []string{"Request", "Phase", "Round", "Operations", "Bytes", "State", "Provision id", "Correlation id",
			"HTTP status", "Attempts", "Message", "Created", "Sent", "Done"},
			[]float64{9, 7, 7, 10, 10, 9, 38, 38, 8, 8, 60, 22, 22, 22})
	}
	return ls, err
}

func (ls *listSheets) write(d *Data) error {
	err := d.EachWarning(func(x *Warning) error {
		return ls.warnings.add(x.Origin, x.Source, x.Employee, x.Status, x.Message, x.Row, x.Operation)
	})
	if err == nil {
		err = ls.warnings.close()
	}
	if err != nil {
		return err
	}
	err = d.EachRejected(func(r *Rejected) error {
		for _, m := range r.Messages {
			if err := ls.rejected.add(r.Pos, r.Format, r.Type, r.EmployeeID, m.Severity, m.Source, m.Message, m.Row); err != nil {
				return err
			}
		}
		if len(r.Messages) == 0 {
			return ls.rejected.add(r.Pos, r.Format, r.Type, r.EmployeeID, "", "", "", "")
		}
		return nil
	})
	if err == nil {
		err = ls.rejected.close()
	}
	if err != nil {
		return err
	}
	for _, x := range d.Lost {
		ex := make([]string, len(x.Examples))
		for i, e := range x.Examples {
			ex[i] = strings.TrimSpace(e.Employee + " " + e.Source)
		}
		why := x.Reason
		if x.Others > 0 {
			why += fmt.Sprintf(" (and %d values for other reasons)", x.Others)
		}
		if err := ls.lost.add(x.Field, x.Table, x.Kind, x.Target, x.Values, why, x.Row, strings.Join(ex, "\n")); err != nil {
			return err
		}
	}
	if err := ls.lost.close(); err != nil {
		return err
	}
	hashes := map[string]Input{}
	for _, in := range d.Audit.Inputs {
		hashes[in.Path] = in
	}
	for _, x := range d.Files {
		in := hashes[x.Path]
		size := any("")
		if in.SHA256 != "" {
			size = in.Bytes
		}
		if err := ls.files.add(x.Path, x.Format, x.Records, x.Converted, x.Skipped, x.Rejected, x.Warnings, size, in.SHA256, x.Settings); err != nil {
			return err
		}
	}
	if err := ls.files.close(); err != nil {
		return err
	}
	if ls.atSubmit != nil {
		for _, a := range d.AtSubmit {
			cells := []any{a.Employee, a.Kind, a.From, a.Source}
			if d.Run != nil {
				cells = append(cells, a.RecordState)
			}
			if err := ls.atSubmit.add(cells...); err != nil {
				return err
			}
		}
		if err := ls.atSubmit.close(); err != nil {
			return err
		}
	}
	if d.Run == nil {
		return nil
	}
	for _, o := range d.Outcomes {
		if err := ls.outcome.add(o.File, o.Line, o.Type, o.Employee, o.State, o.Reason); err != nil {
			return err
		}
	}
	if err := ls.outcome.close(); err != nil {
		return err
	}
	if err := d.EachOperation(func(o *Operation) error {
		req := any("")
		if o.RequestID != 0 {
			req = o.RequestID
		}
		return ls.ops.add(o.Bulk, o.Index, o.Phase, o.Method, o.Path, o.Employee, o.Status, o.Code, o.UserID,
			req, o.ProvisionID, o.Attempts, o.Message, extensionsText(o.Extensions), messagesText(o.Messages))
	}); err != nil {
		return err
	}
	if err := ls.ops.close(); err != nil {
		return err
	}
	for _, r := range d.Requests {
		status := any("")
		if r.HTTPStatus != 0 {
			status = r.HTTPStatus
		}
		if err := ls.reqs.add(r.ID, r.Phase, r.Round, r.Ops, r.Bytes, r.State, r.ProvisionID, r.CorrelationID,
			status, r.Attempts, r.Message, utc(r.Created), utc(r.Sent), utc(r.Done)); err != nil {
			return err
		}
	}
	return ls.reqs.close()
}

// writeSummary writes the Summary sheet: the audit, the counts and the
// notes.
func writeSummary(s *sheet, d *Data, notes []string) error {
	a := d.Audit
	var rows []summaryRow
	if !d.Generated.IsZero() {
		v := utc(d.Generated)
		if d.Generator != "" {
			v += " by upsmigrate " + d.Generator
		}
		rows = append(rows, summaryRow{"Report written", v})
	}
	if a.ToolVersion != "" {
		rows = append(rows, summaryRow{"Converted by", "upsmigrate " + a.ToolVersion})
	}
	rows = append(rows, summaryRow{"Output directory", d.Dir})
	company := a.CompanyID
	if d.Run != nil && d.Run.Company != "" {
		company = d.Run.Company
	}
	rows = append(rows, summaryRow{"Company", company})
	if len(a.Options) > 0 {
		rows = append(rows, summaryRow{"Convert options", strings.Join(a.Options, "; ")})
	}
	for _, in := range a.Inputs {
		v := in.Path
		if in.SHA256 != "" {
			v += fmt.Sprintf(" (%d bytes, sha256 %s)", in.Bytes, in.SHA256)
		}
		rows = append(rows, summaryRow{"Input", v})
	}
	if len(a.Mapping) > 0 {
		what := "embedded"
		if o := a.Overridden(); len(o) > 0 {
			names := make([]string, len(o))
			for i, t := range o {
				names[i] = t.Name + " (" + t.File + ")"
			}
			what = "overridden: " + strings.Join(names, ", ") + "; the others embedded"
		}
		rows = append(rows, summaryRow{"Mapping tables", what + ", sha256 " + a.MappingSHA256})
		for _, t := range a.Mapping {
			origin := "embedded"
			if !t.Embedded {
				origin = "override"
			}
			rows = append(rows, summaryRow{"Mapping table " + t.Name, fmt.Sprintf("%s (%s, %d rows), sha256 %s", t.File, origin, t.Rows, t.SHA256)})
		}
	}
	if r := d.Run; r != nil {
		rows = append(rows, summaryRow{"Target", r.Target}, summaryRow{"Flavor", r.Flavor}, summaryRow{"Tool version", r.ToolVersion},
			summaryRow{"Run started", utc(r.Created)}, summaryRow{"Journal updated", utc(r.Updated)})
	}
	rows = append(rows, summaryRows(d.Summary)...)
	rows = append(rows, summaryRow{"Values lost", d.LostValues()})
	if t := d.Summary.LeftOutText(); t != "" {
		rows = append(rows, summaryRow{"Extensions left out of new users",
			t + " (UPS requires a value the input does not give; see the Warnings sheet)"})
	}
	for _, lo := range d.Summary.LeftOut {
		rows = append(rows, summaryRow{"Left out of new users, " + lo.Extension, lo.Users})
	}
	if d.Run != nil {
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
		if err := s.add(r.name, r.value); err != nil {
			return err
		}
	}
	for _, n := range append(append([]string(nil), d.Notes...), notes...) {
		if err := s.add("Note", n); err != nil {
			return err
		}
	}
	return s.close()
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
