package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/golden"
)

// validators returns the default and strict validators.
func validators(t testing.TB) (*Validator, *Validator) {
	t.Helper()
	def, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	strict, err := New(Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	return def, strict
}

// render writes findings one per line for golden files.
func render(name string, fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s [%s]\n", f.Format(name), f.Keyword)
	}
	return b.String()
}

// docsOf decodes a test file into the documents it holds and the function
// that validates one of them.
func docsOf(t *testing.T, v *Validator, fast bool, path string) ([]any, func(any) []Finding) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var docs []any
	if strings.HasSuffix(path, ".jsonl") {
		for _, line := range bytes.Split(data, []byte("\n")) {
			if d, err := decodeJSON(line); err == nil {
				docs = append(docs, d)
			}
		}
	} else {
		d, err := decodeJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	kind := DetectKind(path, docs[0])
	type api interface {
		ValidateBulk(any) []Finding
		ValidateUser(any) []Finding
		ValidatePatch(any) []Finding
		ValidatePlanLine(any) []Finding
	}
	var a api = v
	if fast {
		a = v.Fast()
	}
	switch kind {
	case KindBulk:
		return docs, a.ValidateBulk
	case KindUser:
		return docs, a.ValidateUser
	case KindPatch:
		return docs, a.ValidatePatch
	case KindPlan:
		return docs, a.ValidatePlanLine
	}
	t.Fatalf("%s: unknown kind", path)
	return nil, nil
}

func TestGolden(t *testing.T) {
	def, strict := validators(t)
	for _, dir := range []string{"valid", "invalid"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.json*"))
		if len(files) == 0 {
			t.Fatalf("no files in testdata/%s", dir)
		}
		for _, path := range files {
			name := filepath.Base(path)
			t.Run(dir+"/"+name, func(t *testing.T) {
				var out strings.Builder
				modes := map[string][]Finding{}
				for _, m := range []struct {
					name string
					v    *Validator
				}{{"default", def}, {"strict", strict}} {
					fs, _, err := m.v.ValidateFile(path)
					if err != nil {
						t.Fatal(err)
					}
					modes[m.name] = fs
					fmt.Fprintf(&out, "# %s\n%s", m.name, render(name, fs))

					docs, ref := docsOf(t, m.v, false, path)
					_, fast := docsOf(t, m.v, true, path)
					for i, d := range docs {
						if r, f := ref(d), fast(d); !reflect.DeepEqual(r, f) {
							t.Errorf("%s doc %d: fast path disagrees with jsonschema/v5:\nreference:\n%sfast:\n%s", m.name, i, render(name, r), render(name, f))
						}
					}
				}
				golden.Check(t, strings.TrimSuffix(path, filepath.Ext(path))+".golden", []byte(out.String()))
				switch {
				case dir == "valid":
					if len(modes["default"])+len(modes["strict"]) > 0 {
						t.Errorf("valid example has findings:\n%s", out.String())
					}
				case strings.HasPrefix(name, "strict-"):
					if HasErrors(modes["default"]) || !HasErrors(modes["strict"]) || len(modes["default"]) == 0 {
						t.Errorf("want warnings only in default mode and errors in strict mode:\n%s", out.String())
					}
				default:
					if !HasErrors(modes["default"]) {
						t.Errorf("invalid example passes in default mode")
					}
				}
			})
		}
	}
}

