package pipeline

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestHashSet holds hashSet to containsHash, the binary search it
// replaces, for members, their neighbours and random hashes, at sizes
// around its bucket boundaries, with the extreme hashes among them.
func TestHashSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 100, 1000, 65537} {
		hs := make([]uint64, n)
		for i := range hs {
			hs[i] = rng.Uint64()
		}
		if n > 2 {
			hs[0], hs[1] = 0, math.MaxUint64
		}
		if n > 10 { // a run of neighbours in one bucket
			for i := 2; i < 8; i++ {
				hs[i] = hs[8] + uint64(i)
			}
		}
		hs = compactHashes(hs)
		set := newHashSet(hs)
		check := func(h uint64) {
			if got, want := set.has(h), containsHash(hs, h); got != want {
				t.Fatalf("n=%d: has(%#x) = %v, want %v", n, h, got, want)
			}
		}
		for _, h := range hs {
			check(h)
			check(h - 1)
			check(h + 1)
		}
		for range 10000 {
			check(rng.Uint64())
		}
		check(0)
		check(math.MaxUint64)
	}
}
