package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// repoRoot is where the samples live, relative to this package.
const repoRoot = "../.."

func TestInspectSamplesJSON(t *testing.T) {
	want := map[string]map[string]int{
		"samples/concur/employees-305.csv":  {"100": 1, "305": 9},
		"samples/concur/travel-350.csv":     {"100": 1, "350": 5},
		"samples/concur/roles-400.csv":      {"100": 1, "400": 7},
		"samples/concur/delegates-500.csv":  {"100": 1, "500": 2},
		"samples/concur/delegates-550.csv":  {"100": 1, "550": 2},
		"samples/concur/statement-370.csv":  {"100": 1, "370": 3},
		"samples/concur/ids-320.csv":        {"100": 1, "320": 2},
		"samples/concur/primary-310.csv":    {"100": 1, "310": 2},
		"samples/concur/legacy-300.csv":     {"300": 1},
		"samples/concur/mixed-update.csv":   {"100": 1, "305": 1, "350": 1, "370": 1, "400": 1, "550": 1},
		"samples/legacy/users-v1-batch.xml": {"v1": 5},
		"samples/legacy/users-v1-nons.xml":  {"v1": 2},
		"samples/legacy/users-v3.0.json":    {"3.0": 3},
		"samples/legacy/users-v3.1.json":    {"3.1": 3},
	}
	var args []string
	for p := range want {
		args = append(args, filepath.Join(repoRoot, p))
	}
	// roles-400.csv line 2 assigns a role with segments: convert rejects
	// it, and inspect says so.
	code, stdout, stderr := run(t, "", append([]string{"inspect", "--json"}, args...)...)
	if code != ExitRejected {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitRejected, stdout, stderr)
	}
	var got struct {
		Files []struct {
			Path     string
			Format   string
			Records  map[string]int
			Rejected int
			Errors   []struct {
				Line    int
				Message string
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("bad JSON: %v\n%s", err, stdout)
	}
	if len(got.Files) != len(want) {
		t.Fatalf("%d files, want %d", len(got.Files), len(want))
	}
	for _, f := range got.Files {
		rel := strings.TrimPrefix(filepath.ToSlash(f.Path), repoRoot+"/")
		w := want[rel]
		if rel == "samples/concur/roles-400.csv" {
			if f.Rejected != 1 || len(f.Errors) != 1 || f.Errors[0].Line != 2 ||
				!strings.Contains(f.Errors[0].Message, "convert rejects this record: a 400 record with Segment 1 and Segment 2 is refused") {
				t.Errorf("%s: rejected %d, errors %+v; want line 2 refused for its segments", rel, f.Rejected, f.Errors)
			}
		} else if len(f.Errors) != 0 || f.Rejected != 0 {
			t.Errorf("%s: errors %v", rel, f.Errors)
		}
		for typ, n := range w {
			if f.Records[typ] != n {
				t.Errorf("%s: %d records of type %s, want %d", rel, f.Records[typ], typ, n)
			}
		}
		if len(f.Records) != len(w) {
			t.Errorf("%s: record types %v, want %v", rel, f.Records, w)
		}
	}
}

func TestInspectBadFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	content := "100,0,SSO,UPDATE,EN,N,N\n305,Ann,,Lee,E1,ann@example.com\n999,x\n400,E1,EXP_APPROVER\n"
	if err := os.WriteFile(bad, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "inspect", bad)
	if code != ExitRejected {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, ExitRejected, stdout, stderr)
	}
	if !strings.Contains(stdout, bad+":3") {
		t.Errorf("output does not name %s:3:\n%s", bad, stdout)
	}
	if !strings.Contains(stdout, "400    1") {
		t.Errorf("reader did not go on after the bad record:\n%s", stdout)
	}
}

// TestInspectCapsErrors: the text output lists the first errors of a file
// and counts the rest; --json lists them all.
func TestInspectCapsErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.csv")
	content := "100,0,SSO,UPDATE,EN,N,N\n" + strings.Repeat("999,x\n", inspectMostErrors+70)
	if err := os.WriteFile(bad, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := run(t, "", "inspect", bad)
	if code != ExitRejected {
		t.Fatalf("exit %d, want %d", code, ExitRejected)
	}
	if n := strings.Count(stdout, ": error: "); n != inspectMostErrors {
		t.Errorf("%d errors listed, want %d", n, inspectMostErrors)
	}
	for _, want := range []string{fmt.Sprintf("%d errors", inspectMostErrors+70), "… and 70 more errors in " + bad} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%.500s", want, stdout)
		}
	}
	_, stdout, _ = run(t, "", "inspect", "--json", bad)
	if n := strings.Count(stdout, "unknown record type"); n != inspectMostErrors+70 {
		t.Errorf("--json lists %d errors, want %d", n, inspectMostErrors+70)
	}
}

// TestInspectText: the import settings read as a sentence; notes are info.
func TestInspectText(t *testing.T) {
	code, stdout, stderr := run(t, "", "inspect", filepath.Join(repoRoot, "samples/concur/employees-305.csv"))
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	want := "import settings: 100 record on line 1: existing records UPDATE, language EN, error threshold 0, validate expense group N, payment group N, password generation SSO (ignored: UPS has no passwords)"
	if !strings.Contains(stdout, want) {
		t.Errorf("output lacks %q:\n%s", want, stdout)
	}
	if strings.Contains(stdout, "{") {
		t.Errorf("settings printed as JSON:\n%s", stdout)
	}
}
