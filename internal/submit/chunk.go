package submit

import (
	"context"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// A submission passes over the run's change sets a chunk at a time (the
// preview, then each round of each phase): it plans the chunk with what
// it knows of the target, journals or sends the chunk's operations, and
// lets the chunk go. Employees are planned one by one (plan.Build), so a
// chunk's operations are those the whole run's plan would have; what
// crosses chunks (references to employees of other chunks, renames) goes
// through the resolver's directory and the run's index.

// item is an operation to send, with the notes journaled with it.
type item struct {
	op    *plan.Operation
	notes []Note
}

// chunkKeys lists the employees a chunk's plan needs to know about: its
// employees, the IDs they are renamed from, the targets of their
// references and the IDs those are renamed from.
func (e *engine) chunkKeys(sets []*model.ChangeSet) []string {
	seen := make(map[string]bool, 2*len(sets))
	var out []string
	add := func(emp string) {
		if emp != "" && !seen[emp] {
			seen[emp] = true
			out = append(out, emp)
		}
	}
	for _, cs := range sets {
		add(cs.EmployeeID)
		if cs.Rename != nil {
			add(cs.Rename.From)
		}
		for i := range cs.Refs {
			t := cs.Refs[i].Target
			add(t)
			add(e.idx.renamedFrom(t))
		}
	}
	return out
}

// buildChunk plans a chunk with what the resolver knows. For phase 2 the
// references to users nobody has are left out and returned as notes per
// employee; anticipate counts the run's creates as users that will exist
// (the preview, before phase 1).
func (e *engine) buildChunk(sets []*model.ChangeSet, phase int, anticipate bool) (*plan.Plan, map[string][]Note, error) {
	keys := e.chunkKeys(sets)
	e.mu.Lock()
	dir, err := e.res.directory(keys)
	var notes map[string][]Note
	if err == nil && phase == plan.PhaseRefs {
		sets, notes = e.resolvableRefs(sets, anticipate)
	}
	e.mu.Unlock()
	if err != nil {
		return nil, nil, err
	}
	opts := e.popts
	opts.Directory = dir
	p, err := plan.Build(sets, opts)
	return p, notes, err
}

// opsByEmployee reads the journaled operations of a phase for emps (those
// that have one), keyed by employee.
func (e *engine) opsByEmployee(phase int, emps []string) (map[string]*journal.Op, error) {
	if e.j == nil || len(emps) == 0 {
		return map[string]*journal.Op{}, nil
	}
	ops, err := e.j.OpsOf(phase, emps)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*journal.Op, len(ops))
	for i := range ops {
		out[ops[i].Employee] = &ops[i]
	}
	return out, nil
}

// sendCount is how many requests of this run an operation was put into.
func (e *engine) sendCount(phase int, emp string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if k := e.idx.key(emp); k >= 0 {
		return int(e.sends[phase][k])
	}
	return e.sendsElse[opKey{phase, emp}]
}

// countSend counts a request an operation was put into; e.mu is held.
func (e *engine) countSend(phase int, emp string) {
	if k := e.idx.key(emp); k >= 0 {
		if e.sends[phase][k] < 255 {
			e.sends[phase][k]++
		}
		return
	}
	e.sendsElse[opKey{phase, emp}]++
}

// preview resolves who exists and counts what the run will send; every
// operation it will send is journaled as planned, so that its records read
// pending until it is final.
func (e *engine) preview(ctx context.Context) (Preview, error) {
	p := Preview{Target: e.info.BaseURL, Flavor: e.o.Target.Flavor(), Company: e.popts.CompanyID}
	if err := e.run.dupError(); err != nil {
		return p, err
	}
	anticipate := e.stoppedBefore(plan.PhaseRefs)
	write := !e.o.DryRun && e.j != nil
	err := e.run.eachChunk(func(_ int, sets []*model.ChangeSet) error {
		if err := e.res.ensure(ctx, e.chunkKeys(sets)); err != nil {
			return err
		}
		pl, notes, err := e.buildChunk(sets, plan.PhaseRefs, anticipate)
		if err != nil {
			return err
		}
		for _, n := range notes {
			p.Unresolved += len(n)
		}
		// The operations the journal holds: their keys and states, no more.
		var emps [3][]string
		for _, req := range pl.Requests {
			for _, op := range req.Operations {
				emps[op.Phase] = append(emps[op.Phase], op.Employee)
			}
		}
		var have [3]map[string]*journal.Op
		for ph := range have {
			if have[ph], err = e.opsByEmployee(ph, emps[ph]); err != nil {
				return err
			}
		}
		byEmp := make(map[string]*model.ChangeSet, len(sets))
		for _, cs := range sets {
			byEmp[cs.EmployeeID] = cs
		}
		var fresh []journal.Op
		for _, req := range pl.Requests {
			for _, op := range req.Operations {
				if op.Phase == plan.PhaseRefs {
					p.References += refCount(byEmp[op.Employee])
				}
				st := have[op.Phase][op.Employee]
				if st != nil && isFinal(st.State) {
					p.Done++
					continue
				}
				p.Operations[op.Phase]++
				switch op.Kind {
				case plan.KindCreate:
					p.Creates++
				case plan.KindUpdate:
					p.Updates++
				case plan.KindReplace:
					p.Replaces++
				case plan.KindRename:
					p.Renames++
				}
				// Creating an inactive user deactivates nobody.
				if op.Phase == plan.PhaseIdentity && op.Kind != plan.KindCreate && deactivates(byEmp[op.Employee]) {
					p.Deactivations++
				}
				if st == nil && write {
					fresh = append(fresh, journal.Op{Phase: op.Phase, Employee: op.Employee, Method: op.Method,
						Path: op.Path, Kind: string(op.Kind), State: journal.OpPlanned})
				}
			}
		}
		if len(fresh) > 0 {
			return e.j.PutOps(fresh)
		}
		return nil
	})
	p.LookedUp = e.res.Lookups
	p.References += p.Unresolved
	return p, err
}
