package mapping

import (
	"context"
	"fmt"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/pool"
)

// win is the value that last wrote one target of a change set: value k of
// contribution ci (k < 0: the new login of a rename folded into the
// creation).
type win struct {
	ci int32
	k  int32
}

// folder folds the values of one change set: the first value for a target
// takes a slot, later ones overwrite the winner of the slot. Each build
// worker has its own.
type folder struct {
	slot  []int32 // by interned target: index in wins
	gen   []int32 // slot is valid when gen == stamp
	stamp int32
	dyn   map[string]int32 // targets without an interned id (dynamic members)
	wins  []win
	defs  []*cdefault

	// leaveOut's scratch, and the messages it made (leaveOutMessage).
	key       []byte
	leaveMemo map[string][2]string

	// The slices of the change sets, in blocks: one allocation for many
	// change sets instead of three per change set.
	attrs arena[model.Attr]
	refs  arena[model.Ref]
	recs  arena[model.Position]
}

func newFolder(n int, b *Blocks) *folder {
	f := &folder{slot: make([]int32, n), gen: make([]int32, n)}
	if b != nil {
		f.attrs.from, f.refs.from, f.recs.from = &b.attrs, &b.mrefs, &b.recs
	}
	return f
}

// reset starts a new change set.
func (f *folder) reset() {
	f.stamp++
	f.wins = f.wins[:0]
	clear(f.dyn)
}

// put makes w the winner of target t (or key dk when t < 0).
func (f *folder) put(t int32, dk string, w win) {
	if t < 0 {
		t = lookupTarget(dk)
	}
	if t >= 0 && int(t) < len(f.slot) {
		if f.gen[t] == f.stamp {
			f.wins[f.slot[t]] = w
			return
		}
		f.gen[t], f.slot[t] = f.stamp, int32(len(f.wins))
	} else {
		if f.dyn == nil {
			f.dyn = map[string]int32{}
		}
		if j, ok := f.dyn[dk]; ok {
			f.wins[j] = w
			return
		}
		f.dyn[dk] = int32(len(f.wins))
	}
	f.wins = append(f.wins, w)
}

// Group flags of build.
const (
	flagFolded = 1 << iota // the rename is folded into the creation
	flagNew                // a new user: defaults apply
	flagCreate             // a new user, not renamed: Options.Requires applies
)

// buildBlock is the number of groups a build worker takes at a time:
// small, so that the workers end together (a partition of a spilled
// conversion has about a thousand employees).
const buildBlock = 64

// build folds every group into its change set, on all cores: workers take
// blocks of groups; each change set depends only on its own contributions,
// so the output does not depend on the schedule.
func (e *Engine) build(r *resolution) []*model.ChangeSet {
	css := make([]model.ChangeSet, len(r.groups))
	out := make([]*model.ChangeSet, len(r.groups))
	// Known is a caller's function: it is called here, before the workers.
	// flags[gi]: the rename is folded into the creation; the user is new
	// (a creation the directory does not know) and gets the defaults.
	flags := make([]uint8, len(r.groups))
	defaults := e.set.defaults.Len() > 0
	for gi := range r.groups {
		g := &r.groups[gi]
		out[gi] = &css[gi]
		origin := g.id
		if g.rename >= 0 {
			origin = e.cs.at(g.rename).key
			if e.opts.Known != nil && g.creates && !e.known(origin) {
				flags[gi] |= flagFolded
			}
		}
		if defaults && g.creates && !e.known(origin) {
			flags[gi] |= flagNew
		}
		if e.req != nil && g.creates && g.rename < 0 && !e.known(g.id) {
			flags[gi] |= flagCreate
		}
	}
	loginTarget := lookupTarget(model.SchemaCore + ":userName")
	n := targetCount()
	// Each worker folds with a folder of its own; the engine keeps the
	// folders' blocks, which the change sets point into.
	var mu sync.Mutex
	var folders []*folder
	defer func() {
		for _, f := range folders {
			e.folded.attrs.adopt(&f.attrs)
			e.folded.refs.adopt(&f.refs)
			e.folded.recs.adopt(&f.recs)
		}
	}()
	_ = pool.Run(context.Background(), len(r.groups), pool.Options{Workers: e.workers, Block: buildBlock}, func() func(context.Context, int, int) error {
		f := newFolder(n, e.opts.Blocks)
		mu.Lock()
		folders = append(folders, f)
		mu.Unlock()
		return func(_ context.Context, lo, hi int) error {
			for gi := lo; gi < hi; gi++ {
				e.buildGroup(f, r, gi, &css[gi], flags[gi], loginTarget)
			}
			return nil
		}
	})
	return out
}

