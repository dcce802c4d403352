package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/upsmigrate/upsmigrate/formats"
	"github.com/upsmigrate/upsmigrate/internal/jsonw"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/pool"
	"github.com/upsmigrate/upsmigrate/mapping"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// ErrInterrupted ends a conversion whose Options.Context ended (SIGINT,
// SIGTERM): nothing is written, and what an earlier run wrote is gone.
var ErrInterrupted = errors.New("interrupted")

// Options configure a conversion. The embedded plan options shape the
// operations (CompanyID, Directory, MaxOps, MaxBytes, Replace,
// FailOnErrors, Indent, Workers, which also bounds the validation); their
// Check is not used: the conversion sets its own, the schema check.
type Options struct {
	plan.Options
	// Context, when set, stops the conversion (and its Write) at the next
	// batch of records, round or file once it ends: ErrInterrupted.
	Context context.Context
	// Mapping is the set of mapping tables; nil means the embedded defaults.
	Mapping *mapping.Set
	// Format forces the input format; Encoding names a legacy encoding.
	Format, Encoding string
	// DateOrder is how slash dates are read (--date-order; default
	// month-first). A file whose dates read only the other way gets a
	// warning in its FileSummary.
	DateOrder mapping.DateOrder
	// NoValidate skips the schema check of the operations (not recommended).
	NoValidate bool
	// Strict makes unknown attributes errors instead of warnings.
	Strict bool
	// Progress, when set, is told how the conversion and its Write go, on
	// the calling goroutine.
	Progress func(Progress)
	// BeforeWrite, when set, is called by ConvertTo with the number of
	// users the run creates, before anything is written; an error it
	// returns ends the run with nothing written.
	BeforeWrite func(usersCreated int) error
	// CreatesUsers, when set, is called by a conversion by partition
	// (SpillAbove) once, as soon as a partition settles a user the run
	// creates (employee: the first such user of that partition), long
	// before BeforeWrite can count them all; an error it returns ends the
	// run with nothing written. A conversion in memory calls BeforeWrite
	// only.
	CreatesUsers func(employee string) error
	// SpillAbove is the total size of the inputs in bytes above which
	// ConvertTo converts by partition of employees spilled to disk (0:
	// DefaultSpillAbove; < 0: never). Partitions is their number (0: one
	// per PartitionBytes of input).
	SpillAbove int64
	Partitions int
}

// Progress is how far a conversion has gone.
type Progress struct {
	Stage string // StageRead, StagePlan or StageWrite
	File  string // StageRead: the input being read
	// Done and Total count bytes (StageRead) or files (StageWrite); Total
	// is 0 when unknown.
	Done, Total int64
}

// Progress stages.
const (
	StageRead  = "read"
	StagePlan  = "plan"
	StageWrite = "write"
)

// FileSummary describes one input.
type FileSummary struct {
	Path     string               `json:"path"`
	Format   string               `json:"format"`
	Records  int                  `json:"records"`
	Settings model.ImportSettings `json:"settings,omitempty"`
	Warnings []model.Diagnostic   `json:"warnings,omitempty"`
}

// Totals count record outcomes; Records = Converted + Skipped + Rejected.
type Totals struct {
	Records   int `json:"records"`
	Converted int `json:"converted"`
	Skipped   int `json:"skipped"`
	Rejected  int `json:"rejected"`
	Warnings  int `json:"warnings"`
	// LeftOut counts users per extension ("spend", "travel") left out of
	// their creation: UPS requires an attribute the input does not give.
	LeftOut map[string]int `json:"leftOut,omitempty"`
	// AtSubmit counts references to employees outside the run, and updates
	// of employees the run does not create, that submit resolves by lookup
	// (no --directory).
	AtSubmit int `json:"resolvedAtSubmit,omitempty"`
}

