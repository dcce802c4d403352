package pipeline

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/upsmigrate/upsmigrate/internal/asyncw"
	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// mergeBuf is the read buffer of a stream read alone.
const mergeBuf = 32 << 10

// mergeBufs bounds the read buffers of one merge's streams together: two
// merges run at once, over as many streams as partitions.
const mergeBufs = 6 << 20

// mergeBufOf is the read buffer of each of n streams merged.
func mergeBufOf(n int) int {
	return min(mergeBuf, max(4<<10, mergeBufs/max(n, 1)))
}

// stream is one section of spilled entries in a k-way merge: its current
// entry, read past its key.
type stream struct {
	r    *entryReader
	part int
	d    dec[[]byte]
	key  uint64 // operations and change sets: the ordinal of the change set's first record
	rk   recKey // record results
}

// load reads the next entry; false at the end of the section.
func (st *stream) load(records bool) (bool, error) {
	p, err := st.r.next()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	st.d = dec[[]byte]{s: p}
	if records {
		st.rk = recKey{file: st.d.int(), line: st.d.int(), reader: st.d.bool(), ord: st.d.uvarint()}
	} else {
		st.key = st.d.uvarint()
	}
	if st.d.err != nil {
		return false, st.r.fail(st.d.err)
	}
	return true, nil
}

// end checks that the current entry was read to its end.
func (st *stream) end() error {
	if err := st.d.done(); err != nil {
		return st.r.fail(err)
	}
	return nil
}

// merge is a heap of streams, the one whose entry comes first on top. Its
// own sift (not container/heap, whose Less and Swap are interface calls):
// the record results of a mixed run of 200k employees are 670k entries
// over 256 streams, merged after everything else.
type merge struct {
	s       []*stream
	less    func(a, b *stream) bool
	records bool
}

// down moves the stream at i down to its place.
func (m *merge) down(i int) {
	s, n := m.s, len(m.s)
	for {
		c := 2*i + 1
		if c >= n {
			return
		}
		if r := c + 1; r < n && m.less(s[r], s[c]) {
			c = r
		}
		if !m.less(s[c], s[i]) {
			return
		}
		s[i], s[c] = s[c], s[i]
		i = c
	}
}

