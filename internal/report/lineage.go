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
)

// The Lineage sheet: one row per employee and input record, one column per
// mapping row (a field of a table, and the UPS attribute it fills). A cell
// is the value the field became; its column says the field, the mapping
// row and the attribute, its row the employee, the input record and the
// operations. This puts a run's millions of values into a sheet Excel can
// open and filter, one cell each, where a row per value would take Excel's
// whole row limit at 20,000 employees.
//
// The columns come from report.json's audit (the target rows of the tables
// the run used), and the rows are streamed as the plan is walked; a value
// no column names goes to the last column, "Other values". A report.json
// without them (an older convert) has its columns found while walking: the
// rows wait in a temporary file until the end.

// linFixed are the columns before the values.
var linFixed = []string{"Employee", "Input record", "Type", "Record status", "Operations", "Notes"}

// linColumn is one value column.
type linColumn struct {
	key    string
	row    string // mapping row, "" for a rename
	field  string // "2 (First Name)"
	target string // "core:2.0:User name.givenName"
	order  int    // index in lineage.list
}

// lineage writes the sheet while the plan is walked.
type lineage struct {
	b       *book
	d       *Data
	cols    map[string]*linColumn // by mapping row, or schema, path and field
	byField map[string]int        // table and field → column, for values without a mapping row (renames)
	list    []*linColumn
	known   bool        // the columns come from the audit
	other   int         // the column of values no column names (known columns)
	out     *asyncSheet // known columns: the sheet, written as rows come
	spool   *rowSpool   // else the rows, until the columns are known
	journal bool
	done    []bool      // per value of the employee: written
	cells   []spoolCell // one row's cells
}

func newLineage(b *book, d *Data) (*lineage, error) {
	if _, err := b.f.NewSheet("Lineage"); err != nil {
		return nil, err
	}
	l := &lineage{b: b, d: d, cols: map[string]*linColumn{}, byField: map[string]int{}, spool: &rowSpool{}, journal: d.Run != nil}
	for _, t := range d.targets {
		for _, c := range t.Targets {
			row := t.File + ":" + strconv.Itoa(c.Line)
			if _, dup := l.cols[row]; dup {
				continue
			}
			lc := &linColumn{key: row, row: row, field: fieldLabel(c.Field, c.Name), target: c.Target, order: len(l.list)}
			l.cols[row] = lc
			l.byField[t.Name+"\x00"+c.Field] = lc.order
			l.list = append(l.list, lc)
		}
	}
	if len(l.list) == 0 {
		return l, nil
	}
	l.known = true
	l.other = len(l.list)
	l.list = append(l.list, &linColumn{key: "\x00other", field: "Other values", target: "attribute = value [mapping row]", order: l.other})
	s, err := l.sheet()
	if err != nil {
		return nil, err
	}
	if err := s.start(); err != nil {
		return nil, err
	}
	l.out = newAsyncSheet(s)
	return l, nil
}

// sheet is the sheet with the header of the columns in l.list order.
func (l *lineage) sheet() (*sheet, error) {
	header := append([]string(nil), linFixed...)
	widths := []float64{14, 30, 6, 12, 24, 24}
	for _, c := range l.list {
		h := c.field + "\n→ " + c.target
		if c.row != "" {
			h += "\n" + c.row
		}
		header = append(header, h)
		widths = append(widths, 18)
	}
	return &sheet{b: l.b, name: "Lineage", header: header, widths: widths, part: 1, height: 48}, nil
}

// column returns the column of a value: with known columns its mapping
// row's (else, for a rename, its field's in the record's table; else Other
// values), without them one made for it.
func (l *lineage) column(v *TraceRow, table string) (col int, other bool) {
	if l.known {
		if c := l.cols[v.Row]; c != nil && v.Row != "" {
			return c.order, false
		}
		if v.Row == "" {
			if i, ok := l.byField[table+"\x00"+v.Field]; ok && l.list[i].target == v.Schema+" "+v.Path {
				return i, false
			}
		}
		return l.other, true
	}
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
	return c.order, false
}

