package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// builder turns one change set at a time into operations. Each worker owns
// one; nothing in it is shared.
type builder struct {
	opts    *Options
	dir     *Directory
	renamed map[string]string // new Employee ID → ID before this run's rename
	paths   pathCache
	track   bool // collect lineage (rebuilds for Operation.Sources)
	// lastLeft is set when the last full body built left an extension
	// out for lacking an attribute (fullBody).
	lastLeft bool
	// leftCS, leftAttrs and leftRefs are withLeftOut's scratch.
	leftCS    model.ChangeSet
	leftAttrs []model.Attr
	leftRefs  []model.Ref
	keep      bool     // keep data, do not encode (rebuilds for Operation.Data)
	slab      []byte   // arena the encoded operations are cut from
	slabs     [][]byte // with Options.Slabs: every slab taken
	maxOp     int      // size of the largest operation encoded
	enc       encoder
	// check is the worker's Options.NewCheck, checkDone its done.
	check     func(op *Operation, data any, dataJSON []byte, members []int32) bool
	checkDone func()

	arena
	bodyArena  arena        // nodes of the remembered body
	tmpl       bodyTmpl     // the remembered body (replay.go)
	elems      []*obj       // scratch
	slots      []slot       // scratch of rebuilt bodies
	refGroup   []int        // scratch of refOps
	refScratch []*model.Ref // scratch of refOps
	joined     []joinedPath // PATCH paths of refOps
	bodyPaths  []*attrPath  // the paths of the attributes of the last userBody
	opSlab     []Operation  // operations are cut from slabs
	lazySlab   []userLazy   // as are their lazy rebuilders

	rebuilders *sync.Pool // *builder: reused by the rebuilds of this plan's operations
	env        *lazyEnv   // the users' lazy rebuilders share it
	linHint    int        // tracking: the size of the user's lineage maps
	want       []string   // tracking: only these pointers (Operation.SourcesAt)
}

const slabLen = 128

// newOp returns a zero Operation. Builds cut them from slabs (an
// Operation lives as long as its plan); rebuilds allocate one.
func (b *builder) newOp() *Operation {
	if b.track || b.keep {
		return new(Operation)
	}
	if len(b.opSlab) == 0 {
		b.opSlab = make([]Operation, slabLen)
	}
	op := &b.opSlab[0]
	b.opSlab = b.opSlab[1:]
	return op
}

func (b *builder) newLazy() *userLazy {
	if b.keep {
		return new(userLazy)
	}
	if len(b.lazySlab) == 0 {
		b.lazySlab = make([]userLazy, slabLen)
	}
	ll := &b.lazySlab[0]
	b.lazySlab = b.lazySlab[1:]
	return ll
}

func newBuilder(opts *Options, renamed map[string]string) *builder {
	return &builder{opts: opts, dir: opts.Directory, renamed: renamed}
}

// UserError is why one employee's operations could not be planned. Build
// leaves that employee out of the plan and lists the error in
// Plan.Rejected; the others are planned.
type UserError struct {
	Source   model.Source // the value at fault, or the employee's first record
	Employee string
	Err      error
}

func (e *UserError) Error() string {
	return fmt.Sprintf("plan: %s: employee %q: %v", e.Source, e.Employee, e.Err)
}

func (e *UserError) Unwrap() error { return e.Err }

// uuidRef is uuidOf as a node value.
func (b *builder) uuidRef(emp string) (*string, bool) {
	if b.dir == nil {
		return nil, false
	}
	if from, ok := b.renamed[emp]; ok {
		if u, ok := b.dir.ref(from); ok {
			return u, true
		}
	}
	return b.dir.ref(emp)
}

// uuidOf resolves an employee (by the ID after renames) in the directory.
func (b *builder) uuidOf(emp string) (string, bool) {
	if b.dir == nil {
		return "", false
	}
	if from, ok := b.renamed[emp]; ok {
		if u, ok := b.dir.Lookup(from); ok {
			return u, true
		}
	}
	return b.dir.Lookup(emp)
}

func recordSource(cs *model.ChangeSet) model.Source {
	if len(cs.Records) > 0 {
		return cs.Records[0].Source()
	}
	if cs.Rename != nil {
		return cs.Rename.Source.Pos().Source()
	}
	return model.Source{}
}

func (b *builder) warn(res *userResult, src model.Source, format string, args ...any) {
	res.warns = append(res.warns, model.Diagnostic{Severity: model.SevWarning, Source: src, Message: fmt.Sprintf(format, args...)})
}

