package cli

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/lineage"
)

// TestLineageCommand runs `lineage` on the samples converted (a dry run)
// and migrated into the sandbox (with a journal).
func TestLineageCommand(t *testing.T) {
	t.Chdir("../..")
	base := t.TempDir()
	dry, migrated := filepath.Join(base, "dry"), filepath.Join(base, "migrated")
	args := append([]string{"--mapping", "samples/mapping", "--company-id", demoCompany}, samples(t)...)
	if code, stdout, stderr := run(t, "", append([]string{"convert", "--out", dry}, args...)...); code > ExitRejected {
		t.Fatalf("convert: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := run(t, "", append([]string{"migrate", "--sandbox", "--yes", "--poll-interval", "1ms", "--out", migrated}, args...)...); code > ExitRejected {
		t.Fatalf("migrate: exit %d\n%s%s", code, stdout, stderr)
	}
	renamedRows := []string{
		"employee C1011 (renamed from E1011): created by this run",
		"samples/concur/ids-320.csv:2 converted",
		"samples/concur/ids-320.csv:2:3 (New Employee ID)",
		"samples/concur/employees-305-crlf.csv:3:2 (First Name)",
		"mapping/tables/305.csv:3",
		"core:2.0:User name.givenName",
		"Hannah",
		"bulk-0001.json #5 POST (phase 1)",
		"spend:2.0:Approver report",
		"E1007 (primary)",
		"bulk-0002.json #5 PATCH (phase 2)",
	}
	tests := []struct {
		name    string
		args    []string
		code    int
		want    []string // in stdout
		wantErr string   // in stderr
	}{
		{"dry run", []string{dry, "C1011"}, ExitOK, append(renamedRows, "not submitted"), ""},
		{"by the ID before the rename", []string{dry, "E1011"}, ExitOK, renamedRows, ""},
		{"after submit", []string{migrated, "C1011"}, ExitOK, append(renamedRows, "samples/concur/ids-320.csv:2 converted, success", "RESULT", "HTTP 201, user ", ", provision "), ""},
		{"a default's row", []string{dry, "L121"}, ExitOK, []string{"samples/mapping/defaults.csv:"}, ""},
		{"every record rejected", []string{dry, "L105"}, ExitRejected, []string{"employee L105 has no lineage", "samples/legacy/users-v1-batch.xml:99", `required attribute "emails" is missing`}, ""},
		{"did you mean", []string{dry, "e1001x"}, ExitUsage, nil, `no employee "e1001x" in ` + filepath.Join(dry, "plan.jsonl") + `; did you mean "E1001"?`},
		{"nothing close", []string{dry, "ZZZ"}, ExitUsage, nil, `no employee "ZZZ" in `},
		{"not a convert output", []string{base, "E1001"}, ExitUsage, nil, "is not a convert output (no plan.jsonl)"},
		{"one argument", []string{dry}, ExitUsage, nil, "expected a convert output directory and an employee ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", append([]string{"lineage"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
			if !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", stderr, tt.wantErr)
			}
			if tt.wantErr == "" && stderr != "" {
				t.Errorf("stderr: %s", stderr)
			}
			if strings.Contains(stdout, "Spring#2024") {
				t.Error("the output shows a password")
			}
		})
	}
	if code, stdout, _ := run(t, "", "lineage", dry, "E1009"); code != ExitOK || strings.Contains(stdout, "Spring#2024") {
		t.Errorf("E1009 (a password in the input): exit %d, or the output shows it:\n%s", code, stdout)
	}
}

// TestLineageJSON: --json holds one row per value of the employee's plan
// line (the rename's values, the attributes, the references and their
// element values), every operation and record, after submit with the
// journal's outcome.
func TestLineageJSON(t *testing.T) {
	t.Chdir("../..")
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"migrate", "--sandbox", "--yes", "--poll-interval", "1ms", "--mapping", "samples/mapping",
		"--company-id", demoCompany, "--out", out}, samples(t)...)
	if code, stdout, stderr := run(t, "", args...); code > ExitRejected {
		t.Fatalf("migrate: exit %d\n%s%s", code, stdout, stderr)
	}
	f, err := os.Open(filepath.Join(out, "plan.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lr := lineage.NewReader(f)
	employees := 0
	for {
		line, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		employees++
		code, stdout, stderr := run(t, "", "lineage", "--json", out, line.EmployeeID)
		if code != ExitOK {
			t.Fatalf("%s: exit %d\n%s", line.EmployeeID, code, stderr)
		}
		var lin Lineage
		if err := json.Unmarshal([]byte(stdout), &lin); err != nil {
			t.Fatalf("%s: %v\n%s", line.EmployeeID, err, stdout)
		}
		want := len(line.Attrs)
		if rn := line.Rename; rn != nil {
			if rn.NewEmployeeID != "" && rn.NewEmployeeID != rn.From {
				want++
			}
			if rn.NewLogin != "" {
				want++
			}
		}
		for _, r := range line.Refs {
			want += 1 + len(r.Attrs)
		}
		if lin.Employee != line.EmployeeID || len(lin.Values) != want || len(lin.Operations) != len(line.Operations) || len(lin.Records) != len(line.Records) {
			t.Errorf("%s: %d values, %d operations, %d records; the plan line has %d, %d, %d", line.EmployeeID,
				len(lin.Values), len(lin.Operations), len(lin.Records), want, len(line.Operations), len(line.Records))
		}
		for _, op := range lin.Operations {
			if op.Status != "success" || op.ProvisionID == "" {
				t.Errorf("%s: operation %s: %s, provision %q", line.EmployeeID, op.Key, op.Status, op.ProvisionID)
			}
		}
		for _, v := range lin.Values {
			if v.File == "" || v.Line == 0 || v.Path == "" || v.RecordState == "" {
				t.Errorf("%s: value without its lineage or state: %+v", line.EmployeeID, v)
			}
		}
	}
	if employees < 20 {
		t.Fatalf("only %d employees", employees)
	}
}
