package pipeline

import (
	"fmt"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// rejectDuplicateLogins finds logins (userName) that two employees would
// hold — two of the run's employees, or one of them and another employee
// of the directory — and rejects the record of the later employee that
// sets it: UPS refuses the second user at submit time, after the first one
// was created, so it is better rejected now with both places named.
// Logins compare ignoring case, as Concur's do.
//
// A directory employee's login is free for another employee only when
// this run's 320 changes it: renames run in phase 0, before any user is
// created or updated. A login changed by a phase-1 update is still taken
// while phase 1 runs (its operations run in no guaranteed order), so it
// stays its owner's for this run. It reports whether it rejected anything.
//
// entries are the directory's entries (nil without a directory), or those
// of them whose logins the change sets may give (a partitioned run).
func rejectDuplicateLogins(eng *mapping.Engine, sets []*model.ChangeSet, entries []plan.DirEntry, byEmp map[string]*model.ChangeSet) bool {
	// owners maps a login to its holder: i >= 0 is sets[i], i < 0 is the
	// directory entry -i-1. Places are put into words only for a conflict.
	owners := make(map[string]int, len(sets))
	if len(entries) > 0 {
		renamed := map[string]bool{} // old IDs whose login a 320 changes in phase 0
		for _, cs := range sets {
			if cs.Rename != nil && cs.Rename.NewLogin != "" {
				renamed[cs.Rename.From] = true
			}
		}
		for k, e := range entries {
			if e.UserName != "" && !renamed[e.EmployeeNumber] {
				owners[strings.ToLower(e.UserName)] = -k - 1
			}
		}
	}
	rejected := false
	for i, cs := range sets {
		login, _ := loginOf(cs)
		if login == "" {
			continue
		}
		key := strings.ToLower(login)
		o, taken := owners[key]
		if !taken {
			owners[key] = i
			continue
		}
		var emp, where string
		if o >= 0 {
			emp = sets[o].EmployeeID
			where = loginSource(sets[o]).String()
		} else {
			e := entries[-o-1]
			emp, where = e.EmployeeNumber, "directory "+e.Pos.String()
		}
		if emp == cs.EmployeeID || (cs.Rename != nil && emp == cs.Rename.From) {
			continue
		}
		src := loginSource(cs)
		f := OpFinding{Employee: cs.EmployeeID, Source: &src}
		msg := fmt.Sprintf("Login ID %q is already the login of employee %s (%s): a login belongs to one user", login, emp, where)
		if reject(eng, f, byEmp, msg) == rejectedNew {
			rejected = true
		}
	}
	return rejected
}

// loginOf is the login the change set gives its employee: a userName value
// (returned too), else the new login of its 320.
func loginOf(cs *model.ChangeSet) (string, *model.Attr) {
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		if a.Type == model.StringValue && a.Path() == "userName" && a.Schema() == model.SchemaCore {
			return a.Str, a
		}
	}
	if r := cs.Rename; r != nil && r.NewLogin != "" {
		return r.NewLogin, nil
	}
	return "", nil
}

// loginSource is where the login loginOf returns comes from.
func loginSource(cs *model.ChangeSet) model.Source {
	if _, a := loginOf(cs); a != nil {
		return a.Source()
	}
	if cs.Rename != nil {
		return cs.Rename.Source
	}
	return model.Source{}
}
