package schemas

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
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

// pathTok is one step of the walk: an attribute name (idx < 0) or an
// array index. Names are escaped only when a pointer is built.
type pathTok struct {
	key string
	idx int
}

// walker is the state of one fast validation.
type walker struct {
	strict bool
	silent bool
	failed bool
	base   string
	path   []pathTok
	out    []Finding
}

var walkerPool = sync.Pool{New: func() any { return &walker{path: make([]pathTok, 0, 16)} }}

func (w *walker) pointer(extra string) string {
	var b strings.Builder
	b.WriteString(w.base)
	for _, t := range w.path {
		b.WriteByte('/')
		if t.idx >= 0 {
			b.WriteString(strconv.Itoa(t.idx))
		} else {
			b.WriteString(escapeToken(t.key))
		}
	}
	if extra != "" {
		b.WriteByte('/')
		b.WriteString(extra)
	}
	return b.String()
}

// emit records a finding; strictOnly findings are warnings in default mode.
// For "required", "additionalProperties" and "false", v is the attribute
// name and the pointer names the attribute.
func (w *walker) emit(kw string, param, v any, strictOnly bool) {
	sev := model.SevError
	if strictOnly && !w.strict {
		sev = model.SevWarning
	}
	if w.silent {
		if sev == model.SevError {
			w.failed = true
		}
		return
	}
	var ptr string
	switch kw {
	case "required", "additionalProperties":
		ptr = w.pointer(escapeToken(v.(string)))
	default:
		ptr = w.pointer("")
	}
	w.out = append(w.out, Finding{Pointer: ptr, Keyword: kw, Severity: sev, Message: message(kw, param, v)})
}

func (w *walker) lastToken() string {
	if len(w.path) == 0 {
		return lastPointerToken(w.base)
	}
	t := w.path[len(w.path)-1]
	if t.idx >= 0 {
		return strconv.Itoa(t.idx)
	}
	return t.key
}

// check validates v against n; so marks a strict-only subtree.
func (w *walker) check(n *node, v any, so, grouped bool) {
	switch n.boolean {
	case 1:
		return
	case -1:
		w.emit("false", nil, w.lastToken(), so)
		return
	}
	if n.types != 0 && !typeOK(n.types, v) {
		w.emit("type", n.typeParam, v, so)
		return
	}
	if n.hasConst {
		var ok bool
		if n.constStr {
			s, isStr := stringOf(v)
			ok = isStr && s == n.constVal.(string)
		} else {
			ok = equalJSON(v, n.constVal)
		}
		if !ok {
			w.emit("const", n.constParam, v, so)
		}
	}
	if n.hasEnum {
		w.checkEnum(n, v, so)
	}
	if n.strWork || n.arrWork || n.objWork {
		switch x := v.(type) {
		case string:
			if n.strWork {
				w.checkString(n, x, v, so)
			}
		case *string:
			if x != nil && n.strWork {
				w.checkString(n, *x, v, so)
			}
		case map[string]any:
			if grouped {
			} else if n.grp != nil {
				w.groupMap(n.grp, x, so)
				grouped = true
			} else if n.objWork {
				w.checkMap(n, x, so)
			}
		case []any:
			if n.arrWork {
				w.checkLen(n, len(x), v, so)
				if n.items != nil {
					for i, el := range x {
						w.path = append(w.path, pathTok{idx: i})
						w.check(n.items, el, so, false)
						w.path = w.path[:len(w.path)-1]
					}
				}
			}
		case Object:
			if grouped {
			} else if n.grp != nil {
				w.groupObject(n.grp, x, so)
				grouped = true
			} else if n.objWork {
				w.checkObject(n, x, so)
			}
		case Array:
			if n.arrWork {
				l := x.Len()
				w.checkLen(n, l, v, so)
				if n.items != nil {
					for i := range l {
						w.path = append(w.path, pathTok{idx: i})
						w.check(n.items, x.Index(i), so, false)
						w.path = w.path[:len(w.path)-1]
					}
				}
			}
		}
	}
	if n.ref != nil {
		w.check(n.ref, v, so, grouped)
	}
	for _, s := range n.allOf {
		w.check(s, v, so, grouped)
	}
	if n.ifN != nil {
		if w.valid(n.ifN, v) {
			if n.thenN != nil {
				w.check(n.thenN, v, so, false)
			}
		} else if n.elseN != nil {
			w.check(n.elseN, v, so, false)
		}
	}
}

