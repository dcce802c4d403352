package concur

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// render reads r to its end and renders every event with all that the
// caller can see of it, and counts the records readPlain read.
func render(t testing.TB, r *Reader) (string, int) {
	t.Helper()
	var b strings.Builder
	plain := 0
	for i := 0; ; i++ {
		if i > 1_000_000 {
			t.Fatal("reader did not end")
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *model.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v", err, err)
			}
			fmt.Fprintf(&b, "err line=%d field=%q col=%d fatal=%v %s [%s]\n", pe.Line, pe.Field, pe.Column, pe.Fatal, kind(err), err)
			if pe.Fatal {
				break
			}
			continue
		}
		if r.plain != "" {
			plain++
		}
		// A record given as its line splits into its values again
		// (model.Record.Line: what a spill keeps of it).
		if rec.Line != "" {
			if rec.Lines != nil || rec.Sep != r.comma {
				t.Fatalf("record at %s given as a line %q with Lines %v, separator %q: expected a line on one line, split at %q", rec.Pos, rec.Line, rec.Lines, rec.Sep, r.comma)
			}
			if again, ok := SplitLine(rec.Line, rec.Sep, nil); !ok || !slices.Equal(again, rec.Values) {
				t.Fatalf("record at %s: its line splits into %q (%v), its values are %q", rec.Pos, again, ok, rec.Values)
			}
		}
		fmt.Fprintf(&b, "rec %s %s lines=%v values=%q\n", rec.Type, rec.Pos, rec.Lines, rec.Values)
	}
	fmt.Fprintf(&b, "settings %+v\n", r.Settings())
	for _, w := range r.Warnings() {
		fmt.Fprintf(&b, "warning %s\n", w)
	}
	return b.String(), plain
}

// readBoth reads in with the plain path on and off; the two reads must be
// the same in every detail. It returns the number of records read by
// readPlain.
func readBoth(t testing.TB, in []byte, maxRecord int64, halves bool) int {
	t.Helper()
	open := func(noPlain bool) *Reader {
		var src io.Reader = bytes.NewReader(in)
		if halves {
			src = iotest.HalfReader(src)
		}
		r := NewReader(src, "in.csv")
		r.noPlain = noPlain
		if maxRecord > 0 {
			r.maxRecord = maxRecord
		}
		return r
	}
	want, n := render(t, open(true))
	if n != 0 {
		t.Fatalf("%d records read by readPlain with noPlain set", n)
	}
	got, plain := render(t, open(false))
	if got != want {
		t.Fatalf("plain path differs from encoding/csv's\ngot:\n%s\nwant:\n%s", clip(got), clip(want))
	}
	return plain
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// csvRows is what encoding/csv reads from in (after a BOM, with the bare
// CRs outside quotes made line feeds by bareCRs), without the rows the
// Reader skips as blank, and the line each starts on.
func csvRows(in []byte) ([][]string, []int, error) {
	in = bytes.TrimPrefix(in, bom)
	comma := sniffSeparator(in[:min(len(in), sniffSize)])
	cr := csv.NewReader(bytes.NewReader(bareCRs(in, comma)))
	cr.FieldsPerRecord = -1
	cr.Comma = rune(comma)
	var rows [][]string
	var lines []int
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return rows, lines, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if blank(row) {
			continue
		}
		line, _ := cr.FieldPos(0)
		rows, lines = append(rows, row), append(lines, line)
	}
}

// bareCRs returns a copy of in in which every CR that is not followed by an
// LF and stands outside quotes is an LF: what the Reader makes of bare CRs,
// done in one pass over the whole input (RFC 4180 quoting, as encoding/csv
// reads it) to check the Reader's incremental way on input without
// quoting faults.
func bareCRs(in []byte, comma byte) []byte {
	out := bytes.Clone(in)
	fieldStart, quoted := true, false
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case quoted:
			if c == '"' {
				if i+1 < len(out) && out[i+1] == '"' {
					i++
					continue
				}
				quoted, fieldStart = false, false
			}
			continue
		case c == '"' && fieldStart:
			quoted = true
			continue
		case c == '\r' && (i+1 == len(out) || out[i+1] != '\n'):
			out[i] = '\n'
			c = '\n'
		}
		fieldStart = c == comma || c == '\n'
	}
	return out
}

