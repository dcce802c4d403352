package submit

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

// Options control a submission.
type Options struct {
	// Target receives the requests.
	Target target.Target
	// Journal records every step; it may be nil only for a dry run.
	Journal *journal.Journal
	// Meta describes the run for the journal (ToolVersion, InputHash,
	// Target, Flavor); Run fills in PlanHash and Company and refuses a
	// journal written for other inputs or another target.
	Meta journal.Meta
	// CompanyID is --company-id; "" takes the one convert recorded, else
	// the token's. A given id that differs from the token's is an error
	// before anything is sent.
	CompanyID string
	// Directory lists users known to exist (--directory): they are not
	// looked up.
	Directory *plan.Directory
	// PollInterval is the wait before the first status poll (default 5s);
	// then it doubles, with jitter, up to MaxPollInterval (default 60s).
	PollInterval, MaxPollInterval time.Duration
	// ProvisionTimeout ends a provision that is not complete as failed
	// (default 120 minutes, UPS's own timeout).
	ProvisionTimeout time.Duration
	// Concurrency bounds the requests in flight (default 4). It starts at
	// one or two, grows after clean requests and halves on a 429.
	Concurrency int
	// Rate bounds the operations sent per second (0 = no limit). It paces
	// the sends only: to keep to the requests per second a target allows,
	// give its HTTP client a PaceTransport.
	Rate float64
	// Canary is the number of operations in the first request of phase 1
	// (default 5; negative: no canary). When most of it fails, the run
	// stops before sending the rest.
	Canary int
	// DryRun does everything except sending: lookups, the plan, the
	// preview.
	DryRun bool
	// MaxCreates and MaxDeactivations stop the run before sending when
	// the plan creates or deactivates more users (negative: no limit).
	MaxCreates, MaxDeactivations int
	// OnPreview, when set, is shown what the run is about to send, before
	// the guardrails and Confirm (not in a dry run: the caller has the
	// preview in the result).
	OnPreview func(Preview)
	// Confirm, when set, is asked after the preview; false stops the run.
	Confirm func(Preview) (bool, error)
	// Log receives progress lines; nil is quiet.
	Log func(format string, args ...any)
	// Clock, Sleep and Jitter replace time.Now, a timer and the random
	// part of waits (tests).
	Clock  func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
	Jitter func(d time.Duration) time.Duration
	// MaxAttempts bounds how often one run sends one operation (default
	// 4); a run that was interrupted does not count against the next.
	MaxAttempts int
}

// Preview is what a run is about to do, shown before anything is sent.
type Preview struct {
	Target, Flavor, Company                            string
	Creates, Updates, Replaces, Renames, Deactivations int
	// References counts the references (approvers, delegates, managers)
	// to set; Unresolved those whose user is neither in the run nor in
	// the target.
	References, Unresolved int
	// Operations counts what is left to send per phase; Done the
	// operations the journal already has final.
	Operations [3]int
	Done       int
	LookedUp   int // employee numbers looked up in the target
}

// Result is what a run did.
type Result struct {
	Preview Preview
	// Stopped says why the run stopped before the end (canary, declined);
	// the records not sent stay pending and a re-run resumes.
	Stopped string
	// Records lists the records that did not end well: failed, partial
	// or pending (the journal holds every record's outcome, and Counts
	// counts them all).
	Records  []journal.Record
	Counts   map[string]int
	Phases   []PhaseCounts
	Requests int // requests sent by this run
	// JournalTime is the time spent writing the journal; Elapsed the
	// whole run; SendTime the time spent sending (first send to last
	// answer of each round) and OpsSent the operations it sent.
	JournalTime, Elapsed, SendTime time.Duration
	OpsSent                        int
}

// GuardrailError stops a run before anything is sent: --max-creates,
// --max-deactivations, a company mismatch, a missing company id.
type GuardrailError struct{ Msg string }

func (e *GuardrailError) Error() string { return e.Msg }

// ErrDeclined is returned when Confirm says no.
var ErrDeclined = errors.New("not confirmed: nothing was sent")

// engine is one submission.
type engine struct {
	o         Options
	run       *Run
	idx       *index
	j         *journal.Journal
	info      *target.Info
	popts     plan.Options // the run's plan options (Submit); build adds the directory
	res       *resolver
	pace      *pacer
	polls     *pollClock
	window    window
	mu        sync.Mutex // guards the fields below, and res while requests are in flight
	stopped   string
	sent      int
	conflicts []string      // employees whose create hit a 409
	sends     [3][]uint8    // operations sent by this run, per phase and key number
	sendsElse map[opKey]int // the same, of employees that are no key of the run
}

