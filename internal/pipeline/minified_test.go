package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// TestMinifiedInputs: records that share a line (minified JSON or XML)
// keep apart: a value dropped or a record rejected in one of them leaves
// the others as they are in the same file pretty-printed.
func TestMinifiedInputs(t *testing.T) {
	dir := t.TempDir()
	// users-v3.1.json with a country UPS cannot hold in its second item.
	var v3 map[string]any
	data, err := os.ReadFile("../../samples/legacy/users-v3.1.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &v3); err != nil {
		t.Fatal(err)
	}
	v3["Items"].([]any)[1].(map[string]any)["CountryCode"] = "XX"
	pretty, _ := json.MarshalIndent(v3, "", " ")
	minified, _ := json.Marshal(v3)
	// users-v1-batch.xml, one of whose employees cannot be provisioned.
	xml, err := os.ReadFile("../../samples/legacy/users-v1-batch.xml")
	if err != nil {
		t.Fatal(err)
	}
	xmlMin := regexp.MustCompile(`>\s+<`).ReplaceAll(xml, []byte("><"))

	for _, tt := range []struct {
		name             string
		pretty, minified []byte
	}{
		{"v3.1 json", pretty, minified},
		{"v1 xml", xml, xmlMin},
	} {
		t.Run(tt.name, func(t *testing.T) {
			outcome := func(name string, b []byte) map[string]string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
				res, err := Convert([]string{p}, Options{Options: plan.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"}})
				if err != nil {
					t.Fatal(err)
				}
				out := map[string]string{}
				items := map[int]bool{}
				for _, r := range res.Records {
					warns := 0
					for _, m := range r.Messages {
						if m.Severity == model.SevWarning {
							warns++
						}
					}
					out[r.EmployeeID] = fmt.Sprintf("%s, %d warnings", r.Status, warns)
					items[r.Pos.Item] = true
				}
				if name == "min" && len(items) != len(res.Records) {
					t.Errorf("minified records share positions: %v", res.Records)
				}
				return out
			}
			want, got := outcome("pretty", tt.pretty), outcome("min", tt.minified)
			if len(want) < 3 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("minified:\n%v\npretty:\n%v", got, want)
			}
		})
	}
}
