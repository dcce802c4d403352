package plan

import (
	"strconv"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/scim"
)

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
