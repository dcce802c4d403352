package mapping

import (
	"fmt"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// group is the change set of one employee while Finish builds it.
type group struct {
	id         string
	head, tail int32
	creates    bool
	rename     int32
	nvals      int
	nrecs      int
	nrefs      int
}

// resolution is the outcome of one pass over the contributions.
type resolution struct {
	alias   map[string]string // old Employee ID -> new one
	renamed map[string]int32  // old Employee ID -> the renaming record
	groups  []group
	groupOf map[string]int32
	changed bool
}

// Finish resolves renames, folds the contributions of every employee in
// input order (later values override earlier ones), checks existence and
// references, and returns the change sets in order of first appearance and
// one result per added record, in input order. It may be called again.
func (e *Engine) Finish() ([]*model.ChangeSet, []model.RecordResult) {
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		c.finRej, c.fin, c.left = false, nil, false
	}
	var r *resolution
	for {
		r = e.resolve()
		if !r.changed {
			break
		}
	}
	return e.build(r), e.results(r)
}

// resolve runs one pass: renames, grouping, existence and reference checks.
// A rejection sets changed: the caller runs another pass without it.
func (e *Engine) resolve() *resolution {
	r := &resolution{alias: map[string]string{}, renamed: map[string]int32{}, groupOf: make(map[string]int32, e.cs.n)}
	to := map[string]int32{}
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		if !c.active() || (c.newEmp == "" && c.newLogin == "") {
			continue
		}
		if j, ok := r.renamed[c.key]; ok {
			c.finFail(c.renRow, c.renF, fmt.Sprintf("employee %s is already renamed by %s in this run: one rename per employee and run", c.key, e.cs.at(j).pos))
			r.changed = true
			continue
		}
		if j, ok := to[c.key]; ok {
			c.finFail(c.renRow, c.renF, fmt.Sprintf("employee %s gets this ID from the rename at %s in this run: one rename per employee and run", c.key, e.cs.at(j).pos))
			r.changed = true
			continue
		}
		if n := c.newEmp; n != "" {
			msg := ""
			if j, ok := to[n]; ok {
				msg = fmt.Sprintf("new Employee ID %s is already given to employee %s by %s", n, e.cs.at(j).key, e.cs.at(j).pos)
			} else if j, ok := r.renamed[n]; ok {
				msg = fmt.Sprintf("new Employee ID %s belongs to an employee renamed by %s in this run", n, e.cs.at(j).pos)
			} else if e.known(n) {
				msg = fmt.Sprintf("new Employee ID %s already belongs to an employee in the directory", n)
			}
			if msg != "" {
				c.finFail(c.renRow, c.renF, msg)
				r.changed = true
				continue
			}
			to[n] = int32(i)
			r.alias[c.key] = n
		}
		r.renamed[c.key] = int32(i)
	}
	if r.changed {
		return r
	}
	r.groups = make([]group, 0, e.cs.n) // at most one per record: no regrowth
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		if !c.active() {
			continue
		}
		id := c.key
		if a, ok := r.alias[id]; ok {
			id = a
		}
		gi, ok := r.groupOf[id]
		if !ok {
			gi = int32(len(r.groups))
			r.groupOf[id] = gi
			r.groups = append(r.groups, group{id: id, head: -1, tail: -1, rename: -1})
		}
		g := &r.groups[gi]
		c.final, c.next = id, -1
		if g.tail >= 0 {
			e.cs.at(g.tail).next = int32(i)
		} else {
			g.head = int32(i)
		}
		g.tail = int32(i)
		g.creates = g.creates || c.creates
		g.nvals += len(c.vals)
		g.nrecs++
		g.nrefs += len(c.refs)
		if j, ok := r.renamed[c.key]; ok && j == int32(i) {
			g.rename = int32(i)
		}
	}
	if e.opts.Known != nil {
		for gi := range r.groups {
			g := &r.groups[gi]
			origin := g.id
			if g.rename >= 0 {
				origin = e.cs.at(g.rename).key
			}
			if g.creates || e.known(origin) {
				continue
			}
			for ci := g.head; ci >= 0; ci = e.cs.at(ci).next {
				c := e.cs.at(ci)
				c.finFail(c.keyRow, c.keyF, fmt.Sprintf("employee %s is not in the directory and no record of this run creates it", origin))
			}
			r.changed = true
		}
	}
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		if !c.active() {
			continue
		}
		for k := range c.refs {
			ref := &c.refs[k]
			t := ref.target
			if a, ok := r.alias[t]; ok {
				t = a
			}
			switch {
			case t == c.final:
				c.finFail(ref.row, ref.f, fmt.Sprintf("employee %s cannot be their own %s", c.final, refWord(ref)))
				r.changed = true
			case e.opts.Known == nil:
				// Without a directory, an employee outside the run is an
				// existing user (a delta feed): submit looks it up, and
				// fails this reference alone when the target lacks it.
			case !r.inRun(t) && !e.inRunElsewhere(t) && !e.known(ref.target) && !e.known(t):
				c.finFail(ref.row, ref.f, fmt.Sprintf("%s %s is neither in this run nor in the directory", refWord(ref), ref.target))
				r.changed = true
			}
		}
	}
	return r
}

func (e *Engine) inRunElsewhere(id string) bool { return e.opts.InRun != nil && e.opts.InRun(id) }

func (r *resolution) inRun(id string) bool {
	_, ok := r.groupOf[id]
	return ok
}

func refWord(r *cref) string {
	return (&model.Ref{Kind: r.row.refKind, Path: r.path, Primary: r.row.refPrimary}).Describe()
}