// Result is everything a conversion produced.
type Result struct {
	Files      []FileSummary
	Records    []model.RecordResult // one per input record, in input order
	ChangeSets []*model.ChangeSet
	Plan       *plan.Plan
	// Findings are the schema warnings on the written operations (errors
	// reject records and appear in Records instead).
	Findings []OpFinding
	// SchemaErrors counts error findings that could not be traced to any
	// input record (they are in Findings); the run must not pass as clean.
	SchemaErrors int
	Totals       Totals
	// Notices are the plan's warnings (a rename folded into a create …),
	// also found in the messages of the records they name.
	Notices []model.Diagnostic
	// AtSubmit lists the employees outside the run that submit resolves
	// by lookup (only without a directory).
	AtSubmit []AtSubmit
	// Refused counts the records refused because a field carries a value
	// UPS cannot hold and dropping it would change the record (400
	// segments), per record type; they are among the rejected records.
	Refused []mapping.Refusal

	progress func(Progress)  // Options.Progress, for Write
	ctx      context.Context // Options.Context, for Write
	options  *PlanOptions    // for report.json
	mapping  *mapping.Set    // for report.json's audit
	// namedRows are the mapping rows the messages of a spilled run's
	// records name (its Records are not in memory), for the audit.
	namedRows map[string]bool
	// hashes, when set, are the inputs' sizes and digests, taken by a
	// spilled run beside its partitions (else the audit takes them).
	hashes *inputHashes
}

// OpFinding is a schema finding on one operation of the plan.
type OpFinding struct {
	Request   int             `json:"request"`   // 1-based: bulk-0001.json is 1
	Operation int             `json:"operation"` // 0-based index in the request
	Employee  string          `json:"employee"`
	Finding   schemas.Finding `json:"finding"`
	Source    *model.Source   `json:"source,omitempty"`
}

