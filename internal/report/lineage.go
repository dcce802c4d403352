package report

import (
	"bufio"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"unsafe"
)

// The Lineage sheet: one row per employee and input record, one column per
// mapping row (a field of a table, and the UPS attribute it fills). A cell
// is the value the field became; its column says the field, the mapping
// row and the attribute, its row the employee, the input record and the
// operations. This puts a run's millions of values into a sheet Excel can
// open and filter, one cell each, where a row per value would take Excel's
// whole row limit at 20,000 employees.

// linFixed are the columns before the values.
var linFixed = []string{"Employee", "Input record", "Type", "Record status", "Operations", "Notes"}

// linColumn is one value column.
type linColumn struct {
	key    string
	row    string // mapping row, "" for a rename
	field  string // "2 (First Name)"
	target string // "core:2.0:User name.givenName"
	order  int    // first seen
}

// lineage gathers the rows while the plan is walked: their values wait in
// a temporary file, since the columns are known only at the end.
type lineage struct {
	b       *book
	d       *Data
	cols    map[string]*linColumn
	list    []*linColumn
	spool   *rowSpool
	pos     []int // spooled column → column in the sheet (write)
	width   int   // the sheet's columns
	journal bool
	done    []bool      // per value of the employee: spooled
	cells   []spoolCell // one row's cells
	at      []int       // per column: 1 + its index in cells, 0 when not there
	left    []int       // one row's values left out, by index
	note    []byte      // one row's note
	// hints are the column keys of the last employee's values, by index:
	// employees mostly have the values of the same mapping rows, in order.
	hints []linHint
}

type linHint struct {
	key string
	col int
}

func newLineage(b *book, d *Data) (*lineage, error) {
	if _, err := b.f.NewSheet("Lineage"); err != nil {
		return nil, err
	}
	return &lineage{b: b, d: d, cols: map[string]*linColumn{}, spool: &rowSpool{}, journal: d.Run != nil}, nil
}

// column returns the column of the employee's value j, creating it.
func (l *lineage) column(v *TraceRow, j int) int {
	if j < len(l.hints) && v.Row != "" && l.hints[j].key == v.Row {
		return l.hints[j].col
	}
	col := l.lookup(v)
	if v.Row != "" {
		for len(l.hints) <= j {
			l.hints = append(l.hints, linHint{col: -1})
		}
		l.hints[j] = linHint{key: v.Row, col: col}
	}
	return col
}

// lookup returns the column of a value, creating it.
func (l *lineage) lookup(v *TraceRow) int {
	key := v.Row
	if key == "" {
		key = v.Schema + " " + v.Path + "\x00" + v.Field
	}
	c := l.cols[key]
	if c == nil {
		path := v.Path
		if v.Phase == 2 {
			if i, j := strings.IndexByte(path, '['), strings.LastIndexByte(path, ']'); i > 0 && j > i {
				path = path[:i] + "[…]" + path[j+1:] // a delegate's sub-attribute, of any delegate
			}
		}
		c = &linColumn{key: key, row: v.Row, field: fieldLabel(v.Field, v.Name), target: v.Schema + " " + path, order: len(l.list)}
		l.cols[key] = c
		l.list = append(l.list, c)
	}
	return c.order
}