// user builds the operations of one change set.
func (b *builder) user(cs *model.ChangeSet) (res userResult) {
	emp := cs.EmployeeID
	if b.track {
		b.linHint = len(cs.Attrs) + 2*len(cs.Refs) + 4
	}
	base := recordSource(cs)
	fail := func(src model.Source, err error) userResult {
		if src.File == "" {
			src = base
		}
		return userResult{err: &UserError{Source: src, Employee: emp, Err: err}}
	}
	uuid, known := b.uuidOf(emp)
	rename := cs.Rename
	if rename != nil && rename.From == "" {
		return fail(rename.Source, fmt.Errorf("rename without the current employee ID"))
	}
	switch {
	case rename != nil && b.dir != nil && !known && cs.Creates:
		b.warn(&res, rename.Source, "employee %q to be renamed from %q is not in the directory: created under the new ID, rename dropped", emp, rename.From)
		cs = withNewLogin(cs, rename)
		rename = nil
		res.created = true
	case rename != nil && b.dir == nil && cs.Creates:
		// Without a directory, a user this run creates and renames is
		// created once, under the new ID and login; submit looks the old
		// ID up first and renames and updates the user if it exists.
		if rename.NewEmployeeID != "" && rename.NewEmployeeID != rename.From {
			b.warn(&res, rename.Source, "employee %s is created and renamed from %s in this run: one create under the new Employee ID and login (if %s already exists, submit renames and updates it instead)", emp, rename.From, rename.From)
		} else {
			b.warn(&res, rename.Source, "employee %s is created in this run and given a new login by this record: one create with the new login (if %s already exists, submit changes its login and updates it instead)", emp, emp)
		}
		cs = withNewLogin(cs, rename)
		rename = nil
		res.created = true
	case rename != nil:
		res.existing = true
	case cs.Creates:
		res.created = !known
		res.existing = known
	default:
		res.existing = true
	}
	var line *model.ChangeSet // what a rebuild starts from, when not cs
	if len(cs.LeaveOut) > 0 && (res.created || b.opts.Replace) && !b.track && !b.keep {
		line, cs = cs, b.withLeftOut(cs, nil, res.created)
	} else if len(cs.LeaveOut) > 0 && (res.created || b.opts.Replace) {
		cs = withoutLeftOut(cs, res.created)
	}
	if res.existing && b.dir != nil && !known {
		b.warn(&res, base, "employee %q is not in the directory: addressed by bulkId, resolved at submit", emp)
	}
	var path, bulkID string
	if known {
		path = UUIDPath(uuid)
	} else {
		path = BulkIDPath(emp)
		bulkID = path[len(bulkIDPathPrefix):]
	}

	defer func() {
		if res.err == nil {
			if line == nil {
				line = cs
			}
			b.attachLineage(line, &res)
		}
		if !b.track && !b.keep {
			b.arena.reset() // every operation of the user is encoded
		}
	}()

	// Phase 0.
	if rename != nil {
		from := rename.From
		rpath := BulkIDPath(from)
		if known {
			rpath = path
		}
		lin := b.newLineage(base)
		ops := b.newArr()
		if rename.NewEmployeeID != "" && rename.NewEmployeeID != from {
			if lin != nil {
				lin.add(opPtr(len(ops.vals)), rename.Source, "")
			}
			ops.add(b.patchOp(scim.OpReplace, model.SchemaEnterprise+":employeeNumber", &rename.NewEmployeeID))
		}
		if rename.NewLogin != "" {
			if lin != nil {
				lin.add(opPtr(len(ops.vals)), rename.Source, "")
			}
			ops.add(b.patchOp(scim.OpReplace, "userName", &rename.NewLogin))
		}
		if len(ops.vals) > 0 {
			op := b.newOp()
			*op = Operation{Method: scim.MethodPatch, Path: rpath, data: b.patchBody(ops),
				Employee: from, Phase: PhaseRename, Kind: KindRename}
			op.setLineage(lin)
			if err := b.encode(op); err != nil {
				return fail(rename.Source, err)
			}
			res.ops[PhaseRename] = op
		}
	}

	// Phase 1.
	var op1 *Operation
	switch {
	case res.created:
		var data *obj
		var lin *lineage
		var err *posError
		cs, line, data, lin, err = b.fullBody(cs, line, base, &res)
		if err != nil {
			return fail(err.src, err.err)
		}
		op1 = b.newOp()
		*op1 = Operation{Method: scim.MethodPost, BulkID: bulkID, Path: "/Users", data: data,
			Kind: KindCreate}
		op1.setLineage(lin)
	case b.opts.Replace:
		var data *obj
		var lin *lineage
		var err *posError
		cs, line, data, lin, err = b.fullBody(cs, line, base, &res)
		if err != nil {
			return fail(err.src, err.err)
		}
		if known {
			data.set("id", uuid)
		} else {
			data.set("id", "bulkId:"+bulkID)
		}
		op1 = b.newOp()
		*op1 = Operation{Method: scim.MethodPut, Path: path, data: data,
			Kind: KindReplace}
		op1.setLineage(lin)
	default:
		lin := b.newLineage(base)
		ops, err := b.patchOps(cs, lin, &res)
		if err != nil {
			return fail(err.src, err.err)
		}
		if len(ops.vals) > 0 {
			op1 = b.newOp()
			*op1 = Operation{Method: scim.MethodPatch, Path: path, data: b.patchBody(ops),
				Kind: KindUpdate}
			op1.setLineage(lin)
		}
	}
	if op1 != nil {
		op1.Employee, op1.Phase = emp, PhaseIdentity
		if err := b.encode(op1); err != nil {
			return fail(base, err)
		}
		res.ops[PhaseIdentity] = op1
	}

	// Phase 2.
	if len(cs.Refs) > 0 {
		var lin *lineage
		if b.track {
			lin = b.newLineage(refBase(cs, base))
		}
		ops, err := b.refOps(cs, res.created, lin)
		if err != nil {
			return fail(err.src, err.err)
		}
		if len(ops.vals) > 0 {
			op := b.newOp()
			*op = Operation{Method: scim.MethodPatch, Path: path, data: b.patchBody(ops),
				Employee: emp, Phase: PhaseRefs, Kind: KindRefs}
			op.setLineage(lin)
			if err := b.encode(op); err != nil {
				return fail(base, err)
			}
			res.ops[PhaseRefs] = op
		}
	}
	return res
}

