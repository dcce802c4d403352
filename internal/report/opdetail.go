package report

import (
	"encoding/binary"
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

// opDetail is what the spool keeps of one operation: its extension
// results and messages, decoded and redacted when Load read the journal.
type opDetail struct {
	exts []Extension
	msgs []OpMessage
}

// appendSpoolCount writes a list's length, + 1 (0: a nil list).
func appendSpoolCount(b []byte, n int, isNil bool) []byte {
	if isNil {
		return binary.AppendUvarint(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

func appendSpoolMessages(b []byte, ms []OpMessage) []byte {
	b = appendSpoolCount(b, len(ms), ms == nil)
	for i := range ms {
		m := &ms[i]
		for _, s := range []string{m.Code, m.Message, m.SchemaPath, m.Type, m.Source, m.src.File, m.src.Field, m.src.Name} {
			b = appendSpoolString(b, s)
		}
		b = binary.AppendUvarint(b, uint64(m.src.Line))
	}
	return b
}

func (x *opDetail) appendSpool(b []byte) []byte {
	b = appendSpoolCount(b, len(x.exts), x.exts == nil)
	for i := range x.exts {
		e := &x.exts[i]
		b = appendSpoolString(appendSpoolString(appendSpoolString(b, e.Schema), e.Result), e.Code)
		b = appendSpoolMessages(b, e.Messages)
	}
	return appendSpoolMessages(b, x.msgs)
}

// readSpoolCount reads what appendSpoolCount wrote: the length, and
// whether the list is nil.
func readSpoolCount(r *spoolReader) (int, bool) {
	n := r.uvarint()
	if n > uint64(len(r.b))+1 { // every item takes a byte at least
		r.err = errSpoolItem
		return 0, true
	}
	return int(n) - 1, n == 0
}

func readSpoolMessages(r *spoolReader) []OpMessage {
	n, isNil := readSpoolCount(r)
	if isNil || r.err != nil {
		return nil
	}
	ms := make([]OpMessage, n)
	for i := range ms {
		m := &ms[i]
		m.Code, m.Message, m.SchemaPath, m.Type, m.Source = r.str(), r.str(), r.str(), r.str(), r.str()
		m.src.File, m.src.Field, m.src.Name = r.str(), r.str(), r.str()
		m.src.Line = int(r.uvarint())
	}
	return ms
}

func (x *opDetail) readSpool(r *spoolReader) error {
	x.exts, x.msgs = nil, nil
	n, isNil := readSpoolCount(r)
	if !isNil && r.err == nil {
		x.exts = make([]Extension, n)
		for i := range x.exts {
			e := &x.exts[i]
			e.Schema, e.Result, e.Code = r.str(), r.str(), r.str()
			e.Messages = readSpoolMessages(r)
		}
	}
	x.msgs = readSpoolMessages(r)
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
	// same maps the journal's extension results of an operation without
	// any message to the spooled details of the first operation that had
	// them: most operations of a run succeed alike, and decoding their
	// JSON again is most of a journal's load.
	same map[string]int64
}

// maxSame bounds opDetails.same; maxSameLen the results it keeps.
const (
	maxSame    = 1024
	maxSameLen = 4 << 10
)

type decodedOp struct {
	ref  int64 // Operation.detail
	exts []Extension
	msgs []OpMessage
}

func newOpDetails() *opDetails {
	return &opDetails{spool: newSpool[opDetail](), same: map[string]int64{}}
}

// add decodes the details of a journal operation, redacted, spools them
// and returns the reference Operation.detail keeps (0 when it has none);
// ok is false when they are not the JSON the report reads.
func (ds *opDetails) add(jo *journal.Op, redact func(string) string) (ref int64, ok bool, err error) {
	if !hasJSON(jo.Extensions) && !hasJSON(jo.Messages) {
		return 0, true, nil
	}
	alike := !hasJSON(jo.Messages) && len(jo.Extensions) <= maxSameLen
	if alike {
		if ref, found := ds.same[string(jo.Extensions)]; found {
			return ref, true, nil
		}
	}
	var x opDetail
	x.exts, x.msgs, ok = decodeOp(jo.Extensions, jo.Messages, redact)
	if x.exts == nil && x.msgs == nil {
		return 0, ok, nil
	}
	ref = ds.spool.size + 1
	if err := ds.spool.add(&x); err != nil {
		return 0, ok, err
	}
	// Only results without a message: nothing in them is redacted, so
	// they read the same for every operation.
	if alike && ok && x.msgs == nil && !hasMessages(x.exts) && len(ds.same) < maxSame {
		ds.same[string(jo.Extensions)] = ref
	}
	return ref, ok, nil
}

func hasMessages(exts []Extension) bool {
	for i := range exts {
		if len(exts[i].Messages) > 0 {
			return true
		}
	}
	return false
}

func hasJSON(b json.RawMessage) bool { return len(b) > 0 && string(b) != "null" }

// fillOp sets o's Extensions and Messages from the spool.
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
	o.Extensions, o.Messages = x.exts, x.msgs
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
