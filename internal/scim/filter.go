package scim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Filter is a parsed SCIM filter expression (RFC 7644 section 3.4.2.2):
// a Logic, Not, Compare or ValuePath node.
type Filter interface{ isFilter() }

// Logic joins two filters with "and" (And) or "or".
type Logic struct {
	And         bool
	Left, Right Filter
}

// Not negates a filter: not (inner).
type Not struct{ Inner Filter }

// Compare is `path op value`, or `path pr` (Value nil).
type Compare struct {
	Path  string
	Op    string // eq ne co sw ew gt ge lt le pr, lower case
	Value any    // string, bool, float64 or nil
}

// ValuePath is `path[inner]`: elements of a multi-valued attribute that
// match inner.
type ValuePath struct {
	Path  string
	Inner Filter
}

func (Logic) isFilter()     {}
func (Not) isFilter()       {}
func (Compare) isFilter()   {}
func (ValuePath) isFilter() {}

var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true, "ge": true, "lt": true, "le": true}

// Token is one token of a filter expression.
type Token struct {
	Text   string
	Quoted bool // a string literal (Text is its value: a backslash takes the next byte as it is)
	Pos    int  // offset in the filter
}

// Tokens splits a filter expression into tokens: parentheses and brackets,
// double-quoted strings, and words between white space and those.
func Tokens(s string) ([]Token, error) {
	var out []Token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '[' || c == ']':
			out = append(out, Token{Text: string(c), Pos: i})
			i++
		case c == '"':
			j := i + 1
			var b strings.Builder
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("unterminated string at offset %d", i)
			}
			out = append(out, Token{Text: b.String(), Quoted: true, Pos: i})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()[]\"", rune(s[j])) {
				j++
			}
			out = append(out, Token{Text: s[i:j], Pos: i})
			i = j
		}
	}
	return out, nil
}

type filterParser struct {
	toks []Token
	i    int
	src  string
}

// ParseFilter parses a SCIM filter expression: comparisons (eq ne co sw ew
// gt ge lt le, and pr), "and" binding tighter than "or", "not (…)",
// parentheses and value paths (`emails[type eq "work"]`). Operators and
// keywords are read in any case. It is more lenient than the RFC where
// SAP Concur's examples are: a bare word that is not a JSON literal is a
// string value (dates are written unquoted), and true, false and null are
// read in any case. Errors start with `filter "…": `.
func ParseFilter(s string) (Filter, error) {
	toks, err := Tokens(s)
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", s, err)
	}
	p := &filterParser{toks: toks, src: s}
	n, err := p.or()
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", s, err)
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("filter %q: unexpected %q at offset %d", s, p.toks[p.i].Text, p.toks[p.i].Pos)
	}
	return n, nil
}

func (p *filterParser) peekWord(w string) bool {
	return p.i < len(p.toks) && !p.toks[p.i].Quoted && strings.EqualFold(p.toks[p.i].Text, w)
}

func (p *filterParser) or() (Filter, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.peekWord("or") {
		p.i++
		right, err := p.and()
		if err != nil {
			return nil, err
		}
		left = Logic{And: false, Left: left, Right: right}
	}
	return left, nil
}

func (p *filterParser) and() (Filter, error) {
	left, err := p.unary()
	if err != nil {
		return nil, err
	}
	for p.peekWord("and") {
		p.i++
		right, err := p.unary()
		if err != nil {
			return nil, err
		}
		left = Logic{And: true, Left: left, Right: right}
	}
	return left, nil
}

func (p *filterParser) expect(t string) error {
	if p.i >= len(p.toks) || p.toks[p.i].Quoted || p.toks[p.i].Text != t {
		return fmt.Errorf("expected %q at offset %d", t, p.offset())
	}
	p.i++
	return nil
}

func (p *filterParser) offset() int {
	if p.i < len(p.toks) {
		return p.toks[p.i].Pos
	}
	return len(p.src)
}

func (p *filterParser) unary() (Filter, error) {
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("unexpected end of filter")
	}
	if p.peekWord("not") {
		p.i++
		if err := p.expect("("); err != nil {
			return nil, err
		}
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return Not{Inner: n}, nil
	}
	t := p.toks[p.i]
	if !t.Quoted && t.Text == "(" {
		p.i++
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		return n, nil
	}
	if t.Quoted || strings.ContainsAny(t.Text, "()[]") {
		return nil, fmt.Errorf("expected an attribute at offset %d", t.Pos)
	}
	p.i++
	path := t.Text
	if p.i < len(p.toks) && !p.toks[p.i].Quoted && p.toks[p.i].Text == "[" {
		p.i++
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expect("]"); err != nil {
			return nil, err
		}
		return ValuePath{Path: path, Inner: inner}, nil
	}
	if p.i >= len(p.toks) || p.toks[p.i].Quoted {
		return nil, fmt.Errorf("expected an operator after %q", path)
	}
	op := strings.ToLower(p.toks[p.i].Text)
	p.i++
	if op == "pr" {
		return Compare{Path: path, Op: op}, nil
	}
	if !compareOps[op] {
		return nil, fmt.Errorf("unknown operator %q", op)
	}
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("expected a value after %q %s", path, op)
	}
	v := p.toks[p.i]
	p.i++
	if v.Quoted {
		return Compare{Path: path, Op: op, Value: v.Text}, nil
	}
	if strings.ContainsAny(v.Text, "()[]") {
		return nil, fmt.Errorf("expected a value at offset %d", v.Pos)
	}
	return Compare{Path: path, Op: op, Value: literal(v.Text)}, nil
}

// literal decodes an unquoted comparison value. Bare words that are not JSON
// literals are taken as strings: Concur's own examples write dates unquoted.
func literal(s string) any {
	switch strings.ToLower(s) {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	// JSON numbers only: ParseFloat also reads NaN, Inf and hex floats.
	if json.Valid([]byte(s)) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return s
}

// filterQuoter escapes a string value of a printed filter.
var filterQuoter = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// FilterString prints f in a form ParseFilter reads back to the same
// filter: every logic node in parentheses, strings quoted with only '"'
// and '\' escaped.
func FilterString(f Filter) string {
	switch n := f.(type) {
	case Logic:
		op := " or "
		if n.And {
			op = " and "
		}
		return "(" + FilterString(n.Left) + op + FilterString(n.Right) + ")"
	case Not:
		return "not (" + FilterString(n.Inner) + ")"
	case ValuePath:
		return n.Path + "[" + FilterString(n.Inner) + "]"
	case Compare:
		if n.Op == "pr" {
			return n.Path + " pr"
		}
		if s, ok := n.Value.(string); ok {
			// Quoted as Tokens reads it back: only " and \ escaped.
			return n.Path + " " + n.Op + " \"" + filterQuoter.Replace(s) + "\""
		}
		v, _ := json.Marshal(n.Value)
		return n.Path + " " + n.Op + " " + string(v)
	}
	return ""
}

// Equalities returns the attribute → value pairs of a filter made only of
// "eq" tests on plain (undotted) attributes with non-null values, joined
// by "and"; nil for any other filter.
func Equalities(f Filter) map[string]any {
	out := map[string]any{}
	var walk func(Filter) bool
	walk = func(n Filter) bool {
		switch x := n.(type) {
		case Logic:
			return x.And && walk(x.Left) && walk(x.Right)
		case Compare:
			if x.Op != "eq" || x.Value == nil || strings.Contains(x.Path, ".") {
				return false
			}
			out[x.Path] = x.Value
			return true
		}
		return false
	}
	if !walk(f) {
		return nil
	}
	return out
}
