//go:build unix

package journal

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes flock(2) LOCK_EX|LOCK_NB on f. busy reports a lock held
// through another open file description. The kernel drops the lock when
// its holder dies.
func tryLock(f *os.File) (busy bool, err error) {
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	return false, err
}

func unlock(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
