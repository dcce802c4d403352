package schemas

import "runtime"

// The data memo. A conversion validates hundreds of thousands of
// operations whose data often repeats byte for byte: the PATCH of each
// employee of one manager sets the same approvers and the same manager. What
// the operation's data yields depends on the method and the data only (the
// schema chooses the data's schema by the method; nothing in the data's
// schema looks at the path or the bulkId), so once an operation passed with
// no finding, a later operation of the same method whose data has the same
// JSON encoding has none under /data either: only its own fields (method,
// path, bulkId) are checked again, the data standing in as valid.
//
// The memo holds encodings of data that passed, by method, within a budget
// of bytes; it is cleared when full. A method whose data rarely repeats
// (the POST of each new user carries its own name and e-mail) stops using
// the memo after a sample of lookups, so it costs nothing more than the
// sample.
//
// Each Session (FastValidator.Session) has a memo of its own, without a
// lock: the workers of a conversion, one Session each, do not take turns
// at one lock (on two cores, a shared memo's lock cost as much as the
// lookups). A Session's budget is the validator's divided among the
// cores, so that the memos of all workers together hold no more than
// one; Close hands the memo, still filled, to the next Session.

// memoMaxKey is the largest encoding the memo keeps.
const memoMaxKey = 4 << 10

// memoBudget bounds the bytes of the encodings the memo keeps per method.
const memoBudget = 2 << 20

// memoSample is the number of lookups after which a method keeps using the
// memo only while at least one in memoMinHit of them was found.
const (
	memoSample = 2048
	memoMinHit = 8
)

// trustedData stands for data the memo found valid: the fast walker
// checks it against nothing.
var trustedData any = new(struct{ trusted bool })

// dataMemo is a memo of data that passed, by method; it is not safe for
// concurrent use.
type dataMemo struct {
	methods [4]methodMemo // POST, PUT, PATCH, DELETE
	budget  int           // per method; 0: memoBudget
	members memberMemo    // membermemo.go
}

type methodMemo struct {
	seen    map[string]struct{}
	bytes   int
	lookups int
	hits    int
	off     bool // the data of this method rarely repeats
}

func methodIndex(method string) int {
	switch method {
	case "POST":
		return 0
	case "PUT":
		return 1
	case "PATCH":
		return 2
	case "DELETE":
		return 3
	}
	return -1
}

// has reports whether data of method with encoding enc passed before. It
// returns false when the memo does not apply (keep is false then too).
func (m *dataMemo) has(method string, enc []byte) (found, keep bool) {
	i := methodIndex(method)
	if i < 0 || len(enc) == 0 || len(enc) > memoMaxKey {
		return false, false
	}
	mm := &m.methods[i]
	if mm.off {
		return false, false
	}
	mm.lookups++
	if _, ok := mm.seen[string(enc)]; ok {
		mm.hits++
		return true, false
	}
	if mm.lookups >= memoSample && mm.hits*memoMinHit < mm.lookups {
		mm.off, mm.seen, mm.bytes = true, nil, 0
		return false, false
	}
	return false, true
}

// add records that data of method with encoding enc passed.
func (m *dataMemo) add(method string, enc []byte) {
	mm := &m.methods[methodIndex(method)]
	if mm.off {
		return
	}
	budget := m.budget
	if budget == 0 {
		budget = memoBudget
	}
	if mm.seen == nil || mm.bytes+len(enc) > budget {
		mm.seen, mm.bytes = map[string]struct{}{}, 0
	}
	mm.seen[string(enc)] = struct{}{}
	mm.bytes += len(enc)
}

// validate is Session.ValidateOperationMembers by way of memo m.
func (f *FastValidator) validate(m *dataMemo, method, path, bulkID string, data any, dataJSON []byte, spans []int32) []Finding {
	if data == nil {
		return f.c.operation(method, path, bulkID, nil)
	}
	found, keep := m.has(method, dataJSON)
	if found {
		return f.c.operation(method, path, bulkID, trustedData)
	}
	out := f.c.operationWith(method, path, bulkID, data, newMemberCtx(&m.members, data, dataJSON, spans))
	m.members.ctx = memberCtx{} // holds nothing of the operation past it
	if keep && len(out) == 0 {
		m.add(method, dataJSON)
	}
	return out
}

// A Session is a FastValidator for one goroutine at a time: its data memo
// is its own, not shared under a lock. Close it once done: its memo goes,
// as filled, to the validator's next Session.
type Session struct {
	f    *FastValidator
	memo *dataMemo
}

// Session returns a Session of f, with the memo of a Session closed
// before when there is one.
func (f *FastValidator) Session() *Session {
	f.idleMu.Lock()
	defer f.idleMu.Unlock()
	if n := len(f.idle); n > 0 {
		m := f.idle[n-1]
		f.idle = f.idle[:n-1]
		return &Session{f: f, memo: m}
	}
	return &Session{f: f, memo: &dataMemo{budget: max(memoBudget/runtime.GOMAXPROCS(0), 64<<10)}}
}

// ValidateOperationEncoded is ValidateOperation given also dataJSON, the
// JSON encoding of data (compact or indented, the same way every time):
// once an operation passed with no finding, a later one of the same method
// whose data has the same encoding has its data taken as valid, and only
// its method, path and bulkId checked (the data memo, above; the
// Session's own, or one a closed Session handed on). The findings are
// those of ValidateOperation.
func (s *Session) ValidateOperationEncoded(method, path, bulkID string, data any, dataJSON []byte) []Finding {
	return s.f.validate(s.memo, method, path, bulkID, data, dataJSON, nil)
}

// ValidateOperationMembers is ValidateOperationEncoded given also where
// the value of each member of data's root object (an Object given by
// pointer) is within dataJSON: spans holds two offsets per member, its
// start and end, in the order of the object's members. A member value
// whose encoding passed the same schema before with no finding is taken
// as valid without a walk (the member memo, membermemo.go). The findings
// are those of ValidateOperation.
func (s *Session) ValidateOperationMembers(method, path, bulkID string, data any, dataJSON []byte, spans []int32) []Finding {
	return s.f.validate(s.memo, method, path, bulkID, data, dataJSON, spans)
}

// Close ends the Session; it must not be used after.
func (s *Session) Close() {
	if s.memo == nil {
		return
	}
	s.f.idleMu.Lock()
	s.f.idle = append(s.f.idle, s.memo)
	s.f.idleMu.Unlock()
	s.memo = nil
}
