package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestConvertCommand(t *testing.T) {
	out := t.TempDir()
	in := filepath.Join(t.TempDir(), "feed.csv")
	feed := "100,0,SSO,UPDATE,EN,N,N\n" +
		"305,Ann,,Lee,E1,ann@example.com,,ann@example.com,en_US,US,US-WA,L1,USD,,Y\n" +
		"305,Bo,,Ek,E2,bo@example.com,,bo@example.com,en_US,US,,L1,USD,,perhaps\n"
	if err := os.WriteFile(in, []byte(feed), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--out", out, in)
	if code != ExitRejected {
		t.Fatalf("exit %d, want %d (one record rejected)\n%s%s", code, ExitRejected, stdout, stderr)
	}
	for _, want := range []string{"3 read, 1 converted, 1 skipped, 1 rejected", "users: 1 created", in + ":3:15"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"bulk-0001.json", "plan.jsonl", "report.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	var rep struct {
		Totals struct{ Records, Converted, Skipped, Rejected int }
	}
	b, _ := os.ReadFile(filepath.Join(out, "report.json"))
	if err := json.Unmarshal(b, &rep); err != nil || rep.Totals.Records != 3 || rep.Totals.Rejected != 1 {
		t.Errorf("report totals %+v (%v)", rep.Totals, err)
	}
	// What convert wrote validates.
	if code, stdout, _ := run(t, "", "validate", out); code != ExitOK {
		t.Errorf("validate on convert's output: exit %d\n%s", code, stdout)
	}
}

// TestConvertReplaceAndFailOnErrors: --replace sends the existing users of
// the --directory a PUT of the whole user instead of a PATCH, and
// --fail-on-errors is written into every request; the output validates.
func TestConvertReplaceAndFailOnErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "feed.csv")
	feed := "100,0,SSO,UPDATE,EN,N,N\n" +
		"305,Ann,,Lee,E1,ann@example.com,,ann@example.com,en_US,US,US-WA,L1,USD,,Y\n" +
		"305,Bo,,Ek,E2,bo@example.com,,bo@example.com,en_US,US,,L1,USD,,Y\n"
	users := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(in, []byte(feed), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(users, []byte("employeeNumber,id\nE2,6f1d2c3b-4a59-4e8f-9d7c-1b2a3c4d5e6f\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args    []string
		methods string // methods of the phase-1 operations, in order
		foe     bool
	}{
		{nil, "POST PATCH", false},
		{[]string{"--replace"}, "POST PUT", false},
		{[]string{"--replace", "--fail-on-errors", "3"}, "POST PUT", true},
	} {
		out := filepath.Join(t.TempDir(), "out")
		args := append([]string{"convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--directory", users, "--out", out}, tt.args...)
		code, stdout, stderr := run(t, "", append(args, in)...)
		if code != ExitOK {
			t.Fatalf("%v: exit %d\n%s%s", tt.args, code, stdout, stderr)
		}
		var req struct {
			FailOnErrors *int `json:"failOnErrors"`
			Operations   []struct{ Method, Path string }
		}
		b, err := os.ReadFile(filepath.Join(out, "bulk-0001.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &req); err != nil {
			t.Fatal(err)
		}
		var methods []string
		for _, op := range req.Operations {
			methods = append(methods, op.Method)
		}
		if got := strings.Join(methods, " "); got != tt.methods {
			t.Errorf("%v: phase-1 methods %q, want %q", tt.args, got, tt.methods)
		}
		if tt.foe != (req.FailOnErrors != nil && *req.FailOnErrors == 3) {
			t.Errorf("%v: failOnErrors = %v", tt.args, req.FailOnErrors)
		}
		if code, stdout, _ := run(t, "", "validate", out); code != ExitOK {
			t.Errorf("%v: validate: exit %d\n%s", tt.args, code, stdout)
		}
	}
}

func TestConvertUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no out", []string{"convert", "x.csv"}, "out"},
		{"no files", []string{"convert", "--out", "o"}, "no input files"},
		{"missing file", []string{"convert", "--out", "o", "nope.csv"}, "nope.csv"},
		{"bad mapping dir", []string{"convert", "--mapping", "nope", "--out", "o", "../../samples/concur/employees-305.csv"}, "--mapping nope"},
		{"bad company id", []string{"convert", "--company-id", "acme", "--out", "o", "x.csv"}, "UUID"},
		{"bad directory", []string{"convert", "--directory", "nope.csv", "--out", "o", "../../samples/concur/employees-305.csv"}, "nope.csv"},
		{"negative fail-on-errors", []string{"convert", "--fail-on-errors", "-1", "--out", "o", "x.csv"}, "--fail-on-errors"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", tt.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, ExitUsage, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr lacks %q: %s", tt.want, stderr)
			}
		})
	}
}

