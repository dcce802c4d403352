package schemas

import (
	"encoding/json"
	"math/rand"
	"reflect"
	"testing"
)

// encodeMembers wraps data (a decoded object) as the fast path reads it
// and encodes it, with where each member's value is in the encoding, in
// the order of the wrapped object's members.
func encodeMembers(t *testing.T, data map[string]any) (any, []byte, []int32) {
	t.Helper()
	w := wrap(data, true)
	var keys []string
	switch o := w.(type) {
	case *tObj:
		keys = o.keys
	case *tObjM:
		keys = o.keys
	default:
		t.Fatalf("wrap gave %T", w)
	}
	enc := []byte{'{'}
	spans := make([]int32, 0, 2*len(keys))
	for i, k := range keys {
		if i > 0 {
			enc = append(enc, ',')
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(data[k])
		if err != nil {
			t.Fatal(err)
		}
		enc = append(append(enc, kb...), ':')
		spans = append(spans, int32(len(enc)))
		enc = append(enc, vb...)
		spans = append(spans, int32(len(enc)))
	}
	return w, append(enc, '}'), spans
}

// memberHits is how often the member memo answered.
func memberHits(s *Session) int {
	n := 0
	for _, set := range s.memo.members.sets {
		n += set.hits
	}
	return n
}

// TestMemberMemoDifferential runs every operation of the golden bulk
// requests and of mutations of them (whose members then repeat from one
// operation to the next, some broken) through ValidateOperationMembers,
// twice and under every method, and requires the reference's findings
// every time.
func TestMemberMemoDifferential(t *testing.T) {
	sessions := eachMutatedOperation(t, rand.New(rand.NewSource(12)), 8, func(v *Validator, s *Session, doc string, i int, op map[string]any, method, path, bulkID string) {
		data, ok := op["data"].(map[string]any)
		if !ok {
			return
		}
		for _, m := range []string{method, method, "POST", "PUT", "PATCH"} {
			w, enc, spans := encodeMembers(t, data)
			ref := v.ValidateOperation(m, path, bulkID, data)
			fast := s.ValidateOperationMembers(m, path, bulkID, w, enc, spans)
			if !reflect.DeepEqual(ref, fast) {
				t.Fatalf("%s operation %d as %s (strict=%v): the member memo disagrees\nreference:\n%sfast:\n%s",
					doc, i, m, v.Strict(), render("ref", ref), render("fast", fast))
			}
		}
	})
	hits := 0
	for _, s := range sessions {
		hits += memberHits(s)
	}
	if hits == 0 {
		t.Fatal("the member memo never answered")
	}
}

// TestMemberMemoTrusts shows that an answer comes from the member memo:
// a member that would fail, given the encoding of a value that passed,
// passes; under its own encoding it fails, and is not kept. The other
// members and the object's own keywords are checked as ever.
func TestMemberMemoTrusts(t *testing.T) {
	def, _ := validators(t)
	s := freshFast(def).Session()
	const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	user := func(name any, userName any) map[string]any {
		return map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User", ent},
			"userName": userName, "name": name, "active": true,
			"emails": []any{map[string]any{"type": "work", "value": "ann@example.com"}},
			ent:      map[string]any{"employeeNumber": "E1", "companyId": "053c9338-bf2a-49cd-9035-c1f97be858b0"}}
	}
	goodName := map[string]any{"givenName": "Ann", "familyName": "Lee"}
	badName := map[string]any{"givenName": 7, "familyName": "Lee"}
	w, enc, spans := encodeMembers(t, user(goodName, "a@example.com"))
	if fs := s.ValidateOperationMembers("POST", "/Users", "u1", w, enc, spans); len(fs) != 0 {
		t.Fatalf("good data: %v", fs)
	}
	// Another user (the data memo does not know the whole) with a bad
	// name, given a good name's encoding: the name is taken as valid.
	wb, _, _ := encodeMembers(t, user(badName, "b@example.com"))
	_, encG, spansG := encodeMembers(t, user(goodName, "b@example.com"))
	if fs := s.ValidateOperationMembers("POST", "/Users", "u2", wb, encG, spansG); len(fs) != 0 {
		t.Fatalf("an answer from the member memo walked the member: %v", fs)
	}
	if memberHits(s) == 0 {
		t.Fatal("the member memo did not answer")
	}
	for i, u := range []string{"c@example.com", "d@example.com"} {
		wb, encB, spansB := encodeMembers(t, user(badName, u))
		if fs := s.ValidateOperationMembers("POST", "/Users", "u3", wb, encB, spansB); len(fs) == 0 {
			t.Fatalf("try %d: a bad name under its own encoding passed", i+1)
		}
	}
	// A member the memo knows does not spare the others: userName as a
	// number fails.
	other := user(goodName, 42)
	wo, encO, spansO := encodeMembers(t, other)
	fs := s.ValidateOperationMembers("POST", "/Users", "u4", wo, encO, spansO)
	if want := def.ValidateOperation("POST", "/Users", "u4", other); len(fs) == 0 || !reflect.DeepEqual(fs, want) {
		t.Fatalf("userName beside a known name: got %v, want %v", fs, want)
	}
	// Spans that do not fit the object or the encoding are not used.
	wb, _, _ = encodeMembers(t, user(badName, "e@example.com"))
	_, encG, spansG = encodeMembers(t, user(goodName, "e@example.com"))
	if fs := s.ValidateOperationMembers("POST", "/Users", "u5", wb, encG, append(spansG[:len(spansG):len(spansG)], 0, 1)); len(fs) == 0 {
		t.Fatal("spans of another object were used")
	}
	if fs := s.ValidateOperationMembers("POST", "/Users", "u6", wb, encG[:3], spansG); len(fs) == 0 {
		t.Fatal("spans past the encoding were used")
	}
}

