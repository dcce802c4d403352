package pipeline

import (
	"fmt"

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
		}
		p, err := plan.Build(sets, popts)
		if err != nil {
			return nil, err
		}
		st.sets, st.plan = sets, p
		st.records = results
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
		if !rejectedAny && settled() {
			break
		}
		if round+1 == maxRounds {
			return nil, fmt.Errorf("convert: records still rejected after %d rounds of rejecting their records", maxRounds)
		}
	}
	return st, nil
}
