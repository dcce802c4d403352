package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if code, stdout, stderr := run(t, "", "convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--mapping", "../../samples/mapping", "--out", out,
		"../../samples/concur/employees-305.csv", "../../samples/concur/travel-350.csv"); code > ExitRejected {
		t.Fatalf("convert: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := run(t, "", "report", "--format", "md", "--out", "-", out)
	if code != ExitOK || !strings.Contains(stdout, "employees-305.csv") {
		t.Fatalf("md report: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "Spring#2024") {
		t.Error("the report shows a password")
	}
	html := filepath.Join(dir, "r.html")
	if code, _, stderr := run(t, "", "report", "--format", "html", "--out", html, out); code != ExitOK {
		t.Fatalf("html report: exit %d %s", code, stderr)
	}
	b, _ := os.ReadFile(html)
	for _, want := range []string{"<html", "travel-350.csv:", "Report written", "What the customer loses by migrating", `id="emp-E1001"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("html report lacks %q", want)
		}
	}
	if fi, err := os.Stat(html); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("html report mode %v %v, want 0600", fi.Mode(), err)
	}
	book := filepath.Join(dir, "r.xlsx")
	if code, _, stderr := run(t, "", "report", "--format", "xlsx", "--out", book, out); code != ExitOK {
		t.Fatalf("xlsx report: exit %d %s", code, stderr)
	}
	wb, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	for _, sheet := range []string{"Summary", "Users", "Lineage", "Warnings", "Rejected", "Unsupported"} {
		if i, _ := wb.GetSheetIndex(sheet); i < 0 {
			t.Errorf("no %s sheet: %v", sheet, wb.GetSheetList())
		}
	}
	if code, _, stderr := run(t, "", "report", "--format", "pdf", out); code != ExitUsage || !strings.Contains(stderr, "html") {
		t.Errorf("unknown format: exit %d %s", code, stderr)
	}
	if code, _, _ := run(t, "", "report", filepath.Join(dir, "missing")); code != ExitUsage {
		t.Errorf("missing dir: exit %d", code)
	}
	before, _ := os.ReadFile(filepath.Join(out, "report.json"))
	for _, name := range []string{"report.json", "plan.jsonl", "bulk-0001.json"} {
		code, _, stderr := run(t, "", "report", "--format", "json", "--out", filepath.Join(out, name), out)
		if code != ExitUsage || !strings.Contains(stderr, "would overwrite") {
			t.Errorf("--out %s: exit %d %s", name, code, stderr)
		}
	}
	for _, folder := range []string{dir, filepath.Join(dir, "new") + "/"} {
		code, _, stderr := run(t, "", "report", "--out", folder, out)
		if code != ExitUsage || !strings.Contains(stderr, "is a folder: give a file name ("+filepath.Join(folder, "report.html")+")") {
			t.Errorf("--out %s: exit %d %s", folder, code, stderr)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(out, "report.json")); string(after) != string(before) {
		t.Error("report.json was overwritten")
	}
}

// convertSamples converts two sample files into a fresh run directory.
func convertSamples(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	if code, stdout, stderr := run(t, "", "convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--out", out,
		"../../samples/concur/employees-305.csv", "../../samples/concur/travel-350.csv"); code > ExitRejected {
		t.Fatalf("convert: exit %d\n%s%s", code, stdout, stderr)
	}
	return out
}

// runTerm runs the CLI in-process as run does, with standard output and
// error taken for terminals when term says so.
func runTerm(t *testing.T, stdoutTerm, stderrTerm bool, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Context: context.Background(),
		isTerminal: func(w any) bool { return w == any(&out) && stdoutTerm || w == any(&errb) && stderrTerm }}
	code = c.Run(append([]string{"upsmigrate"}, args...))
	return code, out.String(), errb.String()
}

// TestReportDefaultOut: without --out a report goes next to the run, named
// after its format, and says where; --out - writes standard output, but
// not an HTML or XLSX report to a terminal.
func TestReportDefaultOut(t *testing.T) {
	out := convertSamples(t)
	tests := []struct {
		format   string
		file     string
		stdout   bool // standard output is a terminal
		outFlag  string
		code     int
		onStdout string // what standard output holds
		onStderr string
	}{
		{"html", "report.html", false, "", ExitOK, "", "to " + filepath.Join(out, "report.html")},
		{"html", "report.html", true, "", ExitOK, "", "to " + filepath.Join(out, "report.html")},
		{"xlsx", "report.xlsx", false, "", ExitOK, "", "to " + filepath.Join(out, "report.xlsx")},
		{"md", "report.md", true, "", ExitOK, "", "to " + filepath.Join(out, "report.md")},
		{"json", "report-full.json", false, "", ExitOK, "", "to " + filepath.Join(out, "report-full.json")},
		{"html", "", true, "-", ExitUsage, "", "standard output, which is a terminal"},
		{"xlsx", "", true, "-", ExitUsage, "", "standard output, which is a terminal"},
		{"html", "", false, "-", ExitOK, "<!DOCTYPE html>", ""},
		{"xlsx", "", false, "-", ExitOK, "PK", ""},
		{"md", "", true, "-", ExitOK, "# upsmigrate", ""},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s,out=%q,terminal=%t", tt.format, tt.outFlag, tt.stdout)
		t.Run(name, func(t *testing.T) {
			if tt.file != "" {
				os.Remove(filepath.Join(out, tt.file))
			}
			args := []string{"report", "--format", tt.format}
			if tt.outFlag != "" {
				args = append(args, "--out", tt.outFlag)
			}
			code, stdout, stderr := runTerm(t, tt.stdout, false, append(args, out)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s", code, tt.code, stderr)
			}
			if tt.onStdout == "" && stdout != "" || !strings.HasPrefix(stdout, tt.onStdout) {
				t.Errorf("standard output starts %.40q, want %q", stdout, tt.onStdout)
			}
			if !strings.Contains(stderr, tt.onStderr) {
				t.Errorf("standard error lacks %q:\n%s", tt.onStderr, stderr)
			}
			if tt.file != "" {
				fi, err := os.Stat(filepath.Join(out, tt.file))
				if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() == 0 {
					t.Errorf("%s: %v, want a 0600 report", tt.file, err)
				}
			}
			if tt.code == ExitUsage && !strings.Contains(stderr, "--out FILE") {
				t.Errorf("the refusal does not say what to do instead:\n%s", stderr)
			}
		})
	}
	hidden, _ := filepath.Glob(filepath.Join(out, ".*"))
	if len(hidden) > 0 {
		t.Errorf("temporary files left: %v", hidden)
	}
}

// TestReportNotARun: report on anything but a convert output says so and
// what to give instead (exit 2), and writes nothing.
func TestReportNotARun(t *testing.T) {
	parent := filepath.Dir(convertSamples(t))
	empty := t.TempDir()
	tests := []struct {
		name, dir string
		want      []string
	}{
		{"missing", filepath.Join(empty, "nope"), []string{"does not exist", "--out DIR"}},
		{"an input file", "../../samples/concur/employees-305.csv", []string{"is a file", "upsmigrate convert --out DIR ../../samples/concur/employees-305.csv"}},
		{"an empty folder", empty, []string{"is not a convert output (no report.json, no plan.jsonl)", "upsmigrate convert --out DIR FILE..."}},
		{"the inputs' folder", "../../samples/concur", []string{"is not a convert output", "run 'upsmigrate convert"}},
		{"the folder above the run", parent, []string{"is not a convert output", "did you mean " + filepath.Join(parent, "out") + "?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", "report", tt.dir)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d\n%s%s", code, ExitUsage, stdout, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("message lacks %q:\n%s", w, stderr)
				}
			}
			if _, err := os.Stat(filepath.Join(tt.dir, "report.html")); err == nil {
				t.Errorf("a report was written into %s", tt.dir)
			}
		})
	}
}

// TestReportPrivateOut: --out in folders that do not exist creates them
// 0700 and the report 0600; folders that exist keep their mode.
func TestReportPrivateOut(t *testing.T) {
	out := convertSamples(t)
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(base, "client", "march", "report.md")
	if code, _, stderr := run(t, "", "report", "--format", "md", "--out", path, out); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for p, want := range map[string]os.FileMode{base: 0o755, filepath.Dir(filepath.Dir(path)): 0o700, filepath.Dir(path): 0o700, path: 0o600} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want %v", p, fi.Mode().Perm(), err, want)
		}
	}
}

// TestReportInterrupted: a report whose context ends stops with exit 130
// and leaves the report it would have replaced as it was, and no
// temporary file.
func TestReportInterrupted(t *testing.T) {
	out := convertSamples(t)
	path := filepath.Join(out, "report.html")
	if err := os.WriteFile(path, []byte("earlier"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var o, e bytes.Buffer
	c := &CLI{Stdin: strings.NewReader(""), Stdout: &o, Stderr: &e, Getenv: func(string) string { return "" }, Context: ctx}
	if code := c.Run([]string{"upsmigrate", "report", out}); code != ExitInterrupted {
		t.Fatalf("exit %d, want %d\n%s", code, ExitInterrupted, e.String())
	}
	if b, _ := os.ReadFile(path); string(b) != "earlier" {
		t.Errorf("the earlier report was replaced by %.40q", b)
	}
	if hidden, _ := filepath.Glob(filepath.Join(out, ".*")); len(hidden) > 0 {
		t.Errorf("temporary files left: %v", hidden)
	}
	if !strings.Contains(e.String(), "interrupted") {
		t.Errorf("message: %s", e.String())
	}
}

// TestReportProgress: the bar shows on standard error when it is a
// terminal or --progress asks for it, never otherwise.
func TestReportProgress(t *testing.T) {
	out := convertSamples(t)
	tests := []struct {
		name     string
		terminal bool
		flags    []string
		bar      bool
	}{
		{"not a terminal", false, nil, false},
		{"a terminal", true, nil, true},
		{"--progress", false, []string{"--progress"}, true},
		{"--progress=false on a terminal", true, []string{"--progress=false"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"report", "--format", "md"}, tt.flags...)
			code, _, stderr := runTerm(t, false, tt.terminal, append(args, out)...)
			if code != ExitOK {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			if got := strings.Contains(stderr, "writing the md report"); got != tt.bar {
				t.Errorf("bar shown: %t, want %t\n%q", got, tt.bar, stderr)
			}
			if tt.bar && !strings.Contains(stderr, "%") {
				t.Errorf("the bar never showed how far it was:\n%q", stderr)
			}
		})
	}
}
