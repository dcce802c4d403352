package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/submit"
)

// TestMigrateSCIMMY migrates the samples into an independent SCIM 2.0
// server (SCIMMY, started by .ci/run; scripts/scimmy) and checks that the
// values arrived, with the references between users resolved.
func TestMigrateSCIMMY(t *testing.T) {
	url, token := os.Getenv("UPSMIGRATE_SCIMMY_URL"), os.Getenv("UPSMIGRATE_SCIMMY_TOKEN")
	if url == "" && os.Getenv("CI") == "true" {
		t.Fatal("UPSMIGRATE_SCIMMY_URL is not set in CI: .ci/run starts SCIMMY and sets it")
	}
	if url == "" {
		t.Skip("UPSMIGRATE_SCIMMY_URL is not set (scripts/scimmy/run.sh start; .ci/run sets it)")
	}
	base := strings.TrimSuffix(strings.TrimSuffix(url, "/"), "/scim/v2")
	call := func(method, path string) *http.Response {
		req, _ := http.NewRequest(method, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	call("POST", "/_reset").Body.Close()
	t.Chdir("../..")
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"migrate", "--flavor", "scim", "--target", url, "--yes", "--poll-interval", "1ms",
		"--mapping", "samples/mapping", "--company-id", demoCompany, "--out", out}, samples(t)...)
	code, stdout, stderr := runEnv(t, map[string]string{"UPSMIGRATE_TOKEN": token}, args...)
	if code != ExitRejected { // the samples' rejected rows
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	st, _ := statusOf(t, out)
	if st.Totals[submit.StateFailed] != 0 || st.Totals[submit.StatePartial] != 0 || st.Totals[submit.StatePending] != 0 {
		t.Errorf("totals %v\n%s", st.Totals, stdout)
	}
	res := call("GET", "/_dump")
	defer res.Body.Close()
	var dump struct {
		Resources []map[string]json.RawMessage `json:"Resources"`
	}
	if err := json.NewDecoder(res.Body).Decode(&dump); err != nil {
		t.Fatal(err)
	}
	type user struct {
		UserName string `json:"userName"`
		Name     struct {
			GivenName, FamilyName string
		} `json:"name"`
		Emails []struct{ Value, Type string } `json:"emails"`
	}
	type ent struct {
		EmployeeNumber string `json:"employeeNumber"`
		Manager        *struct {
			Value string `json:"value"`
		} `json:"manager"`
	}
	byEmp := map[string]user{}
	for _, r := range dump.Resources {
		var u user
		var e ent
		raw, _ := json.Marshal(r)
		_ = json.Unmarshal(raw, &u)
		_ = json.Unmarshal(r[model.SchemaEnterprise], &e)
		if _, dup := byEmp[e.EmployeeNumber]; dup {
			t.Errorf("employee %s twice", e.EmployeeNumber)
		}
		byEmp[e.EmployeeNumber] = u
	}
	// Values of samples/concur/employees-305.csv line 2, a 320 rename, a
	// login change and a V1 user.
	want := map[string]struct{ login, given, family string }{
		"E1001": {"dana.whitfield@northwindridge.example", "Dana", "Whitfield"},
		"C1011": {"hannah.schmidt@northwindridge.example", "Hannah", "Schmidt"},
		"E1005": {"sophie.martin-durand@northwindridge.example", "Sophie", "Martin"},
	}
	for emp, w := range want {
		u, ok := byEmp[emp]
		if !ok {
			t.Errorf("employee %s did not arrive (%d users)", emp, len(byEmp))
			continue
		}
		if u.UserName != w.login || u.Name.GivenName != w.given || u.Name.FamilyName != w.family {
			t.Errorf("employee %s arrived as %+v", emp, u)
		}
		if len(u.Emails) == 0 || u.Emails[0].Type != "work" {
			t.Errorf("employee %s emails %+v", emp, u.Emails)
		}
	}
	if _, ok := byEmp["E1011"]; ok {
		t.Error("E1011 arrived under its old ID")
	}
	if len(byEmp) < 20 {
		t.Errorf("only %d users arrived", len(byEmp))
	}
}
