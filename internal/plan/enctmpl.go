package plan

import (
	"github.com/upsmigrate/upsmigrate/internal/model"
	"slices"
	"unsafe"
)

// Encoding templates. The data trees a builder encodes for successive
// users usually have the same structure: the same nodes (the remembered
// body, replayed; arena nodes handed out in the same order), with the same
// keys, differing in their scalar values only. A template is what the
// encoder writes for a tree less those values: constant bytes (braces,
// sorted keys, constant strings, indentation) with the places of the
// values in between. Encoding a tree of the same structure copies the
// bytes and appends the values, instead of walking and sorting again.
//
// A builder keeps, per phase, templates of the last whole trees and per
// member key of the root ("name", an extension URN), a few of each
// (tmplSlot): bodies that differ somewhere (an optional value left blank,
// other roles) still have most of their members as before, and a feed
// whose trees alternate between a few structures finds each one's.
//
// The template holds what must be true of a tree for it to apply (checks):
// every node at its place, with its keys or length, and every string folded
// into the bytes unchanged. The keys of an object are compared only when
// its generation (obj.gen, changed by every change of its keys) is not the
// one they were last compared at. They are tested before anything is written; a
// tree that fails them is compiled again. encoder.obj and encoder.arr are
// the reference: a template writes what they write (enctmpl_test.go).

// encTemplates turns templates on; tests compare with them off.
var encTemplates = true

// encTmpl is the template of one tree (an *obj or *arr), for one depth.
type encTmpl struct {
	root   any // an *obj or *arr; nil: none
	depth  int
	lits   []byte   // the constant bytes
	checks []tcheck // in preorder: a node is checked before its members
	leaves []tleaf  // the values, in the order they are written
	vary   []tloc   // places whose strings changed: values, not constants
	used   int      // trees written by way of the template since compiled
}

// tloc is the place of a value: member or element i of a node.
type tloc struct {
	vals *[]any // &node.vals; nil: the root
	i    int
}

// Kinds of check.
const (
	chkObj = iota // an *obj with keys
	chkArr        // an *arr of n elements
	chkEnc        // an *arr written as its enc (compact)
	chkStr        // a string written into lits
)

type tcheck struct {
	tloc
	kind int
	ptr  unsafe.Pointer // the node, or the string's bytes
	enc  unsafe.Pointer // chkEnc: the bytes of arr.enc
	n    int            // elements, or bytes of the string or enc
	keys []string       // chkObj: the keys in insertion order (a keyOrder's copy)
	gen  uint64         // chkObj: obj.gen when keys were last compared
}

// tleaf is a value written between lits[:end] and what follows.
type tleaf struct {
	tloc
	end   int
	depth int
}

func (l *tloc) get(root any) any {
	if l.vals == nil {
		return root
	}
	return (*l.vals)[l.i]
}

// match reports whether root has the structure of the template; when it
// fails on a string, vary says where.
func (t *encTmpl) match(root any, indent bool) (ok bool, vary *tloc) {
	if t.root != root {
		return false, nil
	}
	for k := range t.checks {
		c := &t.checks[k]
		v := c.get(root)
		switch c.kind {
		case chkObj:
			o, ok := v.(*obj)
			if !ok || unsafe.Pointer(o) != c.ptr || len(o.vals) != c.n {
				return false, nil
			}
			if o.gen != c.gen { // keys changed: maybe back to the same
				if !sameStrings(o.keys, c.keys) {
					return false, nil
				}
				c.gen = o.gen
			}
		case chkArr:
			a, ok := v.(*arr)
			if !ok || unsafe.Pointer(a) != c.ptr || len(a.vals) != c.n || (!indent && a.enc != nil) {
				return false, nil
			}
		case chkEnc:
			a, ok := v.(*arr)
			if !ok || unsafe.Pointer(a) != c.ptr || unsafe.Pointer(unsafe.SliceData(a.enc)) != c.enc || len(a.enc) != c.n {
				return false, nil
			}
		case chkStr:
			s, ok := v.(string)
			if !ok || unsafe.Pointer(unsafe.StringData(s)) != c.ptr || len(s) != c.n {
				if ok {
					return false, &c.tloc
				}
				return false, nil
			}
		}
	}
	return true, nil
}

// compile makes t the template of root written at depth.
func (t *encTmpl) compile(e *encoder, root any, depth int) {
	if t.root != root {
		t.vary = t.vary[:0]
	}
	t.root, t.depth = root, depth
	t.lits, t.checks, t.leaves = t.lits[:0], t.checks[:0], t.leaves[:0]
	t.value(e, tloc{}, root, depth)
}

func (t *encTmpl) varies(l tloc) bool {
	for _, v := range t.vary {
		if v == l {
			return true
		}
	}
	return false
}

