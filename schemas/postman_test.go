package schemas

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/spec"
)

// postmanFile is Concur's UPS v4 Postman collection, a file of package spec.
const postmanFile = "ups-v4/postman-collection.json"

// knownBroken lists the request bodies of Concur's collection that are not
// usable as they stand, with the reason; they are checked to stay broken in
// exactly that way.
var knownBroken = map[string]string{
	"Users/Core User Updates/Entitlement Removal":       "not JSON: an operation object without braces",
	"Users/Spend User Updates/Adding ledgerCode":        "add without value: ledgerCode sits beside op and path",
	"Users/Travel User Updates/Adding Groups to Travel": "add without value: ledgerCode sits beside op and path (copy of Adding ledgerCode)",
}

// postmanVars are plausible values for the {{variables}} of the collection.
var postmanVars = map[string]string{
	"$timestamp":     "1700000000",
	"email_domain":   "example.com",
	"CRUD.user_id":   "5db0f708-5dfc-4d0f-9610-3e43433d4dce",
	"Concur.user_id": "5db0f708-5dfc-4d0f-9610-3e43433d4dce",
	"company_id":     "053c9338-bf2a-49cd-9035-c1f97be858b0",
	"provision_ID":   "5e68e90a-f2f4-4bc4-978b-5c0892b02408",
	"scim_root":      "https://us2.api.concursolutions.com/",
	"data_center":    "https://us2.api.concursolutions.com",
	"host":           "https://us2.api.concursolutions.com",
}

type postmanItem struct {
	Name    string          `json:"name"`
	Item    []postmanItem   `json:"item"`
	Request json.RawMessage `json:"request"`
}

type postmanBody struct {
	name, method, raw string
}

func postmanBodies(t *testing.T) []postmanBody {
	data, err := spec.ReadFile(postmanFile)
	if err != nil {
		t.Fatal(err)
	}
	var coll struct {
		Item []postmanItem `json:"item"`
	}
	if err := json.Unmarshal(data, &coll); err != nil {
		t.Fatal(err)
	}
	var out []postmanBody
	var walk func(prefix string, items []postmanItem)
	walk = func(prefix string, items []postmanItem) {
		for _, it := range items {
			name := strings.TrimPrefix(prefix+"/"+it.Name, "/")
			if it.Item != nil {
				walk(name, it.Item)
				continue
			}
			var req struct {
				Method string `json:"method"`
				Body   struct {
					Raw string `json:"raw"`
				} `json:"body"`
			}
			_ = json.Unmarshal(it.Request, &req)
			if strings.TrimSpace(req.Body.Raw) != "" {
				out = append(out, postmanBody{name: name, method: req.Method, raw: req.Body.Raw})
			}
		}
	}
	walk("", coll.Item)
	return out
}

var postmanVar = regexp.MustCompile(`\{\{([^}]+)\}\}`)

func substitute(t *testing.T, s string) string {
	return postmanVar.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-2]
		v, ok := postmanVars[name]
		if !ok {
			t.Errorf("no value for Postman variable %s", m)
		}
		return v
	})
}

// TestPostmanConformance validates every User, PatchOp and BulkRequest body
// of Concur's collection: none may have an error in default mode; what
// strict mode reports is recorded in testdata/postman-strict.golden.
func TestPostmanConformance(t *testing.T) {
	bodies := postmanBodies(t)
	def, strict := validators(t)
	counts := map[string]int{}
	var report strings.Builder
	brokenSeen := map[string]bool{}
	for i, b := range bodies {
		label := fmt.Sprintf("%02d %s %s", i+1, b.method, b.name)
		raw := substitute(t, b.raw)
		doc, err := decodeJSON([]byte(raw))
		reason, broken := knownBroken[b.name]
		if err != nil {
			if !broken {
				t.Errorf("%s: not JSON: %v", label, err)
			}
			brokenSeen[b.name] = true
			counts["broken"]++
			fmt.Fprintf(&report, "## %s: known broken (%s)\n", label, reason)
			continue
		}
		kind := DetectKind("", doc)
		class := string(kind)
		if kind == KindUnknown {
			class = "other"
			if m, ok := doc.(map[string]any); ok && strings.Contains(fmt.Sprint(m["schemas"]), "SearchRequest") {
				class = "search"
			}
		}
		counts[class]++
		if kind == KindUnknown {
			continue
		}
		fsDef, err := def.ValidateBytes(kind, []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		fsStrict, err := strict.ValidateBytes(kind, []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if broken {
			brokenSeen[b.name] = true
			counts["broken"]++
			if !HasErrors(fsDef) {
				t.Errorf("%s: listed as broken (%s) but has no error", label, reason)
			}
			fmt.Fprintf(&report, "## %s: known broken (%s)\n%s", label, reason, render(class, fsDef))
			continue
		}
		if HasErrors(fsDef) {
			t.Errorf("%s: errors in default mode:\n%s", label, render(class, fsDef))
		}
		fmt.Fprintf(&report, "## %s (%s): %d strict findings\n%s", label, class, len(fsStrict), render(class, fsStrict))
	}
	for name := range knownBroken {
		if !brokenSeen[name] {
			t.Errorf("known broken body %q is not in the collection any more", name)
		}
	}
	summary := fmt.Sprintf("# bodies: user %d, patch %d, bulk %d, search %d, other %d, known broken %d\n",
		counts["user"], counts["patch"], counts["bulk"], counts["search"], counts["other"], counts["broken"])
	t.Log(summary + report.String())
	golden.Check(t, "testdata/postman-strict.golden", []byte(summary+report.String()))
	if counts["user"] == 0 || counts["patch"] == 0 || counts["bulk"] == 0 {
		t.Errorf("classification found no User, PatchOp or BulkRequest body: %s", summary)
	}
}
