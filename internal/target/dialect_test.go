package target

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/golden"
)

// rfcCoreAttrs and rfcEnterpriseAttrs are RFC 7643's User attributes (what
// a plain server such as SCIMMY lists).
var (
	rfcCoreAttrs = []string{"userName", "name", "displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage",
		"locale", "timezone", "active", "password", "emails", "phoneNumbers", "ims", "photos", "addresses", "groups", "entitlements", "roles", "x509Certificates"}
	rfcEnterpriseAttrs = []string{"employeeNumber", "costCenter", "organization", "division", "department", "manager"}
)

func attrSet(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[strings.ToLower(n)] = true
	}
	return m
}

// dialectSchemas are the servers the dialect is checked for.
var dialectSchemas = map[string]*schemaSet{
	// no /Schemas: the RFC 7643 User schemas, any attribute but companyId.
	"unlisted": {attrs: map[string]map[string]bool{}},
	// an RFC server publishing attribute lists.
	"rfc": {listed: true, urns: []string{coreUserSchema, enterpriseSchema}, attrs: map[string]map[string]bool{
		strings.ToLower(coreUserSchema): attrSet(rfcCoreAttrs...), strings.ToLower(enterpriseSchema): attrSet(rfcEnterpriseAttrs...)}},
	// a server that knows Concur's schemas (and companyId).
	"concur": {listed: true, urns: append([]string{coreUserSchema, enterpriseSchema}, concurSchemas...), attrs: map[string]map[string]bool{
		strings.ToLower(enterpriseSchema): attrSet(append(rfcEnterpriseAttrs, "companyId")...)}},
}

// dialectGolden renders a dialect for a golden file.
func dialectGolden(t *testing.T, d *dialect) []byte {
	t.Helper()
	var body any
	if d.body != nil {
		if err := json.Unmarshal(d.body, &body); err != nil {
			t.Fatalf("the rewritten body is not JSON: %v", err)
		}
	}
	out, err := json.MarshalIndent(map[string]any{
		"body": body, "index": d.index, "skipped": d.skipped, "dropped": d.dropped, "droppedAttrs": d.droppedAttrs,
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

func TestDialectGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/dialect/in-*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		body, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		for name, set := range dialectSchemas {
			base := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(in), "in-"), ".json")
			t.Run(base+"/"+name, func(t *testing.T) {
				d, err := toRFC(body, set)
				if err != nil {
					t.Fatal(err)
				}
				golden.Check(t, filepath.Join("testdata", "dialect", "out-"+base+"-"+name+".json"), dialectGolden(t, d))
			})
		}
	}
}

func TestDialectRules(t *testing.T) {
	body, err := os.ReadFile("testdata/dialect/in-mixed.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := toRFC(body, dialectSchemas["rfc"])
	if err != nil {
		t.Fatal(err)
	}
	got := string(d.body)
	for _, want := range []string{`"entitlements":[{"value":"Expense"},{"value":"Travel"}]`, `{"type":"work","value":"e1@example.com"}`,
		`{"type":"other","value":"e1b@example.com"}`, `emails[type eq \"work\"].value`, `{"op":"add","path":"entitlements","value":[{"value":"Invoice"}]}`,
		`"value":"CC-2"`} {
		if !strings.Contains(got, want) {
			t.Errorf("rewritten body lacks %s", want)
		}
	}
	for _, gone := range []string{"spend:2.0", "travel:2.0", "companyId", "dateOfBirth"} {
		if strings.Contains(got, gone) {
			t.Errorf("rewritten body still holds %s", gone)
		}
	}
	// The spend-only PATCH (original index 2) is not sent; indexes of the
	// others keep their original positions.
	if want := []int{0, 1, 3}; !equalInts(d.index, want) {
		t.Errorf("index = %v, want %v", d.index, want)
	}
	if len(d.skipped) != 1 || d.skipped[0].Index != 2 || !d.skipped[0].Success || d.skipped[0].Messages[0].Text != "nothing this server supports" {
		t.Errorf("skipped = %+v", d.skipped)
	}
	for _, e := range d.skipped[0].Extensions {
		if e.Result != ResultNoOp {
			t.Errorf("skipped extension %+v, want no-op", e)
		}
	}
}

func TestDialectNothingLeft(t *testing.T) {
	body := []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"PATCH","path":"/Users/u1","data":{"schemas":["` + patchOpSchema + `"],"Operations":[{"op":"add","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:Delegate:expense","value":[]}]}}]}`)
	d, err := toRFC(body, dialectSchemas["unlisted"])
	if err != nil {
		t.Fatal(err)
	}
	if d.body != nil || len(d.skipped) != 1 {
		t.Errorf("dialect = %s %+v, want nothing sent and one skipped", d.body, d.skipped)
	}
	if _, err := toRFC([]byte("{"), nil); err == nil {
		t.Error("bad JSON accepted")
	}
}

func TestDialectKeepsNumbersAndHTML(t *testing.T) {
	body := []byte(`{"Operations":[{"method":"POST","path":"/Users","bulkId":"b","data":{"userName":"a<b>&c","x509Certificates":[{"value":12345678901234567890}]}}]}`)
	d, err := toRFC(body, dialectSchemas["unlisted"])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(d.body, []byte(`"a<b>&c"`)) || !bytes.Contains(d.body, []byte(`12345678901234567890`)) {
		t.Errorf("body = %s", d.body)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