var plainCases = []struct {
	name  string
	in    string
	plain bool // some records are read by readPlain
}{
	{"unquoted", s100 + "305,Ann,,Lee,E1\n400,E1,EXP_APPROVER\n", true},
	{"crlf", strings.ReplaceAll(s100+"305,Ann,,Lee,E1\n305,Bo\n", "\n", "\r\n"), true},
	{"bom", "\ufeff" + s100 + "305,Ann\n", true},
	{"trailing commas", s100 + "305,Ann,,,\n305,Bo,\n305,,\n", true},
	{"blank lines", "\n\r\n" + s100 + "\n\n,,,,\n \t,\n305,Ann\n\r\n\n400,E1\n\n", true},
	{"simple quoted fields", s100 + "305,\"Lee, Ann\",\"\",E1,\"x\"\n305,\"a\",\n305,b,\"c,d\"\r\n", true},
	{"doubled quotes", s100 + "305,\"say \"\"hi\"\"\",E1\n305,\"\"\"\"\n305,Bo\n", true},
	{"multi-line quoted", s100 + "305,\"two\nlines\",E1\n305,\"a\r\nb\"\r\n305,Bo\n", true},
	{"quoted last field at the end", s100 + "305,Ann,\"x\"", true},
	{"no final newline", s100 + "305,Ann\n305,Bo", true},
	{"final cr", s100 + "305,Ann\n400,E1,EXP_APPROVER\r", true},
	{"cr inside", s100 + "305,A\rnn\n305,Bo\r\r\n305,\"C\ry\"\n305,Dee\n", true},
	{"cr only line ends", s100 + "305,Ann\r305,Bo\r", true},
	{"bare cr merges nothing", s100 + "305,Ann,,Lee,E1,,,,,,,,,,Y,Org1\r305,Bo,,Ng,E2\n400,E2\r\r\n", true},
	{"bare crs and quotes", s100 + "305,\"a\rb\",\"c\"\r305,\"\"\"\r\",d\r305,\"x\"\"\"\r400,E1\n", true},
	{"bare cr after a bare quote", s100 + "305,An\"n\r305,Bo\n305,\"Cy\"x\r305,Di\n", true},
	{"bare cr in an unterminated quote", s100 + "305,\"Ann\r305,Bo\n305,Cy\r305,Di\n", true},
	{"bare quote", s100 + "305,An\"n,Lee\n305,Bo\n", true},
	{"stray quote", s100 + "305,\"Ann\"x,Lee\n305,\"Bo\" ,E2\n305,Cy\n", true},
	{"unterminated quote", s100 + "305,\"Ann,Lee,E1\n305,Bo,,Ng,E2\n400,E2,EXP_APPROVER\n", true},
	{"unknown type and spaces", s100 + "999,x\n305,Ann\n 305,Bo\n,Cy\n\"305\",Dee\n\"999\",x\n", true},
	{"too many fields", s100 + "400," + fields(12, "a") + "\n400," + fields(13, "a") + "\n400,\"a\"," + fields(12, "\"b\"") + "\n", true},
	{"settings errors", "100,-1,SSO,MERGE,EN,y,N\n305,Ann\n100,0,\"SSO\",X,EN,N,N,Z\n", true},
	{"invalid utf-8 and nul", s100 + "305,Jos\xe9,,Lee\n305,José\n305,Ann,\x00,Lee\n305,Bo\n", false}, // one dirty chunk
	{"utf-8 text", s100 + "305,Zoë,Łukasz,\"Siobhán, Mei\",José\n", true},
	{"very long line", s100 + "305," + strings.Repeat("x", 200<<10) + ",Lee\n305," + strings.Repeat("\"y\",", 30000) + "z\n305,Bo\n", true},
	{"long lines across the buffer", s100 + strings.Repeat("305,"+fields(136, "abcdefgh")+"\n", 200), true},
	{"only quoted rows", "\"100\",\"0\"\n\"305\",\"Ann\"\n", true},
	{"empty", "", false},
	{"blank only", "\n\r\n,,,\n", false},
}

