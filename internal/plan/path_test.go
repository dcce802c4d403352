package plan

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

func TestParseAttrPath(t *testing.T) {
	type seg struct {
		Name   string
		Filter map[string]any
		Multi  int
	}
	tests := []struct {
		schema, path string
		patch        string
		segs         []seg
		err          string
	}{
		{model.SchemaCore, "name.givenName", "name.givenName",
			[]seg{{Name: "name"}, {Name: "givenName"}}, ""},
		{model.SchemaCore, `emails[type eq "work"].value`, `emails[type eq "work"].value`,
			[]seg{{Name: "emails", Filter: map[string]any{"type": "work"}, Multi: multiComplex}, {Name: "value"}}, ""},
		{model.SchemaSpendUser, `customData[id eq "custom2"].value`, model.SchemaSpendUser + `:customData[id eq "custom2"].value`,
			[]seg{{Name: "customData", Filter: map[string]any{"id": "custom2"}, Multi: multiComplex}, {Name: "value"}}, ""},
		{"spend:2.0:User", "ledgerCode", model.SchemaSpendUser + ":ledgerCode", []seg{{Name: "ledgerCode"}}, ""},
		{"", "title", "title", []seg{{Name: "title"}}, ""},
		{model.SchemaTravel, model.SchemaTravel + ":ruleClass.id", model.SchemaTravel + ":ruleClass.id",
			[]seg{{Name: "ruleClass"}, {Name: "id"}}, ""},
		{model.SchemaApprover, `report[primary eq true].approver.employeeNumber`, model.SchemaApprover + `:report[primary eq true].approver.employeeNumber`,
			[]seg{{Name: "report", Filter: map[string]any{"primary": true}, Multi: multiComplex}, {Name: "approver"}, {Name: "employeeNumber"}}, ""},
		{model.SchemaApproverLimit, `authorizedApprover[approvalType eq "report" and level eq 2].approvalLimit`, "",
			[]seg{{Name: "authorizedApprover", Filter: map[string]any{"approvalType": "report", "level": json.Number("2")}, Multi: multiComplex}, {Name: "approvalLimit"}}, ""},
		{model.SchemaCore, `x[a eq "q\"]"].b`, `x[a eq "q\"]"].b`,
			[]seg{{Name: "x", Filter: map[string]any{"a": `q"]`}, Multi: multiComplex}, {Name: "b"}}, ""},
		{elemSchema, "temporaryDelegatation.temporaryDelegationToDate", "",
			[]seg{{Name: "temporaryDelegation"}, {Name: "temporaryDelegationToDate"}}, ""},
		{model.SchemaCore, "entitlements", "entitlements", []seg{{Name: "entitlements", Multi: multiSimple}}, ""},
		{model.SchemaCore, "", "", nil, "empty path"},
		{model.SchemaCore, "name..givenName", "", nil, "empty attribute name"},
		{model.SchemaCore, `emails[type eq "work"`, "", nil, "unclosed filter"},
		{model.SchemaCore, `emails[type co "w"].value`, "", nil, "only `eq`"},
		{model.SchemaCore, `emails[type eq "w" or a eq "b"].value`, "", nil, "only `and`"},
		{model.SchemaCore, `emails[type eq work].value`, "", nil, "bad literal"},
		{model.SchemaCore, `emails[type eq "w"]x`, "", nil, "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			ap := parseAttrPath(tt.schema, tt.path)
			if tt.err != "" {
				if ap.err == nil || !strings.Contains(ap.err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", ap.err, tt.err)
				}
				return
			}
			if ap.err != nil {
				t.Fatal(ap.err)
			}
			if tt.patch != "" && ap.patchPath != tt.patch {
				t.Errorf("patch path %q, want %q", ap.patchPath, tt.patch)
			}
			var got []seg
			for _, s := range ap.segs {
				g := seg{Name: s.name, Multi: s.multi}
				if s.filter != nil {
					g.Filter = map[string]any{}
					for _, c := range s.filter {
						g.Filter[strings.Join(c.key, ".")] = c.val
					}
				}
				got = append(got, g)
			}
			if !reflect.DeepEqual(got, tt.segs) {
				t.Errorf("segments %+v, want %+v", got, tt.segs)
			}
		})
	}
}

