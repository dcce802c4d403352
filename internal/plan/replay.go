package plan

import (
	"slices"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// The users of an input usually have the same attributes, in the same
// order, from the same mapping rows: their bodies have the same shape and
// differ in their values only. A builder keeps the last body userBody built
// with its shape and its slots; the next change set of the same shape gets
// that body with its own values stored in the slots, instead of a body
// built afresh.
//
// The shape of a change set is, per attribute, its parsed path, kind and
// value type, and for members whether present and which. That decides the
// body unless userBody compares values or reads the tree back while
// building it; replayable tells from the shape whether it may, and such
// shapes are always built afresh.

// shapeAttr is the shape of one attribute.
type shapeAttr struct {
	ap      *attrPath
	site    *model.Site // the Site the shape was taken from
	kind    model.AttrKind
	typ     model.ValueType
	present bool   // members
	member  string // present members
	empNo   bool   // the enterprise employeeNumber (isEmployeeNumber), not a member
}

// take makes s the shape of a, with the path ap.
func (s *shapeAttr) take(ap *attrPath, a *model.Attr) {
	s.ap, s.site, s.kind, s.typ = ap, a.Site, a.Kind(), a.Type
	s.present, s.member = false, ""
	if s.kind == model.AttrMember && a.Bool {
		s.present, s.member = true, a.Member()
	}
	s.empNo = s.kind != model.AttrMember && ap.err == nil && isEmployeeNumber(ap)
}

// sameSite reports whether a, whose Site is s.site, has the shape s: its
// path is s.ap, since a Site is never modified and paths are parsed once
// per schema and path (pathCache).
func (s *shapeAttr) sameSite(a *model.Attr) bool {
	if a.Type != s.typ {
		return false
	}
	if s.kind != model.AttrMember {
		return true
	}
	return a.Bool == s.present && (!a.Bool || model.SameString(a.Member(), s.member))
}

// is reports whether a, with the path ap, has the shape s.
func (s *shapeAttr) is(ap *attrPath, a *model.Attr) bool {
	if ap != s.ap || a.Type != s.typ || a.Kind() != s.kind {
		return false
	}
	if s.kind != model.AttrMember {
		return true
	}
	return a.Bool == s.present && (!a.Bool || model.SameString(a.Member(), s.member))
}

// bodyTmpl is the last body a builder built, with its shape.
type bodyTmpl struct {
	shape   []shapeAttr
	root    *obj // nil: none
	ent     *obj // the enterprise extension object, holding the employee ID
	rootLen int  // members of root userBody made
	slots   []slot
	checked bool               // replayable has been asked
	ok      bool               // its answer
	uses    map[uint64]nodeUse // scratch of replayable
}

// sameShape reports whether cs has the shape of the remembered body.
func (b *builder) sameShape(cs *model.ChangeSet) bool {
	t := &b.tmpl
	if t.root == nil || len(cs.Attrs) != len(t.shape) {
		return false
	}
	for i := range cs.Attrs {
		a, s := &cs.Attrs[i], &t.shape[i]
		if a.Site == s.site && a.Site != nil {
			if !s.sameSite(a) {
				return false
			}
		} else if !s.is(b.paths.at(i, a), a) {
			return false
		}
	}
	if !t.checked {
		t.checked, t.ok = true, t.replayable()
	}
	return t.ok
}

// body builds the User body of a change set (userBody), or stores its
// values in the remembered body when it has the same shape. Bodies are
// built in an arena of their own, which outlives the user's.
func (b *builder) body(cs *model.ChangeSet, res *userResult) (*obj, *posError) {
	t := &b.tmpl
	if b.sameShape(cs) {
		return b.replay(cs, res), nil
	}
	t.root = nil
	b.arena, b.bodyArena = b.bodyArena, b.arena
	b.arena.reset()
	root, slots, err := b.userBody(cs, nil, res, t.slots[:0])
	b.arena, b.bodyArena = b.bodyArena, b.arena
	if err != nil {
		return nil, err
	}
	t.shape = slices.Grow(t.shape[:0], len(cs.Attrs))[:len(cs.Attrs)]
	for i := range cs.Attrs {
		t.shape[i].take(b.bodyPaths[i], &cs.Attrs[i])
	}
	t.root, t.rootLen, t.slots, t.checked = root, len(root.keys), slots, false
	t.ent, _ = root.get(model.SchemaEnterprise).(*obj)
	return root, nil
}

// replay stores the values of cs, which has the shape of the remembered
// body, in its slots, and returns the body.
func (b *builder) replay(cs *model.ChangeSet, res *userResult) *obj {
	t := &b.tmpl
	root := t.root
	if len(root.keys) != t.rootLen {
		root.keys, root.vals = root.keys[:t.rootLen], root.vals[:t.rootLen]
		root.gen++
	}
	t.ent.set("employeeNumber", &cs.EmployeeID)
	for i := range cs.Attrs {
		a, sh := &cs.Attrs[i], &t.shape[i]
		if sh.empNo {
			b.checkEmployeeNumber(a, cs.EmployeeID, res)
		}
		s := t.slots[i]
		if s.vals == nil {
			continue
		}
		if sh.kind == model.AttrMember {
			(*s.vals)[s.i] = a.MemberRef()
		} else {
			(*s.vals)[s.i] = nodeValue(a)
		}
	}
	return root
}

// nodeUse is how a path reaches a node of a body: 'o' an object on the
// way, 's' a single value, 'v' the value of an array, 'm' members, 'f'
// filters on key.
type nodeUse struct {
	how byte
	key string
}

// replayable reports whether a body of the shape t.shape has its values
// where the shape says whatever they are, so that storing another change
// set's values in its slots makes the body userBody builds for it. It answers
// no, conservatively, when userBody may compare values or read the tree
// back:
//   - phone numbers (the first mobile phone is made primary by type);
//   - core paths naming a URN (they may replace an extension object);
//   - filters other than one `name eq "string"` term, or with different
//     names on one array (elements are then found by their values);
//   - paths through an array without a filter (to its first element);
//   - arrays reached both by filters and otherwise, or by members and
//     values, or twice by values (equal values are dropped).
//
// Nodes are told apart by a hash of their schema and attribute names, not
// filters: nodes that share it count as one, which only makes the answer
// stricter.
func (t *bodyTmpl) replayable() bool {
	if t.uses == nil {
		t.uses = make(map[uint64]nodeUse)
	}
	uses := t.uses
	clear(uses)
	for i := range t.shape {
		s := &t.shape[i]
		ap := s.ap
		if ap.err != nil {
			return false
		}
		if first := ap.segs[0].name; ap.core && (first == "phoneNumbers" || strings.HasPrefix(first, "urn:")) {
			return false
		}
		end := len(ap.segs)
		if s.kind == model.AttrMember {
			if !s.present {
				continue
			}
			end = ap.mem.n
		}
		node := fnvAdd(fnvOffset, ap.schema)
		for k, sg := range ap.segs[:end] {
			node = fnvAdd(fnvAdd(node, "."), sg.name)
			u := nodeUse{how: 'o'}
			switch last := k == end-1; {
			case sg.filter != nil:
				f := sg.filter
				if _, str := f[0].val.(string); len(f) != 1 || len(f[0].key) != 1 || !str {
					return false
				}
				u = nodeUse{how: 'f', key: f[0].key[0]}
			case last && s.kind == model.AttrMember:
				u.how = 'm'
			case last && sg.multi == single:
				u.how = 's'
			case last:
				u.how = 'v'
			case sg.multi != single:
				return false
			}
			if prev, seen := uses[node]; seen && (prev != u || u.how == 'v') {
				return false
			}
			uses[node] = u
		}
	}
	return true
}

const fnvOffset = 14695981039346656037

// fnvAdd continues the FNV-1a hash h over s.
func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}