// TestMemberMemoBounds: a member whose values do not repeat stops using
// the memo after the sample; one whose values repeat keeps it.
func TestMemberMemoBounds(t *testing.T) {
	def, _ := validators(t)
	s := freshFast(def).Session()
	for i := 0; i < memoSample+10; i++ {
		const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
		d := map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:User", ent},
			"userName": "u@example.com", "active": true, ent: map[string]any{"employeeNumber": "E1", "companyId": "053c9338-bf2a-49cd-9035-c1f97be858b0"},
			"name":   map[string]any{"givenName": "Ann", "familyName": "Lee"},
			"emails": []any{map[string]any{"type": "work", "value": string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676)) + "@example.com"}}}
		w, enc, spans := encodeMembers(t, d)
		if fs := s.ValidateOperationMembers("POST", "/Users", "u", w, enc, spans); len(fs) != 0 {
			t.Fatalf("user %d: %v", i, fs)
		}
	}
	var on, off int
	for _, set := range s.memo.members.sets {
		if set.off {
			off++
			if set.seen.slots != nil {
				t.Error("a member set turned off keeps its values")
			}
		} else {
			on++
			if set.seen.n > memberSlots {
				t.Errorf("%d values kept, at most %d", set.seen.n, memberSlots)
			}
		}
	}
	if on == 0 || off == 0 {
		t.Fatalf("%d member sets on, %d off: want the repeated name on and the e-mails off", on, off)
	}
}

// TestSeenSet holds seenSet to a map through its growths and its clearing
// when full, with hashes whose first words collide.
func TestSeenSet(t *testing.T) {
	rng := rand.New(rand.NewSource(13))
	var s seenSet
	want := map[[2]uint64]bool{}
	hash := func(i int) [2]uint64 {
		a := rng.Uint64()
		if i%5 == 0 {
			a = uint64(i%7) << 40 // the same slot for many
		}
		return [2]uint64{a, rng.Uint64() | 1}
	}
	for i := range 3 * memberSlots {
		h := hash(i)
		if s.has(h) {
			t.Fatalf("insert %d: has %x before add", i, h)
		}
		if s.n == memberSlots {
			clear(want)
		}
		s.add(h)
		want[h] = true
		if s.n != len(want) {
			t.Fatalf("insert %d: %d held, want %d", i, s.n, len(want))
		}
	}
	for h := range want {
		if !s.has(h) {
			t.Fatalf("%x lost", h)
		}
	}
	for range 1000 {
		if h := hash(1); s.has(h) {
			t.Fatalf("%x never added, found", h)
		}
	}
}
