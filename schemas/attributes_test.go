package schemas

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/spec"
)

const (
	urnCore     = "urn:ietf:params:scim:schemas:core:2.0:User"
	urnSpend    = "urn:ietf:params:scim:schemas:extension:spend:2.0:User"
	urnApprover = "urn:ietf:params:scim:schemas:extension:spend:2.0:Approver"
	urnDelegate = "urn:ietf:params:scim:schemas:extension:spend:2.0:Delegate"
	urnRole     = "urn:ietf:params:scim:schemas:extension:spend:2.0:Role"
	urnTravel   = "urn:ietf:params:scim:schemas:extension:travel:2.0:User"
)

func TestLookupAttribute(t *testing.T) {
	tests := []struct {
		urn, path string
		want      Attribute // Schema and Path are filled in
	}{
		{urnCore, "userName", Attribute{Types: []string{"string"}}},
		{urnCore, "name.givenName", Attribute{Types: []string{"string"}}},
		{urnCore, "name", Attribute{Types: []string{"object"}, Complex: true}},
		{urnCore, `emails[type eq "work"].value`, Attribute{Types: []string{"string"}}},
		{urnCore, `emails[type eq "work"]`, Attribute{Types: []string{"object"}, Complex: true}},
		{urnCore, `phoneNumbers[type eq "mobile" and primary eq true].primary`, Attribute{Types: []string{"boolean", "null"}}},
		{urnCore, "entitlements", Attribute{Types: []string{"array", "null"}, Multi: true, Enum: []string{"Expense", "Invoice", "Request", "Travel"}}},
		{urnSpend, `customData[id eq "custom2"].value`, Attribute{Types: []string{"string", "null"}}},
		{urnSpend, "biManager.employeeNumber", Attribute{Types: []string{"string", "null"}}},
		{urnApprover, "report[primary eq true].approver.employeeNumber", Attribute{Types: []string{"string", "null"}}},
		{urnRole, "roles", Attribute{Types: []string{"array", "null"}, Multi: true, Complex: true}},
		{urnTravel, "gender", Attribute{Types: []string{"string", "null"}, Enum: []string{"Female", "Male"}}},
	}
	for _, tt := range tests {
		got, err := LookupAttribute(tt.urn, tt.path)
		if err != nil {
			t.Errorf("%s %s: %v", tt.urn, tt.path, err)
			continue
		}
		tt.want.Schema, tt.want.Path = tt.urn, tt.path
		if strings.Join(got.Types, ",") != strings.Join(tt.want.Types, ",") || got.Multi != tt.want.Multi ||
			got.Complex != tt.want.Complex || strings.Join(got.Enum, ",") != strings.Join(tt.want.Enum, ",") ||
			got.Schema != tt.want.Schema || got.Path != tt.want.Path {
			t.Errorf("%s %s = %+v, want %+v", tt.urn, tt.path, got, tt.want)
		}
	}
	a, err := LookupElementAttribute(urnDelegate, "expense", "temporaryDelegation.temporaryDelegationFromDate")
	if err != nil || !a.HasType("string") {
		t.Errorf("delegate element: %+v, %v", a, err)
	}
	if _, err := LookupElementAttribute(urnDelegate, "expense", "temporaryDelegatation.temporaryDelegationFromDate"); err == nil ||
		!strings.Contains(err.Error(), "did you mean temporaryDelegation.temporaryDelegationFromDate?") {
		t.Errorf("misspelled delegate attribute: %v", err)
	}
}

