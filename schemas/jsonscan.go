package schemas

import "unicode/utf8"

// scanPlain reports whether the body of a JSON string (between its
// quotes) is plain, holding no control character and no backslash, and
// whether it is ASCII; when it is not plain, ascii is meaningless. It
// tests eight bytes at a time (SWAR) and the bytes of a word that holds
// anything but plain ASCII one by one; scanPlainRef is the reference
// (jsonscan_test.go holds them equal).
func scanPlain(s string) (plain, ascii bool) {
	const (
		ones   = 0x0101010101010101
		highs  = 0x8080808080808080
		bslash = 0x5c5c5c5c5c5c5c5c
	)
	k := 0
	for ; k+8 <= len(s); k += 8 {
		w := s[k : k+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		b := x ^ bslash
		// A byte below 0x20, a backslash (a zero byte of b) or a byte
		// with its high bit set: some byte of the word needs a look.
		if ((x-0x2020202020202020)|(b-ones)|x)&highs == 0 {
			continue
		}
		break
	}
	plain, ascii = scanPlainRef(s[k:])
	return plain, ascii
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
