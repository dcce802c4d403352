package mapping

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// schemaTokens maps the target_schema tokens of spec/notation.csv to URNs.
var schemaTokens = map[string]string{
	"core:2.0:User":                model.SchemaCore,
	"enterprise:2.0:User":          model.SchemaEnterprise,
	"spend:2.0:User":               model.SchemaSpendUser,
	"spend:2.0:Approver":           model.SchemaApprover,
	"spend:2.0:ApproverLimit":      model.SchemaApproverLimit,
	"spend:2.0:Delegate":           model.SchemaDelegate,
	"spend:2.0:Role":               model.SchemaRole,
	"spend:2.0:UserPreference":     model.SchemaUserPreference,
	"spend:2.0:WorkflowPreference": model.SchemaWorkflowPreference,
	"spend:2.0:InvoicePreference":  model.SchemaInvoicePreference,
	"enterprise:2.0:Payroll":       model.SchemaPayroll,
	"travel:2.0:User":              model.SchemaTravel,
	NotSupported:                   "",
	"":                             "", // literal and ignore rows
}

func schemaTokenList() string {
	return "core:2.0:User, enterprise:2.0:User, spend:2.0:User, spend:2.0:Approver, spend:2.0:ApproverLimit, " +
		"spend:2.0:Delegate, spend:2.0:Role, spend:2.0:UserPreference, spend:2.0:WorkflowPreference, " +
		"spend:2.0:InvoicePreference, enterprise:2.0:Payroll, travel:2.0:User, NOT SUPPORTED"
}

// valKind is the kind of value a row contributes.
type valKind uint8

const (
	vString valKind = iota
	vBool
	vMember
)

// Key modes of a table.
const (
	keyAmend = iota
	keyCreate
	keyCreateIf
)

// crow is a compiled row.
type crow struct {
	ref      string // "mapping/tables/305.csv:17"
	idx      uint16 // index in compiled.rows
	src      string // source_field
	name     string
	op       op
	conv     conv
	args     string
	schema   string // URN, "" when none
	path     string
	member   string // entitlement or role code (static members)
	maxLen   int
	kind     valKind
	cf       convFlags        // the row's conversion flags (end of day, date)
	silent   string           // unsupported: value dropped without a warning
	lost     string           // unsupported, forbid: what the value means that UPS cannot hold (Row.Lost)
	target   int32            // interned fold target; -1 = none (dynamic members and non-value rows)
	sbit     uint16           // schemaBit of schema
	fold     string           // dynamic members: fold key prefix
	shared   bool             // another row of the table writes the same target
	inDeleg  bool             // attribute of the delegate element (Ref.Attrs)
	primary  *crow            // phone: synthetic row setting the element's primary=true
	gated    []*crow          // presence flag of a delegate sub-attribute: the rows below its path
	presence bool             // a flag on a complex delegate sub-attribute: needs gated rows
	subs     []*crow          // synthetic rows a value may write (cval.sub): primary; the typed e-mails of email_entry
	etypes   map[string]uint8 // email_entry: input type (lower case) -> index in subs + 1
	site     model.Site       // src, name and ref: the lineage the row's values share

	refKind    model.RefKind
	refPath    string
	refPrimary *bool
	refKey     string
}

// compiled is a table ready for the engine.
type compiled struct {
	numbered bool
	rows     []crow           // numbered: index = position-1; keyed: file order
	byKey    map[string]*crow // keyed tables
	patterns []*crow          // keyed rows whose source_field has [*]
	keys     []*crow          // key rows; none = settings table (records skipped)
	// keyIdx are the positions (numbered tables) of the rows Engine.Keys
	// reads (readsKey), in order: a record's other fields are not looked
	// at.
	keyIdx   []int
	mode     int
	createIf []*crow
	delegate *crow
	product  *crow
	gates    []*crow // presence flags (rows with gated)
}

// targets interns fold targets process-wide, so that the same attribute
// written from different tables (300 and 305, V1) folds into one slot.
var targets struct {
	sync.Mutex
	ids map[string]int32
}

func internTarget(k string) int32 {
	targets.Lock()
	defer targets.Unlock()
	if targets.ids == nil {
		targets.ids = map[string]int32{}
	}
	id, ok := targets.ids[k]
	if !ok {
		id = int32(len(targets.ids))
		targets.ids[k] = id
	}
	return id
}

