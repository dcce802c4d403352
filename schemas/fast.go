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
	loc     string
	boolean int8 // 1 true schema, -1 false schema, 0 object schema

	types     typeMask
	typeParam any

	hasConst   bool
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
	items     *node
	ref       *node
	allOf     []*node
	ifN       *node
	thenN     *node
	elseN     *node
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
	return c.compile(loc)
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
	n := &node{loc: loc, minLen: -1, maxLen: -1, sMin: -1, sMax: -1, minItems: -1, maxItems: -1}
	c.nodes[loc] = n
	if err := c.fill(n, raw); err != nil {
		delete(c.nodes, loc)
		return nil, err
	}
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
			if n.props[name], err = c.sub(n, "/properties/"+escapeToken(name)); err != nil {
				return err
			}
		}
	}
	if ps, ok := x["properties"].(map[string]any); ok {
		n.sprops = map[string]*node{}
		for _, name := range sortedKeys(ps) {
			if _, dup := n.props[name]; dup {
				return fmt.Errorf("schemas: %s: %s may only add properties, %q exists", n.loc, strictKey, name)
			}
			if n.sprops[name], err = c.sub(n, "/"+strictKey+"/properties/"+escapeToken(name)); err != nil {
				return err
			}
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
	}
	if r, ok := s["$ref"].(string); ok {
		if n.ref, err = c.compile(resolveRef(n.loc, r)); err != nil {
			return err
		}
	}
	for i := range asList(s["allOf"]) {
		sn, err := c.sub(n, "/allOf/"+strconv.Itoa(i))
		if err != nil {
			return err
		}
		n.allOf = append(n.allOf, sn)
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
		}
		if _, ok := s["else"]; ok {
			if n.elseN, err = c.sub(n, "/else"); err != nil {
				return err
			}
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
func (w *walker) check(n *node, v any, so bool) {
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
	if n.hasConst && !equalJSON(v, n.constVal) {
		w.emit("const", n.constParam, v, so)
	}
	if n.enumK.has || n.enumK.hasStrict {
		w.keyword(&n.enumK, "enum", v, so,
			func() bool { return inEnum(n.enum, v) },
			func() bool { return inEnum(n.senum, v) })
	}
	switch x := v.(type) {
	case string:
		w.checkString(n, x, v, so)
	case *string:
		if x != nil {
			w.checkString(n, *x, v, so)
		}
	case map[string]any:
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
		if n.props != nil || n.sprops != nil || n.closed != open {
			for k, pv := range x {
				w.member(n, k, pv, so)
			}
		}
	case []any:
		w.checkLen(n, len(x), v, so)
		if n.items != nil {
			for i, el := range x {
				w.path = append(w.path, pathTok{idx: i})
				w.check(n.items, el, so)
				w.path = w.path[:len(w.path)-1]
			}
		}
	case Object:
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
		if n.props != nil || n.sprops != nil || n.closed != open {
			for i := range x.Len() {
				w.member(n, x.KeyAt(i), x.ValueAt(i), so)
			}
		}
	case Array:
		l := x.Len()
		w.checkLen(n, l, v, so)
		if n.items != nil {
			for i := range l {
				w.path = append(w.path, pathTok{idx: i})
				w.check(n.items, x.Index(i), so)
				w.path = w.path[:len(w.path)-1]
			}
		}
	}
	if n.ref != nil {
		w.check(n.ref, v, so)
	}
	for _, s := range n.allOf {
		w.check(s, v, so)
	}
	if n.ifN != nil {
		if w.valid(n.ifN, v) {
			if n.thenN != nil {
				w.check(n.thenN, v, so)
			}
		} else if n.elseN != nil {
			w.check(n.elseN, v, so)
		}
	}
}

// checkString runs the string keywords on s, the string v holds.
func (w *walker) checkString(n *node, s string, v any, so bool) {
	if n.formatK.has || n.formatK.hasStrict {
		w.keyword(&n.formatK, "format", v, so,
			func() bool { return n.format.check(s) },
			func() bool { return n.sformat.check(s) })
	}
	if n.minLenK.has || n.minLenK.hasStrict || n.maxLenK.has || n.maxLenK.hasStrict {
		l := utf8.RuneCountInString(s)
		w.keyword(&n.minLenK, "minLength", v, so,
			func() bool { return l >= n.minLen },
			func() bool { return l >= n.sMin })
		w.keyword(&n.maxLenK, "maxLength", v, so,
			func() bool { return l <= n.maxLen },
			func() bool { return l <= n.sMax })
	}
	if n.patternK.has || n.patternK.hasStrict {
		w.keyword(&n.patternK, "pattern", v, so,
			func() bool { return n.pattern.MatchString(s) },
			func() bool { return n.spattern.MatchString(s) })
	}
}

// member checks the member k of an object against n's properties.
func (w *walker) member(n *node, k string, pv any, so bool) {
	if p, ok := n.props[k]; ok {
		w.path = append(w.path, pathTok{key: k, idx: -1})
		w.check(p, pv, so)
		w.path = w.path[:len(w.path)-1]
	} else if p, ok := n.sprops[k]; ok {
		w.path = append(w.path, pathTok{key: k, idx: -1})
		w.check(p, pv, true)
		w.path = w.path[:len(w.path)-1]
	} else if n.closed != open {
		w.emit("additionalProperties", false, k, so || n.closed == closedQuiet)
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

// keyword runs a keyword that x-strict may override: in strict mode the
// override replaces the base check; in default mode the base check gives
// errors and the override, when the base passes, warnings.
func (w *walker) keyword(k *strCheck, kw string, v any, so bool, base, strict func() bool) {
	if w.strict && k.hasStrict {
		if !strict() {
			w.emit(kw, k.strictParam, v, true)
		}
		return
	}
	if k.has && !base() {
		w.emit(kw, k.param, v, so)
		return
	}
	if k.hasStrict && !strict() {
		w.emit(kw, k.strictParam, v, true)
	}
}

// valid reports whether v passes n (used for "if"; such schemas do not
// depend on the mode).
func (w *walker) valid(n *node, v any) bool {
	silent, failed, path := w.silent, w.failed, len(w.path)
	w.silent, w.failed = true, false
	w.check(n, v, false)
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
	w.check(n, v, false)
	out = w.out
	w.out = nil
	walkerPool.Put(w)
	return out
}
