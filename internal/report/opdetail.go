package report

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/journal"
)

// A submitted run's operations keep, in Data.Operations, only their
// journal columns of one line each. The target's answers (per-extension
// results and messages: most of a journal's bytes) stay in a spool, read
// back and decoded when an employee's section or a list of operations
// shows them, so that a report of a million operations does not hold
// them all decoded (opDetails).

// opDetail is what the spool keeps of one operation: the journal's raw
// extensions and messages columns, and the journal's employee (whose
// password values are redacted from them, with the plan's).
type opDetail struct {
	Employee string
	Ext      string
	Msgs     string
}

func (x *opDetail) appendSpool(b []byte) []byte {
	b = appendSpoolString(b, x.Employee)
	b = appendSpoolString(b, x.Ext)
	return appendSpoolString(b, x.Msgs)
}

func (x *opDetail) readSpool(r *spoolReader) error {
	x.Employee, x.Ext, x.Msgs = r.str(), r.str(), r.str()
	return r.err
}

// opDetails is the spool of the operations' details, with the last few
// decoded (a section's trace rows ask for its few operations many times).
type opDetails struct {
	mu    sync.Mutex
	err   error // the first read that failed
	spool *spool[opDetail]
	cache [4]decodedOp
	next  int
}

type decodedOp struct {
	ref  int64 // Operation.detail
	exts []Extension
	msgs []OpMessage
}

func newOpDetails() *opDetails { return &opDetails{spool: newSpool[opDetail]()} }

// add spools the details of a journal operation and returns the reference
// Operation.detail keeps (0 when it has none); ok is false when they are
// not the JSON the report reads.
func (ds *opDetails) add(jo *journal.Op) (ref int64, ok bool, err error) {
	if !hasJSON(jo.Extensions) && !hasJSON(jo.Messages) {
		return 0, true, nil
	}
	_, _, ok = decodeOp(jo.Extensions, jo.Messages, func(s string) string { return s })
	ref = ds.spool.size + 1
	err = ds.spool.add(&opDetail{Employee: jo.Employee, Ext: string(jo.Extensions), Msgs: string(jo.Messages)})
	return ref, ok, err
}

func hasJSON(b json.RawMessage) bool { return len(b) > 0 && string(b) != "null" }

// fillOp sets o's Extensions and Messages from the spool, redacted for the
// journal's and the plan's employee.
// Ones set already (by a caller of Operation) are kept. An error is also
// kept, for detailsErr.
func (d *Data) fillOp(o *Operation) error {
	if o.detail == 0 || d.jr == nil || d.jr.details == nil || o.Extensions != nil || o.Messages != nil {
		return nil
	}
	ds := d.jr.details
	ds.mu.Lock()
	defer ds.mu.Unlock()
	for _, c := range ds.cache {
		if c.ref == o.detail {
			o.Extensions, o.Messages = c.exts, c.msgs
			return nil
		}
	}
	var x opDetail
	if err := ds.spool.at(o.detail-1, &x); err != nil {
		if ds.err == nil {
			ds.err = fmt.Errorf("report: reading an operation's results back from the spool: %w", err)
		}
		return ds.err
	}
	emps := []string{x.Employee, o.Employee}
	o.Extensions, o.Messages, _ = decodeOp(json.RawMessage(x.Ext), json.RawMessage(x.Msgs),
		func(s string) string { return d.jr.redact(s, emps...) })
	ds.cache[ds.next] = decodedOp{ref: o.detail, exts: o.Extensions, msgs: o.Messages}
	ds.next = (ds.next + 1) % len(ds.cache)
	return nil
}

// detailsErr is the first error of reading operations' details back.
func (d *Data) detailsErr() error {
	if d.jr == nil || d.jr.details == nil {
		return nil
	}
	d.jr.details.mu.Lock()
	defer d.jr.details.mu.Unlock()
	return d.jr.details.err
}

func (ds *opDetails) close() {
	if ds != nil {
		ds.spool.close()
	}
}
