package mapping

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/pool"
)

// Options configure an Engine.
type Options struct {
	// Known reports whether an employee exists in the target already (the
	// --directory snapshot), by Employee ID. nil means no directory: no
	// employee outside the run is known, so references must point into the
	// run, and amendments of employees the run does not create are passed
	// on unchecked (they are resolved at submit time).
	Known func(employeeID string) bool
	// DateOrder is how slash dates are read (MonthFirst, the zero value, or
	// DayFirst). DateHints reports files whose dates read only the other way.
	DateOrder DateOrder
	// InRun, when set, reports whether an employee whose records another
	// engine of the same run holds (a run split by employee) has a change
	// set in the run; it is asked about reference targets this engine has
	// no records of. nil: the run is the records added to this engine.
	InRun func(employeeID string) bool
}

// Engine maps records to change sets. Add records in input order, then call
// Finish; Finish may be called again after more Add or Reject calls. An
// Engine is not safe for concurrent use.
type Engine struct {
	set   *Set
	opts  Options
	roles map[string]roleInfo
	cs    contribs

	lastFormat, lastType string
	lastTable            *Table

	vals  arena[cval] // the values of every record, in blocks
	start int         // where the current record's values start in vals.buf
	dvals arena[cval]
	refs  arena[cref]
	orgs  arena[model.Origin] // the lineage origin of every record
	dscr  []cval
	rscr  []cref
	cf    convFlags   // cfDayFirst when Options.DateOrder is DayFirst
	fscr  []fieldRef  // the record's fields of forbid rows that carry a value
	escr  []entryPart // the record's values of email_entry rows

	refused map[*Table]*refusal // records refused by forbid rows, per table

	dates    []*dateStats // per input file, in order of first record
	curDates *dateStats

	byPos   map[model.Position][]int32
	indexed int32
	leave   map[string][]leftExt // employee (after renames) → extensions left out

	workers int // build workers; 0 = GOMAXPROCS (tests set it)
}

// Record states after Add.
const (
	stOK uint8 = iota
	stRejected
	stSkipped
)

// cval is one mapped value of a record, kept compact until Finish: one
// pointer, 24 bytes.
type cval struct {
	s   string
	f   int32  // index of the value in the record
	ri  uint16 // row index in the record's compiled table
	b   bool
	sub uint8 // > 0: the synthetic row rows[ri].subs[sub-1] (a phone's primary=true, a typed e-mail)
}

func (v *cval) row(tc *compiled) *crow {
	r := &tc.rows[v.ri]
	if v.sub > 0 {
		return r.subs[v.sub-1]
	}
	return r
}

// cref is one reference of a record.
type cref struct {
	row    *crow
	target string
	f      int32
	path   string // delegate: product key
	attrs  []cval // delegate: element attributes
}

// contrib is what one record contributes.
type contrib struct {
	pos    model.Position
	format string
	typ    string
	origin *model.Origin // position, keys, names and lines: the record's lineage
	tc     *compiled

	key      string
	keyRow   *crow
	keyF     int32
	creates  bool
	newEmp   string
	newLogin string
	renRow   *crow // the new_employee_id (else new_login) row
	renF     int32
	loginRow *crow
	loginF   int32

	vals  []cval
	refs  []cref
	msgs  []model.Diagnostic
	state uint8

	extRej bool
	ext    []model.Diagnostic
	dropF  []int32 // fields whose values a later stage dropped (DropValue)

	// Finish state, recomputed by every Finish.
	left bool // every value went to extensions left out (LeaveOut)

	finRej bool
	fin    []model.Diagnostic
	final  string
	next   int32
}

// contribs stores contributions in fixed-size chunks: adding never copies
// the ones before.
type contribs struct {
	chunks [][]contrib
	n      int32
}

const chunkBits = 10

func (cs *contribs) add() *contrib {
	if int(cs.n)>>chunkBits == len(cs.chunks) {
		cs.chunks = append(cs.chunks, make([]contrib, 1<<chunkBits))
	}
	c := &cs.chunks[cs.n>>chunkBits][cs.n&(1<<chunkBits-1)]
	cs.n++
	return c
}

