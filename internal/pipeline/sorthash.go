package pipeline

import "slices"

// The hashes of a spilled conversion's keys and logins (one or more per
// employee) are sorted between its passes, on one goroutine while the
// other core waits: at 200k employees slices.Sort took 16 ms of a key
// list and slices.SortFunc 25 ms of the login pairs. Hashes are spread
// evenly, so one pass puts each in its bucket by its top bits, in place
// (an American flag sort), and the buckets, of about a hundred each, are
// sorted by comparison: half the time, and no memory beside the list (a
// radix sort through a second list was faster still, but held 16 MB more
// at 1M employees). Short lists are sorted by comparison alone; the
// tests hold both to slices.Sort and slices.SortFunc(cmpPair).

// bucketMin is the length from which a list is bucketed first.
const bucketMin = 1 << 12

// bucketBits is how many top bits of a key choose its bucket.
const bucketBits = 11

// sortHashes sorts hs in increasing order.
func sortHashes(hs []uint64) {
	sortBucketed(hs, func(h uint64) uint64 { return h }, slices.Sort[[]uint64])
}

// sortPairs sorts ps as slices.SortFunc(ps, cmpPair) does: by a, then b.
func sortPairs(ps []hashPair) {
	sortBucketed(ps, func(p hashPair) uint64 { return p.a }, func(r []hashPair) { slices.SortFunc(r, cmpPair) })
}

// sortBucketed sorts s with sortRun, which orders elements by their key
// first: a short s at once; a long one bucketed by the top bits of its
// keys, then each bucket.
func sortBucketed[T any](s []T, key func(T) uint64, sortRun func([]T)) {
	if len(s) < bucketMin {
		sortRun(s)
		return
	}
	bucket(s, key)
	const shift = 64 - bucketBits
	for i := 0; i < len(s); {
		d := key(s[i]) >> shift
		j := i + 1
		for j < len(s) && key(s[j])>>shift == d {
			j++
		}
		sortRun(s[i:j])
		i = j
	}
}

// bucket orders s by the top bucketBits of each element's key, in place.
func bucket[T any](s []T, key func(T) uint64) {
	const shift = 64 - bucketBits
	var next, end [1 << bucketBits]int
	for _, v := range s {
		end[key(v)>>shift]++
	}
	sum := 0
	for d, n := range end {
		next[d] = sum
		sum += n
		end[d] = sum
	}
	for b := range next {
		for next[b] < end[b] {
			v := s[next[b]]
			d := int(key(v) >> shift)
			for d != b { // v goes to bucket d: put it there, take what was there
				s[next[d]], v = v, s[next[d]]
				next[d]++
				d = int(key(v) >> shift)
			}
			s[next[b]] = v
			next[b]++
		}
	}
}
