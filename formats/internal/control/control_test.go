package control

import (
	"strings"
	"testing"
)

func TestIsAndIndex(t *testing.T) {
	for r := rune(0); r < 0x200; r++ {
		want := r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r >= 0x7f && r <= 0x9f
		if Is(r) != want {
			t.Errorf("Is(%U) = %v, want %v", r, !want, want)
		}
		s := "ab" + string(r) + "c"
		i, got := Index(s)
		if want && (i != 2 || got != r) || !want && i != -1 {
			t.Errorf("Index(%q) = %d, %U", s, i, got)
		}
		if Contains(s) != want {
			t.Errorf("Contains(%q) = %v", s, !want)
		}
	}
	for _, tt := range []struct {
		s string
		i int
		r rune
	}{
		{"", -1, 0},
		{"plain text, é 漢 🙂", -1, 0},
		{"tab\tcr\rlf\n", -1, 0},
		{"\xc2", -1, 0},            // a lone lead byte: invalid UTF-8, no control
		{"\xc2\xa0x\x1b", 3, 0x1b}, // NBSP is no control
		{"é\u0085", 2, 0x85},
		{"\xff\x7f", 1, 0x7f},
	} {
		if i, r := Index(tt.s); i != tt.i || r != tt.r {
			t.Errorf("Index(%q) = %d, %U; want %d, %U", tt.s, i, r, tt.i, tt.r)
		}
	}
}

func TestName(t *testing.T) {
	for _, tt := range []struct {
		r    rune
		want string
	}{
		{0, "U+0000 (NUL)"}, {7, "U+0007 (BEL)"}, {0x1b, "U+001B (ESC)"}, {0x1f, "U+001F (US)"},
		{0x7f, "U+007F (DEL)"}, {0x80, "U+0080 (PAD)"}, {0x85, "U+0085 (NEL)"}, {0x9b, "U+009B (CSI)"},
		{0x9f, "U+009F (APC)"}, {'A', "U+0041"},
	} {
		if got := Name(tt.r); got != tt.want {
			t.Errorf("Name(%U) = %q, want %q", tt.r, got, tt.want)
		}
	}
	if got := Found(0x1b, false); got != "control character U+001B (ESC)" {
		t.Errorf("Found = %q", got)
	}
	if got := Found(0x1b, true); strings.Contains(got, "U+") {
		t.Errorf("Found for a secret shows the character: %q", got)
	}
	if got := Expected("tabs are allowed"); got != "expected text without control characters (tabs are allowed); remove it from the source file" {
		t.Errorf("Expected = %q", got)
	}
}

func TestEscape(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"EmployeeID", "EmployeeID"},
		{"a\x1b[31mb", `a\u001b[31mb`},
		{"x\ty\n\u0085\u009b", `x\u0009y\u000a\u0085\u009b`},
		{"é\x7f", `é\u007f`},
	} {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if Contains(Escape(tt.in)) {
			t.Errorf("Escape(%q) still holds a control character", tt.in)
		}
	}
}
