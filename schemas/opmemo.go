package schemas

import "sync"

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

// dataMemo is the memo of one FastValidator; it is safe for concurrent use.
type dataMemo struct {
	mu      sync.Mutex
	methods [4]methodMemo // POST, PUT, PATCH, DELETE
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
	m.mu.Lock()
	defer m.mu.Unlock()
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
	i := methodIndex(method)
	m.mu.Lock()
	defer m.mu.Unlock()
	mm := &m.methods[i]
	if mm.off {
		return
	}
	if mm.seen == nil || mm.bytes+len(enc) > memoBudget {
		mm.seen, mm.bytes = map[string]struct{}{}, 0
	}
	mm.seen[string(enc)] = struct{}{}
	mm.bytes += len(enc)
}
