package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidateFiles(t *testing.T) {
	data := "../../schemas/testdata"
	tests := []struct {
		name  string
		files []string
		code  int
		want  []string
	}{
		{"valid bulk", []string{"valid/bulk-phases.json"}, ExitOK, []string{"0 errors"}},
		{"missing userName", []string{"invalid/user-missing-username.json"}, ExitRejected, []string{"userName"}},
		{"active yes", []string{"invalid/user-active-yes.json"}, ExitRejected, []string{"/active"}},
		{"unknown entitlement", []string{"invalid/user-unknown-entitlement.json"}, ExitRejected, []string{"/entitlements/"}},
		{"POST without bulkId", []string{"invalid/bulk-post-without-bulkid.json"}, ExitRejected, []string{"/Operations/", "bulkId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"validate"}
			for _, f := range tt.files {
				args = append(args, filepath.Join(data, f))
			}
			code, stdout, stderr := run(t, "", args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, stdout)
				}
			}
		})
	}
}

func TestValidateTooManyOperationsJSON(t *testing.T) {
	ops := make([]map[string]any, 101)
	for i := range ops {
		ops[i] = map[string]any{"method": "DELETE", "path": "/Users/2819c223-7f76-453a-919d-413861904646"}
	}
	body, _ := json.Marshal(map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"},
		"Operations": ops,
	})
	path := filepath.Join(t.TempDir(), "bulk-0001.json")
	if err := os.WriteFile(path, body, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "validate", "--json", path)
	if code != ExitRejected {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var got struct {
		Files []struct {
			Findings []struct{ Pointer, Message string }
		}
		Errors int
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("bad JSON %v:\n%s", err, stdout)
	}
	if got.Errors == 0 || len(got.Files) != 1 || !strings.Contains(stdout, "/Operations") {
		t.Errorf("101 operations not reported at /Operations:\n%s", stdout)
	}
}

func TestValidateUsage(t *testing.T) {
	if code, _, _ := run(t, "", "validate"); code != ExitUsage {
		t.Errorf("no args: exit %d, want %d", code, ExitUsage)
	}
	if code, _, _ := run(t, "", "validate", "no-such-file.json"); code != ExitUsage {
		t.Errorf("missing file: exit %d, want %d", code, ExitUsage)
	}
}

// TestValidateCapsFindings: a plan with more findings than the text output
// lists shows the first ones, counts the rest, and still counts them all;
// lines that are not JSON make the file damaged (exit 2).
func TestValidateCapsFindings(t *testing.T) {
	const n = validateMostFindings + 30
	plan := filepath.Join(t.TempDir(), "plan.jsonl")
	if err := os.WriteFile(plan, []byte(strings.Repeat("{not json\n", n)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := run(t, "", "validate", plan)
	if code != ExitUsage {
		t.Fatalf("exit %d, want %d", code, ExitUsage)
	}
	if got := strings.Count(stdout, "not JSON"); got != validateMostFindings {
		t.Errorf("%d findings listed, want %d", got, validateMostFindings)
	}
	for _, want := range []string{"… and 30 more findings in " + plan, fmt.Sprintf("%d errors", n)} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// TestValidateFastMatchesReference: validate's default fast path and
// --reference (jsonschema/v5) give the same output on every valid and
// invalid file of the schema corpus, in both modes.
func TestValidateFastMatchesReference(t *testing.T) {
	dirs := []string{"../../schemas/testdata/valid", "../../schemas/testdata/invalid"}
	for _, strict := range []bool{false, true} {
		for _, d := range dirs {
			args := []string{"validate", "--json"}
			if strict {
				args = append(args, "--strict")
			}
			args = append(args, d)
			fc, fast, _ := run(t, "", args...)
			rc, ref, _ := run(t, "", append([]string{"validate", "--reference"}, args[1:]...)...)
			if fc != rc || fast != ref {
				t.Errorf("%s (strict %t): fast exit %d, reference exit %d\nfast: %s\nreference: %s", d, strict, fc, rc, fast, ref)
			}
			if !strings.Contains(fast, `"path"`) {
				t.Errorf("%s: no file checked: %s", d, fast)
			}
		}
	}
}

// TestValidateNotOutput: what validate cannot check ends with exit 2, the
// file named and the advice to inspect input files.
func TestValidateNotOutput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, want string
	}{
		{"an input file", filepath.Join(repoRoot, "samples/concur/employees-305.csv"), "run 'upsmigrate inspect FILE'"},
		{"empty", write("empty.json", ""), "the file is empty"},
		{"binary", write("blob.json", "\x00\x01\x02\xff"), "not JSON"},
		{"truncated", write("bulk-0001.json", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST",`), "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", "validate", tt.path)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, ExitUsage, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tt.path) || !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("output lacks %s and %q:\n%s%s", tt.path, tt.want, stdout, stderr)
			}
		})
	}
}

// TestValidateProgress: --progress counts the files checked on standard
// error; standard output keeps the findings; without it nothing is drawn.
func TestValidateProgress(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	code, stdout, stderr := run(t, "", "convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--out", out,
		filepath.Join(repoRoot, "samples/concur/employees-305.csv"))
	if code != ExitOK {
		t.Fatalf("convert: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = run(t, "", "validate", "--progress", out)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "validating") || !strings.Contains(stderr, "/4)") {
		t.Errorf("stderr lacks the files checked: %q", stderr)
	}
	if strings.Contains(stdout, "validating") || !strings.Contains(stdout, "files checked") {
		t.Errorf("stdout is not the findings:\n%s", stdout)
	}
	if _, _, stderr = run(t, "", "validate", out); stderr != "" {
		t.Errorf("progress drawn without --progress on a non-terminal: %q", stderr)
	}
}
