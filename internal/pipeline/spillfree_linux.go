package pipeline

import (
	"os"
	"syscall"
)

// freeRange punches a hole in f: the range reads as zeros and its blocks
// and cached pages are freed.
func freeRange(f *os.File, off, n int64) error {
	const punchHole, keepSize = 0x02, 0x01 // FALLOC_FL_PUNCH_HOLE, FALLOC_FL_KEEP_SIZE
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = syscall.Fallocate(int(fd), punchHole|keepSize, off, n) }); err != nil {
		return err
	}
	return ferr
}