// appendJSON appends f in the form json.Marshal writes with HTML escaping
// off.
func (f *OpFinding) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"request":`...)
	dst = jsonw.AppendInt(dst, f.Request)
	dst = append(dst, `,"operation":`...)
	dst = jsonw.AppendInt(dst, f.Operation)
	dst = append(dst, `,"employee":`...)
	dst = jsonw.AppendString(dst, f.Employee)
	g := &f.Finding
	dst = append(dst, `,"finding":{"pointer":`...)
	dst = jsonw.AppendString(dst, g.Pointer)
	dst = append(dst, `,"message":`...)
	dst = jsonw.AppendString(dst, g.Message)
	dst = append(dst, `,"severity":`...)
	dst = jsonw.AppendString(dst, string(g.Severity))
	dst = append(dst, `,"keyword":`...)
	dst = jsonw.AppendString(dst, g.Keyword)
	if g.Line != 0 {
		dst = append(dst, `,"line":`...)
		dst = jsonw.AppendInt(dst, g.Line)
	}
	dst = append(dst, '}')
	if f.Source != nil {
		dst = append(dst, `,"source":`...)
		dst = f.Source.AppendJSON(dst)
	}
	return append(dst, '}')
}

// maxRounds bounds the validate → reject → re-plan loop; a record rejected
// in one round can only remove values, so a few rounds settle it (one more
// when a login conflict is found after the schemas settle).
const maxRounds = 6

// Convert reads every file in order and converts it. An unreadable input
// is an error (nothing is written for a run with an unreadable input); bad
// records are rejected in the result and the others go on.
func Convert(paths []string, opts Options) (*Result, error) {
	set := opts.Mapping
	if set == nil {
		var err error
		if set, err = mapping.Default(); err != nil {
			return nil, err
		}
	}
	var known func(string) bool
	if opts.Directory != nil {
		known = func(emp string) bool { _, ok := opts.Directory.Lookup(emp); return ok }
	}
	eng := mapping.NewEngine(set, mapping.Options{Known: known, DateOrder: opts.DateOrder, Requires: engineRequires(opts)})
	res := &Result{progress: opts.Progress, ctx: opts.Context, mapping: set, options: recordedOptions(opts)}
	var readerRejects []model.RecordResult
	for _, path := range paths {
		fs, rejects, err := readInput(path, opts, eng)
		if err != nil {
			return nil, err
		}
		res.Files = append(res.Files, fs)
		readerRejects = append(readerRejects, rejects...)
	}
	res.Refused = eng.Refused()

	fv, err := fastValidator(opts)
	if err != nil {
		return nil, err
	}
	var dirLogins []plan.DirEntry
	if opts.Directory != nil {
		dirLogins = opts.Directory.Entries()
	}
	st, err := settle(eng, opts, fv, dirLogins)
	if err != nil {
		return nil, err
	}
	res.ChangeSets, res.Plan, res.Records = st.sets, st.plan, st.records
	res.Findings, res.SchemaErrors = st.findings, st.schemaErrors
	res.Records = mergeResults(paths, res.Records, readerRejects)
	res.Notices = res.Plan.Warnings
	res.Plan.Warnings = attachWarnings(res.Records, res.Plan.Warnings)
	res.Totals = count(res.Records)
	res.Totals.LeftOut = leftOut(res.ChangeSets)
	if opts.Directory == nil {
		res.AtSubmit = atSubmit(res.ChangeSets)
		res.Totals.AtSubmit = len(res.AtSubmit)
	}
	return res, nil
}

// recordedOptions are the options report.json records.
func recordedOptions(opts Options) *PlanOptions {
	return &PlanOptions{CompanyID: opts.CompanyID, Replace: opts.Replace,
		FailOnErrors: opts.FailOnErrors, MaxOps: opts.MaxOps, MaxBytes: opts.MaxBytes, Strict: opts.Strict,
		DateOrder: opts.DateOrder.String()}
}

// attachWarnings gives each plan warning to the record it names, so that it
// is in that record's messages (report.json, the console's counts); it
// returns the warnings no record was found for.
func attachWarnings(records []model.RecordResult, warns []model.Diagnostic) []model.Diagnostic {
	if len(warns) == 0 {
		return warns
	}
	var rest []model.Diagnostic
	for _, i := range attachWarningsAt(records, warns) {
		rest = append(rest, warns[i])
	}
	return rest
}

// attachWarningsAt is attachWarnings returning the indexes in warns of the
// warnings no record was found for.
func attachWarningsAt(records []model.RecordResult, warns []model.Diagnostic) []int {
	if len(warns) == 0 {
		return nil
	}
	at := make(map[model.Position]int, len(records))
	for i, r := range records {
		at[r.Pos] = i
	}
	var rest []int
	for k, w := range warns {
		i, ok := at[w.Source.Pos()]
		if !ok {
			rest = append(rest, k)
			continue
		}
		records[i].Messages = append(records[i].Messages, w)
	}
	return rest
}

func leftOut(sets []*model.ChangeSet) map[string]int {
	var m map[string]int
	for _, cs := range sets {
		for _, urn := range cs.LeaveOut {
			if m == nil {
				m = map[string]int{}
			}
			m[mapping.ExtensionName(urn)]++
		}
	}
	return m
}

// AtSubmit is one employee outside the run that submit resolves by lookup:
// a reference target, or the employee of an update.
type AtSubmit struct {
	Employee string       `json:"employee"`         // the employee looked up
	Kind     string       `json:"kind"`             // "update", or the reference: "report approver", "manager" …
	From     string       `json:"from,omitempty"`   // references: the employee who refers
	Source   model.Source `json:"source,omitempty"` // the record (and field) it comes from
}

// appendJSON appends a in the form json.Marshal writes with HTML escaping
// off.
func (a *AtSubmit) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"employee":`...)
	dst = jsonw.AppendString(dst, a.Employee)
	dst = append(dst, `,"kind":`...)
	dst = jsonw.AppendString(dst, a.Kind)
	if a.From != "" {
		dst = append(dst, `,"from":`...)
		dst = jsonw.AppendString(dst, a.From)
	}
	dst = append(dst, `,"source":`...)
	dst = a.Source.AppendJSON(dst)
	return append(dst, '}')
}

