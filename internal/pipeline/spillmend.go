package pipeline

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"runtime"

	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/pool"
)

// Without a directory, whether an employee of another partition is in the
// run changes one thing of a partition's outputs: what submit resolves by
// lookup (its change sets' at-submit entries and their counts). Neither
// the mapping (which asks only with a directory) nor the plan depends on
// it. So when some employee assumed in the run ends with every record
// rejected, the partitions that counted it as in the run do not run
// again: mendAtSubmit lists their at-submit entries again from their
// change sets as plan.jsonl holds them. One rejected manager used to run
// again every partition after the first of their reports.

// mendAtSubmit rewrites the change-set entries of the partitions todo
// with the at-submit entries of their change sets against actual, the
// sorted hashes of the employees in the run, and recounts them. Only the
// change sets that refer to an employee of missing (sorted: counted in the
// run, and not) are read from their plan lines; the others' entries are
// copied. The partitions are read on all cores, a few at a time (what
// they become is held until written), and written in turn.
func (s *spillRun) mendAtSubmit(todo []int, actual, missing []uint64) error {
	if err := s.out.flush(); err != nil {
		return err
	}
	if s.planOut != nil {
		if err := s.planOut.w.flush(); err != nil {
			return err
		}
	}
	workers := s.opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for len(todo) > 0 {
		chunk := todo[:min(len(todo), 2*workers)]
		todo = todo[len(chunk):]
		mended, err := pool.Map(context.Background(), len(chunk), workers, func(_ context.Context, i int) (mendedSets, error) {
			return s.mendSets(chunk[i], actual, missing)
		})
		if err != nil {
			return err
		}
		for i, m := range mended {
			ps := &s.state[chunk[i]]
			start := s.out.off
			if err := s.out.write(m.entries); err != nil {
				return err
			}
			ps.sets = section{start, s.out.off - start}
			ps.count.AtSubmit += m.count
			ps.atRefs += m.refs
		}
	}
	return nil
}

// mendedSets is a partition's change-set entries with their at-submit
// entries listed again, framed as entryWriter.entry frames them, and how
// many more at-submit entries, and references among them, they hold.
type mendedSets struct {
	entries     []byte
	count, refs int
}

// mendSets lists the at-submit entries of partition p's change sets again
// against actual. It only reads the spill, so partitions mend at once.
func (s *spillRun) mendSets(p int, actual, missing []uint64) (mendedSets, error) {
	var m mendedSets
	lines, err := s.partitionLines(p)
	if err != nil {
		return m, err
	}
	inRun := func(emp string) bool { return containsHash(actual, s.hash(emp)) }
	refersMissing := func(text []byte) bool {
		found := false
		ok := lineage.RefTargets(text, func(target []byte) bool {
			found = containsHash(missing, s.hash(string(target)))
			return !found
		})
		return found || !ok
	}
	rd := s.out.reader(s.state[p].sets, mergeBuf)
	var buf []byte
	var at []AtSubmit
	for {
		payload, err := rd.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return m, err
		}
		d := dec[[]byte]{s: payload}
		d.uvarint() // key
		d.raw()     // the line, when not written to the plan
		emp := d.str()
		for n := d.count(); n > 0; n-- {
			d.byte()
			d.int()
			d.raw()
			d.raw()
			d.raw()
		}
		opsEnd := d.i
		old := d.count()
		for n := old; n > 0; n-- {
			d.raw()
		}
		rest := d.i
		if d.err != nil {
			return m, rd.fail(d.err)
		}
		l, skipped, err := lines.NextIf(refersMissing)
		if err == nil && skipped { // its at-submit entries stand
			m.entries = binary.AppendUvarint(m.entries, uint64(len(payload)))
			m.entries = append(m.entries, payload...)
			continue
		}
		if err != nil {
			if err == io.EOF {
				err = fmt.Errorf("no line for employee %s", emp)
			}
			return m, fmt.Errorf("spill: partition %d: reading its plan lines: %w", p, err)
		}
		if l.EmployeeID != emp {
			return m, fmt.Errorf("spill: partition %d: plan line of employee %s where the spill has %s", p, l.EmployeeID, emp)
		}
		at = appendAtSubmit(at[:0], l.ChangeSet, inRun)
		buf = append(buf[:0], payload[:opsEnd]...)
		buf = binary.AppendUvarint(buf, uint64(len(at)))
		m.count += len(at) - old
		for i := range at {
			if at[i].Kind != "update" {
				m.refs++
			} else {
				old-- // the update, listed before too
			}
			b, err := reportEntry(&at[i])
			if err != nil {
				return m, err
			}
			buf = appendBytes(buf, b)
		}
		buf = append(buf, payload[rest:]...)
		m.entries = binary.AppendUvarint(m.entries, uint64(len(buf)))
		m.entries = append(m.entries, buf...)
		m.refs -= old // the references listed before
	}
	if _, _, err := lines.NextIf(func([]byte) bool { return false }); err != io.EOF {
		return m, fmt.Errorf("spill: partition %d: more plan lines than change sets (%v)", p, err)
	}
	return m, nil
}

// partitionLines reads the plan lines of partition p's change sets, in
// their order: from the plan being written by ranges (after the dictionary
// written before them), or from the spilled change-set entries.
func (s *spillRun) partitionLines(p int) (*lineage.Reader, error) {
	// The lines' requests are not counted yet: a header that counts
	// enough of them for any.
	head := lineage.AppendHeader(nil, [lineage.Phases]int{math.MaxInt32, math.MaxInt32, math.MaxInt32})
	dict := s.lines.Dictionary()
	if s.planOut != nil {
		d := s.planOut // flushed by mendAtSubmit
		if p >= len(d.marks) {
			return nil, fmt.Errorf("spill: partition %d wrote no plan lines", p)
		}
		m := d.marks[p]
		end := d.w.off
		if p+1 < len(d.marks) {
			end = d.marks[p+1].off
		}
		return lineage.NewReader(io.MultiReader(bytes.NewReader(head), bytes.NewReader(dict[:m.dict]),
			io.NewSectionReader(d.w.f, m.off, end-m.off))), nil
	}
	var all []byte
	rd := s.out.reader(s.state[p].sets, mergeBuf)
	for {
		payload, err := rd.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		d := dec[[]byte]{s: payload}
		d.uvarint()
		all = append(append(all, d.raw()...), "]}\n"...)
		if d.err != nil {
			return nil, rd.fail(d.err)
		}
	}
	return lineage.NewReader(io.MultiReader(bytes.NewReader(head), bytes.NewReader(dict), bytes.NewReader(all))), nil
}