// buildGroup folds group gi into cs. It touches only the group's own
// contributions (their Finish messages), so groups build in parallel.
func (e *Engine) buildGroup(f *folder, r *resolution, gi int, cs *model.ChangeSet, flags uint8, loginTarget int32) {
	g := &r.groups[gi]
	folded := flags&flagFolded != 0
	cs.EmployeeID, cs.Creates = g.id, g.creates
	f.reset()
	cs.Records = f.recs.alloc(0, g.nrecs)
	if g.nrefs > 0 {
		cs.Refs = f.refs.alloc(0, g.nrefs)
	}
	if g.rename >= 0 && !folded {
		rc := e.cs.at(g.rename)
		cs.Rename = &model.Rename{From: rc.key, NewEmployeeID: rc.newEmp, NewLogin: rc.newLogin, Source: rc.source(rc.renRow, rc.renF)}
	}
	for ci := g.head; ci >= 0; ci = e.cs.at(ci).next {
		c := e.cs.at(ci)
		cs.Records = append(cs.Records, c.pos)
		if g.rename >= 0 && ci > g.rename && c.key != g.id { // the strings last: they differ in address
			c.fin = append(c.fin, c.diag(model.SevWarning, c.keyRow, c.keyF,
				fmt.Sprintf("uses the old Employee ID %s, renamed to %s by %s: folded into %s", c.key, g.id, e.cs.at(g.rename).pos, g.id)))
		}
		// The rename's new login outdates userName values of the
		// records before it.
		skipLogin := cs.Rename != nil && cs.Rename.NewLogin != "" && ci < g.rename
		for k := range c.vals {
			v := &c.vals[k]
			row := v.row(c.tc)
			if skipLogin && row.target == loginTarget {
				continue
			}
			if c.dropF != nil && c.dropped(v.f) {
				continue
			}
			dk := ""
			if row.target < 0 {
				dk = row.fold + v.s
			}
			f.put(row.target, dk, win{ci: ci, k: int32(k)})
		}
		if folded && ci == g.rename && c.newLogin != "" {
			f.put(loginTarget, model.SchemaCore+":userName", win{ci: ci, k: -1})
		}
		for k := range c.refs {
			if c.dropF != nil && c.dropped(c.refs[k].f) {
				continue
			}
			cs.Refs = e.foldRef(cs.Refs, e.ref(r, ci, &c.refs[k]))
		}
	}
	if flags&flagNew != 0 {
		f.defs = e.defaultsFor(f, cs, f.defs[:0])
	} else {
		f.defs = f.defs[:0]
	}
	var lacking []leftExt
	if flags&flagCreate != 0 {
		lacking = e.lacking(f)
	}
	if e.leave != nil || lacking != nil {
		e.leaveOut(f, g, cs, lacking)
	}
	if len(f.wins)+len(f.defs) == 0 {
		return
	}
	cs.Attrs = f.attrs.alloc(len(f.wins), len(f.wins)+len(f.defs))
	for _, cd := range f.defs {
		cs.Attrs = append(cs.Attrs, cd.attr())
	}
	for i, w := range f.wins {
		c := e.cs.at(w.ci)
		if w.k < 0 {
			cs.Attrs[i] = model.Attr{Site: &c.loginRow.site, Origin: c.origin, Field: c.loginF + 1, Type: model.StringValue, Str: c.newLogin}
			continue
		}
		v := &c.vals[w.k]
		fillAttr(&cs.Attrs[i], c, v.row(c.tc), v)
	}
}

