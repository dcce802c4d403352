package plan

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// userBody builds the full User resource of a change set, for POST (and
// PUT in replace mode): core attributes at the top, each extension as an
// object under its URN, absent members omitted.
func (b *builder) userBody(cs *model.ChangeSet, lin *lineage, res *userResult) (*obj, *posError) {
	emp := cs.EmployeeID
	root := b.newObj()
	ent := b.newObj()
	ent.set("employeeNumber", &cs.EmployeeID)
	if b.opts.CompanyID != "" {
		ent.set("companyId", &b.opts.CompanyID)
	}
	root.set(model.SchemaEnterprise, ent)
	if b.rec != nil {
		b.rec.ent = ent
	}
	// Attributes of one extension tend to come together: the last
	// extension object is tried before a search of the root.
	lastSchema, lastExt := model.SchemaEnterprise, ent
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		ap := b.paths.at(i, a)
		if ap.err != nil {
			return nil, &posError{a.Source(), ap.err}
		}
		b.record(ap, a)
		cont, ptr := root, ""
		if ap.core && strings.HasPrefix(ap.segs[0].name, "urn:") {
			lastSchema = "" // the attribute may replace an extension object
		}
		if !ap.core {
			if !sameString(ap.schema, lastSchema) {
				c, ok := root.get(ap.schema).(*obj)
				if !ok {
					c = b.newObj()
					root.set(ap.schema, c)
				}
				lastSchema, lastExt = ap.schema, c
			}
			cont = lastExt
			if lin != nil {
				ptr = ap.extPtr
			}
		}
		if a.Kind() == model.AttrMember {
			if a.Present() {
				if err := b.addMember(cont, ap, a, ptr, lin); err != nil {
					return nil, err
				}
			}
			continue
		}
		if ap.schema == model.SchemaEnterprise && len(ap.segs) == 1 {
			switch ap.segs[0].name {
			case "employeeNumber":
				b.checkEmployeeNumber(a, emp, res)
				b.stored(stepEmp, nil, 0)
				if lin != nil {
					lin.add(ptr+"/employeeNumber", a.Source(), a.Row())
				}
				continue
			case "companyId":
				if b.opts.CompanyID != "" {
					continue
				}
			}
		}
		val, err := b.value(a)
		if err != nil {
			return nil, &posError{a.Source(), err}
		}
		if err := b.setPath(cont, ap.segs, val, ptr, lin, a); err != nil {
			return nil, err
		}
	}
	if markPrimaryMobile(root) {
		b.dependsOnValue()
	}
	root.set("schemas", b.userSchemas(root))
	return root, nil
}

// checkEmployeeNumber warns when the employeeNumber value a of a new user
// differs from the employee ID.
func (b *builder) checkEmployeeNumber(a *model.Attr, emp string, res *userResult) {
	if v := a.Str; v != emp {
		b.warn(res, a.Source(), "employee number %q differs from the employee ID %q: the employee ID is used", v, emp)
	}
}

// userSchemas returns the "schemas" array of a user: the core URN, then
// the extension URNs among the keys of root, sorted. Builds that encode
// and drop their trees share one constant array, encoded once, per set of
// extensions.
func (b *builder) userSchemas(root *obj) *arr {
	if b.track || b.keep {
		return fillSchemas(b.newArr(), root.keys)
	}
	urns := b.urns[:0]
	h := uint32(0)
	for _, k := range root.keys {
		if strings.HasPrefix(k, "urn:") {
			urns = append(urns, k)
			h = h*0x01000193 ^ uint32(len(k))<<8 ^ uint32(k[len(k)-1]) ^ uint32(k[len(k)-4])<<16
		}
	}
	b.urns = urns
	c := &b.schemas[(h^h>>13)%uint32(len(b.schemas))]
	if c.a != nil && sameStrings(c.keys, urns) {
		return c.a
	}
	a := fillSchemas(&arr{}, urns)
	var e encoder
	a.enc, _ = e.array(nil, a.vals, 0)
	c.keys, c.a = append(c.keys[:0], urns...), a
	return a
}

