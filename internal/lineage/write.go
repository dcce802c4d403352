package lineage

import (
	"hash/maphash"
	"io"
	"unsafe"

	"github.com/upsmigrate/upsmigrate/internal/jsonw"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// flushAt is the size of the buffer past which Write hands it on.
const flushAt = 256 << 10

// Writer writes a plan: the header, then each employee's line after the
// dictionary lines it is the first to use. Employees may come in any order.
// A Writer is not safe for concurrent use; call Flush at the end.
type Writer struct {
	w    io.Writer
	buf  []byte // what is not yet handed to w
	line []byte // the employee line being built
	err  error

	files map[string]int
	// lastFiles are the files numbered last, tried before the map: a
	// line's records come from a few files, whose paths are the same
	// strings line after line (compared at once).
	lastFiles [4]fileNum
	sites     map[siteKey]int
	refs      map[refKey]int
	// bySite caches the numbers of sites by a value's Site and field:
	// the engine shares one Site per mapping row, so most values are
	// found by pointer, then checked against the field, name and member
	// they give.
	bySite map[model.SiteField]siteHit

	pos  []model.Position // positions of the current line: records, then at
	vpos []int            // position of each value of the current line, in writing order
	vsrc []fieldName      // the field of each value, in the same order
	uses []int            // values by position, to choose the line's "pos"
	// memo holds the sites met last, by set, by their Site, field
	// and member (memoSet): employees mapped from like records share
	// Sites, so most values are found there, then checked as bySite checks
	// them.
	memo       *[memoSets][memoWays]siteMemo
	memoMisses int // values not found in memo (tests)
	// bySlot is the site of the last value of each Site with a Slot (up
	// to maxSlot), the members of a role or entitlement aside: found by
	// index, without the memo's hash.
	bySlot []siteMemo
	// refMemo is the same for the refs: the key and number of the ref at
	// each place of the last lines.
	refMemo []refHit
	// first is the number each phase's requests follow (firsts).
	first [Phases]int
}

// refHit is a ref's content and number.
type refHit struct {
	k refKey
	n int
}

// fieldName is the field key and name of a value's Source.
type fieldName struct{ field, name string }

// siteMemo is the Site, field and site number of a value.
type siteMemo struct {
	site  *model.Site
	field int32
	hit   siteHit
}

// siteKey is a site's content: what a value shares with the values of
// other employees mapped by the same row from a field of the same name.
type siteKey struct {
	schema, path             string
	kind                     model.AttrKind
	member, field, name, row string
}

// siteHit is a site's number and what of its content the Site and
// field do not fix.
type siteHit struct {
	n                   int
	field, name, member string
}

// refKey is a ref's content.
type refKey struct {
	kind             model.RefKind
	schema, path     string
	primary          int8 // 0: none, 1: primary, 2: secondary
	field, name, row string
}

// NewWriter returns a Writer to w of a plan whose phases pack requests[p]
// requests each; the header is written with the first employee or by
// Flush.
func NewWriter(w io.Writer, requests [Phases]int) *Writer {
	lw := newWriter(w)
	lw.buf = AppendHeader(lw.buf, requests)
	lw.first = firsts(requests)
	return lw
}

func newWriter(w io.Writer) *Writer {
	return &Writer{w: w, files: map[string]int{}, sites: map[siteKey]int{}, refs: map[refKey]int{}, bySite: map[model.SiteField]siteHit{}}
}

// Flush writes what is buffered.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
		w.buf = w.buf[:0]
	}
	return w.err
}

// Write writes the line of cs, which became ops.
func (w *Writer) Write(cs *model.ChangeSet, ops []OpRef) error {
	if w.err != nil {
		return w.err
	}
	l := w.appendHead(w.line[:0], cs)
	l = AppendOps(l, cs.EmployeeID, ops, w.first)
	w.line = l
	w.buf = append(w.buf, l...)
	if len(w.buf) >= flushAt {
		return w.Flush()
	}
	return nil
}

