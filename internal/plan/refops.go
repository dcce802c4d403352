package plan

import (
	"slices"
	"strconv"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/scim"
)

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
			for j := 0; j < len(key); j++ {
				if key[j] == '[' || key[j] == '.' {
					key = key[:j]
					break
				}
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
				ops.add(b.patchOp(scim.OpReplace, b.joinedPath(model.SchemaApprover, g.key, ""), list))
				continue
			}
			for j, r := range refs {
				if lin != nil {
					lin.add(opPtr(len(ops.vals)), r.Source(), r.Row())
				}
				ops.add(b.patchOp(scim.OpReplace, b.joinedPath(model.SchemaApprover, g.key, primaryFilter(isPrimary(r))), elems[j]))
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
			ops.add(b.patchOp(scim.OpAdd, b.joinedPath(model.SchemaDelegate, g.key, ""), list))
		default:
			r := g.refs[len(g.refs)-1]
			if lin != nil {
				lin.add(opPtr(len(ops.vals)), r.Source(), r.Row())
			}
			ops.add(b.patchOp(scim.OpReplace, b.joinedPath(g.schema, g.key, ""), b.userRef(&r.Target)))
		}
	}
	return ops, nil
}

// joinedPath is schema:key followed by suffix, boxed: the paths of
// successive users are the same, and are made and boxed once.
func (b *builder) joinedPath(schema, key, suffix string) any {
	for i := range b.joined {
		if p := &b.joined[i]; model.SameString(p.key, key) && model.SameString(p.schema, schema) && model.SameString(p.suffix, suffix) {
			return p.path
		}
	}
	if len(b.joined) == maxJoined {
		b.joined = b.joined[:0]
	}
	var path any = schema + ":" + key + suffix
	b.joined = append(b.joined, joinedPath{schema, key, suffix, path})
	return path
}

// joinedPath is an entry of builder.joined.
type joinedPath struct {
	schema, key, suffix string
	path                any
}

// maxJoined bounds builder.joined.
const maxJoined = 64

func refSchema(r *model.Ref) string {
	if r.Schema != "" {
		return model.ExpandSchema(r.Schema)
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
		if _, err := b.setPath(e, ap.segs, val, ptr, lin, a); err != nil {
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