// fillSchemas fills schemas with the core URN and the URNs among keys,
// the latter sorted.
func fillSchemas(schemas *arr, keys []string) *arr {
	schemas.add(model.SchemaCore)
	for _, k := range keys {
		if strings.HasPrefix(k, "urn:") {
			schemas.add(boxed(k))
		}
	}
	exts := schemas.vals[1:]
	for i := 1; i < len(exts); i++ { // sort the extension URNs
		for j := i; j > 0 && exts[j].(string) < exts[j-1].(string); j-- {
			exts[j], exts[j-1] = exts[j-1], exts[j]
		}
	}
	return schemas
}

// markPrimaryMobile makes the first mobile phone primary when no mobile is:
// UPS requires exactly one primary mobile number (attributes.csv,
// phoneNumbers.primary). It reports whether root has phones.
func markPrimaryMobile(root *obj) bool {
	phones, _ := root.get("phoneNumbers").(*arr)
	if phones == nil {
		return false
	}
	var first *obj
	for _, p := range phones.vals {
		m, _ := p.(*obj)
		if m == nil {
			continue
		}
		if t, _ := strOf(m.get("type")); t != "mobile" {
			continue
		}
		if m.get("primary") != nil {
			return true
		}
		if first == nil {
			first = m
		}
	}
	if first != nil {
		first.set("primary", true)
	}
	return true
}

// descend walks segs from cont, creating objects, arrays and filtered
// elements as needed, and returns the object the walk ends in with its
// pointer. Elements created for a filter get the source as lineage.
func (b *builder) descend(cont *obj, segs []segment, ptr string, lin *lineage, at *model.Attr) (*obj, string, *posError) {
	cur := cont
	for k := range segs {
		sg := &segs[k]
		if lin != nil {
			ptr += "/" + sg.ptr
		}
		next := cur.get(sg.name)
		if sg.filter != nil {
			a, ok := next.(*arr)
			if !ok {
				if next != nil {
					return nil, "", errAt(at.Source(), "%s is not multi-valued here", sg.name)
				}
				a = b.newArr()
				cur.set(sg.name, a)
			}
			if len(a.vals) > 0 && !selIndexed(a, sg.filter) {
				b.dependsOnValue() // the match may compare values
			}
			idx := findElem(a, sg.filter)
			if idx < 0 {
				addElem(a, b.newElem(sg.filter), sg.filter)
				idx = len(a.vals) - 1
				if lin != nil {
					lin.add(ptr+"/"+strconv.Itoa(idx), at.Source(), at.Row())
				}
			}
			if lin != nil {
				ptr += "/" + strconv.Itoa(idx)
			}
			cur = a.vals[idx].(*obj)
			continue
		}
		switch n := next.(type) {
		case *obj:
			cur = n
		case *arr:
			b.dependsOnValue()
			if len(n.vals) == 0 {
				n.add(b.newObj())
			}
			e, ok := n.vals[0].(*obj)
			if !ok {
				return nil, "", errAt(at.Source(), "%s holds values, not objects", sg.name)
			}
			if lin != nil {
				ptr += "/0"
			}
			cur = e
		case nil:
			m := b.newObj()
			if sg.multi == multiComplex {
				cur.set(sg.name, b.arr1(m))
				if lin != nil {
					ptr += "/0"
				}
			} else {
				cur.set(sg.name, m)
			}
			cur = m
		default:
			return nil, "", errAt(at.Source(), "%s is a value and cannot hold %s", sg.name, segs[len(segs)-1].name)
		}
	}
	return cur, ptr, nil
}