func TestMemberPaths(t *testing.T) {
	tests := []struct {
		schema, path, member string
		base, remove         string
		err                  bool
	}{
		{model.SchemaCore, "entitlements", "Invoice", "entitlements", `entitlements[value eq "Invoice"]`, false},
		{model.SchemaRole, "roles", "EXP_APPROVER", model.SchemaRole + ":roles", model.SchemaRole + `:roles[roleName eq "EXP_APPROVER"]`, false},
		{model.SchemaRole, "roles.roleName", "A\"B", model.SchemaRole + ":roles", model.SchemaRole + `:roles[roleName eq "A\"B"]`, false},
		{model.SchemaCore, "title", "x", "", "", true},
		{model.SchemaCore, `emails[type eq "work"].value`, "x", "", "", true},
	}
	for _, tt := range tests {
		ap := parseAttrPath(tt.schema, tt.path)
		mi := ap.member()
		if tt.err {
			if mi.err == nil {
				t.Errorf("%s: no error", tt.path)
			}
			continue
		}
		if mi.err != nil {
			t.Fatalf("%s: %v", tt.path, mi.err)
		}
		if mi.base != tt.base {
			t.Errorf("%s: base %q, want %q", tt.path, mi.base, tt.base)
		}
		if got := *ap.removePath(tt.member); got != tt.remove {
			t.Errorf("%s: remove path %q, want %q", tt.path, got, tt.remove)
		}
	}
}

func TestBulkIDs(t *testing.T) {
	for _, emp := range []string{"E100", "john.doe@example.com", "a b/c?d#e%f", "ünï"} {
		id := BulkID(emp)
		if strings.ContainsAny(id, " /?#") {
			t.Errorf("BulkID(%q) = %q is not path-safe", emp, id)
		}
		for _, ref := range []string{id, "bulkId:" + id, BulkIDPath(emp)} {
			got, ok := EmployeeOfBulkID(ref)
			if !ok || got != emp {
				t.Errorf("EmployeeOfBulkID(%q) = %q, %v; want %q", ref, got, ok, emp)
			}
		}
	}
	for _, bad := range []string{"", "emp-", "user-1", "/Users/abc", "emp-%zz"} {
		if got, ok := EmployeeOfBulkID(bad); ok {
			t.Errorf("EmployeeOfBulkID(%q) = %q, want no employee", bad, got)
		}
	}
	if got := UUIDPath("0d9c6a42-0000-4000-8000-000000000200"); got != "/Users/0d9c6a42-0000-4000-8000-000000000200" {
		t.Errorf("UUIDPath = %q", got)
	}
}

// TestSiteSlotSpread: the Sites of mapping rows, a stride apart in one
// array, take different slots of pathCache.direct, whatever the stride.
func TestSiteSlotSpread(t *testing.T) {
	type row1k struct {
		site model.Site
		_    [1024 - unsafe.Sizeof(model.Site{})]byte
	}
	type row256 struct {
		site model.Site
		_    [256 - unsafe.Sizeof(model.Site{})]byte
	}
	rows1k, rows256, plain := make([]row1k, 120), make([]row256, 120), make([]model.Site, 120)
	for name, site := range map[string]func(i int) *model.Site{
		"1 KiB apart":    func(i int) *model.Site { return &rows1k[i].site },
		"256 B apart":    func(i int) *model.Site { return &rows256[i].site },
		"a []model.Site": func(i int) *model.Site { return &plain[i] },
	} {
		slots := map[int]bool{}
		for i := range 120 {
			s := siteSlot(site(i))
			if s < 0 || s >= siteSlots {
				t.Fatalf("%s: slot %d out of range", name, s)
			}
			slots[s] = true
		}
		if len(slots) < 100 {
			t.Errorf("%s: 120 Sites took %d slots of %d, want at least 100", name, len(slots), siteSlots)
		}
	}
}
