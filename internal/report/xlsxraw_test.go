package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/upsmigrate/upsmigrate/internal/gen"
)

// TestRawRowsMatchExcelize renders rows of awkward text with
// appendRawRow and with excelize's StreamWriter.SetRow, and holds the
// sheets' data equal byte for byte.
func TestRawRowsMatchExcelize(t *testing.T) {
	texts := []string{
		"", "plain", " leading", "trailing ", "\ttab", "line\nbreak\r\n", `quote " and ' apostrophe`,
		"a & b < c > d", "caf\u00e9 \u65e5\u672c \U0001F600", "bad \xff utf-8", "nul \x00 and \x1b esc",
		"_x0041_", "a_x00e9_b", "_x005F_x0041_", "_x005F_", "_xD800_ surrogate", "_xZZZZ_ not hex", "_x12_ short",
		"__x0041__", strings.Repeat("é", 40000), strings.Repeat("\U0001F600", 20000),
		strings.Repeat("x", 32766) + "\U0001F600",
		"a\nb\tc\rd", "\x7f del", "\x01\x08\x0b\x0c\x1f", "\ufffd real", "\uffff \ufffe nonchar", "\xed\xa0\x80 surrogate",
		"\xf4\x90\x80\x80 too big", "cut \xe2\x82", "\u00a0nbsp\u00a0", "line\n_x0041_\n\"", "&#xA; literal",
	}
	var rows [][]any
	for i, s := range texts {
		row := make([]any, 30)
		row[0] = s
		row[i%30] = s
		row[29] = "end " + s
		rows = append(rows, row)
	}

	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	must(t, err)
	for i, row := range rows {
		must(t, sw.SetRow("A"+strconv.Itoa(i+2), row))
	}
	must(t, sw.Flush())
	var b bytes.Buffer
	must(t, f.Write(&b))
	sheet := string(unzip(t, b.Bytes(), "xl/worksheets/sheet1.xml"))
	i, j := strings.Index(sheet, "<sheetData>"), strings.Index(sheet, "</sheetData>")
	if i < 0 || j < i {
		t.Fatalf("no sheetData in excelize's sheet: %.200s", sheet)
	}
	want := sheet[i+len("<sheetData>") : j]

	var got []byte
	var cols colNames
	for i, row := range rows {
		got = appendRawRow(got, &cols, i+2, row)
	}
	if string(got) != want {
		g, w := string(got), want
		k := 0
		for k < len(g) && k < len(w) && g[k] == w[k] {
			k++
		}
		t.Errorf("rows differ at byte %d:\n ours     %.160q\n excelize %.160q", k, g[k:], w[k:])
	}
}

var stamp = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

// TestRawLineageMatchesExcelize writes whole workbooks with the Lineage
// rows spliced in and with every row through excelize, on varied runs and
// with the sheet split over several parts, and holds every part equal.
func TestRawLineageMatchesExcelize(t *testing.T) {
	mixed, err := gen.WriteFiles(t.TempDir(), gen.ShapeMixed, 60, 3)
	must(t, err)
	samples, err := filepath.Glob("../../samples/concur/*.csv")
	must(t, err)
	dirs := map[string]string{"mixed": convertRun(t, mixed), "samples": convertRun(t, samples), "journal": journalFixture(t)}
	defer func(v bool) { rawRows = v }(rawRows)
	defer func(n int) { deflateChunk = n }(deflateChunk)
	deflateChunk = 4096 // parts of several chunks
	for name, dir := range dirs {
		for _, rowsPerSheet := range []int{0, 7} {
			parts := func(raw bool) map[string][]byte {
				rawRows = raw
				d, err := Load(dir)
				must(t, err)
				defer d.Close()
				d.Limits.XLSXRows = rowsPerSheet
				x := render(t, "xlsx", d)
				zr, err := zip.NewReader(bytes.NewReader(x), int64(len(x)))
				must(t, err)
				out := map[string][]byte{}
				for _, f := range zr.File {
					out[f.Name] = unzip(t, x, f.Name)
				}
				return out
			}
			want, got := parts(false), parts(true)
			if len(got) != len(want) {
				t.Errorf("%s, %d rows a sheet: %d parts, excelize's way %d", name, rowsPerSheet, len(got), len(want))
			}
			lineageRows := 0
			for k, w := range want {
				g := got[k]
				if k == "xl/worksheets/sheet1.xml" { // the Summary: stamped with the time
					g, w = stamp.ReplaceAll(g, nil), stamp.ReplaceAll(w, nil)
				}
				if !bytes.Equal(g, w) {
					t.Errorf("%s, %d rows a sheet: %s differs (%d bytes, excelize's way %d)", name, rowsPerSheet, k, len(g), len(w))
				}
				lineageRows += bytes.Count(w, []byte("<row "))
			}
			if lineageRows == 0 {
				t.Errorf("%s: no rows", name)
			}
		}
	}
}