// setPath sets the attribute at segs under cont to val.
func (b *builder) setPath(cont *obj, segs []segment, val any, ptr string, lin *lineage, at *model.Attr) *posError {
	last := &segs[len(segs)-1]
	if last.filter != nil {
		return errAt(at.Source(), "path selects an element of %s; name one of its sub-attributes", last.name)
	}
	holder, ptr, err := b.descend(cont, segs[:len(segs)-1], ptr, lin, at)
	if err != nil {
		return err
	}
	_, valIsArr := val.(*arr)
	at0 := holder.find(last.name)
	var cur any
	if at0 >= 0 {
		cur = holder.vals[at0]
	}
	switch o := cur.(type) {
	case *obj:
		return errAt(at.Source(), "%s is an object and cannot be set to a value", last.name)
	case *arr:
		if last.multi != multiSimple {
			return errAt(at.Source(), "%s is multi-valued and cannot be set to a value", last.name)
		}
		if !valIsArr {
			b.dependsOnValue()
			n := len(o.vals)
			if !slices.ContainsFunc(o.vals, func(e any) bool { return equalValue(e, val) }) {
				o.add(val)
			}
			if lin != nil {
				lin.add(ptr+"/"+last.ptr+"/"+strconv.Itoa(n), at.Source(), at.Row())
			}
			return nil
		}
	}
	if !valIsArr && last.multi == multiSimple {
		a := b.arr1(val)
		b.stored(stepValue, &a.vals, 0)
		val = a
	} else if at0 >= 0 {
		b.stored(stepValue, &holder.vals, at0)
	} else {
		b.stored(stepValue, &holder.vals, len(holder.vals))
	}
	if at0 >= 0 {
		holder.vals[at0] = val
	} else {
		holder.add(last.name, val)
	}
	if lin != nil {
		lin.add(ptr+"/"+last.ptr, at.Source(), at.Row())
	}
	return nil
}

// addMember makes a.Member() present in the array the member path names.
func (b *builder) addMember(cont *obj, ap *attrPath, a *model.Attr, ptr string, lin *lineage) *posError {
	mi := ap.member()
	if mi.err != nil {
		return &posError{a.Source(), mi.err}
	}
	holder, ptr, err := b.descend(cont, ap.segs[:mi.n-1], ptr, lin, a)
	if err != nil {
		return err
	}
	arrSeg := &ap.segs[mi.n-1]
	list, ok := holder.get(arrSeg.name).(*arr)
	if !ok {
		if holder.get(arrSeg.name) != nil {
			return errAt(a.Source(), "%s is not multi-valued here", arrSeg.name)
		}
		list = b.newArr()
		holder.set(arrSeg.name, list)
	}
	if len(list.vals) != list.mem {
		b.dependsOnValue() // members are compared with values
	}
	if memberIndex(list, mi, a.Member()) >= 0 {
		return nil
	}
	if lin != nil {
		lin.add(ptr+"/"+arrSeg.ptr+"/"+strconv.Itoa(len(list.vals)), a.Source(), a.Row())
	}
	e := b.memberElem(mi, a.MemberRef())
	if m, ok := e.(*obj); ok {
		b.stored(stepMember, &m.vals, 0)
	} else {
		b.stored(stepMember, &list.vals, len(list.vals))
	}
	list.add(e)
	list.mem++
	return nil
}

// emptyArr is the value of roleGroups: the global group. It is never
// modified.
var emptyArr = &arr{}

func (b *builder) memberElem(mi memberInfo, member *string) any {
	if mi.simple {
		return member
	}
	m := b.newObj()
	m.set(mi.key, member)
	if mi.roles {
		m.set("roleGroups", emptyArr)
	}
	return m
}

func memberIndex(list *arr, mi memberInfo, member string) int {
	for i, e := range list.vals {
		if mi.simple {
			if s, ok := strOf(e); ok && s == member {
				return i
			}
		} else if m, ok := e.(*obj); ok {
			if s, ok := strOf(m.get(mi.key)); ok && s == member {
				return i
			}
		}
	}
	return -1
}

// addElem appends an element created for filter f, keeping the selector
// index of list current.
func addElem(list *arr, e *obj, f []cond) {
	if len(list.sel) == len(list.vals) {
		if v, ok := f[0].val.(string); ok && len(f) == 1 && len(f[0].key) == 1 && (len(list.vals) == 0 || list.selKey == f[0].key[0]) {
			list.selKey = f[0].key[0]
			list.sel = append(list.sel, v)
			list.selH = append(list.selH, f[0].h)
			list.selM[f[0].h>>6&1] |= 1 << (f[0].h & 63)
		}
	}
	list.add(e)
}

