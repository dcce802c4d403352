package private

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// File makes path a private file: created empty (0600) when missing, made
// 0600 when it exists.
func File(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	err = f.Chmod(0o600)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: make private: %w", path, err)
	}
	return nil
}

// IfExists makes path 0600 when it exists (an SQLite -wal or -shm file
// takes the mode of its database, or the umask's when created first).
func IfExists(path string) error {
	err := os.Chmod(path, 0o600)
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("%s: make private: %w", path, err)
}

// Dir makes path, and its missing parents, a private folder (0700); an
// existing path is made 0700 too.
func Dir(path string) error {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(path, 0o700); err != nil {
		return fmt.Errorf("%s: make private: %w", path, err)
	}
	return nil
}
