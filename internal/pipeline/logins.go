package pipeline

import (
	"fmt"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// loginOwner is who holds a login: an employee of the run or of the
// directory.
type loginOwner struct {
	emp string
	src model.Source // the value's source, or the directory entry's position
	dir bool         // src is a directory entry
}

func (o loginOwner) where() string {
	if o.dir {
		return "directory " + o.src.String()
	}
	return o.src.String()
}

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
func rejectDuplicateLogins(eng *mapping.Engine, sets []*model.ChangeSet, dir *plan.Directory, byEmp map[string]*model.ChangeSet) bool {
	type runLogin struct {
		login string
		src   model.Source
	}
	logins := make([]runLogin, len(sets))
	renamed := map[string]bool{} // employees (old IDs) whose login a 320 changes in phase 0
	for i, cs := range sets {
		l, src := loginOf(cs)
		logins[i] = runLogin{l, src}
		if cs.Rename != nil && cs.Rename.NewLogin != "" {
			renamed[cs.Rename.From] = true
		}
	}
	owners := map[string]loginOwner{}
	if dir != nil {
		for _, e := range dir.Entries() {
			if e.UserName != "" && !renamed[e.EmployeeNumber] {
				owners[strings.ToLower(e.UserName)] = loginOwner{emp: e.EmployeeNumber, src: model.Source{File: e.Pos.File, Line: e.Pos.Line}, dir: true}
			}
		}
	}
	rejected := false
	for i, cs := range sets {
		l := logins[i]
		if l.login == "" {
			continue
		}
		key := strings.ToLower(l.login)
		o, taken := owners[key]
		if !taken {
			owners[key] = loginOwner{emp: cs.EmployeeID, src: l.src}
			continue
		}
		if o.emp == cs.EmployeeID || (cs.Rename != nil && o.emp == cs.Rename.From) {
			continue
		}
		src := l.src
		f := OpFinding{Employee: cs.EmployeeID, Source: &src}
		msg := fmt.Sprintf("Login ID %q is already the login of employee %s (%s): a login belongs to one user", l.login, o.emp, o.where())
		if reject(eng, f, byEmp, msg) == rejectedNew {
			rejected = true
		}
	}
	return rejected
}

// loginOf is the login the change set gives its employee, with its source.
func loginOf(cs *model.ChangeSet) (string, model.Source) {
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		if a.Type == model.StringValue && a.Path() == "userName" && a.Schema() == model.SchemaCore {
			return a.Str, a.Source()
		}
	}
	if cs.Rename != nil && cs.Rename.NewLogin != "" {
		return cs.Rename.NewLogin, cs.Rename.Source
	}
	return "", model.Source{}
}
