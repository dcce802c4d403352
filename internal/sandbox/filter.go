package sandbox

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// filterNode is a parsed SCIM filter (RFC 7644 §3.4.2.2).
type filterNode interface{ isFilter() }

type logicNode struct {
	and         bool
	left, right filterNode
}

type notNode struct{ inner filterNode }

type compareNode struct {
	path  string
	op    string // eq ne co sw ew gt ge lt le pr
	value any    // string, bool, float64 or nil
}

type valuePathNode struct {
	path  string
	inner filterNode
}

func (logicNode) isFilter()     {}
func (notNode) isFilter()       {}
func (compareNode) isFilter()   {}
func (valuePathNode) isFilter() {}

var compareOps = map[string]bool{"eq": true, "ne": true, "co": true, "sw": true, "ew": true, "gt": true, "ge": true, "lt": true, "le": true}

type token struct {
	text   string
	quoted bool // a JSON string literal (text is the decoded value)
	pos    int
}

func tokenize(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')' || c == '[' || c == ']':
			out = append(out, token{text: string(c), pos: i})
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
			out = append(out, token{text: b.String(), quoted: true, pos: i})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()[]\"", rune(s[j])) {
				j++
			}
			out = append(out, token{text: s[i:j], pos: i})
			i = j
		}
	}
	return out, nil
}

type filterParser struct {
	toks []token
	i    int
	src  string
}

// parseFilter parses a SCIM filter expression.
func parseFilter(s string) (filterNode, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", s, err)
	}
	p := &filterParser{toks: toks, src: s}
	n, err := p.or()
	if err != nil {
		return nil, fmt.Errorf("filter %q: %w", s, err)
	}
	if p.i < len(p.toks) {
		return nil, fmt.Errorf("filter %q: unexpected %q at offset %d", s, p.toks[p.i].text, p.toks[p.i].pos)
	}
	return n, nil
}

func (p *filterParser) peekWord(w string) bool {
	return p.i < len(p.toks) && !p.toks[p.i].quoted && strings.EqualFold(p.toks[p.i].text, w)
}

