package plan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

func src(line int, field string) model.Source {
	return model.Source{File: "in.txt", Line: line, Field: field}
}

func set(schema, path string, v any) model.Attr {
	return model.NewAttr(schema, path, v, src(2, path), "")
}

func member(schema, path, m string, present bool) model.Attr {
	return model.NewMember(schema, path, m, present, src(2, m), "")
}

// refAt gives r the lineage s.
func refAt(r model.Ref, s model.Source) model.Ref {
	r.SetSource(s, "")
	return r
}

// opData builds one change set and returns the data of its operation in
// phase as compact JSON (via Data, checked against the encoding).
func opData(t *testing.T, cs *model.ChangeSet, o Options, phase int) string {
	t.Helper()
	if len(cs.Records) == 0 {
		cs.Records = []model.Position{{File: "in.txt", Line: 2}}
	}
	p, err := Build([]*model.ChangeSet{cs}, o)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Requests {
		if r.Phase != phase {
			continue
		}
		op := r.Operations[0]
		got, err := json.Marshal(op.Data())
		if err != nil {
			t.Fatal(err)
		}
		// The encoded operation carries the same data.
		var enc struct{ Data json.RawMessage }
		if err := json.Unmarshal(op.Encoded(), &enc); err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, enc.Data); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(unescapeHTML(got), compact.Bytes()) {
			t.Errorf("Data() %s\nencoded %s", got, compact.Bytes())
		}
		return string(unescapeHTML(got))
	}
	return ""
}