func (cs *contribs) at(i int32) *contrib { return &cs.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

// arena hands out sub-slices of large shared blocks: one allocation per
// block instead of one per record.
type arena[T any] struct{ buf []T }

// reserve makes room for n more elements in the current block.
func (a *arena[T]) reserve(n int) {
	if cap(a.buf)-len(a.buf) < n {
		a.buf = make([]T, 0, max(4096, n))
	}
}

// alloc returns a slice of length n and capacity c from the current block.
func (a *arena[T]) alloc(n, c int) []T {
	if cap(a.buf)-len(a.buf) < c {
		a.buf = make([]T, 0, max(4096, c))
	}
	start := len(a.buf)
	a.buf = a.buf[:start+c]
	return a.buf[start : start+n : start+c]
}

func (a *arena[T]) take(src []T) []T {
	if len(src) == 0 {
		return nil
	}
	if cap(a.buf)-len(a.buf) < len(src) {
		a.buf = make([]T, 0, max(4096, len(src)))
	}
	start := len(a.buf)
	a.buf = append(a.buf, src...)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// NewEngine returns an engine mapping through the tables of set.
func NewEngine(set *Set, opts Options) *Engine {
	roles := roleCodes()
	e := &Engine{set: set, opts: opts, roles: roles}
	if opts.DateOrder == DayFirst {
		e.cf = cfDayFirst
	}
	return e
}

func (e *Engine) table(rec *model.Record) *Table {
	if e.lastTable != nil && rec.Format == e.lastFormat && rec.Type == e.lastType {
		return e.lastTable
	}
	t, ok := e.set.Table(TableName(rec))
	if !ok {
		return nil
	}
	e.lastFormat, e.lastType, e.lastTable = rec.Format, rec.Type, t
	return t
}

// source is the lineage of value f of the record, mapped by row cr.
func (c *contrib) source(cr *crow, f int32) model.Source {
	return model.SourceAt(c.origin, &model.Site{Field: cr.src, Name: cr.name}, f+1)
}

func (c *contrib) diag(sev model.Severity, cr *crow, f int32, msg string) model.Diagnostic {
	d := model.Diagnostic{Severity: sev, Source: c.pos.Source(), Message: msg}
	if cr != nil {
		d.Source = c.source(cr, f)
		d.Row = cr.ref
	}
	return d
}

func (c *contrib) fail(cr *crow, f int32, msg string) {
	c.msgs = append(c.msgs, c.diag(model.SevError, cr, f, msg))
	c.state = stRejected
}

func (c *contrib) warn(cr *crow, f int32, msg string) {
	c.msgs = append(c.msgs, c.diag(model.SevWarning, cr, f, msg))
}

// Add maps one record and records its contribution, or its rejection with
// file:line:field: message for every bad field. It never panics and never
// stops: a bad record is listed in the results of Finish. It keeps no
// reference to rec or rec.Values (only to the value strings, Keys, Names
// and Lines), so the caller may reuse them once Add returns.
func (e *Engine) Add(rec *model.Record) {
	if rec == nil {
		return
	}
	c := e.cs.add()
	e.orgs.reserve(1)
	e.orgs.buf = append(e.orgs.buf, model.Origin{Pos: rec.Pos, Keys: rec.Keys, Names: rec.Names, Lines: rec.Lines})
	*c = contrib{pos: rec.Pos, format: rec.Format, typ: rec.Type, origin: &e.orgs.buf[len(e.orgs.buf)-1],
		keyF: -1, renF: -1, loginF: -1, next: -1}
	e.dscr, e.rscr, e.fscr, e.escr = e.dscr[:0], e.rscr[:0], e.fscr[:0], e.escr[:0]
	defer func() {
		if r := recover(); r != nil {
			c.fail(nil, -1, fmt.Sprintf("internal error mapping this record: %v", r))
		}
	}()
	t := e.table(rec)
	if t == nil {
		c.fail(nil, -1, fmt.Sprintf("no mapping table for %s record type %q", rec.Format, rec.Type))
		return
	}
	tc := t.c
	c.tc = tc
	e.vals.reserve(2*len(rec.Values) + 1) // a value and its primary flag
	e.start = len(e.vals.buf)
	var dTarget, dProduct string
	dTargetF := int32(-1)
	if tc.numbered {
		if len(rec.Values) > len(tc.rows) {
			c.fail(nil, -1, fmt.Sprintf("record has %d fields; record type %s has %d (%s)", len(rec.Values), t.Name, len(tc.rows), t.File))
			return
		}
		for i, raw := range rec.Values {
			if raw != "" {
				e.field(c, &tc.rows[i], int32(i), raw, &dTarget, &dTargetF, &dProduct)
			}
		}
	} else {
		for i, raw := range rec.Values {
			if i >= len(rec.Keys) {
				break
			}
			cr := tc.lookup(rec.Keys[i])
			if cr == nil {
				if strings.TrimSpace(raw) != "" {
					d := c.diag(model.SevWarning, nil, -1, fmt.Sprintf("%s %q has no row in mapping table %s: value dropped", keyWord(rec), rec.Keys[i], t.File))
					d.Source = c.source(&crow{src: rec.Keys[i], name: rec.Keys[i]}, int32(i))
					c.msgs = append(c.msgs, d)
				}
				continue
			}
			if raw != "" {
				e.field(c, cr, int32(i), raw, &dTarget, &dTargetF, &dProduct)
			}
		}
	}
	e.finishRecord(c, rec, t, dTarget, dTargetF, dProduct)
}

func keyWord(rec *model.Record) string {
	if rec.Format == model.FormatV3JSON {
		return "property"
	}
	return "element"
}

// lookup finds the row of a keyed table for a record key.
func (tc *compiled) lookup(key string) *crow {
	if cr, ok := tc.byKey[key]; ok {
		return cr
	}
	if len(tc.patterns) == 0 || strings.IndexByte(key, '[') < 0 {
		return nil
	}
	norm := normalizeIndexes(key)
	for _, cr := range tc.patterns {
		if norm == cr.src || strings.HasPrefix(norm, cr.src+".") {
			return cr
		}
	}
	return nil
}

// normalizeIndexes replaces every [digits] in key with [*].
func normalizeIndexes(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		if key[i] == '[' {
			j := i + 1
			for j < len(key) && isDigit(key[j]) {
				j++
			}
			if j > i+1 && j < len(key) && key[j] == ']' {
				b.WriteString("[*]")
				i = j
				continue
			}
		}
		b.WriteByte(key[i])
	}
	return b.String()
}

func trim(s string) string {
	if s == "" || (s[0] > ' ' && s[len(s)-1] > ' ' && s[0] < utf8.RuneSelf && s[len(s)-1] < utf8.RuneSelf) {
		return s
	}
	return strings.TrimSpace(s)
}

// field maps one non-empty raw value.
func (e *Engine) field(c *contrib, cr *crow, f int32, raw string, dTarget *string, dTargetF *int32, dProduct *string) {
	v := trim(raw)
	if v == "" {
		return
	}
	if cr.maxLen > 0 && len(v) > cr.maxLen && cr.op != opSet && cr.op != opSecret && !c.fitsLen(cr, f, v) {
		return
	}
	switch cr.op {
	case opKey, opRef, opNewEmployeeID:
		if err := checkSpreadsheetNumber(v); err != nil {
			c.fail(cr, f, err.Error())
			return
		}
	}
	switch cr.op {
	case opLiteral:
		if v != cr.args {
			c.fail(cr, f, fmt.Sprintf("record type field is %q, want %q", v, cr.args))
		}
	case opKey:
		switch {
		case c.key == "":
			c.key, c.keyRow, c.keyF = v, cr, f
		case c.key != v:
			c.fail(cr, f, fmt.Sprintf("Employee ID %q differs from %q given in %s", v, c.key, c.keyRow.src))
		}
	case opIgnore:
	case opUnsupported:
		if v != cr.silent && !strings.EqualFold(v, cr.silent) {
			c.warn(cr, f, unsupportedMsg(cr, v))
		}
	case opSecret:
		c.warn(cr, f, "a password value was present and dropped: UPS has no password attribute (the value is never written)")
	case opForbid:
		e.fscr = append(e.fscr, fieldRef{cr, f}) // refused in finishRecord, naming every such field
	case opSet:
		if cr.cf&cfDate != 0 {
			e.noteDate(c, cr, f, v)
		}
		s, err := cr.conv(v, cr.cf|e.cf)
		if err != nil {
			c.fail(cr, f, err.Error())
			return
		}
		if cr.maxLen > 0 && len(v) > cr.maxLen && !c.fitsLen(cr, f, v) {
			return
		}
		e.put(c, cr, cval{ri: cr.idx, s: s, f: f})
		if cr.primary != nil {
			e.put(c, cr.primary, cval{ri: cr.idx, sub: 1, b: true, f: f})
		}
	case opFlag, opMember:
		b, err := parseFlag(v)
		if err != nil {
			c.fail(cr, f, err.Error())
			return
		}
		e.put(c, cr, cval{ri: cr.idx, b: b, f: f})
	case opBool:
		b, err := parseBool(v)
		if err != nil {
			c.fail(cr, f, err.Error())
			return
		}
		e.put(c, cr, cval{ri: cr.idx, b: b, f: f})
	case opRoleCode:
		code, err := checkRole(e.roles, v)
		if err != nil {
			c.fail(cr, f, err.Error())
			return
		}
		e.put(c, cr, cval{ri: cr.idx, s: code, b: true, f: f})
	case opPhoneExt:
		if err := convPhoneExt(v); err != nil {
			c.fail(cr, f, err.Error())
			return
		}
		cur := e.vals.buf[e.start:]
		for i := range cur {
			if p := &cur[i]; p.row(c.tc).target == cr.target {
				p.s += " x" + v
				return
			}
		}
		c.warn(cr, f, "phone extension without the phone number in the same record: dropped")
	case opRef:
		if cr.refKind == model.RefDelegate {
			*dTarget, *dTargetF = v, f
			return
		}
		e.rscr = append(e.rscr, cref{row: cr, target: v, f: f, path: cr.refPath})
	case opProduct:
		p, err := convProduct(v)
		if err != nil {
			c.fail(cr, f, err.Error())
			return
		}
		*dProduct = p
	case opNewEmployeeID:
		c.newEmp, c.renRow, c.renF = v, cr, f
	case opEmailEntry:
		e.escr = append(e.escr, entryPart{cr, f, v}) // an element's parts meet in finishRecord
	case opNewLogin:
		s, err := cr.conv(v, 0)
		if err != nil {
			c.fail(cr, f, err.Error())
			return
		}
		c.newLogin, c.loginRow, c.loginF = s, cr, f
	}
}

// fitsLen checks the maximum length in characters (the caller has seen
// that the byte length exceeds it) and rejects the record when it does not.
func (c *contrib) fitsLen(cr *crow, f int32, v string) bool {
	n := utf8.RuneCountInString(v)
	if n <= cr.maxLen {
		return true
	}
	msg := fmt.Sprintf("value is %d characters long; at most %d allowed", n, cr.maxLen)
	if cr.op == opSet {
		// A value UPS cannot hold costs that value, not the record.
		c.warn(cr, f, msg+": value dropped")
		return false
	}
	c.fail(cr, f, msg)
	return false
}

// put adds a value of the record, checking rows that share a target (key
// aliases such as LoginId/LoginID) for disagreement.
func (e *Engine) put(c *contrib, cr *crow, v cval) {
	if cr.inDeleg {
		e.dscr = append(e.dscr, v)
		return
	}
	if cr.shared {
		for _, p := range e.vals.buf[e.start:] {
			if pr := p.row(c.tc); pr.target == cr.target {
				if p.s != v.s || p.b != v.b {
					c.fail(cr, v.f, fmt.Sprintf("conflicts with field %s of the same record, which writes the same target %s", pr.src, cr.path))
				}
				return
			}
		}
	}
	e.vals.buf = append(e.vals.buf, v)
}

// finishRecord completes a record after its fields: key, creation, rename,
// delegate reference, and the skipped state.
func (e *Engine) finishRecord(c *contrib, rec *model.Record, t *Table, dTarget string, dTargetF int32, dProduct string) {
	tc := t.c
	if len(e.fscr) > 0 {
		e.refuse(c, t)
	}
	if len(e.escr) > 0 {
		e.emailEntries(c)
	}
	if len(tc.keys) == 0 {
		e.vals.buf = e.vals.buf[:e.start]
		if c.state == stOK {
			c.state = stSkipped
			c.msgs = append(c.msgs, c.diag(model.SevInfo, nil, -1, "import settings (record type "+t.Name+"): applied to this file's records, not sent to UPS"))
		}
		return
	}
	if c.key == "" {
		kr := tc.keys[0]
		c.fail(kr, keyIndex(tc, kr), "Employee ID is required")
	}
	switch tc.mode {
	case keyCreate:
		c.creates = true
	case keyCreateIf:
		c.creates = true
		for _, cr := range tc.createIf {
			if !hasValue(rec, tc, cr) {
				c.creates = false
				break
			}
		}
	}
	if c.newEmp == c.key {
		c.newEmp = ""
	}
	if c.newEmp == "" && c.loginRow != nil {
		c.renRow, c.renF = c.loginRow, c.loginF
	}
	if tc.delegate != nil {
		for _, g := range tc.gates {
			e.gate(c, tc, g)
		}
		switch {
		case dTarget == "":
			c.fail(tc.delegate, keyIndex(tc, tc.delegate), "Delegate ID is required")
		case dProduct == "":
			c.fail(tc.product, keyIndex(tc, tc.product), "Product Code is required")
		default:
			e.rscr = append(e.rscr, cref{row: tc.delegate, target: dTarget, f: dTargetF, path: dProduct, attrs: e.dvals.take(e.dscr)})
		}
	}
	if c.state != stOK {
		e.vals.buf = e.vals.buf[:e.start] // reuse the room of a rejected record
		return
	}
	if end := len(e.vals.buf); end > e.start {
		c.vals = e.vals.buf[e.start:end:end]
	}
	c.refs = e.refs.take(e.rscr)
	if len(c.vals) == 0 && len(c.refs) == 0 && c.newEmp == "" && c.newLogin == "" && !c.creates {
		c.state = stSkipped
		c.msgs = append(c.msgs, c.diag(model.SevWarning, nil, -1, "no field carries a value: nothing to change"))
	}
}

// keyIndex is the record index of a row for positions: the field position
// for numbered tables, -1 (the row's own key) otherwise.
func keyIndex(tc *compiled, cr *crow) int32 {
	if !tc.numbered {
		return -1
	}
	for i := range tc.rows {
		if &tc.rows[i] == cr {
			return int32(i)
		}
	}
	return -1
}

func hasValue(rec *model.Record, tc *compiled, cr *crow) bool {
	if tc.numbered {
		i := keyIndex(tc, cr)
		return i >= 0 && int(i) < len(rec.Values) && trim(rec.Values[i]) != ""
	}
	v, _ := rec.Get(cr.src)
	return trim(v) != ""
}

// Reject marks every record at pos as rejected by a later stage (schema
// validation, say) with d. Its contribution is left out from the next
// Finish on, together with whatever depended on it. It reports whether a
// record was found at pos.
func (e *Engine) Reject(pos model.Position, d model.Diagnostic) bool {
	e.index()
	if d.Severity == "" {
		d.Severity = model.SevError
	}
	idx := e.byPos[pos]
	for _, i := range idx {
		c := e.cs.at(i)
		c.extRej = true
		c.ext = append(c.ext, d)
	}
	return len(idx) > 0
}

func (e *Engine) known(id string) bool { return e.opts.Known != nil && e.opts.Known(id) }

func (c *contrib) active() bool { return c.state == stOK && !c.extRej && !c.finRej }

func (c *contrib) finFail(cr *crow, f int32, msg string) {
	c.fin = append(c.fin, c.diag(model.SevError, cr, f, msg))
	c.finRej = true
}

// group is the change set of one employee while Finish builds it.
type group struct {
	id         string
	head, tail int32
	creates    bool
	rename     int32
	nvals      int
	nrecs      int
	nrefs      int
}

// resolution is the outcome of one pass over the contributions.
type resolution struct {
	alias   map[string]string // old Employee ID -> new one
	renamed map[string]int32  // old Employee ID -> the renaming record
	groups  []group
	groupOf map[string]int32
	changed bool
}

// Finish resolves renames, folds the contributions of every employee in
// input order (later values override earlier ones), checks existence and
// references, and returns the change sets in order of first appearance and
// one result per added record, in input order. It may be called again.
func (e *Engine) Finish() ([]*model.ChangeSet, []model.RecordResult) {
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		c.finRej, c.fin, c.left = false, nil, false
	}
	var r *resolution
	for {
		r = e.resolve()
		if !r.changed {
			break
		}
	}
	return e.build(r), e.results(r)
}

