package report

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

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

	record model.Position // the input record the value belongs to
}

// Employee is everything the report knows about one person: the change
// set's values with their lineage, the input records, warnings, rejected
// records and operations, and after submit the final states and the
// target's messages. A walk reuses it from one employee to the next.
type Employee struct {
	ID string
	// RenamedFrom is the employee id before a 320 rename of this run.
	RenamedFrom string
	// InPlan is false for an employee convert made no change set for
	// (every record rejected): only Records, Rejected and Warnings are set.
	InPlan  bool
	Creates bool
	// Name and Login are the given and family name and the userName the
	// run sends, for finding the person.
	Name, Login string
	Records     []EmployeeRecord
	Operations  []Operation
	// Values are the employee's trace rows; their Source is left empty
	// (sourceText builds it), as most of them never show it.
	Values   []TraceRow
	Warnings []Warning
	Rejected []Rejected
	AtSubmit []AtSubmit
	LeftOut  []string // extensions left out of the new user ("travel")
	// State is the worst final state of the employee's records (journal
	// only).
	State string
}

// EmployeeRecord is one input record of an employee.
type EmployeeRecord struct {
	File   string
	Line   int
	Format string
	Type   string
	Status string // convert's: converted, skipped, rejected
	State  string // the final state (journal only)
	Reason string // why, when it did not succeed (journal only)
}

// Pos is the record's position, "file:line".
func (r EmployeeRecord) Pos() string { return model.Position{File: r.File, Line: r.Line}.String() }

// sourceText is the row's Source, built when a walk left it empty.
func (r *TraceRow) sourceText() string {
	if r.Source == "" {
		r.Source = model.Source{File: r.File, Line: r.Line, Field: r.Field, Name: r.Name}.String()
	}
	return r.Source
}

// errStop ends a walk early without an error.
var errStop = errors.New("stop")