// bodyOf is the User body of cs: by way of the remembered body in
// builds (body), built afresh with its lineage in rebuilds.
func (b *builder) bodyOf(cs *model.ChangeSet, lin *lineage, res *userResult) (*obj, *posError) {
	if b.track || b.keep {
		root, slots, err := b.userBody(cs, lin, res, b.slots[:0])
		b.slots = slots
		return root, err
	}
	return b.body(cs, res)
}

// fullBody builds the body of a user sent whole (POST, or PUT with
// Replace) with its lineage, leaving out the extensions that lack an
// attribute UPS requires with them (Options.Requires): it then returns
// the change set without them, which the user's other operations are
// built from (it may be the builder's scratch, lasting until the next
// user), and the change set a rebuild of the user starts from (line, or
// cs when nil: a rebuild, with the same options, leaves them out again),
// and lists them in res.leftOut. After a user that
// lacked one, the builder looks at the values first (lackingValues), so
// that a feed without, say, a currency column builds each body once.
func (b *builder) fullBody(cs, line *model.ChangeSet, base model.Source, res *userResult) (_, _ *model.ChangeSet, _ *obj, _ *lineage, _ *posError) {
	if len(b.opts.Requires) == 0 {
		lin := b.newLineage(base)
		data, err := b.bodyOf(cs, lin, res)
		return cs, line, data, lin, err
	}
	orig := line
	if orig == nil {
		orig = cs
	}
	var left []LeftOut
	if b.lastLeft {
		if left = b.lackingValues(cs); len(left) > 0 {
			cs = b.withLeftOut(cs, left, res.created)
		}
	}
	nw := len(res.warns)
	for {
		lin := b.newLineage(base)
		data, err := b.bodyOf(cs, lin, res)
		if err != nil {
			return cs, line, data, lin, err
		}
		more := b.lacking(data, cs.EmployeeID)
		if len(more) == 0 {
			b.lastLeft = len(left) > 0
			if len(left) > 1 {
				slices.SortStableFunc(left, func(x, y LeftOut) int { return b.requirement(x.URN) - b.requirement(y.URN) })
			}
			res.leftOut = left
			if len(left) > 0 {
				// A rebuild leaves them out again: it starts from orig,
				// not from the scratch cs is.
				line = orig
			}
			return cs, line, data, lin, nil
		}
		left = append(left, more...)
		cs = b.withLeftOut(cs, more, res.created)
		res.warns = res.warns[:nw]
	}
}