// atSubmit lists what submit resolves by lookup when convert had no
// directory: updates of employees no record of the run creates, and
// references to employees outside the run.
func atSubmit(sets []*model.ChangeSet) []AtSubmit {
	inRun := make(map[string]bool, len(sets))
	for _, cs := range sets {
		inRun[cs.EmployeeID] = true
	}
	var out []AtSubmit
	for _, cs := range sets {
		out = appendAtSubmit(out, cs, func(emp string) bool { return inRun[emp] })
	}
	return out
}

// appendAtSubmit appends what submit resolves by lookup for cs: its
// update when no record of the run creates it, and its references to
// employees not inRun.
func appendAtSubmit(out []AtSubmit, cs *model.ChangeSet, inRun func(string) bool) []AtSubmit {
	if !cs.Creates && len(cs.Records) > 0 {
		out = append(out, AtSubmit{Employee: cs.EmployeeID, Kind: "update",
			Source: cs.Records[0].Source()})
	}
	var last string // the target asked last, and inRun's answer
	var lastIn bool
	for i := range cs.Refs {
		r := &cs.Refs[i]
		if i == 0 || r.Target != last {
			// An employee's approvers of each kind are mostly one
			// manager: asked once.
			last, lastIn = r.Target, inRun(r.Target)
		}
		if lastIn {
			continue
		}
		out = append(out, AtSubmit{Employee: r.Target, Kind: r.Describe(), From: cs.EmployeeID, Source: r.Source()})
	}
	return out
}

// readBatch is the number of records the reading goroutine hands over at
// a time.
const readBatch = 256

// readItem is a batch of records, with what prep made of them, or one
// reader error, in input order.
type readItem[P any] struct {
	recs []*model.Record
	prep *P
	err  error
}

// readInput streams one file into the engine: a goroutine reads and parses
// while this one maps, so reading overlaps mapping. Recoverable reader
// errors become rejected records; a fatal one fails the run.
func readInput(path string, opts Options, eng *mapping.Engine) (FileSummary, []model.RecordResult, error) {
	var rejects []model.RecordResult
	fs, notes, err := scanInput(path, opts,
		func(rec *model.Record) error { eng.Add(rec); return nil },
		func(r model.RecordResult) error { rejects = append(rejects, r); return nil })
	if err != nil {
		return fs, nil, err
	}
	fs.Warnings = append(append(fs.Warnings, eng.DateHints(path)...), notes...)
	return fs, rejects, nil
}

// scanInput streams one file: a goroutine reads and parses while this one
// hands every record to add, in order, and every recoverable reader error,
// as a rejected record, to reject; a fatal reader error, or an error of add
// or reject, ends it. add must keep nothing of a record's Values slice (the
// concur reader reuses it). The summary's warnings are the reader's; the
// mapping's date hints go after them, and notes after those.
func scanInput(path string, opts Options, add func(*model.Record) error, reject func(model.RecordResult) error) (fs FileSummary, notes []model.Diagnostic, err error) {
	return scanPrepared(path, opts, nil, func(rec *model.Record, _ *struct{}, _ int) error { return add(rec) }, reject)
}

