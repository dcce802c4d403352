package concur

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/formats/internal/control"
)

// TestControlCharacters: a control character in a value rejects the record,
// naming the field, wherever the character is (unquoted, quoted, first or
// last field, plain or multi-line record); tabs, and line breaks in quoted
// fields, are values. Every record ends as exactly one result.
func TestControlCharacters(t *testing.T) {
	classes := []struct {
		name string
		c    string
	}{
		{"SOH", "\x01"}, {"BEL", "\x07"}, {"BS", "\b"}, {"VT", "\v"}, {"FF", "\f"},
		{"ESC", "\x1b"}, {"US", "\x1f"}, {"DEL", "\x7f"},
		{"PAD", "\u0080"}, {"NEL", "\u0085"}, {"CSI", "\u009b"}, {"APC", "\u009f"},
	}
	placements := []struct {
		name  string
		row   func(c string) string // a 305 record with c in field 16 (Organizational Unit 1)
		field string
	}{
		{"unquoted", func(c string) string { return "305,Ann,,Lee,E1,,,,,,,,,,Y,Org" + c + "1,x\n" }, "16"},
		{"quoted", func(c string) string { return "305,Ann,,Lee,E1,,,,,,,,,,Y,\"Org" + c + "1, Sales\",x\n" }, "16"},
		{"multi-line quoted", func(c string) string { return "305,Ann,,Lee,E1,,,,,,,,,,Y,\"Org\n" + c + "1\",x\n" }, "16"},
		{"alone", func(c string) string { return "305,Ann,,Lee,E1,,,,,,,,,,Y," + c + "\n" }, "16"},
		{"last byte, no line end", func(c string) string { return "305,Ann,,Lee,E1,,,,,,,,,,Y,Org" + c }, "16"},
		{"crlf", func(c string) string { return "305,Ann,,Lee,E1,,,,,,,,,,Y,Org" + c + "1\r\n" }, "16"},
	}
	for _, cl := range classes {
		for _, pl := range placements {
			t.Run(cl.name+"/"+pl.name, func(t *testing.T) {
				in := s100 + "400,E0,EXP_APPROVER\n" + pl.row(cl.c)
				if strings.HasSuffix(in, "\n") {
					in += "400,E1,EXP_APPROVER\n"
				}
				r := NewReader(strings.NewReader(in), "in.csv")
				got, errs := drain(t, r)
				records := strings.Count(in, "\n400,") + 1 + 1 // the 400s, the 100 and the 305
				if len(got) != records {
					t.Fatalf("%d results %v for %d records", len(got), got, records)
				}
				if len(errs) != 1 {
					t.Fatalf("errors %v, want one", got)
				}
				e := errs[0]
				if e.Fatal || e.Line != 3 || e.Field != pl.field || !errors.Is(e, ErrControl) {
					t.Fatalf("error %q (line %d, field %q, fatal %v), want a recoverable control character error at line 3 field %s", e, e.Line, e.Field, e.Fatal, pl.field)
				}
				r0 := []rune(cl.c)[0]
				want := fmt.Sprintf("in.csv:3:16: control character %s at byte ", control.Name(r0))
				if !strings.HasPrefix(e.Error(), want) || !strings.Contains(e.Error(), "of Organizational Unit 1: expected text without control characters") ||
					!strings.HasSuffix(e.Error(), "; remove it from the source file") {
					t.Errorf("message %q, want %q… of Organizational Unit 1: expected text without control characters…", e, want)
				}
				if control.Contains(e.Error()) {
					t.Errorf("message %q holds a control character", e)
				}
				// The plain path and encoding/csv agree.
				readBoth(t, []byte(in), 0, false)
			})
		}
	}
}

func TestControlCharacterMessages(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
		msgs []string // prefixes of the error texts
	}{
		{
			name: "tab in values is data",
			in:   s100 + "305,Ann\tMarie,,Lee,E1,,,,,,,,,,Y,\"Org\t1\"\n",
			want: []string{"100@1/7", "305@2/16"},
		},
		{
			name: "line breaks in quoted fields are data",
			in:   s100 + "305,\"Ann\r\nMarie\",\"x\ry\",\"a\nb\"\n400,E1\n",
			want: []string{"100@1/7", "305@2/4", "400@5/2"},
		},
		{
			name: "password: neither the character nor its place is shown",
			in:   s100 + "305,Ann,,Lee,E1,ann@x.example,s3cr\x1bt\n305,Bo\n",
			want: []string{"100@1/7", "err@2:7 control", "305@3/2"},
			msgs: []string{"in.csv:2:7: control character in Password: expected text without control characters (tabs are allowed, and line breaks in quoted fields); remove it from the source file"},
		},
		{
			name: "first field",
			in:   s100 + "\x1b305,Ann\n",
			want: []string{"100@1/7", "err@2:1 type"},
		},
		{
			name: "settings record",
			in:   "100,0,SSO,UPDATE,EN\x07,N,N\n305,Ann\n",
			want: []string{"err@1:5 control", "305@2/2"},
			msgs: []string{"in.csv:1:5: control character U+0007 (BEL) at byte 3 of Language Code: expected text without control characters (tabs are allowed, and line breaks in quoted fields); remove it from the source file"},
		},
		{
			name: "the first problem of the record is named",
			in:   s100 + "305,A\x1bnn,\x00,Lee\xff\n",
			want: []string{"100@1/7", "err@2:2 control"},
		},
		{
			name: "C1 after other UTF-8",
			in:   s100 + "305,Zoë\u0085\n",
			want: []string{"100@1/7", "err@2:2 control"},
			msgs: []string{"in.csv:2:2: control character U+0085 (NEL) at byte 5 of First Name"},
		},
		{
			name: "NBSP and other Latin-1 letters are text",
			in:   s100 + "305,Zoë\u00a0Ann,°\n",
			want: []string{"100@1/7", "305@2/3"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, errs := drain(t, NewReader(strings.NewReader(c.in), "in.csv"))
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
			for i, m := range c.msgs {
				if i >= len(errs) || !strings.HasPrefix(errs[i].Error(), m) {
					t.Errorf("errors %v, want #%d to start %q", errs, i, m)
				}
			}
			for _, e := range errs {
				if strings.Contains(e.Error(), "s3cr") {
					t.Errorf("error echoes the password: %v", e)
				}
			}
			readBoth(t, []byte(c.in), 0, false)
		})
	}
}

// TestTextual checks the word-at-a-time scan against the plain rule, with
// each kind of byte at every alignment.
func TestTextual(t *testing.T) {
	base := "305,Ann,,Lee,E1,é漢🙂\t°\u00a0,x\r\n" + strings.Repeat("0123456789abcdef", 5)
	for i := 0; i <= len(base); i++ {
		for _, c := range []string{"", "\x00", "\x01", "\x1b", "\x1f", "\x7f", "\u0085", "\u009f", "\t", "\n", "\r", " ", "~", "\u00a0", "\xc2", "\xff"} {
			s := base[:i] + c + base[i:]
			want := utf8.ValidString(s) && !control.Contains(s)
			if got := textual([]byte(s)); got != want {
				t.Errorf("textual(%q) = %v, want %v", s, got, want)
			}
		}
	}
}
