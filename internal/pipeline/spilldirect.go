package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/upsmigrate/upsmigrate/internal/dropbehind"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// directPhases writes the operations of a run by ranges (spillrange.go)
// straight into bulk files, one directWriter per phase: partitions come in
// change-set order, so the requests are those the merge of a run by hash
// packs. The merge moves them into place, phase by phase (place).
type directPhases [3]*directWriter

func newDirectPhases(tmp string, opts plan.Options, drop *dropbehind.Dropper) (*directPhases, error) {
	var d directPhases
	for ph := range d {
		var err error
		if d[ph], err = newDirectWriter(tmp, ph, opts, drop); err != nil {
			d.close()
			return nil, err
		}
	}
	return &d, nil
}

// begin marks where partition p's operations begin.
func (d *directPhases) begin(p int) {
	for _, w := range d {
		w.begin(p)
	}
}

// flush writes what every phase holds of the open requests: the
// operations a partition added, before its plan's memory goes back.
func (d *directPhases) flush() error {
	for _, w := range d {
		if err := w.flush(); err != nil {
			return err
		}
	}
	return nil
}

// truncate takes every phase back to where partition p began.
func (d *directPhases) truncate(p int) error {
	for _, w := range d {
		if err := w.truncate(p); err != nil {
			return err
		}
	}
	return nil
}

// finish ends every phase's last request.
func (d *directPhases) finish() error {
	for _, w := range d {
		if err := w.finish(); err != nil {
			return err
		}
	}
	return nil
}

// bases are the requests before each phase, and in all.
func (d *directPhases) bases() (base [3]int, total int) {
	for ph, w := range d {
		base[ph] = total
		total += w.requests()
	}
	return base, total
}

// countDirect counts every phase's requests into stats: they are known
// before they are placed.
func (s *spillRun) countDirect(stats *plan.Stats) {
	for ph, w := range s.direct {
		n := w.requests()
		stats.Requests += n
		stats.RequestsPerPhase[ph] += n
		stats.Bytes += w.bytes
	}
}

// placeDirect moves every phase's requests into dir, in order, with their
// findings (see directWriter.place).
func (s *spillRun) placeDirect(dir string, o *Outcome, findings *arrayWriter) error {
	errAt := make([]int, s.parts)
	base := 0
	for _, w := range s.direct {
		if err := w.place(dir, base, findings, s.state, errAt, o); err != nil {
			return err
		}
		base += w.requests()
		s.progress(int64(base), 0)
		if interrupted(s.opts.Context) {
			return ErrInterrupted
		}
	}
	return nil
}

