package plan

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// slot is where a tree stores one value: element i of the values of an obj
// or arr node. vals points at the node's slice, which only grows.
type slot struct {
	vals *[]any
	i    int
}

// userBody builds the full User resource of a change set, for POST (and
// PUT in replace mode): core attributes at the top, each extension as an
// object under its URN, absent members omitted. It appends to slots where
// each attribute's value went, one slot per attribute (the zero slot when
// it stored no value of its own), and returns them with the tree.
func (b *builder) userBody(cs *model.ChangeSet, lin *lineage, res *userResult, slots []slot) (*obj, []slot, *posError) {
	b.bodyPaths = b.bodyPaths[:0]
	root := b.newObj()
	ent := b.newObj()
	ent.set("employeeNumber", &cs.EmployeeID)
	if b.opts.CompanyID != "" {
		ent.set("companyId", &b.opts.CompanyID)
	}
	root.set(model.SchemaEnterprise, ent)
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		ap := b.paths.at(i, a)
		if ap.err != nil {
			return nil, nil, &posError{a.Source(), ap.err}
		}
		b.bodyPaths = append(b.bodyPaths, ap)
		cont, ptr := root, ""
		if !ap.core {
			cont = b.extension(root, ap.schema, &ap.extAt)
			if lin != nil {
				ptr = ap.extPtr
			}
		}
		var sl slot
		var err *posError
		switch {
		case a.Kind() == model.AttrMember:
			if a.Present() {
				sl, err = b.addMember(cont, ap, a, ptr, lin)
			}
		case isEmployeeNumber(ap):
			b.checkEmployeeNumber(a, cs.EmployeeID, res)
			if lin != nil {
				lin.add(ptr+"/employeeNumber", a.Source(), a.Row())
			}
		case isCompanyID(ap) && b.opts.CompanyID != "":
			// Options.CompanyID wins.
		default:
			val, verr := b.value(a)
			if verr != nil {
				return nil, nil, &posError{a.Source(), verr}
			}
			sl, err = b.setPath(cont, ap.segs, val, ptr, lin, a)
		}
		if err != nil {
			return nil, nil, err
		}
		slots = append(slots, sl)
	}
	markPrimaryMobile(root)
	root.set("schemas", fillSchemas(b.newArr(), root.keys))
	return root, slots, nil
}

// extension returns the object of the extension schema under root,
// adding it when root has none.
func (b *builder) extension(root *obj, schema string, at *int) *obj {
	c, ok := root.getAt(schema, at).(*obj)
	if !ok {
		c = b.newObj()
		root.set(schema, c)
	}
	return c
}

// isEmployeeNumber reports whether ap is the enterprise employeeNumber,
// which the employee ID sets.
func isEmployeeNumber(ap *attrPath) bool {
	return ap.schema == model.SchemaEnterprise && len(ap.segs) == 1 && ap.segs[0].name == "employeeNumber"
}

// isCompanyID reports whether ap is the enterprise companyId.
func isCompanyID(ap *attrPath) bool {
	return ap.schema == model.SchemaEnterprise && len(ap.segs) == 1 && ap.segs[0].name == "companyId"
}

// checkEmployeeNumber warns when the employeeNumber value a of a new user
// differs from the employee ID.
func (b *builder) checkEmployeeNumber(a *model.Attr, emp string, res *userResult) {
	if v := a.Str; v != emp {
		b.warn(res, a.Source(), "employee number %q differs from the employee ID %q: the employee ID is used", v, emp)
	}
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
// phoneNumbers.primary).
func markPrimaryMobile(root *obj) {
	phones, _ := root.get("phoneNumbers").(*arr)
	if phones == nil {
		return
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
			return
		}
		if first == nil {
			first = m
		}
	}
	if first != nil {
		first.set("primary", true)
	}
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
		next := cur.getAt(sg.name, &sg.at)
		if sg.filter != nil {
			a, ok := next.(*arr)
			if !ok {
				if next != nil {
					return nil, "", errAt(at.Source(), "%s is not multi-valued here", sg.name)
				}
				a = b.newArr()
				cur.set(sg.name, a)
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

// setPath sets the attribute at segs under cont to val and returns the
// slot val went to (the zero slot when val joined the values already
// there).
func (b *builder) setPath(cont *obj, segs []segment, val any, ptr string, lin *lineage, at *model.Attr) (slot, *posError) {
	last := &segs[len(segs)-1]
	if last.filter != nil {
		return slot{}, errAt(at.Source(), "path selects an element of %s; name one of its sub-attributes", last.name)
	}
	holder, ptr, err := b.descend(cont, segs[:len(segs)-1], ptr, lin, at)
	if err != nil {
		return slot{}, err
	}
	_, valIsArr := val.(*arr)
	at0 := holder.findAt(last.name, &last.at)
	var cur any
	if at0 >= 0 {
		cur = holder.vals[at0]
	}
	switch o := cur.(type) {
	case *obj:
		return slot{}, errAt(at.Source(), "%s is an object and cannot be set to a value", last.name)
	case *arr:
		if last.multi != multiSimple {
			return slot{}, errAt(at.Source(), "%s is multi-valued and cannot be set to a value", last.name)
		}
		if !valIsArr {
			n := len(o.vals)
			if !slices.ContainsFunc(o.vals, func(e any) bool { return equalValue(e, val) }) {
				o.add(val)
			}
			if lin != nil {
				lin.add(ptr+"/"+last.ptr+"/"+strconv.Itoa(n), at.Source(), at.Row())
			}
			return slot{}, nil
		}
	}
	sl := slot{&holder.vals, at0}
	if !valIsArr && last.multi == multiSimple {
		a := b.arr1(val)
		sl = slot{&a.vals, 0}
		val = a
	} else if at0 < 0 {
		sl.i = len(holder.vals)
	}
	if at0 >= 0 {
		holder.vals[at0] = val
	} else {
		holder.add(last.name, val)
	}
	if lin != nil {
		lin.add(ptr+"/"+last.ptr, at.Source(), at.Row())
	}
	return sl, nil
}

// addMember makes a.Member() present in the array the member path names
// and returns the slot the member went to (the zero slot when it was
// there already).
func (b *builder) addMember(cont *obj, ap *attrPath, a *model.Attr, ptr string, lin *lineage) (slot, *posError) {
	mi := ap.member()
	if mi.err != nil {
		return slot{}, &posError{a.Source(), mi.err}
	}
	holder, ptr, err := b.descend(cont, ap.segs[:mi.n-1], ptr, lin, a)
	if err != nil {
		return slot{}, err
	}
	arrSeg := &ap.segs[mi.n-1]
	list, ok := holder.getAt(arrSeg.name, &arrSeg.at).(*arr)
	if !ok {
		if holder.get(arrSeg.name) != nil {
			return slot{}, errAt(a.Source(), "%s is not multi-valued here", arrSeg.name)
		}
		list = b.newArr()
		holder.set(arrSeg.name, list)
	}
	if memberIndex(list, mi, a.Member()) >= 0 {
		return slot{}, nil
	}
	if lin != nil {
		lin.add(ptr+"/"+arrSeg.ptr+"/"+strconv.Itoa(len(list.vals)), a.Source(), a.Row())
	}
	e := b.memberElem(mi, a.MemberRef())
	sl := slot{&list.vals, len(list.vals)}
	if m, ok := e.(*obj); ok {
		sl = slot{&m.vals, 0}
	}
	list.add(e)
	return sl, nil
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
