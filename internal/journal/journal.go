package journal

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
)

// File names inside the run directory.
const (
	FileName = "journal.db"   // the SQLite journal
	LockName = "journal.lock" // flock(2)ed by the process that writes the journal
)

// ErrNotFound is wrapped by lookups of a row that does not exist.
var ErrNotFound = errors.New("not found")

// Journal is an open journal. Its methods are safe for concurrent use; each
// write is one transaction, synced to disk before the method returns.
type Journal struct {
	dir, path string
	db        *sql.DB
	lock      *os.File // nil when read-only
	readOnly  bool
	elapsed   atomic.Int64
	closed    atomic.Bool
}

// Open opens DIR/journal.db for writing, creating it (mode 0600) when
// missing, and locks DIR against a second writer: while another process
// (or another Open in this one) holds the lock, Open fails with a
// *LockedError naming the holder. The directory must exist.
func Open(dir string) (*Journal, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	lf, err := acquire(filepath.Join(dir, LockName))
	if err != nil {
		return nil, err
	}
	j := &Journal{dir: dir, path: filepath.Join(dir, FileName), lock: lf}
	if err := j.open(); err != nil {
		release(lf)
		return nil, err
	}
	return j, nil
}

// OpenReadOnly opens an existing journal for reading, without the lock, so
// that it can be read while another process writes it. A missing journal is
// an error wrapping fs.ErrNotExist.
func OpenReadOnly(dir string) (*Journal, error) {
	j := &Journal{dir: dir, path: filepath.Join(dir, FileName), readOnly: true}
	if _, err := os.Stat(j.path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("journal %s does not exist: nothing was submitted from %s yet (run submit or migrate first): %w", j.path, dir, err)
		}
		return nil, fmt.Errorf("journal %s: %w", j.path, err)
	}
	if err := j.open(); err != nil {
		return nil, err
	}
	return j, nil
}

// Path is the journal's file, DIR/journal.db.
func (j *Journal) Path() string { return j.path }

// Elapsed is the total wall time spent inside the journal's writes since
// Open (transactions and the syncs that make them durable).
func (j *Journal) Elapsed() time.Duration { return time.Duration(j.elapsed.Load()) }

// Close closes the database and releases the lock. Closing twice is a no-op.
func (j *Journal) Close() error {
	if j.closed.Swap(true) {
		return nil
	}
	err := j.db.Close()
	if err != nil {
		err = fmt.Errorf("journal %s: close: %w", j.path, err)
	}
	if j.lock != nil {
		if rerr := release(j.lock); err == nil && rerr != nil {
			err = rerr
		}
	}
	return err
}

func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("journal: run directory %s: %w (convert --out %s creates it)", dir, err, dir)
	}
	if !fi.IsDir() {
		return fmt.Errorf("journal: %s is not a directory: give the run directory (convert --out DIR)", dir)
	}
	return nil
}