// inSet reports whether v is in an enum, by its string set when it has one.
func inSet(set *valueSet, list []any, v any) bool {
	if set != nil {
		return set.has(v)
	}
	return inEnum(list, v)
}

func (w *walker) checkEnum(n *node, v any, so bool) {
	k := &n.enumK
	base, strict := true, true
	if k.has && !(w.strict && k.hasStrict) {
		base = inSet(n.enumSet, n.enum, v)
	}
	if k.hasStrict && (w.strict || base) {
		strict = inSet(n.senumSet, n.senum, v)
	}
	w.keyword(k, "enum", v, so, base, strict)
}

// checkString runs the string keywords on s, the string v holds.
func (w *walker) checkString(n *node, s string, v any, so bool) {
	if k := &n.formatK; k.has || k.hasStrict {
		base, strict := true, true
		if k.has && !(w.strict && k.hasStrict) {
			base = n.format.check(s)
		}
		if k.hasStrict && (w.strict || base) {
			strict = n.sformat.check(s)
		}
		w.keyword(k, "format", v, so, base, strict)
	}
	if n.minLenK.has || n.minLenK.hasStrict || n.maxLenK.has || n.maxLenK.hasStrict {
		l := utf8.RuneCountInString(s)
		w.keyword(&n.minLenK, "minLength", v, so, l >= n.minLen, l >= n.sMin)
		w.keyword(&n.maxLenK, "maxLength", v, so, l <= n.maxLen, l <= n.sMax)
	}
	if k := &n.patternK; k.has || k.hasStrict {
		base, strict := true, true
		if k.has && !(w.strict && k.hasStrict) {
			base = n.pattern.MatchString(s)
		}
		if k.hasStrict && (w.strict || base) {
			strict = n.spattern.MatchString(s)
		}
		w.keyword(k, "pattern", v, so, base, strict)
	}
}

// member checks the member k of an object against n's properties and
// returns its index in n.tab (-1 when it has none).
func (w *walker) member(n *node, k string, pv any, so bool) int {
	i := n.tab.find(k)
	if i >= 0 {
		if p := n.tabProp[i]; p != nil {
			w.path = append(w.path, pathTok{key: k, idx: -1})
			w.check(p, pv, so || n.tabStrict[i], false)
			w.path = w.path[:len(w.path)-1]
			return i
		}
	}
	if n.closed != open {
		w.emit("additionalProperties", false, k, so || n.closed == closedQuiet)
	}
	return i
}

// missing emits the required names whose bit is not in seen.
func (w *walker) missing(n *node, seen uint64, so bool) {
	for j, r := range n.required {
		if seen&(1<<n.reqIdx[j]) == 0 {
			w.emit("required", n.required, r, so)
		}
	}
	for j, r := range n.srequired {
		if seen&(1<<n.sreqIdx[j]) == 0 {
			w.emit("required", n.srequired, r, true)
		}
	}
}

func (w *walker) checkMap(n *node, x map[string]any, so bool) {
	var seen uint64
	for k, pv := range x {
		if i := w.member(n, k, pv, so); i >= 0 && i < 64 {
			seen |= 1 << i
		}
	}
	if n.bits {
		w.missing(n, seen, so)
		return
	}
	for _, r := range n.required {
		if _, ok := x[r]; !ok {
			w.emit("required", n.required, r, so)
		}
	}
	for _, r := range n.srequired {
		if _, ok := x[r]; !ok {
			w.emit("required", n.srequired, r, true)
		}
	}
}

