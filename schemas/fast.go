package schemas

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// The fast path compiles the schema files as written (x-strict included)
// into a tree of Go checks and walks decoded JSON values (map[string]any,
// []any, string, bool, json.Number, nil) without encoding them. It supports
// exactly the keywords below; any other keyword is a compile error, so the
// schema files cannot use something only jsonschema/v5 understands.
var fastKeywords = map[string]bool{
	"$schema": true, "$id": true, "$comment": true, "title": true, "description": true, "$defs": true,
	"type": true, "enum": true, "const": true, "format": true, "pattern": true,
	"minLength": true, "maxLength": true, "minItems": true, "maxItems": true,
	"required": true, "properties": true, "additionalProperties": true, "items": true,
	"$ref": true, "allOf": true, "if": true, "then": true, "else": true,
	strictKey: true,
}

// Keywords an x-strict object may hold: the first group replaces the
// schema's own, the second adds to it.
var (
	strictReplace = map[string]bool{"format": true, "enum": true, "pattern": true, "minLength": true, "maxLength": true}
	strictAdd     = map[string]bool{"required": true, "properties": true}
)

type typeMask uint8

const (
	tNull typeMask = 1 << iota
	tBoolean
	tObject
	tArray
	tNumber
	tInteger
	tString
)

var typeBits = map[string]typeMask{
	"null": tNull, "boolean": tBoolean, "object": tObject, "array": tArray,
	"number": tNumber, "integer": tInteger, "string": tString,
}

// closure says whether unknown properties are rejected.
type closure uint8

const (
	open        closure = iota
	closedQuiet         // closed in strict mode only (the strict variant adds additionalProperties: false)
	closedAll           // additionalProperties: false in the schema itself
)

// strCheck is one keyword check on strings, with its strict-mode override.
type strCheck struct {
	has, hasStrict     bool
	param, strictParam any
}

// node is one compiled schema.
type node struct {
	// What every walk reads first, kept together.
	boolean  int8 // 1 true schema, -1 false schema, 0 object schema
	types    typeMask
	hasConst bool
	hasEnum  bool // enumK.has || enumK.hasStrict
	strWork  bool // a string keyword applies
	arrWork  bool // an array keyword applies
	objWork  bool // an object keyword applies
	typeOnly bool // the type is the only keyword
	leaf     bool // only keywords on the value itself: leafOK decides it
	cond     *condition
	grp      *objGroup
	ref      *node
	allOf    []*node
	items    *node
	ifN      *node
	thenN    *node
	elseN    *node

	loc       string
	typeParam any

	constVal   any
	constParam any

	enum, senum   []any
	enumK         strCheck
	format        *format
	sformat       *format
	formatK       strCheck
	pattern       *regexp.Regexp
	spattern      *regexp.Regexp
	patternK      strCheck
	minLen, sMin  int
	minLenK       strCheck
	maxLen, sMax  int
	maxLenK       strCheck
	minItems      int
	maxItems      int
	minItemsParam any
	maxItemsParam any

	required  []string
	srequired []string // strict-only additions
	props     map[string]*node
	sprops    map[string]*node // strict-only additions
	closed    closure

	// Derived by finish for the walk.
	filled    bool
	tab       keyTable  // properties, strict properties, then other required names
	tabProp   []*node   // per key of tab: its property schema, or nil
	tabStrict []bool    // per key of tab: the property is strict-only
	reqIdx    []int     // per required name: its index in tab
	sreqIdx   []int     // per strict-only required name: its index in tab
	bits      bool      // tab has at most 64 keys: required is checked on a bit set
	constStr  bool      // the const is a string
	enumSet   *valueSet // enum, when made of strings and null
	senumSet  *valueSet // strict enum, likewise
	grouped   bool      // grp (the object keywords of n, $ref and allOf merged) is built
}

// valueSet is an enum of strings and at most a null.
type valueSet struct {
	tab     keyTable
	hasNull bool
}

func newValueSet(list []any) *valueSet {
	s := &valueSet{}
	var strs []string
	seen := map[string]bool{}
	for _, e := range list {
		switch x := e.(type) {
		case nil:
			s.hasNull = true
		case string:
			if !seen[x] {
				seen[x] = true
				strs = append(strs, x)
			}
		default:
			return nil
		}
	}
	s.tab = newKeyTable(strs)
	return s
}

func (s *valueSet) has(v any) bool {
	switch x := v.(type) {
	case nil:
		return s.hasNull
	case string:
		return s.tab.find(x) >= 0
	case *string:
		if x == nil {
			return s.hasNull
		}
		return s.tab.find(*x) >= 0
	}
	return false
}