// appendHead appends the line of cs up to its operations, through
// `"ops":[`, and adds what it is the first to use to the dictionary in
// w.buf.
func (w *Writer) appendHead(l []byte, cs *model.ChangeSet) []byte {
	w.positions(cs)
	l = append(l, `{"emp":`...)
	l = jsonw.AppendString(l, cs.EmployeeID)
	if cs.Creates {
		l = append(l, `,"creates":true`...)
	}
	if rn := cs.Rename; rn != nil {
		l = append(l, `,"rename":{"from":`...)
		l = jsonw.AppendString(l, rn.From)
		if rn.NewEmployeeID != "" {
			l = append(l, `,"newEmployeeId":`...)
			l = jsonw.AppendString(l, rn.NewEmployeeID)
		}
		if rn.NewLogin != "" {
			l = append(l, `,"newLogin":`...)
			l = jsonw.AppendString(l, rn.NewLogin)
		}
		l = append(l, `,"source":{"file":`...)
		l = jsonw.AppendInt(l, w.file(rn.Source.File))
		l = append(l, `,"line":`...)
		l = jsonw.AppendInt(l, rn.Source.Line)
		if rn.Source.Item != 0 {
			l = append(l, `,"item":`...)
			l = jsonw.AppendInt(l, rn.Source.Item)
		}
		if rn.Source.Field != "" {
			l = append(l, `,"field":`...)
			l = jsonw.AppendString(l, rn.Source.Field)
		}
		if rn.Source.Name != "" {
			l = append(l, `,"name":`...)
			l = jsonw.AppendString(l, rn.Source.Name)
		}
		l = append(l, "}}"...)
	}
	l = append(l, `,"records":`...)
	if cs.Records == nil {
		l = append(l, "null"...)
	} else {
		l = w.appendPositions(l, w.pos[:len(cs.Records)])
	}
	if len(w.pos) > len(cs.Records) {
		l = w.appendPositions(append(l, `,"at":`...), w.pos[len(cs.Records):])
	}
	dflt := w.commonPosition()
	if dflt != 0 {
		l = append(l, `,"pos":`...)
		l = jsonw.AppendInt(l, dflt)
	}
	vi := 0 // the index of the next value in w.vpos and w.vsrc
	if len(cs.Attrs) > 0 {
		l = w.appendAttrs(append(l, `,"attrs":`...), cs.Attrs, vi, dflt)
		vi += len(cs.Attrs)
	}
	if len(cs.Refs) > 0 {
		l = append(l, `,"refs":[`...)
		for i := range cs.Refs {
			r := &cs.Refs[i]
			if i > 0 {
				l = append(l, ',')
			}
			l = append(l, '[')
			l = jsonw.AppendInt(l, w.ref(r, i))
			l = append(l, ',')
			l = jsonw.AppendString(l, r.Target)
			p := w.vpos[vi]
			vi++
			if p != dflt || len(r.Attrs) > 0 {
				l = append(l, ',')
				l = jsonw.AppendInt(l, p)
			}
			if len(r.Attrs) > 0 {
				// An element's values default to its ref's position.
				l = w.appendAttrs(append(l, ','), r.Attrs, vi, p)
				vi += len(r.Attrs)
			}
			l = append(l, ']')
		}
		l = append(l, ']')
	}
	if len(cs.LeaveOut) > 0 {
		l = append(l, `,"leaveOut":[`...)
		for i, u := range cs.LeaveOut {
			if i > 0 {
				l = append(l, ',')
			}
			if s := model.ShortSchema(u); model.ExpandSchema(s) == u {
				u = s
			}
			l = jsonw.AppendString(l, u)
		}
		l = append(l, ']')
	}
	return append(l, `,"ops":[`...)
}

// AppendOps ends the line of employee emp, begun by Lines.Append: its
// operations, ops, and the line's end. A plan numbers each request within
// its phase: the request of ops[i] is written as its number less
// first[ops[i].Phase], the number of the requests of the phases before.
func AppendOps(l []byte, emp string, ops []OpRef, first [Phases]int) []byte {
	for i := range ops {
		o := &ops[i]
		if i > 0 {
			l = append(l, ',')
		}
		l = append(l, '[')
		if n, ok := bulkNumber(o.Bulk); ok && o.Phase >= 0 && o.Phase < Phases && n > first[o.Phase] {
			l = jsonw.AppendInt(l, n-first[o.Phase])
		} else {
			l = jsonw.AppendString(l, o.Bulk)
		}
		l = append(l, ',')
		l = jsonw.AppendInt(l, o.Index)
		l = append(l, ',')
		l = jsonw.AppendInt(l, o.Phase)
		l = append(l, ',')
		l = jsonw.AppendString(l, o.Method)
		if !isUsualAddress(emp, o.Method, o.Path, o.BulkID) {
			l = append(l, ',')
			l = jsonw.AppendString(l, o.Path)
			if o.BulkID != "" {
				l = append(l, ',')
				l = jsonw.AppendString(l, o.BulkID)
			}
		}
		l = append(l, ']')
	}
	return append(l, "]}\n"...)
}

