package pipeline

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestCreateAhead: the files come in order, private; one more than
// counted is an error; stop closes the files created but not asked for;
// a file that cannot be created is the error of its turn.
func TestCreateAhead(t *testing.T) {
	dir := t.TempDir()
	a := createAhead(dir, seqRange{1, 5})
	for seq := 1; seq <= 2; seq++ {
		f, path, err := a.next(seq)
		if err != nil {
			t.Fatal(err)
		}
		if path != filepath.Join(dir, BulkFileName(seq)) {
			t.Errorf("file %d is %s", seq, path)
		}
		if st, err := f.Stat(); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("file %d: mode %v (%v), want 0600", seq, st.Mode().Perm(), err)
		}
		f.Close()
	}
	a.stop()
	for seq := 1; seq <= 5; seq++ {
		if _, err := os.Stat(filepath.Join(dir, BulkFileName(seq))); seq <= 2 && err != nil {
			t.Errorf("file %d asked for is missing: %v", seq, err)
		}
	}

	b := createAhead(t.TempDir(), seqRange{1, 1})
	if f, _, err := b.next(1); err != nil {
		t.Fatal(err)
	} else {
		f.Close()
	}
	if _, _, err := b.next(2); !errors.Is(err, errCorrupt) {
		t.Errorf("a file past the count: %v, want errCorrupt", err)
	}
	b.stop()

	c := createAhead(filepath.Join(t.TempDir(), "missing"), seqRange{1, 3})
	if _, _, err := c.next(1); err == nil {
		t.Error("a file in a folder that does not exist was created")
	}
	c.stop()
}
