package schemas

import (
	"hash/maphash"
	"reflect"
)

// The member memo. The data memo (opmemo.go) answers for data that repeats
// whole; the POST of a new user never does, its name and e-mail being its
// own, but most members of its data repeat from one user to the next: the
// same preferences, roles, schemas and entitlements, byte for byte. Given
// where each member's value is within the data's encoding
// (Session.ValidateOperationMembers), the walker looks up each member of
// the data's root object that is not a leaf before it checks it against a
// schema: a value of the same encoding that passed that schema before,
// in the same mode, without a finding, passes again without a walk.
//
// What a member's check yields depends only on the schema, whether the
// subtree is strict-only, and the value (as for the data memo, an
// encoding stands for its value: two values of one encoding have the
// same findings). The object's own keywords (required, additionalProperties
// and the schemas applied to other members) are checked as ever.
//
// Values are found by two 64-bit seeded hashes of their encoding (odds
// of 2^-128 that two encodings of one member share both), so that the
// memo keeps 16 bytes a value rather than the value: at 200k employees
// the preferences alone repeat in two thousand variants of 400 bytes. A
// member whose values rarely repeat (a user's e-mails) stops using the
// memo after a sample of lookups, as a method does in the data memo.

// memberSlots bounds the values kept per member and schema; past it they
// are cleared.
const memberSlots = 1 << 14

// memberMemo is a Session's memo of member values that passed, by schema
// and strict-only flag. It is not safe for concurrent use.
type memberMemo struct {
	sets         map[memberKey]*memberSet
	seed1, seed2 maphash.Seed
}

type memberKey struct {
	n  *node
	so bool
}

type memberSet struct {
	seen    map[[2]uint64]struct{}
	lookups int
	hits    int
	off     bool // this member's values rarely repeat
}

// memberCtx is what a walk knows of the data's encoding: the root object
// of the data, its encoding and where each member's value is in it (two
// offsets a member, in the order of the object's members).
type memberCtx struct {
	obj   any
	enc   []byte
	spans []int32
	memo  *memberMemo
}

// newMemberCtx returns the context of data encoded as enc with spans, nil
// when the memo cannot apply: data must be a pointer (the walker knows
// its root object by identity) and spans must lie within enc.
func newMemberCtx(m *memberMemo, data any, enc []byte, spans []int32) *memberCtx {
	if m == nil || len(spans) == 0 || len(spans)%2 != 0 {
		return nil
	}
	if _, ok := data.(Object); !ok || reflect.TypeOf(data).Kind() != reflect.Pointer {
		return nil
	}
	for i := 0; i < len(spans); i += 2 {
		if spans[i] < 0 || spans[i] > spans[i+1] || int(spans[i+1]) > len(enc) {
			return nil
		}
	}
	if m.sets == nil {
		m.sets = map[memberKey]*memberSet{}
		m.seed1, m.seed2 = maphash.MakeSeed(), maphash.MakeSeed()
	}
	return &memberCtx{obj: data, enc: enc, spans: spans, memo: m}
}

// of returns the encoding of member j of x, when x is the data's root
// object and the spans cover its members.
func (c *memberCtx) of(x Object, j int) ([]byte, bool) {
	if c == nil || 2*j+1 >= len(c.spans) || any(x) != c.obj || len(c.spans) != 2*x.Len() {
		return nil, false
	}
	return c.enc[c.spans[2*j]:c.spans[2*j+1]], true
}

// groupCheckEncoded is groupCheck for a member whose encoding is enc: each
// schema the member's value is checked against is skipped when a value of
// that encoding passed it before.
func (w *walker) groupCheckEncoded(g *objGroup, i int, k string, v any, so bool, enc []byte) {
	as := g.acts[i]
	if len(as) == 0 {
		return
	}
	m := w.mc.memo
	w.path = append(w.path, pathTok{key: k, idx: -1})
	var h [2]uint64
	hashed := false
	for _, a := range as {
		aso := so || a.strict
		set := m.sets[memberKey{a.n, aso}]
		if set == nil {
			set = &memberSet{seen: map[[2]uint64]struct{}{}}
			m.sets[memberKey{a.n, aso}] = set
		}
		if set.off {
			w.check(a.n, v, aso, false)
			continue
		}
		if !hashed {
			h = [2]uint64{maphash.Bytes(m.seed1, enc), maphash.Bytes(m.seed2, enc)}
			hashed = true
		}
		set.lookups++
		if _, ok := set.seen[h]; ok {
			set.hits++
			continue
		}
		if set.lookups >= memoSample && set.hits*memoMinHit < set.lookups {
			set.off, set.seen = true, nil
			w.check(a.n, v, aso, false)
			continue
		}
		n0 := len(w.out)
		w.check(a.n, v, aso, false)
		if len(w.out) == n0 {
			if len(set.seen) == memberSlots {
				clear(set.seen)
			}
			set.seen[h] = struct{}{}
		}
	}
	w.path = w.path[:len(w.path)-1]
}
