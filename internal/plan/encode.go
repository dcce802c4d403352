package plan

import (
	"encoding/json"
	"fmt"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"slices"
	"strconv"

	"github.com/upsmigrate/upsmigrate/internal/jsonw"
	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// The encoder writes the closed set of types plan data is made of
// (map[string]any, []any, string, bool, json.Number, nil, and the obj and
// arr nodes Build uses) with sorted object keys, byte for byte as encoding/json does with HTML escaping off:
// compact, or indented by two spaces as json.MarshalIndent(v, "", "  ").

// encoder appends plan data. With orders set, it remembers the sorted
// order and the encoded form of the keys of the objects it writes, by key
// set: the objects of successive users have the same keys.
type encoder struct {
	indent bool
	orders *[keyOrders]*keyOrder // nil: sort every object
	tmpls  *[numPhases]tmplSet   // nil: no templates (enctmpl.go)
	// dataAt is where the last operation's data is in what operation
	// returned: [dataAt[0], dataAt[1]) (empty without data).
	dataAt [2]int
	// members is where the value of each member of the last operation's
	// data is within its encoding: a start and an end per member, in the
	// order of the data's members (insertion order); empty when the data
	// was written whole by a template or is not an object.
	members []int32
}

// keyOrder is one remembered key set. It is never modified once made: the
// encoder replaces a slot's entry instead, since an object's keys may be
// evicted by a nested object's while the object is being written, and
// nodes keep the entry they were last written with.
type keyOrder struct {
	keys  []string // in insertion order
	order []int    // indexes of keys in sorted order
	frag  []byte   // per sorted key: '{' (first) or ',', the key quoted, ':'
	fend  []int    // end of each key's fragment in frag
}

const keyOrders = 512

// appendValue appends v; depth is the indentation level of v's line when
// indent is on.
func appendValue(dst []byte, v any, indent bool, depth int) ([]byte, error) {
	e := encoder{indent: indent}
	return e.value(dst, v, depth)
}

func (e *encoder) value(dst []byte, v any, depth int) ([]byte, error) {
	indent := e.indent
	switch x := v.(type) {
	case string:
		return appendString(dst, x), nil
	case *string:
		return appendString(dst, *x), nil
	case *obj:
		return e.obj(dst, x, depth)
	case *arr:
		return e.arr(dst, x, depth)
	case map[string]any:
		return e.object(dst, x, depth)
	case []any:
		return e.array(dst, x, depth)
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case json.Number:
		if !validNumber(string(x)) {
			return dst, fmt.Errorf("invalid number %q", string(x))
		}
		return append(dst, x...), nil
	case nil:
		return append(dst, "null"...), nil
	case []string:
		// Accepted for convenience (schemas lists built by callers).
		if len(x) == 0 {
			return append(dst, "[]"...), nil
		}
		dst = append(dst, '[')
		for i, s := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = newline(dst, indent, depth+1)
			dst = appendString(dst, s)
		}
		dst = newline(dst, indent, depth)
		return append(dst, ']'), nil
	}
	return dst, fmt.Errorf("unsupported type %T in plan data", v)
}

func newline(dst []byte, indent bool, depth int) []byte {
	if !indent {
		return dst
	}
	dst = append(dst, '\n')
	for range depth {
		dst = append(dst, ' ', ' ')
	}
	return dst
}

func (e *encoder) object(dst []byte, m map[string]any, depth int) ([]byte, error) {
	indent := e.indent
	if len(m) == 0 {
		return append(dst, "{}"...), nil
	}
	var buf [24]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	dst = append(dst, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = newline(dst, indent, depth+1)
		dst = appendString(dst, k)
		dst = append(dst, ':')
		if indent {
			dst = append(dst, ' ')
		}
		if dst, err = e.value(dst, m[k], depth+1); err != nil {
			return dst, err
		}
	}
	dst = newline(dst, indent, depth)
	return append(dst, '}'), nil
}