func (p *filterParser) or() (filterNode, error) {
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
		left = logicNode{and: false, left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) and() (filterNode, error) {
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
		left = logicNode{and: true, left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) expect(t string) error {
	if p.i >= len(p.toks) || p.toks[p.i].quoted || p.toks[p.i].text != t {
		return fmt.Errorf("expected %q at offset %d", t, p.offset())
	}
	p.i++
	return nil
}

func (p *filterParser) offset() int {
	if p.i < len(p.toks) {
		return p.toks[p.i].pos
	}
	return len(p.src)
}

func (p *filterParser) unary() (filterNode, error) {
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
		return notNode{n}, nil
	}
	t := p.toks[p.i]
	if !t.quoted && t.text == "(" {
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
	if t.quoted || strings.ContainsAny(t.text, "()[]") {
		return nil, fmt.Errorf("expected an attribute at offset %d", t.pos)
	}
	p.i++
	path := t.text
	if p.i < len(p.toks) && !p.toks[p.i].quoted && p.toks[p.i].text == "[" {
		p.i++
		inner, err := p.or()
		if err != nil {
			return nil, err
		}
		if err := p.expect("]"); err != nil {
			return nil, err
		}
		return valuePathNode{path: path, inner: inner}, nil
	}
	if p.i >= len(p.toks) || p.toks[p.i].quoted {
		return nil, fmt.Errorf("expected an operator after %q", path)
	}
	op := strings.ToLower(p.toks[p.i].text)
	p.i++
	if op == "pr" {
		return compareNode{path: path, op: op}, nil
	}
	if !compareOps[op] {
		return nil, fmt.Errorf("unknown operator %q", op)
	}
	if p.i >= len(p.toks) {
		return nil, fmt.Errorf("expected a value after %q %s", path, op)
	}
	v := p.toks[p.i]
	p.i++
	if v.quoted {
		return compareNode{path: path, op: op, value: v.text}, nil
	}
	if strings.ContainsAny(v.text, "()[]") {
		return nil, fmt.Errorf("expected a value at offset %d", v.pos)
	}
	return compareNode{path: path, op: op, value: literal(v.text)}, nil
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

// matchDoc evaluates f against a whole user document, where attribute paths
// may carry a schema URN prefix.
func matchDoc(f filterNode, doc map[string]any) bool {
	return eval(f, doc, true)
}

// matchElement evaluates f against one element of a multi-valued attribute.
func matchElement(f filterNode, elem any) bool {
	return eval(f, elem, false)
}

func eval(f filterNode, node any, top bool) bool {
	switch n := f.(type) {
	case logicNode:
		if n.and {
			return eval(n.left, node, top) && eval(n.right, node, top)
		}
		return eval(n.left, node, top) || eval(n.right, node, top)
	case notNode:
		return !eval(n.inner, node, top)
	case valuePathNode:
		for _, e := range resolvePath(node, n.path, top, false) {
			if eval(n.inner, e, false) {
				return true
			}
		}
		return false
	case compareNode:
		vals := resolvePath(node, n.path, top, true)
		switch n.op {
		case "pr":
			for _, v := range vals {
				if v != nil && v != "" {
					return true
				}
			}
			return false
		case "ne":
			return !anyCompare(vals, "eq", n.value)
		}
		return anyCompare(vals, n.op, n.value)
	}
	return false
}

func anyCompare(vals []any, op string, lit any) bool {
	if lit == nil {
		return op == "eq" && len(vals) == 0
	}
	for _, v := range vals {
		if compareValue(v, op, lit) {
			return true
		}
	}
	return false
}

func compareValue(v any, op string, lit any) bool {
	switch l := lit.(type) {
	case string:
		s, ok := v.(string)
		if !ok {
			if f, isNum := v.(float64); isNum {
				s = strconv.FormatFloat(f, 'f', -1, 64)
			} else {
				return false
			}
		}
		a, b := strings.ToLower(s), strings.ToLower(l)
		switch op {
		case "eq":
			return a == b
		case "co":
			return strings.Contains(a, b)
		case "sw":
			return strings.HasPrefix(a, b)
		case "ew":
			return strings.HasSuffix(a, b)
		case "gt":
			return a > b
		case "ge":
			return a >= b
		case "lt":
			return a < b
		case "le":
			return a <= b
		}
	case bool:
		b, ok := v.(bool)
		return ok && op == "eq" && b == l
	case float64:
		f, ok := v.(float64)
		if !ok {
			return false
		}
		switch op {
		case "eq":
			return f == l
		case "gt":
			return f > l
		case "ge":
			return f >= l
		case "lt":
			return f < l
		case "le":
			return f <= l
		}
	}
	return false
}

// resolvePath returns the values at a dotted attribute path, flattening
// multi-valued attributes. At the top level the path may start with a schema
// URN. A primitive element answers the sub-attribute "value" with itself.
func resolvePath(node any, path string, top, flattenLast bool) []any {
	if top {
		if schema, rest, ok := splitSchema(path); ok && schema != "" && schema != urnCore {
			m, _ := node.(map[string]any)
			ext, _ := getCI(m, schema)
			if rest == "" {
				return []any{ext}
			}
			return resolveSegs(ext, strings.Split(rest, "."), flattenLast)
		} else if ok {
			path = rest
		}
	}
	return resolveSegs(node, strings.Split(path, "."), flattenLast)
}

func resolveSegs(node any, segs []string, flattenLast bool) []any {
	if node == nil {
		return nil
	}
	if len(segs) == 0 {
		if arr, ok := node.([]any); ok {
			return arr
		}
		return []any{node}
	}
	switch n := node.(type) {
	case []any:
		var out []any
		for _, e := range n {
			out = append(out, resolveSegs(e, segs, flattenLast)...)
		}
		return out
	case map[string]any:
		v, ok := getCI(n, segs[0])
		if !ok {
			return nil
		}
		return resolveSegs(v, segs[1:], flattenLast)
	default:
		if len(segs) == 1 && strings.EqualFold(segs[0], "value") {
			return []any{node}
		}
	}
	return nil
}

// splitSchema splits a path into a schema URN and the rest. ok is false when
// the path starts with "urn:" but names no known schema.
func splitSchema(path string) (schema, rest string, ok bool) {
	if !strings.HasPrefix(strings.ToLower(path), "urn:") {
		return urnCore, path, true
	}
	for _, s := range userSchemas {
		if len(path) >= len(s) && strings.EqualFold(path[:len(s)], s) {
			r := path[len(s):]
			if r == "" || r[0] == ':' {
				return canonicalSchema(s), strings.TrimPrefix(r, ":"), true
			}
		}
	}
	return "", path, false
}

// getCI looks a key up in m, exactly first and then ignoring case (SCIM
// attribute names are case-insensitive).
func getCI(m map[string]any, key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// keyCI returns the key under which m stores key (any case), or key itself.
func keyCI(m map[string]any, key string) string {
	if _, ok := m[key]; ok {
		return key
	}
	for k := range m {
		if strings.EqualFold(k, key) {
			return k
		}
	}
	return key
}
