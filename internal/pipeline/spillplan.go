package pipeline

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/upsmigrate/upsmigrate/internal/dropbehind"
	"github.com/upsmigrate/upsmigrate/internal/lineage"
)

// directPlan writes plan.jsonl by ranges, as each partition's spill
// renders its lines: the partitions come in plan order, so the lines go
// straight to the file, each after the dictionary lines it is the first
// to use (the Lines dictionary grows at its end). The operations of a
// line are numbered within their phase, as the phases' writers pack them;
// the header, which counts the requests of each phase, is written over at
// the end (lineage.HeaderSize). The spill keeps what report.json needs of
// each change set, without its line.
type directPlan struct {
	w     *entryWriter
	dict  int // how much of the dictionary is written
	marks []planMark
}

// planMark is where a partition's lines begin.
type planMark struct {
	off  int64
	dict int
}

// planTemp is the plan's name in the spill folder.
const planTemp = "plan.jsonl"

func newDirectPlan(tmp string, drop *dropbehind.Dropper) (*directPlan, error) {
	w, err := newEntryWriter(tmp, planTemp)
	if err != nil {
		return nil, err
	}
	w.dropBehind(drop)
	d := &directPlan{w: w}
	if err := w.write(lineage.AppendHeader(nil, [lineage.Phases]int{})); err != nil {
		w.close()
		return nil, err
	}
	return d, nil
}

// begin marks where partition p's lines begin.
func (d *directPlan) begin(p int) {
	for len(d.marks) <= p {
		d.marks = append(d.marks, planMark{})
	}
	d.marks[p] = planMark{off: d.w.off, dict: d.dict}
}

// line writes a line, head then tail, after what of dict (the whole
// dictionary so far) is not written yet.
func (d *directPlan) line(dict, head, tail []byte) error {
	if err := d.dictionary(dict); err != nil {
		return err
	}
	if err := d.w.write(head); err != nil {
		return err
	}
	return d.w.write(tail)
}

// truncate drops the lines of partition p and after, which run again; the
// dictionary lines they were the first to use stay numbered (dict), so
// they are written again at once.
func (d *directPlan) truncate(p int, dict []byte) error {
	if p >= len(d.marks) {
		return nil // p wrote nothing yet
	}
	m := d.marks[p]
	d.marks = d.marks[:p]
	if err := d.w.truncate(m.off); err != nil {
		return err
	}
	d.dict = m.dict
	return d.dictionary(dict)
}

// dictionary writes what of dict is not written yet.
func (d *directPlan) dictionary(dict []byte) error {
	if len(dict) > d.dict {
		if err := d.w.write(dict[d.dict:]); err != nil {
			return err
		}
		d.dict = len(dict)
	}
	return nil
}

// place writes the header, counting requests[ph] requests in each phase,
// over the first line and moves the plan to dir.
func (d *directPlan) place(dir string, requests [lineage.Phases]int) error {
	if err := d.w.flush(); err != nil {
		return err
	}
	path := d.w.f.Name()
	if _, err := d.w.f.WriteAt(lineage.AppendHeader(nil, requests), 0); err != nil {
		return fmt.Errorf("spill: %s: %w", path, err)
	}
	d.w.drop.Finished(d.w.f)
	if err := d.w.close(); err != nil {
		return fmt.Errorf("spill: %s: %w", path, err)
	}
	if err := os.Rename(path, filepath.Join(dir, lineage.FileName)); err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	return nil
}

func (d *directPlan) close() error {
	if d == nil {
		return nil
	}
	return d.w.close()
}
