package pipeline

import (
	"fmt"
	"slices"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// MaxShown is the number of plan warnings and of rejected records an
// Outcome keeps for the console; report.json has them all.
const MaxShown = 20

// Outcome is what a conversion written by ConvertTo tells its user: the
// counts, and the first few of what went wrong. Its size does not depend
// on the size of the run (but for SchemaErrors, which only a defect of the
// tables or the schemas produces).
type Outcome struct {
	Files   []FileSummary
	Totals  Totals
	Plan    *plan.Stats // nil when no plan was made
	Refused []mapping.Refusal
	// Findings counts the schema findings on the written operations
	// (report.json's findings).
	Findings int
	// SchemaErrors are the error findings no input record could be
	// rejected for: the run must not pass as clean.
	SchemaErrors []OpFinding
	// Warnings are the first MaxShown plan warnings no record holds
	// (report.json's warnings); NumWarnings counts them all.
	Warnings    []model.Diagnostic
	NumWarnings int
	// Rejected are the first MaxShown rejected records (Totals.Rejected
	// counts them all).
	Rejected []model.RecordResult
	// Kinds count the warnings on records by kind (WarningKinds).
	Kinds []WarningKind
	// AtSubmitRefs counts the references among the Totals.AtSubmit
	// employees submit looks up (the rest are updates).
	AtSubmitRefs int
}

// Outcome is the outcome of the conversion.
func (r *Result) Outcome() *Outcome {
	o := &Outcome{Files: r.Files, Totals: r.Totals, Refused: r.Refused, Findings: len(r.Findings), Kinds: WarningKinds(r.Records)}
	if r.Plan != nil {
		s := r.Plan.Stats
		o.Plan = &s
		o.NumWarnings = len(r.Plan.Warnings)
		o.Warnings = r.Plan.Warnings[:min(MaxShown, len(r.Plan.Warnings))]
	}
	for _, f := range r.Findings {
		if f.Finding.IsError() {
			o.SchemaErrors = append(o.SchemaErrors, f)
		}
	}
	for _, rec := range r.Records {
		if rec.Status == model.StatusRejected && len(o.Rejected) < MaxShown {
			o.Rejected = append(o.Rejected, rec)
		}
	}
	for _, a := range r.AtSubmit {
		if a.Kind != "update" {
			o.AtSubmitRefs++
		}
	}
	return o
}

// Summary is the short human summary convert prints.
func (r *Result) Summary() string { return r.Outcome().Summary() }

// Summary is the short human summary convert prints.
func (o *Outcome) Summary() string {
	var b strings.Builder
	t := o.Totals
	fmt.Fprintf(&b, "records: %d read, %d converted, %d skipped, %d rejected, %d warnings\n",
		t.Records, t.Converted, t.Skipped, t.Rejected, t.Warnings)
	for _, rf := range o.Refused {
		fmt.Fprintf(&b, "refused (among the rejected): %d %s record(s) with a value in %s: UPS cannot hold it, and dropping it would change the record's meaning\n",
			rf.Records, rf.Table, strings.Join(rf.Fields, " or "))
	}
	if o.Plan != nil {
		s := o.Plan
		fmt.Fprintf(&b, "users: %d created, %d updated, %d renamed\n", s.UsersCreated, s.UsersUpdated, s.Renames)
		fmt.Fprintf(&b, "operations: %d (phase 0: %d, phase 1: %d, phase 2: %d) in %d bulk requests, %d bytes\n",
			s.Operations[0]+s.Operations[1]+s.Operations[2], s.Operations[0], s.Operations[1], s.Operations[2], s.Requests, s.Bytes)
	}
	if n := o.Findings; n > 0 {
		fmt.Fprintf(&b, "schema warnings: %d\n", n)
	}
	if len(t.LeftOut) > 0 {
		keys := make([]string, 0, len(t.LeftOut))
		for k := range t.LeftOut {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", k, t.LeftOut[k])
		}
		fmt.Fprintf(&b, "extensions left out of new users: %s (UPS requires a value the input does not give: the warnings name it and the --default flag that supplies it; a defaults.csv row does too)\n", strings.Join(parts, ", "))
	}
	if t.AtSubmit > 0 {
		fmt.Fprintf(&b, "resolved at submit (outside this run, no --directory): %d references, %d updates of employees the run does not create\n", o.AtSubmitRefs, t.AtSubmit-o.AtSubmitRefs)
	}
	return b.String()
}

// DefaultSpillAbove is the total size of the inputs above which ConvertTo
// converts by partition, spilled to disk (Options.SpillAbove).
const DefaultSpillAbove = 8 << 20

// ConvertTo converts the inputs and writes the outputs into dir (see
// Result.Write): in memory (Convert, then Write) when the inputs are small,
// else by partition of employees spilled to a temporary directory in dir,
// in bounded memory; the outputs are the same. Options.BeforeWrite, when
// set, is called once the number of users created is known, before
// anything is written; its error ends the run.
func ConvertTo(paths []string, opts Options, dir string) (*Outcome, error) {
	spill, err := spills(paths, opts)
	if err != nil {
		return nil, err
	}
	if spill {
		return convertSpilled(paths, opts, dir)
	}
	res, err := Convert(paths, opts)
	if err != nil {
		return nil, err
	}
	if opts.BeforeWrite != nil {
		if err := opts.BeforeWrite(res.Plan.Stats.UsersCreated); err != nil {
			return nil, err
		}
	}
	if err := res.Write(dir); err != nil {
		return nil, err
	}
	return res.Outcome(), nil
}