// withLeftOut is cs with the extensions of left added to its LeaveOut,
// and without the values of those in its LeaveOut (withoutLeftOut), in
// the builder's scratch change set: it lasts until the next call. cs may
// be that change set.
func (b *builder) withLeftOut(cs *model.ChangeSet, left []LeftOut, created bool) *model.ChangeSet {
	c := *cs
	c.LeaveOut = slices.Clip(cs.LeaveOut)
	for _, lo := range left {
		c.LeaveOut = append(c.LeaveOut, lo.URN)
	}
	// Values are only dropped, so filtering cs's own slices in place
	// (when cs is the scratch change set) never overwrites one unread.
	attrs := b.leftAttrs[:0]
	for i := range cs.Attrs {
		if !slices.Contains(c.LeaveOut, cs.Attrs[i].Schema()) {
			attrs = append(attrs, cs.Attrs[i])
		}
	}
	b.leftAttrs, c.Attrs = attrs, attrs
	if created && len(cs.Refs) > 0 {
		refs := b.leftRefs[:0]
		for i := range cs.Refs {
			if !slices.Contains(c.LeaveOut, cs.Refs[i].Schema) {
				refs = append(refs, cs.Refs[i])
			}
		}
		b.leftRefs, c.Refs = refs, refs
	}
	b.leftCS = c
	return &b.leftCS
}

// requirement is the index of urn in Options.Requires.
func (b *builder) requirement(urn string) int {
	for i := range b.opts.Requires {
		if b.opts.Requires[i].URN == urn {
			return i
		}
	}
	return len(b.opts.Requires)
}

// leftOutable reports whether Options.Requires' requirement r may leave
// its extension out: the core and enterprise schemas may not.
func leftOutable(r *Requirement) bool {
	return r.URN != model.SchemaCore && r.URN != model.SchemaEnterprise
}

// lacking lists the extensions of the body root that lack an attribute
// of their Options.Requires, in the order of Options.Requires.
func (b *builder) lacking(root *obj, emp string) []LeftOut {
	var left []LeftOut
	for ri := range b.opts.Requires {
		req := &b.opts.Requires[ri]
		if !leftOutable(req) {
			continue
		}
		i := root.find(req.URN)
		if i < 0 {
			continue
		}
		ext, ok := root.vals[i].(*obj)
		if !ok {
			continue
		}
		var missing []string
		for _, a := range req.Attrs {
			if ext.find(a) < 0 {
				missing = append(missing, a)
			}
		}
		if len(missing) > 0 {
			left = append(left, LeftOut{Employee: emp, URN: req.URN, Missing: missing})
		}
	}
	return left
}

// lackingValues is lacking told from the change set's values instead of
// the body: an extension is in the body when a value of its schema is,
// and an attribute when a value sets it (a member of a multi-valued
// attribute is never required). It may miss what lacking finds, never
// the reverse; fullBody checks the body it builds with lacking anyway.
func (b *builder) lackingValues(cs *model.ChangeSet) []LeftOut {
	const maxReqs, maxAttrs = 8, 32
	var seen uint8
	var have [maxReqs]uint32
	reqs := b.opts.Requires
	if len(reqs) > maxReqs {
		reqs = reqs[:maxReqs]
	}
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		s := a.Schema()
		for ri := range reqs {
			req := &reqs[ri]
			if !model.SameString(s, req.URN) || !leftOutable(req) {
				continue
			}
			seen |= 1 << ri
			if a.Kind() == model.AttrMember {
				break
			}
			root := a.Path()
			if k := strings.IndexAny(root, ".["); k >= 0 {
				root = root[:k]
			}
			for k, name := range req.Attrs {
				if k < maxAttrs && root == name {
					have[ri] |= 1 << k
				}
			}
			break
		}
	}
	var left []LeftOut
	for ri := range reqs {
		if seen&(1<<ri) == 0 {
			continue
		}
		var missing []string
		for k, name := range reqs[ri].Attrs {
			if k < maxAttrs && have[ri]&(1<<k) == 0 {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			left = append(left, LeftOut{Employee: cs.EmployeeID, URN: reqs[ri].URN, Missing: missing})
		}
	}
	return left
}

func refBase(cs *model.ChangeSet, base model.Source) model.Source {
	s := cs.Refs[0].Source()
	if s.File == "" {
		return base
	}
	return s.Pos().Source()
}