func TestMappingShow(t *testing.T) {
	code, stdout, _ := run(t, "", "mapping", "show", "305")
	if code != ExitOK || !strings.Contains(stdout, "Employee ID") || !strings.Contains(stdout, "NOT SUPPORTED") {
		t.Errorf("mapping show 305: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, "", "mapping", "show")
	if code != ExitOK || !strings.Contains(stdout, "v3.1") {
		t.Errorf("mapping show: exit %d\n%s", code, stdout)
	}
	code, _, stderr := run(t, "", "mapping", "show", "999")
	if code != ExitUsage || !strings.Contains(stderr, "305") {
		t.Errorf("unknown table: exit %d, stderr %s", code, stderr)
	}
}

func TestMappingWorkbookRoundTrip(t *testing.T) {
	dir := t.TempDir()
	book := filepath.Join(dir, "mapping.xlsx")
	code, stdout, stderr := run(t, "", "mapping", "export", "--xlsx", book)
	if code != ExitOK {
		t.Fatalf("export: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, _ := run(t, "", "mapping", "check", book); code != ExitOK || !strings.Contains(stdout, "valid") {
		t.Fatalf("check of the exported workbook: exit %d\n%s", code, stdout)
	}

	// A consultant's typo: an unknown transform on the 305 sheet.
	wb, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows("305")
	col := -1
	for i, h := range rows[0] {
		if h == "transform" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no transform column in %v", rows[0])
	}
	cell, _ := excelize.CoordinatesToCellName(col+1, 16)
	if err := wb.SetCellStr("305", cell, "flg"); err != nil {
		t.Fatal(err)
	}
	if err := wb.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = run(t, "", "mapping", "check", book)
	if code != ExitRejected || !strings.Contains(stdout, "305!"+cell) || !strings.Contains(stdout, "flg") {
		t.Errorf("check of the broken workbook: exit %d, want %d and a problem at 305!%s:\n%s", code, ExitRejected, cell, stdout)
	}
	code, _, stderr = run(t, "", "convert", "--mapping", book, "--out", filepath.Join(dir, "out"), filepath.Join(repoRoot, "samples/concur/employees-305.csv"))
	if code != ExitUsage || !strings.Contains(stderr, "flg") {
		t.Errorf("convert with the broken workbook: exit %d\n%s", code, stderr)
	}
}

func TestMappingCheckDirectory(t *testing.T) {
	if code, stdout, _ := run(t, "", "mapping", "check", "../../samples/mapping"); code != ExitOK || !strings.Contains(stdout, "valid") {
		t.Errorf("sample mapping directory: exit %d\n%s", code, stdout)
	}
	dir := t.TempDir()
	bad := "source_field,name,target_schema,target_path,transform,args,max_length,note\n1,Transaction Type,,,literal,305,,x\n2,First,core:2.0:User,name.givenName,flg,,,\n"
	if err := os.WriteFile(filepath.Join(dir, "305.csv"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := run(t, "", "mapping", "check", dir)
	if code != ExitRejected || !strings.Contains(stdout, "305.csv:3:5") {
		t.Errorf("bad table: exit %d, want %d and the cell 305.csv:3:5:\n%s", code, ExitRejected, stdout)
	}
	if code, _, _ := run(t, "", "mapping", "check", filepath.Join(dir, "missing")); code != ExitUsage {
		t.Errorf("missing path: exit %d, want %d", code, ExitUsage)
	}
}

// TestConvertProgress: --progress draws the stages on standard error and
// leaves standard output to the summary; without it (stderr is no
// terminal here) nothing is drawn.
func TestConvertProgress(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "feed.csv")
	feed := "100,0,SSO,UPDATE,EN,N,N\n305,Ann,,Lee,E1,ann@example.com,,ann@example.com,en_US,US,US-WA,L1,USD,,Y\n"
	if err := os.WriteFile(in, []byte(feed), 0o644); err != nil {
		t.Fatal(err)
	}
	base := []string{"convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--out", filepath.Join(dir, "out")}
	code, stdout, stderr := run(t, "", append(append(base, "--progress"), in)...)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"reading feed.csv", "writing files"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q: %q", want, stderr)
		}
	}
	if strings.Contains(stdout, "reading") || !strings.Contains(stdout, "1 converted") {
		t.Errorf("stdout is not just the summary:\n%s", stdout)
	}
	_, _, stderr = run(t, "", append(base, in)...)
	if stderr != "" {
		t.Errorf("progress drawn without --progress on a non-terminal: %q", stderr)
	}
}

// TestConvertCompanyID: a run that creates users needs the company id
// (flag or environment); one that only updates does not.
func TestConvertCompanyID(t *testing.T) {
	const company = "053c9338-bf2a-49cd-9035-c1f97be858b0"
	dir := t.TempDir()
	creates := filepath.Join(dir, "creates.csv")
	updates := filepath.Join(dir, "updates.csv")
	if err := os.WriteFile(creates, []byte("305,Ann,,Lee,E1,ann@x.example,,ann@x.example,en_US,US,,L1,USD,,Y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(updates, []byte("350,E1,,,,,,,,Director\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    string
		args   []string
		code   int
		stderr []string
	}{
		{"creates without a company id", "", []string{creates}, ExitUsage, []string{"creates 1 users", "--company-id", "UPSMIGRATE_COMPANY_ID", "nothing was written"}},
		{"creates with the flag", "", []string{"--company-id", company, creates}, ExitOK, nil},
		{"creates with the environment", company, []string{creates}, ExitOK, nil},
		{"updates only", "", []string{updates}, ExitOK, nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "out"+strconv.Itoa(i))
			var so, se bytes.Buffer
			c := &CLI{Stdin: strings.NewReader(""), Stdout: &so, Stderr: &se, Context: context.Background(),
				Getenv: func(k string) string {
					if k == "UPSMIGRATE_COMPANY_ID" {
						return tt.env
					}
					return ""
				}}
			code := c.Run(append([]string{"upsmigrate", "convert", "--out", out}, tt.args...))
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, so.String(), se.String())
			}
			for _, w := range tt.stderr {
				if !strings.Contains(se.String(), w) {
					t.Errorf("stderr lacks %q: %s", w, se.String())
				}
			}
			_, err := os.Stat(filepath.Join(out, "report.json"))
			if written := err == nil; written != (tt.code == ExitOK) {
				t.Errorf("report.json written %t, exit %d", written, code)
			}
		})
	}
}

