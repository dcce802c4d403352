package pipeline

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// sortInputs are hash lists of the shapes the sorts meet and those that
// test their edges: either side of bucketMin, duplicates, keys all in the
// first bucket or in a few, already sorted, reversed, all equal.
func sortInputs() map[string][]uint64 {
	r := rand.New(rand.NewPCG(7, 11))
	random := func(n int, mask uint64) []uint64 {
		s := make([]uint64, n)
		for i := range s {
			s[i] = r.Uint64() & mask
		}
		return s
	}
	sorted := random(3*bucketMin, ^uint64(0))
	slices.Sort(sorted)
	reversed := slices.Clone(sorted)
	slices.Reverse(reversed)
	return map[string][]uint64{
		"empty":            {},
		"one":              {42},
		"short":            random(bucketMin-1, ^uint64(0)),
		"at the threshold": random(bucketMin, ^uint64(0)),
		"long":             random(5*bucketMin+3, ^uint64(0)),
		"duplicates":       random(3*bucketMin, 0xff),
		"small keys":       random(3*bucketMin, 0xfffff),
		"top bits only":    random(3*bucketMin, 0xff<<56),
		"sorted":           sorted,
		"reversed":         reversed,
		"all equal":        make([]uint64, 2*bucketMin),
		"two buckets":      twoBuckets(r, 3*bucketMin),
	}
}

// twoBuckets is n hashes of two top-bit buckets, interleaved.
func twoBuckets(r *rand.Rand, n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = r.Uint64()>>bucketBits | uint64(i%2)<<63
	}
	return s
}

// TestSortHashes holds sortHashes to slices.Sort.
func TestSortHashes(t *testing.T) {
	for name, in := range sortInputs() {
		t.Run(name, func(t *testing.T) {
			got, want := slices.Clone(in), slices.Clone(in)
			sortHashes(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("sortHashes of %d hashes differs from slices.Sort", len(in))
			}
		})
	}
}

// TestSortPairs holds sortPairs to slices.SortFunc(cmpPair), with pairs
// that share their a (one login of several employees) in any order of b.
func TestSortPairs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	for name, as := range sortInputs() {
		t.Run(name, func(t *testing.T) {
			in := make([]hashPair, len(as))
			for i, a := range as {
				in[i] = hashPair{a, r.Uint64() & 0xffff}
				if i > 0 && i%7 == 0 {
					in[i].a = in[i-3].a // a shared login
				}
			}
			got, want := slices.Clone(in), slices.Clone(in)
			sortPairs(got)
			slices.SortFunc(want, cmpPair)
			if !slices.Equal(got, want) {
				t.Fatalf("sortPairs of %d pairs differs from slices.SortFunc(cmpPair)", len(in))
			}
		})
	}
}

// TestBucket checks that bucket leaves the same elements, ordered by
// their top bucketBits, whatever the keys: spread, all in one bucket, or
// in two.
func TestBucket(t *testing.T) {
	for name, in := range sortInputs() {
		t.Run(name, func(t *testing.T) {
			got := slices.Clone(in)
			bucket(got, func(h uint64) uint64 { return h })
			for i := 1; i < len(got); i++ {
				if got[i-1]>>(64-bucketBits) > got[i]>>(64-bucketBits) {
					t.Fatalf("at %d: %#x after %#x, of a higher bucket", i, got[i], got[i-1])
				}
			}
			a, b := slices.Clone(in), slices.Clone(got)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Fatal("bucket changed the elements")
			}
		})
	}
}

func BenchmarkSortHashes(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	base := make([]uint64, 200_000)
	for i := range base {
		base[i] = r.Uint64()
	}
	s := make([]uint64, len(base))
	for _, bm := range []struct {
		name string
		sort func([]uint64)
	}{{"buckets", sortHashes}, {"slices.Sort", slices.Sort[[]uint64]}} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				copy(s, base)
				bm.sort(s)
			}
		})
	}
}
