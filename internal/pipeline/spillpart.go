package pipeline

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"slices"

	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/scim"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// maxSpillRounds bounds the partition rounds of a spilled conversion: a
// round runs again the partitions that counted as in the run an employee
// of another partition whose records all ended rejected.
const maxSpillRounds = 32

// partState is what the merge needs of a partition, besides its spilled
// outputs: the sections of its outputs and its counts.
type partState struct {
	ran   bool       // its counts are in the tally
	ops   [3]section // its operations, per phase, in change-set order
	sets  section    // its change sets
	recs  section    // its record results
	count Totals     // its records (AtSubmit and LeftOut included)
	stats plan.Stats // its users and operations (no requests: the merge packs them)
	// findings counts the findings on its operations; errs are the error
	// findings among them (no record to reject them on), in operation
	// order, numbered by the merge.
	findings int
	errs     []OpFinding
	notices  int      // plan warnings no record holds
	atRefs   int      // references among count.AtSubmit
	ids      []uint64 // hashes of its change sets' employees, sorted
	// asked holds the hashes of the employees of other partitions it
	// counted as in the run (sorted, 8 bytes each): read back only when
	// some employee turns out not to be.
	asked section
}

// partition runs every partition, then again those that counted an
// employee of another partition as in the run that is not (see spill.go).
func (s *spillRun) partition() error {
	var err error
	s.tally = mapping.NewEngine(s.set, mapping.Options{DateOrder: s.opts.DateOrder})
	if s.fv, err = s.validator(); err != nil {
		return err
	}
	if s.out, err = newEntryWriter(s.tmp, "partitions"); err != nil {
		return err
	}
	s.state = make([]partState, s.parts)
	s.lines = lineage.NewLines()
	if s.ranged {
		if s.direct, err = newDirectPhases(s.tmp, s.opts.Options, s.drop); err != nil {
			return err
		}
		if s.planOut, err = newDirectPlan(s.tmp, s.drop); err != nil {
			return err
		}
	}
	assumed := s.keys
	todo := make([]int, s.parts)
	for p := range todo {
		todo[p] = p
	}
	for round := 0; ; round++ {
		s.rounds++
		inRun := newHashSet(assumed)
		var sp spiller
		for i, p := range todo {
			if s.opts.Progress != nil {
				s.opts.Progress(Progress{Stage: StagePlan, Done: int64(i), Total: int64(len(todo))})
			}
			job, err := s.runPartition(p, inRun)
			if err == nil {
				err = sp.start(job)
			}
			if err != nil {
				sp.wait()
				return err
			}
		}
		if err := sp.wait(); err != nil {
			return err
		}
		var actual []uint64
		for p := range s.state {
			actual = append(actual, s.state[p].ids...)
		}
		actual = compactHashes(actual)
		todo = todo[:0]
		if !subset(assumed, actual) { // some employee assumed in the run is not
			if err := s.out.flush(); err != nil {
				return err
			}
			for p := range s.state {
				out, err := s.askedOutside(p, actual)
				if err != nil {
					return err
				}
				if out {
					todo = append(todo, p)
				}
			}
		}
		if len(todo) > 0 && s.opts.Directory == nil {
			// Only what submit resolves by lookup changes: mended in place.
			if err := s.mendAtSubmit(todo, actual, outside(assumed, actual)); err != nil {
				return err
			}
			s.mended += len(todo)
			todo = todo[:0]
		}
		if len(todo) == 0 {
			break
		}
		if s.direct != nil {
			// The partitions from the first to run again on go again:
			// their requests follow its requests in the bulk files.
			first := todo[0]
			todo = todo[:0]
			for p := first; p < s.parts; p++ {
				todo = append(todo, p)
			}
			if err := s.direct.truncate(first); err != nil {
				return err
			}
			if err := s.planOut.truncate(first, s.lines.Dictionary()); err != nil {
				return err
			}
		}
		if round+1 == maxSpillRounds {
			return fmt.Errorf("convert: employees still rejected after %d rounds over the partitions", maxSpillRounds)
		}
		assumed = actual
	}
	s.keys = nil
	if s.direct != nil {
		if err := s.direct.finish(); err != nil {
			return err
		}
	}
	return s.out.flush()
}

