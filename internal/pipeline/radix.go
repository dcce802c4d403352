package pipeline

import "slices"

// The hashes of a spilled conversion's keys and logins (one or more per
// employee) are sorted between its passes, on one goroutine while the
// other core waits: at 200k employees slices.Sort took 16 ms of a key
// list and slices.SortFunc 25 ms of the login pairs. A radix sort, 11
// bits a pass, takes 2–4 ms. Short lists, where comparing beats counting,
// are sorted by slices.Sort; the tests hold both to slices.Sort and
// slices.SortFunc(cmpPair), their references.

// radixMin is the length from which the radix sorts count.
const radixMin = 1 << 12

const (
	radixBits   = 11
	radixPasses = (64 + radixBits - 1) / radixBits
	radixMask   = 1<<radixBits - 1
)

// sortHashes sorts hs in increasing order.
func sortHashes(hs []uint64) {
	if len(hs) < radixMin {
		slices.Sort(hs)
		return
	}
	radixSort(hs, func(h uint64) uint64 { return h })
}

// sortPairs sorts ps as slices.SortFunc(ps, cmpPair) does: by a, then b.
func sortPairs(ps []hashPair) {
	if len(ps) < radixMin {
		slices.SortFunc(ps, cmpPair)
		return
	}
	radixSort(ps, func(p hashPair) uint64 { return p.a })
	// Pairs of one a (one login given to several employees) are few.
	for i := 0; i < len(ps); {
		j := i + 1
		for j < len(ps) && ps[j].a == ps[i].a {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(ps[i:j], cmpPair)
		}
		i = j
	}
}

// radixSort sorts s by key, stably: a least-significant-digit radix sort
// through a buffer as long as s.
func radixSort[T any](s []T, key func(T) uint64) {
	var counts [radixPasses][1 << radixBits]int
	for _, v := range s {
		k := key(v)
		for p := range radixPasses {
			counts[p][k>>(p*radixBits)&radixMask]++
		}
	}
	src, dst := s, make([]T, len(s))
	for p := range radixPasses {
		c := &counts[p]
		if c[key(s[0])>>(p*radixBits)&radixMask] == len(s) {
			continue // every key has this digit: the order stands
		}
		sum := 0
		for d, n := range c {
			c[d], sum = sum, sum+n
		}
		shift := p * radixBits
		for _, v := range src {
			d := key(v) >> shift & radixMask
			dst[c[d]] = v
			c[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &s[0] {
		copy(s, src)
	}
}
