package pipeline

import (
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