// spiller writes the settled partitions' outputs in the background, one
// at a time and in order, while the next partitions are mapped and
// planned: the spill is mostly serial work, and the mapping too. A spill
// may wait for the one before it: the partition after it is then mapped
// and planned meanwhile, instead of waiting with a core idle (the spill of
// a partition takes longer than its mapping). At most maxSpills are
// started and not done, so memory holds maxSpills+1 partitions at most.
type spiller struct {
	started []*spill // oldest first
}

// maxSpills bounds the spills started and not done.
const maxSpills = 2

// spill is one started spill; err is set before finished is closed.
type spill struct {
	finished chan struct{}
	err      error
}

// start starts job once the spills started before it are done, unless
// one of them failed; with maxSpills started, it first waits for the
// oldest.
func (sp *spiller) start(job func() error) error {
	for len(sp.started) >= maxSpills {
		if err := sp.waitOldest(); err != nil {
			return err
		}
	}
	var prev *spill
	if n := len(sp.started); n > 0 {
		prev = sp.started[n-1]
	}
	s := &spill{finished: make(chan struct{})}
	sp.started = append(sp.started, s)
	go func() {
		defer close(s.finished)
		if prev != nil {
			if <-prev.finished; prev.err != nil {
				s.err = prev.err
				return
			}
		}
		s.err = job()
	}()
	return nil
}

func (sp *spiller) waitOldest() error {
	s := sp.started[0]
	sp.started = sp.started[1:]
	<-s.finished
	return s.err
}