// selIndexed reports whether findElem looks f up in the selector index of
// list (comparing filter values only).
func selIndexed(list *arr, f []cond) bool {
	if len(list.sel) == len(list.vals) && len(f) == 1 && len(f[0].key) == 1 && f[0].key[0] == list.selKey {
		_, ok := f[0].val.(string)
		return ok
	}
	return false
}

// findElem returns the index of the element of list matching every cond.
func findElem(list *arr, f []cond) int {
	if len(list.sel) == len(list.vals) && len(f) == 1 && len(f[0].key) == 1 && f[0].key[0] == list.selKey {
		if v, ok := f[0].val.(string); ok {
			h := f[0].h
			if list.selM[h>>6&1]&(1<<(h&63)) == 0 {
				return -1
			}
			for i, sh := range list.selH {
				if sh == h && list.sel[i] == v {
					return i
				}
			}
			return -1
		}
	}
	for i, e := range list.vals {
		m, ok := e.(*obj)
		if !ok {
			continue
		}
		match := true
		for _, c := range f {
			if !equalValue(lookup(m, c.key), c.val) {
				match = false
				break
			}
		}
		if match {
			return i
		}
	}
	return -1
}

func lookup(m *obj, key []string) any {
	var v any = m
	for _, k := range key {
		mm, ok := v.(*obj)
		if !ok {
			return nil
		}
		v = mm.get(k)
	}
	return v
}

func equalValue(a, b any) bool {
	switch x := a.(type) {
	case string, *string:
		xs, _ := strOf(x)
		y, ok := strOf(b)
		return ok && xs == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case json.Number:
		y, ok := b.(json.Number)
		return ok && x == y
	case nil:
		return b == nil
	}
	return false
}

// newElem is a new element carrying the filter's values.
func (b *builder) newElem(f []cond) *obj {
	m := b.newObj()
	for _, c := range f {
		cur := m
		for _, k := range c.key[:len(c.key)-1] {
			n, ok := cur.get(k).(*obj)
			if !ok {
				n = b.newObj()
				cur.set(k, n)
			}
			cur = n
		}
		cur.set(c.key[len(c.key)-1], c.val)
	}
	return m
}

// patchOps builds the PATCH operations that apply a change set's attributes
// to an existing user: replace with the full path for values (filtered
// paths for elements of multi-valued attributes), one add per multi-valued
// attribute for present members, a filtered remove per absent member.
func (b *builder) patchOps(cs *model.ChangeSet, lin *lineage, res *userResult) (*arr, *posError) {
	type group struct {
		base string
		list *arr
		n    int // operation index
	}
	var groupBuf [4]group
	groups := groupBuf[:0]
	ops := b.newArr()
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		ap := b.paths.at(i, a)
		if ap.err != nil {
			return nil, &posError{a.Source(), ap.err}
		}
		if a.Kind() == model.AttrMember {
			mi := ap.member()
			if mi.err != nil {
				return nil, &posError{a.Source(), mi.err}
			}
			if !a.Present() {
				if lin != nil {
					lin.add(opPtr(len(ops.vals)), a.Source(), a.Row())
				}
				ops.add(b.patchOp(scim.OpRemove, ap.removePath(a.Member()), nil))
				continue
			}
			g := -1
			for j := range groups {
				if groups[j].base == mi.base {
					g = j
				}
			}
			if g < 0 {
				groups = append(groups, group{base: mi.base, list: b.newArr(), n: len(ops.vals)})
				g = len(groups) - 1
				if lin != nil {
					lin.add(opPtr(len(ops.vals)), a.Source(), a.Row())
				}
				ops.add(b.patchOp(scim.OpAdd, &ap.mem.base, groups[g].list))
			}
			list := groups[g].list
			if memberIndex(list, mi, a.Member()) < 0 {
				if lin != nil {
					lin.add(opPtr(groups[g].n)+"/value/"+strconv.Itoa(len(list.vals)), a.Source(), a.Row())
				}
				list.add(b.memberElem(mi, a.MemberRef()))
			}
			continue
		}
		if ap.schema == model.SchemaEnterprise && len(ap.segs) == 1 {
			switch ap.segs[0].name {
			case "employeeNumber":
				if v := a.Str; v != cs.EmployeeID {
					b.warn(res, a.Source(), "employee number %q differs from the employee ID %q: not patched (a 320 record changes an employee ID)", v, cs.EmployeeID)
				}
				continue
			case "companyId":
				b.warn(res, a.Source(), "companyId cannot change after creation: not patched")
				continue
			}
		}
		last := &ap.segs[len(ap.segs)-1]
		if last.filter != nil {
			return nil, errAt(a.Source(), "path %q selects an element of %s; name one of its sub-attributes", ap.path, last.name)
		}
		val, err := b.value(a)
		if err != nil {
			return nil, &posError{a.Source(), err}
		}
		if _, isArr := val.(*arr); !isArr && last.multi == multiSimple {
			val = b.arr1(val)
		}
		if lin != nil {
			lin.add(opPtr(len(ops.vals)), a.Source(), a.Row())
		}
		ops.add(b.patchOp(scim.OpReplace, &ap.patchPath, val))
	}
	return ops, nil
}