// Lines renders employee lines apart from the plan they go to, for a plan
// written in another order than its lines are made (by partition), or
// before its requests are counted: each line without its operations,
// which the plan's writer adds with AppendOps once it knows where they
// land, and one dictionary for all the lines (Dictionary), which such a
// plan gives whole after its header, or a part before each line: what
// that line was the first to use.
// Lines is not safe for concurrent use.
type Lines struct {
	w *Writer
}

// NewLines returns a Lines with an empty dictionary.
func NewLines() *Lines { return &Lines{w: newWriter(nil)} }

// Append appends the line of cs up to its operations (through `"ops":[`),
// numbering what it is the first to use in the dictionary.
func (ls *Lines) Append(dst []byte, cs *model.ChangeSet) []byte {
	return ls.w.appendHead(dst, cs)
}

// Dictionary is every dictionary line the lines appended so far use, in
// order: what comes before them in the plan, after the header. It grows
// at its end only.
func (ls *Lines) Dictionary() []byte { return ls.w.buf }

// positions fills w.pos with the positions of cs (its records, then the
// other positions its values come from) and w.vpos with the position of
// each value, in the order Write writes them.
func (w *Writer) positions(cs *model.ChangeSet) {
	w.pos = append(w.pos[:0], cs.Records...)
	w.vpos, w.vsrc = w.vpos[:0], w.vsrc[:0]
	// Values of one record (its Origin, read from one line) come together:
	// they share its position.
	var last *model.Origin
	lastPos := 0
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		if a.Origin != nil && a.Origin == last {
			f, n := a.FieldName()
			w.vsrc = append(w.vsrc, fieldName{f, n})
			w.vpos = append(w.vpos, lastPos)
			continue
		}
		w.value(a.Source())
		last = nil
		if a.Origin != nil && a.Origin.Lines == nil {
			last, lastPos = a.Origin, w.vpos[len(w.vpos)-1]
		}
	}
	for i := range cs.Refs {
		r := &cs.Refs[i]
		w.value(r.Source())
		for j := range r.Attrs {
			w.value(r.Attrs[j].Source())
		}
	}
}

// value adds the next value's source and position.
func (w *Writer) value(src model.Source) {
	w.vsrc = append(w.vsrc, fieldName{src.Field, src.Name})
	w.vpos = append(w.vpos, w.position(src))
}

// commonPosition is the position most values of the line have (the first
// of equals): the line's "pos", which they then leave out.
func (w *Writer) commonPosition() int {
	w.uses = append(w.uses[:0], make([]int, len(w.pos))...)
	best := 0
	for _, p := range w.vpos {
		w.uses[p]++
		if w.uses[p] > w.uses[best] || w.uses[p] == w.uses[best] && p < best {
			best = p
		}
	}
	return best
}

// position is the index of src's file and line in w.pos, added when new.
func (w *Writer) position(src model.Source) int {
	for i, p := range w.pos {
		if p.Line == src.Line && p.Item == src.Item && p.File == src.File {
			return i
		}
	}
	w.pos = append(w.pos, src.Pos())
	return len(w.pos) - 1
}

func (w *Writer) appendPositions(l []byte, ps []model.Position) []byte {
	l = append(l, '[')
	for i, p := range ps {
		if i > 0 {
			l = append(l, ',')
		}
		l = append(l, '[')
		l = jsonw.AppendInt(l, w.file(p.File))
		l = append(l, ',')
		l = jsonw.AppendInt(l, p.Line)
		if p.Item != 0 {
			l = append(l, ',')
			l = jsonw.AppendInt(l, p.Item)
		}
		l = append(l, ']')
	}
	return append(l, ']')
}

