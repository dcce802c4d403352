package pipeline

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// radixInputs are hash lists of the shapes the radix sorts meet and
// those that test their edges: either side of radixMin, duplicates, keys
// whose high digits are all zero (passes skipped), already sorted,
// reversed, all equal.
func radixInputs() map[string][]uint64 {
	r := rand.New(rand.NewPCG(7, 11))
	random := func(n int, mask uint64) []uint64 {
		s := make([]uint64, n)
		for i := range s {
			s[i] = r.Uint64() & mask
		}
		return s
	}
	sorted := random(3*radixMin, ^uint64(0))
	slices.Sort(sorted)
	reversed := slices.Clone(sorted)
	slices.Reverse(reversed)
	return map[string][]uint64{
		"empty":            {},
		"one":              {42},
		"short":            random(radixMin-1, ^uint64(0)),
		"at the threshold": random(radixMin, ^uint64(0)),
		"long":             random(5*radixMin+3, ^uint64(0)),
		"duplicates":       random(3*radixMin, 0xff),
		"small keys":       random(3*radixMin, 0xfffff),
		"top bits only":    random(3*radixMin, 0xff<<56),
		"sorted":           sorted,
		"reversed":         reversed,
		"all equal":        make([]uint64, 2*radixMin),
	}
}

// TestSortHashes holds sortHashes to slices.Sort.
func TestSortHashes(t *testing.T) {
	for name, in := range radixInputs() {
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
	for name, as := range radixInputs() {
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

// TestRadixSortStable checks that radixSort keeps the order of equal keys,
// which sortPairs relies on no more than its fix-up needs, and the
// compaction after it not at all, but a future caller might.
func TestRadixSortStable(t *testing.T) {
	type item struct{ key, seq uint64 }
	in := make([]item, 3*radixMin)
	for i := range in {
		in[i] = item{uint64(i*7919) % 97 << 40, uint64(i)}
	}
	radixSort(in, func(x item) uint64 { return x.key })
	for i := 1; i < len(in); i++ {
		p, c := in[i-1], in[i]
		if p.key > c.key || p.key == c.key && p.seq > c.seq {
			t.Fatalf("at %d: %+v after %+v: not a stable sort", i, c, p)
		}
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
	}{{"radix", sortHashes}, {"slices.Sort", slices.Sort[[]uint64]}} {
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				copy(s, base)
				bm.sort(s)
			}
		})
	}
}