// open creates the file when needed (writer), opens the database and checks
// or creates the schema.
func (j *Journal) open() error {
	abs, err := filepath.Abs(j.path)
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if j.readOnly {
		q.Set("mode", "ro")
		q.Add("_pragma", "query_only(1)")
	} else {
		if err := j.create(); err != nil {
			return err
		}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Set("_txlock", "immediate")
	}
	dsn := (&url.URL{Scheme: "file", Path: abs, RawQuery: q.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return j.errf("open", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	j.db = db
	if err := j.setup(); err != nil {
		db.Close()
		return err
	}
	if !j.readOnly {
		// SQLite gives -wal and -shm the database file's mode; make sure.
		for _, p := range []string{j.path + "-wal", j.path + "-shm"} {
			if err := private(p); err != nil {
				db.Close()
				return err
			}
		}
	}
	return nil
}

// create makes journal.db (0600) when missing. (A -wal left by a removed
// journal.db is not replayed: SQLite deletes the WAL of an empty database.)
func (j *Journal) create() error {
	f, err := os.OpenFile(j.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return fmt.Errorf("journal %s: create: %w", j.path, err)
		}
		return nil
	case errors.Is(err, fs.ErrExist):
		return private(j.path)
	default:
		return fmt.Errorf("journal %s: create: %w (check that %s is writable by you)", j.path, err, j.dir)
	}
}

// private makes an existing file 0600 (the journal holds personal data).
func private(p string) error {
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("journal: %s: %w", p, err)
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(p, 0o600); err != nil {
		return fmt.Errorf("journal: %s is readable by others and cannot be made private: %w (chmod 600 it)", p, err)
	}
	return nil
}

// setup checks the schema version and creates the schema of a new journal.
func (j *Journal) setup() error {
	var version int
	if err := j.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return j.errf("open", err)
	}
	if version > schemaVersion {
		return fmt.Errorf("journal %s has schema version %d, this upsmigrate knows version %d: use the upsmigrate that wrote it (or a newer one), or a new --out directory", j.path, version, schemaVersion)
	}
	if j.readOnly {
		if version == 0 {
			return fmt.Errorf("journal %s is not an upsmigrate journal or was not written yet: wait for submit to start, or check the directory", j.path)
		}
		return nil
	}
	var mode string
	if err := j.db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		return j.errf("open", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal %s: cannot use write-ahead logging (journal_mode is %s): put the run directory on a local file system", j.path, mode)
	}
	if version == schemaVersion {
		return j.write("create indexes", func(tx *sql.Tx) error {
			_, err := tx.Exec(indexes)
			return err
		})
	}
	return j.write("create schema", func(tx *sql.Tx) error {
		var tables int
		if err := tx.QueryRow("SELECT count(*) FROM sqlite_master WHERE type = 'table'").Scan(&tables); err != nil {
			return err
		}
		if tables > 0 {
			return fmt.Errorf("the file holds other tables: it is not an upsmigrate journal (use a new --out directory)")
		}
		if _, err := tx.Exec(schema); err != nil {
			return err
		}
		_, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
		return err
	})
}

// write runs fn in one transaction and adds the time it took, commit
// included, to Elapsed.
func (j *Journal) write(what string, fn func(tx *sql.Tx) error) error {
	if j.readOnly {
		return fmt.Errorf("journal %s: %s: the journal was opened read-only", j.path, what)
	}
	tx, err := j.db.Begin()
	if err != nil {
		return j.errf(what, err)
	}
	// Elapsed counts the transaction itself, not the wait for the
	// connection: concurrent writers would count their waits twice.
	start := time.Now()
	defer func() { j.elapsed.Add(int64(time.Since(start))) }()
	if err := fn(tx); err != nil {
		tx.Rollback()
		return j.errf(what, err)
	}
	if err := tx.Commit(); err != nil {
		return j.errf(what, err)
	}
	return nil
}

// errf wraps err with the file, the step and, for SQLite errors, what to do.
func (j *Journal) errf(what string, err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return fmt.Errorf("journal %s: %s: %w", j.path, what, err)
	}
	var hint string
	switch se.Code() & 0xff {
	case 13: // SQLITE_FULL
		hint = "the disk is full: free space and re-run (the run resumes where it stopped)"
	case 10: // SQLITE_IOERR
		hint = "the disk failed to read or write: check it, then re-run"
	case 11, 26: // SQLITE_CORRUPT, SQLITE_NOTADB
		hint = "the file is damaged or not a journal: use a new --out directory, or remove " + j.path + " to start over"
	case 3, 8, 14: // SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN
		hint = "check that " + j.dir + " and the files in it are writable by you"
	case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
		hint = "another process keeps the journal busy: stop it and retry"
	default:
		return fmt.Errorf("journal %s: %s: %w", j.path, what, err)
	}
	return fmt.Errorf("journal %s: %s: %w; %s", j.path, what, err, hint)
}

// timeFormat is RFC 3339 in UTC with a fixed number of fraction digits, so
// that the text sorts in time order.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// now is the current time at the journal's precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(timeFormat)
}

func parseTS(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad timestamp %q: %w", s, err)
	}
	return t.UTC(), nil
}

// str is s, or NULL when empty.
func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// num is n, or NULL when 0.
func num[T int | int64](n T) any {
	if n == 0 {
		return nil
	}
	return n
}

// raw is a JSON value as TEXT, or NULL when empty.
func raw(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

func rawOf(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}
