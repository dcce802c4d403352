package private

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/upsmigrate/upsmigrate/internal/dropbehind"
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

// WriteFile writes a private file (0600) whole or not at all: fill writes
// into a temporary file beside path, which replaces path only when fill
// and the close succeed; on any failure the temporary file is removed and
// path is left as it was.
func WriteFile(path string, fill func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	drop := dropbehind.New() // a report is written, not read back
	defer func() {
		if derr := drop.Release(); err == nil {
			err = derr
		}
	}()
	w := bufio.NewWriterSize(drop.Writer(tmp), 64<<10)
	if err := fill(w); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	drop.Finished(tmp)
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
