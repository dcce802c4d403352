package mapping

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// DefaultsFile is the name of the defaults table, embedded in
// mapping/tables and overridable in a mapping directory.
const DefaultsFile = "defaults.csv"

// DefaultsColumns is the header of the defaults table. applies may be left
// out of a file (every row then applies to a present extension only).
var DefaultsColumns = []string{"target_schema", "target_path", "value", "transform", "applies", "note"}

// Applies values of a defaults row.
const (
	// AppliesExtension (or an empty cell) fills the target only when the
	// change set already writes the target's extension.
	AppliesExtension = "extension"
	// AppliesAlways fills the target of every created user, creating the
	// extension when needed.
	AppliesAlways = "always"
)

// DefaultRow is one row of the defaults table: a value given to created
// users that lack the target.
type DefaultRow struct {
	TargetSchema string // token of spec/notation.csv ("spend:2.0:User")
	TargetPath   string // attribute path in SCIM filter notation
	Value        string // input form, converted by Transform ("en_US")
	Transform    string // a value transform of Transforms()
	Applies      string // "", extension or always
	Note         string
	Line         int    // line in the file (1 = header)
	File         string // where the row comes from when not the table's file ("--default")
}

// Defaults is a validated defaults table. It is immutable and safe for
// concurrent use.
type Defaults struct {
	File string
	rows []DefaultRow
	c    []cdefault
}

// cdefault is a compiled defaults row.
type cdefault struct {
	schema string
	path   string
	sbit   uint16
	target int32
	value  any // string or bool
	always bool
	origin model.Origin // defaults file and row line
	site   model.Site
}

// Rows returns a copy of the rows in file order.
func (d *Defaults) Rows() []DefaultRow {
	if d == nil {
		return nil
	}
	return append([]DefaultRow(nil), d.rows...)
}

// Len is the number of rows.
func (d *Defaults) Len() int {
	if d == nil {
		return 0
	}
	return len(d.rows)
}

// ParseDefaults reads and validates a defaults table in CSV form; file names
// it in positions and lineage.
func ParseDefaults(file string, r io.Reader) (*Defaults, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	pr := &posReader{r: csv.NewReader(br)}
	pr.r.FieldsPerRecord = -1
	all, err := pr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &TableError{File: file, Line: pe.Line, Err: pe.Err, cols: DefaultsColumns}
		}
		return nil, &TableError{File: file, Err: err, cols: DefaultsColumns}
	}
	if len(all) == 0 {
		return nil, &TableError{File: file, Err: errors.New("empty defaults table: want the header " + strings.Join(DefaultsColumns, ",")), cols: DefaultsColumns}
	}
	idx := map[string]int{}
	var bad []string
	for i, c := range all[0] {
		c = strings.TrimSpace(c)
		if _, dup := idx[c]; dup || defaultsColumn(c) == 0 {
			bad = append(bad, strconv.Quote(c))
			continue
		}
		idx[c] = i
	}
	for _, c := range DefaultsColumns {
		if _, ok := idx[c]; !ok && c != "applies" {
			bad = append(bad, "missing "+c)
		}
	}
	if len(bad) > 0 {
		return nil, &TableError{File: file, Line: pr.lines[0], cols: DefaultsColumns,
			Err: fmt.Errorf("bad header (%s): want %s", strings.Join(bad, ", "), strings.Join(DefaultsColumns, ","))}
	}
	cell := func(rec []string, col string) string {
		if i, ok := idx[col]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	rows := make([]DefaultRow, 0, len(all)-1)
	for i, rec := range all[1:] {
		rows = append(rows, DefaultRow{TargetSchema: cell(rec, "target_schema"), TargetPath: cell(rec, "target_path"),
			Value: cell(rec, "value"), Transform: cell(rec, "transform"), Applies: cell(rec, "applies"),
			Note: cell(rec, "note"), Line: pr.lines[i+1]})
	}
	return NewDefaults(file, rows)
}

func defaultsColumn(name string) int {
	for i, c := range DefaultsColumns {
		if c == name {
			return i + 1
		}
	}
	return 0
}