// value compiles v, found at l: encoder.member.
func (t *encTmpl) value(e *encoder, l tloc, v any, depth int) {
	switch x := v.(type) {
	case *obj:
		c := tcheck{tloc: l, kind: chkObj, ptr: unsafe.Pointer(x), n: len(x.vals), gen: x.gen}
		ci := len(t.checks)
		t.checks = append(t.checks, c)
		t.checks[ci].keys = t.obj(e, x, depth)
		return
	case *arr:
		if x.enc != nil && !e.indent {
			t.checks = append(t.checks, tcheck{tloc: l, kind: chkEnc, ptr: unsafe.Pointer(x),
				enc: unsafe.Pointer(unsafe.SliceData(x.enc)), n: len(x.enc)})
			t.lits = append(t.lits, x.enc...)
			return
		}
		t.checks = append(t.checks, tcheck{tloc: l, kind: chkArr, ptr: unsafe.Pointer(x), n: len(x.vals)})
		t.arr(e, x, depth)
		return
	case string:
		if !t.varies(l) {
			t.checks = append(t.checks, tcheck{tloc: l, kind: chkStr, ptr: unsafe.Pointer(unsafe.StringData(x)), n: len(x)})
			t.lits = appendString(t.lits, x)
			return
		}
	}
	t.leaves = append(t.leaves, tleaf{tloc: l, end: len(t.lits), depth: depth})
}

// obj compiles o (encoder.obj) and returns its keys.
func (t *encTmpl) obj(e *encoder, o *obj, depth int) []string {
	if len(o.keys) == 0 {
		t.lits = append(t.lits, "{}"...)
		return nil
	}
	ko := e.orderOf(o)
	start := 0
	for i, oi := range ko.order {
		end := ko.fend[i]
		if e.indent {
			t.lits = append(t.lits, ko.frag[start])
			t.lits = newline(t.lits, true, depth+1)
			t.lits = append(t.lits, ko.frag[start+1:end]...)
			t.lits = append(t.lits, ' ')
		} else {
			t.lits = append(t.lits, ko.frag[start:end]...)
		}
		start = end
		t.value(e, tloc{&o.vals, oi}, o.vals[oi], depth+1)
	}
	t.lits = newline(t.lits, e.indent, depth)
	t.lits = append(t.lits, '}')
	return ko.keys
}

// arr compiles an array written element by element (encoder.arr).
func (t *encTmpl) arr(e *encoder, a *arr, depth int) {
	if len(a.vals) == 0 {
		t.lits = append(t.lits, "[]"...)
		return
	}
	t.lits = append(t.lits, '[')
	for i, v := range a.vals {
		if i > 0 {
			t.lits = append(t.lits, ',')
		}
		t.lits = newline(t.lits, e.indent, depth+1)
		t.value(e, tloc{&a.vals, i}, v, depth+1)
	}
	t.lits = newline(t.lits, e.indent, depth)
	t.lits = append(t.lits, ']')
}

// write appends the tree the template was compiled from, or matched,
// with its current values. It fails (false, dst unchanged) when a value
// is a node: the tree no longer has the template's structure.
func (t *encTmpl) write(dst []byte, e *encoder) ([]byte, bool, error) {
	n0 := len(dst)
	start := 0
	var err error
	for k := range t.leaves {
		l := &t.leaves[k]
		dst = append(dst, t.lits[start:l.end]...)
		start = l.end
		switch x := (*l.vals)[l.i].(type) {
		case *string:
			dst = appendString(dst, *x)
		case string:
			dst = appendString(dst, x)
		case bool:
			if x {
				dst = append(dst, "true"...)
			} else {
				dst = append(dst, "false"...)
			}
		case *obj, *arr:
			return dst[:n0], false, nil
		default:
			if dst, err = e.value(dst, x, l.depth); err != nil {
				return dst, true, err
			}
		}
	}
	return append(dst, t.lits[start:]...), true, nil
}

// maxSkip bounds the misses encoded without compiling in a row.
const maxSkip = 15

// maxVary bounds the places a template takes for values after their
// strings changed.
const maxVary = 32

// data appends the data of an operation of phase at depth. With
// templates (encoder.tmpls), an *obj is written by way of the phase's
// template for whole trees when it has its structure; otherwise as
// encoder.obj writes it, each member that is a node by way of the phase's
// template for that member's key: the members of the bodies of successive
// users often have the structure of the last even when the bodies do not.
// Without templates, data is written by encoder.member.
func (e *encoder) data(dst []byte, data any, phase, depth int) ([]byte, error) {
	o, ok := data.(*obj)
	if !ok || e.tmpls == nil || phase < 0 || phase >= len(e.tmpls) {
		return e.member(dst, data, depth)
	}
	tm := &e.tmpls[phase]
	if out, ok, err := tm.whole.write(dst, e, o, depth); ok {
		return out, err
	}
	n := len(o.keys)
	if n == 0 {
		return append(dst, "{}"...), nil
	}
	ko := e.orderOf(o)
	var err error
	start := 0
	spans := slices.Grow(e.members[:0], 2*n)[:2*n]
	for i, oi := range ko.order {
		dst, start = e.appendKey(dst, ko, i, start, depth)
		at := len(dst)
		switch v := o.vals[oi].(type) {
		case *obj, *arr:
			dst, err = e.sub(dst, tm.of(o.keys[oi]), v, depth+1)
		default:
			dst, err = e.member(dst, v, depth+1)
		}
		if err != nil {
			return dst, err
		}
		spans[2*oi], spans[2*oi+1] = int32(at-e.dataAt[0]), int32(len(dst)-e.dataAt[0])
	}
	e.members = spans
	dst = newline(dst, e.indent, depth)
	return append(dst, '}'), nil
}

