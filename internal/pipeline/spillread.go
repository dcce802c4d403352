package pipeline

import (
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// compactAt is the number of key hashes (or login pairs) past which the
// read pass sorts them and removes duplicates: records of one employee in
// several files hash the same key several times.
const compactAt = 1 << 20

// read streams every input into its partitions (the read pass).
func (s *spillRun) read() error {
	var err error
	if s.in, err = newBlockStore(s.tmp, "records", s.parts); err != nil {
		return err
	}
	if s.rejs, err = newEntryWriter(s.tmp, "rejected"); err != nil {
		return err
	}
	if s.refs, err = newEntryWriter(s.tmp, "references"); err != nil {
		return err
	}
	keng := mapping.NewEngine(s.set, mapping.Options{DateOrder: s.opts.DateOrder})
	var k mapping.RecordKeys
	// prep runs on a goroutine of its own, between the reading one and
	// this one (scanPrepared): the keys and their hashes need nothing of
	// the run but the seed, and keng is used by prep alone.
	prep := func(recs []*model.Record, b *keyBatch) {
		b.recs, b.hs = b.recs[:0], b.hs[:0]
		for _, rec := range recs {
			keng.Keys(rec, &k)
			var pk preKeys
			if k.Key == "" {
				// A record of no employee (settings, or rejected for its key) is
				// partitioned by its position.
				pk.h = s.hash(fmt.Sprintf("\x00%s\x00%d", rec.Pos.File, rec.Pos.Line))
				b.recs = append(b.recs, pk)
				continue
			}
			pk.keyed = true
			pk.h = s.hash(k.Key)
			if k.NewKey != "" {
				pk.renamed, pk.nh = true, s.hash(k.NewKey)
			}
			pk.logins.from = int32(len(b.hs))
			for _, l := range k.Logins {
				b.hs = append(b.hs, s.hashLogin(l))
			}
			pk.logins.to = int32(len(b.hs))
			pk.refs.from = pk.logins.to
			for _, r := range k.Refs {
				if rh := s.hash(r); rh != pk.h && !slices.Contains(b.hs[pk.refs.from:], rh) {
					b.hs = append(b.hs, rh)
				}
			}
			pk.refs.to = int32(len(b.hs))
			b.recs = append(b.recs, pk)
		}
	}
	var (
		buf     []byte
		last    model.Position
		lastH   uint64
		lastSet bool
	)
	keysAt, loginsAt := compactAt, compactAt
	add := func(rec *model.Record, b *keyBatch, i int) error {
		ord := s.nextOrd
		s.nextOrd++
		if ord%1024 == 0 && interrupted(s.opts.Context) {
			return ErrInterrupted
		}
		pk := &b.recs[i]
		h := pk.h
		if pk.keyed {
			if !s.ranged { // by ranges, the ranges' table holds the keys (rangeOf)
				s.keys = append(s.keys, h)
			}
			if pk.renamed {
				s.keys = append(s.keys, pk.nh)
				s.renames = append(s.renames, hashPair{h, pk.nh})
			}
			for _, lh := range b.hs[pk.logins.from:pk.logins.to] {
				if len(s.logins) == cap(s.logins) {
					// Doubled, not the quarter append grows a large slice
					// by: each growth copies every pair into fresh memory.
					s.logins = slices.Grow(s.logins, max(len(s.logins), 1024))
				}
				s.logins = append(s.logins, hashPair{lh, h})
			}
			for _, rh := range b.hs[pk.refs.from:pk.refs.to] {
				buf = appendU64(appendU64(buf[:0], rh), h)
				if err := s.refs.write(buf); err != nil {
					return err
				}
			}
		}
		if lastSet && rec.Pos == last && h != lastH {
			s.joins = append(s.joins, hashPair{lastH, h})
		}
		last, lastH, lastSet = rec.Pos, h, true
		if len(s.keys) >= keysAt {
			s.keys = compactHashes(s.keys)
			keysAt = max(compactAt, 2*len(s.keys))
		}
		if len(s.logins) >= loginsAt {
			sortPairs(s.logins)
			s.logins = slices.Compact(s.logins)
			loginsAt = max(compactAt, 2*len(s.logins))
		}
		buf = s.codec.appendRecord(buf[:0], ord, h, rec)
		if s.ranged {
			p, err := s.rangeOf(h, pk.keyed, rec.Pos, len(buf))
			if err != nil {
				return err
			}
			if p >= 0 {
				return s.in.add(p, buf)
			}
			if err := s.rebucket(); err != nil {
				return err
			}
		}
		return s.in.add(int(h%uint64(s.parts)), buf)
	}
	reject := func(r model.RecordResult) error {
		s.anyRejects = true
		s.nrejects++
		ord := s.nextOrd
		s.nextOrd++
		rk := recKey{file: s.order[r.Pos.File], line: r.Pos.Line, reader: true, ord: ord}
		buf = appendRecordResult(buf[:0], rk, &r, &kindMemo{})
		return s.rejs.entry(buf)
	}
	for _, path := range s.paths {
		if s.ranged {
			s.rg.forInput(path, s.hashParts)
		}
		fs, notes, err := scanPrepared(path, s.opts, prep, add, reject)
		if err != nil {
			return err
		}
		s.files = append(s.files, fs)
		s.notes = append(s.notes, notes)
	}
	if err := s.in.finish(); err != nil {
		return err
	}
	if s.ranged {
		s.parts = s.rg.cur + 1
		s.keys = s.rg.keys.appendHashes(s.keys)
	}
	if err := s.rejs.flush(); err != nil {
		return err
	}
	s.keys = compactHashes(s.keys)
	return s.refs.flush()
}

// keyBatch is what the read pass's prep makes of a batch of
// records: per record, the hashes of its keys, logins and
// references, the last two as spans of hs.
type keyBatch struct {
	recs []preKeys
	hs   []uint64
}

// preKeys is one record's part of a keyBatch: the hash it is filed
// under (its key's, or its position's when unkeyed), its new key's (a
// rename), and its logins' and references' (distinct, its own key left
// out).
type preKeys struct {
	h, nh          uint64
	keyed, renamed bool
	logins, refs   hashSpan
}

// hashSpan is hs[from:to] of a keyBatch.
type hashSpan struct{ from, to int32 }

// couple partitions coupled employees together: renames, shared logins,
// references to renamed employees and records sharing a position (see
// spill.go). It finds the partitions whose records move, and the
// directory entries each partition needs for its logins.
func (s *spillRun) couple() error {
	for _, j := range s.joins {
		s.uf.union(j.a, j.b)
	}
	s.joins = nil
	// Renames, and the references to either of their IDs.
	renamed := map[uint64]bool{}
	for _, r := range s.renames {
		s.uf.union(r.a, r.b)
		renamed[r.a], renamed[r.b] = true, true
	}
	if len(renamed) > 0 && s.refs.off > 0 {
		rd := s.refs.reader(section{0, s.refs.off}, 64<<10)
		var pair [16]byte
		for {
			if _, err := io.ReadFull(rd.r, pair[:]); err == io.EOF {
				break
			} else if err != nil {
				return rd.fail(err)
			}
			target, key := binary.LittleEndian.Uint64(pair[:8]), binary.LittleEndian.Uint64(pair[8:])
			if renamed[target] {
				s.uf.union(key, target)
			}
		}
	}
	// Logins, of the run and of the directory.
	var dir []hashPair // (login, index of the directory entry)
	var entries []plan.DirEntry
	if s.opts.Directory != nil {
		entries = s.opts.Directory.Entries()
		for i, e := range entries {
			if e.UserName != "" {
				dir = append(dir, hashPair{s.hashLogin(e.UserName), uint64(i)})
			}
		}
		sortPairs(dir)
	}
	sortPairs(s.logins)
	s.logins = slices.Compact(s.logins)
	for i := 0; i < len(s.logins); {
		j := i + 1
		for j < len(s.logins) && s.logins[j].a == s.logins[i].a {
			s.uf.union(s.logins[i].b, s.logins[j].b)
			j++
		}
		lo, _ := slices.BinarySearchFunc(dir, s.logins[i].a, func(p hashPair, h uint64) int { return cmpU64(p.a, h) })
		for ; lo < len(dir) && dir[lo].a == s.logins[i].a; lo++ {
			s.uf.union(s.logins[i].b, s.hash(entries[dir[lo].b].EmployeeNumber))
		}
		i = j
	}
	if s.ranged && !s.rangeUnions() {
		if err := s.rebucket(); err != nil {
			return err
		}
	}
	// The directory entries whose logins a partition's employees may give,
	// in the directory's order.
	s.dirByPart = make([][]plan.DirEntry, s.parts)
	for i, e := range entries {
		if e.UserName == "" {
			continue
		}
		lh := s.hashLogin(e.UserName)
		lo, found := slices.BinarySearchFunc(s.logins, lh, func(p hashPair, h uint64) int { return cmpU64(p.a, h) })
		if !found {
			continue
		}
		if p := s.partOf(s.logins[lo].b); p >= 0 {
			s.dirByPart[p] = append(s.dirByPart[p], entries[i])
		}
	}
	s.logins = nil
	s.uf.freeze()
	// By ranges, a partition knows its own keys (inPartition): the table
	// of every key's range goes before the partitions start.
	s.rg.keys = keyTable{}
	// Records written to the partition of their own hash whose union
	// lives in another.
	s.movedFrom = make([][]int, s.parts)
	for h := range s.uf.parent {
		if s.ranged {
			break // a union's records are in one range
		}
		from, to := int(h%uint64(s.parts)), s.partOf(h)
		if from != to && !slices.Contains(s.movedFrom[to], from) {
			s.movedFrom[to] = append(s.movedFrom[to], from)
		}
	}
	for _, m := range s.movedFrom {
		slices.Sort(m)
	}
	return nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
