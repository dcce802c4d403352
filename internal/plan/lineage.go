package plan

import (
	"strings"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Lineage is computed on demand. Build does not track it: collecting a
// pointer and a source for every value costs more than building the data
// itself. The first call for any operation of an employee rebuilds that
// employee's operations with tracking on, which yields the same data, so
// the pointers match what was encoded.

// lineage collects the sources of one operation's data.
type lineage struct {
	src map[string]model.Source
	row map[string]string
}

func (b *builder) newLineage(base model.Source) *lineage {
	if !b.track {
		return nil
	}
	n := b.linHint
	l := &lineage{src: make(map[string]model.Source, n), row: make(map[string]string, n)}
	l.src[""] = base
	return l
}

func (l *lineage) add(ptr string, s model.Source, row string) {
	l.src[ptr] = s
	if row != "" {
		l.row[ptr] = row
	}
}

// userLazy rebuilds the operations of one employee; it is shared by them.
type userLazy struct {
	once    sync.Once
	cs      *model.ChangeSet
	opts    *Options
	renamed map[string]string
	paths   *sync.Pool // *pathCache: parsed paths shared by rebuilds
	src     [numPhases]map[string]model.Source
	row     [numPhases]map[string]string
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
	ll := b.newLazy()
	ll.cs, ll.opts, ll.renamed, ll.paths = cs, b.opts, b.renamed, b.rebuildPaths
	for _, op := range res.ops {
		if op != nil {
			op.lazy = ll
		}
	}
}

// builder returns a builder for a rebuild, with the parsed paths of the
// rebuilds before it; done gives them back.
func (ll *userLazy) builder() (b *builder, done func()) {
	b = newBuilder(ll.opts, ll.renamed)
	if ll.paths == nil {
		return b, func() {}
	}
	if pc, ok := ll.paths.Get().(*pathCache); ok {
		b.paths = *pc
	}
	return b, func() {
		pc := b.paths
		ll.paths.Put(&pc)
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
	b, done := ll.builder()
	defer done()
	b.track = true
	res := b.user(ll.cs)
	for phase, op := range res.ops {
		if op != nil && op.tracked != nil {
			ll.src[phase] = op.tracked.src
			ll.row[phase] = op.tracked.row
		}
	}
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
	return op.lazy.src[op.Phase]
}

// Rows maps the pointers of Sources to the mapping-table row of the value,
// when known.
func (op *Operation) Rows() map[string]string {
	if op.lazy == nil {
		return nil
	}
	op.lazy.once.Do(op.lazy.compute)
	return op.lazy.row[op.Phase]
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
