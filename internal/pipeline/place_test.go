package pipeline

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
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
