package lineage

import (
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// parser reads the JSON of one line. It stops at the first error (err,
// at byte offset errAt); after it every method returns a zero value.
// Strings without escapes are slices of the line, so the values of one
// employee share the line's memory.
type parser struct {
	s     string
	i     int
	err   error
	errAt int
}

func (p *parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err, p.errAt = fmt.Errorf(format, args...), p.i
	}
	p.i = len(p.s)
}

func (p *parser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// peek is the next byte after white space, 0 at the end.
func (p *parser) peek() byte {
	p.ws()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// what names the next token for a message.
func (p *parser) what() string {
	if p.i >= len(p.s) {
		return "the end of the line"
	}
	return fmt.Sprintf("%q", p.s[p.i:p.i+min(12, len(p.s)-p.i)])
}

func (p *parser) expect(c byte) {
	if p.peek() != c {
		p.fail("expected %q, found %s", c, p.what())
		return
	}
	p.i++
}

// more reports whether a list goes on after element n (0: before the first
// element), consuming the comma, or ends with end, consuming it.
func (p *parser) more(n int, end byte) bool {
	c := p.peek()
	switch {
	case c == end:
		p.i++
		return false
	case n == 0 && p.err == nil:
		return true
	case c == ',':
		p.i++
		return true
	}
	p.fail("expected ',' or %q, found %s", end, p.what())
	return false
}

// object calls fn with each key of an object; fn reads the value.
func (p *parser) object(fn func(key string)) {
	p.expect('{')
	for n := 0; p.more(n, '}'); n++ {
		k := p.str()
		p.expect(':')
		if p.err != nil {
			return
		}
		fn(k)
	}
}

// array calls fn for each element of an array; fn reads it.
func (p *parser) array(fn func(i int)) {
	p.expect('[')
	for n := 0; p.more(n, ']'); n++ {
		fn(n)
	}
}

// null consumes a null and reports whether there was one.
func (p *parser) null() bool {
	if p.peek() == 'n' && strings.HasPrefix(p.s[p.i:], "null") {
		p.i += 4
		return true
	}
	return false
}

func (p *parser) boolean() bool {
	switch p.peek() {
	case 't':
		if strings.HasPrefix(p.s[p.i:], "true") {
			p.i += 4
			return true
		}
	case 'f':
		if strings.HasPrefix(p.s[p.i:], "false") {
			p.i += 5
			return false
		}
	}
	p.fail("expected true or false, found %s", p.what())
	return false
}

// num reads an integer.
func (p *parser) num() int {
	p.ws()
	start, neg := p.i, false
	if p.i < len(p.s) && p.s[p.i] == '-' {
		neg = true
		p.i++
	}
	n := 0
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		if n > (1<<62)/10 {
			p.i = start
			p.fail("number out of range")
			return 0
		}
		n = n*10 + int(p.s[p.i]-'0')
		p.i++
	}
	if p.i == start || neg && p.i == start+1 {
		p.i = start
		p.fail("expected an integer, found %s", p.what())
		return 0
	}
	if p.i < len(p.s) && (p.s[p.i] == '.' || p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i = start
		p.fail("expected an integer, found %s", p.what())
		return 0
	}
	if neg {
		n = -n
	}
	return n
}

// str reads a string.
func (p *parser) str() string {
	if p.peek() != '"' {
		p.fail("expected a string, found %s", p.what())
		return ""
	}
	p.i++
	start := p.i
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			p.i++
			return p.s[start : p.i-1]
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			p.fail("control character %#x in a string", c)
			return ""
		}
		p.i++
	}
	p.fail("unterminated string")
	return ""
}

// escaped reads the rest of a string that has escapes, from start (after
// the opening quote).
func (p *parser) escaped(start int) string {
	b := make([]byte, 0, p.i-start+16)
	b = append(b, p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return string(b)
		case c < 0x20:
			p.fail("control character %#x in a string", c)
			return ""
		case c != '\\':
			b = append(b, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			break
		}
		p.i += 2
		switch e := p.s[p.i-1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r := p.hex4()
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if strings.HasPrefix(p.s[p.i:], `\u`) {
					p.i += 2
					r2 = p.hex4()
				}
				r = utf16.DecodeRune(r, r2)
			}
			b = utf8.AppendRune(b, r)
		default:
			p.i -= 2
			p.fail("unknown escape %s", p.what())
			return ""
		}
	}
	p.fail("unterminated string")
	return ""
}

func (p *parser) hex4() rune {
	if p.i+4 > len(p.s) {
		p.fail("short \\u escape")
		return 0
	}
	var r rune
	for _, c := range []byte(p.s[p.i : p.i+4]) {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			p.fail("bad \\u escape %s", p.what())
			return 0
		}
	}
	p.i += 4
	return r
}

// skip reads any value.
func (p *parser) skip() {
	switch c := p.peek(); {
	case c == '{':
		p.object(func(string) { p.skip() })
	case c == '[':
		p.array(func(int) { p.skip() })
	case c == '"':
		p.str()
	case c == 't' || c == 'f':
		p.boolean()
	case c == 'n':
		if !p.null() {
			p.fail("unexpected %s", p.what())
		}
	case c == '-' || c >= '0' && c <= '9':
		p.ws()
		for p.i < len(p.s) && strings.IndexByte("+-.eE0123456789", p.s[p.i]) >= 0 {
			p.i++
		}
	default:
		p.fail("expected a value, found %s", p.what())
	}
}

// end checks that nothing but white space follows.
func (p *parser) end() {
	if p.err == nil && p.peek() != 0 {
		p.fail("unexpected %s after the object", p.what())
	}
}
