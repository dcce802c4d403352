package submit

import (
	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// opTable holds the journal's operations for outcomes. Most operations of
// a large run succeeded and say nothing: of those it keeps two bytes (state
// and kind) per phase and employee key; the others it keeps whole.
type opTable struct {
	idx   *index
	plain [3][]uint16 // state<<8 | kind, +1; 0: none
	whole map[opKey]*journal.Op
	n     int
}

var (
	opStateList = []string{journal.OpPlanned, journal.OpSending, journal.OpSent, journal.OpInDoubt,
		journal.OpSuccess, journal.OpPartial, journal.OpFailed, journal.OpSkipped}
	opKindList = []string{"rename", "create", "update", "replace", "refs"}
)

func newOpTable(idx *index) *opTable {
	t := &opTable{idx: idx, whole: map[opKey]*journal.Op{}}
	for p := range t.plain {
		t.plain[p] = make([]uint16, idx.nkeys)
	}
	return t
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// add keeps op (a copy of what it needs).
func (t *opTable) add(op *journal.Op) {
	t.n++
	st, kind, k := indexOf(opStateList, op.State), indexOf(opKindList, op.Kind), t.idx.key(op.Employee)
	if op.Phase >= 0 && op.Phase < 3 && k >= 0 && st >= 0 && kind >= 0 && op.State != journal.OpFailed &&
		len(op.Messages) == 0 && len(op.Extensions) == 0 && op.Message == "" {
		t.plain[op.Phase][k] = uint16(st<<8|kind) + 1
		delete(t.whole, opKey{op.Phase, op.Employee})
		return
	}
	c := *op
	t.whole[opKey{op.Phase, op.Employee}] = &c
	if op.Phase >= 0 && op.Phase < 3 && k >= 0 {
		t.plain[op.Phase][k] = 0
	}
}

// get returns the operation of phase and emp, nil when there is none.
func (t *opTable) get(phase int, emp string) *journal.Op {
	if op := t.whole[opKey{phase, emp}]; op != nil {
		return op
	}
	if phase < 0 || phase > 2 {
		return nil
	}
	k := t.idx.key(emp)
	if k < 0 || t.plain[phase][k] == 0 {
		return nil
	}
	v := t.plain[phase][k] - 1
	return &journal.Op{Phase: phase, Employee: emp, State: opStateList[v>>8], Kind: opKindList[v&0xff]}
}

// posKey is a record position, compact: file number and line.
type posKey uint64

// outcome is a record's state and reason.
type outcome struct {
	reason string
	state  string
}

// folder folds the operations onto the records: first every change set's
// parts, by the record they came from (foldSets), then each record
// (record).
type folder struct {
	run     *Run
	ops     *opTable
	files   map[string]uint32
	results map[posKey]uint32 // index in outs
	outs    []outcome
	good    map[outcome]uint32 // the good outcomes' indexes: few, shared
}

func newFolder(run *Run, ops *opTable) *folder {
	return &folder{run: run, ops: ops, files: map[string]uint32{}, results: map[posKey]uint32{}, good: map[outcome]uint32{}}
}

func (f *folder) key(p model.Position) posKey {
	n, ok := f.files[p.File]
	if !ok {
		n = uint32(len(f.files))
		f.files[p.File] = n
	}
	return posKey(uint64(n)<<32 | uint64(uint32(p.Line)))
}

// foldSets folds the parts of every record. A value is the part of the
// record of its change set it came from; the rare value that comes from
// no record of its set (it falls back on its own position) may share a
// record with another set's values: such records are folded again at the
// end, with the parts of every set, in order.
func (f *folder) foldSets() error {
	if f.ops.n == 0 {
		return nil
	}
	again := map[model.Position]bool{}
	err := f.run.eachChunk(func(_ int, sets []*model.ChangeSet) error {
		for _, cs := range sets {
			parts := setParts(cs)
			for _, pp := range parts {
				own := false
				for _, r := range cs.Records {
					if r == pp.pos {
						own = true
						break
					}
				}
				k := f.key(pp.pos)
				if _, dup := f.results[k]; !own || dup {
					again[pp.pos] = true
				}
				f.put(k, pp.pos, pp.parts)
			}
		}
		return nil
	})
	if err != nil || len(again) == 0 {
		return err
	}
	all := map[model.Position][]part{}
	seen := map[model.Position]map[part]bool{}
	err = f.run.eachChunk(func(_ int, sets []*model.ChangeSet) error {
		for _, cs := range sets {
			for _, pp := range setParts(cs) {
				if !again[pp.pos] {
					continue
				}
				if seen[pp.pos] == nil {
					seen[pp.pos] = map[part]bool{}
				}
				for _, p := range pp.parts {
					if !seen[pp.pos][p] {
						seen[pp.pos][p] = true
						all[pp.pos] = append(all[pp.pos], p)
					}
				}
			}
		}
		return nil
	})
	for pos, ps := range all {
		f.put(f.key(pos), pos, ps)
	}
	return err
}

func (f *folder) put(k posKey, pos model.Position, ps []part) {
	state, reason := fold(ps, f.ops, pos)
	o := outcome{reason: reason, state: state}
	if state == StateSuccess || state == StateSkipped {
		i, ok := f.good[o]
		if !ok {
			i = uint32(len(f.outs))
			f.outs = append(f.outs, o)
			f.good[o] = i
		}
		f.results[k] = i
		return
	}
	f.results[k] = uint32(len(f.outs))
	f.outs = append(f.outs, o)
}

// posParts are the parts of one record.
type posParts struct {
	pos   model.Position
	parts []part
}

// setParts lists what a change set contributed to each record, in order,
// each part once per record.
func setParts(cs *model.ChangeSet) []posParts {
	var out []posParts
	add := func(src model.Source, p part) {
		pos := owner(cs, src)
		if pos.File == "" {
			return
		}
		for i := range out {
			if out[i].pos == pos {
				for _, q := range out[i].parts {
					if q == p {
						return
					}
				}
				out[i].parts = append(out[i].parts, p)
				return
			}
		}
		out = append(out, posParts{pos: pos, parts: []part{p}})
	}
	if rn := cs.Rename; rn != nil {
		add(rn.Source, part{emp: rn.From, phase: 0, schema: model.SchemaEnterprise, newEmp: cs.EmployeeID})
	}
	for i := range cs.Attrs {
		a := &cs.Attrs[i]
		add(a.Source(), part{emp: cs.EmployeeID, phase: 1, schema: a.Schema()})
	}
	for i := range cs.Refs {
		ref := &cs.Refs[i]
		src := ref.Source()
		add(src, part{emp: cs.EmployeeID, phase: 2, schema: ref.Schema, field: src.Field})
	}
	return out
}

// record is the outcome of one input record.
func (f *folder) record(rec *model.RecordResult) journal.Record {
	jr := journal.Record{File: rec.Pos.File, Line: rec.Pos.Line, Type: rec.Type, Employee: rec.EmployeeID}
	switch {
	case rec.Status == model.StatusRejected:
		jr.State, jr.Reason = StateRejected, firstMessage(rec.Messages, model.SevError)
	case rec.Status == model.StatusSkipped:
		jr.State, jr.Reason = StateSkipped, firstMessage(rec.Messages, "")
	case f.ops.n == 0:
		// Nothing was planned for the target yet.
		jr.State, jr.Reason = StatePending, "converted, not submitted yet"
	default:
		if i, ok := f.results[f.key(rec.Pos)]; ok {
			o := f.outs[i]
			jr.State, jr.Reason = o.state, o.reason
			break
		}
		var ps []part
		if rec.EmployeeID != "" {
			// Its values folded into values of the employee's other
			// records: it shares the fate of the employee's update.
			ps = []part{{emp: rec.EmployeeID, phase: 1}}
		}
		jr.State, jr.Reason = fold(ps, f.ops, rec.Pos)
	}
	return jr
}

// Outcomes folds the journal's operations back onto the input records of
// the run: one journal.Record per input record, in input order, and the
// counts per state (which add up to the records read).
func Outcomes(r *Run, ops []journal.Op) ([]journal.Record, map[string]int, error) {
	t := newOpTable(r.index())
	for i := range ops {
		t.add(&ops[i])
	}
	f := newFolder(r, t)
	if err := f.foldSets(); err != nil {
		return nil, nil, err
	}
	counts := map[string]int{}
	var out []journal.Record
	err := r.eachRecord(func(rec *model.RecordResult) error {
		jr := f.record(rec)
		counts[jr.State]++
		out = append(out, jr)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, counts, nil
}
