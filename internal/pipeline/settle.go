package pipeline

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/mapping"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// settled is what the rounds of settle end with: the change sets, the plan
// and the record results of the last round, and the findings on its
// operations.
type settled struct {
	sets     []*model.ChangeSet
	plan     *plan.Plan
	records  []model.RecordResult // one per record added to the engine, in the order added
	findings []OpFinding
	// schemaErrors counts the error findings no record could be rejected
	// for (they are in findings).
	schemaErrors int
}

// fastValidator is the schema validator of the operations, nil with
// Options.NoValidate.
func fastValidator(opts Options) (*schemas.FastValidator, error) {
	if opts.NoValidate {
		return nil, nil
	}
	v, err := schemas.New(schemas.Options{Strict: opts.Strict})
	if err != nil {
		return nil, err
	}
	return v.Fast(), nil
}

// settle plans the records added to eng, validates every operation with fv
// (nil: not validated) and rejects, through the lineage, what the plan and
// the schemas refuse, then rejects the later of two employees given one
// login, in rounds until nothing more changes. Both conversions, in memory
// and by partition, run it: one copy of the semantics.
//
// dirLogins are the directory entries whose logins the run's employees may
// give (rejectDuplicateLogins).
func settle(eng *mapping.Engine, opts Options, fv *schemas.FastValidator, dirLogins []plan.DirEntry) (*settled, error) {
	st := &settled{}
	popts := opts.Options
	popts.NewCheck = nil // set below to the schema check, when there is one
	var err error
	var prevChk *opChecker
	for round := 0; ; round++ {
		if interrupted(opts.Context) {
			return nil, ErrInterrupted
		}
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: StagePlan})
		}
		sets, results := eng.Finish()
		byEmp := changeSetsByEmployee(sets)
		// settled is called once the plan and the schemas reject nothing
		// more: only then is it known which employees hold their logins.
		settled := func() bool { return !rejectDuplicateLogins(eng, sets, dirLogins, byEmp) }
		var chk *opChecker
		if fv != nil {
			chk = &opChecker{fv: fv, found: map[*plan.Operation][]schemas.Finding{}}
			popts.NewCheck = chk.newCheck
			if predictLeaveOut {
				if popts.Requires, err = planRequires(); err != nil {
					return nil, err
				}
			}
		}
		// The users whose change sets the last round did not change keep
		// their operations (and findings): a round costs what it changes.
		popts.Reuse = nil
		if st.plan != nil && reuseRounds {
			popts.Reuse = reuseUnchanged(st.plan, st.sets, sets)
		}
		var p *plan.Plan
		p, err = plan.Build(sets, popts)
		if err != nil {
			return nil, err
		}
		if chk != nil && popts.Reuse != nil {
			chk.inherit(prevChk, p)
		}
		prevChk = chk
		st.sets, st.plan = sets, p
		st.records = results
		// The extensions the plan left out of new users for lacking an
		// attribute: recorded, they change the change sets' LeaveOut and
		// the records' warnings, not the plan (refinish below).
		leftOut := false
		for _, lo := range p.LeftOut {
			for _, m := range lo.Missing {
				leftOut = eng.LeaveOut(lo.Employee, lo.URN, m) || leftOut
			}
		}
		rejectedAny := false
		for _, ue := range p.Rejected {
			// An employee the plan could not build: reject the value's record,
			// or all of the employee's records.
			f := OpFinding{Employee: ue.Employee, Finding: schemas.Finding{Message: ue.Err.Error(), Severity: model.SevError}}
			if ue.Source.File != "" {
				src := ue.Source
				f.Source = &src
			}
			switch rejectPlanError(eng, f, byEmp) {
			case rejectedNew:
				rejectedAny = true
			case unattributed:
				return nil, ue
			}
		}
		if fv == nil {
			if !rejectedAny && settled() {
				break
			}
			if round+1 == maxRounds {
				return nil, fmt.Errorf("convert: records still rejected after %d rounds of rejecting their records", maxRounds)
			}
			continue
		}
		findings := chk.findings(p, opts.Workers)
		st.findings = st.findings[:0]
		st.schemaErrors = 0
		for _, f := range findings {
			if !f.Finding.IsError() {
				st.findings = append(st.findings, f)
				continue
			}
			if handled, changed := leaveOutExtension(eng, f); handled {
				rejectedAny = rejectedAny || changed
				continue
			}
			if dropValue(eng, f) {
				rejectedAny = true
				continue
			}
			switch rejectFinding(eng, f, byEmp) {
			case rejectedNew:
				rejectedAny = true
			case unattributed:
				// Nothing to reject it on: keep it, and fail the run.
				st.findings = append(st.findings, f)
				st.schemaErrors++
			}
		}
		if !rejectedAny && leftOut {
			// Only what the plan left out changed: the change sets are
			// finished again, and planned again only if more changed.
			sets2, results2 := eng.Finish()
			if !refinished(sets, sets2, p.LeftOut) {
				continue
			}
			sets, byEmp = sets2, changeSetsByEmployee(sets2)
			st.sets, st.records = sets2, results2
		}
		if !rejectedAny && settled() {
			if settleObserver != nil {
				settleObserver(round + 1)
			}
			break
		}
		if round+1 == maxRounds {
			return nil, fmt.Errorf("convert: records still rejected after %d rounds of rejecting their records", maxRounds)
		}
	}
	return st, nil
}