func (e *encoder) obj(dst []byte, o *obj, depth int) ([]byte, error) {
	n := len(o.keys)
	if n == 0 {
		return append(dst, "{}"...), nil
	}
	if e.orders != nil {
		ko := e.orderOf(o)
		var err error
		start := 0
		for i, oi := range ko.order {
			dst, start = e.appendKey(dst, ko, i, start, depth)
			if dst, err = e.member(dst, o.vals[oi], depth+1); err != nil {
				return dst, err
			}
		}
		dst = newline(dst, e.indent, depth)
		return append(dst, '}'), nil
	}
	indent := e.indent
	// Sort an index of the keys (insertion sort: objects are small).
	var buf [32]int
	order := buf[:0]
	if n > len(buf) {
		order = make([]int, 0, n)
	}
	for i := range n {
		j := len(order)
		order = append(order, i)
		for ; j > 0 && o.keys[order[j-1]] > o.keys[i]; j-- {
			order[j] = order[j-1]
		}
		order[j] = i
	}
	dst = append(dst, '{')
	var err error
	for i, oi := range order {
		k := o.keys[oi]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = newline(dst, indent, depth+1)
		dst = appendString(dst, k)
		dst = append(dst, ':')
		if indent {
			dst = append(dst, ' ')
		}
		if dst, err = e.value(dst, o.vals[oi], depth+1); err != nil {
			return dst, err
		}
	}
	dst = newline(dst, indent, depth)
	return append(dst, '}'), nil
}

// member appends a value of a node, trying the node types first.
func (e *encoder) member(dst []byte, v any, depth int) ([]byte, error) {
	if sp, ok := v.(*string); ok {
		return appendString(dst, *sp), nil
	}
	if s, ok := v.(string); ok {
		return appendString(dst, s), nil
	}
	if o, ok := v.(*obj); ok {
		return e.obj(dst, o, depth)
	}
	if a, ok := v.(*arr); ok {
		return e.arr(dst, a, depth)
	}
	if b, ok := v.(bool); ok {
		if b {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	}
	return e.value(dst, v, depth)
}

// arr appends an array node: its remembered encoding when it is a
// constant, else its elements.
func (e *encoder) arr(dst []byte, a *arr, depth int) ([]byte, error) {
	if a.enc != nil && !e.indent {
		return append(dst, a.enc...), nil
	}
	if e.orders == nil {
		return e.array(dst, a.vals, depth)
	}
	if len(a.vals) == 0 {
		return append(dst, "[]"...), nil
	}
	dst = append(dst, '[')
	var err error
	for i, v := range a.vals {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = newline(dst, e.indent, depth+1)
		if dst, err = e.member(dst, v, depth+1); err != nil {
			return dst, err
		}
	}
	dst = newline(dst, e.indent, depth)
	return append(dst, ']'), nil
}

// keyOrder returns the remembered order of keys, computing it on a miss.
// Keys of successive objects usually share their bytes, so they are
// compared by address first.
// orderOf is the order of o's keys, found again when they changed.
func (e *encoder) orderOf(o *obj) *keyOrder {
	ko := o.ko
	if ko == nil || !sameStrings(ko.keys, o.keys) {
		ko = e.keyOrder(o.keys)
		o.ko = ko
	}
	return ko
}

// appendKey appends the i-th key of ko in its order, with what comes
// before it (a comma, the line's indent) and its colon; its fragment
// starts at start, and where it ends is returned.
func (e *encoder) appendKey(dst []byte, ko *keyOrder, i, start, depth int) ([]byte, int) {
	end := ko.fend[i]
	if e.indent {
		dst = append(dst, ko.frag[start])
		dst = newline(dst, true, depth+1)
		dst = append(dst, ko.frag[start+1:end]...)
		dst = append(dst, ' ')
	} else {
		dst = append(dst, ko.frag[start:end]...)
	}
	return dst, end
}

func (e *encoder) keyOrder(keys []string) *keyOrder {
	n := len(keys)
	slot := &e.orders[keySlot(keys)]
	if ko := *slot; ko != nil && sameStrings(ko.keys, keys) {
		return ko
	}
	ko := &keyOrder{keys: append([]string(nil), keys...), order: make([]int, 0, n), fend: make([]int, 0, n)}
	order := ko.order
	for i := range n {
		j := len(order)
		order = append(order, i)
		for ; j > 0 && keys[order[j-1]] > keys[i]; j-- {
			order[j] = order[j-1]
		}
		order[j] = i
	}
	ko.order = order
	for i, oi := range order {
		sep := byte(',')
		if i == 0 {
			sep = '{'
		}
		ko.frag = append(appendString(append(ko.frag, sep), keys[oi]), ':')
		ko.fend = append(ko.fend, len(ko.frag))
	}
	*slot = ko
	return ko
}

// keySlot is the slot of the encoder's remembered orders for keys: a hash
// of the key count and each key's length and last byte.
func keySlot(keys []string) uint32 {
	h := uint32(len(keys))
	for _, k := range keys {
		h = h*0x01000193 ^ uint32(len(k))
		if len(k) > 0 {
			h = h*0x01000193 ^ uint32(k[len(k)-1])
		}
	}
	return (h ^ h>>15) % keyOrders
}

// sameStrings is slices.Equal for key lists, comparing the addresses of
// the strings before their bytes.
func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !model.SameString(a[i], b[i]) {
			return false
		}
	}
	return true
}