// scanPrepared is scanInput with a first look at the records on a
// goroutine between the reading one and the one that adds: prep (nil:
// none) fills a P from each batch there, and add is given the batch's P
// and the record's index in it, so that work that needs no state of the
// run is taken off the goroutine that adds. A P is reused once its batch
// is added.
func scanPrepared[P any](path string, opts Options, prep func([]*model.Record, *P), add func(*model.Record, *P, int) error, reject func(model.RecordResult) error) (fs FileSummary, notes []model.Diagnostic, err error) {
	fs = FileSummary{Path: path}
	var read atomic.Int64
	in, err := formats.Open(path, formats.Options{Format: opts.Format, Encoding: opts.Encoding, Read: &read})
	if err != nil {
		return fs, nil, err
	}
	report := func() {
		if opts.Progress != nil {
			opts.Progress(Progress{Stage: StageRead, File: path, Done: read.Load(), Total: in.Size})
		}
	}
	report()
	defer in.Close()
	fs.Format = in.Format
	items := make(chan readItem[P], 8)
	done := make(chan struct{})
	defer close(done)
	// With prep, a third goroutine between the reading one and this one
	// runs it: the three stages share the cores.
	parsed := items
	var free chan *P // the Ps of batches added, for prepare to reuse
	if prep != nil {
		free = make(chan *P, 2*cap(items)+2)
		parsed = make(chan readItem[P], cap(items))
		go prepare(path, parsed, items, free, done, prep)
	}
	go func() {
		defer close(parsed)
		send := func(it readItem[P]) bool { return sendItem(parsed, done, it) }
		// A reader bug must not take the process down without a position.
		defer recoverItem(parsed, done, path, "in the "+in.Format+" reader")
		recs := make([]*model.Record, 0, readBatch)
		for n := 0; ; n++ {
			if n%readBatch == 0 && interrupted(opts.Context) {
				send(readItem[P]{err: ErrInterrupted})
				return
			}
			rec, err := in.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				if len(recs) > 0 {
					if !send(readItem[P]{recs: recs}) {
						return
					}
					recs = make([]*model.Record, 0, readBatch)
				}
				if !send(readItem[P]{err: err}) {
					return
				}
				var pe *model.ParseError
				if !errors.As(err, &pe) || pe.Fatal {
					return
				}
				continue
			}
			recs = append(recs, rec)
			if len(recs) == readBatch {
				if !send(readItem[P]{recs: recs}) {
					return
				}
				recs = make([]*model.Record, 0, readBatch)
			}
		}
		if len(recs) > 0 {
			send(readItem[P]{recs: recs})
		}
	}()
	// The engine keeps nothing of a record's Values slice, so the concur
	// reader can reuse the records of a batch once they are mapped.
	cr, _ := in.Reader.(formats.Recycler)
	var fatal error
	for it := range items {
		for i, rec := range it.recs {
			fs.Records++
			if err := add(rec, it.prep, i); err != nil {
				return fs, nil, err
			}
		}
		if cr != nil && len(it.recs) > 0 {
			cr.Recycle(it.recs)
		}
		if it.prep != nil {
			select {
			case free <- it.prep:
			default:
			}
		}
		report()
		if it.err == nil {
			continue
		}
		var pe *model.ParseError
		if !errors.As(it.err, &pe) || pe.Fatal {
			fatal = it.err
			continue
		}
		fs.Records++
		if err := reject(model.RecordResult{
			Pos: model.Position{File: pe.File, Line: pe.Line}, Format: in.Format, Status: model.StatusRejected,
			Messages: []model.Diagnostic{{Severity: model.SevError,
				Source: model.Source{File: pe.File, Line: pe.Line, Field: pe.Field}, Message: pe.Err.Error()}},
		}); err != nil {
			return fs, nil, err
		}
	}
	if fatal != nil {
		return fs, nil, fatal
	}
	fs.Warnings = in.Warnings()
	if sr, ok := in.Reader.(formats.SettingsReader); ok {
		fs.Settings = sr.ImportSettings()
		notes = append(notes, fs.Settings.ConvertNotes(path, opts.Replace)...)
	}
	return fs, notes, nil
}

// prepare runs prep on every batch from in, in order, into a P taken from
// free (or new), and hands it on to out, until in closes or done does.
func prepare[P any](path string, in <-chan readItem[P], out chan<- readItem[P], free chan *P, done <-chan struct{}, prep func([]*model.Record, *P)) {
	defer close(out)
	defer recoverItem(out, done, path, "preparing the records")
	for it := range in {
		if len(it.recs) > 0 {
			select {
			case it.prep = <-free:
			default:
				it.prep = new(P)
			}
			prep(it.recs, it.prep)
		}
		if !sendItem(out, done, it) {
			return
		}
	}
}

