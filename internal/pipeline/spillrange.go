package pipeline

import (
	"container/heap"
	"fmt"
	"os"
	"slices"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Ranges. A spilled conversion partitions its records by ranges of the
// employees in the order they first appear, rather than by hash: a record
// goes to the range its employee first appeared in, and a range is cut
// when it holds the bytes a partition is made for. Every change set of
// partition p then comes before those of partition p+1 (change sets are
// ordered by their first record), so the merge order of their operations
// is the partitions' order, and each partition writes its operations
// straight into the bulk files (spilldirect.go) instead of through the
// spill and a k-way merge. This holds for any order of the records: a
// feed grouped by employee fills one range at a time, a 350 file after a
// 305 file adds to the ranges the 305 file opened.
//
// A coupling (spill.go) between employees of two ranges, or records of
// one position in two, ends it: the records read so far are filed again
// by hash (rebucket) and the run goes on by hash, with the same outputs.

// spillRanges, set by tests, decides whether a spilled conversion tries
// ranges: 0 or 1 yes, -1 no.
var spillRanges = 0

// triesRanges reports whether a spilled conversion starts by ranges.
func triesRanges() bool { return spillRanges >= 0 }

// ranges is the state of a read by ranges.
type ranges struct {
	target   int64 // bytes of the current input a range is cut at (forInput)
	cur      int   // the range being filled
	size     int64 // bytes in it
	started  bool
	lastKey  uint64
	lastIn   int // the range of lastKey
	lastPos  model.Position
	posRange int      // the range of lastPos's records
	keys     keyTable // the range of each employee
	// rootRange is the range of each union of coupled keys (couple).
	rootRange map[uint64]int
}

// forInput sets the bytes a range is cut at for the input at path, of
// parts partitions: a partition's share of that input. An employee's
// records in other inputs join the range later, so the range ends near a
// partition's share of all inputs whether the input holds every employee
// (a 305 file) or a few (a 500 file read first: its ranges hold fewer
// bytes of it, for more bytes of the others).
func (rg *ranges) forInput(path string, parts int) {
	n, err := inputBytes([]string{path})
	if err != nil {
		n = rg.target * int64(parts) // the read reports it
	}
	target := max(n/int64(max(parts, 1)), 1)
	if rg.target > 0 {
		rg.size = rg.size * target / rg.target
	}
	rg.target = target
}

// rangeOf files a record of n bytes, of key hash h (keyed: of an
// employee) at pos, under its range; -1 when records of one position
// would be in two ranges.
func (s *spillRun) rangeOf(h uint64, keyed bool, pos model.Position, n int) (int, error) {
	rg := &s.rg
	known := -1
	if keyed {
		if rg.started && h == rg.lastKey {
			known = rg.lastIn
		} else {
			known = rg.keyRange(h)
		}
	}
	var r int
	switch {
	case rg.started && pos == rg.lastPos: // records of one position stay together
		if known >= 0 && known != rg.posRange {
			return -1, nil
		}
		r = rg.posRange
	case known >= 0:
		r = known
	default:
		if rg.started && rg.size >= rg.target {
			if err := s.in.seal(rg.cur); err != nil {
				return 0, err
			}
			rg.cur++
			rg.size = 0
		}
		r = rg.cur
	}
	if keyed && known < 0 {
		rg.keys.put(h, r)
	}
	if r == rg.cur {
		rg.size += int64(n)
	}
	rg.started, rg.lastPos, rg.posRange = true, pos, r
	if keyed {
		rg.lastKey, rg.lastIn = h, r
	}
	return r, nil
}

// keyRange is the range of the records of key hash h; -1 when none is
// (yet).
func (rg *ranges) keyRange(h uint64) int { return rg.keys.get(h) }

// bytesPerKey is about the fewest bytes of input an employee has in a
// feed of 305 records (a line of 300 to 600 bytes), and maxReserved the
// most keys a table is sized for before the read: expectedKeys(n) sizes
// the table of n bytes of input once, where growing as it fills would
// have moved its slots five to ten times. A feed of fewer bytes an
// employee grows it still; one of more leaves part of it empty.
const (
	bytesPerKey = 400
	maxReserved = 1 << 20
)

// expectedKeys is how many employees n bytes of input are expected to
// hold, for reserve.
func expectedKeys(n int64) int { return int(min(n/bytesPerKey, maxReserved)) }

// keyTable maps key hashes (well mixed already) to ranges: open
// addressing, linear probing, at most 3/4 full. A slot is 12 bytes, the
// hash and its range together: a lookup reads one cache line (mostly),
// where hashes and ranges in two arrays took two.
type keyTable struct {
	slots []keySlot
	n     int
	mask  uint64
}

// keySlot is a hash, in two halves (4-byte aligned: 12 bytes, not 16),
// and its range+1; r 0: the slot is empty.
type keySlot struct {
	lo, hi uint32
	r      int32
}

func (k *keySlot) hash() uint64 { return uint64(k.hi)<<32 | uint64(k.lo) }

func (t *keyTable) get(h uint64) int {
	if t.n == 0 {
		return -1
	}
	lo, hi := uint32(h), uint32(h>>32)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		k := &t.slots[i]
		switch {
		case k.r == 0:
			return -1
		case k.lo == lo && k.hi == hi:
			return int(k.r) - 1
		}
	}
}