func (e *encoder) array(dst []byte, a []any, depth int) ([]byte, error) {
	indent := e.indent
	if len(a) == 0 {
		return append(dst, "[]"...), nil
	}
	dst = append(dst, '[')
	var err error
	for i, v := range a {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = newline(dst, indent, depth+1)
		if dst, err = e.value(dst, v, depth+1); err != nil {
			return dst, err
		}
	}
	dst = newline(dst, indent, depth)
	return append(dst, ']'), nil
}

// sortStrings sorts small key sets by insertion, larger ones with slices.Sort.
func sortStrings(s []string) {
	if len(s) > 12 {
		slices.Sort(s)
		return
	}
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// appendString appends s as a JSON string (jsonw.AppendString).
func appendString(dst []byte, s string) []byte { return jsonw.AppendString(dst, s) }

// validNumber reports whether s is a JSON number (scim.ValidNumber).
func validNumber(s string) bool { return scim.ValidNumber(s) }

// appendOperation appends one bulk operation in scim.BulkOperation field
// order (method, bulkId, path, data) at depth 2 of a request.
func (e *encoder) operation(dst []byte, op *Operation) ([]byte, error) {
	const depth = 2
	indent := e.indent
	if !indent {
		dst = append(dst, `{"method":`...)
	} else {
		dst = append(dst, '{')
		dst = newline(dst, indent, depth+1)
		dst = appendKey(dst, "method", indent)
	}
	dst = appendString(dst, op.Method)
	if op.BulkID != "" {
		dst = e.nextKey(dst, `,"bulkId":`, depth+1)
		dst = appendString(dst, op.BulkID)
	}
	if op.Path != "" {
		dst = e.nextKey(dst, `,"path":`, depth+1)
		dst = appendString(dst, op.Path)
	}
	e.dataAt = [2]int{}
	e.members = e.members[:0]
	if op.data != nil {
		dst = e.nextKey(dst, `,"data":`, depth+1)
		start := len(dst)
		e.dataAt[0] = start
		var err error
		if dst, err = e.data(dst, op.data, op.Phase, depth+1); err != nil {
			return dst, err
		}
		e.dataAt = [2]int{start, len(dst)}
	}
	dst = newline(dst, indent, depth)
	return append(dst, '}'), nil
}

// nextKey appends frag, a comma and a quoted key with its colon, with the
// line break and indentation between them when indenting.
func (e *encoder) nextKey(dst []byte, frag string, depth int) []byte {
	if !e.indent {
		return append(dst, frag...)
	}
	dst = append(dst, ',')
	dst = newline(dst, true, depth)
	dst = append(dst, frag[1:]...)
	return append(dst, ' ')
}

func appendKey(dst []byte, k string, indent bool) []byte {
	dst = appendString(dst, k)
	if indent {
		return append(dst, ':', ' ')
	}
	return append(dst, ':')
}

// requestHead and requestTail frame the encoded operations of a request.
func requestHead(dst []byte, failOnErrors *int, indent bool) []byte {
	dst = append(dst, '{')
	dst = newline(dst, indent, 1)
	dst = appendKey(dst, "schemas", indent)
	dst = append(dst, '[')
	dst = newline(dst, indent, 2)
	dst = appendString(dst, schemaBulkRequest)
	dst = newline(dst, indent, 1)
	dst = append(dst, ']', ',')
	if failOnErrors != nil {
		dst = newline(dst, indent, 1)
		dst = appendKey(dst, "failOnErrors", indent)
		dst = strconv.AppendInt(dst, int64(*failOnErrors), 10)
		dst = append(dst, ',')
	}
	dst = newline(dst, indent, 1)
	dst = appendKey(dst, "Operations", indent)
	dst = append(dst, '[')
	return dst
}

func requestTail(dst []byte, indent bool) []byte {
	dst = newline(dst, indent, 1)
	dst = append(dst, ']')
	dst = newline(dst, indent, 0)
	return append(dst, '}')
}
