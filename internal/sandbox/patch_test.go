package sandbox

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/scim"
)

const patchBase = `{
 "userName": "u@example.com", "nickName": "Nick",
 "emails": [{"type": "work", "value": "old@example.com"}, {"type": "home", "value": "h@example.com"}],
 "entitlements": ["Expense", "Invoice"],
 "name": {"givenName": "G", "familyName": "F"},
 "urn:ietf:params:scim:schemas:extension:spend:2.0:User": {
   "reimbursementCurrency": "USD", "country": "US", "locale": "en-US",
   "customData": [{"id": "custom1", "value": "one"}, {"id": "custom2", "value": "two"}]},
 "urn:ietf:params:scim:schemas:extension:spend:2.0:Role": {
   "roles": [{"roleName": "EXP_USER"}, {"roleName": "EXP_APPROVER"}]},
 "urn:ietf:params:scim:schemas:extension:travel:2.0:User": {"ruleClass": {"id": 1}, "groups": [1, 2, 3]}
}`

func TestApplyPatch(t *testing.T) {
	cases := []struct {
		name  string
		ops   string // JSON array of operations
		check string // dotted path
		want  string // JSON of the value at check ("null" = absent)
		err   string // expected scimType
	}{
		{"filtered custom value", `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq \"custom2\"].value","value":"2b"}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:User.customData", `[{"id":"custom1","value":"one"},{"id":"custom2","value":"2b"}]`, ""},
		{"filtered custom value creates", `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq \"custom9\"].value","value":"nine"}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:User.customData.2", `{"id":"custom9","value":"nine"}`, ""},
		{"remove filtered custom", `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq \"custom2\"]"}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:User.customData", `[{"id":"custom1","value":"one"}]`, ""},
		{"replace multi-valued without filter replaces all", `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData","value":[{"id":"custom2","value":"x"}]}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:User.customData", `[{"id":"custom2","value":"x"}]`, ""},
		{"email by type", `[{"op":"replace","path":"emails[type eq \"work\"].value","value":"new@example.com"}]`, "emails.0", `{"type":"work","value":"new@example.com"}`, ""},
		{"email by type, bare string (Concur)", `[{"op":"replace","path":"emails[type eq \"work\"]","value":"bare@example.com"}]`, "emails.0.value", `"bare@example.com"`, ""},
		{"add email merges by type", `[{"op":"add","path":"emails","value":[{"type":"home","value":"h2@example.com"},{"type":"other","value":"o@example.com"}]}]`,
			"emails", `[{"type":"work","value":"old@example.com"},{"type":"home","value":"h2@example.com"},{"type":"other","value":"o@example.com"}]`, ""},
		{"remove entitlement RFC form", `[{"op":"remove","path":"entitlements[value eq \"Invoice\"]"}]`, "entitlements", `["Expense"]`, ""},
		{"remove entitlement Concur form", `[{"op":"remove","path":"entitlements eq \"Invoice\""}]`, "entitlements", `["Expense"]`, ""},
		{"add entitlements is a union", `[{"op":"add","path":"entitlements","value":["invoice","Travel"]}]`, "entitlements", `["Expense","Invoice","Travel"]`, ""},
		{"add roles dedupes", `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Role:roles","value":[{"roleName":"EXP_APPROVER"},{"roleName":"INV_APPROVER"},{"roleName":"INV_APPROVER"}]}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:Role.roles", `[{"roleName":"EXP_USER"},{"roleName":"EXP_APPROVER"},{"roleName":"INV_APPROVER"}]`, ""},
		{"remove role by filter", `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Role:roles[roleName eq \"EXP_USER\"]"}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:Role.roles", `[{"roleName":"EXP_APPROVER"}]`, ""},
		{"remove role absent is harmless", `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Role:roles[roleName eq \"NOPE\"]"}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:Role.roles", `[{"roleName":"EXP_USER"},{"roleName":"EXP_APPROVER"}]`, ""},
		{"remove values from a list", `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:travel:2.0:User:groups","value":[2]}]`,
			"urn:ietf:params:scim:schemas:extension:travel:2.0:User.groups", `[1,3]`, ""},
		{"no-path add with extension object", `[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver":{"report":[{"approver":{"value":"x"},"primary":true}]}}},{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver":{"report":[{"approver":{"value":"y"},"primary":false}]}}}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver.report", `[{"approver":{"value":"x"},"primary":true},{"approver":{"value":"y"},"primary":false}]`, ""},
		{"no-path replace of a list", `[{"op":"replace","value":{"title":"T","urn:ietf:params:scim:schemas:extension:travel:2.0:User":{"groups":[9]}}}]`,
			"urn:ietf:params:scim:schemas:extension:travel:2.0:User", `{"groups":[9],"ruleClass":{"id":1}}`, ""},
		{"extension path with trailing colon", `[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:","value":{"ledgerCode":"L1"}}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:User.ledgerCode", `"L1"`, ""},
		{"sub-attribute creates complex", `[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value","value":"m1"}]`,
			"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", `{"manager":{"value":"m1"}}`, ""},
		{"complex replace merges", `[{"op":"replace","path":"name","value":{"givenName":"G2"}}]`, "name", `{"familyName":"F","givenName":"G2"}`, ""},
		{"remove single-valued ignores value", `[{"op":"remove","path":"nickName","value":"x"}]`, "nickName", `null`, ""},
		{"remove extension", `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:travel:2.0:User"}]`, "urn:ietf:params:scim:schemas:extension:travel:2.0:User", `null`, ""},
		{"null value unsets", `[{"op":"replace","path":"nickName","value":null}]`, "nickName", `null`, ""},
		{"and filter", `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq \"custom1\" and value eq \"ONE\"]"}]`,
			"urn:ietf:params:scim:schemas:extension:spend:2.0:User.customData", `[{"id":"custom2","value":"two"}]`, ""},
		{"unknown schema", `[{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:travel:2.0:groups"}]`, "", "", "invalidPath"},
		{"add without value", `[{"op":"add","path":"title"}]`, "", "", "invalidValue"},
		{"remove without path", `[{"op":"remove"}]`, "", "", "noTarget"},
		{"bad op", `[{"op":"move","path":"title","value":1}]`, "", "", "invalidSyntax"},
		{"sub-attribute of multi-valued", `[{"op":"replace","path":"emails.value","value":"x"}]`, "", "", "invalidPath"},
		{"complex filter without match", `[{"op":"replace","path":"emails[value co \"zzz\"].value","value":"x"}]`, "", "", "noTarget"},
		{"id is read-only", `[{"op":"replace","path":"id","value":"x"}]`, "", "", "mutability"},
		{"unbalanced filter", `[{"op":"replace","path":"emails[type eq \"work\".value","value":"x"}]`, "", "", "invalidPath"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal([]byte(patchBase), &doc); err != nil {
				t.Fatal(err)
			}
			var raw []patchOp
			if err := json.Unmarshal([]byte(tc.ops), &raw); err != nil {
				t.Fatal(err)
			}
			ops, e := parsePatchOps(raw)
			for i := 0; e == nil && i < len(ops); i++ {
				e = applyPatch(doc, ops[i])
			}
			if tc.err != "" {
				if e == nil || e.ScimType != tc.err {
					t.Fatalf("error = %v, want scimType %s", e, tc.err)
				}
				return
			}
			if e != nil {
				t.Fatalf("unexpected error: %s %s", e.ScimType, e.Detail)
			}
			got, _ := json.Marshal(get(doc, tc.check))
			if string(got) != tc.want {
				t.Errorf("%s = %s, want %s", tc.check, got, tc.want)
			}
		})
	}
}

func TestFilterParse(t *testing.T) {
	doc := map[string]any{}
	_ = json.Unmarshal([]byte(patchBase), &doc)
	cases := []struct {
		filter string
		want   bool
		err    bool
	}{
		{`userName eq "U@EXAMPLE.COM"`, true, false},
		{`userName ne "u@example.com"`, false, false},
		{`emails[type eq "home" and value sw "h@"]`, true, false},
		{`emails.value co "old"`, true, false},
		{`nickName pr and not (title pr)`, true, false},
		{`title eq null`, true, false},
		{`urn:ietf:params:scim:schemas:extension:travel:2.0:User:groups eq 2`, true, false},
		{`urn:ietf:params:scim:schemas:extension:travel:2.0:User:groups gt 3`, false, false},
		{`urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq "custom2"]`, true, false},
		{`(userName eq "x" or nickName eq "nick") and entitlements eq "invoice"`, true, false},
		{`userName eq "x" or`, false, true},
		{`userName zz "x"`, false, true},
		{`userName eq "x`, false, true},
		{`emails[type eq "work"`, false, true},
		{`"x" eq userName`, false, true},
	}
	for _, tc := range cases {
		f, err := parseFilter(tc.filter)
		if tc.err {
			if err == nil {
				t.Errorf("%s: no error", tc.filter)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		if got := matchDoc(f, doc); got != tc.want {
			t.Errorf("%s = %v, want %v", tc.filter, got, tc.want)
		}
		// The printed form parses back to the same meaning.
		if g, err := parseFilter(scim.FilterString(f)); err != nil || matchDoc(g, doc) != tc.want {
			t.Errorf("%s: round trip %q: %v", tc.filter, scim.FilterString(f), err)
		}
	}
}

func FuzzPatchPath(f *testing.F) {
	for _, s := range []string{`emails[type eq "work"].value`, `urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq "custom2"].value`,
		`entitlements eq "Invoice"`, `name.givenName`, `urn:ietf:params:scim:schemas:extension:spend:2.0:User:`, `a[(b eq 1) or not (c pr)]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		pp, err := parsePatchPath(p)
		if err != nil {
			return
		}
		if pp.Schema == "" || (pp.Attr == "" && (pp.Filter != nil || pp.Sub != "")) {
			t.Fatalf("inconsistent parse of %q: %+v", p, pp)
		}
		if pp.Filter != nil && !strings.Contains(pathString(&pp), "[") {
			t.Fatalf("filter lost in %q", pathString(&pp))
		}
	})
}