// put files h under r; h must not be in t.
func (t *keyTable) put(h uint64, r int) {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	i := h & t.mask
	for t.slots[i].r != 0 {
		i = (i + 1) & t.mask
	}
	t.slots[i] = keySlot{lo: uint32(h), hi: uint32(h >> 32), r: int32(r + 1)}
	t.n++
}

// appendHashes appends every hash t holds to dst.
func (t *keyTable) appendHashes(dst []uint64) []uint64 {
	dst = slices.Grow(dst, t.n)
	for i := range t.slots {
		if k := &t.slots[i]; k.r != 0 {
			dst = append(dst, k.hash())
		}
	}
	return dst
}

func (t *keyTable) grow() { t.resize(max(2*len(t.slots), 1<<12)) }

// reserve sizes an empty t for n hashes, so that filling it rehashes
// nothing: each growth moves every slot to random places in a table twice
// the size, the last one when the read is nearly over.
func (t *keyTable) reserve(n int) {
	size := 1 << 12
	for 3*size < 4*n {
		size *= 2
	}
	if t.n == 0 && size > len(t.slots) {
		t.resize(size)
	}
}

// resize moves t's hashes to a table of size slots (a power of two).
func (t *keyTable) resize(size int) {
	old := t.slots
	*t = keyTable{slots: make([]keySlot, size), mask: uint64(size - 1)}
	for i := range old {
		if k := &old[i]; k.r != 0 {
			t.put(k.hash(), int(k.r)-1)
		}
	}
}

// rangeUnions finds the range of each union of coupled keys; false when
// one spans two ranges.
func (s *spillRun) rangeUnions() bool {
	s.rg.rootRange = map[uint64]int{}
	for h := range s.uf.parent {
		r := s.rg.keyRange(h)
		if r < 0 {
			continue
		}
		root := s.uf.find(h)
		if prev, ok := s.rg.rootRange[root]; ok && prev != r {
			return false
		}
		s.rg.rootRange[root] = r
	}
	return true
}

// rangePart is partOf by ranges: the range of h's records (or of its
// union's); -1 when none has records.
func (s *spillRun) rangePart(h uint64) int {
	if s.uf.has(h) {
		if r, ok := s.rg.rootRange[s.uf.find(h)]; ok {
			return r
		}
		return -1
	}
	return s.rg.keyRange(h)
}

// rebucket ends a read by ranges: the records filed so far are filed
// again by hash, into as many partitions as a read by hash makes.
func (s *spillRun) rebucket() error {
	old := s.in
	if err := old.finish(); err != nil {
		return err
	}
	s.rebuckets++
	nw, err := newBlockStore(s.tmp, fmt.Sprintf("records-%d", s.rebuckets), s.hashParts)
	if err != nil {
		return err
	}
	// Each range holds its records in input order: merged by ordinal,
	// every partition gets its records in input order too.
	var curs cursorHeap
	for r, pb := range old.parts {
		c := &blockCursor{s: s, part: r, blocks: pb.blocks}
		if err := c.advance(); err != nil {
			nw.close()
			return err
		}
		if c.ok {
			curs = append(curs, c)
		}
	}
	heap.Init(&curs)
	var buf []byte
	for len(curs) > 0 {
		c := curs[0]
		_, h, _ := recordHead(c.payload) // read by advance
		buf = appendString(buf[:0], c.payload)
		if err := nw.add(int(h%uint64(s.hashParts)), buf); err != nil {
			nw.close()
			return err
		}
		if err := c.advance(); err != nil {
			nw.close()
			return err
		}
		if c.ok {
			heap.Fix(&curs, 0)
		} else {
			heap.Pop(&curs)
		}
	}
	if err := nw.finish(); err != nil { // a read that goes on fills them again
		nw.close()
		return err
	}
	name := old.f.Name()
	old.close()
	os.Remove(name)
	// By hash, s.keys holds every key: those of the ranges' table join it
	// (once more when the read pass is over and they are in it already).
	s.keys = compactHashes(s.rg.keys.appendHashes(s.keys))
	s.in, s.parts, s.ranged, s.rg = nw, s.hashParts, false, ranges{}
	return nil
}

// cursorHeap orders block cursors by the ordinal of their record.
type cursorHeap []*blockCursor

func (h cursorHeap) Len() int           { return len(h) }
func (h cursorHeap) Less(i, j int) bool { return h[i].ord < h[j].ord }
func (h cursorHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursorHeap) Push(x any)        { *h = append(*h, x.(*blockCursor)) }
func (h *cursorHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
