package plan

import (
	"bytes"
	"testing"
)

// TestSlabs: plans built from one Slabs, each released before the next is
// built, encode what plans built without it encode, and take the arrays
// the released ones gave back.
func TestSlabs(t *testing.T) {
	sets := genSets(3000) // several arrays of encodings per worker
	ref, err := Build(sets, Options{CompanyID: "c", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := encodeAll(t, ref)
	var slabs Slabs
	var prev [][]byte
	for round := range 3 {
		// How many arrays a round takes depends on how the users split
		// between the workers: those it does not take stay free.
		free := len(slabs.free)
		p, err := Build(sets, Options{CompanyID: "c", Workers: 2, Slabs: &slabs})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.slabs.used) < 2 {
			t.Fatalf("round %d: %d arrays taken, want several", round, len(p.slabs.used))
		}
		if round > 0 {
			given := map[*byte]bool{}
			for _, b := range prev[:min(len(prev), maxFreeSlabs)] {
				given[&b[:1][0]] = true
			}
			reused := 0
			for _, b := range p.slabs.used {
				if given[&b[:1][0]] {
					reused++
				}
			}
			if want := min(len(given), len(p.slabs.used)); reused != want {
				t.Errorf("round %d: %d of the arrays given back were taken again, want %d", round, reused, want)
			}
		}
		prev = p.slabs.used
		got := encodeAll(t, p)
		if len(got) != len(want) {
			t.Fatalf("round %d: %d requests, %d without Slabs", round, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("round %d: request %d differs from the one built without Slabs", round, i+1)
			}
		}
		p.Release()
		p.Release()                         // a second Release gives nothing back twice
		left := free - min(free, len(prev)) // free arrays the round did not take
		if n, want := len(slabs.free), min(left+len(prev), maxFreeSlabs); n != want {
			t.Errorf("round %d: %d arrays free after Release, want %d", round, n, want)
		}
	}
	ref.Release() // built without Slabs: nothing to give back
	if n := len(slabs.free); n > maxFreeSlabs {
		t.Errorf("%d arrays kept, at most %d", n, maxFreeSlabs)
	}
}
