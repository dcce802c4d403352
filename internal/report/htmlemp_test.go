package report

import (
	"bufio"
	"strings"
	"testing"
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
		hw{bw}.esc(s)
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
