package model

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

// AttrKind says how an Attr changes its target.
type AttrKind int

const (
	// AttrSet sets the attribute at Path to Value.
	AttrSet AttrKind = iota
	// AttrMember makes Member present in (Present) or absent from (!Present)
	// the multi-valued attribute at Path: "entitlements" (core) or "roles"
	// (spend Role). It never replaces the other members.
	AttrMember
)

// Attr is one target value of a change set with its lineage.
//
// Path is the attribute path inside Schema in SCIM filter notation, the same
// form UPS accepts in PATCH paths:
//
//	name.givenName
//	emails[type eq "work"].value
//	customData[id eq "custom2"].value
//	adp.employeeFileNumber
type Attr struct {
	Schema  string   `json:"schema"`
	Path    string   `json:"path"`
	Kind    AttrKind `json:"kind,omitempty"`
	Value   any      `json:"value,omitempty"`   // string or bool (AttrSet)
	Member  string   `json:"member,omitempty"`  // entitlement value or role code (AttrMember)
	Present bool     `json:"present,omitempty"` // AttrMember: present (Y) or absent (N)
	Source  Source   `json:"source"`
	Row     string   `json:"row,omitempty"` // mapping table row, "305.csv:17"
}

// SameTarget reports whether o writes the target a writes (Key equality,
// without building the keys).
func (a *Attr) SameTarget(o *Attr) bool {
	if a.Kind != o.Kind || a.Schema != o.Schema || a.Path != o.Path {
		return false
	}
	return a.Kind != AttrMember || a.Member == o.Member
}

// Key identifies the target an Attr writes; a later Attr with the same key
// overrides an earlier one.
func (a Attr) Key() string {
	if a.Kind == AttrMember {
		return a.Schema + ":" + a.Path + "#" + a.Member
	}
	return a.Schema + ":" + a.Path
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
// is emitted in phase 2, after every user of phase 1 exists.
type Ref struct {
	Kind    RefKind `json:"kind"`
	Schema  string  `json:"schema"`
	Path    string  `json:"path"`              // attribute in Schema: "report", "expense", "manager", "biManager"
	Primary *bool   `json:"primary,omitempty"` // approvers: primary or secondary approver
	Target  string  `json:"target"`            // Employee ID of the referenced user (after renames)
	Attrs   []Attr  `json:"attrs,omitempty"`   // delegates: element sub-attributes (Path relative to the element: "canPrepare", "temporaryDelegation.temporaryDelegationFromDate")
	Source  Source  `json:"source"`
	Row     string  `json:"row,omitempty"`
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
