//go:build !unix

package journal

import (
	"errors"
	"os"
)

func tryLock(*os.File) (bool, error) {
	return false, errors.New("locking the run directory is not supported on this system")
}

func unlock(*os.File) {}