func (w *walker) checkObject(n *node, x Object, so bool) {
	var seen uint64
	for j := range x.Len() {
		k := x.KeyAt(j)
		i := n.tab.find(k)
		if i >= 0 && n.tabProp[i] != nil {
			w.path = append(w.path, pathTok{key: k, idx: -1})
			w.check(n.tabProp[i], x.ValueAt(j), so || n.tabStrict[i], false)
			w.path = w.path[:len(w.path)-1]
		} else if n.closed != open {
			w.emit("additionalProperties", false, k, so || n.closed == closedQuiet)
		}
		if i >= 0 && i < 64 {
			seen |= 1 << i
		}
	}
	if n.bits {
		w.missing(n, seen, so)
		return
	}
	for _, r := range n.required {
		if _, ok := x.Lookup(r); !ok {
			w.emit("required", n.required, r, so)
		}
	}
	for _, r := range n.srequired {
		if _, ok := x.Lookup(r); !ok {
			w.emit("required", n.srequired, r, true)
		}
	}
}

// checkLen runs minItems and maxItems on an array of l elements.
func (w *walker) checkLen(n *node, l int, v any, so bool) {
	if n.minItems >= 0 && l < n.minItems {
		w.emit("minItems", n.minItemsParam, v, so)
	}
	if n.maxItems >= 0 && l > n.maxItems {
		w.emit("maxItems", n.maxItemsParam, v, so)
	}
}

// keyword reports a keyword that x-strict may override, given whether the
// value passes the base and the strict check: in strict mode the override
// replaces the base check; in default mode the base check gives errors and
// the override, when the base passes, warnings.
func (w *walker) keyword(k *strCheck, kw string, v any, so bool, base, strict bool) {
	if w.strict && k.hasStrict {
		if !strict {
			w.emit(kw, k.strictParam, v, true)
		}
		return
	}
	if k.has && !base {
		w.emit(kw, k.param, v, so)
		return
	}
	if k.hasStrict && !strict {
		w.emit(kw, k.strictParam, v, true)
	}
}

// valid reports whether v passes n (used for "if"; such schemas do not
// depend on the mode).
func (w *walker) valid(n *node, v any) bool {
	silent, failed, path := w.silent, w.failed, len(w.path)
	w.silent, w.failed = true, false
	w.check(n, v, false, false)
	ok := !w.failed
	w.silent, w.failed, w.path = silent, failed, w.path[:path]
	return ok
}

func typeOK(t typeMask, v any) bool {
	switch x := v.(type) {
	case nil:
		return t&tNull != 0
	case bool:
		return t&tBoolean != 0
	case string:
		return t&tString != 0
	case *string:
		if x == nil {
			return t&tNull != 0
		}
		return t&tString != 0
	case map[string]any:
		return t&tObject != 0
	case []any:
		return t&tArray != 0
	case json.Number:
		if t&tNumber != 0 {
			return true
		}
		return t&tInteger != 0 && numberIsInt(x)
	case float64:
		if t&tNumber != 0 {
			return true
		}
		return t&tInteger != 0 && x == math.Trunc(x) && !math.IsInf(x, 0)
	case int, int64, int32, int16, int8, uint, uint64, uint32, uint16, uint8:
		return t&(tNumber|tInteger) != 0
	case float32:
		return t&tNumber != 0 || t&tInteger != 0 && float64(x) == math.Trunc(float64(x))
	case Object:
		return t&tObject != 0
	case Array:
		return t&tArray != 0
	}
	return false
}

func numberIsInt(n json.Number) bool {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return true
	}
	r, ok := new(big.Rat).SetString(s)
	return ok && r.IsInt()
}

func inEnum(list []any, v any) bool {
	for _, e := range list {
		if equalJSON(v, e) {
			return true
		}
	}
	return false
}

// equalJSON compares a value with a scalar from a schema.
func equalJSON(v, e any) bool {
	switch x := e.(type) {
	case string:
		s, ok := stringOf(v)
		return ok && s == x
	case bool:
		b, ok := v.(bool)
		return ok && b == x
	case nil:
		return isNull(v)
	case json.Number:
		if jsonType(v) != "number" {
			return false
		}
		if n, ok := v.(json.Number); ok && n == x {
			return true
		}
		a, ok1 := new(big.Rat).SetString(fmt.Sprint(v))
		b, ok2 := new(big.Rat).SetString(string(x))
		return ok1 && ok2 && a.Cmp(b) == 0
	}
	return false
}

