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
// of 2^-127 that two encodings of one member share both, one bit being
// set), so that the memo keeps 16 bytes a value rather than the value:
// at 200k employees the preferences alone repeat in two thousand
// variants of 400 bytes. A member whose values rarely repeat (a user's
// e-mails) stops using the memo after a sample of lookups, as a method
// does in the data memo.

// memberSlots bounds the values kept per member and schema; past it they
// are cleared.
const memberSlots = 1 << 14

// memberMemo is a Session's memo of member values that passed, by schema
// and strict-only flag. It is not safe for concurrent use.
type memberMemo struct {
	// sets are few (the members of a User and of a PatchOp) and looked up
	// in the order the members come, op after op: a scan from the one
	// after the last found beats a map.
	sets         []*memberSet
	next         int
	seeded       bool
	seed1, seed2 maphash.Seed
	ctx          memberCtx // the context of the operation being checked
}

type memberKey struct {
	n  *node
	so bool
}

type memberSet struct {
	key     memberKey
	seen    seenSet
	lookups int
	hits    int
	off     bool // this member's values rarely repeat
}

// set returns the set of key, made when new.
func (m *memberMemo) set(key memberKey) *memberSet {
	for i := range m.sets {
		j := m.next + i
		if j >= len(m.sets) {
			j -= len(m.sets)
		}
		if s := m.sets[j]; s.key == key {
			m.next = j + 1
			if m.next == len(m.sets) {
				m.next = 0
			}
			return s
		}
	}
	s := &memberSet{key: key}
	m.sets = append(m.sets, s)
	m.next = 0
	return s
}

// seenSet is a set of value hashes: open addressing by the first word,
// linear probing, at most 3/4 full; the second word is odd (hashOf), so
// that a slot whose second word is 0 is empty. It holds at most
// memberSlots hashes, and is cleared when full.
type seenSet struct {
	slots [][2]uint64
	n     int
}

func (s *seenSet) has(h [2]uint64) bool {
	if s.n == 0 {
		return false
	}
	mask := uint64(len(s.slots) - 1)
	for i := h[0] & mask; ; i = (i + 1) & mask {
		switch e := &s.slots[i]; {
		case e[1] == 0:
			return false
		case *e == h:
			return true
		}
	}
}

func (s *seenSet) add(h [2]uint64) {
	if s.n == memberSlots {
		clear(s.slots)
		s.n = 0
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		old := s.slots
		s.slots, s.n = make([][2]uint64, max(2*len(old), 64)), 0
		for _, e := range old {
			if e[1] != 0 {
				s.put(e)
			}
		}
	}
	s.put(h)
}

func (s *seenSet) put(h [2]uint64) {
	mask := uint64(len(s.slots) - 1)
	i := h[0] & mask
	for s.slots[i][1] != 0 {
		if s.slots[i] == h {
			return
		}
		i = (i + 1) & mask
	}
	s.slots[i] = h
	s.n++
}

// hashOf is the pair of hashes of enc, the second made odd.
func (m *memberMemo) hashOf(enc []byte) [2]uint64 {
	return [2]uint64{maphash.Bytes(m.seed1, enc), maphash.Bytes(m.seed2, enc) | 1}
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
// its root object by identity) and spans must lie within enc. The
// context is m's own, valid until the next call.
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
	if !m.seeded {
		m.seed1, m.seed2, m.seeded = maphash.MakeSeed(), maphash.MakeSeed(), true
	}
	m.ctx = memberCtx{obj: data, enc: enc, spans: spans, memo: m}
	return &m.ctx
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
		set := m.set(memberKey{a.n, aso})
		if set.off {
			w.check(a.n, v, aso, false)
			continue
		}
		if !hashed {
			h, hashed = m.hashOf(enc), true
		}
		set.lookups++
		if set.seen.has(h) {
			set.hits++
			continue
		}
		if set.lookups >= memoSample && set.hits*memoMinHit < set.lookups {
			set.off, set.seen = true, seenSet{}
			w.check(a.n, v, aso, false)
			continue
		}
		n0 := len(w.out)
		w.check(a.n, v, aso, false)
		if len(w.out) == n0 {
			set.seen.add(h)
		}
	}
	w.path = w.path[:len(w.path)-1]
}
