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
