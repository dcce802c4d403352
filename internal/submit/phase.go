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
func (e *engine) resolvableRefs(sets []*model.ChangeSet, anticipate bool) ([]*model.ChangeSet, map[string][]Note) {
	out := make([]*model.ChangeSet, len(sets))
	notes := map[string][]Note{}
	for i, cs := range sets {
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
			if other, ok := e.idx.get(r.Target); ok && other.flags&empCreates != 0 {
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
	if from := e.idx.renamedFrom(emp); from != "" && e.res.has(from) {
		return true
	}
	return anticipate && e.idx.creates(emp)
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
		sent, err := e.round(ctx, phase, round)
		if err != nil {
			return err
		}
		if !sent {
			e.logPhase(phase)
			return nil
		}
		if e.stopped != "" {
			return nil
		}
		again, err := e.retryConflicts(ctx, phase)
		if err != nil {
			return err
		}
		// When every operation of the phase is final and none goes back
		// to planned, another round would plan the run again to find
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

// pending returns a chunk's operations of the phase that are not final,
// and settles those that cannot be sent: a user that does not exist, an
// operation sent too often, references to nobody, work that is no longer
// needed. It marks the keys it settles or returns in built; the employees
// phase 0 could not plan are returned, to be settled at the end of the
// round (settleRest).
func (e *engine) pending(sets []*model.ChangeSet, pl *plan.Plan, phase int, notes map[string][]Note, built bits) ([]item, []*plan.UserError, error) {
	var keys []string
	for _, req := range pl.Requests {
		if req.Phase == phase {
			for _, op := range req.Operations {
				keys = append(keys, op.Employee)
			}
		}
	}
	if phase != plan.PhaseRename {
		for _, ue := range pl.Rejected {
			keys = append(keys, ue.Employee)
		}
	}
	for emp := range notes {
		keys = append(keys, emp)
	}
	// The outcome details of final operations are not needed: they are
	// skipped, and what is not final is read whole.
	state, err := e.opsByEmployee(phase, keys)
	if err != nil {
		return nil, nil, err
	}
	byEmp := make(map[string]*model.ChangeSet, len(sets))
	for _, cs := range sets {
		byEmp[cs.EmployeeID] = cs
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
			emps := make([]string, 0, len(sets))
			for _, cs := range sets {
				emps = append(emps, cs.EmployeeID)
				if cs.Rename != nil {
					if to, ok := e.idx.renameOf(cs.Rename.From); ok {
						emps = append(emps, to.id)
					}
				}
			}
			idOps, idErr = e.opsByEmployee(plan.PhaseIdentity, emps)
		}
		return idOps
	}
	var todo []item
	var settled []journal.Op
	mark := func(emp string) { built.set(e.idx.key(emp)) }
	isBuilt := func(emp string) bool { return built.has(e.idx.key(emp)) }
	for _, req := range pl.Requests {
		if req.Phase != phase {
			continue
		}
		for _, op := range req.Operations {
			mark(op.Employee)
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
			if n := e.sendCount(phase, op.Employee); n >= e.o.MaxAttempts {
				settled = append(settled, failedOp(phase, op, op.Employee, st, Note{Code: "NO_FINAL_ANSWER", Text: fmt.Sprintf("sent %d times by this run without a final answer from the target", n)}))
				continue
			}
			if op.Method != "POST" && strings.HasPrefix(op.Path, "/Users/bulkId:") {
				settled = append(settled, failedOp(phase, op, op.Employee, st, e.missingUser(op, byEmp[op.Employee], identity())))
				continue
			}
			todo = append(todo, item{op: op, notes: notes[op.Employee]})
		}
	}
	var rejected []*plan.UserError
	for _, ue := range pl.Rejected {
		if phase == plan.PhaseRename {
			rejected = append(rejected, ue)
			continue
		}
		if st := state[ue.Employee]; (st == nil || !isFinal(st.State)) && !isBuilt(ue.Employee) {
			src := ue.Source
			settled = append(settled, failedOp(phase, nil, ue.Employee, st, Note{Code: "NOT_PLANNED", Text: ue.Err.Error(), Source: &src}))
			mark(ue.Employee)
		}
	}
	for emp, ns := range notes {
		if isBuilt(emp) {
			continue
		}
		if st := state[emp]; st != nil && isFinal(st.State) {
			continue
		}
		jo := failedOp(phase, nil, emp, state[emp], ns...)
		if state[emp] == nil {
			jo.Kind = string(plan.KindRefs)
		}
		settled = append(settled, jo)
		mark(emp)
	}
	if idErr != nil {
		return nil, nil, idErr
	}
	if len(settled) > 0 {
		if err := e.j.PutOps(settled); err != nil {
			return nil, nil, err
		}
	}
	return todo, rejected, nil
}

// missingUser explains an operation on a user the target does not have;
// identity holds phase 1's operations.
func (e *engine) missingUser(op *plan.Operation, cs *model.ChangeSet, identity map[string]*journal.Op) Note {
	emp := op.Employee
	src := model.Source{}
	if cs != nil && len(cs.Records) > 0 {
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
		if to, ok := e.idx.renameOf(op.Employee); phase == plan.PhaseRename && ok {
			emps = append(emps, to.id)
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
	to, ok := e.idx.renameOf(from)
	if !ok {
		return ""
	}
	if op := identity[to.id]; op != nil && op.Kind == string(plan.KindCreate) &&
		(op.State == journal.OpSuccess || op.State == journal.OpPartial) {
		return "the user was created under the new ID by this run: the rename folded into the create"
	}
	if e.renameApplied(from) && to.flags&empNewLogin == 0 {
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
	to, ok := e.idx.renameOf(from)
	if !ok || to.flags&empNewID == 0 {
		return false
	}
	return e.res.has(to.id) && !e.res.has(from)
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
		if emp := op.Employee; conflicted[emp] && e.res.has(emp) && e.sendCount(phase, emp) < e.o.MaxAttempts {
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
	var unknown []string
	for _, emp := range emps {
		if !e.res.has(emp) {
			unknown = append(unknown, emp)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sets, err := e.run.setsOf(unknown)
	if err != nil {
		return err
	}
	for _, emp := range unknown {
		if cs := sets[emp]; cs != nil {
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