// lookupTarget returns the id of an interned target, or -1.
func lookupTarget(k string) int32 {
	targets.Lock()
	defer targets.Unlock()
	if id, ok := targets.ids[k]; ok {
		return id
	}
	return -1
}

func targetCount() int {
	targets.Lock()
	defer targets.Unlock()
	return len(targets.ids)
}

var approverPath = regexp.MustCompile(`^(report|cashAdvance|request|invoice|purchaseRequest|statement|budget)\[primary eq (true|false)\]\.approver\.employeeNumber$`)

var entitlements = map[string]bool{"Expense": true, "Invoice": true, "Request": true, "Travel": true}

// validPath checks SCIM attribute path syntax: name(.name)* with optional
// [filter] after a name.
func validPath(p string) bool {
	if p == "" {
		return false
	}
	depth, quoted, prev := 0, false, byte('.')
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case quoted:
			if c == '"' {
				quoted = false
			}
		case depth > 0:
			switch c {
			case '"':
				quoted = true
			case ']':
				depth--
			case '[':
				return false
			}
		case c == '[':
			if prev == '.' {
				return false
			}
			depth++
		case c == '.':
			if prev == '.' {
				return false
			}
		case isLetter(c) || isDigit(c) || c == '$' || c == '_':
		default:
			return false
		}
		prev = c
	}
	return depth == 0 && !quoted && prev != '.'
}

type validator struct {
	file string
	errs []error
}

func (v *validator) add(r *Row, column, format string, args ...any) {
	v.errs = append(v.errs, &TableError{File: v.file, Line: r.Line, Column: column, Err: fmt.Errorf(format, args...)})
}

func compile(t *Table) (*compiled, error) {
	v := &validator{file: t.File}
	roles := roleCodes()
	c := &compiled{}
	if len(t.rows) == 0 {
		return nil, &TableError{File: t.File, Err: errors.New("table has no rows")}
	}
	// Numbered or keyed: decided by the first row, checked for all.
	_, err := strconv.Atoi(t.rows[0].SourceField)
	c.numbered = err == nil
	crows := make([]crow, len(t.rows))
	seen := map[string]*Row{}
	for i := range t.rows {
		r := &t.rows[i]
		cr := &crows[i]
		if r.SourceField == "" {
			v.add(r, "source_field", "empty source field")
			continue
		}
		if c.numbered {
			n, err := strconv.Atoi(r.SourceField)
			if err != nil || n < 1 {
				v.add(r, "source_field", "source field %q is not a field position: a table maps either positions or keys", r.SourceField)
			} else if strconv.Itoa(n) != r.SourceField {
				v.add(r, "source_field", "field position %q must be written as %d", r.SourceField, n)
			}
		}
		if prev, dup := seen[r.SourceField]; dup {
			v.add(r, "source_field", "duplicate source field %q (also on line %d)", r.SourceField, prev.Line)
		}
		seen[r.SourceField] = r
		compileRow(v, t, r, cr, roles)
	}
	if len(crows) > 0xFFFF {
		return nil, &TableError{File: t.File, Err: fmt.Errorf("%d rows: a table has at most 65535", len(crows))}
	}
	if c.numbered {
		c.rows = make([]crow, len(crows))
		filled := make([]bool, len(crows))
		for i := range crows {
			n, err := strconv.Atoi(t.rows[i].SourceField)
			if err != nil || n < 1 {
				continue
			}
			if n > len(crows) {
				v.add(&t.rows[i], "source_field", "field position %d leaves a gap: the table has %d rows, so positions must be 1..%d", n, len(crows), len(crows))
				continue
			}
			c.rows[n-1] = crows[i]
			filled[n-1] = true
		}
		for i, ok := range filled {
			if !ok && len(v.errs) == 0 {
				v.errs = append(v.errs, &TableError{File: t.File, Err: fmt.Errorf("field position %d has no row", i+1)})
			}
		}
	} else {
		c.rows = crows
		c.byKey = make(map[string]*crow, len(crows))
		for i := range c.rows {
			cr := &c.rows[i]
			if strings.Contains(cr.src, "[*]") {
				c.patterns = append(c.patterns, cr)
			} else {
				c.byKey[cr.src] = cr
			}
		}
	}
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	for i := range c.rows {
		cr := &c.rows[i]
		cr.idx = uint16(i)
		cr.setSite()
		for _, sub := range cr.subs {
			sub.setSite()
		}
	}
	tableChecks(v, t, c)
	if len(v.errs) > 0 {
		return nil, errors.Join(v.errs...)
	}
	if c.numbered {
		login := loginTarget()
		for i := range c.rows {
			if readsKey(&c.rows[i], login) {
				c.keyIdx = append(c.keyIdx, i)
			}
		}
	}
	return c, nil
}

