package e2e

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/gen"
)

// TestConvertSignals: SIGINT or SIGTERM while convert reads, plans or
// writes ends it with exit 130 and leaves no output and no temporary file
// (a run that finished first has all its outputs); a second SIGINT ends
// the process at once.
func TestConvertSignals(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	feed := writeFeed305(t, filepath.Join(dir, "feed.csv"), 30000, 1)
	convert := func(name string) *proc {
		out := filepath.Join(dir, name)
		return startProc(t, name, dir, filepath.Join(dir, name+".log"), childEnv(),
			"convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--out", out, feed)
	}
	// when waits for the moment to signal: a delay, or the first bulk file.
	type when func(out string)
	after := func(d time.Duration) when { return func(string) { time.Sleep(d) } }
	writing := func(out string) {
		for end := time.Now().Add(runTimeout); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
			if _, err := os.Stat(filepath.Join(out, "bulk-0001.json")); err == nil {
				return
			}
		}
	}
	for _, tt := range []struct {
		name string
		sig  os.Signal
		at   when
	}{
		{"int-reading", syscall.SIGINT, after(400 * time.Millisecond)},
		{"term-planning", syscall.SIGTERM, after(900 * time.Millisecond)},
		{"int-writing", syscall.SIGINT, writing},
		{"term-writing", syscall.SIGTERM, writing},
	} {
		out := filepath.Join(dir, tt.name)
		p := convert(tt.name)
		tt.at(out)
		p.signal(tt.sig)
		code, ok := p.wait(runTimeout)
		if !ok {
			t.Fatalf("%s: still running after the signal", tt.name)
		}
		t.Logf("%s: exit %d", tt.name, code)
		outputs, _ := filepath.Glob(filepath.Join(out, "*"))
		hidden, _ := filepath.Glob(filepath.Join(out, ".*"))
		switch code {
		case 130, -1: // -1: the signal came before the handler was installed
			if len(outputs)+len(hidden) > 0 {
				t.Errorf("%s: interrupted run left %v %v", tt.name, outputs, hidden)
			}
		case 0:
			if _, err := os.Stat(filepath.Join(out, "report.json")); err != nil || len(hidden) > 0 {
				t.Errorf("%s: finished run without report.json (%v) or with temporary files %v", tt.name, err, hidden)
			}
		default:
			t.Errorf("%s: exit %d, want 130 (or 0 when done first)\n%s", tt.name, code, p.output())
		}
	}

	// Two SIGINTs: the second ends the process at once.
	p := convert("twice")
	time.Sleep(150 * time.Millisecond)
	p.signal(syscall.SIGINT)
	p.signal(syscall.SIGINT)
	if _, ok := p.wait(2 * time.Second); !ok {
		t.Errorf("still running 2 s after a second SIGINT")
	}
}

// writeFeed305 writes a generated 305 feed of n employees (gen.Write305)
// to path and returns path.
func writeFeed305(t *testing.T, path string, n int, seed int64) string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Write305(f, n, seed); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