// pureRef reports whether n only refers to another schema, so that a
// parent may point at that schema directly.
func (n *node) pureRef() bool {
	return n.filled && n.ref != nil && n.boolean == 0 && n.types == 0 && !n.hasConst &&
		!n.enumK.has && !n.enumK.hasStrict && !n.strWork && !n.arrWork && !n.objWork &&
		len(n.allOf) == 0 && n.ifN == nil
}

// target skips nodes that only refer to another one.
func target(n *node) *node {
	for i := 0; n != nil && i < 64 && n.pureRef(); i++ {
		n = n.ref
	}
	return n
}

// finish derives the walk's fields once n is filled.
func (n *node) finish() {
	n.strWork = n.formatK.has || n.formatK.hasStrict || n.patternK.has || n.patternK.hasStrict ||
		n.minLenK.has || n.minLenK.hasStrict || n.maxLenK.has || n.maxLenK.hasStrict
	n.arrWork = n.minItems >= 0 || n.maxItems >= 0 || n.items != nil
	n.objWork = n.props != nil || n.sprops != nil || n.closed != open || len(n.required) > 0 || len(n.srequired) > 0
	_, n.constStr = n.constVal.(string)
	n.hasEnum = n.enumK.has || n.enumK.hasStrict
	if n.enumK.has {
		n.enumSet = newValueSet(n.enum)
	}
	if n.enumK.hasStrict {
		n.senumSet = newValueSet(n.senum)
	}
	var keys []string
	index := map[string]int{}
	add := func(k string, p *node, strict bool) int {
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(keys)
		keys = append(keys, k)
		n.tabProp = append(n.tabProp, p)
		n.tabStrict = append(n.tabStrict, strict)
		return len(keys) - 1
	}
	for _, k := range sortedNodeKeys(n.props) {
		add(k, n.props[k], false)
	}
	for _, k := range sortedNodeKeys(n.sprops) {
		add(k, n.sprops[k], true)
	}
	for _, r := range n.required {
		n.reqIdx = append(n.reqIdx, add(r, nil, false))
	}
	for _, r := range n.srequired {
		n.sreqIdx = append(n.sreqIdx, add(r, nil, false))
	}
	n.tab = newKeyTable(keys)
	n.bits = len(keys) <= 64
	n.typeOnly = n.boolean == 0 && n.types != 0 && !n.hasConst && !n.hasEnum && !n.strWork && !n.arrWork && !n.objWork &&
		n.ref == nil && len(n.allOf) == 0 && n.ifN == nil
	n.leaf = n.isLeaf()
	n.cond = n.asCondition()
	n.filled = true
}

func sortedNodeKeys(m map[string]*node) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// fastCompiler turns schema locations into nodes.
type fastCompiler struct {
	docs    docSet
	formats map[string]*format
	mu      sync.Mutex
	nodes   map[string]*node
}

func newFastCompiler(src docSet, formats map[string]*format) *fastCompiler {
	return &fastCompiler{docs: src, formats: formats, nodes: map[string]*node{}}
}

// get returns the compiled node for a location, compiling it on first use.
func (c *fastCompiler) get(loc string) (*node, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := c.compile(loc)
	if err == nil {
		c.buildGroups()
	}
	return n, err
}

func (c *fastCompiler) compile(loc string) (*node, error) {
	loc = normLoc(loc)
	if n, ok := c.nodes[loc]; ok {
		return n, nil
	}
	raw, ok := c.docs.lookup(loc)
	if !ok {
		return nil, fmt.Errorf("schemas: no schema at %s", loc)
	}
	n := newNode(loc)
	c.nodes[loc] = n
	if err := c.fill(n, raw); err != nil {
		delete(c.nodes, loc)
		return nil, err
	}
	n.finish()
	return n, nil
}

func normLoc(loc string) string {
	if strings.HasSuffix(loc, "#") {
		return loc[:len(loc)-1]
	}
	return loc
}

func (c *fastCompiler) sub(n *node, rel string) (*node, error) {
	doc, ptr := splitLoc(n.loc)
	return c.compile(doc + "#" + ptr + rel)
}

func (c *fastCompiler) fill(n *node, raw any) error {
	switch s := raw.(type) {
	case bool:
		n.boolean = -1
		if s {
			n.boolean = 1
		}
		return nil
	case map[string]any:
		return c.fillObject(n, s)
	}
	return fmt.Errorf("schemas: %s: a schema must be an object or a boolean", n.loc)
}