// setSite fills the site the row's attributes share. The new login of a
// rename becomes a userName attribute when folded into the creation.
func (cr *crow) setSite() {
	cr.site = model.Site{Schema: cr.schema, Path: cr.path, Member: cr.member, Field: cr.src, Name: cr.name, Row: cr.ref, Slot: model.NewSiteSlot()}
	switch {
	case cr.kind == vMember:
		cr.site.Kind = model.AttrMember
	case cr.op == opNewLogin:
		cr.site.Schema, cr.site.Path = model.SchemaCore, "userName"
	}
}

// compileRow validates one row and fills its compiled form.
func compileRow(v *validator, t *Table, r *Row, cr *crow, roles map[string]roleInfo) {
	cr.ref = t.File + ":" + strconv.Itoa(r.Line)
	cr.src = r.SourceField
	cr.name = r.Name
	if cr.name == "" {
		cr.name = r.SourceField
	}
	cr.args = r.Args
	cr.path = r.TargetPath
	cr.target = -1
	tf := lookupTransform(r.Transform)
	if tf == nil {
		v.add(r, "transform", "unknown transform %q: want one of %s", r.Transform, transformNames())
		return
	}
	cr.op = tf.op
	cr.conv = tf.conv
	if tf.name == "date" || tf.name == "datetime" {
		cr.cf |= cfDate
	}
	urn, ok := schemaTokens[r.TargetSchema]
	if !ok {
		v.add(r, "target_schema", "%s", unknownSchema(r.TargetSchema, true))
		checkSecret(v, r, tf)
		return
	}
	cr.schema = urn
	cr.sbit = schemaBit(urn)
	if r.MaxLength != "" {
		n, err := strconv.Atoi(r.MaxLength)
		if err != nil || n < 1 {
			v.add(r, "max_length", "max length %q is not a positive integer", r.MaxLength)
		}
		cr.maxLen = n
	}

	// Arguments.
	switch tf.args {
	case "":
		if r.Args != "" {
			v.add(r, "args", "transform %s takes no args, got %q", tf.name, r.Args)
		}
	case "literal":
		if r.Args == "" {
			v.add(r, "args", "transform literal needs the expected value in args")
		}
	case "silent":
		cr.silent = r.Args
	case "member:entitlement":
		if !entitlements[r.Args] {
			v.add(r, "args", "entitlement %q: want Expense, Invoice, Request or Travel", r.Args)
		}
		cr.member = r.Args
	case "member:role":
		code, err := checkRole(roles, r.Args)
		if err != nil {
			v.add(r, "args", "%v", err)
		} else if code != r.Args {
			v.add(r, "args", "role code %q must be written %s", r.Args, code)
		}
		cr.member = r.Args
	case "phone":
		if r.Args != "" && r.Args != "primary" {
			v.add(r, "args", "transform phone takes args primary or nothing, got %q", r.Args)
		}
	case "datetime":
		if r.Args != "start" && r.Args != "end" {
			v.add(r, "args", "transform datetime takes args start or end, got %q", r.Args)
		}
		if r.Args == "end" {
			cr.cf |= cfEndOfDay
		}
	case "key":
		// Checked in tableChecks, which knows the other rows.
	case "email_types":
		compileEmailTypes(v, r, cr)
	}

	// Targets.
	n0 := len(v.errs)
	needNote := false
	switch tf.op {
	case opLiteral:
		expectTarget(v, r, "", "")
	case opIgnore:
		if r.TargetSchema != "" && r.TargetSchema != NotSupported {
			v.add(r, "target_schema", "transform ignore has no target: want an empty target_schema or NOT SUPPORTED")
		}
		if r.TargetPath != "" {
			v.add(r, "target_path", "transform ignore has no target path")
		}
		needNote = true
	case opUnsupported, opForbid:
		expectTarget(v, r, NotSupported, "")
		needNote = true
	case opSecret:
		needNote = true // target: checkSecret
	case opKey, opNewEmployeeID:
		expectTarget(v, r, "enterprise:2.0:User", "employeeNumber")
	case opNewLogin:
		expectTarget(v, r, "core:2.0:User", "userName")
	case opMember:
		if tf.name == "entitlement" {
			expectTarget(v, r, "core:2.0:User", "entitlements")
		} else {
			expectTarget(v, r, "spend:2.0:Role", "roles")
		}
		cr.kind = vMember
	case opRoleCode:
		expectTarget(v, r, "spend:2.0:Role", "roles")
		cr.kind = vMember
		cr.fold = urn + ":" + r.TargetPath + "#"
	case opProduct:
		expectTarget(v, r, "spend:2.0:Delegate", "")
	case opEmailEntry:
		expectTarget(v, r, "core:2.0:User", "emails")
		if !strings.HasSuffix(r.SourceField, "[*]") {
			v.add(r, "source_field", "email_entry maps the elements of an array: want a source field ending in [*] (Emails[*]), got %q", r.SourceField)
		}
	case opRef:
		compileRef(v, tf.name, r, cr)
	case opSet, opFlag, opBool, opPhoneExt:
		if urn == "" {
			v.add(r, "target_schema", "transform %s needs a target schema", tf.name)
		}
		if !validPath(r.TargetPath) {
			v.add(r, "target_path", "malformed target path %q", r.TargetPath)
		}
		if urn == model.SchemaApprover || urn == model.SchemaApproverLimit || urn == model.SchemaRole {
			v.add(r, "target_schema", "schema %s takes references or roles, not transform %s", r.TargetSchema, tf.name)
		}
		if tf.op == opFlag || tf.op == opBool {
			cr.kind = vBool
		}
		cr.inDeleg = urn == model.SchemaDelegate
		if tf.name == "phone" && r.Args == "primary" {
			p := strings.TrimSuffix(r.TargetPath, ".value")
			if p == r.TargetPath {
				v.add(r, "target_path", "phone with args primary needs a target path ending in .value")
			}
			cr.primary = &crow{ref: cr.ref, src: cr.src, name: cr.name, op: opSet, schema: urn, sbit: cr.sbit, path: p + ".primary", kind: vBool}
			cr.primary.target = internTarget(urn + ":" + cr.primary.path)
			cr.subs = []*crow{cr.primary}
		}
	}
	// Only unsupported and forbid rows say what is lost; other rows ignore
	// the column, so that a row mapped in an override may keep its text.
	cr.lost = r.Lost
	if tf.op == opForbid && cr.lost == "" {
		cr.lost = r.Note // a table without the lost column: the note says why
	}
	checkSecret(v, r, tf)
	if len(v.errs) == n0 {
		checkTarget(v, r, tf, cr)
	}
	if needNote && strings.TrimSpace(r.Note) == "" {
		v.add(r, "note", "a field that is not mapped needs the reason in the note column")
	}
	switch {
	case cr.inDeleg:
		cr.target = internTarget("delegate-element:" + r.TargetPath)
	case cr.kind == vMember && cr.member != "":
		cr.target = internTarget(urn + ":" + r.TargetPath + "#" + cr.member)
	case tf.op == opSet || tf.op == opFlag || tf.op == opBool || tf.op == opPhoneExt:
		cr.target = internTarget(urn + ":" + r.TargetPath)
	}
}

