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
// bool and nil. It is several times faster than decodeJSON and cuts the
// nodes from arenas (a set from a pool, kept with the tree) instead of
// allocating a value per node.
//
// It parses plain JSON itself and hands anything else (an error, deep
// nesting, an object of more than maxTreeMembers members) to decodeJSON,
// the reference, so that errors and edge cases are exactly
// encoding/json's; strings with escapes or invalid UTF-8 are decoded by
// encoding/json one by one. A differential test and a fuzz target hold
// plainValue of the tree equal to decodeJSON's result.
func decodeDoc(data []byte) (any, error) {
	doc, _, err := decodeDocReused(data, false) // the arenas stay with the tree
	return doc, err
}

// errFallback says the fast parser leaves a document to decodeJSON.
var errFallback = errors.New("schemas: left to encoding/json")

// maxFastDepth is the nesting the fast parser follows.
const maxFastDepth = 256

// maxTreeMembers bounds an object's members: duplicate keys (the last
// wins, as in encoding/json) are found by a linear scan.
const maxTreeMembers = 64

type fastJSON struct {
	set  *arenaSet // where the arenas come from, when reused
	s    string
	i    int
	err  error
	need demand // what the document took of the arenas

	// The arenas the tree's nodes are cut from (what is left of them),
	// and the members and elements of the containers being read.
	arenaSet
}

// demand counts what a document takes of the arenas, so that the set
// gives the next document room for as much.
type demand struct{ objs, arrs, members, elements, strs int }

// arenas takes the arenas from p.set. A document that needs more than
// they hold takes the rest from the heap; the set grows for the next one
// (put).
func (p *fastJSON) arenas() {
	a := p.set
	p.arenaSet = arenaSet{objs: a.objs[:cap(a.objs)], arrs: a.arrs[:cap(a.arrs)], keys: a.keys[:cap(a.keys)],
		vals: a.vals[:cap(a.vals)], elems: a.elems[:cap(a.elems)], strs: a.strs[:cap(a.strs)],
		sk: a.sk[:0], sv: a.sv[:0], se: a.se[:0]}
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
	// The members and elements of the open containers: a container's are
	// cut from the arenas, as many as it has, once it closes.
	sk   []string
	sv   []any
	se   []any
	need demand // the last document's
}

var arenaSets = sync.Pool{New: func() any { return new(arenaSet) }}

// put clears the arenas (the tree cut from them must no longer be used)
// and keeps them for the next document.
func (a *arenaSet) put() {
	n := a.need // what the document took comes first in each arena
	clear(a.objs[:min(n.objs, cap(a.objs))])
	clear(a.arrs[:min(n.arrs, cap(a.arrs))])
	clear(a.keys[:min(n.members, cap(a.keys))])
	clear(a.vals[:min(n.members, cap(a.vals))])
	clear(a.elems[:min(n.elements, cap(a.elems))])
	clear(a.strs[:min(n.strs, cap(a.strs))])
	clear(a.sv[:cap(a.sv)])
	clear(a.se[:cap(a.se)])
	a.objs, a.arrs = room(a.objs, a.need.objs), room(a.arrs, a.need.arrs)
	a.keys, a.vals = room(a.keys, a.need.members), room(a.vals, a.need.members)
	a.elems, a.strs = room(a.elems, a.need.elements), room(a.strs, a.need.strs)
	arenaSets.Put(a)
}

// room is s, or a larger one when n do not fit: a quarter more than n.
func room[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s
	}
	return make([]T, n+n/4)
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
	set.sk, set.sv, set.se, set.need = p.sk[:0], p.sv[:0], p.se[:0], p.need
	if p.err != nil || p.i != len(p.s) {
		set.put()
		doc, err = decodeJSON(data)
		return doc, func() {}, err
	}
	return v, set.put, nil
}

// arenaChunk is how many elements an arena that runs out takes more.
const arenaChunk = 512

// take returns the arena's next element; an arena used up gets a chunk
// more.
func take[T any](arena *[]T) *T {
	if len(*arena) == 0 {
		*arena = make([]T, arenaChunk)
	}
	v := &(*arena)[0]
	*arena = (*arena)[1:]
	return v
}

// cutCopy returns src's elements in room cut from the arena; an arena
// with too little left gets a chunk more.
func cutCopy[T any](arena *[]T, src []T) []T {
	n := len(src)
	if n > len(*arena) {
		*arena = make([]T, max(n, arenaChunk))
	}
	dst := (*arena)[:n:n]
	*arena = (*arena)[n:]
	copy(dst, src)
	return dst
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
		p.need.strs++
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
	o := take(&p.objs)
	p.need.objs++
	start := len(p.sk)
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		o.keys, o.vals = cutCopy(&p.keys, p.sk[:0]), cutCopy(&p.vals, p.sv[:0])
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
		p.member(start, k, p.value(depth+1))
		if len(p.sk)-start > maxTreeMembers {
			p.fail()
		}
		if !p.next('}') {
			break
		}
	}
	o.keys, o.vals = cutCopy(&p.keys, p.sk[start:]), cutCopy(&p.vals, p.sv[start:])
	p.need.members += len(o.keys)
	p.sk, p.sv = p.sk[:start], p.sv[:start]
	return o
}

// member adds a member to the object whose members begin at start: a
// duplicate key takes the last value, as in encoding/json.
func (p *fastJSON) member(start int, key string, v any) {
	for i := start; i < len(p.sk); i++ {
		if p.sk[i] == key {
			p.sv[i] = v
			return
		}
	}
	p.sk = append(p.sk, key)
	p.sv = append(p.sv, v)
}

func (p *fastJSON) array(depth int) any {
	p.i++ // [
	a := take(&p.arrs)
	p.need.arrs++
	start := len(p.se)
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		a.elems = cutCopy(&p.elems, p.se[:0])
		return a
	}
	for p.err == nil {
		v := p.value(depth + 1)
		p.se = append(p.se, v)
		if !p.next(']') {
			break
		}
	}
	a.elems = cutCopy(&p.elems, p.se[start:])
	p.need.elements += len(a.elems)
	p.se = p.se[:start]
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
		plain, ascii := scanPlain(seg)
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
