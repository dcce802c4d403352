package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// scanner reads one JSON document held in memory, value by value, without
// reflection: decodePlanLine uses it to read plan.jsonl lines, gigabytes
// for a large run, several times faster than encoding/json. It accepts any
// JSON; the caller says what it expects where.
type scanner struct {
	b   []byte
	i   int
	buf []byte // unescaped string scratch
	err error
}

var errSyntax = errors.New("invalid JSON")

func (s *scanner) reset(b []byte) { s.b, s.i, s.err = b, 0, nil }

func (s *scanner) fail(format string, a ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("offset %d: %s", s.i, fmt.Sprintf(format, a...))
	}
	s.i = len(s.b)
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, 0 at the end.
func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) expect(c byte) bool {
	if s.peek() != c {
		s.fail("want %q", c)
		return false
	}
	s.i++
	return true
}

// null consumes a null and reports whether there was one.
func (s *scanner) null() bool {
	if s.peek() == 'n' && bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

// object calls field for every member of an object (or nothing for null);
// field must consume the member's value.
func (s *scanner) object(field func(key []byte)) {
	if s.null() {
		return
	}
	if !s.expect('{') {
		return
	}
	if s.peek() == '}' {
		s.i++
		return
	}
	for s.err == nil {
		k := s.str()
		if !s.expect(':') {
			return
		}
		field(k)
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return
		default:
			s.fail("want , or }")
		}
	}
}

// array calls elem for every element of an array (or nothing for null).
func (s *scanner) array(elem func()) {
	if s.null() {
		return
	}
	if !s.expect('[') {
		return
	}
	if s.peek() == ']' {
		s.i++
		return
	}
	for s.err == nil {
		elem()
		switch s.peek() {
		case ',':
			s.i++
		case ']':
			s.i++
			return
		default:
			s.fail("want , or ]")
		}
	}
}

// str reads a string; the bytes are valid until the next call. Control
// characters inside it are taken as they are.
func (s *scanner) str() []byte {
	if !s.expect('"') {
		return nil
	}
	start := s.i
	j := bytes.IndexByte(s.b[start:], '"')
	if j < 0 {
		s.fail("unterminated string")
		return nil
	}
	seg := s.b[start : start+j]
	if bytes.IndexByte(seg, '\\') < 0 {
		s.i = start + j + 1
		return seg
	}
	return s.escaped(start)
}

// escaped finishes a string that has escapes, from its start.
func (s *scanner) escaped(start int) []byte {
	out := append(s.buf[:0], s.b[start:s.i]...)
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			s.buf = out
			return out
		case c != '\\':
			out = append(out, c)
			s.i++
			continue
		}
		if s.i+1 >= len(s.b) {
			break
		}
		e := s.b[s.i+1]
		s.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := s.hex4()
			if !ok {
				return nil
			}
			if utf16.IsSurrogate(r) {
				r2 := rune(utf8.RuneError)
				if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
					save := s.i
					s.i += 2
					if lo, ok := s.hex4(); ok && utf16.DecodeRune(r, lo) != utf8.RuneError {
						r2 = utf16.DecodeRune(r, lo)
					} else {
						s.i = save
					}
				}
				r = r2
			}
			out = utf8.AppendRune(out, r)
		default:
			s.fail("invalid escape \\%c", e)
			return nil
		}
	}
	s.fail("unterminated string")
	return nil
}

func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		s.fail("short \\u escape")
		return 0, false
	}
	v, err := strconv.ParseUint(string(s.b[s.i:s.i+4]), 16, 32)
	if err != nil {
		s.fail("invalid \\u escape")
		return 0, false
	}
	s.i += 4
	return rune(v), true
}

// boolean reads true or false.
func (s *scanner) boolean() bool {
	switch s.peek() {
	case 't':
		if bytes.HasPrefix(s.b[s.i:], []byte("true")) {
			s.i += 4
			return true
		}
	case 'f':
		if bytes.HasPrefix(s.b[s.i:], []byte("false")) {
			s.i += 5
			return false
		}
	}
	s.fail("want true or false")
	return false
}

// integer reads a JSON number that must be an integer.
func (s *scanner) integer() int {
	s.ws()
	i, neg, n := s.i, false, 0
	if i < len(s.b) && s.b[i] == '-' {
		neg = true
		i++
	}
	start := i
	for i < len(s.b) && s.b[i] >= '0' && s.b[i] <= '9' && i-start < 18 {
		n = n*10 + int(s.b[i]-'0')
		i++
	}
	if i == start || (i < len(s.b) && bytes.IndexByte([]byte(".eE0123456789"), s.b[i]) >= 0) {
		raw := s.raw()
		v, err := strconv.Atoi(string(raw))
		if err != nil && s.err == nil {
			s.fail("want an integer, got %.20s", raw)
		}
		return v
	}
	s.i = i
	if neg {
		return -n
	}
	return n
}

// raw returns the bytes of the next value, whatever it is, checked to be
// valid JSON.
func (s *scanner) raw() []byte {
	start := s.i
	s.skip()
	if s.err != nil {
		return nil
	}
	raw := bytes.TrimLeft(s.b[start:s.i], " \t\r\n")
	return raw
}

// skip consumes one value.
func (s *scanner) skip() {
	switch c := s.peek(); {
	case c == '{':
		s.object(func([]byte) { s.skip() })
	case c == '[':
		s.array(s.skip)
	case c == '"':
		s.str()
	case c == 't' || c == 'f':
		s.boolean()
	case c == 'n':
		if !s.null() {
			s.fail("want null")
		}
	case c == '-' || (c >= '0' && c <= '9'):
		start := s.i
		for s.i < len(s.b) && bytes.IndexByte([]byte("+-.0123456789eE"), s.b[s.i]) >= 0 {
			s.i++
		}
		if !json.Valid(s.b[start:s.i]) {
			s.i = start
			s.fail("invalid number")
		}
	default:
		s.fail("unexpected %q", c)
	}
}

// end checks that only space follows the value.
func (s *scanner) end() {
	if s.peek() != 0 && s.err == nil {
		s.fail("data after the value")
	}
}

// interner shares the strings that repeat from line to line (schemas,
// paths, file names, mapping rows), so a decoded line allocates little
// beyond its values. A small direct-mapped cache in front of the map
// answers the most frequent ones.
type interner struct {
	m    map[string]string
	fast [1024]string
}

const maxInterned = 1 << 16

func newInterner() *interner { return &interner{m: map[string]string{}} }

func (in *interner) get(b []byte) string {
	h := uint(len(b))
	if len(b) > 0 {
		h = h*31 + uint(b[0])
		h = h*31 + uint(b[len(b)-1])
		h = h*31 + uint(b[len(b)/2])
	}
	slot := &in.fast[h%uint(len(in.fast))]
	if *slot == string(b) && (len(b) > 0 || *slot == "") {
		return *slot
	}
	s, ok := in.m[string(b)]
	if !ok {
		if len(in.m) >= maxInterned || len(b) > 200 {
			return string(b)
		}
		s = string(b)
		in.m[s] = s
	}
	*slot = s
	return s
}