// wait waits for every spill started and returns the first error.
func (sp *spiller) wait() error {
	var first error
	for len(sp.started) > 0 {
		if err := sp.waitOldest(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// runPartition maps, plans and validates the records of partition p, and
// returns the job that spills its outputs (run after the spill of the
// partition before it). inRun holds the hashes of the employees counted
// as in the run.
func (s *spillRun) runPartition(p int, inRun *hashSet) (func() error, error) {
	if interrupted(s.opts.Context) {
		return nil, ErrInterrupted
	}
	ps := &s.state[p]
	var own []uint64 // by ranges: the hashes of the partition's records
	var asked []uint64
	// The answer for the employee asked last is kept: an employee's
	// references are mostly to one manager.
	var lastEmp string
	var lastIn, lastSet bool
	elsewhere := func(emp string) bool {
		if lastSet && emp == lastEmp {
			return lastIn
		}
		h := s.hash(emp)
		in := !s.inPartition(p, h, own) && inRun.has(h)
		if in {
			asked = append(asked, h)
		}
		lastEmp, lastIn, lastSet = emp, in, true
		return in
	}
	var known func(string) bool
	if dir := s.opts.Directory; dir != nil {
		known = func(emp string) bool { _, ok := dir.Lookup(emp); return ok }
	}
	eng := mapping.NewEngine(s.set, mapping.Options{Known: known, DateOrder: s.opts.DateOrder, InRun: elsewhere, Blocks: &s.blocks,
		Requires: engineRequires(s.opts)})
	var ords []uint64
	err := s.loadPartition(p, func(r *spilledRecord) {
		eng.Add(&r.rec)
		ords = append(ords, r.ord)
		if s.ranged {
			own = append(own, r.hash)
		}
	})
	if err != nil {
		return nil, err
	}
	own = compactHashes(own) // asked for once every record is added
	if !ps.ran {
		s.tally.Absorb(eng)
		ps.ran = true
	}
	opts := s.opts
	opts.Progress = nil
	opts.Slabs = &s.slabs
	opts.Builders = &s.builders
	st, err := settle(eng, opts, s.fv, s.dirByPart[p])
	if err != nil {
		return nil, err
	}
	if err := s.createsUsers(st); err != nil {
		return nil, err
	}
	heads := eng.Heads()
	if len(heads) != len(st.sets) {
		return nil, fmt.Errorf("convert: partition %d: %d change sets but %d first records", p, len(st.sets), len(heads))
	}
	keys := make([]uint64, len(heads))
	for i, h := range heads {
		keys[i] = ords[h]
	}
	// From here on, only the job touches the partition's state, asked
	// (elsewhere appends to it) and the spill's writer.
	return func() error {
		*ps = partState{ran: true}
		if err := s.spillPartition(p, st, keys, ords, elsewhere); err != nil {
			return err
		}
		st.plan.Release() // its operations are spilled
		eng.Release()     // and its change sets and records
		asked = compactHashes(asked)
		start := s.out.off
		buf := make([]byte, 0, 8*len(asked))
		for _, h := range asked {
			buf = appendU64(buf, h)
		}
		if err := s.out.write(buf); err != nil {
			return err
		}
		ps.asked = section{start, s.out.off - start}
		return nil
	}, nil
}

// createsUsers calls Options.CreatesUsers with the first user the
// partition settled in st creates, if it creates one and no partition
// before it did.
func (s *spillRun) createsUsers(st *settled) error {
	if s.opts.CreatesUsers == nil || s.created || st.plan.Stats.UsersCreated == 0 {
		return nil
	}
	s.created = true
	for _, req := range st.plan.Requests {
		for _, op := range req.Operations {
			if op.Method == scim.MethodPost {
				return s.opts.CreatesUsers(op.Employee)
			}
		}
	}
	return s.opts.CreatesUsers("")
}

// inPartition reports whether the records of key hash h are filed under
// partition p; own are the hashes of p's records (by ranges, where the
// table of every key's range is gone once the partitions are known).
func (s *spillRun) inPartition(p int, h uint64, own []uint64) bool {
	if !s.ranged {
		return s.partOf(h) == p
	}
	if s.uf.has(h) {
		r, ok := s.rg.rootRange[s.uf.find(h)]
		return ok && r == p
	}
	return containsHash(own, h)
}

// askedOutside reports whether partition p counted as in the run an
// employee of another partition that actual (sorted) does not hold.
func (s *spillRun) askedOutside(p int, actual []uint64) (bool, error) {
	rd := s.out.reader(s.state[p].asked, mergeBuf)
	var b [8]byte
	for range s.state[p].asked.n / 8 {
		if _, err := io.ReadFull(rd.r, b[:]); err != nil {
			return false, rd.fail(err)
		}
		if !containsHash(actual, binary.LittleEndian.Uint64(b[:])) {
			return true, nil
		}
	}
	return false, nil
}

// loadPartition hands the records of partition p to add in input order:
// those written to it, less those moved to another, and those moved to it
// from the partitions of movedFrom.
func (s *spillRun) loadPartition(p int, add func(*spilledRecord)) error {
	srcs := append([]int{p}, s.movedFrom[p]...)
	curs := make([]*blockCursor, 0, len(srcs))
	for _, q := range srcs {
		c := &blockCursor{s: s, part: p, blocks: s.in.parts[q].blocks}
		if err := c.advance(); err != nil {
			return err
		}
		if c.ok {
			curs = append(curs, c)
		}
	}
	var r spilledRecord
	for len(curs) > 0 {
		m := 0
		for i, c := range curs {
			if c.ord < curs[m].ord {
				m = i
			}
		}
		c := curs[m]
		if err := s.codec.readRecord(c.payload, &r); err != nil {
			return fmt.Errorf("spill: partition %d: record %d: %w", p, c.ord, err)
		}
		add(&r)
		if err := c.advance(); err != nil {
			return err
		}
		if !c.ok {
			curs = slices.Delete(curs, m, m+1)
		}
	}
	return nil
}

// blockCursor walks the records of one partition's blocks that belong to
// partition part.
type blockCursor struct {
	s       *spillRun
	part    int
	blocks  []section
	d       dec[string]
	ok      bool
	payload string
	ord     uint64
}

func (c *blockCursor) advance() error {
	for {
		if c.d.i >= len(c.d.s) {
			if len(c.blocks) == 0 {
				c.ok = false
				return nil
			}
			b, err := c.s.in.block(c.blocks[0])
			if err != nil {
				return err
			}
			c.blocks = c.blocks[1:]
			c.d = dec[string]{s: b}
			continue
		}
		payload := c.d.raw()
		ord, h, err := recordHead(payload)
		if err == nil {
			err = c.d.err
		}
		if err != nil {
			return fmt.Errorf("spill: partition %d: %w", c.part, err)
		}
		if !c.s.ranged && c.s.partOf(h) != c.part {
			continue
		}
		c.payload, c.ord, c.ok = payload, ord, true
		return nil
	}
}

// opSpill is what plan.jsonl needs of an operation: where the merge packs
// it is found again from its phase and size.
type opSpill struct {
	phase                int
	size                 int
	method, path, bulkID string
	seq, idx             int   // by ranges: its request within the phase, and its place in it
	next                 int32 // the change set's next operation in setOps.all (-1: none)
}

// setOps lists the operations of each change set of a partition, in plan
// order, in one array (a slice per change set cost an allocation each).
type setOps struct {
	all        []opSpill
	head, tail []int32 // each change set's first and last operation (-1: none)
	n          []int32 // each change set's operations
}

// reset empties so for sets change sets and about ops operations,
// keeping its arrays: the spill of each partition reuses one.
func (so *setOps) reset(sets, ops int) *setOps {
	clear(so.all) // let go of the last partition's strings
	so.all = slices.Grow(so.all[:0], ops)
	so.head = resize(so.head, sets)
	so.tail = resize(so.tail, sets)
	so.n = resize(so.n, sets)
	for k := range so.head {
		so.head[k], so.tail[k], so.n[k] = -1, -1, 0
	}
	return so
}

// resize is s with length n, its array reused when large enough.
func resize(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}

// add appends an operation of change set k; the pointer is good until
// the next add.
func (so *setOps) add(k int, o opSpill) *opSpill {
	i := int32(len(so.all))
	o.next = -1
	so.all = append(so.all, o)
	if so.tail[k] >= 0 {
		so.all[so.tail[k]].next = i
	} else {
		so.head[k] = i
	}
	so.tail[k] = i
	so.n[k]++
	return &so.all[i]
}

// findingHead is how every finding's JSON in report.json begins, with the
// request and operation 0; the merge writes their numbers in.
const findingHead = `{"request":0,"operation":0,`

// spillPartition writes the outputs of settled partition p: its
// operations per phase (by ranges, into the bulk files: direct),
// its change sets and its record results, each with its place in the run
// (keys: the ordinal of each change set's first record; ords: of each
// record).
func (s *spillRun) spillPartition(p int, st *settled, keys, ords []uint64, elsewhere func(string) bool) error {
	ps := &s.state[p]
	sets, pl, records := st.sets, st.plan, st.records
	rest := attachWarningsAt(records, pl.Warnings)
	for _, r := range records {
		for _, m := range r.Messages {
			if m.Row != "" {
				s.namedRows[m.Row] = true
			}
		}
	}
	ps.count = count(records)
	ps.count.LeftOut = leftOut(sets)
	ps.stats = plan.Stats{UsersCreated: pl.Stats.UsersCreated, UsersUpdated: pl.Stats.UsersUpdated,
		Renames: pl.Stats.Renames, Operations: pl.Stats.Operations}
	ps.findings = len(st.findings)
	ps.notices = len(rest)
	if s.setOf == nil {
		s.setOf = make(map[string]int, len(sets))
	}
	setOf := s.setOf
	clear(setOf)
	for i, cs := range sets {
		setOf[cs.EmployeeID] = i
	}
	for i, cs := range sets {
		if cs.Rename != nil && cs.Rename.From != "" {
			if _, taken := setOf[cs.Rename.From]; !taken {
				setOf[cs.Rename.From] = i
			}
		}
	}
	// Operations, phase by phase (the plan's requests are in phase order),
	// with their findings (in plan order too).
	nops := 0
	for _, req := range pl.Requests {
		nops += len(req.Operations)
	}
	opsOf := s.opsOf.reset(len(sets), nops)
	var head, buf, js, tail []byte
	var f OpFinding
	fi := 0
	if s.direct != nil {
		s.direct.begin(p)
		s.planOut.begin(p)
	}
	for phase := range ps.ops {
		start := s.out.off
		for ri, req := range pl.Requests {
			if req.Phase != phase {
				continue
			}
			for oi, op := range req.Operations {
				k, ok := setOf[op.Employee]
				if !ok {
					return fmt.Errorf("convert: operation %d of request %d is about employee %s, who has no change set", oi, ri+1, op.Employee)
				}
				o := opsOf.add(k, opSpill{phase: phase, size: op.Size(), method: op.Method, path: op.Path, bulkID: op.BulkID})
				// The entry is the key, the operation and its findings:
				// the operation, the bulk of it, is written from where
				// it was encoded, not copied into buf first.
				enc := op.Encoded()
				buf = buf[:0]
				first, n := fi, fi
				for n < len(st.findings) && st.findings[n].Request == ri+1 && st.findings[n].Operation == oi {
					n++
				}
				buf = binary.AppendUvarint(buf, uint64(n-fi))
				for ; fi < n; fi++ {
					f = st.findings[fi]
					isErr := f.Finding.IsError()
					if isErr {
						ps.errs = append(ps.errs, f)
					}
					f.Request, f.Operation = 0, 0
					var err error
					if js, err = reportEntry(&f); err != nil {
						return err
					}
					if !bytes.HasPrefix(js, []byte(findingHead)) {
						return fmt.Errorf("convert: a finding's JSON does not begin as expected: %.60q", js)
					}
					buf = appendBool(buf, isErr)
					buf = appendBytes(buf, js[len(findingHead):])
				}
				var err error
				if s.direct != nil {
					o.seq, o.idx, err = s.direct[phase].add(p, enc, n-first, buf)
				} else {
					head = binary.AppendUvarint(head[:0], keys[k])
					head = binary.AppendUvarint(head, uint64(len(enc)))
					err = s.out.entry(head, enc, buf)
				}
				if err != nil {
					return err
				}
			}
		}
		ps.ops[phase] = section{start, s.out.off - start}
	}
	if fi != len(st.findings) {
		return fmt.Errorf("convert: %d findings on no operation of the plan", len(st.findings)-fi)
	}
	if s.direct != nil {
		// The operations were added from where the plan encoded them,
		// which goes back after this spill (plan.Release).
		if err := s.direct.flush(); err != nil {
			return err
		}
	}
	// Change sets, with what submit resolves by lookup and the plan
	// warnings no record holds.
	notices := make([][]int, len(sets))
	for _, w := range rest {
		k := pl.WarningSets[w]
		notices[k] = append(notices[k], w)
	}
	var at []AtSubmit
	inRun := func(emp string) bool {
		k, ok := setOf[emp]
		return (ok && sets[k].EmployeeID == emp) || elsewhere(emp)
	}
	start := s.out.off
	var refs []lineage.OpRef
	var name string
	nameSeq := -1
	for k, cs := range sets {
		buf = binary.AppendUvarint(buf[:0], keys[k])
		js = s.lines.Append(js[:0], cs)
		if s.planOut != nil { // the line goes to the plan, not the spill
			refs = refs[:0]
			for i := opsOf.head[k]; i >= 0; i = opsOf.all[i].next {
				o := &opsOf.all[i]
				if o.seq != nameSeq { // a request's operations are many
					name, nameSeq = BulkFileName(o.seq), o.seq
				}
				refs = append(refs, lineage.OpRef{Bulk: name, Index: o.idx, Phase: o.phase,
					Method: o.method, Path: o.path, BulkID: o.bulkID})
			}
			tail = lineage.AppendOps(tail[:0], cs.EmployeeID, refs, [lineage.Phases]int{})
			if err := s.planOut.line(s.lines.Dictionary(), js, tail); err != nil {
				return err
			}
			js = js[:0]
		}
		buf = appendBytes(buf, js)
		buf = appendString(buf, cs.EmployeeID)
		buf = binary.AppendUvarint(buf, uint64(opsOf.n[k]))
		for i := opsOf.head[k]; i >= 0; i = opsOf.all[i].next {
			o := &opsOf.all[i]
			buf = append(buf, byte(o.phase))
			buf = binary.AppendUvarint(buf, uint64(o.size))
			buf = appendString(buf, o.method)
			buf = appendString(buf, o.path)
			buf = appendString(buf, o.bulkID)
		}
		at = at[:0]
		if s.opts.Directory == nil {
			at = appendAtSubmit(at, cs, inRun)
		}
		buf = binary.AppendUvarint(buf, uint64(len(at)))
		for i := range at {
			if at[i].Kind != "update" {
				ps.atRefs++
			}
			b, err := reportEntry(&at[i])
			if err != nil {
				return err
			}
			buf = appendBytes(buf, b)
		}
		ps.count.AtSubmit += len(at)
		buf = binary.AppendUvarint(buf, uint64(len(notices[k])))
		for _, w := range notices[k] {
			b, err := reportEntry(&pl.Warnings[w])
			if err != nil {
				return err
			}
			buf = appendBytes(buf, b)
		}
		if err := s.out.entry(buf); err != nil {
			return err
		}
		ps.ids = append(ps.ids, s.hash(cs.EmployeeID))
	}
	ps.sets = section{start, s.out.off - start}
	slices.Sort(ps.ids)
	// Record results, in the order report.json lists them.
	rks := make([]recKey, len(records))
	idx := make([]int, len(records))
	for i := range records {
		rks[i] = recKey{file: s.order[records[i].Pos.File], line: records[i].Pos.Line, ord: ords[i]}
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return s.cmpRec(rks[a], rks[b]) })
	start = s.out.off
	var kinds kindMemo
	for _, i := range idx {
		buf = appendRecordResult(buf[:0], rks[i], &records[i], &kinds)
		if err := s.out.entry(buf); err != nil {
			return err
		}
	}
	ps.recs = section{start, s.out.off - start}
	return nil
}

// recKey is the place of a record result in report.json: by ordinal, or,
// when the reader rejected records, as mergeResults orders them: by input,
// line, the mapped records before the reader's, then ordinal.
type recKey struct {
	file, line int
	reader     bool
	ord        uint64
}

func (s *spillRun) cmpRec(a, b recKey) int {
	if s.anyRejects {
		switch {
		case a.file != b.file:
			return a.file - b.file
		case a.line != b.line:
			return a.line - b.line
		case a.reader != b.reader:
			if b.reader {
				return -1
			}
			return 1
		}
	}
	return cmpU64(a.ord, b.ord)
}

// appendRecordResult appends the payload of a record result: its place,
// status, warnings (kind and field, for WarningKinds) and JSON.
func appendRecordResult(dst []byte, k recKey, r *model.RecordResult, kinds *kindMemo) []byte {
	dst = binary.AppendUvarint(dst, uint64(k.file))
	dst = binary.AppendUvarint(dst, uint64(max(k.line, 0)))
	dst = appendBool(dst, k.reader)
	dst = binary.AppendUvarint(dst, k.ord)
	dst = appendString(dst, string(r.Status))
	n := 0
	for _, m := range r.Messages {
		if m.Severity == model.SevWarning {
			n++
		}
	}
	dst = binary.AppendUvarint(dst, uint64(n))
	for _, m := range r.Messages {
		if m.Severity == model.SevWarning {
			dst = binary.AppendUvarint(dst, uint64(kinds.index(m.Message)))
			dst = appendString(dst, warningField(m))
		}
	}
	return appendInPlace(dst, func(b []byte) []byte { return appendRecordJSON(b, r) })
}

// subset reports whether every hash of sorted a is in sorted b.
func subset(a, b []uint64) bool {
	j := 0
	for _, h := range a {
		for j < len(b) && b[j] < h {
			j++
		}
		if j == len(b) || b[j] != h {
			return false
		}
	}
	return true
}

// outside returns the hashes of sorted a that sorted b does not hold.
func outside(a, b []uint64) []uint64 {
	var out []uint64
	j := 0
	for _, h := range a {
		for j < len(b) && b[j] < h {
			j++
		}
		if j == len(b) || b[j] != h {
			out = append(out, h)
		}
	}
	return out
}
