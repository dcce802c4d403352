package journal

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// LockedError is the error of Open while another process (or another Open
// in this process) writes the journal. The holder is read from the lock
// file; its fields are zero when the file could not be read.
type LockedError struct {
	Path    string // the lock file, DIR/journal.lock
	PID     int
	Host    string
	Started time.Time
	Command string // program and subcommand only (arguments may hold secrets)
}

func (e *LockedError) Error() string {
	dir := filepath.Dir(e.Path)
	if e.PID == 0 {
		return fmt.Sprintf("journal: %s is in use by another process (%s is locked, its holder unknown): wait for it to finish or stop it, then re-run", dir, e.Path)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "journal: %s is in use by another upsmigrate (pid %d", dir, e.PID)
	if e.Host != "" {
		fmt.Fprintf(&b, " on %s", e.Host)
	}
	if !e.Started.IsZero() {
		fmt.Fprintf(&b, ", started %s", e.Started.UTC().Format(time.RFC3339))
	}
	if e.Command != "" {
		fmt.Fprintf(&b, ", %q", e.Command)
	}
	fmt.Fprintf(&b, "): wait for it to finish or stop it, then re-run (its lock on %s ends with it)", e.Path)
	return b.String()
}

// holder is the content of the lock file.
type holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
	Command string    `json:"command"`
}

func self() holder {
	h := holder{PID: os.Getpid(), Started: time.Now().UTC().Truncate(time.Second)}
	h.Host, _ = os.Hostname()
	if len(os.Args) > 0 {
		h.Command = filepath.Base(os.Args[0])
		if len(os.Args) > 1 && !strings.HasPrefix(os.Args[1], "-") {
			h.Command += " " + os.Args[1]
		}
	}
	return h
}

// acquire opens (0600) and locks the lock file, then writes this process
// into it. A lock held elsewhere is a *LockedError.
func acquire(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: lock %s: %w (check that the run directory is writable by you)", path, err)
	}
	if err := private(path); err != nil {
		f.Close()
		return nil, err
	}
	busy, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal: lock %s: %w (put the run directory on a local file system)", path, err)
	}
	if busy {
		f.Close()
		return nil, lockedBy(path)
	}
	b, _ := json.Marshal(self())
	b = append(b, '\n')
	// Write before truncating: a reader sees either the old or the new
	// holder, possibly with a torn tail, never an empty file after the first.
	if _, err := f.WriteAt(b, 0); err == nil {
		err = f.Truncate(int64(len(b)))
	}
	if err != nil {
		unlock(f)
		f.Close()
		return nil, fmt.Errorf("journal: lock %s: write the holder: %w", path, err)
	}
	return f, nil
}

// lockedBy reads the holder of a lock, retrying briefly while it is being
// written.
func lockedBy(path string) *LockedError {
	e := &LockedError{Path: path}
	for i := 0; i < 10; i++ {
		var h holder
		b, err := os.ReadFile(path)
		if err == nil && json.Unmarshal(b, &h) == nil && h.PID != 0 {
			e.PID, e.Host, e.Started, e.Command = h.PID, h.Host, h.Started, h.Command
			return e
		}
		time.Sleep(10 * time.Millisecond)
	}
	return e
}

// release empties the lock file, unlocks and closes it.
func release(f *os.File) error {
	f.Truncate(0)
	unlock(f)
	if err := f.Close(); err != nil {
		return fmt.Errorf("journal: lock %s: %w", f.Name(), err)
	}
	return nil
}