const (
	ent   = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E1"}`
	coreS = `"urn:ietf:params:scim:schemas:core:2.0:User"`
	entS  = `"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
)

func TestCreateBody(t *testing.T) {
	tests := []struct {
		name  string
		attrs []model.Attr
		opts  Options
		want  string
	}{
		{"nested", []model.Attr{set(model.SchemaCore, "name.givenName", "Ada"), set(model.SchemaCore, "name.familyName", "L")},
			Options{}, `{"name":{"familyName":"L","givenName":"Ada"},"schemas":[` + coreS + `,` + entS + `],` + ent + `}`},
		{"filtered element", []model.Attr{set(model.SchemaCore, `emails[type eq "work"].value`, "a@x"), set(model.SchemaCore, `emails[type eq "home"].value`, "h@x"), set(model.SchemaCore, `emails[type eq "work"].notifications`, true)},
			Options{}, `{"emails":[{"notifications":true,"type":"work","value":"a@x"},{"type":"home","value":"h@x"}],"schemas":[` + coreS + `,` + entS + `],` + ent + `}`},
		{"one mobile made primary", []model.Attr{set(model.SchemaCore, `phoneNumbers[type eq "work"].value`, "1"), set(model.SchemaCore, `phoneNumbers[type eq "mobile"].value`, "2")},
			Options{}, `{"phoneNumbers":[{"type":"work","value":"1"},{"primary":true,"type":"mobile","value":"2"}],"schemas":[` + coreS + `,` + entS + `],` + ent + `}`},
		{"explicit primary kept", []model.Attr{set(model.SchemaCore, `phoneNumbers[type eq "mobile"].value`, "2"), set(model.SchemaCore, `phoneNumbers[type eq "mobile"].primary`, false)},
			Options{}, `{"phoneNumbers":[{"primary":false,"type":"mobile","value":"2"}],"schemas":[` + coreS + `,` + entS + `],` + ent + `}`},
		{"custom data and company", []model.Attr{set(model.SchemaSpendUser, `customData[id eq "custom2"].value`, "X"), set("spend:2.0:User", `customData[id eq "orgUnit1"].value`, "Y"), set(model.SchemaSpendUser, `customData[id eq "custom2"].value`, "Z")},
			Options{CompanyID: "C1"}, `{"schemas":[` + coreS + `,` + entS + `,"urn:ietf:params:scim:schemas:extension:spend:2.0:User"],"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"companyId":"C1","employeeNumber":"E1"},"urn:ietf:params:scim:schemas:extension:spend:2.0:User":{"customData":[{"id":"custom2","value":"Z"},{"id":"orgUnit1","value":"Y"}]}}`},
		{"members present only", []model.Attr{member(model.SchemaCore, "entitlements", "Expense", true), member(model.SchemaCore, "entitlements", "Invoice", false), member(model.SchemaCore, "entitlements", "Expense", true),
			member(model.SchemaRole, "roles", "EXP_APPROVER", true), member(model.SchemaRole, "roles.roleName", "REQ_APPROVER", true), member(model.SchemaRole, "roles", "INV_APPROVER", false)},
			Options{}, `{"entitlements":["Expense"],"schemas":[` + coreS + `,` + entS + `,"urn:ietf:params:scim:schemas:extension:spend:2.0:Role"],` + ent + `,"urn:ietf:params:scim:schemas:extension:spend:2.0:Role":{"roles":[{"roleGroups":[],"roleName":"EXP_APPROVER"},{"roleGroups":[],"roleName":"REQ_APPROVER"}]}}`},
		{"simple multi-valued collects values", []model.Attr{set(model.SchemaTravel, "ruleClass.id", "624905"), set(model.SchemaTravel, "groups", "1"), set(model.SchemaTravel, "groups", "2"), set(model.SchemaTravel, "groups", "1")},
			Options{}, `{"schemas":[` + coreS + `,` + entS + `,"urn:ietf:params:scim:schemas:extension:travel:2.0:User"],` + ent + `,"urn:ietf:params:scim:schemas:extension:travel:2.0:User":{"groups":["1","2"],"ruleClass":{"id":"624905"}}}`},
		{"employee number is the key", []model.Attr{set(model.SchemaEnterprise, "employeeNumber", "E1")},
			Options{}, `{"schemas":[` + coreS + `,` + entS + `],` + ent + `}`},
		{"multi-valued complex without filter", []model.Attr{set(model.SchemaCore, "emergencyContacts.name", "Bo"), set(model.SchemaCore, "emergencyContacts.phones", "5")},
			Options{}, `{"emergencyContacts":[{"name":"Bo","phones":["5"]}],"schemas":[` + coreS + `,` + entS + `],` + ent + `}`},
		{"escaping", []model.Attr{set(model.SchemaCore, "title", "a<b>&\"c\"\n\u2028\xff")},
			Options{}, `{"schemas":[` + coreS + `,` + entS + `],"title":"a<b>&\"c\"\n\u2028\ufffd",` + ent + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := opData(t, &model.ChangeSet{EmployeeID: "E1", Creates: true, Attrs: tt.attrs}, tt.opts, PhaseIdentity)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestPatchOps(t *testing.T) {
	const po = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
	tests := []struct {
		name  string
		attrs []model.Attr
		want  string
	}{
		{"core and extension paths", []model.Attr{set(model.SchemaCore, "name.givenName", "Ada"), set(model.SchemaSpendUser, "locale", "en-US")},
			`{"Operations":[{"op":"replace","path":"name.givenName","value":"Ada"},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:locale","value":"en-US"}],` + po + `}`},
		{"filtered paths", []model.Attr{set(model.SchemaSpendUser, `customData[id eq "custom2"].value`, "X"), set(model.SchemaCore, `emails[type eq "work"].value`, "a@x")},
			`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq \"custom2\"].value","value":"X"},{"op":"replace","path":"emails[type eq \"work\"].value","value":"a@x"}],` + po + `}`},
		{"members grouped and removed", []model.Attr{member(model.SchemaRole, "roles", "A", true), member(model.SchemaCore, "entitlements", "Expense", true), member(model.SchemaRole, "roles", "B", false), member(model.SchemaRole, "roles", "C", true), member(model.SchemaCore, "entitlements", "Invoice", false)},
			`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Role:roles","value":[{"roleGroups":[],"roleName":"A"},{"roleGroups":[],"roleName":"C"}]},{"op":"add","path":"entitlements","value":["Expense"]},{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Role:roles[roleName eq \"B\"]"},{"op":"remove","path":"entitlements[value eq \"Invoice\"]"}],` + po + `}`},
		{"employee number and company dropped", []model.Attr{set(model.SchemaEnterprise, "employeeNumber", "E1"), set(model.SchemaEnterprise, "companyId", "C"), set(model.SchemaCore, "active", false)},
			`{"Operations":[{"op":"replace","path":"active","value":false}],` + po + `}`},
		{"simple multi-valued wrapped", []model.Attr{set(model.SchemaTravel, "groups", "7")},
			`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:travel:2.0:User:groups","value":["7"]}],` + po + `}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := opData(t, &model.ChangeSet{EmployeeID: "E1", Attrs: tt.attrs}, Options{}, PhaseIdentity)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestRefOps(t *testing.T) {
	const po = `,"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]}`
	tr, fa := true, false
	appr := func(typ, target string, primary *bool) model.Ref {
		return refAt(model.Ref{Kind: model.RefApprover, Schema: model.SchemaApprover, Path: typ, Primary: primary, Target: target}, src(3, typ))
	}
	dir, err := NewDirectory([]DirEntry{{EmployeeNumber: "M1", ID: "uuid-m1"}, {EmployeeNumber: "E1", ID: "uuid-e1"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		creates bool
		refs    []model.Ref
		dir     *Directory
		want    string
	}{
		{"new user: one path-less add", true, []model.Ref{appr("report", "M2", &fa), appr("report", "M1", &tr), appr("invoice", "M1", nil)}, nil,
			`{"Operations":[{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver":{"invoice":[{"approver":{"employeeNumber":"M1"},"primary":true}],"report":[{"approver":{"employeeNumber":"M1"},"primary":true},{"approver":{"employeeNumber":"M2"},"primary":false}]}}}]` + po},
		{"existing user: complete types replaced, partial slot filtered", false, []model.Ref{appr("report", "M1", &tr), appr("cashAdvance", "M1", &tr), appr("request", "M1", &tr), appr("request", "M2", &fa)}, nil,
			`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver:report[primary eq true]","value":{"approver":{"employeeNumber":"M1"},"primary":true}},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver:cashAdvance","value":[{"approver":{"employeeNumber":"M1"},"primary":true}]},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver:request","value":[{"approver":{"employeeNumber":"M1"},"primary":true},{"approver":{"employeeNumber":"M2"},"primary":false}]}]` + po},
		{"managers with directory ids", false, []model.Ref{
			refAt(model.Ref{Kind: model.RefManager, Schema: model.SchemaTravel, Path: "manager", Target: "M9"}, src(3, "9")),
			refAt(model.Ref{Kind: model.RefManager, Schema: model.SchemaTravel, Path: "manager", Target: "M1"}, src(4, "9")),
			refAt(model.Ref{Kind: model.RefBIManager, Target: "M2"}, src(3, "77")),
		}, dir,
			`{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:travel:2.0:User:manager","value":{"employeeNumber":"M1","value":"uuid-m1"}},{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:biManager","value":{"employeeNumber":"M2"}}]` + po},
		{"delegates per product", true, []model.Ref{
			refAt(model.Ref{Kind: model.RefDelegate, Schema: model.SchemaDelegate, Path: "expense", Target: "D1", Attrs: []model.Attr{set("", "canPrepare", true), set("", "temporaryDelegation", false), set("", "temporaryDelegation.temporaryDelegationFromDate", "2024-01-01")}}, src(5, "3")),
			refAt(model.Ref{Kind: model.RefDelegate, Schema: model.SchemaDelegate, Path: "payment", Target: "D1", Attrs: []model.Attr{set("", "temporaryDelegation", true)}}, src(6, "3")),
			refAt(model.Ref{Kind: model.RefDelegate, Schema: model.SchemaDelegate, Path: "expense", Target: "M1", Attrs: []model.Attr{set("", "temporaryDelegatation.temporaryDelegationToDate", "2024-02-01")}}, src(7, "3")),
		}, dir,
			`{"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Delegate:expense","value":[{"canPrepare":true,"delegate":{"employeeNumber":"D1"}},{"delegate":{"employeeNumber":"M1","value":"uuid-m1"},"temporaryDelegation":{"temporaryDelegationToDate":"2024-02-01"}}]},{"op":"add","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Delegate:payment","value":[{"delegate":{"employeeNumber":"D1"},"temporaryDelegation":{}}]}]` + po},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := &model.ChangeSet{EmployeeID: "E2", Creates: tt.creates, Refs: tt.refs}
			got := opData(t, cs, Options{Directory: tt.dir}, PhaseRefs)
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	cs := func(id string, attrs ...model.Attr) *model.ChangeSet {
		return &model.ChangeSet{EmployeeID: id, Creates: true, Attrs: attrs, Records: []model.Position{{File: "in.txt", Line: 7}}}
	}
	big := strings.Repeat("x", 600)
	tests := []struct {
		name string
		sets []*model.ChangeSet
		opts Options
		want string
	}{
		{"duplicate employee", []*model.ChangeSet{cs("E1"), cs("E1")}, Options{}, `employee "E1" has two change sets`},
		{"no employee ID", []*model.ChangeSet{cs("")}, Options{}, "without an employee ID"},
		{"nil set", []*model.ChangeSet{nil}, Options{}, "change set 0 is nil"},
		{"bad path names its source", []*model.ChangeSet{cs("E1", set(model.SchemaCore, "name..x", "v"))}, Options{}, `in.txt:2:name..x: employee "E1": attribute path`},
		{"value on an object", []*model.ChangeSet{cs("E1", set(model.SchemaCore, "name.givenName", "a"), set(model.SchemaCore, "name", "b"))}, Options{}, "name is an object"},
		{"filter without sub-attribute", []*model.ChangeSet{cs("E1", set(model.SchemaCore, `emails[type eq "work"]`, "a"))}, Options{}, "selects an element"},
		{"missing value", []*model.ChangeSet{cs("E1", set(model.SchemaCore, "title", nil))}, Options{}, `in.txt:2:title: employee "E1": value is missing`},
		{"operation over the byte limit", []*model.ChangeSet{cs("E1"), cs("E2", set(model.SchemaCore, "title", big))}, Options{MaxBytes: 500}, `in.txt:7: employee "E2": create operation is`},
		{"rename without from", []*model.ChangeSet{{EmployeeID: "E1", Rename: &model.Rename{NewLogin: "x", Source: src(4, "3")}}}, Options{}, "rename without the current employee ID"},
		{"reference without target", []*model.ChangeSet{{EmployeeID: "E1", Refs: []model.Ref{refAt(model.Ref{Kind: model.RefManager}, src(4, "9"))}}}, Options{}, "without a target"},
		{"unknown reference kind", []*model.ChangeSet{{EmployeeID: "E1", Refs: []model.Ref{refAt(model.Ref{Kind: "boss", Target: "E2"}, src(4, "9"))}}}, Options{}, `unknown reference kind "boss"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(tt.sets, tt.opts)
			if err == nil {
				// Errors about one employee leave it out of the plan and
				// are listed in Rejected; the others are planned.
				if len(p.Rejected) != 1 {
					t.Fatalf("no error and %d rejected employees, want %q", len(p.Rejected), tt.want)
				}
				err = p.Rejected[0]
				for _, r := range p.Requests {
					for _, op := range r.Operations {
						if op.Employee == p.Rejected[0].Employee {
							t.Errorf("rejected employee %s still has %s %s", op.Employee, op.Method, op.Path)
						}
					}
				}
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}