func opPtr(i int) string { return "/Operations/" + strconv.Itoa(i) }

// primaryOnly lists the approval types that hold a primary approver only
// (attributes.csv).
var primaryOnly = map[string]bool{"cashAdvance": true, "invoice": true, "purchaseRequest": true, "statement": true, "budget": true}

const elemSchema = "element"

// refOps builds the phase 2 operations of a change set.
//
// Approvers: for a user created in this run, one path-less add whose value
// holds every approval type (the UPS "Adding Approver" form); the user has
// none yet, so nothing accumulates. For an existing user, per approval type:
// replace the whole type array when the change set names every slot it has
// (the primary for primary-only types, primary and secondary for report and
// request), else replace the named slot through a filtered path
// (report[primary eq true]) so a new primary replaces the old one instead of
// joining it, and an unnamed slot is kept.
//
// Delegates: one add per product with every delegate of the product.
// Managers (travel manager, enterprise manager, biManager): replace the
// reference object; of several references to one slot the last wins.
func (b *builder) refOps(cs *model.ChangeSet, created bool, lin *lineage) (*arr, *posError) {
	type group struct {
		kind   model.RefKind
		schema string // managers: the URN of the path
		key    string // approval type, product, or manager path
		refs   []*model.Ref
	}
	var groupBuf [8]group
	groups := groupBuf[:0]
	gidx := b.refGroup[:0]
	for i := range cs.Refs {
		r := &cs.Refs[i]
		if r.Target == "" {
			return nil, errAt(r.Source(), "%s reference without a target employee", r.Kind)
		}
		key, schema := "", ""
		switch r.Kind {
		case model.RefApprover, model.RefDelegate:
			key = r.Path
			if j := strings.IndexAny(key, "[."); j >= 0 {
				key = key[:j]
			}
			if key == "" {
				return nil, errAt(r.Source(), "%s reference without an approval type or product", r.Kind)
			}
		case model.RefManager, model.RefBIManager:
			schema, key = refSchema(r), refPath(r)
		default:
			return nil, errAt(r.Source(), "unknown reference kind %q", r.Kind)
		}
		g := -1
		for j := range groups {
			if groups[j].kind == r.Kind && groups[j].key == key && groups[j].schema == schema {
				g = j
			}
		}
		if g < 0 {
			groups = append(groups, group{kind: r.Kind, schema: schema, key: key})
			g = len(groups) - 1
		}
		gidx = append(gidx, g)
	}
	b.refGroup = gidx
	// The refs of each group, in input order, cut from one scratch slice.
	refs := slices.Grow(b.refScratch[:0], len(cs.Refs))[:len(cs.Refs)]
	b.refScratch = refs
	off := 0
	for g := range groups {
		start := off
		for i, gi := range gidx {
			if gi == g {
				refs[off] = &cs.Refs[i]
				off++
			}
		}
		groups[g].refs = refs[start:off:off]
	}

	ops := b.newArr()
	var approverAll *obj // created users: the value of the one path-less add
	for _, g := range groups {
		switch g.kind {
		case model.RefApprover:
			refs := g.refs // primary first; the order within each kind stays
			slices.SortStableFunc(refs, func(x, y *model.Ref) int { return boolRank(isPrimary(x)) - boolRank(isPrimary(y)) })
			elems := b.elems[:0]
			for _, r := range refs {
				e := b.newObj()
				e.set("approver", b.userRef(&r.Target))
				e.set("primary", isPrimary(r))
				elems = append(elems, e)
			}
			b.elems = elems
			if created {
				if approverAll == nil {
					approverAll = b.newObj()
					if lin != nil {
						lin.add(opPtr(len(ops.vals)), g.refs[0].Source(), g.refs[0].Row())
					}
					ops.add(b.patchOp(scim.OpAdd, nil, b.obj1(model.SchemaApprover, approverAll)))
				}
				list := b.newArr()
				for j, r := range refs {
					list.add(elems[j])
					if lin != nil {
						lin.add(opPtr(len(ops.vals)-1)+"/value/"+pointerToken(model.SchemaApprover)+"/"+pointerToken(g.key)+"/"+strconv.Itoa(j), r.Source(), r.Row())
					}
				}
				approverAll.set(g.key, list)
				continue
			}
			hasP, hasS := false, false
			for _, r := range refs {
				if isPrimary(r) {
					hasP = true
				} else {
					hasS = true
				}
			}
			base := *b.joined(model.SchemaApprover+":", g.key)
			if hasP && (hasS || primaryOnly[g.key]) {
				list := b.newArr()
				for j, r := range refs {
					list.add(elems[j])
					if lin != nil {
						lin.add(opPtr(len(ops.vals))+"/value/"+strconv.Itoa(j), r.Source(), r.Row())
					}
				}
				if lin != nil {
					lin.add(opPtr(len(ops.vals)), refs[0].Source(), refs[0].Row())
				}
				ops.add(b.patchOp(scim.OpReplace, b.joined(base, ""), list))
				continue
			}
			for j, r := range refs {
				if lin != nil {
					lin.add(opPtr(len(ops.vals)), r.Source(), r.Row())
				}
				ops.add(b.patchOp(scim.OpReplace, b.joined(base, primaryFilter(isPrimary(r))), elems[j]))
			}
		case model.RefDelegate:
			list := b.newArr()
			n := len(ops.vals)
			if lin != nil {
				lin.add(opPtr(n), g.refs[0].Source(), g.refs[0].Row())
			}
			for j, r := range g.refs {
				ptr := ""
				if lin != nil {
					ptr = opPtr(n) + "/value/" + strconv.Itoa(j)
				}
				e, err := b.delegateElem(r, ptr, lin)
				if err != nil {
					return nil, err
				}
				list.add(e)
			}
			ops.add(b.patchOp(scim.OpAdd, b.joined(model.SchemaDelegate+":", g.key), list))
		default:
			r := g.refs[len(g.refs)-1]
			if lin != nil {
				lin.add(opPtr(len(ops.vals)), r.Source(), r.Row())
			}
			ops.add(b.patchOp(scim.OpReplace, b.joined3(g.schema, ":", g.key), b.userRef(&r.Target)))
		}
	}
	return ops, nil
}