func (d *directPhases) close() error {
	if d == nil {
		return nil
	}
	var first error
	for _, w := range d {
		if err := w.close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// directWriter writes the operations of one phase of a run by ranges
// into bulk files, packed as the merge packs them, partition after
// partition in order, numbered from 1 in a folder of the spill. A
// partition that runs again (a later round) first takes the writer back
// to where the partition began (truncate): what it and the partitions
// after it wrote goes, and they run again too.
type directWriter struct {
	dir   string // of the files, in the spill's folder
	phase int
	pk    *plan.Packer
	files *ahead   // created at the first request
	f     *os.File // the open request's
	path  string
	vw    *vecWriter // the open request's pieces, its operations where the plan encoded them
	off   int64      // bytes written to f, pending included
	bytes int64      // of the requests closed
	// find holds the findings of its operations: partition, request,
	// operation, then the findings as the spill holds them.
	find    *entryWriter
	marks   []directMark // by partition: the writer before its operations
	scratch []byte
	drop    *dropbehind.Dropper // takes each request once written
}

type directMark struct {
	pk    plan.Packer
	off   int64
	bytes int64
	find  int64
}

func newDirectWriter(tmp string, phase int, opts plan.Options, drop *dropbehind.Dropper) (*directWriter, error) {
	dir := filepath.Join(tmp, fmt.Sprintf("direct-%d", phase))
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	find, err := newEntryWriter(tmp, fmt.Sprintf("direct-%d-findings", phase))
	if err != nil {
		return nil, err
	}
	return &directWriter{dir: dir, phase: phase, pk: plan.NewPacker(opts), vw: newVecWriter(), find: find, drop: drop}, nil
}

// begin marks where partition p's operations begin.
func (d *directWriter) begin(p int) {
	for len(d.marks) <= p {
		d.marks = append(d.marks, directMark{})
	}
	d.marks[p] = directMark{pk: *d.pk, off: d.off, bytes: d.bytes, find: d.find.off}
}

// write writes a copy of b.
func (d *directWriter) write(b []byte) error {
	d.off += int64(len(b))
	if err := d.vw.addCopy(b); err != nil {
		return fmt.Errorf("%s: %w", d.path, err)
	}
	return nil
}

// flush writes what is pending: a partition's spill calls it before the
// operations it added go back to the plan's memory (plan.Release).
func (d *directWriter) flush() error {
	if d.f == nil {
		return nil
	}
	if err := d.vw.flush(); err != nil {
		return fmt.Errorf("%s: %w", d.path, err)
	}
	return nil
}

// add writes operation enc of partition p; findings are its n findings
// as the spill holds them (their count first). It returns the request the
// operation is in, numbered within the phase, and its place in it.
func (d *directWriter) add(p int, enc []byte, n int, findings []byte) (seq, idx int, err error) {
	size := d.pk.Size()
	seq, idx = d.pk.Add(d.phase, len(enc))
	if idx == 0 {
		if err := d.closeReq(size); err != nil {
			return 0, 0, err
		}
		if d.files == nil {
			d.files = createAhead(d.dir, seqRange{seq, noEnd})
		}
		f, path, err := d.files.next(seq)
		if err != nil {
			return 0, 0, err
		}
		d.f, d.path, d.off = f, path, 0
		d.vw.reset(f)
		if err := d.write(d.pk.AppendHead(d.scratch[:0])); err != nil {
			return 0, 0, err
		}
	}
	if err := d.write(d.pk.AppendOp(d.scratch[:0], idx, nil)); err != nil {
		return 0, 0, err
	}
	d.vw.add(enc) // written from where it was encoded, by the next flush
	d.off += int64(len(enc))
	if n == 0 {
		return seq, idx, nil
	}
	head := binary.AppendUvarint(d.scratch[:0], uint64(p))
	head = binary.AppendUvarint(head, uint64(seq))
	head = binary.AppendUvarint(head, uint64(idx))
	return seq, idx, d.find.entry(head, findings)
}

// closeReq ends the open request, of size bytes.
func (d *directWriter) closeReq(size int) error {
	if d.f == nil {
		return nil
	}
	err := d.write(d.pk.AppendTail(d.scratch[:0]))
	if err == nil {
		err = d.flush()
	}
	if err == nil {
		d.drop.Finished(d.f)
	}
	if cerr := d.f.Close(); err == nil {
		err = cerr
	}
	d.f = nil
	d.bytes += int64(size)
	if err != nil {
		return fmt.Errorf("%s: %w", d.path, err)
	}
	return nil
}

// finish ends the last request, once every partition is written.
func (d *directWriter) finish() error {
	err := d.closeReq(d.pk.Size())
	d.stopFiles()
	if ferr := d.find.flush(); err == nil {
		err = ferr
	}
	return err
}

// requests is the number of requests written.
func (d *directWriter) requests() int { return d.pk.Requests() }

// truncate takes the writer back to where partition p began.
func (d *directWriter) truncate(p int) error {
	if p >= len(d.marks) {
		return nil // p wrote nothing yet
	}
	m := d.marks[p]
	if d.f != nil {
		err := d.flush()
		if cerr := d.f.Close(); err == nil {
			err = cerr
		}
		d.f = nil
		if err != nil {
			return fmt.Errorf("%s: %w", d.path, err)
		}
	}
	d.stopFiles()
	for seq := m.pk.Requests() + 1; ; seq++ {
		if err := os.Remove(filepath.Join(d.dir, BulkFileName(seq))); errors.Is(err, fs.ErrNotExist) {
			break
		} else if err != nil {
			return fmt.Errorf("spill: %w", err)
		}
	}
	*d.pk, d.bytes, d.off = m.pk, m.bytes, m.off
	if seq := m.pk.Requests(); seq > 0 {
		d.path = filepath.Join(d.dir, BulkFileName(seq))
		f, err := os.OpenFile(d.path, os.O_RDWR, 0)
		if err == nil {
			if err = f.Truncate(m.off); err == nil {
				_, err = f.Seek(m.off, io.SeekStart)
			}
			if err != nil {
				f.Close()
			}
		}
		if err != nil {
			return fmt.Errorf("spill: %w", err)
		}
		d.f = f
		d.vw.reset(f)
	}
	d.marks = d.marks[:p]
	return d.find.truncate(m.find)
}

// place moves the requests into dir, numbered after base, and adds their
// findings to findings, in order; the error findings (errs, by partition,
// each taken at errAt) get their request and operation into o.
func (d *directWriter) place(dir string, base int, findings *arrayWriter, state []partState, errAt []int, o *Outcome) error {
	if err := moveBulk(d.dir, dir, base, d.requests()); err != nil {
		return err
	}
	if d.find.off == 0 {
		return nil
	}
	rd := d.find.reader(section{0, d.find.off}, mergeBuf)
	var scratch []byte
	for {
		p, err := rd.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		dc := dec[[]byte]{s: p}
		part, seq, idx := dc.int(), dc.int()+base, dc.int()
		for n := dc.count(); n > 0; n-- {
			isErr, rest := dc.bool(), dc.raw()
			if dc.err != nil {
				break
			}
			head := append(scratch[:0], `{"request":`...)
			head = strconv.AppendInt(head, int64(seq), 10)
			head = append(head, `,"operation":`...)
			head = strconv.AppendInt(head, int64(idx), 10)
			head = append(head, ',')
			scratch = head[:0]
			if err := findings.add(head, rest); err != nil {
				return err
			}
			if isErr {
				if part >= len(state) || errAt[part] >= len(state[part].errs) {
					return rd.fail(errCorrupt)
				}
				e := state[part].errs[errAt[part]]
				errAt[part]++
				e.Request, e.Operation = seq, idx
				o.SchemaErrors = append(o.SchemaErrors, e)
			}
		}
		if err := dc.done(); err != nil {
			return rd.fail(err)
		}
	}
}

// close closes what is open; the spill's folder goes with the files.
func (d *directWriter) close() error {
	if d == nil || d.find == nil {
		return nil
	}
	if d.f != nil {
		d.f.Close()
		d.f = nil
	}
	d.stopFiles()
	return d.find.close()
}

// stopFiles stops the creation of files ahead; the next request starts
// it again.
func (d *directWriter) stopFiles() {
	if d.files != nil {
		d.files.stop()
		d.files = nil
	}
}
