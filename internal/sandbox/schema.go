package sandbox

import (
	"sort"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/spec"
)

// SCIM URNs the sandbox knows.
const (
	urnCore               = "urn:ietf:params:scim:schemas:core:2.0:User"
	urnEnterprise         = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	urnSAP                = "urn:ietf:params:scim:schemas:extension:sap:2.0:User"
	urnSpend              = "urn:ietf:params:scim:schemas:extension:spend:2.0:User"
	urnRole               = "urn:ietf:params:scim:schemas:extension:spend:2.0:Role"
	urnApprover           = "urn:ietf:params:scim:schemas:extension:spend:2.0:Approver"
	urnApproverLimit      = "urn:ietf:params:scim:schemas:extension:spend:2.0:ApproverLimit"
	urnDelegate           = "urn:ietf:params:scim:schemas:extension:spend:2.0:Delegate"
	urnUserPreference     = "urn:ietf:params:scim:schemas:extension:spend:2.0:UserPreference"
	urnWorkflowPreference = "urn:ietf:params:scim:schemas:extension:spend:2.0:WorkflowPreference"
	urnInvoicePreference  = "urn:ietf:params:scim:schemas:extension:spend:2.0:InvoicePreference"
	urnPayroll            = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:Payroll"
	urnPayrollAlias       = "urn:ietf:params:scim:schemas:extension:spend:2.0:Payroll"
	urnTravel             = "urn:ietf:params:scim:schemas:extension:travel:2.0:User"

	urnBulkRequest   = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	urnPatchOp       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	urnListResponse  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	urnSearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	urnConcurSearch  = "urn:ietf:params:scim:api:messages:concur:2.0:SearchRequest"
	urnError         = "urn:ietf:params:scim:api:messages:2.0:Error"
	urnConcurError   = "urn:ietf:params:scim:api:messages:concur:2.0:Error"
	urnStatus        = "urn:ietf:params:scim:schemas:extension:concur:2.0:Provision:Status"
)

// identitySchemas are written synchronously by the identity service; the
// others are extensions applied afterwards (spend, travel).
var identitySchemas = map[string]bool{urnCore: true, urnEnterprise: true, urnSAP: true}

// extensionOrder is the order of extensions in a detailed status; optional
// ones are listed only when an operation touched them, as in Concur's sample.
var extensionOrder = []struct {
	urn      string
	optional bool
}{
	{urnCore, false}, {urnEnterprise, false}, {urnSpend, false}, {urnRole, false},
	{urnApprover, false}, {urnApproverLimit, true}, {urnDelegate, false},
	{urnUserPreference, false}, {urnWorkflowPreference, false}, {urnInvoicePreference, true},
	{urnPayroll, false}, {urnTravel, false},
}

// userSchemas are all User schema URNs, longest first (for path prefixes).
var userSchemas = func() []string {
	s := []string{urnSAP, urnPayrollAlias}
	for _, e := range extensionOrder {
		s = append(s, e.urn)
	}
	sort.Slice(s, func(i, j int) bool { return len(s[i]) > len(s[j]) })
	return s
}()

// canonicalSchema maps a URN written in any letter case (and the Payroll
// alias) to its canonical spelling; "" when unknown.
func canonicalSchema(urn string) string {
	for _, s := range userSchemas {
		if strings.EqualFold(s, urn) {
			if s == urnPayrollAlias {
				return urnPayroll
			}
			return s
		}
	}
	return ""
}

// attrDef is one row of spec/ups-v4/attributes.csv: what UPS documents about an attribute.
type attrDef struct {
	Schema      string
	Path        string // "name.givenName", "<type>.approver.value"
	Type        string // string boolean integer double complex any
	Multi       bool
	Required    bool
	Conditional bool
	ReadOnly    bool
	Allowed     []string
	AllowedRef  string // "see ..." in allowed_values
	Format      string
	MaxLen      int
	Note        string
}

// schemaDefs holds attrDefs by schema and lower-case path.
var schemaDefs = loadSchemaDefs()

