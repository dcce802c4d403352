package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/schemas"
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
	// Blocks, when set, gives the engine its arenas' blocks, and takes
	// them back when the engine is released (Engine.Release).
	Blocks *Blocks
	// Requires, when set, lists the attributes a full User body must carry
	// with each extension (schemas.ExtensionRequirements): Finish leaves an
	// extension that lacks one out of a new user, as LeaveOut would once
	// the schema check of the user's POST found it missing.
	Requires []schemas.Requirement
}

// Engine maps records to change sets. Add records in input order, then call
// Finish; Finish may be called again after more Add or Reject calls. An
// Engine is not safe for concurrent use.
type Engine struct {
	set   *Set
	opts  Options
	roles map[string]roleInfo
	cs    contribs
	req   *requires // Options.Requires, compiled

	lastFormat, lastType string
	lastTable            *Table

	vals  arena[cval] // the values of every record, in blocks
	start int         // where the current record's values start in vals.buf
	dvals arena[cval]
	refs  arena[cref]
	orgs  arena[model.Origin] // the lineage origin of every record
	// folded holds the blocks the change sets of Finish were folded into
	// (the build workers' folders'), to release with the engine's.
	folded struct {
		attrs arena[model.Attr]
		refs  arena[model.Ref]
		recs  arena[model.Position]
	}
	dscr []cval
	rscr []cref
	cf   convFlags   // cfDayFirst when Options.DateOrder is DayFirst
	fscr []fieldRef  // the record's fields of forbid rows that carry a value
	escr []entryPart // the record's values of email_entry rows

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
	from   *freeList[contrib] // where the chunks come from and go back to
}

const chunkBits = 10

func (cs *contribs) add() *contrib {
	if int(cs.n)>>chunkBits == len(cs.chunks) {
		var c []contrib
		if cs.from != nil {
			c = cs.from.get()
		}
		if c == nil {
			c = make([]contrib, 1<<chunkBits)
		}
		cs.chunks = append(cs.chunks, c[:1<<chunkBits])
	}
	c := &cs.chunks[cs.n>>chunkBits][cs.n&(1<<chunkBits-1)]
	cs.n++
	return c
}

func (cs *contribs) at(i int32) *contrib { return &cs.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }

// Release gives the engine's blocks back to Options.Blocks: the records'
// values and origins and the change sets Finish returned, which must no
// longer be used; nor must the engine. Without Options.Blocks it only
// drops them.
func (e *Engine) Release() {
	e.vals.release()
	e.dvals.release()
	e.refs.release()
	e.orgs.release()
	e.folded.attrs.release()
	e.folded.refs.release()
	e.folded.recs.release()
	if e.cs.from != nil {
		e.cs.from.put(e.cs.chunks)
	}
	e.cs.chunks, e.cs.n = nil, 0
}

// NewEngine returns an engine mapping through the tables of set.
func NewEngine(set *Set, opts Options) *Engine {
	roles := roleCodes()
	e := &Engine{set: set, opts: opts, roles: roles}
	if b := opts.Blocks; b != nil {
		e.vals.from, e.dvals.from, e.refs.from, e.orgs.from, e.cs.from = &b.vals, &b.vals, &b.refs, &b.orgs, &b.contribs
		e.folded.attrs.from, e.folded.refs.from, e.folded.recs.from = &b.attrs, &b.mrefs, &b.recs
	}
	if opts.DateOrder == DayFirst {
		e.cf = cfDayFirst
	}
	if len(opts.Requires) > 0 {
		e.req = newRequires(opts.Requires)
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
	msg := "value is " + strconv.Itoa(n) + " characters long; at most " + strconv.Itoa(cr.maxLen) + " allowed"
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