func (c *fastCompiler) fillObject(n *node, s map[string]any) error {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !fastKeywords[k] {
			return fmt.Errorf("schemas: %s: keyword %q is not supported by the fast validator", n.loc, k)
		}
	}
	var err error
	if t, ok := s["type"]; ok {
		n.typeParam = t
		for _, name := range stringsOf(t) {
			b, ok := typeBits[name]
			if !ok {
				return fmt.Errorf("schemas: %s: unknown type %q", n.loc, name)
			}
			n.types |= b
		}
		if n.types == 0 {
			return fmt.Errorf("schemas: %s: bad type %v", n.loc, t)
		}
	}
	if v, ok := s["const"]; ok {
		if !scalar(v) {
			return fmt.Errorf("schemas: %s: const must be a scalar", n.loc)
		}
		n.hasConst, n.constVal, n.constParam = true, v, v
	}
	x, _ := s[strictKey].(map[string]any)
	if _, ok := s[strictKey]; ok && x == nil {
		return fmt.Errorf("schemas: %s: %s must be an object", n.loc, strictKey)
	}
	for k := range x {
		if !strictReplace[k] && !strictAdd[k] {
			return fmt.Errorf("schemas: %s: keyword %q is not allowed in %s", n.loc, k, strictKey)
		}
	}
	if n.enum, n.enumK, err = c.enumOf(n.loc, s["enum"], x["enum"]); err != nil {
		return err
	}
	if n.enumK.hasStrict {
		n.senum = asList(n.enumK.strictParam)
	}
	if f, ok := s["format"]; ok {
		if n.format, err = c.formatOf(n.loc, f); err != nil {
			return err
		}
		n.formatK.has, n.formatK.param = true, f
	}
	if f, ok := x["format"]; ok {
		if n.sformat, err = c.formatOf(n.loc, f); err != nil {
			return err
		}
		n.formatK.hasStrict, n.formatK.strictParam = true, f
	}
	if p, ok := s["pattern"]; ok {
		if n.pattern, err = compilePattern(n.loc, p); err != nil {
			return err
		}
		n.patternK.has, n.patternK.param = true, p
	}
	if p, ok := x["pattern"]; ok {
		if n.spattern, err = compilePattern(n.loc, p); err != nil {
			return err
		}
		n.patternK.hasStrict, n.patternK.strictParam = true, p
	}
	if n.minLen, n.sMin, n.minLenK, err = intPair(n.loc, "minLength", s, x); err != nil {
		return err
	}
	if n.maxLen, n.sMax, n.maxLenK, err = intPair(n.loc, "maxLength", s, x); err != nil {
		return err
	}
	if n.minItems, _, _, err = intPair(n.loc, "minItems", s, nil); err != nil {
		return err
	}
	n.minItemsParam = s["minItems"]
	if n.maxItems, _, _, err = intPair(n.loc, "maxItems", s, nil); err != nil {
		return err
	}
	n.maxItemsParam = s["maxItems"]
	n.required = stringsOf(s["required"])
	have := map[string]bool{}
	for _, r := range n.required {
		have[r] = true
	}
	for _, r := range stringsOf(x["required"]) {
		if !have[r] {
			have[r] = true
			n.srequired = append(n.srequired, r)
		}
	}
	if ps, ok := s["properties"].(map[string]any); ok {
		n.props = map[string]*node{}
		for _, name := range sortedKeys(ps) {
			p, err := c.sub(n, "/properties/"+escapeToken(name))
			if err != nil {
				return err
			}
			n.props[name] = target(p)
		}
	}
	if ps, ok := x["properties"].(map[string]any); ok {
		n.sprops = map[string]*node{}
		for _, name := range sortedKeys(ps) {
			if _, dup := n.props[name]; dup {
				return fmt.Errorf("schemas: %s: %s may only add properties, %q exists", n.loc, strictKey, name)
			}
			p, err := c.sub(n, "/"+strictKey+"/properties/"+escapeToken(name))
			if err != nil {
				return err
			}
			n.sprops[name] = target(p)
		}
	}
	if ap, ok := s["additionalProperties"]; ok {
		if ap != false {
			return fmt.Errorf("schemas: %s: additionalProperties may only be false", n.loc)
		}
		n.closed = closedAll
	} else if closable(s) {
		n.closed = closedQuiet
	}
	if _, ok := s["items"]; ok {
		if n.items, err = c.sub(n, "/items"); err != nil {
			return err
		}
		n.items = target(n.items)
	}
	if r, ok := s["$ref"].(string); ok {
		if n.ref, err = c.compile(resolveRef(n.loc, r)); err != nil {
			return err
		}
		n.ref = target(n.ref)
	}
	for i := range asList(s["allOf"]) {
		sn, err := c.sub(n, "/allOf/"+strconv.Itoa(i))
		if err != nil {
			return err
		}
		n.allOf = append(n.allOf, target(sn))
	}
	if _, ok := s["if"]; ok {
		if n.ifN, err = c.sub(n, "/if"); err != nil {
			return err
		}
		if err := c.plainCondition(n.ifN, map[*node]bool{}); err != nil {
			return err
		}
		if _, ok := s["then"]; ok {
			if n.thenN, err = c.sub(n, "/then"); err != nil {
				return err
			}
			n.thenN = target(n.thenN)
		}
		if _, ok := s["else"]; ok {
			if n.elseN, err = c.sub(n, "/else"); err != nil {
				return err
			}
			n.elseN = target(n.elseN)
		}
	}
	return nil
}