// defaultsFor lists the defaults of a new user's change set whose values
// are folded in f: those whose extension the change set writes (or that
// apply always) and whose target it does not write.
func (e *Engine) defaultsFor(f *folder, cs *model.ChangeSet, dst []*cdefault) []*cdefault {
	mask := uint16(alwaysPresent)
	for _, w := range f.wins {
		if w.k >= 0 {
			c := e.cs.at(w.ci)
			mask |= c.vals[w.k].row(c.tc).sbit
		}
	}
	for i := range cs.Refs {
		mask |= schemaBit(cs.Refs[i].Schema)
	}
	return e.set.defaults.apply(dst, mask, func(cd *cdefault) bool {
		if int(cd.target) < len(f.slot) {
			return f.gen[cd.target] == f.stamp
		}
		return false // interned after the folder was sized: no row writes it
	})
}

// fillAttr writes the attribute of value v (mapped by row) into a, a zero
// Attr: the row's site, the record's origin and the value.
func fillAttr(a *model.Attr, c *contrib, row *crow, v *cval) {
	a.Site, a.Origin, a.Field = &row.site, c.origin, v.f+1
	switch row.kind {
	case vBool:
		a.Type, a.Bool = model.BoolValue, v.b
	case vMember:
		if row.member == "" {
			a.Str = v.s
		}
		a.Bool = v.b
	default:
		a.Type, a.Str = model.StringValue, v.s
	}
}

func (e *Engine) ref(r *resolution, ci int32, cr *cref) model.Ref {
	c := e.cs.at(ci)
	target := cr.target
	if a, ok := r.alias[target]; ok {
		target = a
		if j := r.renamed[cr.target]; ci > j {
			c.fin = append(c.fin, c.diag(model.SevWarning, cr.row, cr.f,
				fmt.Sprintf("refers to the old Employee ID %s, renamed to %s by %s: the reference follows the rename", cr.target, target, e.cs.at(j).pos)))
		}
	}
	ref := model.Ref{Kind: cr.row.refKind, Schema: cr.row.schema, Path: cr.path, Primary: cr.row.refPrimary,
		Target: target, Origin: c.origin, Site: &cr.row.site, Field: cr.f + 1}
	if len(cr.attrs) > 0 {
		ref.Attrs = make([]model.Attr, 0, len(cr.attrs))
		for i := range cr.attrs {
			v := &cr.attrs[i]
			if c.dropF != nil && c.dropped(v.f) {
				continue
			}
			ref.Attrs = append(ref.Attrs, model.Attr{})
			fillAttr(&ref.Attrs[len(ref.Attrs)-1], c, v.row(c.tc), v)
		}
	}
	return ref
}

// foldRef adds ref to refs; a ref for the same slot overrides the earlier
// one, and delegate element attributes merge (blank = no change).
func (e *Engine) foldRef(refs []model.Ref, ref model.Ref) []model.Ref {
	for i := range refs {
		if !refs[i].SameSlot(&ref) {
			continue
		}
		if ref.Kind == model.RefDelegate {
			merged := append([]model.Attr(nil), refs[i].Attrs...)
		next:
			for _, a := range ref.Attrs {
				for j := range merged {
					if merged[j].Path() == a.Path() {
						merged[j] = a
						continue next
					}
				}
				merged = append(merged, a)
			}
			ref.Attrs = merged
		}
		refs[i] = ref
		return refs
	}
	return append(refs, ref)
}

// results lists one outcome per record in input order.
func (e *Engine) results(r *resolution) []model.RecordResult {
	out := make([]model.RecordResult, e.cs.n)
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		res := model.RecordResult{Pos: c.pos, Format: c.format, Type: c.typ, EmployeeID: c.key, Status: model.StatusConverted}
		if a, ok := r.alias[c.key]; ok {
			res.EmployeeID = a
		}
		switch {
		case c.state == stRejected || c.extRej || c.finRej:
			res.Status = model.StatusRejected
		case c.state == stSkipped || c.left:
			res.Status = model.StatusSkipped
		}
		if n := len(c.msgs) + len(c.fin) + len(c.ext); n > 0 {
			res.Messages = make([]model.Diagnostic, 0, n)
			res.Messages = append(res.Messages, c.msgs...)
			res.Messages = append(res.Messages, c.fin...)
			res.Messages = append(res.Messages, c.ext...)
		}
		out[i] = res
	}
	return out
}