// resolve runs one pass: renames, grouping, existence and reference checks.
// A rejection sets changed: the caller runs another pass without it.
func (e *Engine) resolve() *resolution {
	r := &resolution{alias: map[string]string{}, renamed: map[string]int32{}, groupOf: make(map[string]int32, e.cs.n)}
	to := map[string]int32{}
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		if !c.active() || (c.newEmp == "" && c.newLogin == "") {
			continue
		}
		if j, ok := r.renamed[c.key]; ok {
			c.finFail(c.renRow, c.renF, fmt.Sprintf("employee %s is already renamed by %s in this run: one rename per employee and run", c.key, e.cs.at(j).pos))
			r.changed = true
			continue
		}
		if j, ok := to[c.key]; ok {
			c.finFail(c.renRow, c.renF, fmt.Sprintf("employee %s gets this ID from the rename at %s in this run: one rename per employee and run", c.key, e.cs.at(j).pos))
			r.changed = true
			continue
		}
		if n := c.newEmp; n != "" {
			msg := ""
			if j, ok := to[n]; ok {
				msg = fmt.Sprintf("new Employee ID %s is already given to employee %s by %s", n, e.cs.at(j).key, e.cs.at(j).pos)
			} else if j, ok := r.renamed[n]; ok {
				msg = fmt.Sprintf("new Employee ID %s belongs to an employee renamed by %s in this run", n, e.cs.at(j).pos)
			} else if e.known(n) {
				msg = fmt.Sprintf("new Employee ID %s already belongs to an employee in the directory", n)
			}
			if msg != "" {
				c.finFail(c.renRow, c.renF, msg)
				r.changed = true
				continue
			}
			to[n] = int32(i)
			r.alias[c.key] = n
		}
		r.renamed[c.key] = int32(i)
	}
	if r.changed {
		return r
	}
	r.groups = make([]group, 0, e.cs.n) // at most one per record: no regrowth
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		if !c.active() {
			continue
		}
		id := c.key
		if a, ok := r.alias[id]; ok {
			id = a
		}
		gi, ok := r.groupOf[id]
		if !ok {
			gi = int32(len(r.groups))
			r.groupOf[id] = gi
			r.groups = append(r.groups, group{id: id, head: -1, tail: -1, rename: -1})
		}
		g := &r.groups[gi]
		c.final, c.next = id, -1
		if g.tail >= 0 {
			e.cs.at(g.tail).next = int32(i)
		} else {
			g.head = int32(i)
		}
		g.tail = int32(i)
		g.creates = g.creates || c.creates
		g.nvals += len(c.vals)
		g.nrecs++
		g.nrefs += len(c.refs)
		if j, ok := r.renamed[c.key]; ok && j == int32(i) {
			g.rename = int32(i)
		}
	}
	if e.opts.Known != nil {
		for gi := range r.groups {
			g := &r.groups[gi]
			origin := g.id
			if g.rename >= 0 {
				origin = e.cs.at(g.rename).key
			}
			if g.creates || e.known(origin) {
				continue
			}
			for ci := g.head; ci >= 0; ci = e.cs.at(ci).next {
				c := e.cs.at(ci)
				c.finFail(c.keyRow, c.keyF, fmt.Sprintf("employee %s is not in the directory and no record of this run creates it", origin))
			}
			r.changed = true
		}
	}
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		if !c.active() {
			continue
		}
		for k := range c.refs {
			ref := &c.refs[k]
			t := ref.target
			if a, ok := r.alias[t]; ok {
				t = a
			}
			switch {
			case t == c.final:
				c.finFail(ref.row, ref.f, fmt.Sprintf("employee %s cannot be their own %s", c.final, refWord(ref)))
				r.changed = true
			case e.opts.Known == nil:
				// Without a directory, an employee outside the run is an
				// existing user (a delta feed): submit looks it up, and
				// fails this reference alone when the target lacks it.
			case !r.inRun(t) && !e.inRunElsewhere(t) && !e.known(ref.target) && !e.known(t):
				c.finFail(ref.row, ref.f, fmt.Sprintf("%s %s is neither in this run nor in the directory", refWord(ref), ref.target))
				r.changed = true
			}
		}
	}
	return r
}