func refSchema(r *model.Ref) string {
	if r.Schema != "" {
		return expandSchema(r.Schema)
	}
	if r.Kind == model.RefBIManager {
		return model.SchemaSpendUser
	}
	return model.SchemaTravel
}

func refPath(r *model.Ref) string {
	if r.Path != "" {
		return r.Path
	}
	if r.Kind == model.RefBIManager {
		return "biManager"
	}
	return "manager"
}

func isPrimary(r *model.Ref) bool { return r.Primary == nil || *r.Primary }

// primaryFilter selects the primary or the secondary slot of an approval
// type.
func primaryFilter(primary bool) string {
	if primary {
		return "[primary eq true]"
	}
	return "[primary eq false]"
}

func boolRank(b bool) int {
	if b {
		return 0
	}
	return 1
}

// userRef is a UserReference to an employee: its employee number, and its
// id when the directory knows it.
func (b *builder) userRef(emp *string) *obj {
	m := b.newObj()
	m.set("employeeNumber", emp)
	if u, ok := b.uuidRef(*emp); ok {
		m.set("value", u)
	}
	return m
}

// delegateElem builds one SpendDelegate element. The "temporaryDelegation"
// spelling of attributes.csv is used (Concur's examples misspell it
// temporaryDelegatation; paths with the misspelling are corrected). A
// boolean at "temporaryDelegation" itself is the 500 record's presence flag:
// false drops the temporary delegation, true keeps an empty one when no
// dates are given.
func (b *builder) delegateElem(r *model.Ref, ptr string, lin *lineage) (*obj, *posError) {
	e := b.newObj()
	e.set("delegate", b.userRef(&r.Target))
	if lin != nil {
		lin.add(ptr, r.Source(), r.Row())
	}
	dropTD := false
	for i := range r.Attrs {
		a := &r.Attrs[i]
		ap := b.paths.get(elemSchema, a.Path())
		if ap.err != nil {
			return nil, &posError{a.Source(), ap.err}
		}
		if len(ap.segs) == 1 && ap.segs[0].name == temporaryDelg {
			if flag, ok := a.Bool, a.Type == model.BoolValue; ok {
				if !flag {
					dropTD = true
				} else if e.get(temporaryDelg) == nil {
					e.set(temporaryDelg, b.newObj())
					if lin != nil {
						lin.add(ptr+"/"+temporaryDelg, a.Source(), a.Row())
					}
				}
				continue
			}
		}
		val, err := b.value(a)
		if err != nil {
			return nil, &posError{a.Source(), err}
		}
		if err := b.setPath(e, ap.segs, val, ptr, lin, a); err != nil {
			return nil, err
		}
	}
	if dropTD {
		e.del(temporaryDelg)
	}
	return e, nil
}

