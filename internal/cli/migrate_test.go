package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/sandbox"
)

const demoCompany = "053c9338-bf2a-49cd-9035-c1f97be858b0"

// runEnv runs the CLI in-process with an environment.
func runEnv(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] }, Context: context.Background()}
	code = c.Run(append([]string{"upsmigrate"}, args...))
	return code, out.String(), errb.String()
}

// samples lists the sample inputs, relative to the repository root.
func samples(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"samples/concur/*.csv", "samples/legacy/*.xml", "samples/legacy/*.json"} {
		m, _ := filepath.Glob(pat)
		files = append(files, m...)
	}
	sort.Strings(files)
	return files
}

func statusOf(t *testing.T, dir string) (Status, int) {
	t.Helper()
	code, stdout, stderr := run(t, "", "status", "--json", dir)
	var st Status
	if err := json.Unmarshal([]byte(stdout), &st); err != nil {
		t.Fatalf("status --json: %v\n%s%s", err, stdout, stderr)
	}
	return st, code
}

func TestMigrateSandbox(t *testing.T) {
	t.Chdir("../..")
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"migrate", "--sandbox", "--yes", "--poll-interval", "1ms", "--mapping", "samples/mapping",
		"--company-id", demoCompany, "--out", out}, samples(t)...)
	code, stdout, stderr := run(t, "", args...)
	// The samples hold rows rejected on purpose: exit 1, the rest succeed.
	if code != ExitRejected {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"phase 1:", "records: 63 read:", "0 failed", "0 pending", "reports: "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}
	st, scode := statusOf(t, out)
	if scode != ExitRejected {
		t.Errorf("status exit %d", scode)
	}
	sum := 0
	for _, n := range st.Totals {
		sum += n
	}
	if sum != st.Records || st.Records != 63 || st.Totals["pending"] != 0 || st.Totals["failed"] != 0 || st.Totals["rejected"] != 2 {
		t.Errorf("totals %v for %d records", st.Totals, st.Records)
	}
	if len(st.Requests) == 0 || st.Meta == nil || st.Meta.Company != demoCompany {
		t.Errorf("requests %d, meta %+v", len(st.Requests), st.Meta)
	}
	// Private outputs.
	for _, name := range []string{"journal.db", "report.json", "plan.jsonl", "report.html", "report.md", "bulk-0001.json", "sandbox.db"} {
		fi, err := os.Stat(filepath.Join(out, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", name, fi.Mode().Perm())
		}
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o700 {
		t.Errorf("the run directory has mode %v, want 0700", fi.Mode().Perm())
	}
	// The same command again resumes: nothing is sent twice.
	code, stdout2, stderr2 := run(t, "", args...)
	if code != ExitRejected || !strings.Contains(stdout2, "records: 63 read:") {
		t.Fatalf("re-run exit %d\n%s\n%s", code, stdout2, stderr2)
	}
	if strings.Contains(stdout2, "accepted 202") {
		t.Errorf("the re-run sent requests again:\n%s", stdout2)
	}
	// --watch ends at once when nothing is pending.
	if code, stdout, _ := run(t, "", "status", "--watch", "--interval", "1ms", out); code != ExitRejected || strings.Count(stdout, "records: 63:") != 1 {
		t.Errorf("status --watch exit %d:\n%s", code, stdout)
	}
	// A dry run reads the journal and sends nothing.
	code, stdout3, stderr3 := run(t, "", "submit", "--sandbox", "--dry-run", out)
	if code != ExitOK || !strings.Contains(stdout3, "already final in the journal") || !strings.Contains(stdout3, "dry run: nothing was sent") {
		t.Errorf("dry run exit %d\n%s\n%s", code, stdout3, stderr3)
	}
	st2, _ := statusOf(t, out)
	if len(st2.Requests) != len(st.Requests) {
		t.Errorf("requests %d after the re-run, %d before", len(st2.Requests), len(st.Requests))
	}
}

func TestMigrateRefusesChangedInputs(t *testing.T) {
	t.Chdir("../..")
	tmp := t.TempDir()
	in := filepath.Join(tmp, "feed.csv")
	data, err := os.ReadFile("samples/concur/employees-305.csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "run")
	args := []string{"migrate", "--sandbox", "--yes", "--poll-interval", "1ms", "--company-id", demoCompany, "--out", out, in}
	if code, stdout, stderr := run(t, "", args...); code > ExitRejected {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if err := os.WriteFile(in, append(data, []byte("305,New,,Person,E7777,new.person@example.com,,new.person@example.com,en_US,US\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", args...)
	if code != ExitUsage || !strings.Contains(stderr, "inputs") {
		t.Errorf("exit %d, want 2 naming the changed inputs\n%s\n%s", code, stdout, stderr)
	}
}

func TestSubmitErrors(t *testing.T) {
	empty := t.TempDir()
	srv, url, err := sandbox.Start(sandbox.Config{ClientID: "cid", ClientSecret: "s3cr3t-value", CompanyID: demoCompany})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	converted := t.TempDir()
	t.Run("convert first", func(t *testing.T) {
		code, _, stderr := run(t, "", "submit", "--sandbox", empty)
		if code != ExitUsage || !strings.Contains(stderr, "not a convert output") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
	if code, stdout, stderr := run(t, "", "convert", "--company-id", demoCompany, "--out", converted, "../../samples/concur/employees-305.csv"); code != ExitOK {
		t.Fatalf("convert: %d %s %s", code, stdout, stderr)
	}
	t.Run("unreachable", func(t *testing.T) {
		env := map[string]string{"UPSMIGRATE_CLIENT_ID": "cid", "UPSMIGRATE_CLIENT_SECRET": "s3cr3t-value"}
		code, _, stderr := runEnv(t, env, "submit", "--attempts", "2", "--target", "http://127.0.0.1:1", converted)
		if code != ExitUsage || !strings.Contains(stderr, "nothing was sent") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
	t.Run("bad credentials", func(t *testing.T) {
		env := map[string]string{"UPSMIGRATE_CLIENT_ID": "cid", "UPSMIGRATE_CLIENT_SECRET": "wrong-secret-value",
			"UPSMIGRATE_REQUEST_TOKEN": srv.Credentials().AuthToken, "UPSMIGRATE_COMPANY_ID": demoCompany}
		code, stdout, stderr := runEnv(t, env, "submit", "--target", url, converted)
		if code != ExitUsage {
			t.Errorf("exit %d: %s", code, stderr)
		}
		if strings.Contains(stdout+stderr, "wrong-secret-value") || strings.Contains(stdout+stderr, srv.Credentials().AuthToken) {
			t.Errorf("a secret was printed:\n%s%s", stdout, stderr)
		}
	})
	t.Run("secrets never written", func(t *testing.T) {
		env := map[string]string{"UPSMIGRATE_CLIENT_ID": "cid", "UPSMIGRATE_CLIENT_SECRET": "s3cr3t-value",
			"UPSMIGRATE_REQUEST_TOKEN": srv.Credentials().AuthToken, "UPSMIGRATE_COMPANY_ID": demoCompany}
		code, stdout, stderr := runEnv(t, env, "submit", "--verbose", "--poll-interval", "1ms", "--target", url, converted)
		if code != ExitOK {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
		}
		files, _ := filepath.Glob(filepath.Join(converted, "*"))
		for _, secret := range []string{"s3cr3t-value", srv.Credentials().AuthToken} {
			if strings.Contains(stdout+stderr, secret) {
				t.Errorf("secret %q printed", secret)
			}
			for _, f := range files {
				b, _ := os.ReadFile(f)
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("secret %q written to %s", secret, f)
				}
			}
		}
	})
	t.Run("credentials file", func(t *testing.T) {
		cred := filepath.Join(t.TempDir(), "creds.env")
		body := "# UPS sandbox\nUPSMIGRATE_CLIENT_ID=cid\nexport UPSMIGRATE_CLIENT_SECRET='s3cr3t-value'\nUPSMIGRATE_REQUEST_TOKEN=" +
			srv.Credentials().AuthToken + "\nUPSMIGRATE_COMPANY_ID=" + demoCompany + "\n"
		if err := os.WriteFile(cred, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := run(t, "", "submit", "--credentials", cred, "--target", url, converted)
		if code != ExitUsage || !strings.Contains(stderr, "chmod 600") {
			t.Errorf("a world-readable credentials file: exit %d: %s", code, stderr)
		}
		if err := os.Chmod(cred, 0o600); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := run(t, "", "submit", "--credentials", cred, "--poll-interval", "1ms", "--target", url, converted)
		if code != ExitOK {
			t.Errorf("exit %d\n%s\n%s", code, stdout, stderr)
		}
	})
	t.Run("locked", func(t *testing.T) {
		j, err := openJournal(converted)
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		code, _, stderr := run(t, "", "submit", "--sandbox", converted)
		if code != ExitUsage || !strings.Contains(stderr, "pid") {
			t.Errorf("exit %d: %s", code, stderr)
		}
	})
}

func TestMigrateDryRun(t *testing.T) {
	t.Chdir("../..")
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := run(t, "", "migrate", "--sandbox", "--dry-run", "--company-id", demoCompany, "--out", out, "samples/concur/employees-305.csv")
	if code != ExitOK || !strings.Contains(stdout, "dry run: nothing was sent") || !strings.Contains(stdout, "creates") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "journal.db")); err == nil {
		t.Error("a dry run wrote a journal")
	}
}

func TestMigrateGuardrails(t *testing.T) {
	t.Chdir("../..")
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := run(t, "", "migrate", "--sandbox", "--yes", "--max-creates", "1", "--company-id", demoCompany,
		"--out", out, "samples/concur/employees-305.csv")
	if code != ExitUsage || !strings.Contains(stderr, "--max-creates 1") || !strings.Contains(stderr, "nothing was sent") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	st, _ := statusOf(t, out)
	if len(st.Requests) != 0 || st.Totals["pending"] == 0 {
		t.Errorf("requests %d, totals %v: nothing may be sent", len(st.Requests), st.Totals)
	}
	for _, args := range [][]string{
		{"submit", "--sandbox", "--target", "http://x", out},
		{"submit", "--flavor", "scim", out},
		{"submit", "--concurrency", "0", "--sandbox", out},
		{"submit", "--verbose", "--quiet", "--sandbox", out},
		{"submit", "--company-id", "not-a-uuid", "--sandbox", out},
	} {
		if code, _, stderr := run(t, "", args...); code != ExitUsage || stderr == "" {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}

// TestMigrateCompanyFromToken: migrate creates users without --company-id:
// the company comes from the token, and every created user carries it.
func TestMigrateCompanyFromToken(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := run(t, "", "migrate", "--sandbox", "--yes", "--poll-interval", "1ms", "--out", out, "../../samples/concur/employees-305.csv")
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	st, scode := statusOf(t, out)
	if scode != ExitOK || st.Meta == nil || !uuidRE.MatchString(st.Meta.Company) {
		t.Fatalf("status exit %d, meta %+v", scode, st.Meta)
	}
	if st.Totals["success"] == 0 || st.Totals["success"]+st.Totals["skipped"] != st.Records {
		t.Errorf("totals %v for %d records\n%s", st.Totals, st.Records, stdout)
	}
}
