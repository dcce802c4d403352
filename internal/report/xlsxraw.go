package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The Lineage sheet is most of a workbook (a row per input record, a
// column per mapping row), and excelize's StreamWriter renders a cell at
// a time on one goroutine. Its rows are rendered here instead, as
// StreamWriter.SetRow renders string cells, byte for byte, on every core,
// and written into the sheet's part while the workbook is zipped: excelize
// writes the part with its header row only, and the zip writer splices
// the rows in before the part's </sheetData>. TestRawRowsMatchExcelize
// holds the two renderings equal.

// rawPart is one part of a sheet whose data rows are spliced in.
type rawPart struct {
	path  string // the part in the zip: xl/worksheets/sheetN.xml
	first int    // the index of its first row among the sheet's rows
	rows  int
}

// sheetPath is the zip part of a workbook's sheet.
func sheetPath(f *excelize.File, name string) (string, error) {
	for id, n := range f.GetSheetMap() {
		if n == name {
			return "xl/worksheets/sheet" + strconv.Itoa(id) + ".xml", nil
		}
	}
	return "", fmt.Errorf("xlsx: no sheet %q", name)
}

// colNames caches column letters.
type colNames []string

func (c *colNames) name(i int) string { // 0-based
	for len(*c) <= i {
		n, _ := excelize.ColumnNumberToName(len(*c) + 1)
		*c = append(*c, n)
	}
	return (*c)[i]
}

// appendRawRow renders row r (1-based), nil cells left out, as
// StreamWriter.SetRow does (on a sheet with no cell styles): integers as
// numbers, booleans as booleans, anything else as the text fmt.Sprint
// gives. It panics on the types excelize renders otherwise (floats,
// times, durations, byte slices, excelize.Cell, rich text), which no
// sheet of the report has.
func appendRawRow(dst []byte, cols *colNames, r int, cells []any) []byte {
	var num [20]byte
	rn := strconv.AppendInt(num[:0], int64(r), 10)
	dst = appendRowStart(dst, rn)
	for i, c := range cells {
		if c == nil {
			continue
		}
		dst = appendCellStart(dst, cols.name(i), rn)
		var n int64
		switch v := c.(type) {
		case string:
			dst = appendInlineCell(dst, v)
			continue
		case int:
			n = int64(v)
		case int64:
			n = v
		case int32:
			n = int64(v)
		case int16:
			n = int64(v)
		case int8:
			n = int64(v)
		case uint, uint8, uint16, uint32, uint64:
			dst = append(dst, `"><v>`...)
			dst = append(dst, fmt.Sprint(v)...)
			dst = append(dst, `</v></c>`...)
			continue
		case bool:
			dst = append(dst, `" t="b"><v>`...)
			if v {
				dst = append(dst, '1')
			} else {
				dst = append(dst, '0')
			}
			dst = append(dst, `</v></c>`...)
			continue
		case float32, float64, []byte, time.Time, time.Duration, excelize.Cell, *excelize.Cell, []excelize.RichTextRun:
			panic(fmt.Sprintf("xlsx: a %T cell is not rendered raw", c))
		default:
			dst = appendInlineCell(dst, fmt.Sprint(v))
			continue
		}
		dst = append(dst, `"><v>`...)
		dst = strconv.AppendInt(dst, n, 10)
		dst = append(dst, `</v></c>`...)
	}
	return append(dst, `</row>`...)
}

// appendRowStart opens row rn (its number, formatted).
func appendRowStart(dst, rn []byte) []byte {
	dst = append(dst, `<row r="`...)
	dst = append(dst, rn...)
	return append(dst, `">`...)
}

// appendCellStart opens the cell of column col in row rn, up to the end
// of its reference; the cell's type and value follow.
func appendCellStart(dst []byte, col string, rn []byte) []byte {
	dst = append(dst, `<c r="`...)
	dst = append(dst, col...)
	return append(dst, rn...)
}

// appendInlineCell ends a cell of text, after its reference.
func appendInlineCell(dst []byte, s string) []byte {
	dst = append(dst, `" t="inlineStr"><is><t`...)
	dst = appendInlineText(dst, s)
	return append(dst, `</t></is></c>`...)
}

// maxCellUnits is the most UTF-16 code units a cell holds (excelize's
// TotalCellChars).
const maxCellUnits = 32767

// appendInlineText renders what follows "<t" of an inline string: the
// xml:space attribute when the text starts or ends with white space, ">"
// and the escaped text.
func appendInlineText(dst []byte, s string) []byte {
	if utf16Len(s) > maxCellUnits {
		s = truncateUnits(s, maxCellUnits)
	}
	if s != "" && (isXMLSpace(s[0]) || isXMLSpace(s[len(s)-1])) {
		dst = append(dst, ` xml:space="preserve"`...)
	}
	dst = append(dst, '>')
	if !strings.Contains(s, "_x") {
		return appendEscaped(dst, s)
	}
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return append(dst, bstr(strings.ReplaceAll(b.String(), "&#xA;", "\n"))...)
}

// appendEscaped appends s escaped as xml.EscapeText escapes it, but for
// its new lines, which stay (as excelize writes a cell's text).
func appendEscaped(dst []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			i++
			if esc := asciiEscapes[c]; esc != "" {
				dst = append(dst, s[last:i-1]...)
				dst = append(dst, esc...)
				last = i
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if r == utf8.RuneError && n == 1 || !isXMLChar(r) {
			dst = append(dst, s[last:i-n]...)
			dst = append(dst, "\uFFFD"...)
			last = i
		}
	}
	return append(dst, s[last:]...)
}

// asciiEscapes are xml.EscapeText's escapes of ASCII characters, but for
// the new line's.
var asciiEscapes = func() (e [utf8.RuneSelf]string) {
	for c := range rune(0x20) {
		if c != '\t' && c != '\n' && c != '\r' {
			e[c] = "\uFFFD"
		}
	}
	e['"'], e['\''], e['&'], e['<'], e['>'] = "&#34;", "&#39;", "&amp;", "&lt;", "&gt;"
	e['\t'], e['\r'] = "&#x9;", "&#xD;"
	return e
}()

// isXMLChar is encoding/xml's isInCharacterRange.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func isXMLSpace(c byte) bool { return c == '\t' || c == '\n' || c == '\r' || c == ' ' }

func utf16Len(s string) int {
	if len(s) <= maxCellUnits {
		return len(s) // a byte is at most one unit
	}
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func truncateUnits(s string, max int) string {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > max {
			return s[:i]
		}
	}
	return s
}

var (
	bstrRe    = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscRe = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// bstr escapes the text's _xHHHH_ sequences, which Excel would read as
// characters, as excelize does (its bstrMarshal): "_x005F" before each,
// and a sequence whose code point is not a character dropped.
func bstr(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var out strings.Builder
	cursor := 0
	for _, m := range bstrRe.FindAllStringIndex(s, -1) {
		out.WriteString(s[cursor:m[0]])
		seq := s[m[0]:m[1]]
		cursor = m[1]
		if seq == "_x005F_" {
			if m[1]+6 <= len(s) && bstrEscRe.MatchString(s[m[1]:m[1]+6]) && isCodePoint(s[m[1]+1:m[1]+5]) {
				out.WriteString(seq + "x005F" + seq)
				continue
			}
			out.WriteString(seq + "x005F_")
			continue
		}
		if isCodePoint(seq[2:6]) {
			out.WriteString("_x005F" + seq)
		}
	}
	out.WriteString(s[cursor:])
	return out.String()
}

// isCodePoint reports whether the four hex digits name a character (not
// a surrogate), as strconv.Unquote of "\uHHHH" decides.
func isCodePoint(hex string) bool {
	_, err := strconv.Unquote(`"\u` + hex + `"`)
	return err == nil
}

// splicingZip is the zip writer excelize writes the workbook through; it
// splices rendered rows into the parts that have them.
type splicingZip struct {
	zw     *zip.Writer
	inject map[string]func(io.Writer) error
	done   map[string]bool
}

func (z *splicingZip) Create(name string) (io.Writer, error) {
	w, err := z.zw.Create(name)
	if err != nil {
		return nil, err
	}
	if fn := z.inject[name]; fn != nil {
		return &splicer{w: w, fn: fn, done: func() { z.done[name] = true }}, nil
	}
	return w, nil
}

func (z *splicingZip) AddFS(fsys fs.FS) error { return z.zw.AddFS(fsys) }
func (z *splicingZip) Close() error           { return z.zw.Close() }

// check reports a part whose rows were not spliced in.
func (z *splicingZip) check() error {
	for name := range z.inject {
		if !z.done[name] {
			return fmt.Errorf("xlsx: %s: no </sheetData> to put the rows before", name)
		}
	}
	return nil
}

var endSheetData = []byte("</sheetData>")

// splicer passes a part through and calls fn before its </sheetData>.
type splicer struct {
	w      io.Writer
	fn     func(io.Writer) error
	done   func()
	held   []byte // the end of what came, which may start the marker
	passed bool
}

func (s *splicer) Write(p []byte) (int, error) {
	if s.passed {
		return s.w.Write(p)
	}
	b := append(s.held, p...)
	if i := bytes.Index(b, endSheetData); i >= 0 {
		if _, err := s.w.Write(b[:i]); err != nil {
			return 0, err
		}
		if err := s.fn(s.w); err != nil {
			return 0, err
		}
		s.passed, s.held = true, nil
		s.done()
		if _, err := s.w.Write(b[i:]); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	keep := min(len(b), len(endSheetData)-1)
	if _, err := s.w.Write(b[:len(b)-keep]); err != nil {
		return 0, err
	}
	s.held = append([]byte(nil), b[len(b)-keep:]...)
	return len(p), nil
}

// errStopRender stops a spool read when the writer gave up.
var errStopRender = errors.New("xlsx: rendering stopped")

// rawBatch is rows rendered together.
type rawBatch struct {
	first int    // the row number (1-based) of its first row
	in    []byte // the rows' spool encodings, one after the other
	ends  []int  // where each ends in in
	out   []byte
	err   error
	done  chan struct{}
}

// rawBatchRows is the rows of a batch.
const rawBatchRows = 64

// renderRows writes rows [first, first+n) of the lineage spool, as rows
// 2… of a sheet part, rendered by workers goroutines.
func (l *lineage) renderRows(w io.Writer, first, n, workers int) error {
	work := make(chan *rawBatch, workers)
	queue := make(chan *rawBatch, 2*workers)
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	// The batches go back to the reader once written, with their buffers:
	// a batch renders a few hundred kilobytes, and growing new buffers for
	// each allocated gigabytes at 200k employees.
	free := make(chan *rawBatch, 3*workers+1)
	go func() {
		defer close(work)
		defer close(queue)
		i := 0
		var b *rawBatch
		send := func() bool {
			select {
			case work <- b:
			case <-stop:
				return false
			}
			select {
			case queue <- b:
			case <-stop:
				return false
			}
			b = nil
			return true
		}
		err := l.spool.records(func(rec []byte) error {
			i++
			if i <= first {
				return nil
			}
			if i > first+n {
				return errStopRender
			}
			if b == nil {
				select {
				case b = <-free:
					b.in, b.ends, b.out, b.err = b.in[:0], b.ends[:0], b.out[:0], nil
				default:
					b = &rawBatch{}
				}
				b.first, b.done = i-first+1, make(chan struct{})
			}
			b.in = append(b.in, rec...)
			b.ends = append(b.ends, len(b.in))
			if len(b.ends) == rawBatchRows && !send() {
				return errStopRender
			}
			return nil
		})
		if errors.Is(err, errStopRender) {
			err = nil
		}
		if err == nil && b != nil {
			send()
		}
		readErr <- err
	}()
	for range workers {
		go func() {
			lr := l.rowRenderer()
			for b := range work {
				start := 0
				for k, end := range b.ends {
					if b.out, b.err = lr.appendSpooled(b.out, b.first+k, b.in[start:end]); b.err != nil {
						break
					}
					start = end
				}
				close(b.done)
			}
		}()
	}
	var werr error
	for b := range queue {
		<-b.done
		if werr == nil {
			werr = b.err
			if werr == nil {
				_, werr = w.Write(b.out)
			}
			if werr != nil {
				close(stop)
			}
		}
		select {
		case free <- b:
		default:
		}
	}
	if err := <-readErr; err != nil {
		return err
	}
	return werr
}

// rowRenderer renders spooled Lineage rows straight to bytes: what
// appendRawRow renders of rowCells' cells, without making them.
// TestRowRendererMatchesRawRow holds the two equal.
type rowRenderer struct {
	pos   []int // spooled column → column in the sheet
	cols  colNames
	text  []string // the row's texts by column in the sheet
	set   []bool   // the columns that have a cell
	fixed []string
	vals  []spoolCell
}

func (l *lineage) rowRenderer() *rowRenderer {
	return &rowRenderer{pos: l.pos, text: make([]string, l.width), set: make([]bool, l.width)}
}

// appendSpooled renders row r (1-based) from its spool encoding.
func (lr *rowRenderer) appendSpooled(dst []byte, r int, rec []byte) ([]byte, error) {
	var err error
	if lr.fixed, lr.vals, err = decodeRow(rec, lr.fixed[:0], lr.vals[:0], true); err != nil {
		return dst, err
	}
	return lr.appendRow(dst, r, lr.fixed, lr.vals), nil
}

// appendRow renders row r (1-based) of a spooled row's fixed texts and
// values, as appendRawRow renders rowCells(fixed, vals).
func (lr *rowRenderer) appendRow(dst []byte, r int, fixed []string, vals []spoolCell) []byte {
	for i, f := range fixed {
		if f != "" {
			lr.text[i], lr.set[i] = f, true
		}
	}
	for _, v := range vals {
		p := lr.pos[v.col]
		lr.text[p], lr.set[p] = v.val, true
	}
	var num [20]byte
	rn := strconv.AppendInt(num[:0], int64(r), 10)
	dst = appendRowStart(dst, rn)
	for i, ok := range lr.set {
		if !ok {
			continue
		}
		dst = appendCellStart(dst, lr.cols.name(i), rn)
		dst = appendInlineCell(dst, cellText(lr.text[i]))
		lr.text[i], lr.set[i] = "", false
	}
	return append(dst, `</row>`...)
}