// TestPlainMatchesEncodingCSV reads mixed inputs with the Reader: its
// values and lines are encoding/csv's on the inputs encoding/csv reads
// without error, and the whole read (records, errors with their fields and
// columns, warnings, settings) is the one of the encoding/csv path alone,
// also when the input comes a few bytes at a time.
func TestPlainMatchesEncodingCSV(t *testing.T) {
	for _, c := range plainCases {
		t.Run(c.name, func(t *testing.T) {
			in := []byte(c.in)
			plain := readBoth(t, in, 0, false)
			readBoth(t, in, 0, true)
			readBoth(t, in, 64<<10, false)
			if c.plain != (plain > 0) {
				t.Errorf("%d records read by readPlain, want some: %v", plain, c.plain)
			}
			rows, lines, err := csvRows(in)
			if err != nil {
				return
			}
			r := NewReader(bytes.NewReader(in), "in.csv")
			for i := 0; ; i++ {
				rec, err := r.Next()
				if err == io.EOF {
					if i != len(rows) && len(rows) > 0 {
						t.Fatalf("%d records, encoding/csv read %d", i, len(rows))
					}
					break
				}
				var pe *model.ParseError
				if errors.As(err, &pe) && pe.Fatal {
					break
				}
				if errors.As(err, &pe) && (errors.Is(err, ErrUnknownType) || errors.Is(err, ErrTooManyFields) || errors.Is(err, ErrSetting) || errors.Is(err, ErrNUL) || errors.Is(err, ErrInvalidUTF8) || errors.Is(err, ErrControl)) {
					continue // checks beyond CSV; the record still counts
				}
				if err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if i >= len(rows) || rec.Pos.Line != lines[i] || strings.Join(rec.Values, "\x1f") != strings.Join(rows[i], "\x1f") {
					t.Fatalf("record %d at %s = %q, differs from encoding/csv", i, rec.Pos, rec.Values)
				}
			}
		})
	}
}

// TestPlainFiles reads the samples, the bad inputs and a generated feed
// both ways.
func TestPlainFiles(t *testing.T) {
	files, _ := filepath.Glob("../../samples/concur/*.csv")
	bad, _ := filepath.Glob("testdata/bad/*.csv")
	files = append(files, bad...)
	if len(files) == 0 {
		t.Fatal("no input files")
	}
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) { readBoth(t, in, 0, false) })
	}
	var buf bytes.Buffer
	if err := gen.Write305(&buf, 1500, 11); err != nil {
		t.Fatal(err)
	}
	if n := readBoth(t, buf.Bytes(), 0, false); n < 1400 {
		t.Errorf("%d of 1501 generated records read by readPlain", n)
	}
}

func TestSplitLine(t *testing.T) {
	cases := []struct {
		in   string
		want []string // nil: left to encoding/csv
		cols []int
	}{
		{"a", []string{"a"}, []int{1}},
		{"a,,b,", []string{"a", "", "b", ""}, []int{1, 3, 4, 6}},
		{",", []string{"", ""}, []int{1, 2}},
		{`"a,b",c`, []string{"a,b", "c"}, []int{1, 7}},
		{`x,"",y,""`, []string{"x", "", "y", ""}, []int{1, 3, 6, 8}},
		{`"a",`, []string{"a", ""}, []int{1, 5}},
		{`"a",b,,c,`, []string{"a", "b", "", "c", ""}, []int{1, 5, 7, 8, 10}},
		{`x,"y",z,"w",v`, []string{"x", "y", "z", "w", "v"}, []int{1, 3, 7, 9, 13}},
		{`"é",ü,"ß"`, []string{"é", "ü", "ß"}, []int{1, 6, 9}},
		{`a"b`, nil, nil},
		{`a,b"`, nil, nil},
		{`"a"b`, nil, nil},
		{`"a""b"`, nil, nil},
		{`"a" ,b`, nil, nil},
		{`"a`, nil, nil},
		{`"a",b"`, nil, nil},
		{` "a"`, nil, nil},
	}
	for _, comma := range []byte{',', ';', '\t'} {
		for _, c := range cases {
			sep := func(s string) string { return strings.ReplaceAll(s, ",", string(comma)) }
			c.in = sep(c.in)
			if c.want != nil {
				want := make([]string, len(c.want))
				for k, w := range c.want {
					want[k] = sep(w)
				}
				c.want = want
			}
			got, ok := splitLine(c.in, comma, nil)
			if c.want == nil {
				if ok {
					t.Errorf("splitLine(%q) = %q, want it left to encoding/csv", c.in, got)
				}
				continue
			}
			if !ok || strings.Join(got, "\x1f") != strings.Join(c.want, "\x1f") || len(got) != len(c.want) {
				t.Errorf("splitLine(%q) = %q, %v; want %q", c.in, got, ok, c.want)
				continue
			}
			cr := csv.NewReader(strings.NewReader(c.in + "\n"))
			cr.FieldsPerRecord = -1
			cr.Comma = rune(comma)
			if row, err := cr.Read(); err != nil || strings.Join(row, "\x1f") != strings.Join(got, "\x1f") {
				t.Errorf("encoding/csv reads %q as %q, %v", c.in, row, err)
			}
			for i, want := range c.cols {
				_, col := cr.FieldPos(i)
				if got := plainColumn(c.in, got, i); got != want || got != col {
					t.Errorf("plainColumn(%q, %d) = %d, want %d (encoding/csv: %d)", c.in, i, got, want, col)
				}
			}
		}
	}
}

