package pipeline

import (
	"cmp"
	"fmt"
	"os"
	"slices"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Ranges. An input grouped by employee (each employee's records next to
// each other, as a nightly feed writes them) is partitioned by ranges of
// the input, in order, rather than by hash: every change set of
// partition p then comes before those of partition p+1, so the merge
// order of their operations is the partitions' order, and phase 1 (the
// bulk of what is written) goes from each partition straight into the
// bulk files (spilldirect.go), not through the spill and a k-way merge.
//
// A range is cut between two employees once it holds the bytes of records
// a partition is made for. A key met in two ranges (the input is not
// grouped), or a coupling (spill.go) between employees of two ranges,
// ends it: the records read so far are filed again by hash (rebucket)
// and the run goes on by hash, with the same outputs.

// spillRanges, set by tests, decides whether a spilled conversion tries
// ranges: 0 when it has one input, 1 always, -1 never.
var spillRanges = 0

// triesRanges reports whether a spilled conversion of paths starts by
// ranges: inputs of several files (a 305 file and a 350 file, say) hold
// one employee's records in each, so only one input is tried.
func triesRanges(paths []string) bool {
	switch spillRanges {
	case 1:
		return true
	case -1:
		return false
	}
	return len(paths) == 1
}

// rangeKey files a key under the range its records are in.
type rangeKey struct {
	h uint64
	r int
}

func cmpRangeKey(a, b rangeKey) int {
	if c := cmp.Compare(a.h, b.h); c != 0 {
		return c
	}
	return cmp.Compare(a.r, b.r)
}

// ranges is the state of a read by ranges.
type ranges struct {
	target  int64 // bytes of records a range is made for
	cur     int   // the range being filled
	size    int64 // bytes in it
	started bool
	lastKey uint64
	lastPos model.Position
	// keys are the (key, range) pairs of the keyed records, sorted and
	// compacted now and then (at keysAt) and at the end of the read.
	keys   []rangeKey
	keysAt int
	// rootRange is the range of each union of coupled keys (couple).
	rootRange map[uint64]int
}

// rangeOf files a record of n bytes, of key hash h (keyed: of an
// employee) at pos, under its range; -1 when the input turns out not to be
// grouped by employee.
func (s *spillRun) rangeOf(h uint64, keyed bool, pos model.Position, n int) (int, error) {
	rg := &s.rg
	if rg.started && rg.size >= rg.target && keyed && h != rg.lastKey && pos != rg.lastPos {
		if err := s.in.seal(rg.cur); err != nil {
			return 0, err
		}
		rg.cur++
		rg.size = 0
	}
	rg.started = true
	rg.size += int64(n)
	rg.lastPos = pos
	if !keyed {
		return rg.cur, nil
	}
	rg.lastKey = h
	if k := (rangeKey{h, rg.cur}); len(rg.keys) == 0 || rg.keys[len(rg.keys)-1] != k {
		rg.keys = append(rg.keys, k)
	}
	if len(rg.keys) >= rg.keysAt {
		if !rg.compact() {
			return -1, nil
		}
		rg.keysAt = max(compactAt, 2*len(rg.keys))
	}
	return rg.cur, nil
}

// compact sorts and compacts the keys; false when one is in two ranges.
func (rg *ranges) compact() bool {
	slices.SortFunc(rg.keys, cmpRangeKey)
	rg.keys = slices.Compact(rg.keys)
	for i := 1; i < len(rg.keys); i++ {
		if rg.keys[i].h == rg.keys[i-1].h {
			return false
		}
	}
	if cap(rg.keys) > 2*len(rg.keys)+1024 {
		rg.keys = slices.Clone(rg.keys)
	}
	return true
}

// keyRange is the range of the records of key hash h; -1 when none is.
func (rg *ranges) keyRange(h uint64) int {
	i, ok := slices.BinarySearchFunc(rg.keys, h, func(k rangeKey, h uint64) int { return cmp.Compare(k.h, h) })
	if !ok {
		return -1
	}
	return rg.keys[i].r
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
	var buf []byte
	for _, pb := range old.parts {
		for _, sec := range pb.blocks {
			b, err := old.block(sec)
			if err != nil {
				nw.close()
				return err
			}
			d := dec[string]{s: b}
			for d.i < len(d.s) && d.err == nil {
				payload := d.raw()
				_, h, err := recordHead(payload)
				if err == nil {
					err = d.err
				}
				if err != nil {
					nw.close()
					return fmt.Errorf("spill: %s: %w", old.f.Name(), err)
				}
				buf = appendString(buf[:0], payload)
				if err := nw.add(int(h%uint64(s.hashParts)), buf); err != nil {
					nw.close()
					return err
				}
			}
		}
	}
	if err := nw.finish(); err != nil { // a read that goes on fills them again
		nw.close()
		return err
	}
	name := old.f.Name()
	old.close()
	os.Remove(name)
	s.in, s.parts, s.ranged, s.rg = nw, s.hashParts, false, ranges{}
	return nil
}
