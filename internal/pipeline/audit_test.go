package pipeline

import (
	"os"
	"path/filepath"
	"testing"
)

// TestInputHashes checks the digests taken beforehand against fileHash:
// for every input, a path it was not given, and a file that is gone.
func TestInputHashes(t *testing.T) {
	dir := t.TempDir()
	a, b, gone := filepath.Join(dir, "a.csv"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "gone.csv")
	if err := os.WriteFile(a, []byte("100,0,SSO,UPDATE,EN,N,N\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(b, []byte("305,EMP1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := hashInputs([]string{a, gone})
	for _, p := range []string{a, b, gone} {
		n, sum := h.get(p)
		wn, wsum := fileHash(p)
		if n != wn || sum != wsum {
			t.Errorf("%s: got %d %q, want %d %q", filepath.Base(p), n, sum, wn, wsum)
		}
	}
	if n, sum := h.get(a); n != 24 || len(sum) != 64 {
		t.Errorf("a.csv: got %d %q, want 24 bytes and a SHA-256", n, sum)
	}
	if n, sum := h.get(gone); n != 0 || sum != "" {
		t.Errorf("gone.csv: got %d %q, want nothing", n, sum)
	}
	var none *inputHashes
	if n, _ := none.get(b); n != 9 {
		t.Errorf("nil: got %d bytes, want 9", n)
	}
}
