package sandbox

import (
	"fmt"
	"strings"
	"testing"
)

func TestValidation(t *testing.T) {
	c := startSandbox(t, Config{Users: 2})
	co := c.srv.Credentials().CompanyID
	approverID := c.do("GET", `/profile/identity/v4/Users?filter=employeeNumber%20eq%20%22E00001%22`, nil).json["Resources"].([]any)[0].(map[string]any)["id"].(string)
	set := func(schema, attr string, v any) func(map[string]any) {
		return func(u map[string]any) {
			if schema == urnCore {
				u[attr] = v
				return
			}
			m, _ := u[schema].(map[string]any)
			if m == nil {
				m = map[string]any{}
				u[schema] = m
			}
			if v == nil {
				delete(m, attr)
			} else {
				m[attr] = v
			}
		}
	}
	cases := []struct {
		name   string
		edit   func(map[string]any)
		schema string // failing schema; "" = success
		code   string // operation status code
		msg    string
	}{
		{"valid", func(map[string]any) {}, "", "201", ""},
		{"userName forbidden char", set(urnCore, "userName", "a+b@example.com"), urnCore, "400", "forbidden character"},
		{"userName not an address", set(urnCore, "userName", "justaname"), urnCore, "400", "user@domain"},
		{"taken userName", set(urnCore, "userName", "user00001@sandbox.example.com"), urnCore, "409", "already used"},
		{"taken employeeNumber", set(urnEnterprise, "employeeNumber", "E00002"), urnEnterprise, "409", "already used"},
		{"missing employeeNumber", set(urnEnterprise, "employeeNumber", nil), urnEnterprise, "400", "employeeNumber is required"},
		{"other company", set(urnEnterprise, "companyId", "e5756608-5824-4ede-889c-e231245850ef"), urnEnterprise, "400", "company"},
		{"missing name", set(urnCore, "name", nil), urnCore, "400", "name is required"},
		{"missing familyName", set(urnCore, "name", map[string]any{"givenName": "x"}), urnCore, "400", "name.familyName is required"},
		{"bad email type", set(urnCore, "emails", []any{map[string]any{"type": "office", "value": "a@b.c"}}), urnCore, "400", "not one of"},
		{"two work emails", set(urnCore, "emails", []any{map[string]any{"type": "work", "value": "a@b.c"}, map[string]any{"type": "work", "value": "d@b.c"}}), urnCore, "400", "more than one"},
		{"active not boolean", set(urnCore, "active", "yes"), urnCore, "400", "true or false"},
		{"bad language", set(urnCore, "preferredLanguage", "xx-YY"), urnCore, "400", "language"},
		{"language with region", set(urnCore, "preferredLanguage", "de-DE"), "", "201", ""},
		{"bad timezone", set(urnCore, "timezone", "Mars/Olympus"), urnCore, "400", "time zone"},
		{"bad start date", set(urnEnterprise, "startDate", "2080-01-01T00:00:00Z"), urnEnterprise, "400", "outside"},
		{"unknown manager", set(urnEnterprise, "manager", map[string]any{"value": "824ccaa3-ddaf-4912-b46a-bbeb4ed1d089"}), urnEnterprise, "400", "no user"},
		{"manager by employeeNumber", set(urnEnterprise, "manager", map[string]any{"employeeNumber": "E00001"}), "", "201", ""},
		{"unknown currency", set(urnSpend, "reimbursementCurrency", "ABC"), urnSpend, "400", "ISO 4217"},
		{"withdrawn currency", set(urnSpend, "reimbursementCurrency", "HRK"), urnSpend, "400", "ISO 4217"},
		{"unknown country", set(urnSpend, "country", "UK"), urnSpend, "400", "ISO 3166"},
		{"bad locale", set(urnSpend, "locale", "en_US"), urnSpend, "400", "locale"},
		{"missing locale", set(urnSpend, "locale", nil), urnSpend, "400", "locale is required"},
		{"bad reimbursementType", set(urnSpend, "reimbursementType", "CASH"), urnSpend, "400", "not one of"},
		{"long ledgerCode", set(urnSpend, "ledgerCode", strings.Repeat("L", 21)), urnSpend, "400", "longer than 20"},
		{"bad custom field id", set(urnSpend, "customData", []any{map[string]any{"id": "custom23", "value": "x"}}), urnSpend, "400", "custom1..custom22"},
		{"unknown biManager", set(urnSpend, "biManager", map[string]any{"value": "bd9d1b0b-6e1b-4f05-86d8-57e4ee0729a6"}), urnSpend, "400", "no user"},
		{"unknown role", set(urnRole, "roles", []any{map[string]any{"roleName": "EXP_WIZARD"}}), urnRole, "400", "not a provisionable"},
		{"not provisionable role", set(urnRole, "roles", []any{map[string]any{"roleName": "REPORTING_CAS_ANALYST"}}), urnRole, "400", "not a provisionable"},
		{"exclusive roles", set(urnRole, "roles", []any{map[string]any{"roleName": "SHD_CONFIG_ADMIN"}, map[string]any{"roleName": "SHD_CONFIG_ADMIN_RO"}}), urnRole, "400", "cannot be combined"},
		{"approver by id", set(urnApprover, "report", []any{map[string]any{"approver": map[string]any{"value": approverID}, "primary": true}}), "", "201", ""},
		{"approver by employeeNumber", set(urnApprover, "report", []any{map[string]any{"approver": map[string]any{"employeeNumber": "E00002"}, "primary": true}}), "", "201", ""},
		{"unknown approver", set(urnApprover, "report", []any{map[string]any{"approver": map[string]any{"employeeNumber": "NOPE"}, "primary": true}}), urnApprover, "400", "no user with employeeNumber"},
		{"approver without primary", set(urnApprover, "report", []any{map[string]any{"approver": map[string]any{"employeeNumber": "E00002"}}}), urnApprover, "400", "primary is required"},
		{"secondary cash advance approver", set(urnApprover, "cashAdvance", []any{map[string]any{"approver": map[string]any{"employeeNumber": "E00002"}, "primary": false}}), urnApprover, "400", "only a primary"},
		{"unknown delegate", set(urnDelegate, "expense", []any{map[string]any{"delegate": map[string]any{"value": "7a183cbe-1f4a-44f4-891c-8eff3608975e"}, "canSubmit": true}}), urnDelegate, "400", "no user"},
		{"approval limit currency", set(urnApproverLimit, "authorizedApprover", []any{map[string]any{"approvalType": "report", "reimbursementCurrency": "XXX"}}), urnApproverLimit, "400", "ISO 4217"},
		{"bad preference", set(urnUserPreference, "expenseAuditRequired", "SOMETIMES"), urnUserPreference, "400", "not one of"},
		{"payroll incomplete", set(urnPayroll, "adp", map[string]any{"companyCode": "C"}), urnPayroll, "400", "deductionCode is required"},
		{"travel without rule class", set(urnTravel, "gender", "Male"), urnTravel, "400", "ruleClass"},
		{"travel gender", func(u map[string]any) {
			u[urnTravel] = map[string]any{"ruleClass": map[string]any{"id": 1.0}, "gender": "X"}
		}, urnTravel, "400", "not one of"},
		{"role without spend profile", func(u map[string]any) {
			delete(u, urnSpend)
			u[urnRole] = map[string]any{"roles": []any{map[string]any{"roleName": "EXP_APPROVER"}}}
		}, urnRole, "400", "no spend profile"},
		{"unknown extension", func(u map[string]any) { u["urn:example:custom"] = map[string]any{} }, urnCore, "400", "unknown schema"},
		{"no core schema", set(urnCore, "schemas", []any{urnEnterprise}), urnCore, "400", "schemas must list"},
	}
	var ops []map[string]any
	for i, tc := range cases {
		u := newUser(co, fmt.Sprintf("V%02d", i))
		tc.edit(u)
		ops = append(ops, postOp(fmt.Sprint(i), u))
	}
	st := c.waitDone(c.bulk(ops...))
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			op := get(st, fmt.Sprintf("operations.%d", i))
			if get(op, "status.code") != tc.code {
				t.Errorf("code %v, want %s: %v", get(op, "status.code"), tc.code, op)
			}
			for _, e := range toArray(get(op, "extensions")) {
				name, res := get(e, "name"), get(e, "status.result")
				if name == tc.schema {
					msgs := fmt.Sprint(get(e, "messages"))
					if res != "error" || !strings.Contains(msgs, tc.msg) {
						t.Errorf("%s: result %v messages %s, want error with %q", name, res, msgs, tc.msg)
					}
				} else if res == "error" {
					t.Errorf("%s failed too: %v", name, get(e, "messages"))
				}
			}
			identityFailed := tc.schema == urnCore || tc.schema == urnEnterprise
			if identityFailed != (get(op, "resource") == nil) {
				t.Errorf("resource %v with identity failure %v", get(op, "resource"), identityFailed)
			}
		})
	}
}