// bulkOf builds a bulk request around operations.
func bulkOf(ops []any) map[string]any {
	return map[string]any{
		"schemas":    []any{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"},
		"Operations": ops,
	}
}

func userDoc(i int, pad string) map[string]any {
	id := fmt.Sprintf("E%05d", i)
	return map[string]any{
		"schemas":     []any{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:extension:spend:2.0:User"},
		"userName":    id + "@example.com",
		"active":      true,
		"displayName": "User " + id + pad,
		"name":        map[string]any{"givenName": "Given" + id, "familyName": "Family"},
		"emails":      []any{map[string]any{"value": id + "@example.com", "type": "work"}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{
			"employeeNumber": id, "companyId": "053c9338-bf2a-49cd-9035-c1f97be858b0", "startDate": "2020-01-01T00:00:00Z",
		},
		"urn:ietf:params:scim:schemas:extension:spend:2.0:User": map[string]any{
			"reimbursementCurrency": "USD", "country": "US", "locale": "en-US", "ledgerCode": "DEFAULT",
			"customData": []any{map[string]any{"id": "custom1", "value": "v1"}, map[string]any{"id": "orgUnit1", "value": "NA"}},
		},
	}
}

func postOp(i int, pad string) map[string]any {
	return map[string]any{"method": "POST", "path": "/Users", "bulkId": fmt.Sprintf("emp-E%05d", i), "data": userDoc(i, pad)}
}

// TestGeneratedLimits covers the request limits with documents built here
// (a 500 KB file is not committed).
func TestGeneratedLimits(t *testing.T) {
	def, strict := validators(t)
	var ops []any
	for i := 0; i < 101; i++ {
		ops = append(ops, map[string]any{"method": "DELETE", "path": fmt.Sprintf("/Users/bulkId:emp-%d", i)})
	}
	tooMany, _ := json.MarshalIndent(bulkOf(ops), "", " ")

	ops = nil
	for i := 0; i < 50; i++ {
		ops = append(ops, postOp(i, strings.Repeat(".", 9000)))
	}
	big, _ := json.Marshal(bulkOf(ops))
	if len(big) > 512000 {
		t.Fatalf("generated request is %d bytes", len(big))
	}
	big = append(big, bytes.Repeat([]byte(" "), 512000-len(big))...)

	dup, _ := json.MarshalIndent(bulkOf([]any{postOp(1, ""), postOp(1, "")}), "", " ")

	cases := []struct {
		name string
		data []byte
		want string // a finding every mode must report
	}{
		{"101-operations", tooMany, `/Operations: has 101 items, over the maximum of 100`},
		{"500KB", big, `request is 512000 bytes, over UPS's limit of 409600`},
		{"duplicate-bulkId", dup, `/Operations/1/bulkId: bulkId "emp-E00001" is already used by operation 0`},
	}
	var out strings.Builder
	for _, c := range cases {
		for _, v := range []*Validator{def, strict} {
			fs, err := v.ValidateBytes(KindUnknown, c.data)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&out, "# %s strict=%v\n%s", c.name, v.Strict(), render(c.name, fs))
			found := false
			for _, f := range fs {
				found = found || f.String() == c.want && f.IsError()
			}
			if !found {
				t.Errorf("%s (strict=%v): no error %q in\n%s", c.name, v.Strict(), c.want, render(c.name, fs))
			}
		}
	}
	golden.Check(t, "testdata/generated.golden", []byte(out.String()))
}

func TestRequestSizeFinding(t *testing.T) {
	if _, over := RequestSizeFinding(MaxRequestBytes); over {
		t.Error("exactly 400 KB must pass")
	}
	f, over := RequestSizeFinding(MaxRequestBytes + 1)
	if !over || f.Pointer != "" || !f.IsError() || f.Message != "request is 409601 bytes, over UPS's limit of 409600" {
		t.Errorf("got %+v", f)
	}
}

// TestReferenceCompiles compiles every schema validation starts from, in
// both variants, with jsonschema/v5 (which checks each against the draft's
// metaschema): New leaves that to the reference's first use.
func TestReferenceCompiles(t *testing.T) {
	s, err := load()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*refCompiled{s.refDef, s.refStr} {
		for _, loc := range mainLocs {
			if _, err := r.schema(loc); err != nil {
				t.Errorf("%s: %v", loc, err)
			}
		}
	}
	broken := newRefCompiled(docSet{"https://upsmigrate.local/schemas/x.json": map[string]any{"type": 12}}, nil)
	if _, err := broken.schema("https://upsmigrate.local/schemas/x.json"); err == nil {
		t.Error("a schema that breaks its metaschema compiled")
	}
}
