package private

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func mode(t *testing.T, p string) os.FileMode {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// TestModes: private whatever the umask, and whatever mode was there.
func TestModes(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()

	missing := filepath.Join(dir, "new.db")
	if err := File(missing); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(dir, "old.db")
	if err := os.WriteFile(open, []byte("x"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := File(open); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(open); string(b) != "x" {
		t.Errorf("File changed the content: %q", b)
	}
	wal := filepath.Join(dir, "old.db-wal")
	if err := os.WriteFile(wal, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := IfExists(wal); err != nil {
		t.Fatal(err)
	}
	if err := IfExists(filepath.Join(dir, "none-shm")); err != nil {
		t.Errorf("IfExists on a missing file: %v", err)
	}
	sub := filepath.Join(dir, "a", "b")
	if err := Dir(sub); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{missing: 0o600, open: 0o600, wal: 0o600, sub: 0o700} {
		if got := mode(t, p); got != want {
			t.Errorf("%s: mode %o, want %o", p, got, want)
		}
	}
}

// TestWriteFile: all or nothing, private, no temporary file left.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.xlsx")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(p, func(w io.Writer) error {
		io.WriteString(w, "half")
		return errors.New("interrupted")
	})
	if err == nil {
		t.Fatal("failure not returned")
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("failed write changed the file: %q", b)
	}
	if err := WriteFile(p, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" || mode(t, p) != 0o600 {
		t.Errorf("content %q mode %o, want new 600", b, mode(t, p))
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
