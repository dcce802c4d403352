package cli

import (
	"regexp"
	"strings"
	"testing"

	ucli "github.com/urfave/cli/v2"
)

// commandPaths lists every command and subcommand as the words that run it.
func commandPaths(cmds []*ucli.Command, parent []string) [][]string {
	var out [][]string
	for _, c := range cmds {
		if c.Name == "help" {
			continue
		}
		p := append(append([]string(nil), parent...), c.Name)
		out = append(out, p)
		out = append(out, commandPaths(c.Subcommands, p)...)
	}
	return out
}

func TestEveryCommandHasExamples(t *testing.T) {
	c := New(nil, nil, nil)
	paths := commandPaths(c.app().Commands, nil)
	if len(paths) < 10 {
		t.Fatalf("only %d commands found", len(paths))
	}
	twice := regexp.MustCompile(`\(default[^\n]*\(default`)
	for _, p := range paths {
		args := append(append([]string(nil), p...), "--help")
		code, stdout, stderr := run(t, "", args...)
		if code != 0 {
			t.Errorf("%s --help: exit %d: %s", strings.Join(p, " "), code, stderr)
			continue
		}
		if !strings.Contains(stdout, "Examples:\n      upsmigrate "+p[0]) {
			t.Errorf("%s --help has no examples:\n%s", strings.Join(p, " "), stdout)
		}
		if m := twice.FindString(stdout); m != "" {
			t.Errorf("%s --help states a default twice: %s", strings.Join(p, " "), m)
		}
		if strings.Contains(stdout, "(default: false)") {
			t.Errorf("%s --help prints (default: false) for a switch", strings.Join(p, " "))
		}
	}
}

func TestHelpVersionAndSuggestions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout+stderr
	}{
		{"help command", []string{"help"}, 0, "COMMANDS:"},
		{"help of a command", []string{"help", "convert"}, 0, "upsmigrate convert [command options] FILE..."},
		{"version", []string{"--version"}, 0, "upsmigrate version "},
		{"required flag marked", []string{"convert", "--help"}, 0, "output directory (required)"},
		{"own default kept", []string{"convert", "--help"}, 0, "show progress on standard error (default: when it is a terminal)\n"},
		{"mistyped command", []string{"convrt", "x.csv"}, ExitUsage, `unknown command "convrt": did you mean "convert"?`},
		{"unrelated command", []string{"frobnicate"}, ExitUsage, `unknown command "frobnicate" (run 'upsmigrate help'`},
		{"mistyped flag", []string{"convert", "--outt", "o", "x.csv"}, ExitUsage, "did you mean --out?"},
		{"mistyped subcommand flag", []string{"mapping", "export", "--xslx", "m.xlsx"}, ExitUsage, "did you mean --xlsx?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("output lacks %q:\nstdout: %s\nstderr: %s", tt.want, stdout, stderr)
			}
		})
	}
	// An unrelated name gets no suggestion.
	if _, _, stderr := run(t, "", "frobnicate"); strings.Contains(stderr, "did you mean") {
		t.Errorf("suggestion for an unrelated command: %s", stderr)
	}
}
