package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReportSignals: SIGINT or SIGTERM while report writes ends it with
// exit 130, leaves the report it would have replaced as it was and no
// temporary file (a report that finished first is whole).
func TestReportSignals(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	feed := writeFeed305(t, filepath.Join(dir, "feed.csv"), 20000, 1)
	out := filepath.Join(dir, "out")
	p := startProc(t, "convert", dir, filepath.Join(dir, "convert.log"), childEnv(),
		"convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--out", out, feed)
	if code, ok := p.wait(runTimeout); !ok || code != 0 {
		t.Fatalf("convert: exit %d (done %t)\n%s", code, ok, p.output())
	}
	for _, tt := range []struct {
		name, format string
		sig          os.Signal
	}{
		{"int-xlsx", "xlsx", syscall.SIGINT},
		{"term-xlsx", "xlsx", syscall.SIGTERM},
		{"term-html", "html", syscall.SIGTERM},
	} {
		report := filepath.Join(out, "report."+tt.format)
		if err := os.WriteFile(report, []byte("earlier"), 0o600); err != nil {
			t.Fatal(err)
		}
		log := filepath.Join(dir, tt.name+".log")
		p := startProc(t, tt.name, dir, log, childEnv(), "report", "--progress", "--format", tt.format, out)
		// Signal once it writes (its bar says so).
		for end := time.Now().Add(runTimeout); time.Now().Before(end) && !p.exited(); time.Sleep(5 * time.Millisecond) {
			if b, _ := os.ReadFile(log); strings.Contains(string(b), "writing the "+tt.format+" report") {
				break
			}
		}
		p.signal(tt.sig)
		code, ok := p.wait(runTimeout)
		if !ok {
			t.Fatalf("%s: still running after the signal", tt.name)
		}
		t.Logf("%s: exit %d", tt.name, code)
		b, _ := os.ReadFile(report)
		switch code {
		case 130:
			if string(b) != "earlier" {
				t.Errorf("%s: the interrupted report replaced the earlier one (%d bytes)", tt.name, len(b))
			}
			if !strings.Contains(p.output(), "interrupted") {
				t.Errorf("%s: no message:\n%s", tt.name, p.output())
			}
		case 0:
			if len(b) < 1000 {
				t.Errorf("%s: a finished report of %d bytes", tt.name, len(b))
			}
		default:
			t.Errorf("%s: exit %d, want 130 (or 0 when done first)\n%s", tt.name, code, p.output())
		}
		if hidden, _ := filepath.Glob(filepath.Join(out, ".*")); len(hidden) > 0 {
			t.Errorf("%s: temporary files left: %v", tt.name, hidden)
		}
	}
}
