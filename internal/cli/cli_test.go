package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// run runs the CLI in-process with injected streams.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	c := &CLI{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Context: context.Background()}
	code = c.Run(append([]string{"upsmigrate"}, args...))
	return code, out.String(), errb.String()
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		wantErr string
	}{
		{"unknown command", []string{"frobnicate"}, ExitUsage, "unknown command"},
		{"inspect without files", []string{"inspect"}, ExitUsage, "no input files"},
		{"inspect unknown flag", []string{"inspect", "--nope", "x"}, ExitUsage, "nope"},
		{"inspect unknown format", []string{"inspect", "--format", "xls", "x"}, ExitUsage, `unknown input format "xls"`},
		{"inspect missing file", []string{"inspect", "does-not-exist.csv"}, ExitUsage, "does-not-exist.csv"},
		{"convert a directory", []string{"convert", "--out", "o", "."}, ExitUsage, "is a directory"},
		{"mapping that does not exist", []string{"convert", "--mapping", "/nope", "--out", "o", "../../samples/concur/employees-305.csv"}, ExitUsage, "--mapping /nope: no such file or directory"},
		{"empty --out", []string{"convert", "--out", "", "x.csv"}, ExitUsage, "--out is empty"},
		{"missing inputs before the mapping", []string{"convert", "--mapping", "/nope", "--out", "o", "a.csv", "b.csv"}, ExitUsage, "a.csv: no such file; b.csv: no such file"},
		{"inspect with a missing mapping", []string{"inspect", "--mapping", "/nope", "x.csv"}, ExitUsage, "--mapping /nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stderr+stdout, tt.wantErr) {
				t.Errorf("output lacks %q\nstdout: %s\nstderr: %s", tt.wantErr, stdout, stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	code, stdout, _ := run(t, "", "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for _, cmd := range []string{"inspect", "convert", "validate", "mapping", "report", "sandbox", "lineage"} {
		if !strings.Contains(stdout, cmd) {
			t.Errorf("help lacks command %q:\n%s", cmd, stdout)
		}
	}
}
