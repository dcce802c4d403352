package plan

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// Lineage is computed on demand. Build does not track it: collecting a
// pointer and a source for every value costs more than building the data
// itself. The first call for any operation of an employee rebuilds that
// employee's operations with tracking on, which yields the same data, so
// the pointers match what was encoded.

// lineage collects the sources of one operation's data: every pointer's,
// or (a targeted rebuild, want set) only those of the pointers asked for.
type lineage struct {
	src map[string]model.Source
	row map[string]string

	want []string   // targeted: the pointers asked for, nil for all
	got  []Resolved // targeted: parallel to want
}

func (b *builder) newLineage(base model.Source) *lineage {
	if !b.track {
		return nil
	}
	if b.want != nil {
		l := &lineage{want: b.want, got: make([]Resolved, len(b.want))}
		l.add("", base, "")
		return l
	}
	n := b.linHint
	l := &lineage{src: make(map[string]model.Source, n), row: make(map[string]string, n)}
	l.src[""] = base
	return l
}

func (l *lineage) add(ptr string, s model.Source, row string) {
	if l.want != nil {
		for i, w := range l.want {
			if w == ptr {
				l.got[i] = Resolved{Source: s, Row: row, OK: true}
			}
		}
		return
	}
	l.src[ptr] = s
	if row != "" {
		l.row[ptr] = row
	}
}

// userLazy rebuilds the operations of one employee; it is shared by them.
// It is small: every employee of a plan has one.
type userLazy struct {
	once sync.Once
	done atomic.Bool // compute has run: lin is set
	cs   *model.ChangeSet
	env  *lazyEnv
	lin  *userLineage // set by compute
}

// lazyEnv is what the rebuilders of the users of one builder share.
type lazyEnv struct {
	opts    *Options
	renamed map[string]string
	pool    *sync.Pool // *builder: the builders of this plan's rebuilds
}

// userLineage is the lineage of an employee's operations, per phase.
type userLineage struct {
	src [numPhases]map[string]model.Source
	row [numPhases]map[string]string
}

// setLineage keeps the lineage a tracking build collected for op.
func (op *Operation) setLineage(lin *lineage) {
	if lin != nil {
		op.tracked = lin
	}
}

// attachLineage lets the operations of res compute their lineage later.
func (b *builder) attachLineage(cs *model.ChangeSet, res *userResult) {
	if b.track {
		return
	}
	if b.env == nil || b.env.pool != b.rebuilders {
		b.env = &lazyEnv{opts: b.opts, renamed: b.renamed, pool: b.rebuilders}
	}
	ll := b.newLazy()
	ll.cs, ll.env = cs, b.env
	for _, op := range res.ops {
		if op != nil {
			op.lazy = ll
		}
	}
}

// builder returns a builder for a rebuild: one the rebuilds before it
// used, with their parsed paths and its arenas' room, when there is one;
// done gives it back, emptied.
func (ll *userLazy) builder() (b *builder, done func()) {
	env := ll.env
	if env.pool == nil {
		return newBuilder(env.opts, env.renamed), func() {}
	}
	b, ok := env.pool.Get().(*builder)
	if !ok {
		b = newBuilder(env.opts, env.renamed)
	}
	return b, func() {
		// Nothing a rebuild returns points into the arenas: data is
		// copied out (toAny), lineage holds strings and sources.
		b.track, b.keep, b.want, b.linHint = false, false, nil, 0
		b.arena.reset()
		env.pool.Put(b)
	}
}

// rebuildData builds the data of the employee's operation of a phase.
func (ll *userLazy) rebuildData(phase int) any {
	b, done := ll.builder()
	defer done()
	b.keep = true
	res := b.user(ll.cs)
	if op := res.ops[phase]; op != nil {
		return toAny(op.data)
	}
	return nil
}

func (ll *userLazy) compute() {
	defer ll.done.Store(true)
	b, done := ll.builder()
	defer done()
	b.track = true
	res := b.user(ll.cs)
	lin := new(userLineage)
	for phase, op := range res.ops {
		if op != nil && op.tracked != nil {
			lin.src[phase] = op.tracked.src
			lin.row[phase] = op.tracked.row
		}
	}
	ll.lin = lin
}

// Sources maps JSON pointers relative to Data ("/name/givenName",
// "/Operations/0/value") to the input value that produced them. The
// pointer "" names the record that introduced the employee. Computed on
// first use; safe for concurrent use. The map must not be modified.
func (op *Operation) Sources() map[string]model.Source {
	if op.lazy == nil {
		return nil
	}
	op.lazy.once.Do(op.lazy.compute)
	if lin := op.lazy.lin; lin != nil {
		return lin.src[op.Phase]
	}
	return nil
}

