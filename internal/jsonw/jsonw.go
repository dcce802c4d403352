package jsonw

import (
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// safe[c] is true for ASCII bytes that need no escaping in a JSON string.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendString appends s as a JSON string the way encoding/json does with
// HTML escaping off: invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are
// escaped.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	i := PlainPrefix(s)
	if i == len(s) {
		dst = append(dst, s...)
		return append(dst, '"')
	}
	dst = append(dst, s[:i]...)
	start := i
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// PlainPrefix is the length of the longest prefix of s made of ASCII bytes
// that need no escaping: no byte < 0x20, '"', '\\' or >= 0x80.
//
// It tests eight bytes at a time; the last bytes of s are tested as one
// word too, read overlapping those before (the last eight bytes, or the
// first and last four of a string of four to seven): the strings written
// are mostly short, and a byte loop over their tails took most of the
// time. Only a string with a byte to escape goes byte by byte, from the
// word that has it (plainPrefixRef is the reference).
func PlainPrefix(s string) int {
	n := len(s)
	i := 0
	for ; n-i >= 8; i += 8 {
		if special(load8(s[i:])) {
			return i + plainPrefixRef(s[i:])
		}
	}
	switch {
	case i == n:
		return n
	case n >= 8:
		if !special(load8(s[n-8:])) {
			return n
		}
	case n >= 4:
		if !special(uint64(load4(s)) | uint64(load4(s[n-4:]))<<32) {
			return n
		}
	}
	return i + plainPrefixRef(s[i:])
}

// special reports whether one of the eight bytes of x needs escaping (or
// is not ASCII).
func special(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q, bs := x^(lo*'"'), x^(lo*'\\')
	return ((x-lo*0x20)&^x|(q-lo)&^q|(bs-lo)&^bs|x)&hi != 0
}

func load8(t string) uint64 {
	_ = t[7]
	return uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
		uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
}

func load4(t string) uint32 {
	_ = t[3]
	return uint32(t[0]) | uint32(t[1])<<8 | uint32(t[2])<<16 | uint32(t[3])<<24
}

// plainPrefixRef is PlainPrefix byte by byte.
func plainPrefixRef(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || !safe[c] {
			return i
		}
	}
	return len(s)
}

// AppendKey appends `,"key":` (without the comma when first is set): keys
// are constants of the caller and written as they are.
func AppendKey(dst []byte, key string, first bool) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}

// AppendArray appends items as a JSON array, each element by elem (a
// method expression such as (*T).AppendJSON fits).
func AppendArray[T any](dst []byte, items []T, elem func(*T, []byte) []byte) []byte {
	dst = append(dst, '[')
	for i := range items {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = elem(&items[i], dst)
	}
	return append(dst, ']')
}

// AppendBool appends true or false.
func AppendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, "true"...)
	}
	return append(dst, "false"...)
}

// AppendInt appends n in decimal.
func AppendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }

// EscapeHTML escapes <, > and & in dst[start:] as encoding/json does with
// HTML escaping on (\u003c, \u003e, \u0026): applied to JSON that the
// appenders wrote, it gives json.Marshal's bytes.
func EscapeHTML(dst []byte, start int) []byte {
	i := start
	for i < len(dst) && dst[i] != '<' && dst[i] != '>' && dst[i] != '&' {
		i++
	}
	if i == len(dst) {
		return dst
	}
	tail := append([]byte(nil), dst[i:]...)
	dst = dst[:i]
	for _, c := range tail {
		if c == '<' || c == '>' || c == '&' {
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		} else {
			dst = append(dst, c)
		}
	}
	return dst
}