// Trace calls fn with every trace row in plan order; the row is reused
// between calls. It stops at fn's first error and returns it.
func (d *Data) Trace(fn func(*TraceRow) error) error {
	err := d.walk(func(e *Employee) error {
		for i := range e.Values {
			e.Values[i].sourceText()
			if err := fn(&e.Values[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// Count walks the plan once, if no walk has yet, to complete the counts
// that come from it (employees, traced values) and its notes.
func (d *Data) Count() error {
	if d.walked {
		return nil
	}
	return d.walk(nil)
}

// EachOperation calls fn with every operation of the plan: with a journal
// Data.Operations, in bulk-file order, else streamed from the plan, each
// employee's operations together in plan order.
func (d *Data) EachOperation(fn func(*Operation) error) error {
	if d.jr != nil {
		for i := range d.Operations {
			o := d.Operations[i] // a copy that holds its Extensions and Messages for the call only
			if err := d.fillOp(&o); err != nil {
				return err
			}
			if err := fn(&o); err != nil {
				return err
			}
		}
		return nil
	}
	return d.walk(func(e *Employee) error {
		for i := range e.Operations {
			if err := fn(&e.Operations[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// walk streams the plan, calling fn (when not nil) with every employee in
// plan order, then with every employee convert made no change set for but
// the report has warnings or rejected records of. The first walk counts
// the plan into the summary and notes; with a journal it also collects the
// plan's operations and password values.
func (d *Data) walk(fn func(*Employee) error) error {
	var e Employee
	return d.walkInto(func() (*Employee, error) { return &e, nil }, fn)
}

// walkInto is walk filling the Employee next returns for each employee.
func (d *Data) walkInto(next func() (*Employee, error), fn func(*Employee) error) error {
	first := !d.walked
	d.warnings.clearSeen()
	d.rejected.clearSeen()
	atSubmit := d.atSubmitByReferrer()
	nops := 0
	tee, err := d.progressTee(d.planTee(first))
	if err != nil {
		return err
	}
	err = planLines(d.planPath, tee, func(pl *planLine, _ int) error {
		if first {
			d.countLine(pl, atSubmit, &nops)
		}
		if fn == nil {
			return nil
		}
		e, err := next()
		if err != nil {
			return err
		}
		if err := d.employee(pl, e, atSubmit); err != nil {
			return err
		}
		return fn(e)
	})
	if err != nil {
		return err
	}
	if first {
		d.walked = true
		if nops != d.Summary.OperationsTotal() {
			d.Notes = append(d.Notes, fmt.Sprintf("report.json counts %d operations, plan.jsonl names %d", d.Summary.OperationsTotal(), nops))
		}
		if d.jr != nil {
			sortOps(d.Operations)
		}
	}
	if fn == nil {
		return nil
	}
	skip := map[string]bool{}
	rest := d.rejected.unseen(nil, skip)
	rest = d.warnings.unseen(rest, skip)
	for _, id := range rest {
		e, err := next()
		if err != nil {
			return err
		}
		if err := d.outsider(id, e); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// countLine counts one plan line into the summary (first walk).
func (d *Data) countLine(pl *planLine, atSubmit map[string][]int, nops *int) {
	d.Summary.Employees++
	d.Summary.TraceRows += rowCount(pl)
	for _, i := range atSubmit[pl.EmployeeID] {
		a := &d.AtSubmit[i]
		if pos, ok := d.recordPos(pl, source{File: a.File, Line: a.Line}); ok {
			a.record = pos
		}
	}
	for i, o := range pl.Operations {
		if dupOp(pl.Operations[:i], o) {
			continue // a rename's operation, filed under both ids
		}
		*nops++
		if d.jr != nil {
			d.Operations = append(d.Operations, keptOp(pl, o))
		}
	}
	if d.jr != nil {
		d.jr.collectSecrets(pl)
	}
}

// planOp is the Operation of an op of the plan line, not submitted.
func planOp(pl *planLine, o opRef) Operation {
	emp := pl.EmployeeID
	if o.Phase == 0 && pl.Rename != nil && pl.Rename.From != "" {
		emp = pl.Rename.From
	}
	return Operation{Key: OpKey(o.Bulk, o.Index), Bulk: o.Bulk, Index: o.Index, Phase: o.Phase,
		Method: o.Method, Path: o.Path, Employee: emp, Status: StatusNotSubmitted, newEmployee: pl.EmployeeID}
}

// keptOp is planOp for Data.Operations, which outlives the walk: its
// strings are copied out of the plan line, which they would keep whole.
func keptOp(pl *planLine, o opRef) Operation {
	op := planOp(pl, o)
	op.Bulk = op.Key[:len(op.Bulk)] // OpKey starts with it
	switch op.Method {
	case "POST", "PATCH", "PUT":
		op.Method = plainMethods[op.Method]
	default:
		op.Method = strings.Clone(op.Method)
	}
	op.Path = strings.Clone(op.Path)
	emp, next := op.Employee, op.newEmployee
	op.Employee = strings.Clone(emp)
	if next == emp {
		op.newEmployee = op.Employee
	} else {
		op.newEmployee = strings.Clone(next)
	}
	return op
}

// plainMethods holds one copy of each method of the plan.
var plainMethods = map[string]string{"POST": "POST", "PATCH": "PATCH", "PUT": "PUT"}

func sortOps(ops []Operation) {
	sort.SliceStable(ops, func(i, j int) bool {
		a, b := &ops[i], &ops[j]
		if a.Bulk != b.Bulk {
			return a.Bulk < b.Bulk
		}
		return a.Index < b.Index
	})
}

// dupOp reports whether o is among ops.
func dupOp(ops []opRef, o opRef) bool {
	for _, p := range ops {
		if p.Bulk == o.Bulk && p.Index == o.Index {
			return true
		}
	}
	return false
}

// employee fills e from a plan line and what report.json and the journal
// say about the employee.
func (d *Data) employee(pl *planLine, e *Employee, atSubmit map[string][]int) error {
	*e = Employee{ID: pl.EmployeeID, InPlan: true, Creates: pl.Creates, Records: e.Records[:0], Operations: e.Operations[:0],
		Values: e.Values[:0], Warnings: e.Warnings[:0], Rejected: e.Rejected[:0], AtSubmit: e.AtSubmit[:0], LeftOut: e.LeftOut[:0]}
	ids := []string{pl.EmployeeID}
	if pl.Rename != nil && pl.Rename.From != "" && pl.Rename.From != pl.EmployeeID {
		e.RenamedFrom = pl.Rename.From
		ids = append(ids, pl.Rename.From)
	}
	for i, o := range pl.Operations {
		if dupOp(pl.Operations[:i], o) {
			continue
		}
		k := OpKey(o.Bulk, o.Index)
		if op := d.op(k); op != nil {
			e.Operations = append(e.Operations, *op)
			if err := d.fillOp(&e.Operations[len(e.Operations)-1]); err != nil {
				return err
			}
		} else {
			e.Operations = append(e.Operations, planOp(pl, o))
		}
	}
	for _, p := range pl.Records {
		e.Records = append(e.Records, d.employeeRecord(p.File, p.Line))
	}
	for _, urn := range pl.LeaveOut {
		e.LeftOut = append(e.LeftOut, extensionName(urn))
	}
	if err := d.items(ids, e); err != nil {
		return err
	}
	for _, id := range ids {
		for _, i := range atSubmit[id] {
			e.AtSubmit = append(e.AtSubmit, d.AtSubmit[i])
		}
	}
	if err := d.rows(pl, &e.Values); err != nil {
		return err
	}
	if err := d.detailsErr(); err != nil {
		return err
	}
	for i := range e.Values {
		v := &e.Values[i]
		switch {
		case v.Phase == 1 && v.Path == "name.givenName":
			e.Name = strings.TrimSpace(v.Value + " " + e.Name)
		case v.Phase == 1 && v.Path == "name.familyName":
			e.Name = strings.TrimSpace(e.Name + " " + v.Value)
		case v.Path == "userName" && v.Value != Withheld:
			e.Login = v.Value
		}
	}
	e.State = worstState(e.Records)
	return nil
}

// outsider fills e for an employee without a change set.
func (d *Data) outsider(id string, e *Employee) error {
	*e = Employee{ID: id, Records: e.Records[:0], Warnings: e.Warnings[:0], Rejected: e.Rejected[:0],
		Operations: e.Operations[:0], Values: e.Values[:0], AtSubmit: e.AtSubmit[:0], LeftOut: e.LeftOut[:0]}
	if err := d.items([]string{id}, e); err != nil {
		return err
	}
	e.State = worstState(e.Records)
	return nil
}

// items adds the employee's warnings and rejected records (and the
// rejected records to Records).
func (d *Data) items(ids []string, e *Employee) error {
	var err error
	for _, id := range ids {
		if e.Warnings, err = d.warnings.of(id, e.Warnings); err != nil {
			return err
		}
		if e.Rejected, err = d.rejected.of(id, e.Rejected); err != nil {
			return err
		}
	}
	for i := range e.Warnings {
		d.readableWarning(&e.Warnings[i])
	}
	for i := range e.Rejected {
		r := &e.Rejected[i]
		d.readableRejected(r)
		file, line := splitPos(r.Pos)
		e.Records = append(e.Records, d.employeeRecord(file, line))
	}
	return nil
}

// splitPos splits "file:line".
func splitPos(pos string) (string, int) {
	i := strings.LastIndexByte(pos, ':')
	if i < 0 {
		return pos, 0
	}
	n := 0
	for _, c := range pos[i+1:] {
		if c < '0' || c > '9' {
			return pos, 0
		}
		n = n*10 + int(c-'0')
	}
	return pos[:i], n
}

func (d *Data) employeeRecord(file string, line int) EmployeeRecord {
	r := EmployeeRecord{File: file, Line: line}
	if k, ok := d.record(file, line); ok {
		r.Format, r.Type, r.Status = k.format, k.typ, k.status
	}
	if d.jr != nil {
		pos := model.Position{File: file, Line: line}
		r.State = d.jr.recordState(pos)
		r.Reason = d.jr.reasons[pos]
	}
	return r
}

// worstState is the final state that tells most about the records: failed
// before partial before pending before the others.
func worstState(recs []EmployeeRecord) string {
	rank := map[string]int{"failed": 6, "partial": 5, "pending": 4, "rejected": 3, "success": 2, "skipped": 1}
	best := ""
	for _, r := range recs {
		if rank[r.State] > rank[best] || (best == "" && r.State != "") {
			best = r.State
		}
	}
	return best
}

// atSubmitByReferrer indexes Data.AtSubmit by the employee whose change set
// each entry comes from.
func (d *Data) atSubmitByReferrer() map[string][]int {
	if len(d.AtSubmit) == 0 {
		return nil
	}
	m := make(map[string][]int, len(d.AtSubmit))
	for i, a := range d.AtSubmit {
		m[a.referrer()] = append(m[a.referrer()], i)
	}
	return m
}

// rowCount is the number of trace rows rows makes of pl.
func rowCount(pl *planLine) int {
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

// rows appends the trace rows of one plan line (rowCount of them) to dst.
func (d *Data) rows(pl *planLine, dst *[]TraceRow) error {
	var ops [3]int            // index+1 into pl.Operations of each phase's first operation
	var keys [3]string        // their keys
	var phaseOp [3]*Operation // and what the run says of them, looked up once
	var filled [3]Operation   // with a journal, with their results read back
	for i, o := range pl.Operations {
		if o.Phase >= 0 && o.Phase < 3 && ops[o.Phase] == 0 {
			ops[o.Phase] = i + 1
			keys[o.Phase] = OpKey(o.Bulk, o.Index)
			if op := d.op(keys[o.Phase]); op != nil && d.Run != nil {
				filled[o.Phase] = *op
				_ = d.fillOp(&filled[o.Phase]) // an error is kept for the walk to return
				phaseOp[o.Phase] = &filled[o.Phase]
			} else {
				phaseOp[o.Phase] = op
			}
		}
	}
	// The values of an extension left out (pl.LeaveOut) are not in a
	// create or a replacement (POST, PUT), and a new user's references into
	// it are not set.
	// (A slice, not a map: one or two URNs, asked of every value.)
	leftOut := pl.LeaveOut
	isLeft := func(urn string) bool { return len(leftOut) > 0 && slices.Contains(leftOut, urn) }
	whole := false
	if len(leftOut) > 0 {
		if i := ops[1]; i > 0 {
			m := pl.Operations[i-1].Method
			whole = m == "POST" || m == "PUT"
		}
	}
	// The record of the last source line, and its status: most values
	// of an employee come from one record.
	var at struct {
		file       string
		line       int
		pos        model.Position
		ok, listed bool
		status     string
	}
	at.line = -1
	emit := func(src source, row, schema, path, value string, phase int, out bool) {
		// The row is filled where it lies: TraceRow is large, and a walk
		// makes millions.
		n := len(*dst)
		if n == cap(*dst) {
			*dst = append(*dst, TraceRow{})
		}
		*dst = (*dst)[:n+1]
		r := &(*dst)[n]
		r.Employee, r.Source, r.File, r.Line, r.Field, r.Name = pl.EmployeeID, "", src.File, src.Line, src.Field, src.Name
		r.Row, r.Schema, r.Path, r.Value, r.Phase = row, model.ShortSchema(schema), path, value, phase
		r.Operation, r.Method, r.Status, r.OpStatus, r.LeftOut = "", "", "", "", false
		r.RecordState, r.ProvisionID, r.Code, r.UserID, r.Result, r.Message = "", "", "", "", "", ""
		r.record = model.Position{}
		if src.Line != at.line || src.File != at.file {
			at.file, at.line = src.File, src.Line
			at.pos, at.ok = d.recordPos(pl, src)
			at.listed = false
			if at.ok {
				var k recKind
				k, at.listed = d.record(at.pos.File, at.pos.Line)
				at.status = k.status
			}
		}
		if pos, ok := at.pos, at.ok; ok {
			r.record = pos
			if at.listed {
				r.Status = at.status
			}
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
			r.Operation, r.Method = keys[phase], pl.Operations[i-1].Method
		}
		r.LeftOut = out
		d.outcome(r, phaseOp[phase])
	}
	if rn := pl.Rename; rn != nil {
		if rn.NewEmployeeID != "" && rn.NewEmployeeID != rn.From {
			emit(rn.Source, "", model.SchemaEnterprise, "employeeNumber", rn.NewEmployeeID, 0, false)
		}
		if rn.NewLogin != "" {
			emit(rn.Source, "", model.SchemaCore, "userName", rn.NewLogin, 0, false)
		}
	}
	for i := range pl.Attrs {
		a := &pl.Attrs[i]
		emit(a.Source, a.Row, a.Schema, a.Path, a.Value, 1, whole && isLeft(a.Schema))
	}
	for i := range pl.Refs {
		ref := &pl.Refs[i]
		out := pl.Creates && isLeft(ref.Schema)
		v := ref.Target
		switch ref.Primary {
		case 1:
			v += " (primary)"
		case 2:
			v += " (secondary)"
		}
		emit(ref.Source, ref.Row, ref.Schema, ref.Path, v, 2, out)
		for j := range ref.Attrs {
			a := &ref.Attrs[j]
			schema := a.Schema
			if schema == "" {
				schema = ref.Schema
			}
			emit(a.Source, a.Row, schema, ref.Path+"["+ref.Target+"]."+a.Path, a.Value, 2, out)
		}
	}
	return nil
}

// outcome fills in the operation's status and, with a journal, its
// outcome for the row's value; op is d.op(r.Operation), with a journal
// filled in (fillOp).
func (d *Data) outcome(r *TraceRow, op *Operation) {
	r.OpStatus = ""
	if r.Operation == "" {
		return
	}
	if op == nil {
		r.OpStatus = StatusNotSubmitted
		return
	}
	r.OpStatus = op.Status
	if r.LeftOut && r.Phase == 1 && op.sentMethod == "PATCH" {
		r.LeftOut = false // submit found the user and updated it, with the extension
	}
	if d.Run != nil {
		r.ProvisionID, r.Code, r.UserID = op.ProvisionID, op.Code, op.UserID
		r.Result, r.Message = valueResult(op, r)
	}
}

// recordPos is the input record src belongs to: the record at src's
// position, else the last of the change set's records in src's file
// starting at or before src's line (a V1 XML value sits on a line below its
// record's start). A value from no input record (a company default) belongs
// to the change set's first record.
func (d *Data) recordPos(pl *planLine, src source) (model.Position, bool) {
	if _, ok := d.record(src.File, src.Line); ok {
		return model.Position{File: src.File, Line: src.Line}, true
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
	return pl.Records[best], true
}

// extensionName names an extension URN for people: "travel" of
// "urn:…:extension:travel:2.0:User", else the URN's tail.
func extensionName(urn string) string {
	s := model.ShortSchema(urn)
	if i := strings.IndexByte(s, ':'); i > 0 {
		return s[:i]
	}
	return s
}

// TraceEmployee calls fn with the trace rows of one employee, in plan
// order (upsmigrate lineage); it streams the plan as Trace does.
func (d *Data) TraceEmployee(id string, fn func(*TraceRow) error) error {
	return d.Trace(func(r *TraceRow) error {
		emp := r.Employee
		if _, after, ok := strings.Cut(emp, " → "); ok {
			emp = after // a rename's rows: "old → new"
		}
		if emp != id {
			return nil
		}
		return fn(r)
	})
}

// progressTee adds Data.Progress, when set, to the writer a walk tees the
// plan's bytes into (tee, nil when none).
func (d *Data) progressTee(tee io.Writer) (io.Writer, error) {
	if d.Progress == nil {
		return tee, nil
	}
	st, err := os.Stat(d.planPath)
	if err != nil {
		return nil, err
	}
	pw := &progressWriter{total: st.Size(), fn: d.Progress}
	if err := pw.fn(0, pw.total); err != nil {
		return nil, err
	}
	if tee == nil {
		return pw, nil
	}
	return io.MultiWriter(tee, pw), nil
}

// progressWriter counts the bytes a walk reads for Data.Progress.
type progressWriter struct {
	done, total int64
	fn          func(done, total int64) error
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if err := p.fn(p.done, p.total); err != nil {
		return 0, err
	}
	return len(b), nil
}