func (e *Engine) inRunElsewhere(id string) bool { return e.opts.InRun != nil && e.opts.InRun(id) }

func (r *resolution) inRun(id string) bool {
	_, ok := r.groupOf[id]
	return ok
}

func refWord(r *cref) string {
	return (&model.Ref{Kind: r.row.refKind, Path: r.path, Primary: r.row.refPrimary}).Describe()
}

// win is the value that last wrote one target of a change set: value k of
// contribution ci (k < 0: the new login of a rename folded into the
// creation).
type win struct {
	ci int32
	k  int32
}

// folder folds the values of one change set: the first value for a target
// takes a slot, later ones overwrite the winner of the slot. Each build
// worker has its own.
type folder struct {
	slot  []int32 // by interned target: index in wins
	gen   []int32 // slot is valid when gen == stamp
	stamp int32
	dyn   map[string]int32 // targets without an interned id (dynamic members)
	wins  []win
	defs  []*cdefault

	// The slices of the change sets, in blocks: one allocation for many
	// change sets instead of three per change set.
	attrs arena[model.Attr]
	refs  arena[model.Ref]
	recs  arena[model.Position]
}

func newFolder(n int) *folder {
	return &folder{slot: make([]int32, n), gen: make([]int32, n)}
}

// reset starts a new change set.
func (f *folder) reset() {
	f.stamp++
	f.wins = f.wins[:0]
	clear(f.dyn)
}