// Submit sends a loaded convert run to the target and tracks it to a final
// outcome for every record.
func Submit(ctx context.Context, run *Run, o Options) (*Result, error) {
	start := time.Now()
	o.defaults()
	if o.Journal == nil && !o.DryRun {
		return nil, errors.New("submit: a journal is needed to send")
	}
	idx := run.index()
	e := &engine{o: o, run: run, idx: idx, j: o.Journal, sendsElse: map[opKey]int{}}
	for p := range e.sends {
		e.sends[p] = make([]uint8, idx.nkeys)
	}
	info, err := o.Target.Prepare(ctx)
	if err != nil {
		return nil, err
	}
	e.info = info
	// The operations are built as convert built them (Replace,
	// FailOnErrors), for the company chooseCompany settles, in requests
	// within the target's bounds.
	e.popts = plan.Options{MaxOps: info.MaxOps, MaxBytes: info.MaxBytes,
		Replace: run.Options.Replace, FailOnErrors: run.Options.FailOnErrors}
	if err := e.chooseCompany(); err != nil {
		return nil, err
	}
	if e.j != nil && !o.DryRun {
		meta := o.Meta
		meta.PlanHash, meta.Company = run.PlanHash, e.popts.CompanyID
		if err := e.j.Check(meta); err != nil {
			return nil, err
		}
		if old, ok, err := e.j.Meta(); err != nil {
			return nil, err
		} else if ok {
			meta.Created = old.Created
		}
		if err := e.j.SetMeta(meta); err != nil {
			return nil, err
		}
	}
	e.pace = newPacer(o.Concurrency, o.Rate, info.MaxOps)
	e.polls = newPollClock(o.PollInterval, o.MaxPollInterval)
	e.res = newResolver(o.Target, e.journalOrNil(), o.Concurrency, idx)
	if err := e.seed(); err != nil {
		return nil, err
	}
	prev, err := e.preview(ctx)
	if err != nil {
		return nil, err
	}
	result := &Result{Preview: prev}
	finish := func() (*Result, error) {
		if err := e.finish(result); err != nil {
			return result, err
		}
		result.Elapsed = time.Since(start)
		return result, nil
	}
	if o.DryRun {
		result.Elapsed = time.Since(start)
		return result, nil
	}
	if o.OnPreview != nil {
		o.OnPreview(prev)
	}
	if err := e.guard(prev); err != nil {
		return nil, err
	}
	if o.Confirm != nil && prev.Operations != [3]int{} {
		okay, err := o.Confirm(prev)
		if err != nil {
			return nil, err
		}
		if !okay {
			return nil, ErrDeclined
		}
	}
	for phase := 0; phase < 3; phase++ {
		if err := e.runPhase(ctx, phase); err != nil {
			if _, ferr := finish(); ferr != nil {
				return result, errors.Join(err, ferr)
			}
			return result, err
		}
		if e.stopped != "" {
			break
		}
	}
	return finish()
}

