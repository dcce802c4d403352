package target

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// tokenFile keeps the newest refresh token (refresh tokens rotate: each use
// retires the old one). It is written atomically with mode 0600; the token
// is never logged.
type tokenFile struct{ path string }

type tokenFileDoc struct {
	RefreshToken string    `json:"refresh_token"`
	Saved        time.Time `json:"saved"`
}

// load returns the stored refresh token, "" when the file does not exist.
// The file is JSON as save writes it, or just the token.
func (f *tokenFile) load() (string, error) {
	b, err := os.ReadFile(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, "{") {
		var d tokenFileDoc
		if err := json.Unmarshal([]byte(s), &d); err != nil {
			return "", fmt.Errorf("token file %s is not valid JSON (%v)", f.path, err)
		}
		return d.RefreshToken, nil
	}
	return s, nil
}

// save replaces the file with tok: written to a temporary file of the same
// directory (0600), synced, then renamed over the old one.
func (f *tokenFile) save(tok string) error {
	data, err := json.Marshal(tokenFileDoc{RefreshToken: tok, Saved: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	dir := filepath.Dir(f.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("token file: %w", err)
	}
	name := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return fmt.Errorf("token file %s: %w", f.path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("token file %s: %w", f.path, err)
	}
	if err := os.Rename(name, f.path); err != nil {
		os.Remove(name)
		return fmt.Errorf("token file %s: %w", f.path, err)
	}
	return nil
}
