package lineage

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestParserStr: a string with an escape, a control character, a quote
// or a non-ASCII byte at any place of its first words reads as
// encoding/json reads it (or fails where it fails), and the parser stops
// right after its closing quote.
func TestParserStr(t *testing.T) {
	specials := []string{`\"`, `\\`, `\n`, `\u00e9`, "\x01", "\x1f", "é", " ", "~", `"`}
	for n := 1; n <= 20; n++ {
		for at := 0; at < n; at++ {
			for _, sp := range specials {
				body := strings.Repeat("a", at) + sp + strings.Repeat("b", n-at)
				doc := `"` + body + `",1`
				p := parser{s: doc}
				got := p.str()
				var want string
				werr := json.Unmarshal([]byte(`"`+body+`"`), &want)
				switch {
				case sp == `"`:
					// The string ends at the quote: the rest is not part of it.
					if p.err != nil || got != strings.Repeat("a", at) {
						t.Fatalf("str of %q = %q, %v; want %q", doc, got, p.err, strings.Repeat("a", at))
					}
				case werr != nil:
					if p.err == nil {
						t.Fatalf("str of %q = %q; want an error as encoding/json's %v", doc, got, werr)
					}
				case p.err != nil || got != want:
					t.Fatalf("str of %q = %q, %v; want %q", doc, got, p.err, want)
				case p.s[p.i:] != ",1":
					t.Fatalf("str of %q left %q; want %q", doc, p.s[p.i:], ",1")
				}
			}
		}
	}
}