// settleObserver, set by tests, is told how many rounds each settle with
// validation took.
var settleObserver func(rounds int)

// refinished reports whether after, the change sets finished once the
// plan's left-out extensions are recorded, are before with those
// extensions in LeaveOut and nothing else changed that the plan of before
// did not already take into account: then the plan stands.
func refinished(before, after []*model.ChangeSet, left []plan.LeftOut) bool {
	if len(before) != len(after) {
		return false
	}
	k := 0
	for i, b := range before {
		a := after[i]
		if a.EmployeeID != b.EmployeeID || a.Creates != b.Creates || len(a.Attrs) != len(b.Attrs) ||
			len(a.Refs) != len(b.Refs) || len(a.Records) != len(b.Records) || (a.Rename == nil) != (b.Rename == nil) {
			return false
		}
		want := len(b.LeaveOut)
		for ; k < len(left) && left[k].Set == i; k++ {
			if !slices.Contains(a.LeaveOut, left[k].URN) {
				return false
			}
			if !slices.Contains(b.LeaveOut, left[k].URN) {
				want++
			}
		}
		if len(a.LeaveOut) != want {
			return false
		}
	}
	return k == len(left)
}

// predictLeaveOut lets the engine and the plan leave out of a new user an
// extension its input does not complete (mapping.Options.Requires,
// plan.Options.Requires), instead of a round after the schema check of
// the user's POST finding the attribute missing. Tests turn it off to
// compare with those rounds.
var predictLeaveOut = true

// requirements is schemas.ExtensionRequirements, read once.
var requirements = sync.OnceValues(schemas.ExtensionRequirements)

// engineRequires is mapping.Options.Requires for a conversion with opts:
// none when the operations are not validated (nothing finds an attribute
// missing then), or the requirements cannot be read (settle reports it).
func engineRequires(opts Options) []schemas.Requirement {
	if opts.NoValidate || !predictLeaveOut {
		return nil
	}
	rs, _ := requirements()
	return rs
}

// planRequires is plan.Options.Requires, when the operations are
// validated: with it the plan leaves out of a full User body what the
// engine did not (a PUT of Replace, a user created and renamed).
var planRequires = sync.OnceValues(func() ([]plan.Requirement, error) {
	rs, err := requirements()
	if err != nil {
		return nil, err
	}
	out := make([]plan.Requirement, 0, len(rs))
	for _, r := range rs {
		out = append(out, plan.Requirement{URN: r.URN, Attrs: r.Attrs})
	}
	return out, nil
})

// reuseRounds lets a round of settle reuse the operations of the users
// the round before did not change; tests turn it off to compare.
var reuseRounds = true

// reuseUnchanged offers a plan of sets the operations prev, the plan of
// prevSets, built for the change sets sets holds unchanged.
func reuseUnchanged(prev *plan.Plan, prevSets, sets []*model.ChangeSet) *plan.Reuse {
	at := make(map[string]int, len(prevSets))
	for j, cs := range prevSets {
		at[cs.EmployeeID] = j
	}
	return &plan.Reuse{From: prev, Same: func(i int) (int, bool) {
		j, ok := at[sets[i].EmployeeID]
		if !ok || !sets[i].Same(prevSets[j]) {
			return 0, false
		}
		if reuseSeen != nil {
			reuseSeen.Add(1)
		}
		return j, true
	}}
}

// reuseSeen, set by tests, counts the users whose operations a round
// reused.
var reuseSeen *atomic.Int64
