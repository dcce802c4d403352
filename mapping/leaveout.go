package mapping

import (
	"fmt"
	"slices"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// A later stage (the schema check of the planned operations) may find that
// one value, or one extension of a new user, cannot be provisioned. Neither
// costs the whole user: DropValue leaves that value out, LeaveOut leaves the
// extension out of the user the plan creates. Both last for the engine's
// life, so every later Finish applies them.

// leftExt is an extension left out of one employee's new user.
type leftExt struct {
	urn     string
	missing []string // the attributes UPS requires with the extension
}

// LeaveOut leaves extension urn out of the user that the plan creates for
// employee (the Employee ID after renames) because UPS requires missing with
// it and the input gives none. The change set keeps the values (an existing
// user is still updated with them) and lists urn in ChangeSet.LeaveOut; the
// record that started the extension gets a warning naming its fields, the
// missing attribute and how to supply it. It reports whether the extension
// was not left out already.
//
// Each missing attribute is named in the warning; the result is true only
// for the first, since the extension is left out once.
func (e *Engine) LeaveOut(employee, urn, missing string) bool {
	left := e.leave[employee]
	for i := range left {
		if left[i].urn == urn {
			if !slices.Contains(left[i].missing, missing) {
				left[i].missing = append(left[i].missing, missing)
			}
			return false
		}
	}
	if e.leave == nil {
		e.leave = map[string][]leftExt{}
	}
	e.leave[employee] = append(left, leftExt{urn: urn, missing: []string{missing}})
	return true
}

// DropValue drops the value that src (file:line:field) names, from the next
// Finish on, and adds d (a warning saying why) to its record. It reports
// whether a value was found that was not dropped already; the caller then
// rejects instead.
func (e *Engine) DropValue(src model.Source, d model.Diagnostic) bool {
	if src.Field == "" {
		return false
	}
	e.index()
	idx := e.byPos[src.Pos()]
	if len(idx) == 0 {
		// A field on a continuation line of a multi-line record.
		for i := int32(0); i < e.cs.n; i++ {
			if p := e.cs.at(i).pos; p.File == src.File && p.Line < src.Line {
				idx = append(idx, i)
			}
		}
	}
	if d.Severity == "" {
		d.Severity = model.SevWarning
	}
	found := false
	for _, i := range idx {
		c := e.cs.at(i)
		if c.state != stOK {
			continue
		}
		f, ok := c.fieldAt(src)
		if !ok || c.dropped(f) {
			continue
		}
		c.dropF = append(c.dropF, f)
		c.ext = append(c.ext, d)
		found = true
	}
	return found
}

// fieldAt finds the value index of the record's value at src.
func (c *contrib) fieldAt(src model.Source) (int32, bool) {
	match := func(cr *crow, f int32) bool {
		s := c.source(cr, f)
		return s.Field == src.Field && s.Line == src.Line
	}
	for k := range c.vals {
		if v := &c.vals[k]; match(v.row(c.tc), v.f) {
			return v.f, true
		}
	}
	for k := range c.refs {
		r := &c.refs[k]
		if match(r.row, r.f) {
			return r.f, true
		}
		for j := range r.attrs {
			if v := &r.attrs[j]; match(v.row(c.tc), v.f) {
				return v.f, true
			}
		}
	}
	return 0, false
}

func (c *contrib) dropped(f int32) bool { return slices.Contains(c.dropF, f) }

// index brings byPos up to date with the contributions added since.
func (e *Engine) index() {
	if e.byPos == nil {
		e.byPos = map[model.Position][]int32{}
	}
	for ; e.indexed < e.cs.n; e.indexed++ {
		p := e.cs.at(e.indexed).pos
		e.byPos[p] = append(e.byPos[p], e.indexed)
	}
}

// leaveOut lists the extensions left out of group g's new user in cs (those
// LeaveOut recorded, then those Finish found lacking), warns on the record
// that started each, and marks the records that have nothing else to give.
// It touches only the group's own contributions.
func (e *Engine) leaveOut(f *folder, g *group, cs *model.ChangeSet, lacking []leftExt) {
	left := e.leave[g.id]
	for _, l := range lacking {
		if !slices.ContainsFunc(left, func(x leftExt) bool { return x.urn == l.urn }) {
			left = append(slices.Clip(left), l)
		}
	}
	if len(left) == 0 {
		return
	}
	cs.LeaveOut = make([]string, 0, len(left))
	for _, l := range left {
		cs.LeaveOut = append(cs.LeaveOut, l.urn)
	}
	isLeft := func(urn string) bool { return slices.Contains(cs.LeaveOut, urn) }
	for _, l := range left {
		for ci := g.head; ci >= 0; ci = e.cs.at(ci).next {
			if c := e.cs.at(ci); c.gives(l.urn) {
				c.fin = append(c.fin, c.diag(model.SevWarning, nil, -1, f.leaveOutMessage(g.id, l)))
				break
			}
		}
	}
	for ci := g.head; ci >= 0; ci = e.cs.at(ci).next {
		c := e.cs.at(ci)
		if ci == g.rename || c.creates && c.tc != nil && len(c.vals) == 0 {
			continue
		}
		rest := false
		for k := range c.vals {
			v := &c.vals[k]
			if !c.dropped(v.f) && !isLeft(v.row(c.tc).schema) {
				rest = true
				break
			}
		}
		for k := range c.refs {
			if r := &c.refs[k]; !c.dropped(r.f) && !isLeft(r.row.schema) {
				rest = true
				break
			}
		}
		c.left = !rest
	}
}

// gives reports whether the contribution gives a value of extension urn
// (one not dropped): the first that does started it.
func (c *contrib) gives(urn string) bool {
	for k := range c.vals {
		if v := &c.vals[k]; v.row(c.tc).schema == urn && v.sub == 0 && !c.dropped(v.f) {
			return true
		}
	}
	return false
}

// maxLeaveMemo bounds the messages a folder remembers.
const maxLeaveMemo = 256

// leaveOutMessage is the warning of an extension left out of a new user:
// all but the employee is the same for the records that lack the same
// attributes, so it is made once per folder.
func (f *folder) leaveOutMessage(emp string, l leftExt) string {
	key := append(f.key[:0], l.urn...)
	for _, m := range l.missing {
		key = append(append(key, 0), m...)
	}
	f.key = key
	parts, ok := f.leaveMemo[string(key)]
	if !ok {
		parts = leaveOutParts(l)
		if f.leaveMemo == nil || len(f.leaveMemo) == maxLeaveMemo {
			f.leaveMemo = map[string][2]string{}
		}
		f.leaveMemo[string(key)] = parts
	}
	return parts[0] + emp + parts[1]
}

// leaveOutParts is the warning of an extension left out of a new user,
// before and after the employee's ID: what UPS requires, and the flags
// that supply it. It goes on the record that started the extension. A
// feed without a column gives it to every new user, and report.json keeps
// every record's messages, so it names no fields: the report traces each
// value left out.
func leaveOutParts(l leftExt) [2]string {
	token := tokenOf(l.urn)
	var flags []string
	for _, m := range l.missing {
		path, _ := defaultHint(l.urn, m)
		flags = append(flags, fmt.Sprintf("--default '%s:%s=<value>'", token, path))
	}
	needs, supply := "one", "supplies it"
	if len(l.missing) > 1 {
		needs, supply = "them", "supply them"
	}
	return [2]string{ExtensionName(l.urn) + " extension left out of new user ",
		fmt.Sprintf(": UPS requires %s with it and no input gives %s; %s %s",
			andList(l.missing), needs, strings.Join(flags, " "), supply)}
}

// ExtensionName names an extension (a schema URN) for messages and counts:
// "spend", "travel", "payroll", else its target_schema token.
func ExtensionName(urn string) string {
	switch urn {
	case model.SchemaSpendUser:
		return "spend"
	case model.SchemaTravel:
		return "travel"
	case model.SchemaPayroll:
		return "payroll"
	}
	return tokenOf(urn)
}

// defaultHint is the defaults path and transform that supply a required
// attribute: a complex attribute is given by its name sub-attribute.
func defaultHint(urn, missing string) (path, transform string) {
	switch {
	case urn == model.SchemaTravel && missing == "ruleClass":
		return "ruleClass.name", "text"
	case missing == "locale" || missing == "language":
		return missing, "locale"
	case missing == "country":
		return missing, "country"
	case missing == "reimbursementCurrency":
		return missing, "currency"
	}
	return missing, "text"
}