// upsEmailTypes are the types UPS keeps one e-mail address each of.
var upsEmailTypes = []string{"work", "home", "work2", "other", "other2"}

// compileEmailTypes reads the args of an email_entry row, Input=ups pairs
// separated by |, and makes one synthetic row per UPS type.
func compileEmailTypes(v *validator, r *Row, cr *crow) {
	cr.etypes = map[string]uint8{}
	if r.Args == "" {
		v.add(r, "args", "email_entry needs the element types in args: Input=ups pairs separated by | (Work=work|Personal=home)")
		return
	}
	for _, pair := range strings.Split(r.Args, "|") {
		in, ups, ok := strings.Cut(pair, "=")
		in, ups = strings.TrimSpace(in), strings.TrimSpace(ups)
		known := false
		for _, t := range upsEmailTypes {
			known = known || t == ups
		}
		if !ok || in == "" || !known {
			v.add(r, "args", "email_entry type %q: want Input=ups with ups one of %s", pair, strings.Join(upsEmailTypes, ", "))
			continue
		}
		if _, dup := cr.etypes[strings.ToLower(in)]; dup {
			v.add(r, "args", "email_entry type %q is mapped twice", in)
			continue
		}
		path := `emails[type eq "` + ups + `"].value`
		k := -1
		for i, s := range cr.subs {
			if s.path == path {
				k = i
			}
		}
		if k < 0 {
			if len(cr.subs) == 0xFF {
				v.add(r, "args", "too many e-mail types")
				return
			}
			urn := model.SchemaCore
			sub := &crow{ref: cr.ref, src: cr.src, name: cr.name, op: opSet, schema: urn, sbit: schemaBit(urn), path: path,
				target: internTarget(urn + ":" + path)}
			cr.subs = append(cr.subs, sub)
			k = len(cr.subs) - 1
		}
		cr.etypes[strings.ToLower(in)] = uint8(k + 1)
	}
}

