package schemas

import (
	"strings"
	"testing"
)

// TestScanPlain: the word-at-a-time scan answers what the byte loop
// answers, whatever byte sits at whatever place of a word.
func TestScanPlain(t *testing.T) {
	cases := []struct {
		s            string
		plain, ascii bool
	}{
		{"", true, true},
		{"work", true, true},
		{"urn:ietf:params:scim:schemas:core:2.0:User", true, true},
		{"kwame.okafor1@example.com", true, true},
		{"Zoë Ødegård", true, false},
		{`a\"b`, false, true},
		{"tab\there", false, true},
		{"\x1f", false, true},
		{" !#$%&'()*+,-./0123456789", true, true},
		{"\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f", true, true},
		{"\x20\x20\x20\x20\x20\x20\x20\x20", true, true},
		{"\x5b\x5d\x5c", false, true},
	}
	for _, c := range cases {
		if p, a := scanPlain(c.s); p != c.plain || (p && a != c.ascii) {
			t.Errorf("scanPlain(%q) = %v, %v; want %v, %v", c.s, p, a, c.plain, c.ascii)
		}
	}
	// Every special byte at every place of strings of up to three words,
	// against the reference.
	specials := []byte{0x00, 0x01, 0x1f, 0x20, 0x21, '\\', '"', 0x5b, 0x5d, 0x7f, 0x80, 0xc3, 0xff}
	for n := 1; n <= 24; n++ {
		for at := 0; at < n; at++ {
			for _, c := range specials {
				for _, fill := range []byte{'a', 0x20, 0x7f, 0x5d} {
					b := []byte(strings.Repeat(string(fill), n))
					b[at] = c
					s := string(b)
					p, a := scanPlain(s)
					rp, ra := scanPlainRef(s)
					if p != rp || (p && a != ra) {
						t.Fatalf("scanPlain(%q) = %v, %v; the reference says %v, %v", s, p, a, rp, ra)
					}
				}
			}
		}
	}
}

// FuzzScanPlain holds scanPlain equal to its reference.
func FuzzScanPlain(f *testing.F) {
	f.Add("urn:ietf:params:scim:schemas:extension:spend:2.0:User")
	f.Add("a\\b\x01é")
	f.Fuzz(func(t *testing.T, s string) {
		p, a := scanPlain(s)
		rp, ra := scanPlainRef(s)
		if p != rp || (p && a != ra) {
			t.Fatalf("scanPlain(%q) = %v, %v; the reference says %v, %v", s, p, a, rp, ra)
		}
	})
}