func TestLookupAttributeErrors(t *testing.T) {
	tests := []struct {
		urn, path     string
		problem       string // fragment of Problem
		suggest       string // exact Suggest
		suggestSchema string
	}{
		{urnCore, "name.givenNameTYPO", `no attribute "givenNameTYPO" in name`, "name.givenName", ""},
		{urnCore, "name.givenname", "case-sensitive", "name.givenName", ""},
		{urnCore, "Name.givenName", "case-sensitive", "name.givenName", ""},
		{urnCore, "titel", `no attribute "titel"`, "title", ""},
		{urnCore, "givenName", `no attribute "givenName"`, "name.givenName", ""},
		{urnCore, "locale", `no attribute "locale"`, "locale", urnSpend},
		{urnCore, "frobnicate", `no attribute "frobnicate"`, "", ""},
		{urnCore, `emails[type eq "work"].valu`, `no attribute "valu" in emails`, `emails[type eq "work"].value`, ""},
		{urnCore, `emails[tpye eq "work"].value`, `no sub-attribute "tpye"`, `emails[type eq "work"].value`, ""},
		{urnCore, `emails[type eq "Work"].value`, "case-sensitive", `emails[type eq "work"].value`, ""},
		{urnCore, `emails[type eq "mobile"].value`, `takes one of "work"`, "", ""},
		{urnCore, `emails[type co "work"].value`, "only eq", "", ""},
		{urnCore, `emails[type eq work].value`, "not a JSON", "", ""},
		{urnCore, "emails.value", "multi-valued; select an element", "", ""},
		{urnCore, `name[type eq "x"].givenName`, "single-valued", "", ""},
		{urnCore, `phoneNumbers[primary eq "true"].value`, "not string", "", ""},
		{urnCore, "userName.x", "no sub-attributes", "", ""},
		{urnSpend, `customData[id eq "custom23"].value`, "not a value of customData.id", `customData[id eq "custom2"].value`, ""},
		{urnApprover, "report[primary eq true].aprover.employeeNumber", `no attribute "aprover"`, "report[primary eq true].approver.employeeNumber", ""},
		{urnCore, "", "empty path", "", ""},
		{urnCore, "name..givenName", "empty attribute name", "", ""},
	}
	for _, tt := range tests {
		_, err := LookupAttribute(tt.urn, tt.path)
		var ae *AttributeError
		if !errors.As(err, &ae) {
			t.Errorf("%s: error %v, want an *AttributeError", tt.path, err)
			continue
		}
		if !strings.Contains(ae.Problem, tt.problem) || ae.Suggest != tt.suggest || ae.SuggestSchema != tt.suggestSchema {
			t.Errorf("%s: %+v\nwant problem ~%q, suggest %q %q", tt.path, ae, tt.problem, tt.suggestSchema, tt.suggest)
		}
	}
	_, err := LookupAttribute("urn:ietf:params:scim:schemas:extension:spend:2.0:Usr", "locale")
	var ae *AttributeError
	if !errors.As(err, &ae) || !ae.UnknownSchema || ae.Suggest != urnSpend {
		t.Errorf("unknown schema: %v", err)
	}
	if !strings.Contains(err.Error(), "did you mean "+urnSpend) {
		t.Errorf("unknown schema message: %v", err)
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"givenName", "familyName", "middleName", "title", "id"}
	for _, tt := range []struct{ in, want string }{
		{"givenNameTYPO", "givenName"},
		{"GIVENNAME", "givenName"},
		{"famliyName", "familyName"},
		{"titel", "title"},
		{"ib", ""}, // one edit, but most of a two-letter name
		{"completelyDifferent", ""},
		{"", ""},
	} {
		if got := Suggest(tt.in, names); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestCatalogCoversAttributeList walks every attribute of the UPS attribute
// list (spec/ups-v4/attributes.csv) through the catalogue LookupAttribute
// uses.
func TestCatalogCoversAttributeList(t *testing.T) {
	c, err := attrCatalog()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range spec.Attributes().Rows {
		urn, attr := r[0], r[1]
		node, ok := c.roots[urn]
		if !ok || attr == "schemas" || strings.HasPrefix(attr, "meta.") {
			continue
		}
		if i := strings.IndexByte(attr, '>'); strings.HasPrefix(attr, "<") && i > 0 {
			attr = node.names[0] + attr[i+1:] // every <type>, <product>, <list> shares one element schema
		}
		for _, name := range strings.Split(attr, ".") {
			if node = node.subs[name]; node == nil {
				t.Errorf("%s %s: %q is not in the catalogue", urn, r[1], name)
				break
			}
		}
		checked++
	}
	if checked < 150 {
		t.Errorf("only %d attributes checked", checked)
	}
}

func BenchmarkLookupAttribute(b *testing.B) {
	if _, err := LookupAttribute(urnCore, "userName"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := LookupAttribute(urnSpend, `customData[id eq "custom2"].value`); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildCatalog is the one-time cost of the catalogue.
func BenchmarkBuildCatalog(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := buildCatalog(); err != nil {
			b.Fatal(err)
		}
	}
}

func TestExtensionRequirements(t *testing.T) {
	rs, err := ExtensionRequirements()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range rs {
		got[r.URN] = r.Attrs
	}
	want := map[string][]string{
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber"},
		"urn:ietf:params:scim:schemas:extension:spend:2.0:User":      {"country", "locale", "reimbursementCurrency"},
		"urn:ietf:params:scim:schemas:extension:travel:2.0:User":     {"ruleClass"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ExtensionRequirements = %v, want %v", got, want)
	}
	for i := 1; i < len(rs); i++ {
		if rs[i-1].URN >= rs[i].URN {
			t.Errorf("not sorted: %s before %s", rs[i-1].URN, rs[i].URN)
		}
	}
	rs[0].Attrs[0] = "changed"
	again, _ := ExtensionRequirements()
	if again[0].Attrs[0] == "changed" {
		t.Error("ExtensionRequirements returns the cached lists themselves")
	}
}
