package submit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/scim"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

// pacer bounds the requests in flight, adaptively (start low, one more
// after each clean request, half on a 429), and the operations sent per
// second.
type pacer struct {
	mu         sync.Mutex
	limit, max int
	inflight   int
	wake       chan struct{}
	rl         *rate.Limiter
	burst      int
}

func newPacer(most int, opsPerSecond float64, maxOps int) *pacer {
	p := &pacer{limit: min(2, most), max: most, wake: make(chan struct{}, 1), burst: max(1, maxOps)}
	if opsPerSecond > 0 {
		p.rl = rate.NewLimiter(rate.Limit(opsPerSecond), p.burst)
	}
	return p
}

// acquire waits for the rate limit to allow n operations and for a free
// slot.
func (p *pacer) acquire(ctx context.Context, n int) error {
	if p.rl != nil {
		if err := p.rl.WaitN(ctx, min(n, p.burst)); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
	}
	for {
		p.mu.Lock()
		if p.inflight < p.limit {
			p.inflight++
			p.mu.Unlock()
			return nil
		}
		p.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.wake:
		}
	}
}

// release frees a slot; throttled halves the limit, a clean request raises
// it by one.
func (p *pacer) release(throttled bool) {
	p.mu.Lock()
	p.inflight--
	if throttled {
		p.limit = max(1, p.limit/2)
	} else if p.limit < p.max {
		p.limit++
	}
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// encode is the BulkRequest of ops.
func (e *engine) encode(ops []item) []byte {
	n := 256
	for _, it := range ops {
		n += it.op.Size() + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"schemas":["`+scim.SchemaBulkRequest+`"],`...)
	if f := e.run.Options.FailOnErrors; f != nil {
		b = append(b, `"failOnErrors":`...)
		b = strconv.AppendInt(b, int64(*f), 10)
		b = append(b, ',')
	}
	b = append(b, `"Operations":[`...)
	for i, it := range ops {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it.op.Encoded()...)
	}
	return append(b, "]}"...)
}

// canaryFailed reports whether most operations of the canary request
// failed.
func (e *engine) canaryFailed(reqID int64) (bool, string) {
	ops, err := e.j.OpsOfRequest(reqID)
	if err != nil || len(ops) == 0 {
		return false, ""
	}
	failed := 0
	var first string
	for _, op := range ops {
		if op.State == journal.OpFailed {
			failed++
			if first == "" {
				first = describeFailure(&op, part{})
			}
		}
	}
	if failed*2 <= len(ops) {
		return false, ""
	}
	return true, fmt.Sprintf("the canary request failed: %d of its %d operations failed (first: %s); nothing more was sent. Fix the cause and run the same command again to go on", failed, len(ops), first)
}

// sendTracked sends one request, journaled before and after, and tracks
// it to its end. The pacer slot, when held, is released once the target
// has answered.
func (e *engine) sendTracked(ctx context.Context, phase, round int, ops []item) (int64, error) {
	body := e.encode(ops)
	jr := &journal.Request{Phase: phase, Round: round, Ops: len(ops), Bytes: len(body)}
	jops := make([]journal.Op, len(ops))
	for i, it := range ops {
		op := it.op
		jops[i] = journal.Op{Phase: phase, Employee: op.Employee, Method: op.Method, Path: op.Path,
			Kind: string(op.Kind), Messages: encodeJSON(it.notes)}
	}
	if err := e.j.BeginRequest(jr, jops); err != nil {
		e.pace.release(false)
		return 0, err
	}
	e.mu.Lock()
	e.sent++
	for _, it := range ops {
		e.countSend(phase, it.op.Employee)
	}
	e.mu.Unlock()
	start := time.Now()
	acc, err := e.o.Target.Send(ctx, body, len(ops))
	e.window.add(start, time.Now(), len(ops))
	e.pace.release(acc != nil && acc.Throttled > 0 || isThrottle(err))
	if err != nil {
		return jr.ID, e.sendFailed(ctx, jr.ID, err)
	}
	if err := e.j.MarkSent(jr.ID, acc.HTTPStatus, acc.ProvisionID, acc.CorrelationID, acc.Attempts); err != nil {
		return jr.ID, err
	}
	e.o.Log("request %d (%s, %d operations): accepted %d%s", jr.ID, phaseTitles[phase], len(ops), acc.HTTPStatus, provisionNote(acc.ProvisionID))
	if acc.ProvisionID == "" {
		return jr.ID, e.record(jr.ID, acc.Results)
	}
	jr.ProvisionID, jr.Sent = acc.ProvisionID, e.o.Clock()
	return jr.ID, e.track(ctx, *jr)
}

func provisionNote(id string) string {
	if id == "" {
		return ""
	}
	return ", provision " + id
}

func isThrottle(err error) bool {
	var te *target.Error
	return errors.As(err, &te) && te.Status == 429
}

// sendFailed journals a request the target did not accept. An answer lost
// in transit leaves the request in doubt; a refusal fails its operations;
// anything that makes the target unusable stops the run.
func (e *engine) sendFailed(ctx context.Context, reqID int64, err error) error {
	var te *target.Error
	errors.As(err, &te)
	switch {
	case ctx.Err() != nil:
		if jerr := e.j.MarkRequest(reqID, journal.RequestInDoubt, 0, "interrupted while sending: outcome unknown, settled by lookup on the next run", journal.OpInDoubt); jerr != nil {
			return errors.Join(err, jerr)
		}
		return ctx.Err()
	case te != nil && te.Kind == target.KindInDoubt:
		e.o.Log("request %d: %v: in doubt, its users will be looked up", reqID, err)
		return e.j.MarkRequest(reqID, journal.RequestInDoubt, te.Status, err.Error(), journal.OpInDoubt)
	case te != nil && te.Kind == target.KindPermanent:
		e.o.Log("request %d: refused: %v", reqID, err)
		return e.j.MarkRequest(reqID, journal.RequestFailed, te.Status, err.Error(), journal.OpFailed)
	case te != nil && (te.Kind == target.KindAuth):
		if jerr := e.j.MarkRequest(reqID, journal.RequestFailed, te.Status, err.Error(), journal.OpPlanned); jerr != nil {
			return errors.Join(err, jerr)
		}
		return err
	default:
		// Retries exhausted: the target may or may not have applied it.
		if jerr := e.j.MarkRequest(reqID, journal.RequestInDoubt, statusOf(te), err.Error(), journal.OpInDoubt); jerr != nil {
			return errors.Join(err, jerr)
		}
		return err
	}
}

func statusOf(te *target.Error) int {
	if te == nil {
		return 0
	}
	return te.Status
}

// trackInFlight polls the provisions of the phase a previous run sent and
// did not see complete.
func (e *engine) trackInFlight(ctx context.Context, phase int) error {
	reqs, err := e.j.Requests(journal.RequestSent)
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for _, r := range reqs {
		if r.Phase != phase || r.ProvisionID == "" {
			continue
		}
		e.o.Log("request %d: provision %s still in flight from an earlier run: polling it", r.ID, r.ProvisionID)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.track(ctx, r); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// track polls a provision until it is complete (first after PollInterval,
// then doubling with jitter up to MaxPollInterval) and records the outcome
// of its operations; past ProvisionTimeout its operations fail.
func (e *engine) track(ctx context.Context, r journal.Request) error {
	sent := r.Sent
	if sent.IsZero() {
		sent = e.o.Clock()
	}
	// The first poll comes when provisions are learned to complete; when
	// that moves later while this one waits (the first provisions of a
	// run all wait), it waits the rest.
	var wait time.Duration
	for range 8 {
		d := e.polls.first() - wait
		if d <= 0 {
			break
		}
		if err := e.o.Sleep(ctx, d); err != nil {
			return err
		}
		wait += d
	}
	timeout := e.o.ProvisionTimeout
	var pending time.Duration // when a poll last found it not complete
	for first := true; ; first = false {
		if !first {
			if err := e.o.Sleep(ctx, wait/2+e.o.Jitter(wait/2+1)); err != nil {
				return err
			}
		}
		st, err := e.o.Target.Status(ctx, r.ProvisionID)
		if err == nil {
			switch el := e.o.Clock().Sub(sent); {
			case st.Completed:
				e.polls.complete(pending, el, first)
			case first:
				e.polls.pendingAt(el)
				pending = el
			default:
				pending = el
			}
		}
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			var te *target.Error
			if errors.As(err, &te) && te.Status == 404 {
				return e.j.MarkRequest(r.ID, journal.RequestInDoubt, 404, "the target no longer knows provision "+r.ProvisionID+": outcome settled by lookup", journal.OpInDoubt)
			}
			if errors.As(err, &te) && te.Kind == target.KindAuth {
				return err
			}
			e.o.Log("request %d: status of provision %s: %v (will poll again)", r.ID, r.ProvisionID, err)
		case st.Completed:
			results, err := e.o.Target.Operations(ctx, r.ProvisionID)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				e.o.Log("request %d: operations of provision %s: %v (will poll again)", r.ID, r.ProvisionID, err)
				break
			}
			return e.record(r.ID, results)
		}
		if e.o.Clock().Sub(sent) > timeout {
			msg := fmt.Sprintf("provision %s did not complete within %s: ended as failed (UPS marks it failed too)", r.ProvisionID, timeout)
			return e.j.MarkRequest(r.ID, journal.RequestFailed, 0, msg, journal.OpFailed)
		}
		wait = min(wait*2, e.o.MaxPollInterval)
	}
}

// pollClock learns when provisions complete, so that the first status
// poll of the next ones comes when they are likely complete: every poll
// before that is a request of the target's allowance that a Bulk request
// could have had (a UPS provision of 100 users takes longer than the 5 s
// of the first poll). It starts at Options.PollInterval and stays between
// it and MaxPollInterval. When a first poll finds a provision pending, the
// first poll moves to half as late again; when the provision then
// completes, to three quarters of the way from its last pending poll to
// the complete one. When a first poll finds a provision complete, it moves
// a 64th of the way back towards PollInterval, probing for faster
// provisioning.
type pollClock struct {
	mu             sync.Mutex
	least, most    time.Duration
	est            time.Duration
	polled, missed int // provisions complete, and those pending at their first poll
}

func newPollClock(least, most time.Duration) *pollClock {
	return &pollClock{least: least, most: max(least, most), est: least}
}

// first is the wait before the first status poll of a provision.
func (p *pollClock) first() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.est
}

// pendingAt learns from a provision that its first poll found not complete
// el after it was accepted.
func (p *pollClock) pendingAt(el time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.est = min(p.most, max(p.est, el+el/2))
}

// complete learns from a provision that a poll found complete el after it
// was accepted; pending is when a poll last found it not complete (0:
// none did), firstPoll whether this was its first poll.
func (p *pollClock) complete(pending, el time.Duration, firstPoll bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.polled++
	switch {
	case firstPoll:
		p.est -= (p.est - p.least) / 64
	case pending > 0:
		p.missed++
		p.est = min(p.most, max(p.est, pending+(el-pending)*3/4))
	}
}

// record journals the outcome of every operation of a request and learns
// the users it created.
func (e *engine) record(reqID int64, results []target.OpResult) error {
	ops, err := e.j.OpsOfRequest(reqID)
	if err != nil {
		return err
	}
	byIndex := make(map[int]target.OpResult, len(results))
	for _, r := range results {
		byIndex[r.Index] = r
	}
	var learned []journal.User
	var conflicts []string
	var failed int
	for i := range ops {
		op := &ops[i]
		if isFinal(op.State) {
			continue
		}
		prev := decodeNotes(op.Messages)
		r, ok := byIndex[op.Index]
		if !ok {
			op.State = journal.OpFailed
			op.Messages = encodeJSON(append(prev, Note{Code: "NOT_PROCESSED", Text: "the target reported no result for this operation (not processed; failOnErrors reached?)"}))
			failed++
			continue
		}
		state, exts, notes := judge(r)
		op.State, op.Code, op.UserID = state, r.Code, r.UserID
		op.Extensions, op.Messages = encodeJSON(exts), encodeJSON(append(prev, notes...))
		if state == journal.OpFailed {
			failed++
			if op.Method == "POST" && r.Code == "409" {
				conflicts = append(conflicts, op.Employee)
			}
			continue
		}
		if r.UserID != "" && op.Phase == plan.PhaseIdentity {
			src := "lookup"
			if op.Kind == string(plan.KindCreate) {
				src = "created"
			}
			learned = append(learned, journal.User{EmployeeNumber: op.Employee, ID: r.UserID, Source: src})
		}
	}
	msg := ""
	if failed > 0 {
		msg = fmt.Sprintf("%d of %d operations failed", failed, len(ops))
	}
	if err := e.j.Complete(reqID, ops, learned, msg); err != nil {
		return err
	}
	e.mu.Lock()
	e.conflicts = append(e.conflicts, conflicts...)
	for _, u := range learned {
		e.res.seed(u.EmployeeNumber, u.ID, u.UserName)
	}
	e.mu.Unlock()
	e.o.Log("request %d: complete: %d operations, %d failed", reqID, len(ops), failed)
	return nil
}

// window measures the time spent sending: per round, from the first send
// to the last answer, so that waits for provisions between rounds and
// phases do not count.
type window struct {
	mu         sync.Mutex
	start, end time.Time
	total      time.Duration
	ops        int
}

func (w *window) add(start, end time.Time, ops int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.start.IsZero() || start.Before(w.start) {
		w.start = start
	}
	if end.After(w.end) {
		w.end = end
	}
	w.ops += ops
}

// close ends a round's window.
func (w *window) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.start.IsZero() {
		w.total += w.end.Sub(w.start)
	}
	w.start, w.end = time.Time{}, time.Time{}
}