// put makes w the winner of target t (or key dk when t < 0).
func (f *folder) put(t int32, dk string, w win) {
	if t < 0 {
		t = lookupTarget(dk)
	}
	if t >= 0 && int(t) < len(f.slot) {
		if f.gen[t] == f.stamp {
			f.wins[f.slot[t]] = w
			return
		}
		f.gen[t], f.slot[t] = f.stamp, int32(len(f.wins))
	} else {
		if f.dyn == nil {
			f.dyn = map[string]int32{}
		}
		if j, ok := f.dyn[dk]; ok {
			f.wins[j] = w
			return
		}
		f.dyn[dk] = int32(len(f.wins))
	}
	f.wins = append(f.wins, w)
}

// Group flags of build.
const (
	flagFolded = 1 << iota // the rename is folded into the creation
	flagNew                // a new user: defaults apply
)

// buildBlock is the number of groups a build worker takes at a time.
const buildBlock = 256

// build folds every group into its change set, on all cores: workers take
// blocks of groups; each change set depends only on its own contributions,
// so the output does not depend on the schedule.
func (e *Engine) build(r *resolution) []*model.ChangeSet {
	css := make([]model.ChangeSet, len(r.groups))
	out := make([]*model.ChangeSet, len(r.groups))
	// Known is a caller's function: it is called here, before the workers.
	// flags[gi]: the rename is folded into the creation; the user is new
	// (a creation the directory does not know) and gets the defaults.
	flags := make([]uint8, len(r.groups))
	defaults := e.set.defaults.Len() > 0
	for gi := range r.groups {
		g := &r.groups[gi]
		out[gi] = &css[gi]
		origin := g.id
		if g.rename >= 0 {
			origin = e.cs.at(g.rename).key
			if e.opts.Known != nil && g.creates && !e.known(origin) {
				flags[gi] |= flagFolded
			}
		}
		if defaults && g.creates && !e.known(origin) {
			flags[gi] |= flagNew
		}
	}
	loginTarget := lookupTarget(model.SchemaCore + ":userName")
	n := targetCount()
	// Each worker folds with a folder of its own.
	_ = pool.Run(context.Background(), len(r.groups), pool.Options{Workers: e.workers, Block: buildBlock}, func() func(context.Context, int, int) error {
		f := newFolder(n)
		return func(_ context.Context, lo, hi int) error {
			for gi := lo; gi < hi; gi++ {
				e.buildGroup(f, r, gi, &css[gi], flags[gi], loginTarget)
			}
			return nil
		}
	})
	return out
}

