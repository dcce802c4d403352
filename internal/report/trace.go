package report

import (
	"errors"
	"io"
	"os"
	"strconv"

	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TraceRow is one target value with its lineage, from the input field to
// the operation that carries it.
type TraceRow struct {
	Employee string `json:"employee"`
	Source   string `json:"source"` // file:line:field (name)
	File     string `json:"file"`
	Line     int    `json:"line"`
	Field    string `json:"field,omitempty"`
	Name     string `json:"name,omitempty"`
	Row      string `json:"row,omitempty"` // mapping table row
	Schema   string `json:"schema"`        // short form: "spend:2.0:User"
	Path     string `json:"path"`
	Value    string `json:"value"`
	Phase    int    `json:"phase"`
	// Operation is the key of the operation carrying the value, "" when
	// none does (the plan dropped it).
	Operation string `json:"operation"`
	Method    string `json:"method,omitempty"`
	Status    string `json:"status"` // the input record's status
	OpStatus  string `json:"operationStatus"`
	// LeftOut is set on the values of an extension left out of a new
	// user (plan.jsonl's leaveOut): the create does not carry them.
	LeftOut bool `json:"leftOut,omitempty"`
	// The journal's outcome (journal only): the final state of the
	// value's input record, the provision id of the request that carried
	// the operation, the operation's HTTP status, the user's UUID, the
	// target's result for the value's schema (success, no-op, error,
	// not-processed) and the target's message about the value.
	RecordState string `json:"recordState,omitempty"`
	ProvisionID string `json:"provisionId,omitempty"`
	Code        string `json:"code,omitempty"`
	UserID      string `json:"userId,omitempty"`
	Result      string `json:"result,omitempty"`
	Message     string `json:"message,omitempty"`
}

// errStop ends a Trace walk early without an error.
var errStop = errors.New("stop")

// Trace calls fn with every trace row in plan order; the row is reused
// between calls. It stops at fn's first error and returns it.
func (d *Data) Trace(fn func(*TraceRow) error) error {
	return d.trace(nil, fn)
}

// TraceEmployee calls fn with the trace rows of one employee, the one
// whose Employee ID (after any rename) is id, as Trace does; the other
// employees' lines are read but not traced, and the reading stops after
// the employee's.
func (d *Data) TraceEmployee(id string, fn func(*TraceRow) error) error {
	found := false
	return d.trace(func(l *lineage.Line) (keep, more bool) {
		if l.EmployeeID == id {
			found = true
			return true, true
		}
		return false, !found
	}, fn)
}

// trace calls fn with the trace rows of the lines only keeps (nil: all),
// each with its operation's outcome.
func (d *Data) trace(only lineFilter, fn func(*TraceRow) error) error {
	if d.planPath == "" {
		return nil
	}
	err := d.scanPlan(only, nil, func(r *TraceRow) error {
		r.OpStatus = ""
		if r.Operation != "" {
			if op := d.Operation(r.Operation); op != nil {
				r.OpStatus = op.Status
				if r.LeftOut && r.Phase == 1 && op.sentMethod == "PATCH" {
					r.LeftOut = false // submit found the user and updated it, with the extension
				}
				if d.Run != nil {
					r.ProvisionID, r.Code, r.UserID = op.ProvisionID, op.Code, op.UserID
					r.Result, r.Message = valueResult(op, r)
				}
			}
		}
		return fn(r)
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// lineFilter says whether scanPlan keeps a decoded line and whether it
// reads on.
type lineFilter func(*lineage.Line) (keep, more bool)

// planBatch is a run of plan.jsonl lines, decoded by the reading goroutine.
type planBatch struct {
	pls []jsonPlanLine
	ns  []int // line numbers
}

const planBatchLines = 256

// scanPlan streams plan.jsonl, calling line for every decoded line only
// keeps (nil: all) and row for every trace row of it, in file order. Lines are decoded (package
// lineage) on a goroutine of their own while the caller's functions run;
// at most a few batches are in memory.
func (d *Data) scanPlan(only lineFilter, line func(*jsonPlanLine, int) error, row func(*TraceRow) error) error {
	f, err := os.Open(d.planPath)
	if err != nil {
		return err
	}
	defer f.Close()
	var in io.Reader = f
	if d.jr != nil && d.jr.planHash != nil {
		in = io.TeeReader(f, d.jr.planHash) // Load's scan: the hash the journal names
	}
	lr := lineage.NewReader(in)
	lr.File = d.planPath
	order := make(chan *planBatch, 4)
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(order)
		b := &planBatch{}
		send := func() bool {
			select {
			case order <- b:
				b = &planBatch{}
				return true
			case <-stop:
				return false
			}
		}
		for {
			l, err := lr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				readErr = err
				break
			}
			if only != nil {
				keep, more := only(l)
				if !more {
					break
				}
				if !keep {
					continue
				}
			}
			b.pls = append(b.pls, planLine(l))
			b.ns = append(b.ns, l.N)
			if len(b.pls) == planBatchLines && !send() {
				return
			}
		}
		if len(b.pls) > 0 {
			send()
		}
	}()
	defer func() {
		close(stop)
		for range order { // let the reader finish
		}
	}()
	var tr TraceRow
	for b := range order {
		for k := range b.pls {
			pl := &b.pls[k]
			if line != nil {
				if err := line(pl, b.ns[k]); err != nil {
					return err
				}
			}
			if row == nil {
				continue
			}
			if err := d.rows(pl, &tr, row); err != nil {
				return err
			}
		}
	}
	return readErr // set before order closed
}

// planLine is the report's shape of a decoded plan line.
func planLine(l *lineage.Line) jsonPlanLine {
	pl := jsonPlanLine{EmployeeID: l.EmployeeID, Creates: l.Creates, LeaveOut: l.LeaveOut, Attrs: planAttrs(l.Attrs)}
	if rn := l.Rename; rn != nil {
		pl.Rename = &jsonRename{From: rn.From, NewEmployeeID: rn.NewEmployeeID, NewLogin: rn.NewLogin, Source: planSource(rn.Source)}
	}
	if len(l.Refs) > 0 {
		pl.Refs = make([]jsonRef, len(l.Refs))
		for i := range l.Refs {
			r := &l.Refs[i]
			pl.Refs[i] = jsonRef{Kind: string(r.Kind), Schema: r.Schema, Path: r.Path, Primary: r.Primary, Target: r.Target,
				Attrs: planAttrs(r.Attrs), Source: planSource(r.Source()), Row: r.Row()}
		}
	}
	if len(l.Records) > 0 {
		pl.Records = make([]jsonPos, len(l.Records))
		for i, p := range l.Records {
			pl.Records[i] = jsonPos{File: p.File, Line: p.Line}
		}
	}
	if len(l.Operations) > 0 {
		pl.Operations = make([]jsonOp, len(l.Operations))
		for i, o := range l.Operations {
			pl.Operations[i] = jsonOp{Bulk: o.Bulk, Index: o.Index, Phase: o.Phase, Method: o.Method, Path: o.Path}
		}
	}
	return pl
}

func planAttrs(attrs []model.Attr) []jsonAttr {
	if len(attrs) == 0 {
		return nil
	}
	out := make([]jsonAttr, len(attrs))
	for i := range attrs {
		a := &attrs[i]
		ja := &out[i]
		*ja = jsonAttr{Schema: a.Schema(), Path: a.Path(), Source: planSource(a.Source()), Row: a.Row()}
		switch {
		case a.Kind() == model.AttrMember:
			ja.IsMember, ja.Member, ja.Present = true, a.Member(), a.Present()
		case a.Type == model.StringValue:
			ja.Value = a.Str
		case a.Type == model.BoolValue:
			ja.Value = strconv.FormatBool(a.Bool)
		}
	}
	return out
}

func planSource(s model.Source) jsonSource {
	return jsonSource{File: s.File, Line: s.Line, Field: s.Field, Name: s.Name}
}

// rowCount is the number of trace rows rows makes of pl.
func rowCount(pl *jsonPlanLine) int {
	n := len(pl.Attrs)
	if rn := pl.Rename; rn != nil {
		if rn.NewEmployeeID != "" && rn.NewEmployeeID != rn.From {
			n++
		}
		if rn.NewLogin != "" {
			n++
		}
	}
	for _, ref := range pl.Refs {
		n += 1 + len(ref.Attrs)
	}
	return n
}

// rows turns one plan line into trace rows (rowCount of them).
func (d *Data) rows(pl *jsonPlanLine, r *TraceRow, fn func(*TraceRow) error) error {
	var ops [3]int // index+1 into pl.Operations of each phase's first operation
	for i, o := range pl.Operations {
		if o.Phase >= 0 && o.Phase < 3 && ops[o.Phase] == 0 {
			ops[o.Phase] = i + 1
		}
	}
	// The values of an extension left out (pl.LeaveOut) are not in a
	// create or a replacement (POST, PUT), and a new user's references into
	// it are not set.
	var leftOut map[string]bool
	whole := false
	if len(pl.LeaveOut) > 0 {
		leftOut = make(map[string]bool, len(pl.LeaveOut))
		for _, urn := range pl.LeaveOut {
			leftOut[urn] = true
		}
		if i := ops[1]; i > 0 {
			m := pl.Operations[i-1].Method
			whole = m == "POST" || m == "PUT"
		}
	}
	emit := func(src jsonSource, row, schema, path, value string, phase int, out bool) error {
		*r = TraceRow{Employee: pl.EmployeeID, Source: src.String(), File: src.File, Line: src.Line, Field: src.Field,
			Name: src.Name, Row: row, Schema: ShortSchema(schema), Path: path, Value: value, Phase: phase}
		if pos, ok := recordPos(pl, src, d.statuses); ok {
			r.Status = d.statuses[pos]
			if d.jr != nil {
				r.RecordState = d.jr.recordState(pos)
			}
		}
		if isPassword(src.Field, src.Name) {
			r.Value = Withheld
		}
		if phase == 0 && pl.Rename != nil && pl.Rename.From != "" {
			r.Employee = pl.Rename.From + " → " + pl.EmployeeID
		}
		if i := ops[phase]; i > 0 {
			o := pl.Operations[i-1]
			r.Operation, r.Method = OpKey(o.Bulk, o.Index), o.Method
		}
		r.LeftOut = out
		return fn(r)
	}
	if rn := pl.Rename; rn != nil {
		if rn.NewEmployeeID != "" && rn.NewEmployeeID != rn.From {
			if err := emit(rn.Source, "", model.SchemaEnterprise, "employeeNumber", rn.NewEmployeeID, 0, false); err != nil {
				return err
			}
		}
		if rn.NewLogin != "" {
			if err := emit(rn.Source, "", model.SchemaCore, "userName", rn.NewLogin, 0, false); err != nil {
				return err
			}
		}
	}
	for i := range pl.Attrs {
		a := &pl.Attrs[i]
		if err := emit(a.Source, a.Row, a.Schema, a.Path, attrValue(a), 1, whole && leftOut[a.Schema]); err != nil {
			return err
		}
	}
	for _, ref := range pl.Refs {
		out := pl.Creates && leftOut[ref.Schema]
		v := ref.Target
		if ref.Primary != nil {
			v += map[bool]string{true: " (primary)", false: " (secondary)"}[*ref.Primary]
		}
		if err := emit(ref.Source, ref.Row, ref.Schema, ref.Path, v, 2, out); err != nil {
			return err
		}
		for i := range ref.Attrs {
			a := &ref.Attrs[i]
			schema := a.Schema
			if schema == "" {
				schema = ref.Schema
			}
			if err := emit(a.Source, a.Row, schema, ref.Path+"["+ref.Target+"]."+a.Path, attrValue(a), 2, out); err != nil {
				return err
			}
		}
	}
	return nil
}

// attrValue renders a value: strings as they are, booleans as true or
// false, members as "add X" or "remove X".
func attrValue(a *jsonAttr) string {
	if a.IsMember {
		if a.Present {
			return "add " + a.Member
		}
		return "remove " + a.Member
	}
	return a.Value
}

// recordPos is the input record src belongs to: the record at src's
// position, else the last of the change set's records in src's file
// starting at or before src's line (a V1 XML value sits on a line below its
// record's start). A value from no input record (a company default) belongs
// to the change set's first record.
func recordPos(pl *jsonPlanLine, src jsonSource, known map[model.Position]string) (model.Position, bool) {
	pos := model.Position{File: src.File, Line: src.Line}
	if _, ok := known[pos]; ok {
		return pos, true
	}
	best := -1
	for i, p := range pl.Records {
		if p.File == src.File && p.Line <= src.Line && (best < 0 || p.Line > pl.Records[best].Line) {
			best = i
		}
	}
	if best < 0 && len(pl.Records) > 0 {
		best = 0
	}
	if best < 0 {
		return model.Position{}, false
	}
	p := pl.Records[best]
	return model.Position{File: p.File, Line: p.Line}, true
}
