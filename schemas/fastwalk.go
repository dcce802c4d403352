package schemas

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

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
	memo   [][]memoEnt // per group id: see memoRow
	mc     *memberCtx  // the data's encoding, for the member memo
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
	if v == trustedData { // data the memo found valid (opmemo.go)
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
						if n.items.leaf && w.leafOK(n.items, el) {
							continue
						}
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
					var els []any
					if e, ok := x.(Elements); ok {
						els = e.Elements()
					}
					for i := range l {
						var el any
						if els != nil {
							el = els[i]
						} else {
							el = x.Index(i)
						}
						if n.items.leaf && w.leafOK(n.items, el) {
							continue
						}
						w.path = append(w.path, pathTok{idx: i})
						w.check(n.items, el, so, false)
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
	base, strict := w.enumPasses(n, v)
	w.keyword(&n.enumK, "enum", v, so, base, strict)
}

// The passes functions run a keyword's base and strict-only checks, each
// only when the mode needs it (the base one unless strict mode overrides
// it, the strict one in strict mode or when the base passes); a check not
// run passes.

func (w *walker) enumPasses(n *node, v any) (base, strict bool) {
	k := &n.enumK
	base, strict = true, true
	if k.has && !(w.strict && k.hasStrict) {
		base = inSet(n.enumSet, n.enum, v)
	}
	if k.hasStrict && (w.strict || base) {
		strict = inSet(n.senumSet, n.senum, v)
	}
	return base, strict
}

func (w *walker) formatPasses(n *node, s string) (base, strict bool) {
	k := &n.formatK
	base, strict = true, true
	if k.has && !(w.strict && k.hasStrict) {
		base = n.format.check(s)
	}
	if k.hasStrict && (w.strict || base) {
		strict = n.sformat.check(s)
	}
	return base, strict
}

func (w *walker) patternPasses(n *node, s string) (base, strict bool) {
	k := &n.patternK
	base, strict = true, true
	if k.has && !(w.strict && k.hasStrict) {
		base = n.pattern.MatchString(s)
	}
	if k.hasStrict && (w.strict || base) {
		strict = n.spattern.MatchString(s)
	}
	return base, strict
}

// checkString runs the string keywords on s, the string v holds.
func (w *walker) checkString(n *node, s string, v any, so bool) {
	if k := &n.formatK; k.has || k.hasStrict {
		base, strict := w.formatPasses(n, s)
		w.keyword(k, "format", v, so, base, strict)
	}
	if n.minLenK.has || n.minLenK.hasStrict || n.maxLenK.has || n.maxLenK.hasStrict {
		l := utf8.RuneCountInString(s)
		w.keyword(&n.minLenK, "minLength", v, so, l >= n.minLen, l >= n.sMin)
		w.keyword(&n.maxLenK, "maxLength", v, so, l <= n.maxLen, l <= n.sMax)
	}
	if k := &n.patternK; k.has || k.hasStrict {
		base, strict := w.patternPasses(n, s)
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
	if n.cond != nil {
		return w.condOK(n.cond, v)
	}
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