// strOf returns the string a node value holds: node trees refer to input
// strings by pointer to avoid boxing each one.
func strOf(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case *string:
		return *x, true
	}
	return "", false
}

// boxedURNs holds the schema URNs as interface values, allocated once.
var boxedURNs = func() map[string]any {
	m := map[string]any{}
	for _, u := range []string{model.SchemaCore, model.SchemaEnterprise, model.SchemaSpendUser, model.SchemaApprover,
		model.SchemaApproverLimit, model.SchemaDelegate, model.SchemaRole, model.SchemaUserPreference,
		model.SchemaWorkflowPreference, model.SchemaInvoicePreference, model.SchemaPayroll, model.SchemaTravel} {
		m[u] = u
	}
	return m
}()

func boxed(s string) any {
	if v, ok := boxedURNs[s]; ok {
		return v
	}
	return s
}

// joined3 returns a+c+d as a *string, built once per builder. The last
// strings joined are remembered by their lengths and compared by address
// first, so that the common case needs no hashing.
func (b *builder) joined3(a, c, d string) *string {
	slot := &b.joinLast[(len(a)*5+len(c)*3+len(d))%len(b.joinLast)]
	if slot.p != nil && sameString(slot.k[0], a) && sameString(slot.k[1], c) && sameString(slot.k[2], d) {
		return slot.p
	}
	k := [3]string{a, c, d}
	p, ok := b.joins[k]
	if !ok {
		if b.joins == nil {
			b.joins = make(map[[3]string]*string)
		}
		p = new(string)
		*p = a + c + d
		b.joins[k] = p
	}
	slot.k, slot.p = k, p
	return p
}

// joined returns a+c as a *string, built once per builder.
func (b *builder) joined(a, c string) *string { return b.joined3(a, c, "") }
