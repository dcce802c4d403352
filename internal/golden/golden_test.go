package golden

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFirstDiff(t *testing.T) {
	for _, tt := range []struct{ got, want, diff string }{
		{"a\nb\n", "a\nb\n", ""},
		{"a\nb\n", "a\nc\n", "line 2:\n got: b\nwant: c"},
		{"a\n", "a\nb", "line 2:\n got: \nwant: b"},
	} {
		if d := FirstDiff([]byte(tt.got), []byte(tt.want)); d != tt.diff {
			t.Errorf("FirstDiff(%q, %q) = %q, want %q", tt.got, tt.want, d, tt.diff)
		}
	}
}

func TestCheckAndCheckDir(t *testing.T) {
	if *Update {
		t.Skip("compares only")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "a.golden")
	if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	Check(t, p, []byte("x\n"))
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "a.golden"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	CheckDir(t, dir, out)
}
