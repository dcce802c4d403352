package schemas

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// decodeDoc decodes a document to validate: what decodeJSON gives, as a
// tree the validators read alike (values.go): objects are Object, arrays
// Array, strings *string, numbers json.Number, and true, false and null
// bool and nil. It is several times faster than decodeJSON and allocates
// a few arenas per document instead of a value per node.
//
// It parses plain JSON itself and hands anything else (an error, deep
// nesting, an object of more than maxTreeMembers members) to decodeJSON,
// the reference, so that errors and edge cases are exactly
// encoding/json's; strings with escapes or invalid UTF-8 are decoded by
// encoding/json one by one. A differential test and a fuzz target hold
// plainValue of the tree equal to decodeJSON's result.
func decodeDoc(data []byte) (any, error) {
	// One string copy: the strings and numbers decoded are substrings of it.
	p := fastJSON{s: string(data)}
	p.arenas()
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

// maxTreeMembers bounds an object's members: duplicate keys (the last
// wins, as in encoding/json) are found by a linear scan.
const maxTreeMembers = 64

type fastJSON struct {
	set   *arenaSet // where the arenas come from, when reused
	s     string
	i     int
	err   error
	shape docShape
	k     int // the next container's index in shape.sizes

	// The arenas the tree's nodes are cut from, sized by shape (what is
	// left of them).
	arenaSet
}

// arenas scans the document's shape and allocates the arenas, or takes
// them from p.set.
func (p *fastJSON) arenas() {
	var sizes []int32
	if p.set != nil {
		sizes = p.set.sizes[:0]
	}
	p.shape = shapeOf(p.s, sizes)
	sh := &p.shape
	if a := p.set; a != nil {
		a.sizes = sh.sizes
		a.objs, a.arrs = sized(a.objs, sh.objects), sized(a.arrs, sh.arrays)
		a.keys, a.vals = sized(a.keys, sh.members), sized(a.vals, sh.members)
		a.elems, a.strs = sized(a.elems, sh.elements), sized(a.strs, sh.strings)
		p.arenaSet = *a
		return
	}
	p.arenaSet = arenaSet{objs: make([]treeObject, sh.objects), arrs: make([]treeArray, sh.arrays),
		keys: make([]string, sh.members), vals: make([]any, sh.members),
		elems: make([]any, sh.elements), strs: make([]string, sh.strings)}
}

// sized is s with length n, reallocated when too small.
func sized[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// arenaSet is the arenas of one document; a pooled one serves the next
// document once released: validate decodes thousands of bulk files of one
// shape, and allocating their arenas anew cost more than parsing them.
type arenaSet struct {
	objs  []treeObject
	arrs  []treeArray
	keys  []string
	vals  []any
	elems []any
	strs  []string
	sizes []int32 // shapeOf's, reused
}

var arenaSets = sync.Pool{New: func() any { return new(arenaSet) }}

// put clears the arenas (the tree cut from them must no longer be used)
// and keeps them for the next document.
func (a *arenaSet) put() {
	clear(a.objs)
	clear(a.arrs)
	clear(a.keys)
	clear(a.vals)
	clear(a.elems)
	clear(a.strs)
	arenaSets.Put(a)
}

// decodeDocReused is decodeDoc with arenas from the pool: release gives
// them back once the document is no longer used. With owned, data is the
// caller's to give: never modified after, so the tree's strings are cut
// from it without the copy.
func decodeDocReused(data []byte, owned bool) (doc any, release func(), err error) {
	set := arenaSets.Get().(*arenaSet)
	text := ""
	switch {
	case owned && len(data) > 0:
		text = unsafe.String(&data[0], len(data))
	default:
		text = string(data)
	}
	p := fastJSON{s: text, set: set}
	p.arenas()
	v := p.value(0)
	p.ws()
	if p.err != nil || p.i != len(p.s) {
		set.put()
		doc, err = decodeJSON(data)
		return doc, func() {}, err
	}
	return v, set.put, nil
}

// take returns the arena's next element, a new one when it is used up.
func take[T any](arena *[]T) *T {
	if len(*arena) == 0 {
		return new(T)
	}
	v := &(*arena)[0]
	*arena = (*arena)[1:]
	return v
}

// cut returns room for n elements from the arena (nil, to grow by
// append, when it has fewer left).
func cut[T any](arena *[]T, n int) []T {
	if n > len(*arena) {
		return nil
	}
	s := (*arena)[:0:n]
	*arena = (*arena)[n:]
	return s
}

// size is the member or element count shapeOf found for the container
// that opens at p.i.
func (p *fastJSON) size() int {
	if p.k >= len(p.shape.sizes) {
		return 0
	}
	p.k++
	return int(p.shape.sizes[p.k-1])
}

// docShape is what one scan of a document finds: for each object and
// array in the order they open, how many members or elements it holds,
// and the totals. They only size the arenas: a damaged document gives
// wrong counts, never an error.
type docShape struct {
	sizes                      []int32
	objects, arrays            int
	members, elements, strings int
}

// shapeOf scans s once; sizes is where the container sizes go (reused).
func shapeOf(s string, sizes []int32) docShape {
	type open struct {
		at     int
		object bool
		seen   bool
	}
	sh := docShape{sizes: sizes}
	stack := make([]open, 0, 16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', '\n', '\r', ':':
			continue
		case ',':
			if n := len(stack); n > 0 {
				sh.sizes[stack[n-1].at]++
			}
			continue
		case '}', ']':
			if n := len(stack); n > 0 {
				o := stack[n-1]
				if o.object {
					sh.members += int(sh.sizes[o.at])
				} else {
					sh.elements += int(sh.sizes[o.at])
				}
				stack = stack[:n-1]
			}
			continue
		}
		if n := len(stack); n > 0 && !stack[n-1].seen {
			stack[n-1].seen = true
			sh.sizes[stack[n-1].at]++
		}
		switch c {
		case '{', '[':
			stack = append(stack, open{at: len(sh.sizes), object: c == '{'})
			sh.sizes = append(sh.sizes, 0)
			if c == '{' {
				sh.objects++
			} else {
				sh.arrays++
			}
		case '"':
			i = stringEnd(s, i)
			sh.strings++
		}
	}
	return sh
}

// stringEnd is the index of the quote that closes the string opening at
// s[i] (len(s) when none does).
func stringEnd(s string, i int) int {
	i++
	if j := strings.IndexByte(s[i:], '"'); j >= 0 && strings.IndexByte(s[i:i+j], '\\') < 0 {
		return i + j
	}
	for ; i < len(s) && s[i] != '"'; i++ {
		if s[i] == '\\' {
			i++
		}
	}
	return min(i, len(s))
}

// treeObject is a decoded object: Object over its members in document
// order, each key once.
type treeObject struct {
	keys []string
	vals []any
}

func (o *treeObject) Len() int           { return len(o.keys) }
func (o *treeObject) KeyAt(i int) string { return o.keys[i] }
func (o *treeObject) ValueAt(i int) any  { return o.vals[i] }

func (o *treeObject) Lookup(key string) (any, bool) {
	for i, k := range o.keys {
		if k == key {
			return o.vals[i], true
		}
	}
	return nil, false
}

// put sets a member, replacing an earlier one of the same key.
func (o *treeObject) put(key string, v any) {
	for i, k := range o.keys {
		if k == key {
			o.vals[i] = v
			return
		}
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
}

// treeArray is a decoded array.
type treeArray struct{ elems []any }

func (a *treeArray) Len() int        { return len(a.elems) }
func (a *treeArray) Index(i int) any { return a.elems[i] }

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
		v := take(&p.strs)
		*v = p.str()
		return v
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
	if len(p.s)-p.i < len(word) || p.s[p.i:p.i+len(word)] != word {
		p.fail()
		return nil
	}
	p.i += len(word)
	return v
}

func (p *fastJSON) object(depth int) any {
	p.i++ // {
	n := p.size()
	if n > maxTreeMembers {
		p.fail()
		return nil
	}
	o := take(&p.objs)
	o.keys, o.vals = cut(&p.keys, n), cut(&p.vals, n)
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return o
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
		o.put(k, p.value(depth+1))
		if len(o.keys) > maxTreeMembers {
			p.fail()
		}
		if !p.next('}') {
			break
		}
	}
	return o
}