func (o *Options) defaults() {
	if o.PollInterval <= 0 {
		o.PollInterval = 5 * time.Second
	}
	if o.MaxPollInterval <= 0 {
		o.MaxPollInterval = 60 * time.Second
	}
	if o.ProvisionTimeout <= 0 {
		o.ProvisionTimeout = 120 * time.Minute
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 4
	}
	if o.Canary == 0 {
		o.Canary = 5
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 4
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = target.Sleep
	}
	if o.Jitter == nil {
		o.Jitter = func(d time.Duration) time.Duration {
			if d <= 0 {
				return 0
			}
			return time.Duration(rand.Int64N(int64(d)))
		}
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
}

func (e *engine) journalOrNil() *journal.Journal {
	if e.o.DryRun {
		return nil
	}
	return e.j
}

// chooseCompany settles the company id of creates: --company-id, else the
// one convert recorded, else the token's; a given id must match the
// token's.
func (e *engine) chooseCompany() error {
	given, from := e.o.CompanyID, "--company-id"
	if given == "" {
		given, from = e.run.Options.CompanyID, "the company id convert was given"
	}
	tok := e.info.Company
	switch {
	case given != "" && tok != "" && !strings.EqualFold(given, tok):
		return &GuardrailError{Msg: fmt.Sprintf("%s %s is not the company of the token (%s): nothing was sent; use the credentials of company %s, or drop --company-id to take the token's", from, given, tok, given)}
	case given != "":
		e.popts.CompanyID = given
	default:
		e.popts.CompanyID = tok
	}
	return nil
}

// seed fills the resolver from the journal and --directory, and turns
// requests a crash left in flight into requests in doubt.
func (e *engine) seed() error {
	if e.o.Directory != nil {
		for _, d := range e.o.Directory.Entries() {
			e.res.seed(d.EmployeeNumber, d.ID, d.UserName)
		}
	}
	if e.j == nil {
		return nil
	}
	err := e.j.EachUser(func(u *journal.User) error {
		e.res.seed(u.EmployeeNumber, u.ID, u.UserName)
		return nil
	})
	if err != nil {
		return err
	}
	if e.o.DryRun {
		return nil
	}
	sending, err := e.j.Requests(journal.RequestSending)
	if err != nil {
		return err
	}
	for _, r := range sending {
		if err := e.j.MarkRequest(r.ID, journal.RequestInDoubt, 0, "the run stopped before the answer arrived: outcome unknown, settled by lookup", journal.OpInDoubt); err != nil {
			return err
		}
	}
	return nil
}

func refCount(cs *model.ChangeSet) int {
	if cs == nil {
		return 0
	}
	return len(cs.Refs)
}

// deactivates reports whether the change set sets the user inactive.
func deactivates(cs *model.ChangeSet) bool {
	if cs == nil {
		return false
	}
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		if a.Schema() == model.SchemaCore && a.Path() == "active" && a.Type == model.BoolValue && !a.Bool {
			return true
		}
	}
	return false
}

func (e *engine) guard(p Preview) error {
	if e.o.MaxCreates >= 0 && p.Creates > e.o.MaxCreates {
		return &GuardrailError{Msg: fmt.Sprintf("the plan creates %d users, more than --max-creates %d: nothing was sent; check that the input and the target are the ones you mean (a wrong tenant makes every employee new), or raise --max-creates", p.Creates, e.o.MaxCreates)}
	}
	if e.o.MaxDeactivations >= 0 && p.Deactivations > e.o.MaxDeactivations {
		return &GuardrailError{Msg: fmt.Sprintf("the plan deactivates %d users, more than --max-deactivations %d: nothing was sent; check the input's Active fields, or raise --max-deactivations", p.Deactivations, e.o.MaxDeactivations)}
	}
	if p.Creates > 0 && e.popts.CompanyID == "" && e.o.Target.Flavor() == "ups" {
		return &GuardrailError{Msg: "the plan creates users but no company id is known: give --company-id or set UPSMIGRATE_COMPANY_ID (the token did not carry one)"}
	}
	return nil
}

// worthShowing reports whether a record of this state is one of
// Result.Records.
func worthShowing(state string) bool {
	return state == StateFailed || state == StatePartial || state == StatePending
}

func isFinal(state string) bool {
	switch state {
	case journal.OpSuccess, journal.OpPartial, journal.OpFailed, journal.OpSkipped:
		return true
	}
	return false
}

// finish folds the journal onto the records and records them.
func (e *engine) finish(res *Result) error {
	res.Stopped = e.stopped
	res.Requests = e.sent
	res.SendTime, res.OpsSent = e.window.total, e.window.ops
	if e.j == nil {
		return nil
	}
	// The outcomes read the extension results that report a failure only,
	// row by row.
	t := newOpTable(e.idx)
	var phases [3]PhaseCounts
	for i := range phases {
		phases[i] = PhaseCounts{Phase: i, States: map[string]int{}}
	}
	err := e.j.EachOpFailing(func(op *journal.Op) error {
		t.add(op)
		if op.Phase >= 0 && op.Phase <= 2 {
			phases[op.Phase].States[op.State]++
			phases[op.Phase].Total++
		}
		return nil
	})
	if err != nil {
		return err
	}
	res.Phases = phases[:]
	f := newFolder(e.run, t)
	if err := f.foldSets(); err != nil {
		return err
	}
	res.Counts = map[string]int{}
	res.Records = nil
	err = e.j.PutRecordsFrom(func(put func(*journal.Record) error) error {
		return e.run.eachRecord(func(rec *model.RecordResult) error {
			jr := f.record(rec)
			res.Counts[jr.State]++
			if worthShowing(jr.State) {
				res.Records = append(res.Records, jr)
			}
			return put(&jr)
		})
	})
	if err != nil {
		return err
	}
	res.JournalTime = e.j.Elapsed()
	return nil
}