// encode encodes op into the builder's arena and recycles its data.
func (b *builder) encode(op *Operation) error {
	if b.track || b.keep {
		return nil // a rebuild for lineage or data
	}
	// Encode straight into the slab; an operation that does not fit in
	// what is left gets an array of its own from append. A new slab is
	// started when what is left is less than the largest operation so far
	// (and a quarter), so little of a slab is left unused.
	if free := cap(b.slab) - len(b.slab); free == 0 || free < b.maxOp+b.maxOp/4 {
		if s := b.opts.Slabs; s != nil {
			b.slab = s.get()
			b.slabs = append(b.slabs, b.slab)
		} else {
			b.slab = make([]byte, 0, slabBytes)
		}
	}
	start := len(b.slab)
	if b.enc.orders == nil {
		b.enc = encoder{indent: b.opts.Indent, orders: new([keyOrders]*keyOrder)}
		if encTemplates {
			b.enc.tmpls = new([numPhases]tmplSet)
		}
	}
	enc, err := b.enc.operation(b.slab[start:start], op)
	if err == nil && b.check != nil {
		op.flagged = b.check(op, op.data, enc[b.enc.dataAt[0]:b.enc.dataAt[1]], b.enc.members)
	}
	op.data = nil
	if err != nil {
		return err
	}
	n := len(enc)
	if n > 0 && cap(enc) == cap(b.slab)-start && &enc[0] == &b.slab[:start+1][start] {
		b.slab = b.slab[:start+n]
	}
	op.setEncoded(enc[:n:n])
	b.maxOp = max(b.maxOp, n)
	return nil
}

// slabBytes is the size of the arrays encoded operations are cut from.
// Every worker of a Build fills slabs of its own, the last of them in
// part, so the peak of a spilled run grew with the cores: at 1 MiB, 1M
// employees peaked at 205 MiB with 2 workers and 265 MiB with 16; at 256
// KiB, 214 MiB with 16 (and 160 → 168 MiB from 16 to 64 at 200k, where
// a partition's blocks of employees bound the workers).
const slabBytes = 256 << 10

// patchSchemas is the "schemas" array of every PatchOp; it is never
// modified.
var patchSchemas = func() *arr {
	a := &arr{vals: []any{scim.SchemaPatchOp}}
	var e encoder
	a.enc, _ = e.array(nil, a.vals, 0)
	return a
}()

func (b *builder) patchBody(ops *arr) *obj {
	m := b.newObj()
	m.set("schemas", patchSchemas)
	m.set("Operations", ops)
	return m
}

// patchOp is a PATCH operation; path is nil, a string or a *string.
func (b *builder) patchOp(op, path, value any) *obj {
	m := b.newObj()
	m.set("op", op)
	if path != nil {
		m.set("path", path)
	}
	if value != nil {
		m.set("value", value)
	}
	return m
}

// posError is an error about one input value.
type posError struct {
	src model.Source
	err error
}

func errAt(src model.Source, format string, args ...any) *posError {
	return &posError{src: src, err: fmt.Errorf(format, args...)}
}

// value converts an Attr value to the plan's closed set of types.
func (b *builder) value(a *model.Attr) (any, error) {
	if v := nodeValue(a); v != nil {
		return v, nil
	}
	return nil, fmt.Errorf("value is missing")
}

// nodeValue is the value of a in a tree, nil when a has none: a node
// refers to the change set's string.
func nodeValue(a *model.Attr) any {
	switch a.Type {
	case model.StringValue:
		return &a.Str
	case model.BoolValue:
		return a.Bool
	}
	return nil
}

func jsonInt(n int) json.Number { return json.Number(strconv.Itoa(n)) }

// withNewLogin folds a rename's new login into the change set of a user the
// run creates under the new ID: the mapping left out the logins of records
// before the rename (the rename was to set it). A login of a later record
// stays.
// withoutLeftOut is cs without the values of the extensions left out of
// a user sent whole (cs.LeaveOut), and, for a new user, without the
// references that point into them.
func withoutLeftOut(cs *model.ChangeSet, created bool) *model.ChangeSet {
	c := *cs
	c.Attrs = make([]model.Attr, 0, len(cs.Attrs))
	for i := range cs.Attrs {
		if !slices.Contains(cs.LeaveOut, cs.Attrs[i].Schema()) {
			c.Attrs = append(c.Attrs, cs.Attrs[i])
		}
	}
	if created && len(cs.Refs) > 0 {
		c.Refs = make([]model.Ref, 0, len(cs.Refs))
		for i := range cs.Refs {
			if !slices.Contains(cs.LeaveOut, cs.Refs[i].Schema) {
				c.Refs = append(c.Refs, cs.Refs[i])
			}
		}
	}
	return &c
}

func withNewLogin(cs *model.ChangeSet, rename *model.Rename) *model.ChangeSet {
	if rename.NewLogin == "" {
		return cs
	}
	for i := range cs.Attrs {
		if a := &cs.Attrs[i]; a.Schema() == model.SchemaCore && a.Path() == "userName" {
			return cs
		}
	}
	c := *cs
	c.Attrs = append(slices.Clip(cs.Attrs), model.NewAttr(model.SchemaCore, "userName", rename.NewLogin, rename.Source, ""))
	return &c
}