// appendAttrs appends the values attrs, the first the value vi of
// w.vpos and w.vsrc, as an array: each value is preceded by its site's
// number unless its site follows the one of the value before it, and is
// written [value, p] when its position p is not the one of the value
// before it (for the first, dflt).
func (w *Writer) appendAttrs(l []byte, attrs []model.Attr, vi, dflt int) []byte {
	l = append(l, '[')
	next := 0   // the site a value without a number has
	cur := dflt // the position a value without one has
	for i := range attrs {
		a := &attrs[i]
		if i > 0 {
			l = append(l, ',')
		}
		if n := w.site(a, &w.vsrc[vi+i]); n != next {
			l = append(jsonw.AppendInt(l, n), ',')
			next = n
		}
		next++
		p := w.vpos[vi+i]
		if p != cur {
			l = append(l, '[')
		}
		switch {
		case a.Kind() == model.AttrMember:
			l = jsonw.AppendBool(l, a.Bool)
		case a.Type == model.StringValue:
			l = jsonw.AppendString(l, a.Str)
		case a.Type == model.BoolValue:
			l = jsonw.AppendBool(l, a.Bool)
		default:
			l = append(l, "null"...)
		}
		if p != cur {
			l = append(jsonw.AppendInt(append(l, ','), p), ']')
			cur = p
		}
	}
	return append(l, ']')
}

// fileNum is a file's path and number.
type fileNum struct {
	path string
	n    int
}

// file is the number of path, written to the dictionary when new.
func (w *Writer) file(path string) int {
	for i := range w.lastFiles {
		if f := &w.lastFiles[i]; f.n != 0 && f.path == path {
			return f.n
		}
	}
	n := w.fileNumber(path)
	copy(w.lastFiles[1:], w.lastFiles[:])
	w.lastFiles[0] = fileNum{path, n}
	return n
}

// fileNumber is file without lastFiles.
func (w *Writer) fileNumber(path string) int {
	if n, ok := w.files[path]; ok {
		return n
	}
	n := len(w.files) + 1
	w.files[path] = n
	w.buf = append(w.buf, `{"file":`...)
	w.buf = jsonw.AppendInt(w.buf, n)
	w.buf = append(w.buf, `,"path":`...)
	w.buf = jsonw.AppendString(w.buf, path)
	w.buf = append(w.buf, "}\n"...)
	return n
}

// site is the number of the site of a, a value with field src, written
// to the dictionary when new.
func (w *Writer) site(a *model.Attr, src *fieldName) int {
	if a.Site == nil {
		return w.siteOf(a, src)
	}
	var member string
	if a.Site.Kind == model.AttrMember {
		member = a.Member()
	} else if slot := int(a.Site.Slot); slot > 0 && slot < maxSlot {
		if slot < len(w.bySlot) {
			if m := &w.bySlot[slot]; m.site == a.Site && m.field == a.Field && model.SameString(m.hit.field, src.field) && model.SameString(m.hit.name, src.name) {
				return m.hit.n
			}
		} else {
			w.bySlot = append(w.bySlot, make([]siteMemo, slot+1-len(w.bySlot))...)
		}
		n := w.siteMemo(a, src, "")
		w.bySlot[slot] = siteMemo{site: a.Site, field: a.Field, hit: siteHit{n: n, field: src.field, name: src.name}}
		return n
	}
	return w.siteMemo(a, src, member)
}

// maxSlot bounds Writer.bySlot: Sites of higher Slots (a process that
// compiled many tables) are found by the memo alone.
const maxSlot = 1 << 12

// siteMemo is site for a value of a Site, given its member, by way of
// the memo.
func (w *Writer) siteMemo(a *model.Attr, src *fieldName, member string) int {
	if w.memo == nil {
		w.memo = new([memoSets][memoWays]siteMemo)
	}
	set := &w.memo[memoSet(a.Site, a.Field, member)]
	for i := range set {
		m := &set[i]
		if m.site == a.Site && m.field == a.Field && m.hit.field == src.field && m.hit.name == src.name && m.hit.member == member {
			if i > 0 { // the most recent first
				e := *m
				copy(set[1:i+1], set[:i])
				set[0] = e
			}
			return set[0].hit.n
		}
	}
	w.memoMisses++
	k := model.SiteField{Site: a.Site, Field: a.Field}
	h, ok := w.bySite[k]
	if !ok || h.field != src.field || h.name != src.name || h.member != member {
		h = siteHit{n: w.siteOf(a, src), field: src.field, name: src.name, member: member}
		if len(w.bySite) < maxBySite {
			w.bySite[k] = h
		}
	}
	copy(set[1:], set[:memoWays-1])
	set[0] = siteMemo{site: a.Site, field: a.Field, hit: h}
	return h.n
}

// maxMemo bounds Writer.refMemo: the refs of a line past it are found by
// their map alone.
const maxMemo = 1 << 10

