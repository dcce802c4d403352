package pipeline

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMoveBulk checks that moveBulk numbers the files after base, moves
// each one's content, leaves nothing behind, and names the file it could
// not move.
func TestMoveBulk(t *testing.T) {
	from, to := t.TempDir(), t.TempDir()
	for seq := 1; seq <= 3; seq++ {
		if err := os.WriteFile(filepath.Join(from, BulkFileName(seq)), []byte(strconv.Itoa(seq)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := moveBulk(from, to, 7, 3); err != nil {
		t.Fatal(err)
	}
	for seq := 1; seq <= 3; seq++ {
		b, err := os.ReadFile(filepath.Join(to, BulkFileName(7+seq)))
		if err != nil || string(b) != strconv.Itoa(seq) {
			t.Errorf("%s: %q, %v; want %q", BulkFileName(7+seq), b, err, strconv.Itoa(seq))
		}
	}
	if left, _ := os.ReadDir(from); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	if err := moveBulk(from, to, 0, 0); err != nil {
		t.Errorf("nothing to move: %v", err)
	}
	err := moveBulk(from, to, 0, 1)
	var le *os.LinkError
	if !errors.As(err, &le) || !errors.Is(err, fs.ErrNotExist) || filepath.Base(le.Old) != BulkFileName(1) {
		t.Errorf("a missing file: got %v, want a rename error naming %s", err, BulkFileName(1))
	}
}

// TestCreateOutput checks that an output is created readable by its owner
// only, that an older file in its place is emptied and made private, and
// that a failure names the path.
func TestCreateOutput(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.json")
	if err := os.WriteFile(old, []byte("an older run's bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(old, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		wantErr    bool
	}{
		{"new file", filepath.Join(dir, "new.json"), false},
		{"older file", old, false},
		{"missing folder", filepath.Join(dir, "missing", "x.json"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := createOutput(tt.path)
			if tt.wantErr {
				if err == nil || !errors.Is(err, fs.ErrNotExist) {
					t.Fatalf("err = %v, want one that the folder does not exist", err)
				}
				if !strings.Contains(err.Error(), tt.path) {
					t.Errorf("err = %v, want it to name %s", err, tt.path)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString("new"); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", st.Mode().Perm())
			}
			if b, _ := os.ReadFile(tt.path); string(b) != "new" {
				t.Errorf("content %q, want %q (an older file is truncated)", b, "new")
			}
		})
	}
}