// buildGroup folds group gi into cs. It touches only the group's own
// contributions (their Finish messages), so groups build in parallel.
func (e *Engine) buildGroup(f *folder, r *resolution, gi int, cs *model.ChangeSet, flags uint8, loginTarget int32) {
	g := &r.groups[gi]
	folded := flags&flagFolded != 0
	cs.EmployeeID, cs.Creates = g.id, g.creates
	f.reset()
	cs.Records = f.recs.alloc(0, g.nrecs)
	if g.nrefs > 0 {
		cs.Refs = f.refs.alloc(0, g.nrefs)
	}
	if g.rename >= 0 && !folded {
		rc := e.cs.at(g.rename)
		cs.Rename = &model.Rename{From: rc.key, NewEmployeeID: rc.newEmp, NewLogin: rc.newLogin, Source: rc.source(rc.renRow, rc.renF)}
	}
	for ci := g.head; ci >= 0; ci = e.cs.at(ci).next {
		c := e.cs.at(ci)
		cs.Records = append(cs.Records, c.pos)
		if c.key != g.id && g.rename >= 0 && ci > g.rename {
			c.fin = append(c.fin, c.diag(model.SevWarning, c.keyRow, c.keyF,
				fmt.Sprintf("uses the old Employee ID %s, renamed to %s by %s: folded into %s", c.key, g.id, e.cs.at(g.rename).pos, g.id)))
		}
		// The rename's new login outdates userName values of the
		// records before it.
		skipLogin := cs.Rename != nil && cs.Rename.NewLogin != "" && ci < g.rename
		for k := range c.vals {
			v := &c.vals[k]
			row := v.row(c.tc)
			if skipLogin && row.target == loginTarget {
				continue
			}
			if c.dropF != nil && c.dropped(v.f) {
				continue
			}
			dk := ""
			if row.target < 0 {
				dk = row.fold + v.s
			}
			f.put(row.target, dk, win{ci: ci, k: int32(k)})
		}
		if folded && ci == g.rename && c.newLogin != "" {
			f.put(loginTarget, model.SchemaCore+":userName", win{ci: ci, k: -1})
		}
		for k := range c.refs {
			if c.dropF != nil && c.dropped(c.refs[k].f) {
				continue
			}
			cs.Refs = e.foldRef(cs.Refs, e.ref(r, ci, &c.refs[k]))
		}
	}
	if e.leave != nil {
		e.leaveOut(g, cs)
	}
	if flags&flagNew != 0 {
		f.defs = e.defaultsFor(f, cs, f.defs[:0])
	} else {
		f.defs = f.defs[:0]
	}
	if len(f.wins)+len(f.defs) == 0 {
		return
	}
	cs.Attrs = f.attrs.alloc(len(f.wins), len(f.wins)+len(f.defs))
	for _, cd := range f.defs {
		cs.Attrs = append(cs.Attrs, cd.attr())
	}
	for i, w := range f.wins {
		c := e.cs.at(w.ci)
		if w.k < 0 {
			cs.Attrs[i] = model.Attr{Site: &c.loginRow.site, Origin: c.origin, Field: c.loginF + 1, Type: model.StringValue, Str: c.newLogin}
			continue
		}
		v := &c.vals[w.k]
		fillAttr(&cs.Attrs[i], c, v.row(c.tc), v)
	}
}