// TestConvertDefaultFlag: --default supplies what an extension lacks (the
// user keeps the extension); a malformed one is a usage error naming it.
func TestConvertDefaultFlag(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("305,Ann,,Lee,E1,ann@x.example,,ann@x.example,en_US,US,,L1,,,Y\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		def    string
		code   int
		stdout string
		stderr string
	}{
		{"supplies the currency", "spend:2.0:User:reimbursementCurrency=usd", ExitOK, "", ""},
		{"without it the extension is left out", "", ExitOK, "extensions left out of new users: spend 1 (UPS requires a value the input does not give: the warnings name it and the --default flag", ""},
		{"unknown attribute", "spend:2.0:User:reimbursmentCurrency=USD", ExitUsage, "", "reimbursementCurrency"},
		{"no value", "spend:2.0:User:reimbursementCurrency", ExitUsage, "", "SCHEMA:PATH=VALUE"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "out"+strconv.Itoa(i))
			args := []string{"convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--out", out}
			if tt.def != "" {
				args = append(args, "--default", tt.def)
			}
			code, stdout, stderr := run(t, "", append(args, in)...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout %s\nstderr %s", code, tt.code, stdout, stderr)
			}
			if tt.code != ExitOK {
				return
			}
			bulk, err := os.ReadFile(filepath.Join(out, "bulk-0001.json"))
			if err != nil {
				t.Fatal(err)
			}
			if has := strings.Contains(string(bulk), `"reimbursementCurrency":"USD"`); has != (tt.def != "") {
				t.Errorf("currency sent %t: %s", has, bulk)
			}
		})
	}
}

// TestConvertInterrupted: a convert whose context ends (SIGINT, SIGTERM)
// exits 130 and writes nothing.
func TestConvertInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(t.TempDir(), "out")
	var stdout, stderr bytes.Buffer
	c := &CLI{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Context: ctx}
	code := c.Run([]string{"upsmigrate", "convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--out", out,
		filepath.Join(repoRoot, "samples/concur/employees-305.csv")})
	if code != ExitInterrupted || !strings.Contains(stderr.String(), "interrupted: nothing was written") {
		t.Errorf("exit %d, want %d\n%s%s", code, ExitInterrupted, stdout.String(), stderr.String())
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("interrupted convert wrote %v", entries)
	}
}
