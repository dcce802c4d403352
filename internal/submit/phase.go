package submit

import (
	"context"
	"fmt"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

var phaseTitles = [3]string{"phase 0 (ID changes)", "phase 1 (identities)", "phase 2 (approvers, delegates, managers)"}

// build rebuilds the plan with what the resolver knows. For phase 2 the
// references to users nobody has are left out and returned as notes per
// employee; anticipate counts the run's creates as users that will exist
// (the preview, before phase 1).
//
// A build of phase 0 or 1 is kept for the next build of phase 0 or 1 while
// the resolver learns nothing: it is the same plan (a plan of a million
// employees takes most of a minute to build).
func (e *engine) build(phase int) (*plan.Plan, map[string][]Note, error) {
	if phase != plan.PhaseRefs && e.built != nil && e.builtAt == e.res.version {
		return e.built, nil, nil
	}
	e.built = nil
	dir, err := e.res.directory()
	if err != nil {
		return nil, nil, err
	}
	sets, notes := e.run.Sets, map[string][]Note(nil)
	if phase == plan.PhaseRefs {
		sets, notes = e.resolvableRefs(e.stoppedBefore(plan.PhaseRefs))
	}
	opts := e.popts
	opts.Directory = dir
	p, err := plan.Build(sets, opts)
	if err == nil && phase != plan.PhaseRefs {
		e.built, e.builtAt = p, e.res.version
	}
	return p, notes, err
}

// stoppedBefore reports whether phase has not started: the preview, where
// the run's creates are counted as users that will exist.
func (e *engine) stoppedBefore(phase int) bool {
	if e.j == nil || e.o.DryRun {
		return true
	}
	counts, err := e.j.OpCounts(phase - 1)
	if err != nil {
		return false
	}
	for state, n := range counts {
		if state != journal.OpPlanned && n > 0 {
			return false
		}
	}
	return true
}

// resolvableRefs returns the change sets with every reference to a user
// that neither exists nor (anticipate) will be created left out, and a
// note per left-out reference, keyed by the referring employee.
func (e *engine) resolvableRefs(anticipate bool) ([]*model.ChangeSet, map[string][]Note) {
	out := make([]*model.ChangeSet, len(e.run.Sets))
	notes := map[string][]Note{}
	for i, cs := range e.run.Sets {
		out[i] = cs
		var keep []model.Ref
		dropped := false
		for j := range cs.Refs {
			r := &cs.Refs[j]
			if e.resolvable(r.Target, anticipate) {
				keep = append(keep, *r)
				continue
			}
			dropped = true
			src := r.Source()
			what := string(r.Kind)
			if r.Path != "" && r.Path != what {
				what += " (" + r.Path + ")"
			}
			text := fmt.Sprintf("%s %s is neither in this run nor in the target: reference not set; check the Employee ID, or add the employee first", what, r.Target)
			if other, ok := e.byEmp[r.Target]; ok && other.Creates {
				text = fmt.Sprintf("%s %s was not created (see that employee's records): reference not set", what, r.Target)
			} else if ok {
				text = fmt.Sprintf("%s %s does not exist in the target, and no record of this run creates it: reference not set", what, r.Target)
			}
			notes[cs.EmployeeID] = append(notes[cs.EmployeeID], Note{Code: "UNRESOLVED_REFERENCE", Text: text, Source: &src})
		}
		if dropped {
			c := *cs
			c.Refs = keep
			out[i] = &c
		}
	}
	return out, notes
}

func (e *engine) resolvable(emp string, anticipate bool) bool {
	if e.res.has(emp) {
		return true
	}
	if from, ok := e.renamed[emp]; ok && e.res.has(from) {
		return true
	}
	if cs, ok := e.byEmp[emp]; ok && anticipate && cs.Creates {
		return true
	}
	return false
}

// runPhase sends the operations of one phase in rounds until each is
// final: a round sends what is not final, tracks it, and settles what
// came back in doubt or in conflict for the next round.
func (e *engine) runPhase(ctx context.Context, phase int) error {
	if err := e.trackInFlight(ctx, phase); err != nil {
		return err
	}
	for round := 1; ; round++ {
		if err := e.settle(ctx, phase); err != nil {
			return err
		}
		pl, notes, err := e.build(phase)
		if err != nil {
			return err
		}
		todo, err := e.pending(pl, phase, notes)
		if err != nil {
			return err
		}
		if len(todo) == 0 {
			e.logPhase(phase)
			return nil
		}
		e.o.Log("%s: sending %d operations (round %d)", phaseTitles[phase], len(todo), round)
		canary := 0
		if phase == plan.PhaseIdentity && e.o.Canary > 0 && len(todo) > e.o.Canary {
			if fresh, err := e.neverSent(phase); err != nil {
				return err
			} else if fresh {
				canary = e.o.Canary
			}
		}
		err = e.sendAll(ctx, phase, round, todo, notes, canary)
		e.window.close()
		if err != nil {
			return err
		}
		if e.stopped != "" {
			return nil
		}
		again, err := e.retryConflicts(ctx, phase)
		if err != nil {
			return err
		}
		// When every operation of the phase is final and none goes back
		// to planned, another round would rebuild the plan to find
		// nothing to send.
		if !again {
			if done, err := e.phaseFinal(phase); err != nil {
				return err
			} else if done {
				e.logPhase(phase)
				return nil
			}
		}
	}
}

// phaseFinal reports whether every operation of the phase the journal
// holds is final.
func (e *engine) phaseFinal(phase int) (bool, error) {
	counts, err := e.j.OpCounts(phase)
	if err != nil {
		return false, err
	}
	for state, n := range counts {
		if n > 0 && !isFinal(state) {
			return false, nil
		}
	}
	return true, nil
}

func (e *engine) logPhase(phase int) {
	counts, err := e.j.OpCounts(phase)
	if err != nil || len(counts) == 0 {
		return
	}
	e.o.Log("%s: complete: %s", phaseTitles[phase], FormatCounts(counts, nil))
}

// neverSent reports whether no operation of the phase was ever sent: no
// request of the phase was ever begun.
func (e *engine) neverSent(phase int) (bool, error) {
	sent, err := e.j.HasRequests(phase)
	return !sent, err
}

// pending returns the phase's operations that are not final, and settles
// those that cannot be sent: a user that does not exist, an operation sent
// too often, references to nobody, work that is no longer needed.
func (e *engine) pending(pl *plan.Plan, phase int, notes map[string][]Note) ([]*plan.Operation, error) {
	// The outcome details of final operations are not needed: they are
	// skipped, and what is not final is read whole.
	jops, err := e.j.OpsBrief(phase)
	if err != nil {
		return nil, err
	}
	state := make(map[string]*journal.Op, len(jops))
	for i := range jops {
		state[jops[i].Employee] = &jops[i]
	}
	// Phase 1's outcome decides about renames and about references of
	// users whose create failed: read once, when first needed.
	idOps := state
	if phase != plan.PhaseIdentity {
		idOps = nil
	}
	var idErr error
	identity := func() map[string]*journal.Op {
		if idOps == nil && idErr == nil {
			var iops []journal.Op
			if iops, idErr = e.j.OpsBrief(plan.PhaseIdentity); idErr == nil {
				idOps = make(map[string]*journal.Op, len(iops))
				for i := range iops {
					idOps[iops[i].Employee] = &iops[i]
				}
			}
		}
		return idOps
	}
	built := map[string]bool{}
	var todo []*plan.Operation
	var settled []journal.Op
	fail := func(op *plan.Operation, emp string, ns ...Note) {
		jo := journal.Op{Phase: phase, Employee: emp, State: journal.OpFailed, Messages: encodeJSON(ns)}
		if op != nil {
			jo.Method, jo.Path, jo.Kind = op.Method, op.Path, string(op.Kind)
		}
		if st := state[emp]; st != nil {
			jo.Attempts, jo.RequestID, jo.Index = st.Attempts, st.RequestID, st.Index
			if jo.Kind == "" {
				jo.Method, jo.Path, jo.Kind = st.Method, st.Path, st.Kind
			}
		}
		settled = append(settled, jo)
	}
	for _, req := range pl.Requests {
		if req.Phase != phase {
			continue
		}
		for _, op := range req.Operations {
			built[op.Employee] = true
			st := state[op.Employee]
			if st != nil && isFinal(st.State) {
				continue
			}
			if phase == plan.PhaseRename {
				if why := e.renameMoot(op.Employee, identity()); why != "" {
					jo := journal.Op{Phase: phase, Employee: op.Employee, Method: op.Method, Path: op.Path, Kind: string(op.Kind),
						State: journal.OpSkipped, Messages: encodeJSON([]Note{{Text: why}})}
					if st != nil {
						jo.Attempts, jo.RequestID, jo.Index = st.Attempts, st.RequestID, st.Index
					}
					settled = append(settled, jo)
					continue
				}
			}
			if n := e.sends[opKey{phase, op.Employee}]; n >= e.o.MaxAttempts {
				fail(op, op.Employee, Note{Code: "NO_FINAL_ANSWER", Text: fmt.Sprintf("sent %d times by this run without a final answer from the target", n)})
				continue
			}
			if op.Method != "POST" && strings.HasPrefix(op.Path, "/Users/bulkId:") {
				fail(op, op.Employee, e.missingUser(op, identity()))
				continue
			}
			todo = append(todo, op)
		}
	}
	for _, ue := range pl.Rejected {
		if st := state[ue.Employee]; (st == nil || !isFinal(st.State)) && !built[ue.Employee] {
			src := ue.Source
			fail(nil, ue.Employee, Note{Code: "NOT_PLANNED", Text: ue.Err.Error(), Source: &src})
			built[ue.Employee] = true
		}
	}
	for emp, ns := range notes {
		if built[emp] {
			continue
		}
		if st := state[emp]; st != nil && isFinal(st.State) {
			continue
		}
		fail(nil, emp, ns...)
		built[emp] = true
		if state[emp] == nil {
			settled[len(settled)-1].Kind = string(plan.KindRefs)
		}
	}
	for emp, st := range state {
		if !built[emp] && !isFinal(st.State) {
			s := *st
			s.State = journal.OpSkipped
			s.Messages = encodeJSON([]Note{{Text: "nothing left to send for this employee in this phase"}})
			settled = append(settled, s)
		}
	}
	if idErr != nil {
		return nil, idErr
	}
	if len(settled) > 0 {
		if err := e.j.PutOps(settled); err != nil {
			return nil, err
		}
	}
	return todo, nil
}

// missingUser explains an operation on a user the target does not have;
// identity holds phase 1's operations.
func (e *engine) missingUser(op *plan.Operation, identity map[string]*journal.Op) Note {
	emp := op.Employee
	src := model.Source{}
	if cs := e.byEmp[emp]; cs != nil && len(cs.Records) > 0 {
		src = cs.Records[0].Source()
	}
	text := fmt.Sprintf("employee %s does not exist in the target, and no record of this run creates it", emp)
	if o := identity[emp]; op.Phase > plan.PhaseIdentity && o != nil && o.State == journal.OpFailed {
		text = fmt.Sprintf("employee %s was not created (phase 1 failed), so nothing could be set on it", emp)
	}
	n := Note{Code: "USER_NOT_FOUND", Text: text}
	if src.File != "" {
		n.Source = &src
	}
	return n
}

// settle looks up the users of operations in doubt: a rename whose new ID
// now exists is done; anything else goes back to planned and is rebuilt
// from what the lookup found (a create whose user now exists becomes an
// update).
func (e *engine) settle(ctx context.Context, phase int) error {
	doubt, err := e.j.OpsIn(phase, journal.OpInDoubt, journal.OpSending)
	if err != nil {
		return err
	}
	var emps []string
	for _, op := range doubt {
		emps = append(emps, op.Employee)
		if cs := e.renames[op.Employee]; phase == plan.PhaseRename && cs != nil {
			emps = append(emps, cs.EmployeeID)
		}
	}
	if len(doubt) == 0 {
		return nil
	}
	e.o.Log("%s: %d operations in doubt: looking their users up before sending anything again", phaseTitles[phase], len(doubt))
	// An accepted request may still be provisioning: give it a poll
	// interval before asking.
	if err := e.o.Sleep(ctx, e.o.PollInterval); err != nil {
		return err
	}
	e.mu.Lock()
	err = e.res.refresh(ctx, emps)
	e.mu.Unlock()
	if err != nil {
		return err
	}
	// A create the target accepted may take a while to provision, and
	// lookups may lag: ask again, waiting longer, before sending it again
	// (a create sent again anyway meets a conflict, settled the same way).
	wait := e.o.PollInterval
	for try := 0; try < settleLookups; try++ {
		var missing []string
		for _, op := range doubt {
			if op.Kind == string(plan.KindCreate) && !e.res.has(op.Employee) {
				missing = append(missing, op.Employee)
			}
		}
		if len(missing) == 0 {
			break
		}
		wait = min(2*wait, e.o.MaxPollInterval)
		if err := e.o.Sleep(ctx, wait); err != nil {
			return err
		}
		if err := e.res.refresh(ctx, missing); err != nil {
			return err
		}
	}
	for i := range doubt {
		op := &doubt[i]
		op.State = journal.OpPlanned
		if phase == plan.PhaseRename && e.renameApplied(op.Employee) {
			op.State = journal.OpSuccess
			op.Messages = encodeJSON([]Note{{Text: "the answer was lost; a lookup found the new Employee ID, so the rename was applied"}})
		}
	}
	return e.j.PutOps(doubt)
}

// renameMoot says why a rename need not be sent: its user was created
// under the new ID by this run (identity holds phase 1's operations), or
// the target already shows the new ID.
func (e *engine) renameMoot(from string, identity map[string]*journal.Op) string {
	cs := e.renames[from]
	if cs == nil {
		return ""
	}
	if op := identity[cs.EmployeeID]; op != nil && op.Kind == string(plan.KindCreate) &&
		(op.State == journal.OpSuccess || op.State == journal.OpPartial) {
		return "the user was created under the new ID by this run: the rename folded into the create"
	}
	if e.renameApplied(from) && cs.Rename.NewLogin == "" {
		return "the target already has the new Employee ID: the rename was applied"
	}
	return ""
}

// settleLookups is how many more times settle looks up the users of
// creates in doubt that it did not find, waiting twice as long each time.
const settleLookups = 2

// renameApplied reports whether the rename of from is visible in the
// target: its new Employee ID exists.
func (e *engine) renameApplied(from string) bool {
	cs := e.renames[from]
	if cs == nil || cs.Rename.NewEmployeeID == "" || cs.Rename.NewEmployeeID == from {
		return false
	}
	return e.res.has(cs.EmployeeID) && !e.res.has(from)
}

// retryConflicts looks up the users whose create met a conflict (409):
// when the user exists after all (a lookup that lagged, a SCIM server
// that matched the login), the operation goes back to planned and is
// rebuilt as an update.
//
// again reports whether any operation went back to planned.
func (e *engine) retryConflicts(ctx context.Context, phase int) (again bool, err error) {
	e.mu.Lock()
	emps := e.conflicts
	e.conflicts = nil
	e.mu.Unlock()
	if len(emps) == 0 {
		return false, nil
	}
	if err := e.res.refresh(ctx, emps); err != nil {
		return false, err
	}
	if e.o.Target.Flavor() == "scim" {
		if err := e.matchLogins(ctx, emps); err != nil {
			return false, err
		}
	}
	// A create that met a conflict failed.
	ops, err := e.j.OpsIn(phase, journal.OpFailed)
	if err != nil {
		return false, err
	}
	conflicted := make(map[string]bool, len(emps))
	for _, emp := range emps {
		conflicted[emp] = true
	}
	var retry []journal.Op
	for _, op := range ops {
		if emp := op.Employee; conflicted[emp] && e.res.has(emp) && e.sends[opKey{phase, emp}] < e.o.MaxAttempts {
			op.State = journal.OpPlanned
			retry = append(retry, op)
		}
	}
	if len(retry) > 0 {
		e.o.Log("%s: %d creates met an existing user: sent again as updates", phaseTitles[phase], len(retry))
	}
	return len(retry) > 0, e.j.PutOps(retry)
}

// matchLogins settles SCIM conflicts by login: the user holding the
// employee's userName is that employee's user.
func (e *engine) matchLogins(ctx context.Context, emps []string) error {
	logins := map[string]string{}
	var names []string
	for _, emp := range emps {
		if e.res.has(emp) {
			continue
		}
		if cs := e.byEmp[emp]; cs != nil {
			for i := range cs.Attrs {
				if a := &cs.Attrs[i]; a.Schema() == model.SchemaCore && a.Path() == "userName" && a.Str != "" {
					logins[strings.ToLower(a.Str)] = emp
					names = append(names, a.Str)
				}
			}
		}
	}
	if len(names) == 0 {
		return nil
	}
	found, err := e.o.Target.LookupUserNames(ctx, names)
	if err != nil {
		return err
	}
	for name, u := range found {
		if emp, ok := logins[strings.ToLower(name)]; ok && u.ID != "" {
			if err := e.res.learn(journal.User{EmployeeNumber: emp, ID: u.ID, UserName: u.UserName, Source: "lookup"}); err != nil {
				return err
			}
		}
	}
	return nil
}