// defaultsFor lists the defaults of a new user's change set whose values
// are folded in f: those whose extension the change set writes (or that
// apply always) and whose target it does not write.
func (e *Engine) defaultsFor(f *folder, cs *model.ChangeSet, dst []*cdefault) []*cdefault {
	mask := uint16(alwaysPresent)
	for _, w := range f.wins {
		if w.k >= 0 {
			c := e.cs.at(w.ci)
			mask |= c.vals[w.k].row(c.tc).sbit
		}
	}
	for i := range cs.Refs {
		mask |= schemaBit(cs.Refs[i].Schema)
	}
	return e.set.defaults.apply(dst, mask, func(cd *cdefault) bool {
		if int(cd.target) < len(f.slot) {
			return f.gen[cd.target] == f.stamp
		}
		return false // interned after the folder was sized: no row writes it
	})
}

// fillAttr writes the attribute of value v (mapped by row) into a, a zero
// Attr: the row's site, the record's origin and the value.
func fillAttr(a *model.Attr, c *contrib, row *crow, v *cval) {
	a.Site, a.Origin, a.Field = &row.site, c.origin, v.f+1
	switch row.kind {
	case vBool:
		a.Type, a.Bool = model.BoolValue, v.b
	case vMember:
		if row.member == "" {
			a.Str = v.s
		}
		a.Bool = v.b
	default:
		a.Type, a.Str = model.StringValue, v.s
	}
}

