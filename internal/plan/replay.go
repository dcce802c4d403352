package plan

import "github.com/upsmigrate/upsmigrate/internal/model"

// The users of an input usually have the same attributes, in the same
// order, from the same mapping rows: their bodies have the same shape and
// differ in their values only. A build remembers where each attribute's
// value went in the last body it built (bodyTmpl) and, when the next change
// set matches it attribute for attribute, stores the new values in the
// same nodes instead of building the body again. The result is the tree
// userBody builds: a body is remembered only when none of its shape
// depended on values (see bodyTmpl.bad), and a change set matches only
// when every input to the shape is the same.

// Replay actions.
const (
	stepNone   = iota // nothing to store (absent member, skipped value)
	stepValue         // store the attribute's value
	stepMember        // store the attribute's member
	stepEmp           // compare employeeNumber with the employee ID
)

// bodyStep is what userBody did with one attribute.
type bodyStep struct {
	ap      *attrPath
	kind    model.AttrKind
	typ     model.ValueType
	present bool
	member  string // present members: the member (the shape depends on equal members)
	act     uint8
	slot    *[]any // the values of the node holding the value, and its index
	idx     int
}

// bodyTmpl is the last body a builder built, with its steps.
type bodyTmpl struct {
	root    *obj
	ent     *obj // enterprise object; its first value is the employee ID
	rootLen int  // members of root when userBody returned
	steps   []bodyStep
	bad     bool // the shape depended on a value: not replayable
}

// step returns the step of the attribute being recorded, nil when not
// recording.
func (b *builder) step() *bodyStep {
	if b.rec == nil {
		return nil
	}
	return &b.rec.steps[len(b.rec.steps)-1]
}

// stored records where the value of the attribute being recorded went.
func (b *builder) stored(act uint8, slot *[]any, idx int) {
	if st := b.step(); st != nil {
		st.act, st.slot, st.idx = act, slot, idx
	}
}

// dependsOnValue marks the body being recorded as not replayable.
func (b *builder) dependsOnValue() {
	if b.rec != nil {
		b.rec.bad = true
	}
}

// body builds the User body of a change set (userBody), replaying the
// previous body when the change set matches it. Bodies are built in an
// arena of their own, which only a new recording resets.
func (b *builder) body(cs *model.ChangeSet, res *userResult) (*obj, *posError) {
	t := &b.tmpl
	if t.root != nil && b.replay(cs, res) {
		return t.root, nil
	}
	b.arena, b.bodyArena = b.bodyArena, b.arena
	b.arena.reset()
	t.root, t.ent, t.steps, t.bad = nil, nil, t.steps[:0], false
	b.rec = t
	root, err := b.userBody(cs, nil, res)
	b.rec = nil
	b.arena, b.bodyArena = b.bodyArena, b.arena
	if err == nil && !t.bad && len(t.steps) == len(cs.Attrs) && t.ent != nil {
		t.root, t.rootLen = root, len(root.keys)
	} else {
		t.root = nil
	}
	return root, err
}

// replay stores the values of cs in the remembered body when cs matches
// it; it changes nothing when it does not.
func (b *builder) replay(cs *model.ChangeSet, res *userResult) bool {
	t := &b.tmpl
	if len(cs.Attrs) != len(t.steps) {
		return false
	}
	for i := range cs.Attrs {
		a, st := &cs.Attrs[i], &t.steps[i]
		if b.paths.at(i, a) != st.ap || a.Type != st.typ {
			return false
		}
		if k := a.Kind(); k != st.kind {
			return false
		} else if k == model.AttrMember && (a.Bool != st.present || a.Bool && !sameString(a.Member(), st.member)) {
			return false
		}
	}
	t.ent.vals[0] = &cs.EmployeeID
	for i := range cs.Attrs {
		a, st := &cs.Attrs[i], &t.steps[i]
		switch st.act {
		case stepValue:
			var v any
			if a.Type == model.StringValue {
				v = &a.Str
			} else {
				v = a.Bool
			}
			(*st.slot)[st.idx] = v
		case stepMember:
			(*st.slot)[st.idx] = a.MemberRef()
		case stepEmp:
			b.checkEmployeeNumber(a, cs.EmployeeID, res)
		}
	}
	root := t.root
	root.keys, root.vals = root.keys[:t.rootLen], root.vals[:t.rootLen]
	return true
}

// record starts the step of attribute a with path ap.
func (b *builder) record(ap *attrPath, a *model.Attr) {
	if b.rec == nil {
		return
	}
	st := bodyStep{ap: ap, kind: a.Kind(), typ: a.Type}
	if st.kind == model.AttrMember && a.Bool {
		st.present, st.member = true, a.Member()
	}
	b.rec.steps = append(b.rec.steps, st)
}