// TestSplitPlain holds splitPlain to splitPlainRef: a separator (and a
// byte one off it, which a borrowing zero-byte test would take for one)
// at every position of lines up to three words long, under both
// separators.
func TestSplitPlain(t *testing.T) {
	for _, comma := range []byte{',', '|'} {
		for n := 0; n <= 25; n++ {
			for i := 0; i < n; i++ {
				for j := i; j < n; j++ {
					for _, near := range []byte{comma - 1, comma + 1, 0, 0x80} {
						b := []byte(strings.Repeat("a", n))
						b[i] = comma
						if j > i {
							b[j] = near
						}
						if j+1 < n {
							b[j+1] = comma
						}
						s := string(b)
						got, want := splitPlain(s, comma, nil), splitPlainRef(s, comma, nil)
						if !slices.Equal(got, want) {
							t.Fatalf("splitPlain(%q, %q) = %q, want %q", s, comma, got, want)
						}
					}
				}
			}
		}
	}
}

// FuzzSplitPlain: splitPlain splits every line as splitPlainRef does.
func FuzzSplitPlain(f *testing.F) {
	f.Add("305,Kwame,,Okafor,EMP000001,kwame@example.com,,,,,,-,,", byte(','))
	f.Add(",,,,,,,,,,,,,,,,", byte(','))
	f.Add("a|b|-|c", byte('|'))
	f.Fuzz(func(t *testing.T, s string, comma byte) {
		if got, want := splitPlain(s, comma, nil), splitPlainRef(s, comma, nil); !slices.Equal(got, want) {
			t.Fatalf("splitPlain(%q, %q) = %q, want %q", s, comma, got, want)
		}
	})
}

// FuzzSplitLine: a line splitLine splits (it may leave any line to
// encoding/csv) is split as encoding/csv reads it.
func FuzzSplitLine(f *testing.F) {
	f.Add(`305,Emma,,O'Brien,EMP000003,,"Cost note, revision 3",,N,Y`, byte(','))
	f.Add(`x,"y",z,"w",v`, byte(','))
	f.Add(`"a";b;"";c`, byte(';'))
	f.Add(`a,b"c,"d"`, byte(','))
	f.Fuzz(func(t *testing.T, s string, comma byte) {
		if comma != ',' && comma != ';' && comma != '\t' && comma != '|' {
			return
		}
		if s == "" || strings.ContainsAny(s, "\r\n") || !utf8.ValidString(s) {
			return
		}
		got, ok := splitLine(s, comma, nil)
		if !ok {
			return
		}
		cr := csv.NewReader(strings.NewReader(s + "\n"))
		cr.FieldsPerRecord = -1
		cr.Comma = rune(comma)
		row, err := cr.Read()
		if err != nil {
			t.Fatalf("splitLine(%q, %q) = %q, but encoding/csv fails: %v", s, comma, got, err)
		}
		if !slices.Equal(got, row) {
			t.Fatalf("splitLine(%q, %q) = %q, encoding/csv reads %q", s, comma, got, row)
		}
	})
}