func expectTarget(v *validator, r *Row, schema, path string) {
	if r.TargetSchema != schema {
		want := schema
		if want == "" {
			want = "empty"
		}
		v.add(r, "target_schema", "transform %s wants target_schema %s, got %q", r.Transform, want, r.TargetSchema)
	}
	if r.TargetPath != path {
		want := path
		if want == "" {
			want = "empty"
		}
		v.add(r, "target_path", "transform %s wants target_path %s, got %q", r.Transform, want, r.TargetPath)
	}
}

func compileRef(v *validator, name string, r *Row, cr *crow) {
	switch name {
	case "approver":
		m := approverPath.FindStringSubmatch(r.TargetPath)
		if r.TargetSchema != "spend:2.0:Approver" || m == nil {
			v.add(r, "target_path", "approver wants target_schema spend:2.0:Approver and target_path <type>[primary eq true|false].approver.employeeNumber, got %s %q%s", r.TargetSchema, r.TargetPath, approverHint(r))
			return
		}
		primary := m[2] == "true"
		if !primary && m[1] != "report" && m[1] != "request" {
			v.add(r, "target_path", "only report and request approvers may be non-primary")
		}
		cr.refKind, cr.refPath, cr.refPrimary = model.RefApprover, m[1], &primary
	case "manager":
		if r.TargetSchema != "travel:2.0:User" && r.TargetSchema != "enterprise:2.0:User" {
			v.add(r, "target_schema", "manager wants target_schema travel:2.0:User or enterprise:2.0:User, got %q", r.TargetSchema)
		}
		if r.TargetPath != "manager.employeeNumber" {
			v.add(r, "target_path", "manager wants target_path manager.employeeNumber, got %q", r.TargetPath)
		}
		cr.refKind, cr.refPath = model.RefManager, "manager"
	case "bi_manager":
		expectTarget(v, r, "spend:2.0:User", "biManager.employeeNumber")
		cr.refKind, cr.refPath = model.RefBIManager, "biManager"
	case "delegate":
		expectTarget(v, r, "spend:2.0:Delegate", "delegate.employeeNumber")
		cr.refKind = model.RefDelegate
	}
	k := string(cr.refKind) + ":" + cr.schema + ":" + cr.refPath
	if cr.refPrimary != nil {
		if *cr.refPrimary {
			k += "#primary"
		} else {
			k += "#secondary"
		}
	}
	cr.refKey = k
}