// Rows maps the pointers of Sources to the mapping-table row of the value,
// when known.
func (op *Operation) Rows() map[string]string {
	if op.lazy == nil {
		return nil
	}
	op.lazy.once.Do(op.lazy.compute)
	if lin := op.lazy.lin; lin != nil {
		return lin.row[op.Phase]
	}
	return nil
}

// Resolved is the input value a pointer traces to, and its mapping row.
type Resolved struct {
	Source model.Source
	Row    string
	OK     bool // false: no value of the input produced the pointer
}

// SourcesAt resolves several pointers relative to Data at once, as
// SourceAt does each. When the employee's whole lineage has not been
// computed, it rebuilds the employee once recording only the pointers
// asked for (and their prefixes): the cost of tracing a finding does not
// grow with the number of values of the user.
func (op *Operation) SourcesAt(pointers []string) []Resolved {
	out := make([]Resolved, len(pointers))
	ll := op.lazy
	if ll == nil {
		return out
	}
	if ll.done.Load() {
		for i, p := range pointers {
			out[i].Source, out[i].Row, out[i].OK = op.SourceAt(p)
		}
		return out
	}
	if op.Method == scim.MethodPost || op.Method == scim.MethodPut {
		direct := true
		for i, p := range pointers {
			if out[i], direct = ll.direct(p); !direct {
				break
			}
		}
		if direct {
			return out
		}
		clear(out)
	}
	var want []string
	for _, p := range pointers {
		for q := p; ; {
			if !slices.Contains(want, q) {
				want = append(want, q)
			}
			if q == "" {
				break
			}
			i := strings.LastIndexByte(q, '/')
			if i < 0 {
				q = ""
			} else {
				q = q[:i]
			}
		}
	}
	b, done := ll.builder()
	defer done()
	b.track, b.want = true, want
	res := b.user(ll.cs)
	rop := res.ops[op.Phase]
	if rop == nil || rop.tracked == nil {
		return out
	}
	got := rop.tracked.got
	for i, p := range pointers {
		// The longest prefix with a source, as SourceAt.
		for q := p; ; {
			if k := slices.Index(want, q); k >= 0 && got[k].OK {
				out[i] = got[k]
				break
			}
			if q == "" {
				break
			}
			j := strings.LastIndexByte(q, '/')
			if j < 0 {
				q = ""
			} else {
				q = q[:j]
			}
		}
	}
	return out
}

// direct resolves pointer, into the body of a user sent whole, from the
// values of the change set alone, when it names a single-valued attribute
// that exactly one value sets and the body takes as it is: what the
// rebuild of SourcesAt finds, without rebuilding (the values UPS refuses
// are mostly such, and tracing one a user cost a rebuild of the user).
// ok is false when it cannot tell.
func (ll *userLazy) direct(pointer string) (Resolved, bool) {
	if pointer == "" || pointer[0] != '/' {
		return Resolved{}, false
	}
	schema, path := model.SchemaCore, pointer[1:]
	if strings.HasPrefix(path, "urn:") {
		i := strings.IndexByte(path, '/')
		if i < 0 {
			return Resolved{}, false
		}
		schema, path = path[:i], path[i+1:]
	}
	if strings.ContainsAny(schema, "~") || strings.ContainsAny(path, "~.[") || path == "" {
		return Resolved{}, false // escaped tokens, or dots and filters in names
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || strings.Trim(seg, "0123456789") == "" {
			return Resolved{}, false // an element of an array
		}
	}
	path = strings.ReplaceAll(path, "/", ".")
	cs := ll.cs
	if schema == model.SchemaEnterprise && path == "companyId" && ll.env.opts.CompanyID != "" ||
		slices.Contains(cs.LeaveOut, schema) || cs.Rename != nil {
		return Resolved{}, false // set by the options, left out, or renamed
	}
	var found *model.Attr
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		if a.Path() == path && a.Schema() == schema {
			if found != nil || a.Kind() != model.AttrSet {
				return Resolved{}, false
			}
			found = a
		}
	}
	if found == nil {
		return Resolved{}, false
	}
	return Resolved{Source: found.Source(), Row: found.Row(), OK: true}, true
}

// SourceAt resolves a JSON pointer relative to Data to the input value
// that produced it, and its mapping row: the longest prefix of the pointer
// that has a source.
func (op *Operation) SourceAt(pointer string) (model.Source, string, bool) {
	src, rows := op.Sources(), op.Rows()
	p := pointer
	for {
		if s, ok := src[p]; ok {
			return s, rows[p], true
		}
		if p == "" {
			return model.Source{}, "", false
		}
		i := strings.LastIndexByte(p, '/')
		if i < 0 {
			p = ""
		} else {
			p = p[:i]
		}
	}
}
