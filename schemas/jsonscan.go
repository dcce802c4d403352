package schemas

import (
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/jsonw"
)

// scanPlain reports whether the body of a JSON string (between its
// quotes) is plain, holding no control character and no backslash, and
// whether it is ASCII; when it is not plain, ascii is meaningless. The
// plain ASCII prefix is skipped eight bytes at a time (jsonw.PlainPrefix);
// the rest is tested byte by byte (scanPlainRef, the reference:
// jsonscan_test.go holds the two equal).
func scanPlain(s string) (plain, ascii bool) {
	return scanPlainRef(s[jsonw.PlainPrefix(s):])
}

// scanPlainRef is scanPlain one byte at a time.
func scanPlainRef(s string) (plain, ascii bool) {
	ascii = true
	for k := 0; k < len(s); k++ {
		switch c := s[k]; {
		case c < 0x20 || c == '\\':
			return false, ascii
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return true, ascii
}