// tableChecks validates what depends on several rows.
func tableChecks(v *validator, t *Table, c *compiled) {
	byTarget := map[int32][]*crow{}
	var keyRow *Row
	for i := range c.rows {
		cr := &c.rows[i]
		r := rowOf(t, cr)
		switch cr.op {
		case opKey:
			c.keys = append(c.keys, cr)
			if keyRow == nil {
				keyRow = r
			} else if c.numbered {
				v.add(r, "transform", "a numbered table has one key field (also on line %d)", keyRow.Line)
			} else if r.Args != keyRow.Args {
				v.add(r, "args", "key aliases must have the same args as line %d (%q)", keyRow.Line, keyRow.Args)
			}
		case opRef:
			if cr.refKind == model.RefDelegate {
				if c.delegate != nil {
					v.add(r, "transform", "a table has at most one delegate field")
				}
				c.delegate = cr
			}
		case opProduct:
			if c.product != nil {
				v.add(r, "transform", "a table has at most one product field")
			}
			c.product = cr
		case opPhoneExt:
			if !c.numbered {
				v.add(r, "transform", "phone_ext needs a numbered table")
			}
			var phone *crow
			n, _ := strconv.Atoi(cr.src)
			for j := 0; j < n-1 && j < len(c.rows); j++ {
				p := &c.rows[j]
				if p.op == opSet && p.target == cr.target && p.primary == nil && p.args == "" && rowOf(t, p).Transform == "phone" {
					phone = p
				}
			}
			if phone == nil {
				v.add(r, "target_path", "phone_ext needs an earlier phone row with the same target %s", r.TargetPath)
			}
		}
		if cr.target >= 0 {
			byTarget[cr.target] = append(byTarget[cr.target], cr)
		}
		for _, sub := range cr.subs {
			byTarget[sub.target] = append(byTarget[sub.target], sub)
		}
	}
	for _, rs := range byTarget {
		// Keyed records may repeat a key (aliases canonicalized by the
		// reader): every value row of a keyed table is checked.
		if len(rs) > 1 || !c.numbered {
			for _, cr := range rs {
				cr.shared = true
			}
		}
	}
	if (c.delegate == nil) != (c.product == nil) {
		v.errs = append(v.errs, &TableError{File: t.File, Err: errors.New("a delegate table needs both a delegate and a product row")})
	}
	for i := range c.rows {
		cr := &c.rows[i]
		if cr.inDeleg && c.delegate == nil {
			v.add(rowOf(t, cr), "target_schema", "spend:2.0:Delegate attributes need a delegate row in the same table")
		}
		// A flag on a delegate sub-attribute whose parts other rows map
		// (temporaryDelegation and temporaryDelegation.…FromDate) is its
		// presence flag: N drops the parts, Y needs them.
		if cr.inDeleg && cr.op == opFlag {
			for j := range c.rows {
				if k := &c.rows[j]; k.inDeleg && strings.HasPrefix(k.path, cr.path+".") {
					cr.gated = append(cr.gated, k)
				}
			}
			if cr.gated != nil {
				c.gates = append(c.gates, cr)
			} else if cr.presence {
				v.add(rowOf(t, cr), "target_path", "target path %s has sub-attributes: a flag there is the presence flag of its parts, and no row of this table maps one (%s.…)", cr.path, cr.path)
			}
		}
	}
	if keyRow == nil {
		for i := range c.rows {
			cr := &c.rows[i]
			switch cr.op {
			case opLiteral, opIgnore, opUnsupported, opSecret:
			default:
				v.add(rowOf(t, cr), "transform", "a table without a key row is a settings table whose records are not sent; transform %s needs a key row", rowOf(t, cr).Transform)
			}
		}
		return
	}
	switch a := keyRow.Args; {
	case a == "create":
		c.mode = keyCreate
	case a == "amend":
		c.mode = keyAmend
	case strings.HasPrefix(a, "create-if="):
		c.mode = keyCreateIf
		for _, f := range strings.Split(strings.TrimPrefix(a, "create-if="), "|") {
			var cr *crow
			if c.numbered {
				if n, err := strconv.Atoi(f); err == nil && n >= 1 && n <= len(c.rows) {
					cr = &c.rows[n-1]
				}
			} else {
				cr = c.byKey[f]
			}
			if cr == nil {
				v.add(keyRow, "args", "create-if names field %q, which is not in the table", f)
				continue
			}
			c.createIf = append(c.createIf, cr)
		}
	default:
		v.add(keyRow, "args", "key args must be create, amend or create-if=F1|F2..., got %q", a)
	}
}

func rowOf(t *Table, cr *crow) *Row {
	for i := range t.rows {
		if t.rows[i].SourceField == cr.src {
			return &t.rows[i]
		}
	}
	return &Row{SourceField: cr.src}
}