// add spools the rows of one employee: one per input record, in the order
// the values come.
func (l *lineage) add(e *Employee) error {
	if len(e.Values) == 0 {
		return nil
	}
	done := l.done[:0]
	for range e.Values {
		done = append(done, false)
	}
	l.done = done
	for i := range e.Values {
		if done[i] {
			continue
		}
		rec := e.Values[i].record
		cells, left := l.cells[:0], l.left[:0]
		var opList, msgs []string
		for j := i; j < len(e.Values); j++ {
			v := &e.Values[j]
			if done[j] || v.record != rec {
				continue
			}
			done[j] = true
			col := l.column(v, j)
			val := v.Value
			if v.File != rec.File || v.Line != rec.Line {
				val += " (" + v.sourceText() + ")"
			}
			for len(l.at) <= col {
				l.at = append(l.at, 0)
			}
			if k := l.at[col]; k > 0 {
				cells[k-1].val += "\n" + val
			} else {
				cells = append(cells, spoolCell{col: col, val: val})
				l.at[col] = len(cells)
			}
			if v.Operation != "" && !containsPair(opList, v.Operation, v.Method) {
				opList = append(opList, v.Operation+" "+v.Method)
			}
			if v.LeftOut {
				left = append(left, j)
			}
			if v.Message != "" {
				msgs = append(msgs, v.Schema+" "+v.Path+": "+v.Message)
			}
		}
		l.cells, l.left = cells, left
		for _, c := range cells {
			l.at[c.col] = 0
		}
		status, typ, state := "", "", ""
		for _, r := range e.Records {
			if r.File == rec.File && r.Line == rec.Line {
				status, typ, state = r.Status, r.Type, r.State
			}
		}
		if l.journal && state != "" {
			status += " / " + state
		}
		pos := ""
		if rec.File != "" {
			pos = rec.String()
		}
		if len(left) > 0 {
			msgs = append([]string{l.leftOutNote(e.Values, left)}, msgs...)
		}
		note := strings.Join(msgs, "\n")
		if err := l.spool.put([]string{e.ID, pos, typ, status, strings.Join(opList, "\n"), note}, cells); err != nil {
			return err
		}
	}
	return nil
}

// leftOutNote names the values left out of one row, each extension once:
// "not sent (extension left out of the new user): spend:2.0:User locale,
// country; travel:2.0:User ruleClass.name". A feed lacking a currency has
// a dozen on every new user's first row.
func (l *lineage) leftOutNote(vals []TraceRow, left []int) string {
	b := append(l.note[:0], "not sent (extension left out of the new user): "...)
	for k, j := range left {
		v := &vals[j]
		switch {
		case k == 0:
		case v.Schema == vals[left[k-1]].Schema:
			b = append(b, ", "...)
			b = append(b, v.Path...)
			continue
		default:
			b = append(b, "; "...)
		}
		b = append(append(append(b, v.Schema...), ' '), v.Path...)
	}
	l.note = b
	return string(b)
}

// write streams the sheet: the header, then the spooled rows with every
// value in its column.
func (l *lineage) write() error {
	sorted := append([]*linColumn(nil), l.list...)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		af, al := splitRow(a.row)
		bf, bl := splitRow(b.row)
		if af != bf {
			return af < bf
		}
		return al < bl
	})
	pos := make([]int, len(l.list)) // column order → place
	header := append([]string(nil), linFixed...)
	widths := []float64{14, 30, 6, 12, 24, 24}
	for i, c := range sorted {
		pos[c.order] = len(linFixed) + i
		h := c.field + "\n→ " + c.target
		if c.row != "" {
			h += "\n" + c.row
		}
		header = append(header, h)
		widths = append(widths, 18)
	}
	l.pos, l.width = pos, len(header)
	if !rawRows { // the reference: every row through excelize
		s := &sheet{b: l.b, name: "Lineage", header: header, widths: widths, part: 1, height: 48}
		err := l.spool.each(func(fixed []string, vals []spoolCell) error { return s.add(l.rowCells(fixed, vals)...) })
		if err != nil {
			return err
		}
		return s.close()
	}
	// The rows go in while the workbook is zipped (xlsxraw.go): here the
	// sheet only counts them into its parts.
	s := &sheet{b: l.b, name: "Lineage", header: header, widths: widths, part: 1, height: 48, raw: true}
	for range l.spool.n {
		if err := s.skip(); err != nil {
			return err
		}
	}
	if err := s.close(); err != nil {
		return err
	}
	for _, p := range s.parts {
		p := p
		l.b.inject[p.path] = func(w io.Writer) error { return l.renderRows(w, p.first, p.rows, 2) }
	}
	return nil
}

// rawRows renders the data rows of every sheet but Summary itself
// (xlsxraw.go, xlsxrows.go); tests turn it off to compare with excelize's
// rendering.
var rawRows = true