func loadSchemaDefs() map[string]map[string]*attrDef {
	out := map[string]map[string]*attrDef{}
	for _, r := range spec.Attributes().Rows {
		if len(r) < 11 {
			continue
		}
		d := &attrDef{
			Schema: r[0], Path: r[1], Type: r[2],
			Multi:       r[3] == "Y",
			Required:    r[4] == "Y",
			Conditional: r[4] == "conditional",
			ReadOnly:    r[5] == "Y",
			Format:      r[7],
			Note:        r[10],
		}
		if strings.HasPrefix(r[6], "see ") {
			d.AllowedRef = r[6]
		} else if r[6] != "" && !strings.Contains(r[6], "..") {
			d.Allowed = strings.Split(r[6], "|")
		} else if r[6] != "" {
			d.AllowedRef = r[6]
		}
		if n, err := strconv.Atoi(r[8]); err == nil {
			d.MaxLen = n
		}
		if out[d.Schema] == nil {
			out[d.Schema] = map[string]*attrDef{}
		}
		out[d.Schema][strings.ToLower(d.Path)] = d
	}
	return out
}

// lookupDef finds the definition of path (dotted, no filters) in schema,
// trying the <type>/<list>/<product> placeholders of the spend schemas.
func lookupDef(schema, path string) *attrDef {
	defs := schemaDefs[schema]
	if defs == nil {
		return nil
	}
	p := strings.ToLower(path)
	if d := defs[p]; d != nil {
		return d
	}
	first, rest, _ := strings.Cut(p, ".")
	if _, ok := defs[first]; !ok {
		return nil
	}
	for _, ph := range []string{"<type>", "<list>", "<product>"} {
		q := ph
		if rest != "" {
			q += "." + rest
		}
		if d := defs[q]; d != nil {
			return d
		}
	}
	return nil
}

// isMulti reports whether the attribute at path is multi-valued.
func isMulti(schema, path string) bool {
	d := lookupDef(schema, path)
	return d != nil && d.Multi
}

// attrOrder lists every attrDef of each schema in CSV order.
var attrOrder = func() map[string][]*attrDef {
	out := map[string][]*attrDef{}
	for _, r := range spec.Attributes().Rows {
		if len(r) >= 11 {
			out[r[0]] = append(out[r[0]], schemaDefs[r[0]][strings.ToLower(r[1])])
		}
	}
	return out
}()

// attrTree indexes attrOrder: top-level definitions per schema and direct
// sub-attributes per schema and lower-case parent path.
var attrTree = func() (t struct {
	top map[string][]*attrDef
	sub map[string]map[string][]*attrDef
}) {
	t.top, t.sub = map[string][]*attrDef{}, map[string]map[string][]*attrDef{}
	for schema, defs := range attrOrder {
		t.sub[schema] = map[string][]*attrDef{}
		for _, d := range defs {
			p := strings.ToLower(d.Path)
			i := strings.LastIndexByte(p, '.')
			if i < 0 {
				t.top[schema] = append(t.top[schema], d)
				continue
			}
			t.sub[schema][p[:i]] = append(t.sub[schema][p[:i]], d)
		}
	}
	return t
}()

// topAttrs lists the top-level attribute definitions of schema in CSV order.
func topAttrs(schema string) []*attrDef { return attrTree.top[schema] }

// subAttrs lists the direct sub-attribute definitions of a complex attribute.
func subAttrs(schema, parent string) []*attrDef {
	return attrTree.sub[schema][strings.ToLower(parent)]
}

// subAttrsOf is subAttrs with the <type>/<list>/<product> placeholders of
// the spend schemas (report → <type>.approver, <type>.primary).
func subAttrsOf(schema, parent string) []*attrDef {
	if subs := subAttrs(schema, parent); len(subs) > 0 || strings.HasPrefix(parent, "<") || strings.Contains(parent, ".") {
		return subs
	}
	if lookupDef(schema, parent) == nil {
		return nil
	}
	for _, ph := range []string{"<type>", "<list>", "<product>"} {
		if subs := subAttrs(schema, ph); len(subs) > 0 {
			return subs
		}
	}
	return nil
}