// add writes (or spools) the rows of one employee: one per input record,
// in the order the values come.
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
		status, typ, state := "", "", ""
		for _, r := range e.Records {
			if r.File == rec.File && r.Line == rec.Line {
				status, typ, state = r.Status, r.Type, r.State
			}
		}
		table := typ
		if strings.HasPrefix(table, "3.") {
			table = "v" + table
		}
		cells := l.cells[:0]
		var opList, leftOut, msgs []string
		for j := i; j < len(e.Values); j++ {
			v := &e.Values[j]
			if done[j] || v.record != rec {
				continue
			}
			done[j] = true
			col, other := l.column(v, table)
			val := v.Value
			if other {
				val = v.Schema + " " + v.Path + " = " + val
				if v.Row != "" {
					val += " [" + v.Row + "]"
				}
			}
			if v.File != rec.File || v.Line != rec.Line {
				val += " (" + v.sourceText() + ")"
			}
			merged := false
			for k := range cells {
				if cells[k].col == col {
					cells[k].val += "\n" + val
					merged = true
				}
			}
			if !merged {
				cells = append(cells, spoolCell{col: col, val: val})
			}
			if op := v.Operation + " " + v.Method; v.Operation != "" && !contains(opList, op) {
				opList = append(opList, op)
			}
			if v.LeftOut {
				leftOut = append(leftOut, v.Schema+" "+v.Path)
			}
			if v.Message != "" {
				msgs = append(msgs, v.Schema+" "+v.Path+": "+v.Message)
			}
		}
		l.cells = cells
		if l.journal && state != "" {
			status += " / " + state
		}
		pos := ""
		if rec.File != "" {
			pos = rec.String()
		}
		if len(leftOut) > 0 {
			msgs = append([]string{"not sent (extension left out of the new user): " + strings.Join(leftOut, ", ")}, msgs...)
		}
		fixed := []string{e.ID, pos, typ, status, strings.Join(opList, "\n"), strings.Join(msgs, "\n")}
		if !l.known {
			if err := l.spool.put(fixed, cells); err != nil {
				return err
			}
			continue
		}
		if err := l.out.add(l.row(fixed, cells, func(col int) int { return len(linFixed) + col })); err != nil {
			return err
		}
	}
	return nil
}

// row is a sheet row of the fixed cells and the values, at place(col).
func (l *lineage) row(fixed []string, vals []spoolCell, place func(int) int) []any {
	cells := make([]any, len(linFixed)+len(l.list))
	for i, f := range fixed {
		if f != "" {
			cells[i] = f
		}
	}
	for _, v := range vals {
		cells[place(v.col)] = v.val
	}
	return cells
}

// write ends the sheet: with known columns it waits for the rows written;
// else it streams the header, then the spooled rows.
func (l *lineage) write() error {
	if l.known {
		return l.out.close()
	}
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
	for i, c := range sorted {
		pos[c.order] = len(linFixed) + i
	}
	l.list = sorted
	s, err := l.sheet()
	if err != nil {
		return err
	}
	err = l.spool.each(func(fixed []string, vals []spoolCell) error {
		return s.add(l.row(fixed, vals, func(col int) int { return pos[col] })...)
	})
	if err != nil {
		return err
	}
	return s.close()
}

// asyncSheet writes a sheet's rows on a goroutine of its own, so two
// sheets fill while the plan is read. excelize's stream writers of two
// sheets share nothing while rows of strings and numbers are written.
type asyncSheet struct {
	rows chan []any
	done chan error
	s    *sheet
	err  error
}

func newAsyncSheet(s *sheet) *asyncSheet {
	rows, done := make(chan []any, 256), make(chan error, 1)
	a := &asyncSheet{rows: rows, done: done, s: s}
	go func() {
		var err error
		for row := range rows {
			if err == nil {
				err = s.add(row...)
			}
		}
		done <- err
	}()
	return a
}

// add queues a row; the row must not be changed afterwards.
func (a *asyncSheet) add(row []any) error {
	if a.rows == nil {
		return a.err
	}
	a.rows <- row
	return nil
}

// close waits for the rows queued and ends the sheet.
func (a *asyncSheet) close() error {
	if a.rows == nil {
		return a.err
	}
	close(a.rows)
	a.rows = nil
	if a.err = <-a.done; a.err != nil {
		return a.err
	}
	a.err = a.s.close()
	return a.err
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

// rowSpool keeps rows in a temporary file (0600, removed at once).
type rowSpool struct {
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
	b := s.buf[:0]
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
	s.buf = b
	_, err := s.w.Write(b)
	return err
}

func (s *rowSpool) each(fn func(fixed []string, cells []spoolCell) error) error {
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
	str := func() (string, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil {
			return "", err
		}
		b := make([]byte, n)
		_, err = io.ReadFull(r, b)
		return string(b), err
	}
	var fixed []string
	var cells []spoolCell
	for {
		n, err := binary.ReadUvarint(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		fixed = fixed[:0]
		for i := uint64(0); i < n; i++ {
			v, err := str()
			if err != nil {
				return err
			}
			fixed = append(fixed, v)
		}
		m, err := binary.ReadUvarint(r)
		if err != nil {
			return err
		}
		cells = cells[:0]
		for i := uint64(0); i < m; i++ {
			col, err := binary.ReadUvarint(r)
			if err != nil {
				return err
			}
			v, err := str()
			if err != nil {
				return err
			}
			cells = append(cells, spoolCell{col: int(col), val: v})
		}
		if err := fn(fixed, cells); err != nil {
			return err
		}
	}
}

func (s *rowSpool) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}