// rowCells lays a spooled row out in the sheet's columns, as sheet.add cuts
// them.
func (l *lineage) rowCells(fixed []string, vals []spoolCell) []any {
	cells := make([]any, l.width)
	for i, f := range fixed {
		if f != "" {
			cells[i] = cellText(f)
		}
	}
	for _, v := range vals {
		cells[l.pos[v.col]] = cellText(v.val)
	}
	return cells
}

// splitRow splits a mapping row "file:line" for ordering.
func splitRow(row string) (string, int) {
	i := strings.LastIndexByte(row, ':')
	if i < 0 {
		return row, 0
	}
	n, err := strconv.Atoi(row[i+1:])
	if err != nil {
		return row, 0
	}
	return row[:i], n
}

type spoolCell struct {
	col int
	val string
}

// rowSpool keeps rows in a temporary file (0600, removed at once), each
// with its length before it.
type rowSpool struct {
	n   int // rows
	f   *os.File
	w   *bufio.Writer
	buf []byte
}

func (s *rowSpool) put(fixed []string, cells []spoolCell) error {
	if s.f == nil {
		f, err := os.CreateTemp("", "upsmigrate-lineage-")
		if err != nil {
			return err
		}
		os.Remove(f.Name())
		s.f, s.w = f, bufio.NewWriterSize(f, 256<<10)
	}
	b := encodeRow(s.buf[:0], fixed, cells)
	s.buf = b
	s.n++
	var hdr [binary.MaxVarintLen64]byte
	if _, err := s.w.Write(hdr[:binary.PutUvarint(hdr[:], uint64(len(b)))]); err != nil {
		return err
	}
	_, err := s.w.Write(b)
	return err
}

// encodeRow appends a row's spool encoding (decodeRow reads it) to b.
func encodeRow(b []byte, fixed []string, cells []spoolCell) []byte {
	b = binary.AppendUvarint(b, uint64(len(fixed)))
	for _, f := range fixed {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	b = binary.AppendUvarint(b, uint64(len(cells)))
	for _, c := range cells {
		b = binary.AppendUvarint(b, uint64(c.col))
		b = binary.AppendUvarint(b, uint64(len(c.val)))
		b = append(b, c.val...)
	}
	return b
}

// records calls fn with every row's encoding in order; rec is reused.
func (s *rowSpool) records(fn func(rec []byte) error) error {
	if s.f == nil {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return err
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := bufio.NewReaderSize(s.f, 256<<10)
	var rec []byte
	for {
		n, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if uint64(cap(rec)) < n {
			rec = make([]byte, n)
		}
		rec = rec[:n]
		if _, err := io.ReadFull(r, rec); err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func (s *rowSpool) each(fn func(fixed []string, cells []spoolCell) error) error {
	var fixed []string
	var cells []spoolCell
	return s.records(func(rec []byte) error {
		var err error
		if fixed, cells, err = decodeRow(rec, fixed[:0], cells[:0], false); err != nil {
			return err
		}
		return fn(fixed, cells)
	})
}

var errSpoolRow = errors.New("lineage spool: malformed row")

// decodeRow appends a spooled row's fixed texts and cells to fixed and
// cells. With alias, the strings share rec's bytes (no copy): they hold
// only while rec is not changed.
func decodeRow(rec []byte, fixed []string, cells []spoolCell, alias bool) ([]string, []spoolCell, error) {
	r := spoolReader{b: rec}
	str := func() string {
		n := r.uvarint()
		if r.err != nil || n > uint64(len(r.b)) {
			r.err = errSpoolRow
			return ""
		}
		b := r.b[:n]
		r.b = r.b[n:]
		if alias {
			return unsafe.String(unsafe.SliceData(b), len(b))
		}
		return string(b)
	}
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		fixed = append(fixed, str())
	}
	for n := r.uvarint(); n > 0 && r.err == nil; n-- {
		col := r.uvarint()
		cells = append(cells, spoolCell{col: int(col), val: str()})
	}
	if r.err == nil && len(r.b) > 0 {
		r.err = errSpoolRow
	}
	return fixed, cells, r.err
}

func (s *rowSpool) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}