// NewDefaults validates rows into a defaults table: known schema token with
// user attributes (not references, roles or delegates), well-formed path,
// each target once, a value transform (not datetime, not phone_ext) that
// accepts the value, applies empty, extension or always. All problems are
// reported together, each as a *TableError at file:line:column.
func NewDefaults(file string, rows []DefaultRow) (*Defaults, error) {
	d := &Defaults{File: file, rows: append([]DefaultRow(nil), rows...)}
	var errs []error
	fileOf := func(r *DefaultRow) string {
		if r.File != "" {
			return r.File
		}
		return file
	}
	add := func(r *DefaultRow, col, format string, args ...any) {
		errs = append(errs, &TableError{File: fileOf(r), Line: r.Line, Column: col, Err: fmt.Errorf(format, args...), cols: DefaultsColumns})
	}
	seen := map[string]int{}
	for i := range d.rows {
		r := &d.rows[i]
		r.TargetSchema, r.TargetPath = strings.TrimSpace(r.TargetSchema), strings.TrimSpace(r.TargetPath)
		r.Transform, r.Applies = strings.TrimSpace(r.Transform), strings.TrimSpace(r.Applies)
		n := len(errs)
		urn, ok := schemaTokens[r.TargetSchema]
		switch {
		case !ok || urn == "":
			add(r, "target_schema", "%s", unknownSchema(r.TargetSchema, false))
		case urn == model.SchemaApprover || urn == model.SchemaApproverLimit || urn == model.SchemaRole || urn == model.SchemaDelegate:
			add(r, "target_schema", "schema %s takes references or roles: it has no defaults", r.TargetSchema)
		}
		if !validPath(r.TargetPath) {
			add(r, "target_path", "malformed target path %q", r.TargetPath)
		} else if urn == model.SchemaEnterprise && (r.TargetPath == "employeeNumber" || r.TargetPath == "companyId") {
			add(r, "target_path", "%s is written by the plan: it has no default", r.TargetPath)
		} else if len(errs) == n {
			if col, msg := defaultTargetProblem(r, urn); msg != "" {
				add(r, col, "%s", msg)
			}
		}
		key := urn + ":" + r.TargetPath
		if prev, dup := seen[key]; dup {
			add(r, "target_path", "duplicate target %s %s (also on line %d)", r.TargetSchema, r.TargetPath, prev)
		}
		seen[key] = r.Line
		var value any
		tf := lookupTransform(r.Transform)
		v := strings.TrimSpace(r.Value)
		switch {
		case tf == nil || (tf.op != opSet && tf.op != opFlag && tf.op != opBool) || (tf.args != "" && tf.args != "phone"):
			add(r, "transform", "transform %q cannot give a default: want a value transform (text, login, email, flag, bool, locale, country, subdivision, currency, expense_audit, reimbursement_type, gender, date, phone)", r.Transform)
		case v == "":
			add(r, "value", "empty value")
		case tf.op == opFlag:
			b, err := parseFlag(v)
			if err != nil {
				add(r, "value", "%v", err)
			}
			value = b
		case tf.op == opBool:
			b, err := parseBool(v)
			if err != nil {
				add(r, "value", "%v", err)
			}
			value = b
		default:
			s, err := tf.conv(v, 0) // defaults are the tool's own: dates ISO or month-first
			if err != nil {
				add(r, "value", "%v", err)
			}
			value = s
		}
		if r.Applies != "" && r.Applies != AppliesExtension && r.Applies != AppliesAlways {
			add(r, "applies", "applies is %q: want %s, %s or empty (= %s)", r.Applies, AppliesExtension, AppliesAlways, AppliesExtension)
		}
		if len(errs) > n {
			continue
		}
		ref := fileOf(r) + ":" + strconv.Itoa(r.Line)
		d.c = append(d.c, cdefault{schema: urn, path: r.TargetPath, sbit: schemaBit(urn), target: internTarget(key),
			value: value, always: r.Applies == AppliesAlways,
			origin: model.Origin{Pos: model.Position{File: fileOf(r), Line: r.Line}},
			site:   model.Site{Schema: urn, Path: r.TargetPath, Field: "value", Name: "default", Row: ref, Slot: model.NewSiteSlot()}})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

// schemaBit is the bit of a schema URN in a change set's schema mask.
func schemaBit(urn string) uint16 {
	switch urn {
	case "":
		return 0
	case model.SchemaCore:
		return 1 << 0
	case model.SchemaEnterprise:
		return 1 << 1
	case model.SchemaSpendUser:
		return 1 << 2
	case model.SchemaApprover:
		return 1 << 3
	case model.SchemaApproverLimit:
		return 1 << 4
	case model.SchemaDelegate:
		return 1 << 5
	case model.SchemaRole:
		return 1 << 6
	case model.SchemaUserPreference:
		return 1 << 7
	case model.SchemaWorkflowPreference:
		return 1 << 8
	case model.SchemaInvoicePreference:
		return 1 << 9
	case model.SchemaPayroll:
		return 1 << 10
	case model.SchemaTravel:
		return 1 << 11
	}
	return 1 << 15
}

// alwaysPresent are the schemas every created user has: core, and the
// enterprise extension the plan writes (employeeNumber, companyId).
const alwaysPresent = 1<<0 | 1<<1

// apply appends to dst the defaults a created change set gets: rows whose
// target it does not write (set reports whether it does), whose extension
// it writes (mask) or that apply always.
func (d *Defaults) apply(dst []*cdefault, mask uint16, set func(*cdefault) bool) []*cdefault {
	for i := range d.c {
		cd := &d.c[i]
		if (cd.always || mask&cd.sbit != 0) && !set(cd) {
			dst = append(dst, cd)
		}
	}
	return dst
}

// attr is the attribute of the default; its lineage points into cd.
func (cd *cdefault) attr() model.Attr {
	a := model.Attr{Site: &cd.site, Origin: &cd.origin}
	switch v := cd.value.(type) {
	case string:
		a.Type, a.Str = model.StringValue, v
	case bool:
		a.Type, a.Bool = model.BoolValue, v
	}
	return a
}