// sendItem hands it on to ch; false when done closed first.
func sendItem[P any](ch chan<- readItem[P], done <-chan struct{}, it readItem[P]) bool {
	select {
	case ch <- it:
		return true
	case <-done:
		return false
	}
}

// recoverItem, deferred by a goroutine of scanPrepared, turns its panic
// into a fatal error of the file at path, handed on to ch.
func recoverItem[P any](ch chan<- readItem[P], done <-chan struct{}, path, where string) {
	if v := recover(); v != nil {
		sendItem(ch, done, readItem[P]{err: &model.ParseError{File: path, Line: 1, Fatal: true,
			Err: fmt.Errorf("internal error %s: %v", where, v)}})
	}
}

// interrupted reports whether ctx (nil: never) has ended.
func interrupted(ctx context.Context) bool { return ctx != nil && ctx.Err() != nil }

// opChecker validates every operation on the plan's workers, on the tree
// Build encodes, and keeps the findings of the operations that have any.
type opChecker struct {
	fv    *schemas.FastValidator
	mu    sync.Mutex
	found map[*plan.Operation][]schemas.Finding
	// resolved are the findings of each operation with their sources, as
	// findings resolved them (or inherit took them).
	resolved map[*plan.Operation][]OpFinding
}

// newCheck is the plan.Options.NewCheck hook: each worker validates by
// way of a schemas.Session of its own. Its check reports whether op has
// findings.
func (c *opChecker) newCheck() (func(op *plan.Operation, data any, dataJSON []byte, members []int32) bool, func()) {
	s := c.fv.Session()
	return func(op *plan.Operation, data any, dataJSON []byte, members []int32) bool {
		fs := s.ValidateOperationMembers(op.Method, op.Path, op.BulkID, data, dataJSON, members)
		if len(fs) == 0 {
			return false
		}
		c.mu.Lock()
		c.found[op] = fs
		c.mu.Unlock()
		return true
	}, s.Close
}

// inherit takes from prev, the checker of the plan p reused operations
// of (plan.Options.Reuse), the findings of those operations, and the
// sources it resolved for them.
func (c *opChecker) inherit(prev *opChecker, p *plan.Plan) {
	if prev == nil || len(prev.found) == 0 {
		return
	}
	for _, r := range p.Requests {
		for _, op := range r.Operations {
			if fs, ok := prev.found[op]; ok {
				c.found[op] = fs
				if ofs, ok := prev.resolved[op]; ok {
					if c.resolved == nil {
						c.resolved = map[*plan.Operation][]OpFinding{}
					}
					c.resolved[op] = ofs
				}
			}
		}
	}
}

// findings returns the findings in plan order (request, operation, then
// the validator's order), with the sources of their values resolved on all
// workers: only operations with findings have their lineage rebuilt.
func (c *opChecker) findings(p *plan.Plan, workers int) []OpFinding {
	type job struct {
		req, op int
		o       *plan.Operation
		fs      []schemas.Finding
	}
	var jobs []job
	for ri, r := range p.Requests {
		for oi, op := range r.Operations {
			if op.Flagged() {
				jobs = append(jobs, job{ri, oi, op, c.found[op]})
			}
		}
	}
	if len(jobs) == 0 {
		return nil
	}
	out, _ := pool.Map(context.Background(), len(jobs), workers, func(_ context.Context, i int) ([]OpFinding, error) {
		j := jobs[i]
		if known, ok := c.resolved[j.o]; ok {
			ofs := slices.Clone(known)
			for k := range ofs {
				ofs[k].Request, ofs[k].Operation = j.req+1, j.op
			}
			return ofs, nil
		}
		ofs := make([]OpFinding, len(j.fs))
		ptrs := make([]string, len(j.fs))
		for k, f := range j.fs {
			ptrs[k] = dataPointer(f.Pointer)
		}
		srcs := j.o.SourcesAt(ptrs)
		for k, f := range j.fs {
			ofs[k] = OpFinding{Request: j.req + 1, Operation: j.op, Employee: j.o.Employee, Finding: f}
			if srcs[k].OK {
				src := srcs[k].Source
				ofs[k].Source = &src
			}
		}
		return ofs, nil
	})
	if c.resolved == nil {
		c.resolved = make(map[*plan.Operation][]OpFinding, len(jobs))
	}
	var all []OpFinding
	for i, fs := range out {
		c.resolved[jobs[i].o] = fs
		all = append(all, fs...)
	}
	return all
}