// plainCondition makes sure an "if" schema is the same in both modes: the
// single walk of the fast path relies on it.
func (c *fastCompiler) plainCondition(n *node, seen map[*node]bool) error {
	if n == nil || seen[n] {
		return nil
	}
	seen[n] = true
	if n.closed == closedQuiet || n.enumK.hasStrict || n.formatK.hasStrict || n.patternK.hasStrict ||
		n.minLenK.hasStrict || n.maxLenK.hasStrict || len(n.srequired) > 0 || len(n.sprops) > 0 {
		return fmt.Errorf("schemas: %s: a schema under \"if\" must not depend on strict mode", n.loc)
	}
	for _, p := range n.props {
		if err := c.plainCondition(p, seen); err != nil {
			return err
		}
	}
	for _, s := range append([]*node{n.items, n.ref, n.ifN, n.thenN, n.elseN}, n.allOf...) {
		if err := c.plainCondition(s, seen); err != nil {
			return err
		}
	}
	return nil
}

func (c *fastCompiler) enumOf(loc string, base, strict any) ([]any, strCheck, error) {
	var k strCheck
	check := func(v any) ([]any, error) {
		l, ok := v.([]any)
		if !ok || len(l) == 0 {
			return nil, fmt.Errorf("schemas: %s: enum must be a non-empty array", loc)
		}
		for _, e := range l {
			if !scalar(e) {
				return nil, fmt.Errorf("schemas: %s: enum values must be scalars", loc)
			}
		}
		return l, nil
	}
	var list []any
	var err error
	if base != nil {
		if list, err = check(base); err != nil {
			return nil, k, err
		}
		k.has, k.param = true, base
	}
	if strict != nil {
		if _, err := check(strict); err != nil {
			return nil, k, err
		}
		k.hasStrict, k.strictParam = true, strict
	}
	return list, k, nil
}

func (c *fastCompiler) formatOf(loc string, f any) (*format, error) {
	name, _ := f.(string)
	ft := c.formats[name]
	if ft == nil {
		return nil, fmt.Errorf("schemas: %s: unknown format %q", loc, name)
	}
	return ft, nil
}

func compilePattern(loc string, p any) (*regexp.Regexp, error) {
	s, ok := p.(string)
	if !ok {
		return nil, fmt.Errorf("schemas: %s: pattern must be a string", loc)
	}
	re, err := regexp.Compile(s)
	if err != nil {
		return nil, fmt.Errorf("schemas: %s: pattern: %w", loc, err)
	}
	return re, nil
}

func intPair(loc, kw string, s, x map[string]any) (int, int, strCheck, error) {
	get := func(v any) (int, error) {
		n, ok := v.(json.Number)
		if !ok {
			return 0, fmt.Errorf("schemas: %s: %s must be a number", loc, kw)
		}
		i, err := strconv.Atoi(n.String())
		if err != nil || i < 0 {
			return 0, fmt.Errorf("schemas: %s: %s must be a non-negative integer", loc, kw)
		}
		return i, nil
	}
	var k strCheck
	base, strict := -1, -1
	var err error
	if v, ok := s[kw]; ok {
		if base, err = get(v); err != nil {
			return 0, 0, k, err
		}
		k.has, k.param = true, v
	}
	if v, ok := x[kw]; ok {
		if strict, err = get(v); err != nil {
			return 0, 0, k, err
		}
		k.hasStrict, k.strictParam = true, v
	}
	return base, strict, k, nil
}

func stringsOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func scalar(v any) bool {
	switch v.(type) {
	case nil, bool, string, json.Number:
		return true
	}
	return false
}
