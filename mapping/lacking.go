package mapping

import (
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// An extension of a new user that lacks an attribute UPS requires with it
// would make the schema check of the user's POST fail; convert would then
// leave it out (LeaveOut) and plan again. With Options.Requires, Finish
// leaves it out at once, as LeaveOut would have: a feed without, say, a
// currency column costs no second plan.

// requires is Options.Requires ready for Finish: each requirement's
// schema bit and attribute bits, and the attribute bits each fold target
// sets.
type requires struct {
	reqs     []requirement
	byTarget []uint32 // the attribute bits target t sets; targets interned later are unknown
}

type requirement struct {
	urn   string
	sbit  uint16
	attrs []string
	bits  uint32 // one bit per attribute, from first
	first int
}

// newRequires compiles rs; nil when none can be told by schema bit (the
// core and enterprise schemas are never left out).
func newRequires(rs []schemas.Requirement) *requires {
	q := &requires{}
	next := 0
	for _, r := range rs {
		sb := schemaBit(r.URN)
		if r.URN == model.SchemaCore || r.URN == model.SchemaEnterprise || sb == 0 || sb == 1<<15 || next+len(r.Attrs) > 32 {
			continue
		}
		req := requirement{urn: r.URN, sbit: sb, attrs: r.Attrs, first: next}
		for k := range r.Attrs {
			req.bits |= 1 << (next + k)
		}
		next += len(r.Attrs)
		q.reqs = append(q.reqs, req)
	}
	if len(q.reqs) == 0 {
		return nil
	}
	targets.Lock()
	q.byTarget = make([]uint32, len(targets.ids))
	for key, id := range targets.ids {
		q.byTarget[id] = q.bitsOf(key)
	}
	targets.Unlock()
	return q
}

// bitsOf is the attribute bits a target ("<urn>:<path>") sets: those of
// the attribute its path starts with.
func (q *requires) bitsOf(key string) uint32 {
	for _, r := range q.reqs {
		path, ok := strings.CutPrefix(key, r.urn+":")
		if !ok {
			continue
		}
		if k := strings.IndexAny(path, ".["); k >= 0 {
			path = path[:k]
		}
		for k, a := range r.attrs {
			if a == path {
				return 1 << (r.first + k)
			}
		}
	}
	return 0
}

// lacking lists the extensions the new user folded in f (its values and
// defaults) has values of but not every attribute required with, and the
// attributes missing; nil when it cannot tell (a target interned after the
// engine was made).
func (e *Engine) lacking(f *folder) []leftExt {
	q := e.req
	var exts uint16
	var have uint32
	known := func(t int32) bool {
		if t < 0 {
			return true
		}
		if int(t) >= len(q.byTarget) {
			return false
		}
		have |= q.byTarget[t]
		return true
	}
	for _, w := range f.wins {
		if w.k < 0 {
			continue // the rename's login: core
		}
		c := e.cs.at(w.ci)
		row := c.vals[w.k].row(c.tc)
		exts |= row.sbit
		if !known(row.target) {
			return nil
		}
	}
	for _, cd := range f.defs {
		exts |= cd.sbit
		if !known(cd.target) {
			return nil
		}
	}
	var left []leftExt
	for i := range q.reqs {
		r := &q.reqs[i]
		if exts&r.sbit == 0 || have&r.bits == r.bits {
			continue
		}
		l := leftExt{urn: r.urn}
		for k, a := range r.attrs {
			if have&(1<<(r.first+k)) == 0 {
				l.missing = append(l.missing, a)
			}
		}
		left = append(left, l)
	}
	return left
}