// dataPointer turns a pointer relative to an operation ("/data/name") into
// one relative to its data ("/name").
func dataPointer(p string) string {
	if p == "/data" {
		return ""
	}
	if rest, ok := strings.CutPrefix(p, "/data/"); ok {
		return "/" + rest
	}
	return ""
}

// changeSetsByEmployee indexes change sets by Employee ID, and by the old
// ID of a renamed employee (its rename operation is filed under the old ID).
func changeSetsByEmployee(sets []*model.ChangeSet) map[string]*model.ChangeSet {
	m := make(map[string]*model.ChangeSet, len(sets))
	for _, cs := range sets {
		m[cs.EmployeeID] = cs
		if cs.Rename != nil && cs.Rename.From != "" {
			if _, taken := m[cs.Rename.From]; !taken {
				m[cs.Rename.From] = cs
			}
		}
	}
	return m
}

// rejection is what rejectFinding did.
type rejection int

const (
	rejectedNew  rejection = iota // a record not rejected before is rejected now
	rejectedOld                   // every record it names was rejected already
	unattributed                  // no record to reject: the finding stays an error of the run
)

// leaveOutExtension leaves an extension out of a new user when the finding
// is a required attribute missing from it: UPS would create the identity
// and fail only that extension, so the plan does not send it. handled says
// the finding is of that kind; changed, that the plan changes.
func leaveOutExtension(eng *mapping.Engine, f OpFinding) (handled, changed bool) {
	if f.Finding.Keyword != "required" {
		return false, false
	}
	rest, ok := strings.CutPrefix(f.Finding.Pointer, "/data/")
	if !ok || !strings.HasPrefix(rest, "urn:") {
		return false, false
	}
	urn, attr, _ := strings.Cut(rest, "/")
	urn = schemas.UnescapeToken(urn)
	if urn == model.SchemaEnterprise || urn == model.SchemaCore || attr == "" {
		return false, false // the identity itself cannot be created
	}
	missing := schemas.UnescapeToken(strings.ReplaceAll(attr, "/", "."))
	return true, eng.LeaveOut(f.Employee, urn, missing)
}

// dropValue drops a value UPS cannot hold (too long, not in its list, not
// in its format …), with a warning naming its field and the reason, instead
// of rejecting its record. It reports whether a value was dropped; findings
// about no single input value, or about a value already dropped, are
// rejections.
func dropValue(eng *mapping.Engine, f OpFinding) bool {
	if f.Source == nil || f.Source.Field == "" {
		return false
	}
	switch f.Finding.Keyword {
	case "required", "maxBytes", "unique", "json", "path":
		return false
	}
	attr := attributeOf(f.Finding.Pointer)
	msg := fmt.Sprintf("UPS cannot hold this value (%s: %s): value dropped, the rest of the record is sent", attr, f.Finding.Message)
	return eng.DropValue(*f.Source, model.Diagnostic{Severity: model.SevWarning, Source: *f.Source, Message: msg})
}