func (e *Engine) ref(r *resolution, ci int32, cr *cref) model.Ref {
	c := e.cs.at(ci)
	target := cr.target
	if a, ok := r.alias[target]; ok {
		target = a
		if j := r.renamed[cr.target]; ci > j {
			c.fin = append(c.fin, c.diag(model.SevWarning, cr.row, cr.f,
				fmt.Sprintf("refers to the old Employee ID %s, renamed to %s by %s: the reference follows the rename", cr.target, target, e.cs.at(j).pos)))
		}
	}
	ref := model.Ref{Kind: cr.row.refKind, Schema: cr.row.schema, Path: cr.path, Primary: cr.row.refPrimary,
		Target: target, Origin: c.origin, Site: &cr.row.site, Field: cr.f + 1}
	if len(cr.attrs) > 0 {
		ref.Attrs = make([]model.Attr, 0, len(cr.attrs))
		for i := range cr.attrs {
			v := &cr.attrs[i]
			if c.dropF != nil && c.dropped(v.f) {
				continue
			}
			ref.Attrs = append(ref.Attrs, model.Attr{})
			fillAttr(&ref.Attrs[len(ref.Attrs)-1], c, v.row(c.tc), v)
		}
	}
	return ref
}

// foldRef adds ref to refs; a ref for the same slot overrides the earlier
// one, and delegate element attributes merge (blank = no change).
func (e *Engine) foldRef(refs []model.Ref, ref model.Ref) []model.Ref {
	for i := range refs {
		if !refs[i].SameSlot(&ref) {
			continue
		}
		if ref.Kind == model.RefDelegate {
			merged := append([]model.Attr(nil), refs[i].Attrs...)
		next:
			for _, a := range ref.Attrs {
				for j := range merged {
					if merged[j].Path() == a.Path() {
						merged[j] = a
						continue next
					}
				}
				merged = append(merged, a)
			}
			ref.Attrs = merged
		}
		refs[i] = ref
		return refs
	}
	return append(refs, ref)
}

// results lists one outcome per record in input order.
func (e *Engine) results(r *resolution) []model.RecordResult {
	out := make([]model.RecordResult, e.cs.n)
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		res := model.RecordResult{Pos: c.pos, Format: c.format, Type: c.typ, EmployeeID: c.key, Status: model.StatusConverted}
		if a, ok := r.alias[c.key]; ok {
			res.EmployeeID = a
		}
		switch {
		case c.state == stRejected || c.extRej || c.finRej:
			res.Status = model.StatusRejected
		case c.state == stSkipped || c.left:
			res.Status = model.StatusSkipped
		}
		if n := len(c.msgs) + len(c.fin) + len(c.ext); n > 0 {
			res.Messages = make([]model.Diagnostic, 0, n)
			res.Messages = append(res.Messages, c.msgs...)
			res.Messages = append(res.Messages, c.fin...)
			res.Messages = append(res.Messages, c.ext...)
		}
		out[i] = res
	}
	return out
}
