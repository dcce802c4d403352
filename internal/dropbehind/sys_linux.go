package dropbehind

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

const supported = true

func dupFD(f *os.File) (int, bool) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if err := rc.Control(func(s uintptr) {
		fd, _ = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil || fd < 0 {
		return 0, false
	}
	return fd, true
}

func closeFD(fd int) { unix.Close(fd) }

// drop waits for a region's write-back and drops its pages. A file
// system or file that cannot (a pipe, a device) is no error: its pages
// stay.
func drop(fd int, off, n int64) error {
	err := unix.SyncFileRange(fd, off, n,
		unix.SYNC_FILE_RANGE_WAIT_BEFORE|unix.SYNC_FILE_RANGE_WRITE|unix.SYNC_FILE_RANGE_WAIT_AFTER)
	switch {
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ESPIPE), errors.Is(err, unix.ENOSYS):
		return nil
	case err != nil:
		return err
	}
	unix.Fadvise(fd, off, n, unix.FADV_DONTNEED)
	return nil
}

// dropWritten drops the pages of a region already written, without
// waiting for the others.
func dropWritten(fd int, off, n int64) { unix.Fadvise(fd, off, n, unix.FADV_DONTNEED) }

// startWriteBack starts the write-back of a region without waiting for
// it; drop waits for it later. An error shows again in drop.
func startWriteBack(fd int, off, n int64) {
	unix.SyncFileRange(fd, off, n, unix.SYNC_FILE_RANGE_WRITE)
}

// dropClean drops f's clean cached pages.
func dropClean(f *os.File) {
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { unix.Fadvise(int(fd), 0, 0, unix.FADV_DONTNEED) })
	}
}