// fastEngine validates with compiled nodes.
type fastEngine struct {
	strict bool
	comp   *fastCompiler
	cache  sync.Map // location → *node
}

func (e *fastEngine) node(loc string) (*node, error) {
	if n, ok := e.cache.Load(loc); ok {
		return n.(*node), nil
	}
	n, err := e.comp.get(loc)
	if err != nil {
		return nil, err
	}
	e.cache.Store(loc, n)
	return n, nil
}

func (e *fastEngine) check(loc string, v any, base string, rel relPtr, out []Finding) []Finding {
	n, err := e.node(loc)
	if err != nil {
		return append(out, Finding{Pointer: base + rel.String(), Keyword: "schema", Severity: model.SevError, Message: err.Error()})
	}
	w := walkerPool.Get().(*walker)
	w.strict, w.base, w.out, w.path = e.strict, base, out, append(w.path[:0], rel.toks[:rel.n]...)
	w.check(n, v, false, false)
	out = w.out
	w.out = nil
	walkerPool.Put(w)
	return out
}

// act is a schema an object member's value is checked against; strict
// marks it strict-only.
type act struct {
	n      *node
	strict bool
}

// reqName is a name some schema of a group requires.
type reqName struct {
	name   string
	idx    int      // in the group's table
	param  []string // the schema's required (or strict-only required) list
	strict bool     // strict-only
}

// objGroup merges the object keywords of a schema and of every schema its
// $ref and allOf apply to the same object, so that each member is looked
// up once.
type objGroup struct {
	tab     keyTable
	acts    [][]act // per key
	closed  []uint8 // per key: closedAll (bit 0) and closedQuiet (bit 1) schemas that lack it
	unknown uint8   // the same for names not in tab
	req     []reqName
	lookup  bool // open and small: look the names up instead of walking the members
}

func newNode(loc string) *node {
	return &node{loc: loc, minLen: -1, maxLen: -1, sMin: -1, sMax: -1, minItems: -1, maxItems: -1}
}

// groupMembers lists the schemas that run on an object together with n:
// n and, through $ref and allOf, those whose type admits objects.
func groupMembers(n *node, seen map[*node]bool, out []*node) []*node {
	if n == nil || seen[n] || n.boolean != 0 || n.types != 0 && n.types&tObject == 0 {
		return out
	}
	seen[n] = true
	out = append(out, n)
	out = groupMembers(n.ref, seen, out)
	for _, s := range n.allOf {
		out = groupMembers(s, seen, out)
	}
	return out
}

// buildGroups gives every node compiled so far without one its objGroup.
func (c *fastCompiler) buildGroups() {
	var work []*node
	for _, n := range c.nodes {
		if !n.grouped {
			work = append(work, n)
		}
	}
	sort.Slice(work, func(i, j int) bool { return work[i].loc < work[j].loc })
	for len(work) > 0 {
		n := work[0]
		work = work[1:]
		if n.grouped {
			continue
		}
		n.grouped = true
		work = append(work, c.group(n)...)
	}
}

