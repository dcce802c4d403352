package submit

import (
	"context"
	"errors"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// chunkTodo is what one chunk of a round leaves to send.
type chunkTodo struct {
	items []item
	err   error
}

// round passes once over the run for a phase: each chunk is planned, its
// operations that cannot be sent are settled (pending) and the others
// sent, while the next chunk is planned. It returns once every request it
// sent is tracked to its end; sent reports whether it sent any.
func (e *engine) round(ctx context.Context, phase, round int) (sent bool, err error) {
	built := newBits(e.idx.nkeys)
	var rejected []*plan.UserError // phase 0: settled at the end, when built is whole
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch := make(chan chunkTodo, 1)
	go func() {
		defer close(ch)
		err := e.run.eachChunkOf(roundChunk(), func(_ int, sets []*model.ChangeSet) error {
			if err := pctx.Err(); err != nil {
				return err
			}
			pl, notes, err := e.buildChunk(sets, phase, false)
			if err != nil {
				return err
			}
			todo, rej, err := e.pending(sets, pl, phase, notes, built)
			if err != nil {
				return err
			}
			rejected = append(rejected, rej...)
			if len(todo) > 0 {
				select {
				case ch <- chunkTodo{items: todo}:
				case <-pctx.Done():
					return pctx.Err()
				}
			}
			return nil
		})
		if err != nil && pctx.Err() == nil {
			ch <- chunkTodo{err: err}
		}
	}()
	d := &dispatcher{e: e, ctx: ctx, phase: phase, round: round}
	if phase == plan.PhaseIdentity && e.o.Canary > 0 {
		fresh, err := e.neverSent(phase)
		if err != nil {
			cancel()
			for range ch {
			}
			return false, err
		}
		if fresh {
			d.canary = e.o.Canary
		}
	}
	var errs []error
	for c := range ch {
		if c.err != nil {
			errs = append(errs, c.err)
			break
		}
		if err := d.add(c.items); err != nil {
			errs = append(errs, err)
			break
		}
	}
	if len(errs) == 0 {
		if err := d.flush(); err != nil {
			errs = append(errs, err)
		}
	}
	cancel()
	for range ch {
	}
	errs = append(errs, d.wait())
	e.window.close()
	if err := joinErrs(errs); err != nil {
		return d.requests > 0, err
	}
	if err := e.settleRest(phase, built, rejected); err != nil {
		return d.requests > 0, err
	}
	return d.requests > 0, nil
}

// settleRest settles what no chunk planned: phase 0's employees that
// could not be planned (an old ID of one employee may be the ID of
// another, so a phase-0 key is known to be unplanned only at the end), and
// operations the journal holds that nothing is left to send for.
func (e *engine) settleRest(phase int, built bits, rejected []*plan.UserError) error {
	var settled []journal.Op
	if len(rejected) > 0 {
		emps := make([]string, len(rejected))
		for i, ue := range rejected {
			emps[i] = ue.Employee
		}
		state, err := e.opsByEmployee(phase, emps)
		if err != nil {
			return err
		}
		for _, ue := range rejected {
			k := e.idx.key(ue.Employee)
			if st := state[ue.Employee]; (st == nil || !isFinal(st.State)) && !built.has(k) {
				src := ue.Source
				settled = append(settled, failedOp(phase, nil, ue.Employee, st, Note{Code: "NOT_PLANNED", Text: ue.Err.Error(), Source: &src}))
				built.set(k)
			}
		}
	}
	open, err := e.j.OpsIn(phase, journal.OpPlanned, journal.OpSending, journal.OpSent, journal.OpInDoubt)
	if err != nil {
		return err
	}
	for _, st := range open {
		if k := e.idx.key(st.Employee); k < 0 || !built.has(k) {
			s := st
			s.State = journal.OpSkipped
			s.Messages = encodeJSON([]Note{{Text: "nothing left to send for this employee in this phase"}})
			settled = append(settled, s)
		}
	}
	if len(settled) == 0 {
		return nil
	}
	return e.j.PutOps(settled)
}

// failedOp is the journal's failed operation for op (nil: none was
// planned) of emp, keeping what the journal had of it (st).
func failedOp(phase int, op *plan.Operation, emp string, st *journal.Op, ns ...Note) journal.Op {
	jo := journal.Op{Phase: phase, Employee: emp, State: journal.OpFailed, Messages: encodeJSON(ns)}
	if op != nil {
		jo.Method, jo.Path, jo.Kind = op.Method, op.Path, string(op.Kind)
	}
	if st != nil {
		jo.Attempts, jo.RequestID, jo.Index = st.Attempts, st.RequestID, st.Index
		if jo.Kind == "" {
			jo.Method, jo.Path, jo.Kind = st.Method, st.Path, st.Kind
		}
	}
	return jo
}

// dispatcher packs a round's operations into requests as they come, each
// within the target's limits, and sends them with bounded concurrency.
// With a canary, the first request goes alone, and when most of it fails
// nothing more is sent.
type dispatcher struct {
	e            *engine
	ctx          context.Context
	phase, round int
	canary       int    // operations of the first request (0: no canary)
	held         []item // operations held until the canary is decided
	cur          []item
	size, frame  int // bytes of the request being filled, and of an empty one
	requests     int
	logged       bool
	stop         bool // the canary failed: nothing more is sent
	wg           sync.WaitGroup
	mu           sync.Mutex
	errs         []error
}

// add takes a chunk's operations.
func (d *dispatcher) add(items []item) error {
	if d.stop {
		return nil
	}
	if d.canary > 0 && d.requests == 0 {
		// The canary goes when there is more than it to send.
		d.held = append(d.held, items...)
		if len(d.held) <= d.canary {
			return nil
		}
		items, d.held = d.held, nil
	}
	for _, it := range items {
		if err := d.put(it); err != nil {
			return err
		}
		if d.stop {
			return nil
		}
	}
	return nil
}

// flush sends what is left once every chunk is in.
func (d *dispatcher) flush() error {
	if d.stop {
		return nil
	}
	if len(d.held) > 0 {
		d.canary = 0 // no more than the canary to send: no canary
		items := d.held
		d.held = nil
		for _, it := range items {
			if err := d.put(it); err != nil {
				return err
			}
		}
	}
	if len(d.cur) > 0 {
		return d.emit()
	}
	return nil
}

func (d *dispatcher) put(it item) error {
	e := d.e
	if d.frame == 0 {
		d.frame = len(e.encode(nil))
		d.size = d.frame
	}
	limit := e.info.MaxOps
	if d.requests == 0 && d.canary > 0 {
		limit = d.canary
	}
	cost := it.op.Size() + 1
	if len(d.cur) > 0 && (len(d.cur) >= limit || d.size+cost > e.info.MaxBytes) {
		if err := d.emit(); err != nil {
			return err
		}
		if d.stop {
			return nil
		}
	}
	d.cur = append(d.cur, it)
	d.size += cost
	return nil
}

// emit sends the request being filled.
func (d *dispatcher) emit() error {
	e := d.e
	req := d.cur
	d.cur, d.size = nil, d.frame
	if !d.logged {
		d.logged = true
		n := len(req)
		if counts, err := e.j.OpCounts(d.phase); err == nil {
			n = max(n, counts[journal.OpPlanned]+counts[journal.OpInDoubt])
		}
		e.o.Log("%s: sending %d operations (round %d)", phaseTitles[d.phase], n, d.round)
	}
	first := d.requests == 0
	d.requests++
	if first && d.canary > 0 {
		if err := e.pace.acquire(d.ctx, len(req)); err != nil {
			return err
		}
		id, err := e.sendTracked(d.ctx, d.phase, d.round, req)
		if err != nil {
			return err
		}
		if stop, why := e.canaryFailed(id); stop {
			e.mu.Lock()
			e.stopped = why
			e.mu.Unlock()
			e.o.Log("%s: %s", phaseTitles[d.phase], why)
			d.stop = true
		}
		return nil
	}
	d.mu.Lock()
	failed := len(d.errs) > 0
	d.mu.Unlock()
	if failed {
		return errStopped
	}
	if err := e.pace.acquire(d.ctx, len(req)); err != nil {
		return err
	}
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if _, err := e.sendTracked(d.ctx, d.phase, d.round, req); err != nil {
			d.mu.Lock()
			d.errs = append(d.errs, err)
			d.mu.Unlock()
		}
	}()
	return nil
}

// errStopped stops a round whose requests met an error: the error itself
// is the request's.
var errStopped = errors.New("a request failed")

// wait waits for every request sent and returns their errors.
func (d *dispatcher) wait() error {
	d.wg.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	return errors.Join(d.errs...)
}

// joinErrs drops errStopped, which only says another error stopped the
// round.
func joinErrs(errs []error) error {
	var out []error
	for _, err := range errs {
		if err != nil && !errors.Is(err, errStopped) {
			out = append(out, err)
		}
	}
	return errors.Join(out...)
}