// attributeOf names the attribute a pointer into an operation is at:
// "spend:2.0:User stateProvince" for
// "/data/urn:…:spend:2.0:User/stateProvince".
func attributeOf(pointer string) string {
	p := strings.TrimPrefix(pointer, "/data")
	p = strings.TrimPrefix(p, "/")
	var parts []string
	for _, seg := range strings.Split(p, "/") {
		seg = schemas.UnescapeToken(seg)
		if strings.HasPrefix(seg, "urn:") {
			if i := strings.Index(seg, ":extension:"); i >= 0 {
				seg = seg[i+len(":extension:"):]
			} else if i := strings.Index(seg, ":core:"); i >= 0 {
				seg = seg[i+len(":core:"):]
			}
			parts = append(parts, seg+" ")
			continue
		}
		if seg == "" {
			continue
		}
		if len(parts) > 0 && !strings.HasSuffix(parts[len(parts)-1], " ") {
			seg = "." + seg
		}
		parts = append(parts, seg)
	}
	if len(parts) == 0 {
		return pointer
	}
	return strings.TrimSpace(strings.Join(parts, ""))
}

// rejectFinding rejects the record a schema error traces back to. When the
// error is about something no single input value produced — a required
// attribute missing (the lineage then names the whole record, no field) or
// a value from a table such as defaults.csv — every record of the employee
// is rejected, since the user cannot be provisioned as planned.
func rejectFinding(eng *mapping.Engine, f OpFinding, byEmp map[string]*model.ChangeSet) rejection {
	return reject(eng, f, byEmp, fmt.Sprintf("schema: %s: %s", f.Finding.Pointer, f.Finding.Message))
}

// rejectPlanError rejects what a plan error (Plan.Rejected) is about, as
// rejectFinding does for schema errors.
func rejectPlanError(eng *mapping.Engine, f OpFinding, byEmp map[string]*model.ChangeSet) rejection {
	return reject(eng, f, byEmp, "plan: "+f.Finding.Message)
}

func reject(eng *mapping.Engine, f OpFinding, byEmp map[string]*model.ChangeSet, msg string) rejection {
	if f.Source != nil && f.Source.File != "" && f.Source.Field != "" {
		if eng.Reject(f.Source.Pos(),
			model.Diagnostic{Severity: model.SevError, Source: *f.Source, Message: msg}) {
			return rejectedNew
		}
		// No input record at that position: the value came from a table
		// (defaults.csv). Name it, and reject the employee below.
		msg += " (value from " + f.Source.String() + ")"
	}
	cs := byEmp[f.Employee]
	if cs == nil || len(cs.Records) == 0 {
		return unattributed
	}
	result := rejectedOld
	for _, pos := range cs.Records {
		src := pos.Source()
		if eng.Reject(pos, model.Diagnostic{Severity: model.SevError, Source: src,
			Message: fmt.Sprintf("employee %s cannot be provisioned: %s", f.Employee, msg)}) {
			result = rejectedNew
		}
	}
	return result
}

// mergeResults puts the reader's rejections among the engine's results in
// input order: by file (in the order given), then line.
func mergeResults(paths []string, engine, reader []model.RecordResult) []model.RecordResult {
	if len(reader) == 0 {
		return engine
	}
	order := make(map[string]int, len(paths))
	for i, p := range paths {
		order[p] = i
	}
	all := append(append([]model.RecordResult(nil), engine...), reader...)
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i].Pos, all[j].Pos
		if a.File != b.File {
			return order[a.File] < order[b.File]
		}
		return a.Line < b.Line
	})
	return all
}

func count(rs []model.RecordResult) Totals {
	var t Totals
	for _, r := range rs {
		t.Records++
		switch r.Status {
		case model.StatusConverted:
			t.Converted++
		case model.StatusSkipped:
			t.Skipped++
		case model.StatusRejected:
			t.Rejected++
		}
		for _, m := range r.Messages {
			if m.Severity == model.SevWarning {
				t.Warnings++
			}
		}
	}
	return t
}