// memoSets and memoWays are the sets of Writer.memo and the entries of
// each, the most recent first. Direct-mapped (one way), the sites of one
// employee that shared a slot evicted each other at every employee: with
// the 83 (Site, field) pairs of the mixed shape, 3.1M of 14M values
// missed; with two ways, 0.3M to 0.9M in some runs (addresses change
// from run to run), when three pairs shared a set.
const (
	memoSets = 1 << 8
	memoWays = 4
)

// memoSet is the set of Writer.memo of Site s, field f and member (of a
// member site, "" otherwise): a multiplicative hash, whose top bits take
// every bit of the key into account (Sites are rows of one array, their
// addresses a stride apart; the low bits of a plain mix repeated).
// Members count: one Site maps every role, each value its own member.
func memoSet(s *model.Site, f int32, member string) int {
	x := uint64(uintptr(unsafe.Pointer(s))) ^ uint64(uint32(f))<<40
	if member != "" {
		x ^= maphash.String(memberSeed, member)
	}
	return int((x * 0x9e3779b97f4a7c15) >> (64 - 8))
}

// memberSeed seeds memoSet's hash of a member, which only spreads the
// memo's sets: where a site lands changes nothing written.
var memberSeed = maphash.MakeSeed()

// maxBySite bounds Writer.bySite (Sites made per value, as NewAttr makes
// them, would fill it).
const maxBySite = 1 << 14

// siteOf is the number of the site of a, with field src, by its content.
func (w *Writer) siteOf(a *model.Attr, src *fieldName) int {
	k := siteKey{schema: a.Schema(), path: a.Path(), kind: a.Kind(), field: src.field, name: src.name, row: a.Row()}
	if k.kind == model.AttrMember {
		k.member = a.Member()
	}
	if n, ok := w.sites[k]; ok {
		return n
	}
	n := len(w.sites) + 1
	w.sites[k] = n
	b := append(w.buf, `{"site":`...)
	b = jsonw.AppendInt(b, n)
	b = append(b, `,"schema":`...)
	b = jsonw.AppendString(b, k.schema)
	b = append(b, `,"path":`...)
	b = jsonw.AppendString(b, k.path)
	if k.kind != model.AttrSet {
		b = append(b, `,"kind":`...)
		b = jsonw.AppendInt(b, int(k.kind))
	}
	if k.kind == model.AttrMember {
		b = append(b, `,"member":`...)
		b = jsonw.AppendString(b, k.member)
	}
	w.buf = appendSource(b, k.field, k.name, k.row)
	return n
}

// ref is the number of r's slot and source, written to the dictionary
// when new.
func (w *Writer) ref(r *model.Ref, i int) int {
	field, name := model.FieldAt(r.Origin, r.Site, r.Field)
	k := refKey{kind: r.Kind, schema: r.Schema, path: r.Path, field: field, name: name, row: r.Row()}
	if r.Primary != nil {
		k.primary = 2
		if *r.Primary {
			k.primary = 1
		}
	}
	if i < len(w.refMemo) && w.refMemo[i].k == k {
		return w.refMemo[i].n
	}
	n, ok := w.refs[k]
	if !ok {
		n = w.newRef(k)
	}
	if i < maxMemo {
		for len(w.refMemo) <= i {
			w.refMemo = append(w.refMemo, refHit{})
		}
		w.refMemo[i] = refHit{k: k, n: n}
	}
	return n
}

// newRef numbers the ref k and writes it to the dictionary.
func (w *Writer) newRef(k refKey) int {
	n := len(w.refs) + 1
	w.refs[k] = n
	b := append(w.buf, `{"ref":`...)
	b = jsonw.AppendInt(b, n)
	b = append(b, `,"kind":`...)
	b = jsonw.AppendString(b, string(k.kind))
	b = append(b, `,"schema":`...)
	b = jsonw.AppendString(b, k.schema)
	b = append(b, `,"path":`...)
	b = jsonw.AppendString(b, k.path)
	if k.primary != 0 {
		b = append(b, `,"primary":`...)
		b = jsonw.AppendBool(b, k.primary == 1)
	}
	w.buf = appendSource(b, k.field, k.name, k.row)
	return n
}

// appendSource ends a dictionary line with its field, name and row.
func appendSource(b []byte, field, name, row string) []byte {
	if field != "" {
		b = append(b, `,"field":`...)
		b = jsonw.AppendString(b, field)
	}
	if name != "" {
		b = append(b, `,"name":`...)
		b = jsonw.AppendString(b, name)
	}
	if row != "" {
		b = append(b, `,"row":`...)
		b = jsonw.AppendString(b, row)
	}
	return append(b, "}\n"...)
}