// TestSplicer puts the rows before </sheetData> however the part's bytes
// are cut into writes, and reports a part that had no </sheetData>.
func TestSplicer(t *testing.T) {
	part := `<worksheet><sheetData><row r="1"/></sheetData><autoFilter/></worksheet>`
	want := strings.Replace(part, "</sheetData>", `<row r="2"/></sheetData>`, 1)
	for size := 1; size <= len(part); size++ {
		var out bytes.Buffer
		calls := 0
		s := &splicer{w: &out, fn: func(w io.Writer) error { calls++; _, err := io.WriteString(w, `<row r="2"/>`); return err }, done: func() {}}
		for i := 0; i < len(part); i += size {
			if n, err := s.Write([]byte(part[i:min(i+size, len(part))])); err != nil || n != min(size, len(part)-i) {
				t.Fatalf("writes of %d: wrote %d, %v", size, n, err)
			}
		}
		if out.String() != want || calls != 1 {
			t.Fatalf("writes of %d bytes: %q (%d calls), want %q", size, out.String(), calls, want)
		}
	}

	var b bytes.Buffer
	z := &splicingZip{zw: zip.NewWriter(&b), inject: map[string]func(io.Writer) error{
		"a.xml": func(io.Writer) error { return nil }, "b.xml": func(io.Writer) error { return nil }}, done: map[string]bool{}}
	for name, body := range map[string]string{"a.xml": "<sheetData></sheetData>", "b.xml": "<sheetData/>"} {
		w, err := z.Create(name)
		must(t, err)
		_, err = io.WriteString(w, body)
		must(t, err)
	}
	if err := z.check(); err == nil || !strings.Contains(err.Error(), "b.xml") {
		t.Errorf("a part with no </sheetData>: %v", err)
	}
}

// TestRowRendererMatchesRawRow renders spooled Lineage rows of awkward
// text with the rowRenderer, from their spool encoding, and with
// appendRawRow of rowCells, and holds the two equal.
func TestRowRendererMatchesRawRow(t *testing.T) {
	texts := []string{
		"", "plain", " lead", "trail\n", `a "b" & <c>`, "_x0041_", "caf\u00e9 \U0001F600", "bad \xff", "nul \x00",
		strings.Repeat("é", 40000), strings.Repeat("x", 32766) + "\U0001F600",
	}
	const ncols = 40
	l := &lineage{width: len(linFixed) + ncols, pos: make([]int, ncols)}
	for c := range l.pos {
		l.pos[c] = len(linFixed) + (c*7)%ncols // every column, not in order
	}
	lr := l.rowRenderer()
	var got, want, rec []byte
	var cols colNames
	for r := range 200 {
		fixed := make([]string, len(linFixed))
		for i := range fixed {
			if (r+i)%3 != 0 {
				fixed[i] = texts[(r*5+i)%len(texts)]
			}
		}
		var vals []spoolCell
		for c := range ncols {
			if (r*c+r)%4 != 1 {
				vals = append(vals, spoolCell{col: (c + r) % ncols, val: texts[(r+c)%len(texts)]})
			}
		}
		rec = encodeRow(rec[:0], fixed, vals)
		var err error
		if got, err = lr.appendSpooled(got, r+2, rec); err != nil {
			t.Fatal(err)
		}
		want = appendRawRow(want, &cols, r+2, l.rowCells(fixed, vals))
	}
	if string(got) != string(want) {
		k := 0
		for k < len(got) && k < len(want) && got[k] == want[k] {
			k++
		}
		t.Errorf("rows differ at byte %d:\n renderer %.160q\n raw      %.160q", k, got[k:], want[k:])
	}
	if _, err := lr.appendSpooled(nil, 2, rec[:len(rec)-1]); err == nil {
		t.Error("a cut row: no error")
	}
}

// TestAppendEscaped holds appendEscaped to xml.EscapeText with the new
// lines put back, on random text.
func TestAppendEscaped(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"a", "Z", " ", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\x80", "\xff", "\"", "'", "&", "<", ">",
		"é", "\u2028", "\ufffd", "\uffff", "\U0001F600", "\xed\xa0\x80", "\xe2\x82", "&#xA;", "_"}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		var want bytes.Buffer
		must(t, xml.EscapeText(&want, []byte(s)))
		if got := string(appendEscaped([]byte("<"), s)); got != "<"+strings.ReplaceAll(want.String(), "&#xA;", "\n") {
			t.Fatalf("%q: %q, want %q", s, got, want.String())
		}
	}
}
