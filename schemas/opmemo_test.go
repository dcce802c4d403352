package schemas

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"reflect"
	"runtime"
	"testing"
)

// freshFast is a FastValidator of v's mode with no memo handed on.
func freshFast(v *Validator) *FastValidator { return &FastValidator{c: v.Fast().c} }

// eachMutatedOperation calls visit with every operation of the bulk
// requests of the corpus and of n mutations of each, under the default
// and the strict validator, each with a Session of a fresh FastValidator
// of its own; it returns those Sessions.
func eachMutatedOperation(t *testing.T, rng *rand.Rand, n int, visit func(v *Validator, s *Session, doc string, i int, op map[string]any, method, path, bulkID string)) []*Session {
	def, strict := validators(t)
	var sessions []*Session
	for _, v := range []*Validator{def, strict} {
		s := freshFast(v).Session()
		sessions = append(sessions, s)
		for _, d := range corpus(t) {
			if d.kind != KindBulk {
				continue
			}
			for _, doc := range withMutations(rng, d.doc, n) {
				eachOperation(doc, func(i int, op map[string]any, method, path, bulkID string) {
					visit(v, s, d.name, i, op, method, path, bulkID)
				})
			}
		}
	}
	return sessions
}

// patchData is a PatchOp that passes and one that fails (active as a
// string), with their encodings.
func patchData() (good, bad map[string]any, goodJSON, badJSON []byte) {
	good = map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": true}}}
	bad = map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{map[string]any{"op": "replace", "path": "active", "value": "yes"}}}
	goodJSON, _ = json.Marshal(good)
	badJSON, _ = json.Marshal(bad)
	return good, bad, goodJSON, badJSON
}

// TestDataMemoDifferential runs every operation of the golden bulk
// requests and of mutations of them through ValidateOperationEncoded twice
// (the second run finds what passed in the memo), then again with the same
// data under every other method, path and bulkId (the memo answers for the
// data, the operation's own fields are checked anew), and requires the
// reference's findings every time.
func TestDataMemoDifferential(t *testing.T) {
	methods := []string{"POST", "PUT", "PATCH", "DELETE", "GET"}
	hits := 0
	eachMutatedOperation(t, rand.New(rand.NewSource(11)), 6, func(v *Validator, f *Session, doc string, i int, op map[string]any, method, path, bulkID string) {
		data := op["data"]
		if data == nil {
			return
		}
		enc, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		check := func(method, path, bulkID string) {
			t.Helper()
			ref := v.ValidateOperation(method, path, bulkID, data)
			before := f.memo.methods
			fast := f.ValidateOperationEncoded(method, path, bulkID, wrap(data, true), enc)
			if !reflect.DeepEqual(ref, fast) {
				t.Fatalf("%s operation %d as %s %q bulkId %q (strict=%v): the memo disagrees\nreference:\n%sfast:\n%s",
					doc, i, method, path, bulkID, v.Strict(), render("ref", ref), render("fast", fast))
			}
			if i := methodIndex(method); i >= 0 && f.memo.methods[i].hits > before[i].hits {
				hits++
			}
		}
		check(method, path, bulkID)
		check(method, path, bulkID)
		for _, m := range methods {
			for _, p := range []string{path, "/Users", "", "Users/x", "/Users/bulkId:emp-1"} {
				for _, b := range []string{bulkID, "", "emp-9"} {
					check(m, p, b)
				}
			}
		}
	})
	if hits == 0 {
		t.Fatal("the memo never answered")
	}
}

// TestDataMemoTrusts shows that an answer comes from the memo: data that
// would fail, given with the encoding of data that passed, passes; given
// with its own encoding, it fails. The operation's own fields are still
// checked on an answer from the memo.
func TestDataMemoTrusts(t *testing.T) {
	def, _ := validators(t)
	f := freshFast(def).Session()
	good, bad, goodJSON, badJSON := patchData()
	if fs := f.ValidateOperationEncoded("PATCH", "/Users/bulkId:u1", "", wrap(good, true), goodJSON); len(fs) != 0 {
		t.Fatalf("good data: %v", fs)
	}
	if fs := f.ValidateOperationEncoded("PATCH", "/Users/bulkId:u2", "", wrap(bad, true), goodJSON); len(fs) != 0 {
		t.Fatalf("an answer from the memo walked the data: %v", fs)
	}
	if fs := f.ValidateOperationEncoded("PATCH", "/Users/bulkId:u3", "", wrap(bad, true), badJSON); len(fs) == 0 {
		t.Fatal("bad data under its own encoding passed")
	}
	if fs := f.ValidateOperationEncoded("PATCH", "/Users/bulkId:u4", "", wrap(bad, true), badJSON); len(fs) == 0 {
		t.Fatal("data that failed was kept in the memo")
	}
	if fs := f.ValidateOperationEncoded("POST", "/Users/bulkId:u5", "", wrap(good, true), goodJSON); len(fs) == 0 {
		t.Fatal("the memo answered for another method")
	}
	fs := f.ValidateOperationEncoded("PATCH", "no path", "", wrap(good, true), goodJSON)
	if want := def.ValidateOperation("PATCH", "no path", "", good); len(fs) == 0 || !reflect.DeepEqual(fs, want) {
		t.Fatalf("the operation's path on an answer from the memo: got %v, want %v", fs, want)
	}
}