func (p *fastJSON) array(depth int) any {
	p.i++ // [
	n := p.size()
	a := take(&p.arrs)
	a.elems = cut(&p.elems, n)
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return a
	}
	for p.err == nil {
		a.elems = append(a.elems, p.value(depth+1))
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

// str reads a string. A plain one (no escape, no control character,
// valid UTF-8) is a substring of the document; others are decoded by
// encoding/json (its handling of escapes, invalid UTF-8 and surrogates).
func (p *fastJSON) str() string {
	start := p.i + 1
	if j := strings.IndexByte(p.s[start:], '"'); j >= 0 {
		seg := p.s[start : start+j]
		plain, ascii := true, true
		for k := 0; k < len(seg); k++ {
			switch c := seg[k]; {
			case c < 0x20 || c == '\\':
				plain = false
			case c >= utf8.RuneSelf:
				ascii = false
			}
			if !plain {
				break
			}
		}
		if plain && (ascii || utf8.ValidString(seg)) {
			p.i = start + j + 1
			return seg
		}
	}
	return p.escapedStr()
}

// escapedStr reads the string str could not take as it is.
func (p *fastJSON) escapedStr() string {
	start := p.i
	p.i++ // "
	plain, ascii := true, true
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			s := p.s[start+1 : p.i-1]
			if plain && (ascii || utf8.ValidString(s)) {
				return s
			}
			var u string // not s: taking its address would move every s to the heap
			if err := json.Unmarshal([]byte(p.s[start:p.i]), &u); err != nil {
				p.fail()
				return ""
			}
			return u
		case c == '\\':
			plain = false
			p.i += 2
			continue
		case c < 0x20:
			p.fail()
			return ""
		case c >= utf8.RuneSelf:
			ascii = false
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
	if n := p.i - start; n <= smallDigits && p.s[start] != '-' {
		if v, ok := smallNumber(p.s[start:p.i]); ok {
			return v
		}
	}
	return json.Number(p.s[start:p.i])
}

// smallDigits is the length of the numbers smallNumber has boxed.
const smallDigits = 5

// smallNumbers are the integers 0 to 99,999 boxed as json.Number: plan
// lines are mostly such numbers (sites, lines), and boxing each anew
// cost a tenth of validate.
var smallNumbers = sync.OnceValue(func() []any {
	t := make([]any, 100000)
	for i := range t {
		t[i] = json.Number(strconv.Itoa(i))
	}
	return t
})

// smallNumber is the boxed json.Number of s when s is an integer below
// 100,000 written without leading zeros (the form strconv.Itoa writes).
func smallNumber(s string) (any, bool) {
	if len(s) > 1 && s[0] == '0' {
		return nil, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return nil, false
		}
		n = n*10 + int(c-'0')
	}
	return smallNumbers()[n], true
}

// digits reads one or more digits; false when there is none.
func (p *fastJSON) digits() bool {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}