func TestPatchValidation(t *testing.T) {
	c := startSandbox(t, Config{Users: 1})
	co := c.srv.Credentials().CompanyID
	u := newUser(co, "P1")
	u[urnSpend].(map[string]any)["testEmployee"] = true
	r := c.do("POST", "/profile/v4/Users", u)
	id := r.json["id"].(string)
	c.waitDone(get(r.json, "meta.provisionId").(string))
	cases := []struct {
		name   string
		op     map[string]any
		status int
		schema string
		result string
	}{
		{"testEmployee is create-only", map[string]any{"op": "replace", "path": urnSpend + ":testEmployee", "value": false}, 200, urnSpend, "error"},
		{"companyId is immutable", map[string]any{"op": "replace", "path": urnEnterprise + ":companyId", "value": "e5756608-5824-4ede-889c-e231245850ef"}, 400, "", ""},
		{"employeeNumber taken", map[string]any{"op": "replace", "path": urnEnterprise + ":employeeNumber", "value": "E00001"}, 409, "", ""},
		{"remove required userName", map[string]any{"op": "remove", "path": "userName"}, 400, "", ""},
		{"bad path", map[string]any{"op": "remove", "path": "urn:ietf:params:scim:schemas:extension:travel:2.0:groups"}, 400, "", ""},
		{"travel patch without rule class", map[string]any{"op": "add", "path": urnTravel + ":travelNameRemark", "value": "x"}, 200, urnTravel, "error"},
		{"spend patch removing currency", map[string]any{"op": "remove", "path": urnSpend + ":reimbursementCurrency"}, 200, urnSpend, "error"},
		{"custom field by filter", map[string]any{"op": "replace", "path": urnSpend + `:customData[id eq "custom2"].value`, "value": "v"}, 200, urnSpend, "success"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("PATCH", "/provisioning/v4/Users/"+id, patchOpData(tc.op))
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.schema == "" {
				return
			}
			st := c.waitDone(get(r.json, "meta.provisionId").(string))
			if e := extOf(get(st, "operations.0"), tc.schema); get(e, "status.result") != tc.result {
				t.Errorf("%s: %v", tc.schema, e)
			}
		})
	}
	g := c.do("GET", "/profile/v4/Users/"+id, nil)
	if get(g.json, urnSpend+".testEmployee") != true || get(g.json, urnSpend+".reimbursementCurrency") != "USD" || g.json[urnTravel] != nil {
		t.Errorf("failed extension writes were kept: %s", g.body)
	}
}