// TestDataMemoBounds holds the memo to its budget and turns it off for a
// method whose data does not repeat.
func TestDataMemoBounds(t *testing.T) {
	def, _ := validators(t)
	f := freshFast(def).Session()
	data := func(i int) (any, []byte) {
		d := map[string]any{"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": fmt.Sprintf("user %06d", i)}}}
		b, _ := json.Marshal(d)
		return wrap(d, true), b
	}
	for i := 0; i < memoSample+10; i++ {
		d, b := data(i)
		if fs := f.ValidateOperationEncoded("PATCH", "/Users/bulkId:u", "", d, b); len(fs) != 0 {
			t.Fatalf("data %d: %v", i, fs)
		}
		if mm := &f.memo.methods[2]; mm.bytes > f.memo.budget {
			t.Fatalf("the memo holds %d bytes, past its budget of %d", mm.bytes, f.memo.budget)
		}
	}
	mm := f.memo.methods[2]
	if !mm.off || mm.seen != nil || mm.lookups != memoSample {
		t.Fatalf("unique data: off %v, %d entries, %d lookups; want off after %d lookups", mm.off, len(mm.seen), mm.lookups, memoSample)
	}

	// Repeated data keeps it on, within the budget.
	f = freshFast(def).Session()
	big := make([]byte, memoMaxKey)
	for i := 0; i < 3*memoSample; i++ {
		d, b := data(i % 64)
		f.ValidateOperationEncoded("PATCH", "/Users/bulkId:u", "", d, b)
		if i%7 == 0 { // too big to keep: not looked up
			f.ValidateOperationEncoded("PATCH", "/Users/bulkId:u", "", d, append(big, byte(i)))
		}
	}
	mm = f.memo.methods[2]
	if mm.off || mm.hits != 3*memoSample-64 || len(mm.seen) != 64 {
		t.Fatalf("repeated data: off %v, %d hits, %d entries; want on, %d hits, 64 entries", mm.off, mm.hits, len(mm.seen), 3*memoSample-64)
	}
	var m dataMemo
	for i := 0; m.methods[0].bytes+memoMaxKey <= memoBudget; i++ {
		m.add("POST", append(big[:memoMaxKey-8], fmt.Sprintf("%08d", i)...))
	}
	n := len(m.methods[0].seen)
	m.add("POST", big)
	if got := len(m.methods[0].seen); got != 1 || m.methods[0].bytes != len(big) {
		t.Fatalf("past the budget (%d entries): %d entries, %d bytes; want it cleared and the new one kept", n, got, m.methods[0].bytes)
	}
}

// TestSessionMemo holds Sessions to their own memos (one trusts only data
// that passed in it or in a Session closed before), to their share of the
// budget, and to handing a memo on: a Session opened after another closed
// finds what the first kept, while one open beside it does not.
func TestSessionMemo(t *testing.T) {
	def, _ := validators(t)
	f := freshFast(def)
	good, bad, goodJSON, badJSON := patchData()

	s1, s2 := f.Session(), f.Session()
	if s1.memo == s2.memo {
		t.Fatal("two open Sessions share a memo")
	}
	if want := max(memoBudget/runtime.GOMAXPROCS(0), 64<<10); s1.memo.budget != want {
		t.Fatalf("a Session's budget is %d, want %d", s1.memo.budget, want)
	}
	if fs := s1.ValidateOperationEncoded("PATCH", "/Users/bulkId:u1", "", wrap(good, true), goodJSON); len(fs) != 0 {
		t.Fatalf("good data: %v", fs)
	}
	if fs := s1.ValidateOperationEncoded("PATCH", "/Users/bulkId:u2", "", wrap(bad, true), goodJSON); len(fs) != 0 {
		t.Fatalf("the Session's memo did not answer: %v", fs)
	}
	if fs := s2.ValidateOperationEncoded("PATCH", "/Users/bulkId:u2", "", wrap(bad, true), goodJSON); len(fs) == 0 {
		t.Fatal("a Session answered from another open Session's memo")
	}
	if fs, want := s1.ValidateOperationEncoded("PATCH", "/Users/bulkId:u3", "", wrap(bad, true), badJSON), def.ValidateOperation("PATCH", "/Users/bulkId:u3", "", bad); !reflect.DeepEqual(fs, want) {
		t.Fatalf("bad data in a Session: got %v, want the reference's %v", fs, want)
	}
	m1 := s1.memo
	s1.Close()
	s1.Close() // a second Close does nothing
	s3 := f.Session()
	if s3.memo != m1 {
		t.Fatal("a new Session did not take the memo of the one closed")
	}
	if fs := s3.ValidateOperationEncoded("PATCH", "/Users/bulkId:u4", "", wrap(bad, true), goodJSON); len(fs) != 0 {
		t.Fatalf("the memo handed on did not answer: %v", fs)
	}
	if n := len(f.idle); n != 0 {
		t.Fatalf("%d idle memos while every memo is in use", n)
	}
	s2.Close()
	s3.Close()
	if n := len(f.idle); n != 2 {
		t.Fatalf("%d idle memos after closing two Sessions, want 2", n)
	}
}
