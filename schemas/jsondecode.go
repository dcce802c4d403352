package schemas

import (
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// decodeDoc decodes a document to validate: what decodeJSON gives (maps,
// slices, json.Number, string, bool, nil), about three times faster on the
// documents convert writes. It parses plain JSON itself and hands anything
// else (an error, an escape or non-ASCII text in a string, deep nesting)
// to decodeJSON, the reference, so that errors and edge cases are
// exactly encoding/json's; a differential test and a fuzz target hold
// the two equal.
func decodeDoc(data []byte) (any, error) {
	p := fastJSON{s: data}
	v := p.value(0)
	p.ws()
	if p.err != nil || p.i != len(p.s) {
		return decodeJSON(data)
	}
	return v, nil
}

// errFallback says the fast parser leaves a document to decodeJSON.
var errFallback = errors.New("schemas: left to encoding/json")

// maxFastDepth is the nesting the fast parser follows.
const maxFastDepth = 256

type fastJSON struct {
	s   []byte
	i   int
	err error
}

func (p *fastJSON) fail() {
	p.err = errFallback
	p.i = len(p.s)
}

func (p *fastJSON) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *fastJSON) value(depth int) any {
	p.ws()
	if p.i >= len(p.s) || depth > maxFastDepth {
		p.fail()
		return nil
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == 't':
		return p.lit("true", true)
	case c == 'f':
		return p.lit("false", false)
	case c == 'n':
		return p.lit("null", nil)
	case c == '-' || c >= '0' && c <= '9':
		return p.num()
	}
	p.fail()
	return nil
}

func (p *fastJSON) lit(word string, v any) any {
	if len(p.s)-p.i < len(word) || string(p.s[p.i:p.i+len(word)]) != word {
		p.fail()
		return nil
	}
	p.i += len(word)
	return v
}

func (p *fastJSON) object(depth int) any {
	p.i++ // {
	m := map[string]any{}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return m
	}
	for p.err == nil {
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			p.fail()
			break
		}
		k := p.str()
		p.ws()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			p.fail()
			break
		}
		p.i++
		m[k] = p.value(depth + 1)
		if !p.next('}') {
			break
		}
	}
	return m
}

func (p *fastJSON) array(depth int) any {
	p.i++ // [
	a := []any{}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return a
	}
	for p.err == nil {
		a = append(a, p.value(depth+1))
		if !p.next(']') {
			break
		}
	}
	return a
}

// next reads what follows a member or an element: a comma (true: another
// comes) or the closing end (false, as after an error).
func (p *fastJSON) next(end byte) bool {
	p.ws()
	switch {
	case p.i < len(p.s) && p.s[p.i] == ',':
		p.i++
		return true
	case p.i < len(p.s) && p.s[p.i] == end:
		p.i++
	default:
		p.fail()
	}
	return false
}

// str reads a string; one with escapes or non-ASCII bytes is decoded by
// encoding/json (its handling of invalid UTF-8 and surrogates).
func (p *fastJSON) str() string {
	start := p.i
	p.i++ // "
	plain := true
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			if plain {
				return string(p.s[start+1 : p.i-1])
			}
			var s string
			if err := json.Unmarshal(p.s[start:p.i], &s); err != nil {
				p.fail()
				return ""
			}
			return s
		case c == '\\':
			plain = false
			p.i += 2
			continue
		case c < 0x20:
			p.fail()
			return ""
		case c >= utf8.RuneSelf:
			plain = false
		}
		p.i++
	}
	p.fail()
	return ""
}

// num reads a number as JSON's grammar has it.
func (p *fastJSON) num() any {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case p.i < len(p.s) && p.s[p.i] >= '1' && p.s[p.i] <= '9':
		p.digits()
	default:
		p.fail()
		return nil
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if !p.digits() {
			p.fail()
			return nil
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if !p.digits() {
			p.fail()
			return nil
		}
	}
	return json.Number(p.s[start:p.i])
}

// digits reads one or more digits; false when there is none.
func (p *fastJSON) digits() bool {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}
