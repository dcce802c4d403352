package model

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
)

// SCIM schema URNs used by UPS v4.
const (
	SchemaCore               = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaEnterprise         = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaSpendUser          = "urn:ietf:params:scim:schemas:extension:spend:2.0:User"
	SchemaApprover           = "urn:ietf:params:scim:schemas:extension:spend:2.0:Approver"
	SchemaApproverLimit      = "urn:ietf:params:scim:schemas:extension:spend:2.0:ApproverLimit"
	SchemaDelegate           = "urn:ietf:params:scim:schemas:extension:spend:2.0:Delegate"
	SchemaRole               = "urn:ietf:params:scim:schemas:extension:spend:2.0:Role"
	SchemaUserPreference     = "urn:ietf:params:scim:schemas:extension:spend:2.0:UserPreference"
	SchemaWorkflowPreference = "urn:ietf:params:scim:schemas:extension:spend:2.0:WorkflowPreference"
	SchemaInvoicePreference  = "urn:ietf:params:scim:schemas:extension:spend:2.0:InvoicePreference"
	SchemaPayroll            = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:Payroll"
	SchemaTravel             = "urn:ietf:params:scim:schemas:extension:travel:2.0:User"
	SchemaPatchOp            = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaBulkRequest        = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	SchemaBulkResponse       = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

// schemaPrefix and extensionPrefix begin the URNs of SCIM schemas and of
// their extensions.
const (
	schemaPrefix    = "urn:ietf:params:scim:schemas:"
	extensionPrefix = schemaPrefix + "extension:"
)

// ShortSchema shortens a SCIM schema URN to its distinctive tail, the
// token of spec/notation.csv: "urn:ietf:params:scim:schemas:extension:
// spend:2.0:User" → "spend:2.0:User", the core URN → "core:2.0:User".
// Other URNs stay whole.
func ShortSchema(urn string) string {
	s := strings.TrimPrefix(urn, schemaPrefix)
	return strings.TrimPrefix(s, "extension:")
}

// ExpandSchema turns a token of spec/notation.csv ("spend:2.0:User") into
// its URN, "" and "core:2.0:User" into the core URN; a URN stays as it is.
func ExpandSchema(s string) string {
	switch {
	case s == "" || s == "core:2.0:User":
		return SchemaCore
	case strings.HasPrefix(s, "urn:"):
		return s
	}
	if u, ok := schemaOfToken[s]; ok {
		return u // not a new string for each plan line
	}
	return extensionPrefix + s
}

// schemaOfToken maps the tokens of the URNs above to them.
var schemaOfToken = func() map[string]string {
	m := map[string]string{}
	for _, u := range []string{SchemaEnterprise, SchemaSpendUser, SchemaApprover, SchemaApproverLimit, SchemaDelegate,
		SchemaRole, SchemaUserPreference, SchemaWorkflowPreference, SchemaInvoicePreference, SchemaPayroll, SchemaTravel} {
		m[ShortSchema(u)] = u
	}
	return m
}()

// AttrKind says how an Attr changes its target.
type AttrKind uint8

const (
	// AttrSet sets the attribute at Path to the value (Type says which
	// field holds it).
	AttrSet AttrKind = iota
	// AttrMember makes Member present in (Present) or absent from (!Present)
	// the multi-valued attribute at Path: "entitlements" (core) or "roles"
	// (spend Role). It never replaces the other members.
	AttrMember
)

// ValueType says which field of an Attr holds its value.
type ValueType uint8

// Value types.
const (
	NoValue     ValueType = iota // no value (AttrMember)
	StringValue                  // Str
	BoolValue                    // Bool
)

// Attr is one target value of a change set with its lineage.
//
// Its target is Site.Schema and Site.Path: the attribute path inside the
// schema in SCIM filter notation, the same form UPS accepts in PATCH paths:
//
//	name.givenName
//	emails[type eq "work"].value
//	customData[id eq "custom2"].value
//	adp.employeeFileNumber
//
// An Attr is small and holds nothing of its own on the heap: what the
// values of one mapping-table row share (target, field, row) is in Site,
// what the values of one input record share (position, keys, names, lines)
// is in Origin, and Field is the value's place in that record. The
// methods put the parts together; the JSON form has the fields schema,
// path, kind, value (a string or a bool), member, present, source and row.
type Attr struct {
	Site   *Site   // target and mapping row; never nil in a change set
	Origin *Origin // input record of the value; nil when unknown
	Str    string  // StringValue: the value; AttrMember: the member when Site names none
	Field  int32   // 1-based index of the value in Origin's record; 0: Site names the field
	Type   ValueType
	Bool   bool // BoolValue: the value; AttrMember: present (Y) or absent (N)
}

// Site is the part of an Attr that every value mapped by one mapping-table
// row shares: the target, the field the row reads (the default when the
// record does not name it) and the row itself. A Site is never modified
// once an Attr refers to it.
type Site struct {
	Schema string
	Path   string
	Kind   AttrKind
	Member string // AttrMember: entitlement value or role code; "" when each value names its own (Attr.Str)
	Field  string // field key
	Name   string // human name of the field
	Row    string // mapping table row, "305.csv:17"
	// Slot is a number no other Site of the process has (NewSiteSlot),
	// 0 when it has none: writers keep what they learned of a Site in a
	// slice by it rather than a hash table.
	Slot int32
}

var siteSlots atomic.Int32

// NewSiteSlot returns a Slot no Site has had, 0 once they are all taken.
func NewSiteSlot() int32 {
	if n := siteSlots.Add(1); n > 0 {
		return n
	}
	return 0
}

// SiteField is a value's Site and field index (Attr.Field, Ref.Field):
// with the record's field keys and names, what its Source's field and
// name come from. Writers key caches by it.
type SiteField struct {
	Site  *Site
	Field int32
}

// Origin is the part of a value's lineage that the values of one input
// record share: the record's position and its field keys, names and lines
// (the slices of model.Record, not copied).
type Origin struct {
	Pos   Position
	Keys  []string
	Names []string
	Lines []int
}

// SourceAt is the Source of field f (1-based; 0: s names the field) of the
// record o, read by s. o and s may be nil.
func SourceAt(o *Origin, s *Site, f int32) Source {
	var src Source
	src.Field, src.Name = FieldAt(o, s, f)
	if o == nil {
		return src
	}
	src.File, src.Line, src.Item = o.Pos.File, o.Pos.Line, o.Pos.Item
	if i := int(f) - 1; i >= 0 && i < len(o.Lines) && o.Lines[i] > 0 {
		src.Line = o.Lines[i]
	}
	return src
}

// FieldAt is the Field and Name of SourceAt(o, s, f), without the rest.
func FieldAt(o *Origin, s *Site, f int32) (field, name string) {
	if s != nil {
		field, name = s.Field, s.Name
	}
	if i := int(f) - 1; o != nil && i >= 0 {
		if i < len(o.Keys) {
			field = o.Keys[i]
		}
		if i < len(o.Names) && o.Names[i] != "" {
			name = o.Names[i]
		}
	}
	return field, name
}

var noSite Site

func (a *Attr) site() *Site {
	if a.Site == nil {
		return &noSite
	}
	return a.Site
}

// NewAttr returns an Attr setting schema path to v (a string or a bool)
// with the lineage src and row. It allocates the parts; the mapping engine
// shares them instead.
func NewAttr(schema, path string, v any, src Source, row string) Attr {
	a := Attr{Site: &Site{Schema: schema, Path: path, Field: src.Field, Name: src.Name, Row: row},
		Origin: &Origin{Pos: src.Pos()}}
	switch x := v.(type) {
	case string:
		a.Type, a.Str = StringValue, x
	case bool:
		a.Type, a.Bool = BoolValue, x
	}
	return a
}

// NewMember returns an AttrMember Attr making member present or absent in
// schema path, with the lineage src and row. It allocates the parts.
func NewMember(schema, path, member string, present bool, src Source, row string) Attr {
	return Attr{Site: &Site{Schema: schema, Path: path, Kind: AttrMember, Field: src.Field, Name: src.Name, Row: row},
		Origin: &Origin{Pos: src.Pos()}, Str: member, Bool: present}
}

// Schema is the target schema URN.
func (a *Attr) Schema() string { return a.site().Schema }

// Path is the target attribute path inside Schema.
func (a *Attr) Path() string { return a.site().Path }

// Kind says how the Attr changes its target.
func (a *Attr) Kind() AttrKind { return a.site().Kind }

// Member is the entitlement value or role code of an AttrMember.
func (a *Attr) Member() string { return *a.MemberRef() }

// MemberRef points to the member string inside the Attr's parts, for
// callers that keep it without copying; it must not be modified.
func (a *Attr) MemberRef() *string {
	if s := a.site(); s.Member != "" {
		return &s.Member
	}
	return &a.Str
}

// Present reports whether an AttrMember makes its member present.
func (a *Attr) Present() bool { return a.site().Kind == AttrMember && a.Bool }

// Value is the value as an interface: a string, a bool or nil.
func (a *Attr) Value() any {
	switch a.Type {
	case StringValue:
		return a.Str
	case BoolValue:
		return a.Bool
	}
	return nil
}

// Source is the input value the Attr came from.
func (a *Attr) Source() Source { return SourceAt(a.Origin, a.Site, a.Field) }

// FieldName is the Field and Name of a's Source.
func (a *Attr) FieldName() (field, name string) { return FieldAt(a.Origin, a.Site, a.Field) }

// Row is the mapping-table row that mapped the value, "" when unknown.
func (a *Attr) Row() string { return a.site().Row }

// SameTarget reports whether o writes the target a writes (Key equality,
// without building the keys).
func (a *Attr) SameTarget(o *Attr) bool {
	as, os := a.site(), o.site()
	if as.Kind != os.Kind || as.Schema != os.Schema || as.Path != os.Path {
		return false
	}
	return as.Kind != AttrMember || a.Member() == o.Member()
}

// Key identifies the target an Attr writes; a later Attr with the same key
// overrides an earlier one.
func (a Attr) Key() string {
	s := a.site()
	if s.Kind == AttrMember {
		return s.Schema + ":" + s.Path + "#" + a.Member()
	}
	return s.Schema + ":" + s.Path
}

// attrJSON is the JSON form of an Attr.
type attrJSON struct {
	Schema  string   `json:"schema"`
	Path    string   `json:"path"`
	Kind    AttrKind `json:"kind,omitempty"`
	Value   any      `json:"value,omitempty"`   // string or bool (AttrSet)
	Member  string   `json:"member,omitempty"`  // entitlement value or role code (AttrMember)
	Present bool     `json:"present,omitempty"` // AttrMember: present (Y) or absent (N)
	Source  Source   `json:"source"`
	Row     string   `json:"row,omitempty"` // mapping table row, "305.csv:17"
}

// MarshalJSON writes the Attr with its target, value and lineage inline
// (AppendJSON).
func (a Attr) MarshalJSON() ([]byte, error) { return a.AppendJSON(nil), nil }

// UnmarshalJSON reads the form MarshalJSON writes.
func (a *Attr) UnmarshalJSON(data []byte) error {
	var w attrJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	switch {
	case w.Kind == AttrMember:
		*a = NewMember(w.Schema, w.Path, w.Member, w.Present, w.Source, w.Row)
		return nil
	case w.Kind != AttrSet:
		return fmt.Errorf("attribute %s %s: unknown kind %d", w.Schema, w.Path, w.Kind)
	}
	switch w.Value.(type) {
	case nil, string, bool:
	default:
		return fmt.Errorf("attribute %s %s: value of type %T, want a string or a bool", w.Schema, w.Path, w.Value)
	}
	*a = NewAttr(w.Schema, w.Path, w.Value, w.Source, w.Row)
	return nil
}

// RefKind is the kind of a reference from one user to another.
type RefKind string

// Reference kinds (phase 2).
const (
	RefApprover  RefKind = "approver"  // spend Approver: Path is the approval type (report, cashAdvance, request, invoice, purchaseRequest, statement, budget)
	RefDelegate  RefKind = "delegate"  // spend Delegate: Path is the product (expense, payment, purchaseRequest)
	RefManager   RefKind = "manager"   // travel User manager (Schema says which)
	RefBIManager RefKind = "biManager" // spend User biManager
)

// Ref is a reference from the change set's employee to another employee. It
// is emitted in phase 2, after every user of phase 1 exists. Its lineage is
// kept in shared parts like an Attr's: Origin, Site (only its Field, Name
// and Row count) and Field; Source and Row put them together, and the JSON
// form has "source" and "row" fields.
type Ref struct {
	Kind    RefKind
	Schema  string
	Path    string  // attribute in Schema: "report", "expense", "manager", "biManager"
	Primary *bool   // approvers: primary or secondary approver
	Target  string  // Employee ID of the referenced user (after renames)
	Attrs   []Attr  // delegates: element sub-attributes (Path relative to the element: "canPrepare", "temporaryDelegation.temporaryDelegationFromDate")
	Origin  *Origin // input record of the reference; nil when unknown
	Site    *Site   // field and mapping row of the reference; nil when unknown
	Field   int32   // 1-based index of the value in Origin's record; 0: Site names the field
}

// Source is the input value the Ref came from.
func (r *Ref) Source() Source { return SourceAt(r.Origin, r.Site, r.Field) }

// Describe names the reference for messages: "report approver", "report
// approver (secondary)", "expense delegate", "manager", "BI manager".
func (r *Ref) Describe() string {
	key := r.Path
	if j := strings.IndexAny(key, "[."); j >= 0 {
		key = key[:j]
	}
	switch r.Kind {
	case RefApprover:
		if r.Primary != nil && !*r.Primary {
			return key + " approver (secondary)"
		}
		return key + " approver"
	case RefDelegate:
		return key + " delegate"
	case RefBIManager:
		return "BI manager"
	}
	return "manager"
}

// Row is the mapping-table row that mapped the reference, "" when unknown.
func (r *Ref) Row() string {
	if r.Site == nil {
		return ""
	}
	return r.Site.Row
}

// SetSource gives the Ref the lineage src and row, in parts of its own.
func (r *Ref) SetSource(src Source, row string) {
	r.Origin = &Origin{Pos: src.Pos()}
	r.Site = &Site{Field: src.Field, Name: src.Name, Row: row}
	r.Field = 0
}

// refJSON is the JSON form of a Ref.
type refJSON struct {
	Kind    RefKind `json:"kind"`
	Schema  string  `json:"schema"`
	Path    string  `json:"path"`
	Primary *bool   `json:"primary,omitempty"`
	Target  string  `json:"target"`
	Attrs   []Attr  `json:"attrs,omitempty"`
	Source  Source  `json:"source"`
	Row     string  `json:"row,omitempty"`
}

// MarshalJSON writes the Ref with its lineage inline (AppendJSON).
func (r Ref) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

// UnmarshalJSON reads the form MarshalJSON writes.
func (r *Ref) UnmarshalJSON(data []byte) error {
	var w refJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*r = Ref{Kind: w.Kind, Schema: w.Schema, Path: w.Path, Primary: w.Primary, Target: w.Target, Attrs: w.Attrs}
	r.SetSource(w.Source, w.Row)
	return nil
}

// SameSlot reports whether o fills the slot r fills (Key equality, without
// building the keys): a later Ref in the same slot overrides an earlier one.
func (r *Ref) SameSlot(o *Ref) bool {
	if r.Kind != o.Kind || r.Schema != o.Schema || r.Path != o.Path {
		return false
	}
	switch {
	case r.Kind == RefDelegate:
		return r.Target == o.Target
	case r.Primary == nil || o.Primary == nil:
		return r.Primary == nil && o.Primary == nil
	}
	return *r.Primary == *o.Primary
}

// Key identifies the slot a Ref fills; a later Ref with the same key
// overrides an earlier one.
func (r Ref) Key() string {
	k := string(r.Kind) + ":" + r.Schema + ":" + r.Path
	switch {
	case r.Kind == RefDelegate:
		k += "#" + r.Target
	case r.Primary != nil && *r.Primary:
		k += "#primary"
	case r.Primary != nil:
		k += "#secondary"
	}
	return k
}

// Rename is a 320 record: an employee's ID and/or login ID change.
type Rename struct {
	From          string `json:"from"`                    // current Employee ID
	NewEmployeeID string `json:"newEmployeeId,omitempty"` // "" = unchanged
	NewLogin      string `json:"newLogin,omitempty"`      // "" = unchanged
	Source        Source `json:"source"`
}

// ChangeSet is everything one run does to one employee: the fold of all of
// that employee's records across all inputs, later records overriding
// earlier ones, blank fields meaning no change.
type ChangeSet struct {
	EmployeeID string     `json:"employeeId"`       // key: the Employee ID after renames
	Creates    bool       `json:"creates"`          // a record able to create the user contributed (300, 305, a full 310, V1, 3.x)
	Rename     *Rename    `json:"rename,omitempty"` // phase 0
	Attrs      []Attr     `json:"attrs,omitempty"`  // phase 1, in first-seen order, overrides applied
	Refs       []Ref      `json:"refs,omitempty"`   // phase 2
	Records    []Position `json:"records"`          // every record that contributed, in input order
	// LeaveOut lists extensions (URNs) left out of the user when the plan
	// creates it: UPS requires an attribute with them that the input does
	// not give. An existing user is still updated with their values.
	LeaveOut []string `json:"leaveOut,omitempty"`
}

// Status is the outcome of one input record.
type Status string

// Record outcomes. Every input record ends with exactly one.
const (
	StatusConverted Status = "converted"
	StatusSkipped   Status = "skipped"
	StatusRejected  Status = "rejected"
)

// RecordResult is the outcome of one input record, for the report.
type RecordResult struct {
	Pos        Position     `json:"pos"`
	Format     string       `json:"format"`
	Type       string       `json:"type"`
	EmployeeID string       `json:"employeeId,omitempty"`
	Status     Status       `json:"status"`
	Messages   []Diagnostic `json:"messages,omitempty"`
}

// Same reports whether cs and o are the same change set: the same
// employee, values, references, records, rename and left-out extensions,
// each value from the same record and mapping row (compared by identity:
// the values of a record and the rows of a table are shared, not copied).
// Whatever is made of one change set (a plan, its lineage) is made of the
// other.
func (cs *ChangeSet) Same(o *ChangeSet) bool {
	if cs == o {
		return true
	}
	if cs.EmployeeID != o.EmployeeID || cs.Creates != o.Creates || !slices.Equal(cs.Attrs, o.Attrs) ||
		!slices.Equal(cs.Records, o.Records) || !slices.Equal(cs.LeaveOut, o.LeaveOut) ||
		(cs.Rename == nil) != (o.Rename == nil) || cs.Rename != nil && *cs.Rename != *o.Rename ||
		len(cs.Refs) != len(o.Refs) {
		return false
	}
	for i := range cs.Refs {
		a, b := &cs.Refs[i], &o.Refs[i]
		if a.Kind != b.Kind || a.Schema != b.Schema || a.Path != b.Path || a.Target != b.Target ||
			a.Origin != b.Origin || a.Site != b.Site || a.Field != b.Field ||
			(a.Primary == nil) != (b.Primary == nil) || a.Primary != nil && *a.Primary != *b.Primary ||
			!slices.Equal(a.Attrs, b.Attrs) {
			return false
		}
	}
	return true
}