// up moves the stream at i up to its place.
func (m *merge) up(i int) {
	s := m.s
	for i > 0 {
		p := (i - 1) / 2
		if !m.less(s[i], s[p]) {
			return
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (m *merge) init() {
	for i := len(m.s)/2 - 1; i >= 0; i-- {
		m.down(i)
	}
}

func (m *merge) push(st *stream) {
	m.s = append(m.s, st)
	m.up(len(m.s) - 1)
}

// popTop removes the stream on top.
func (m *merge) popTop() {
	n := len(m.s) - 1
	m.s[0] = m.s[n]
	m.s[n] = nil
	m.s = m.s[:n]
	if n > 0 {
		m.down(0)
	}
}

// newMerge starts a merge of the sections of sec that are not empty; a
// merge that consumes them frees them as it reads (they must not be read
// again).
func newMerge(w *entryWriter, secs []section, records, consume bool, less func(a, b *stream) bool) (*merge, error) {
	m := &merge{less: less, records: records}
	for q, sec := range secs {
		if sec.n == 0 {
			continue
		}
		r := w.reader
		if consume {
			r = w.consumer
		}
		st := &stream{r: r(sec, mergeBufOf(len(secs))), part: q}
		ok, err := st.load(records)
		if err != nil {
			return nil, err
		}
		if ok {
			m.s = append(m.s, st)
		}
	}
	m.init()
	return m, nil
}

// each calls visit with the streams' entries in order, each stream
// positioned on its entry.
func (m *merge) each(visit func(st *stream) error) error {
	for len(m.s) > 0 {
		st := m.s[0]
		if err := visit(st); err != nil {
			return err
		}
		if err := st.end(); err != nil {
			return err
		}
		ok, err := st.load(m.records)
		if err != nil {
			return err
		}
		if ok {
			m.down(0)
		} else {
			m.popTop()
		}
	}
	return nil
}

func byKey(a, b *stream) bool { return a.key < b.key }

// arrayWriter writes the elements of a JSON array of report.json (already
// indented for it) to a temporary file, to be copied in place later.
type arrayWriter struct {
	w *entryWriter
	n int
}

func (a *arrayWriter) add(parts ...[]byte) error {
	if a.n > 0 {
		if err := a.w.write([]byte(entrySep)); err != nil {
			return err
		}
	}
	a.n++
	for _, p := range parts {
		if err := a.w.write(p); err != nil {
			return err
		}
	}
	return nil
}

// errAborted ends a writer whose run failed elsewhere; that failure is
// the one reported.
var errAborted = errors.New("aborted: the run failed")

// write writes the outputs into dir (the merge pass), removing those of
// an earlier run first, and what it wrote when it fails.
func (s *spillRun) write(dir string) (o *Outcome, err error) {
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, err
	}
	if err := removeOutputs(dir); err != nil {
		return nil, err
	}
	removeStaleSpills(dir, s.tmp)
	defer func() {
		if err != nil {
			removeOutputs(dir)
		}
	}()
	o = s.outcome()
	arrays := [3]*arrayWriter{}
	for i, name := range []string{"findings", "warnings", "atsubmit"} {
		w, err := newEntryWriter(s.tmp, name)
		if err != nil {
			return nil, err
		}
		defer w.close()
		arrays[i] = &arrayWriter{w: w}
	}
	// The bulk files and plan.jsonl are written at once, each by its own
	// merge: the plan needs only how many requests each phase packs, which
	// a pass over the operations' sizes tells before either starts. By
	// ranges, the requests are written already: they are moved into place.
	var base [3]int
	var total int
	var files *ahead
	if s.direct != nil {
		base, total = s.direct.bases()
	} else {
		if base, total, err = s.phaseBases(); err != nil {
			return nil, err
		}
		files = createAhead(dir, seqRange{1, total})
		defer files.stop()
	}
	planDone := make(chan error, 1)
	go func() {
		planDone <- s.writePlan(filepath.Join(dir, "plan.jsonl"), bufio.NewWriterSize(nil, 256<<10), o, base, total, arrays[1], arrays[2])
	}()
	// report.json's records stream meanwhile, once the plan's figures in
	// its head are final: only the arrays after them wait for the bulk
	// files' findings and the plan's warnings.
	arraysReady := make(chan bool, 1)
	var reportDone chan error
	startReport := func() {
		reportDone = make(chan error, 1)
		go func(o *Outcome) {
			reportDone <- s.writeReport(filepath.Join(dir, reportTemp), o, arrays, arraysReady)
		}(o)
	}
	ready := false
	defer func() {
		if !ready && reportDone != nil {
			arraysReady <- false
			<-reportDone
		}
	}()
	if s.direct != nil { // by ranges the bulk files are counted already
		s.countDirect(o.Plan)
		startReport()
		err = s.placeDirect(dir, o, arrays[0])
	} else {
		err = s.writeBulk(files, bufio.NewWriterSize(nil, 256<<10), o, arrays[0])
		if err == nil {
			startReport()
		}
	}
	if perr := <-planDone; err == nil {
		err = perr
	}
	if err != nil {
		return nil, err
	}
	if b := o.Plan.RequestsPerPhase; base[1] != b[0] || base[2] != b[0]+b[1] || total != o.Plan.Requests {
		return nil, fmt.Errorf("spill: the plan counted %v requests before each phase, the bulk files %v: %w", base, b, errCorrupt)
	}
	s.progress(int64(o.Plan.Requests), int64(o.Plan.Requests)+2)
	if interrupted(s.opts.Context) {
		return nil, ErrInterrupted
	}
	s.progress(int64(o.Plan.Requests)+1, int64(o.Plan.Requests)+2)
	for _, a := range arrays {
		if err := a.w.flush(); err != nil {
			return nil, err
		}
	}
	if interrupted(s.opts.Context) {
		return nil, ErrInterrupted
	}
	ready = true
	arraysReady <- true
	if err := <-reportDone; err != nil {
		return nil, err
	}
	if err := os.Rename(filepath.Join(dir, reportTemp), filepath.Join(dir, "report.json")); err != nil {
		return nil, err
	}
	s.progress(int64(o.Plan.Requests)+2, int64(o.Plan.Requests)+2)
	return o, nil
}

func (s *spillRun) progress(done, total int64) {
	if s.opts.Progress != nil {
		s.opts.Progress(Progress{Stage: StageWrite, Done: done, Total: total})
	}
}

// outcome sums the partitions' counts; the merge completes it.
func (s *spillRun) outcome() *Outcome {
	o := &Outcome{Plan: &plan.Stats{}, Refused: s.tally.Refused()}
	for i, fs := range s.files {
		fs.Warnings = append(append(fs.Warnings, s.tally.DateHints(fs.Path)...), s.notes[i]...)
		o.Files = append(o.Files, fs)
	}
	t := &o.Totals
	for i := range s.state {
		ps := &s.state[i]
		c := &ps.count
		t.Records += c.Records
		t.Converted += c.Converted
		t.Skipped += c.Skipped
		t.Rejected += c.Rejected
		t.Warnings += c.Warnings
		t.AtSubmit += c.AtSubmit
		for ext, n := range c.LeftOut {
			if t.LeftOut == nil {
				t.LeftOut = map[string]int{}
			}
			t.LeftOut[ext] += n
		}
		o.Plan.UsersCreated += ps.stats.UsersCreated
		o.Plan.UsersUpdated += ps.stats.UsersUpdated
		o.Plan.Renames += ps.stats.Renames
		for ph, n := range ps.stats.Operations {
			o.Plan.Operations[ph] += n
		}
		o.Findings += ps.findings
		o.NumWarnings += ps.notices
		o.AtSubmitRefs += ps.atRefs
	}
	t.Records += s.nrejects
	t.Rejected += s.nrejects
	return o
}

// writeBulk merges the partitions' operations phase by phase in
// change-set order and packs them into the bulk files as plan.Build packs
// its requests. The findings go to findings with their request and
// operation; the error findings to o.SchemaErrors too.
func (s *spillRun) writeBulk(files *ahead, bw *bufio.Writer, o *Outcome, findings *arrayWriter) (err error) {
	pk := plan.NewPacker(s.opts.Options)
	stats := o.Plan
	var f *os.File
	var path string
	var scratch []byte
	// closeReq ends the open request, of size bytes.
	closeReq := func(size int) error {
		if f == nil {
			return nil
		}
		_, err := bw.Write(pk.AppendTail(scratch[:0]))
		if err == nil {
			err = bw.Flush()
		}
		if err == nil {
			s.drop.Finished(f)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		f = nil
		stats.Bytes += int64(size)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if interrupted(s.opts.Context) {
			return ErrInterrupted
		}
		return nil
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	errAt := make([]int, s.parts)
	secs := make([]section, s.parts)
	for phase := range 3 {
		for q := range s.state {
			secs[q] = s.state[q].ops[phase]
		}
		m, err := newMerge(s.out, secs, false, true, byKey)
		if err != nil {
			return err
		}
		err = m.each(func(st *stream) error {
			enc := st.d.raw()
			size := pk.Size()
			seq, idx := pk.Add(phase, len(enc))
			if idx == 0 {
				if err := closeReq(size); err != nil {
					return err
				}
				s.progress(int64(seq-1), 0)
				var err error
				if f, path, err = files.next(seq); err != nil {
					return err
				}
				bw.Reset(f)
				bw.Write(pk.AppendHead(scratch[:0]))
				stats.Requests++
				stats.RequestsPerPhase[phase]++
			}
			scratch = pk.AppendOp(scratch[:0], idx, nil)
			bw.Write(scratch)
			if _, err := bw.Write(enc); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			for n := st.d.count(); n > 0; n-- {
				isErr, rest := st.d.bool(), st.d.raw()
				head := append(scratch[:0], `{"request":`...)
				head = strconv.AppendInt(head, int64(seq), 10)
				head = append(head, `,"operation":`...)
				head = strconv.AppendInt(head, int64(idx), 10)
				head = append(head, ',')
				if err := findings.add(head, rest); err != nil {
					return err
				}
				if isErr {
					ps := &s.state[st.part]
					if errAt[st.part] >= len(ps.errs) {
						return st.r.fail(errCorrupt)
					}
					e := ps.errs[errAt[st.part]]
					errAt[st.part]++
					e.Request, e.Operation = seq, idx
					o.SchemaErrors = append(o.SchemaErrors, e)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return closeReq(pk.Size())
}

// setsMerge merges the partitions' change sets in change-set order;
// consume frees them as it goes (for their last reader, writePlan).
func (s *spillRun) setsMerge(consume bool) (*merge, error) {
	secs := make([]section, s.parts)
	for q := range s.state {
		secs[q] = s.state[q].sets
	}
	return newMerge(s.out, secs, false, consume, byKey)
}

// phaseBases packs the operations' sizes as writeBulk packs the
// operations, in change-set order phase by phase, and returns the number
// of requests before each phase, and in all.
func (s *spillRun) phaseBases() (base [3]int, total int, err error) {
	var pks [3]*plan.Packer
	for ph := range pks {
		pks[ph] = plan.NewPacker(s.opts.Options)
	}
	m, err := s.setsMerge(false)
	if err != nil {
		return base, 0, err
	}
	err = m.each(func(st *stream) error {
		d := &st.d
		d.raw()
		d.raw()
		for n := d.count(); n > 0; n-- {
			ph := int(d.byte())
			size := d.int()
			d.raw()
			d.raw()
			d.raw()
			if ph >= len(pks) {
				return st.r.fail(errCorrupt)
			}
			pks[ph].Add(ph, size)
		}
		for k := 0; k < 2; k++ { // the at-submit entries and the warnings
			for n := d.count(); n > 0; n-- {
				d.raw()
			}
		}
		return nil
	})
	base[1] = pks[0].Requests()
	base[2] = base[1] + pks[1].Requests()
	return base, base[2] + pks[2].Requests(), err
}

// writePlan merges the partitions' change sets into plan.jsonl, each with
// the operations it became: where the merge of the operations packed them
// is found again by packing their sizes, phase by phase, in the same
// order. What submit resolves by lookup and the plan warnings no record
// holds go to atSubmit and warnings.
func (s *spillRun) writePlan(path string, bw *bufio.Writer, o *Outcome, base [3]int, total int, warnings, atSubmit *arrayWriter) error {
	requests := [lineage.Phases]int{base[1] - base[0], base[2] - base[1], total - base[2]}
	var f *os.File
	if s.planOut != nil { // by ranges the lines are written: the header is all they lack
		if err := s.planOut.place(filepath.Dir(path), requests); err != nil {
			return err
		}
		bw.Reset(io.Discard)
	} else {
		var err error
		if f, err = createOutput(path); err != nil {
			return err
		}
		defer f.Close()
		bw.Reset(s.drop.Writer(f))
		bw.Write(lineage.AppendHeader(nil, requests))
		bw.Write(s.lines.Dictionary())
	}
	var pks [3]*plan.Packer
	for ph := range pks {
		pks[ph] = plan.NewPacker(s.opts.Options)
	}
	m, err := s.setsMerge(true)
	if err != nil {
		return err
	}
	// The lines were rendered by the partitions, with the dictionary they
	// share: it comes first, then each line with where its operations
	// landed (by ranges, the spill holds what follows the lines only).
	var refs []OpRef
	var tail []byte
	err = m.each(func(st *stream) error {
		d := &st.d
		head := d.raw() // valid until the stream moves on
		emp := d.str()
		refs = refs[:0]
		for n := d.count(); n > 0; n-- {
			ph := int(d.byte())
			size := d.int()
			method, opPath, bulkID := d.str(), d.str(), d.str()
			if ph >= len(pks) {
				return st.r.fail(errCorrupt)
			}
			seq, idx := pks[ph].Add(ph, size)
			if s.planOut == nil { // by ranges the lines hold their operations already
				refs = append(refs, OpRef{Bulk: BulkFileName(base[ph] + seq), Index: idx, Phase: ph,
					Method: method, Path: opPath, BulkID: bulkID})
			}
		}
		if d.err == nil && s.planOut == nil {
			tail = lineage.AppendOps(tail[:0], emp, refs, base)
			bw.Write(head)
			if _, err := bw.Write(tail); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		for n := d.count(); n > 0; n-- {
			if err := atSubmit.add(d.raw()); err != nil {
				return err
			}
		}
		for n := d.count(); n > 0; n-- {
			js := d.raw()
			if err := warnings.add(js); err != nil {
				return err
			}
			if len(o.Warnings) < MaxShown {
				var w model.Diagnostic
				if err := json.Unmarshal(js, &w); err != nil {
					return st.r.fail(err)
				}
				o.Warnings = append(o.Warnings, w)
			}
		}
		return nil
	})
	if err == nil {
		err = bw.Flush()
	}
	if f != nil {
		if err == nil {
			s.drop.Finished(f)
		}
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("%s: %w", path, cerr)
		}
	}
	if err == nil {
		ends := [3]int{base[1], base[2], total}
		for ph, pk := range pks {
			if n := ends[ph] - base[ph]; pk.Requests() != n {
				return fmt.Errorf("spill: the plan packs %d requests in phase %d, the bulk files %d: %w", pk.Requests(), ph, n, errCorrupt)
			}
		}
	}
	return err
}

// writeReport writes report.json as writeReport does, streaming the
// records (merged from the partitions and the reader's rejections) and
// copying the arrays in place once ready says they are complete (false:
// the run failed, and it stops).
// report.json is written through an asyncw.Writer: the merge of the
// records is the last work of the run, when little else runs, and the
// write system calls (report.json is 100 MB at 200k employees, a warning
// on every record) take as long as the merge itself.
func (s *spillRun) writeReport(path string, o *Outcome, arrays [3]*arrayWriter, ready <-chan bool) error {
	res := &Result{Files: o.Files, Totals: o.Totals, Plan: &plan.Plan{Stats: *o.Plan}, options: recordedOptions(s.opts), mapping: s.set, namedRows: s.namedRows,
		hashes: s.hashes}
	head, i, err := reportHead(res.Report())
	if err != nil {
		return err
	}
	f, err := createOutput(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := asyncw.New(s.drop.Writer(f), 256<<10)
	defer bw.Close()
	bw.Write(head[:i])
	secs := make([]section, s.parts+1)
	for q := range s.state {
		secs[q] = s.state[q].recs
	}
	secs[s.parts] = section{0, s.rejs.off}
	m, err := newMerge(s.out, secs[:s.parts], true, true, func(a, b *stream) bool { return s.cmpRec(a.rk, b.rk) < 0 })
	if err != nil {
		return err
	}
	if secs[s.parts].n > 0 { // the reader's rejections: a stream of their own
		st := &stream{r: s.rejs.consumer(secs[s.parts], mergeBuf), part: s.parts}
		ok, err := st.load(true)
		if err != nil {
			return err
		}
		if ok {
			m.push(st)
		}
	}
	var kinds kindCounter
	n := 0
	err = m.each(func(st *stream) error {
		d := &st.d
		rejected := string(d.raw()) == string(model.StatusRejected)
		for k := d.count(); k > 0; k-- {
			kinds.addName(kindName(d.int()), d.raw())
		}
		js := d.raw()
		sep := entrySep
		if n == 0 {
			sep = arrayStart
		}
		n++
		bw.WriteString(sep)
		if _, err := bw.Write(js); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		if rejected && len(o.Rejected) < MaxShown {
			var r model.RecordResult
			if err := json.Unmarshal(js, &r); err != nil {
				return st.r.fail(err)
			}
			o.Rejected = append(o.Rejected, r)
		}
		return nil
	})
	if err != nil {
		return err
	}
	o.Kinds = kinds.kinds()
	if !<-ready {
		return errAborted
	}
	if n == 0 {
		bw.WriteString("[]")
	} else {
		bw.WriteString(arrayEnd)
	}
	for k, a := range arrays {
		if a.n == 0 {
			continue
		}
		bw.WriteString(arrayHeads[k])
		if _, err := io.Copy(bw, newConsumer(a.w.f, section{0, a.w.off})); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		bw.WriteString(arrayEnd)
	}
	bw.Write(head[i+len("null"):])
	bw.WriteString("\n")
	if err := bw.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s.drop.Finished(f)
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
