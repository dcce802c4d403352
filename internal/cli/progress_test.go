package cli

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/journal"
)

// TestSubmitProgress: submit and migrate show a bar of the operations
// that have their final state, and the reports being written, on standard
// error when it is a terminal (or --progress asks), never otherwise, and
// never in standard output.
func TestSubmitProgress(t *testing.T) {
	t.Chdir("../..")
	tests := []struct {
		name     string
		terminal bool
		flags    []string
		bar      bool
	}{
		{"not a terminal", false, nil, false},
		{"a terminal", true, nil, true},
		{"--progress", false, []string{"--progress"}, true},
		{"--quiet on a terminal", true, []string{"--quiet"}, false},
		{"--progress=false on a terminal", true, []string{"--progress=false"}, false},
	}
	for _, tt := range tests {
		t.Run("migrate "+tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			args := append([]string{"migrate", "--sandbox", "--yes", "--poll-interval", "1ms", "--company-id", demoCompany, "--out", out}, tt.flags...)
			code, stdout, stderr := runTerm(t, false, tt.terminal, append(args, "samples/concur/employees-305.csv", "samples/concur/travel-350.csv")...)
			// E1010 of travel-350.csv is nobody: exit 1, the rest succeed.
			if code > ExitRejected {
				t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
			}
			for _, bar := range []string{"submitting: operations final", "writing report.html", "writing report.md"} {
				if got := strings.Contains(stderr, bar); got != tt.bar {
					t.Errorf("%q shown: %t, want %t\n%q", bar, got, tt.bar, stderr)
				}
				if strings.Contains(stdout, bar) {
					t.Errorf("%q in standard output", bar)
				}
			}
			if tt.bar && !strings.Contains(stderr, "%") {
				t.Errorf("the bar never showed how far it was:\n%q", stderr)
			}
			if !tt.bar && strings.ContainsRune(stderr, '\r') {
				t.Errorf("a bar on standard error:\n%q", stderr)
			}
		})
	}
	t.Run("submit on a terminal", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "run")
		if code, _, stderr := run(t, "", "convert", "--company-id", demoCompany, "--out", out, "samples/concur/employees-305.csv"); code != ExitOK {
			t.Fatalf("convert: exit %d\n%s", code, stderr)
		}
		code, stdout, stderr := runTerm(t, false, true, "submit", "--sandbox", "--yes", "--poll-interval", "1ms", "--company-id", demoCompany, out)
		if code != ExitOK || !strings.Contains(stderr, "submitting: operations final") || !strings.Contains(stderr, "%") {
			t.Errorf("exit %d, no bar:\n%s\n%q", code, stdout, stderr)
		}
		code, _, stderr = runTerm(t, false, true, "submit", "--sandbox", "--dry-run", "--company-id", demoCompany, out)
		if code != ExitOK || strings.Contains(stderr, "submitting") {
			t.Errorf("dry run: exit %d, a bar:\n%q", code, stderr)
		}
	})
}

// TestTaskBar: the bar is a spinner until it knows how far the task is,
// then a bar; it starts again (pass 2) when the task does; lines printed
// through it come out whole; a nil bar shows nothing and prints lines.
func TestTaskBar(t *testing.T) {
	var w bytes.Buffer
	b := newTaskBar(&w, "task")
	b.every = time.Hour // no ticks: render only on start, set and finish
	b.start()
	spinner := w.String()
	if !strings.Contains(spinner, "task") || strings.Contains(spinner, "%") {
		t.Errorf("before any set: %q, want a spinner", spinner)
	}
	b.set(50, 100)
	b.render()
	b.set(100, 100)
	b.render()
	b.set(10, 100)
	b.render()
	var out bytes.Buffer
	b.println(&out, "a line")
	b.finish()
	got := w.String()
	// (a bar at its end is cleared, not drawn)
	for _, want := range []string{"50%", "task (pass 2)  10%"} {
		if !strings.Contains(got, want) {
			t.Errorf("bar output lacks %q:\n%q", want, got)
		}
	}
	if out.String() != "a line\n" {
		t.Errorf("printed %q", out.String())
	}

	var none *taskBar = newTaskBar(nil, "nothing")
	none.start()
	none.set(1, 2)
	none.println(&out, "second")
	none.finish()
	if out.String() != "a line\nsecond\n" {
		t.Errorf("a nil bar printed %q", out.String())
	}
}

// TestFinalOps: the submit bar counts an operation done once its state is
// final.
func TestFinalOps(t *testing.T) {
	done, total := finalOps(map[string]int{journal.OpPlanned: 3, journal.OpSending: 1, journal.OpSent: 2, journal.OpInDoubt: 1,
		journal.OpSuccess: 5, journal.OpPartial: 1, journal.OpFailed: 2, journal.OpSkipped: 1})
	if done != 9 || total != 16 {
		t.Errorf("done %d of %d, want 9 of 16", done, total)
	}
}