// tmplSet is the templates of one phase: for whole trees, and by member
// key for the members of trees that do not match the first.
type tmplSet struct {
	whole tmplSlot
	keys  []string
	tmpls []*tmplSlot
}

// maxTmpls bounds the templates of a phase.
const maxTmpls = 64

// of returns the templates for the member key.
func (s *tmplSet) of(key string) *tmplSlot {
	for i, k := range s.keys {
		if model.SameString(k, key) {
			return s.tmpls[i]
		}
	}
	if len(s.keys) == maxTmpls {
		s.keys, s.tmpls = s.keys[:0], s.tmpls[:0]
	}
	t := new(tmplSlot)
	s.keys, s.tmpls = append(s.keys, key), append(s.tmpls, t)
	return t
}

// tmplWays is how many templates a slot keeps. The trees of a feed
// often alternate between a few structures (approvers of every kind for
// some employees, a secondary one for the others): a single template
// compiled again at each change of structure was compiled twice for
// each tree of the rarer one, and made a convert of such a feed half as
// slow again.
const tmplWays = 4

// tmplSlot is the templates of one place (a phase's whole trees, or a
// member key's), the one written by last first. Trees whose structure
// changes from one user to the next would be compiled for nothing:
// after a template that went unused, the next misses are not compiled,
// twice as many each time, up to maxSkip.
type tmplSlot struct {
	ways   [tmplWays]encTmpl
	order  [tmplWays]uint8 // indexes of ways, the most recently used first
	skip   int             // misses to encode without compiling
	missed int             // misses since the last compile
	init   bool            // order is set
}

// write appends v by way of one of s's templates, compiling one for v
// when none has its structure and s is not backing off; false: v is to
// be encoded without.
func (s *tmplSlot) write(dst []byte, e *encoder, v any, depth int) ([]byte, bool, error) {
	if !s.init {
		for i := range s.order {
			s.order[i] = uint8(i)
		}
		s.init = true
	}
	victim := tmplWays - 1 // the least recently used, or the one v fits but for strings
	for i, w := range s.order {
		t := &s.ways[w]
		if t.root == nil {
			victim = i
			break
		}
		varied := len(t.vary)
		if out, ok, err := t.try(dst, e, v, depth); ok {
			s.front(i)
			return out, true, err
		}
		if len(t.vary) > varied {
			victim = i // its structure, a value that was a constant: compile it again
		}
	}
	if s.missed++; s.missed <= s.skip {
		return dst, false, nil
	}
	t := &s.ways[s.order[victim]]
	if t.root != nil && t.used == 0 {
		s.skip = min(2*s.skip+1, maxSkip)
	} else {
		s.skip = 0
	}
	s.missed = 0
	s.front(victim)
	out, err := t.compileWrite(dst, e, v, depth)
	return out, true, err
}

// front makes the way at place i of the order the first.
func (s *tmplSlot) front(i int) {
	if i == 0 {
		return
	}
	w := s.order[i]
	copy(s.order[1:i+1], s.order[:i])
	s.order[0] = w
}

// sub appends the node v at depth by way of the templates of slot,
// compiling one for v when none has its structure.
func (e *encoder) sub(dst []byte, slot *tmplSlot, v any, depth int) ([]byte, error) {
	if out, ok, err := slot.write(dst, e, v, depth); ok {
		return out, err
	}
	return e.member(dst, v, depth)
}

// try appends v by way of t when v has its structure. When v fails on a
// string folded into the bytes, the place is noted for the next compile
// to take as a value (vary).
func (t *encTmpl) try(dst []byte, e *encoder, v any, depth int) ([]byte, bool, error) {
	if t.root == nil || t.depth != depth {
		return dst, false, nil
	}
	ok, vary := t.match(v, e.indent)
	if ok {
		if out, ok, err := t.write(dst, e); ok {
			t.used++
			return out, true, err
		}
	} else if vary != nil && len(t.vary) < maxVary {
		t.vary = append(t.vary, *vary)
	}
	return dst, false, nil
}

// compileWrite compiles t for v and appends v by way of it.
func (t *encTmpl) compileWrite(dst []byte, e *encoder, v any, depth int) ([]byte, error) {
	t.used = 0
	t.compile(e, v, depth)
	out, ok, err := t.write(dst, e)
	if !ok { // not reached: compile leaves no node among the values
		return e.member(dst, v, depth)
	}
	return out, err
}
