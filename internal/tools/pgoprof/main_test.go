package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunUsage(t *testing.T) {
	var log bytes.Buffer
	if code := run([]string{"extra"}, &log); code != 2 || !strings.Contains(log.String(), "usage") {
		t.Fatalf("run(extra) = %d, %q; want 2 and the usage", code, log.String())
	}
}

// TestProfile writes a profile of small inputs: a gzipped pprof profile,
// and no temporary file left beside it.
func TestProfile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "default.pgo")
	var log bytes.Buffer
	if code := run([]string{"-out", out, "-rows", "40"}, &log); code != 0 {
		t.Fatalf("run = %d: %s", code, log.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Fatalf("the profile is not gzipped pprof data: % x", b[:min(len(b), 8)])
	}
	for _, want := range []string{"305 convert", "mixed validate", "findings report"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("the log does not show %q:\n%s", want, log.String())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files beside the profile: %v", entries)
	}
}
