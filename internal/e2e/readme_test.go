package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tenantMarker marks a README example that needs a real Concur tenant
// (credentials, the client's files): TestReadmeExamples leaves it out.
const tenantMarker = "# needs a Concur tenant"

// mostTenantExamples bounds the examples the README may leave out that
// way: the others must run as written.
const mostTenantExamples = 4

// example is one shell line of a fenced block of README.md.
type example struct {
	line int // in README.md
	text string
}

// readmeExamples lists the shell lines (```sh blocks) of a README, a line
// continued with a backslash joined to the next, comment lines dropped.
func readmeExamples(readme []byte) ([]example, error) {
	var out []example
	inShell, inBlock, pending := false, false, ""
	start := 0
	sc := bufio.NewScanner(bytes.NewReader(readme))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			if inBlock {
				if pending != "" {
					return nil, fmt.Errorf("README.md:%d: a block ends inside a continued line", n)
				}
				inBlock, inShell = false, false
				continue
			}
			lang := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "```"))
			inBlock, inShell = true, lang == "sh" || lang == "bash" || lang == "shell" || lang == "console"
			continue
		}
		if !inShell {
			continue
		}
		t := strings.TrimSpace(line)
		if pending == "" && (t == "" || strings.HasPrefix(t, "#")) {
			continue
		}
		if pending == "" {
			start = n
		}
		if strings.HasSuffix(t, `\`) {
			pending += strings.TrimSpace(strings.TrimSuffix(t, `\`)) + " "
			continue
		}
		out = append(out, example{line: start, text: pending + t})
		pending = ""
	}
	if inBlock {
		return nil, errors.New("README.md: a fenced block is not closed")
	}
	return out, sc.Err()
}

// isUpsmigrate reports whether a shell line runs upsmigrate (perhaps after
// variable assignments).
func isUpsmigrate(line string) bool {
	for _, w := range strings.Fields(line) {
		if strings.Contains(w, "=") && !strings.HasPrefix(w, "-") {
			continue // VAR=value before the command
		}
		return w == "upsmigrate"
	}
	return false
}

// TestReadmeExamples runs every upsmigrate line of README.md's shell
// blocks as written, in order, with the built binary as `upsmigrate` on
// PATH, in a fresh folder holding a copy of samples/ (the repository's
// root, as the README says). Each must exit 0, or 1 (the samples hold
// rejected rows on purpose: "some records rejected, the rest went on");
// anything else (a usage error, an unusable target, a placeholder such as
// <uuid>, a missing file) fails the test. Only lines marked
// tenantMarker are left out, and few may be.
func TestReadmeExamples(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples, err := readmeExamples(readme)
	if err != nil {
		t.Fatal(err)
	}
	dir := tempDir(t)
	if err := os.CopyFS(filepath.Join(dir, "samples"), os.DirFS(filepath.Join(root, "samples"))); err != nil {
		t.Fatal(err)
	}
	// PATH: the built binary first, then the system's shell tools only;
	// HOME: the folder, so that nothing of the user's is read.
	env := []string{"PATH=" + filepath.Dir(bin) + ":/usr/local/bin:/usr/bin:/bin", "HOME=" + dir, "LANG=C.UTF-8"}
	ran, tenant := 0, 0
	for _, ex := range examples {
		if !isUpsmigrate(ex.text) {
			continue
		}
		if strings.Contains(ex.text, tenantMarker) {
			tenant++
			continue
		}
		ran++
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		cmd := exec.CommandContext(ctx, "bash", "-o", "pipefail", "-c", ex.text)
		cmd.Dir, cmd.Env = dir, env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		cancel()
		code := cmd.ProcessState.ExitCode()
		t.Logf("README.md:%d: exit %d in %v: %s", ex.line, code, time.Since(start).Round(time.Millisecond), ex.text)
		// Exit 1 is upsmigrate's "some records rejected or failed"; the
		// shell's own errors (a placeholder read as a redirection, a
		// command not found) say "bash:".
		if err != nil && code != 1 || strings.Contains(out.String(), "bash: ") {
			t.Errorf("README.md:%d: %s\nexit %d (%v), want 0 or 1 from upsmigrate:\n%s", ex.line, ex.text, code, err, out.String())
		}
	}
	if ran < 8 {
		t.Errorf("only %d README examples ran: the extraction lost some", ran)
	}
	if tenant > mostTenantExamples {
		t.Errorf("%d README examples are marked %q: at most %d may need a tenant; make the others run against the samples and the sandbox",
			tenant, tenantMarker, mostTenantExamples)
	}
	// What the examples promise to leave behind.
	for _, name := range []string{"out/report.html", "out/report.xlsx", "out/journal.db", "out/bulk-0001.json"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s after the README's examples: %v", name, err)
		}
	}
}

// TestReadmeExtraction: the extraction joins continued lines, keeps only
// shell blocks, drops comments, and tells upsmigrate lines from others.
func TestReadmeExtraction(t *testing.T) {
	md := "text\n```sh\n# a comment\nupsmigrate convert \\\n  --out out/ a.csv   # two lines\nmake demo\n```\n" +
		"```sql\nSELECT 1;\n```\n```\nupsmigrate not-shell\n```\n```sh\nX=1 upsmigrate status out/\n```\n"
	got, err := readmeExamples([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := []example{{4, "upsmigrate convert --out out/ a.csv   # two lines"}, {6, "make demo"}, {15, "X=1 upsmigrate status out/"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	for _, tt := range []struct {
		line string
		want bool
	}{{"upsmigrate report out/", true}, {"X=1 upsmigrate status out/", true}, {"make demo", false}, {"export UPSMIGRATE_TOKEN=…", false}, {"sqlite3 out/journal.db", false}} {
		if isUpsmigrate(tt.line) != tt.want {
			t.Errorf("isUpsmigrate(%q) = %t", tt.line, !tt.want)
		}
	}
	if _, err := readmeExamples([]byte("```sh\nupsmigrate x\n")); err == nil {
		t.Error("an unclosed block is not an error")
	}
}