// group builds n.grp and returns the nodes it made for members checked
// against several schemas.
func (c *fastCompiler) group(n *node) []*node {
	members := groupMembers(n, map[*node]bool{}, nil)
	var keys []string
	index := map[string]int{}
	key := func(k string) int {
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(keys)
		keys = append(keys, k)
		return len(keys) - 1
	}
	g := &objGroup{}
	work := false
	for _, m := range members {
		if !m.objWork {
			continue
		}
		work = true
		for i, k := range m.tab.keys {
			if p := m.tabProp[i]; p != nil {
				j := key(k)
				for len(g.acts) <= j {
					g.acts = append(g.acts, nil)
				}
				g.acts[j] = append(g.acts[j], act{n: p, strict: m.tabStrict[i]})
			}
		}
		for _, r := range m.required {
			g.req = append(g.req, reqName{name: r, idx: key(r), param: m.required})
		}
		for _, r := range m.srequired {
			g.req = append(g.req, reqName{name: r, idx: key(r), param: m.srequired, strict: true})
		}
	}
	if !work || len(keys) > 64 {
		return nil
	}
	for len(g.acts) < len(keys) {
		g.acts = append(g.acts, nil)
	}
	g.closed = make([]uint8, len(keys))
	for _, m := range members {
		if m.closed == open {
			continue
		}
		bit := uint8(1)
		if m.closed == closedQuiet {
			bit = 2
		}
		g.unknown |= bit
		for j, k := range keys {
			if i := m.tab.find(k); i < 0 || m.tabProp[i] == nil {
				g.closed[j] |= bit
			}
		}
	}
	var made []*node
	for j, as := range g.acts {
		if len(as) < 2 {
			continue
		}
		same := true
		for _, a := range as[1:] {
			same = same && a.strict == as[0].strict
		}
		if !same {
			continue
		}
		s := newNode(n.loc + " (" + keys[j] + ")")
		for _, a := range as {
			s.allOf = append(s.allOf, a.n)
		}
		s.finish()
		made = append(made, s)
		g.acts[j] = []act{{n: s, strict: as[0].strict}}
	}
	g.tab = newKeyTable(keys)
	g.lookup = g.unknown == 0 && len(keys) <= 2
	n.grp = g
	return made
}

// groupMember checks the member k of an object against a group and
// returns its index in the group's table (-1 when it has none).
func (w *walker) groupMember(g *objGroup, k string, pv any, so bool) int {
	i := g.tab.find(k)
	closed := g.unknown
	if i >= 0 {
		closed = g.closed[i]
		w.groupValue(g, i, k, pv, so)
	}
	if closed&1 != 0 {
		w.emit("additionalProperties", false, k, so)
	}
	if closed&2 != 0 {
		w.emit("additionalProperties", false, k, true)
	}
	return i
}

func (w *walker) groupRequired(g *objGroup, seen uint64, so bool) {
	for _, r := range g.req {
		if seen&(1<<r.idx) == 0 {
			w.emit("required", r.param, r.name, so || r.strict)
		}
	}
}

func (w *walker) groupMap(g *objGroup, x map[string]any, so bool) {
	var seen uint64
	if g.lookup && len(x) > 2*len(g.tab.keys) {
		for i, k := range g.tab.keys {
			if v, ok := x[k]; ok {
				seen |= 1 << i
				w.groupValue(g, i, k, v, so)
			}
		}
		w.groupRequired(g, seen, so)
		return
	}
	for k, pv := range x {
		if i := w.groupMember(g, k, pv, so); i >= 0 && i < 64 {
			seen |= 1 << i
		}
	}
	w.groupRequired(g, seen, so)
}

// groupValue checks the value of the i-th name of a group's table.
func (w *walker) groupValue(g *objGroup, i int, k string, v any, so bool) {
	if as := g.acts[i]; len(as) > 0 {
		if len(as) == 1 && as[0].n.typeOnly && typeOK(as[0].n.types, v) {
			return
		}
		w.path = append(w.path, pathTok{key: k, idx: -1})
		for _, a := range as {
			w.check(a.n, v, so || a.strict, false)
		}
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *walker) groupObject(g *objGroup, x Object, so bool) {
	var seen uint64
	if g.lookup && x.Len() > 2*len(g.tab.keys) {
		for i, k := range g.tab.keys {
			if v, ok := x.Lookup(k); ok {
				seen |= 1 << i
				w.groupValue(g, i, k, v, so)
			}
		}
		w.groupRequired(g, seen, so)
		return
	}
	for j := range x.Len() {
		k := x.KeyAt(j)
		i := g.tab.find(k)
		closed := g.unknown
		if i >= 0 {
			seen |= 1 << i
			closed = g.closed[i]
			if as := g.acts[i]; len(as) > 0 {
				w.groupValue(g, i, k, x.ValueAt(j), so)
			}
		}
		if closed != 0 {
			if closed&1 != 0 {
				w.emit("additionalProperties", false, k, so)
			}
			if closed&2 != 0 {
				w.emit("additionalProperties", false, k, true)
			}
		}
	}
	w.groupRequired(g, seen, so)
}
