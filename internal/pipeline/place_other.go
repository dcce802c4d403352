//go:build !linux

package pipeline

import (
	"os"
	"path/filepath"
)

// moveBulk renames bulk files 1…n of from to base+1…base+n of to.
func moveBulk(from, to string, base, n int) error {
	for seq := 1; seq <= n; seq++ {
		if err := os.Rename(filepath.Join(from, BulkFileName(seq)), filepath.Join(to, BulkFileName(base+seq))); err != nil {
			return err
		}
	}
	return nil
}

// openOutput opens path for writing, created or truncated, with the mode
// 0600 when it is created.
func openOutput(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
}

// writeVec writes the pieces of iov to f in order.
func writeVec(f *os.File, iov [][]byte) error {
	for _, b := range iov {
		if _, err := f.Write(b); err != nil {
			return err
		}
	}
	return nil
}
