package report

import (
	"bufio"
	"strconv"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestPlainHTML: the words plainHTML skips hold no byte esc replaces, and
// it stops at the word holding the first one (bytes at or above 0x80
// included, which the zero-byte test may flag falsely: stopping early is
// safe, skipping a special byte is not).
func TestPlainHTML(t *testing.T) {
	for _, s := range []string{"", "plain", "exactly8", "sixteen bytes ok", "abcdefgh<", "abcdefg&", "a\"bcdefgh", "'", "abcdefghijklmno\x00p",
		"ünïcödé text, long enough", "\x80\x81\x82\x83\x84\x85\x86\x87 then <"} {
		n := plainHTML(s)
		if n%8 != 0 || n > len(s) {
			t.Fatalf("plainHTML(%q) = %d: not whole words of the string", s, n)
		}
		if i := strings.IndexAny(s, "&<>\"'\x00"); i >= 0 && i < n {
			t.Errorf("plainHTML(%q) = %d skips the special byte at %d", s, n, i)
		}
		if i := strings.IndexAny(s, "&<>\"'\x00"); (i < 0 || i >= n+8) && len(s)-n >= 8 && !strings.ContainsFunc(s[n:n+8], func(r rune) bool { return r >= 0x80 || r == 0 }) {
			t.Errorf("plainHTML(%q) = %d stops before a plain word", s, n)
		}
	}
}

func FuzzEsc(f *testing.F) {
	f.Add("a <b> & 'c' \"d\" \x00 é")
	f.Fuzz(func(t *testing.T, s string) {
		var got, want strings.Builder
		bw := bufio.NewWriter(&got)
		hw{Writer: bw}.esc(s)
		bw.Flush()
		for _, c := range []byte(s) {
			switch c {
			case '&':
				want.WriteString("&amp;")
			case '<':
				want.WriteString("&lt;")
			case '>':
				want.WriteString("&gt;")
			case '"':
				want.WriteString("&#34;")
			case '\'':
				want.WriteString("&#39;")
			case 0:
				want.WriteString("\uFFFD")
			default:
				want.WriteByte(c)
			}
		}
		if got.String() != want.String() {
			t.Fatalf("esc(%q) = %q, want %q", s, got.String(), want.String())
		}
	})
}

// TestCellMemo: value rows written with the memo of rendered cells are the
// bytes written without it, across employees whose rows share mapping rows
// with other fields, names, schemas or paths (a reference's attributes
// share their row and differ by target), values from another record or
// file, and rows left out; and the memo stays within its bound.
func TestCellMemo(t *testing.T) {
	row := func(file string, line int, field, name, mrow, schema, path, value string, out bool) TraceRow {
		return TraceRow{File: file, Line: line, Field: field, Name: name, Row: mrow, Schema: schema, Path: path,
			Value: value, Operation: "bulk-0001.json #0", LeftOut: out, record: model.Position{File: "in/a.csv", Line: 2}}
	}
	emps := []Employee{
		{ID: "E1", Records: []EmployeeRecord{{File: "in/a.csv", Line: 2, Type: "305", Status: "converted"}}, Values: []TraceRow{
			row("in/a.csv", 2, "2", "First Name", "mapping/tables/305.csv:3", "core:2.0:User", "name.givenName", "A <b>", false),
			row("in/a.csv", 2, "9", "Locale & Code", "mapping/tables/305.csv:10", "spend:2.0:User", "customData[id eq \"a\"].value", "x", false),
			row("in/a.csv", 2, "70", "Can Prepare", "mapping/tables/305.csv:71", "spend:2.0:Delegate", "expense[E2].canPrepare", "true", false),
			row("in/a.csv", 3, "2", "First Name", "mapping/tables/305.csv:3", "core:2.0:User", "name.givenName", "from line 3", false),
			row("in/b.csv", 7, "2", "First Name", "mapping/tables/305.csv:3", "core:2.0:User", "name.givenName", "from b", false),
			row("in/a.csv", 2, "12", "Ledger", "mapping/tables/305.csv:13", "spend:2.0:User", "ledgerCode", "L", true),
			row("in/a.csv", 2, "12", "Ledger", "", "spend:2.0:User", "ledgerCode", "no row", false),
		}},
		{ID: "E2", Records: []EmployeeRecord{{File: "in/a.csv", Line: 2, Type: "305", Status: "converted"}}, Values: []TraceRow{
			row("in/a.csv", 2, "2", "First Name", "mapping/tables/305.csv:3", "core:2.0:User", "name.givenName", "B", false),
			row("in/a.csv", 2, "70", "Can Prepare", "mapping/tables/305.csv:71", "spend:2.0:Delegate", "expense[E9].canPrepare", "false", false),
			row("in/a.csv", 2, "2", "Other Name", "mapping/tables/305.csv:3", "core:2.0:User", "name.givenName", "renamed field", false),
			row("in/a.csv", 2, "2", "First Name", "mapping/tables/305.csv:3", "spend:2.0:User", "name.givenName", "other schema", false),
			row("in/a.csv", 2, "12", "Ledger", "mapping/tables/305.csv:13", "spend:2.0:User", "ledgerCode", "L2", true),
		}},
	}
	render := func(memo *cellMemo, journal bool) string {
		var b strings.Builder
		bw := bufio.NewWriter(&b)
		w := hw{Writer: bw, cells: memo}
		for i := range emps {
			w.values(&emps[i], journal)
		}
		bw.Flush()
		return b.String()
	}
	for _, journal := range []bool{false, true} {
		memo := newCellMemo()
		got, want := render(memo, journal), render(nil, journal)
		if got != want {
			t.Fatalf("journal %v: with the memo\n%s\nwithout\n%s", journal, got, want)
		}
		if len(memo.rows) != 4 {
			t.Errorf("journal %v: %d mapping rows memoized, want 4", journal, len(memo.rows))
		}
		if !strings.Contains(got, "<tr><td>2 (First Name)<td>mapping/tables/305.csv:3<td>core:2.0:User name.givenName<td>B<td>") ||
			!strings.Contains(got, "<td>spend:2.0:Delegate expense[E9].canPrepare<td>false") ||
			!strings.Contains(got, "<td>2 (Other Name)<td>") {
			t.Errorf("journal %v: rows missing from\n%s", journal, got)
		}
	}

	many := Employee{ID: "E3", Records: emps[0].Records}
	for i := range maxCellMemo + 10 {
		n := strconv.Itoa(i)
		many.Values = append(many.Values, row("in/a.csv", 2, n, "F", "mapping/tables/305.csv:"+n, "core:2.0:User", "p"+n, "v", false))
	}
	memo := newCellMemo()
	var a, b strings.Builder
	bw, bw2 := bufio.NewWriter(&a), bufio.NewWriter(&b)
	hw{Writer: bw, cells: memo}.values(&many, false)
	hw{Writer: bw2}.values(&many, false)
	bw.Flush()
	bw2.Flush()
	if a.String() != b.String() {
		t.Error("past the memo's bound, rows differ from those written without it")
	}
	if len(memo.rows) != maxCellMemo {
		t.Errorf("memo holds %d rows, bound %d", len(memo.rows), maxCellMemo)
	}
}
