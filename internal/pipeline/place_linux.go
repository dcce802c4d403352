package pipeline

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// moveBulk renames bulk files 1…n of from to base+1…base+n of to,
// resolving both folders once (renameat) rather than each path whole,
// and without the check os.Rename makes that the target is no folder
// (the targets are bulk files this run removed or never made).
func moveBulk(from, to string, base, n int) error {
	if n == 0 {
		return nil
	}
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Open(to)
	if err != nil {
		return err
	}
	defer dst.Close()
	sfd, dfd := int(src.Fd()), int(dst.Fd())
	for seq := 1; seq <= n; seq++ {
		old, new := BulkFileName(seq), BulkFileName(base+seq)
		if err := ignoringEINTR(func() error { return unix.Renameat(sfd, old, dfd, new) }); err != nil {
			return &os.LinkError{Op: "rename", Old: from + "/" + old, New: to + "/" + new, Err: err}
		}
	}
	return nil
}

func ignoringEINTR(f func() error) error {
	for {
		if err := f(); err != unix.EINTR {
			return err
		}
	}
}

// openOutput opens path for writing, created or truncated, with the mode
// 0600 when it is created. os.OpenFile would offer a regular file to the
// poller, which refuses it, at four system calls more a file: a convert
// of 200k employees creates 4,000.
func openOutput(path string) (*os.File, error) {
	var fd int
	err := ignoringEINTR(func() (err error) {
		fd, err = unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_CLOEXEC, 0o600)
		return err
	})
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// iovMax is the most pieces one writev takes (IOV_MAX).
const iovMax = 1024

// writeVec writes the pieces of iov to f in order, with writev: a short
// write goes on from where it stopped.
func writeVec(f *os.File, iov [][]byte) error {
	fd := int(f.Fd())
	for len(iov) > 0 {
		batch := iov[:min(len(iov), iovMax)]
		var n int
		err := ignoringEINTR(func() (err error) {
			n, err = unix.Writev(fd, batch)
			return err
		})
		if err != nil {
			return &os.PathError{Op: "write", Path: f.Name(), Err: err}
		}
		if n == 0 {
			return &os.PathError{Op: "write", Path: f.Name(), Err: io.ErrShortWrite}
		}
		for n > 0 && len(iov) > 0 {
			if n < len(iov[0]) {
				iov[0] = iov[0][n:]
				break
			}
			n -= len(iov[0])
			iov = iov[1:]
		}
	}
	return nil
}
