package sandbox

import (
	"database/sql"
	"encoding/json"
	"fmt"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/upsmigrate/upsmigrate/internal/private"
)

const ddl = `
CREATE TABLE IF NOT EXISTS users (
	id              TEXT PRIMARY KEY,
	employee_number TEXT,
	user_name       TEXT,
	doc             TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS users_employee_number ON users(employee_number);
CREATE TABLE IF NOT EXISTS provisions (
	id     TEXT PRIMARY KEY,
	status TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refresh_tokens (
	hash TEXT PRIMARY KEY,
	rec  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);`

// openDB opens (creating when needed) the SQLite file and loads its users,
// provisions and refresh tokens into memory.
func (s *Server) openDB(path string) error {
	// The state holds the token signing key and users: the owner's only
	// (SQLite gives its -wal and -shm files the database's mode).
	if err := private.File(path); err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return fmt.Errorf("sandbox: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	for _, stmt := range []string{"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA busy_timeout=5000", ddl} {
		if _, err := db.Exec(stmt); err != nil {
			db.Close()
			return fmt.Errorf("sandbox: %s: %w", path, err)
		}
	}
	for _, p := range []string{path + "-wal", path + "-shm"} {
		if err := private.IfExists(p); err != nil {
			db.Close()
			return fmt.Errorf("sandbox: %w", err)
		}
	}
	s.db = db
	if err := s.load(); err != nil {
		db.Close()
		s.db = nil
		return fmt.Errorf("sandbox: %s: %w", path, err)
	}
	return nil
}

func (s *Server) load() error {
	rows, err := s.db.Query("SELECT doc FROM users")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		var u userRec
		if err := rows.Scan(&raw); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(raw), &u); err != nil {
			return fmt.Errorf("user row: %w", err)
		}
		s.st.put(&u)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	prow, err := s.db.Query("SELECT status FROM provisions")
	if err != nil {
		return err
	}
	defer prow.Close()
	for prow.Next() {
		var raw string
		var p provision
		if err := prow.Scan(&raw); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			return fmt.Errorf("provision row: %w", err)
		}
		s.st.provisions[p.ID] = &p
		if p.Seq > s.st.seq {
			s.st.seq = p.Seq
		}
		if !p.completed() {
			s.st.enqueue(&p)
		}
	}
	if err := prow.Err(); err != nil {
		return err
	}
	trow, err := s.db.Query("SELECT hash, rec FROM refresh_tokens")
	if err != nil {
		return err
	}
	defer trow.Close()
	for trow.Next() {
		var h, raw string
		var rec refreshRec
		if err := trow.Scan(&h, &raw); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(raw), &rec); err != nil {
			return fmt.Errorf("token row: %w", err)
		}
		s.st.refresh[h] = rec
	}
	if err := trow.Err(); err != nil {
		return err
	}
	clear(s.st.dirtyUsers)
	clear(s.st.dirtyProvs)
	clear(s.st.dirtyToks)
	return nil
}

func (s *Server) setting(key string) string {
	if s.db == nil {
		return ""
	}
	var v string
	_ = s.db.QueryRow("SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	return v
}

func (s *Server) saveSettings(kv map[string]string) error {
	if s.db == nil {
		return nil
	}
	for k, v := range kv {
		if _, err := s.db.Exec("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", k, v); err != nil {
			return fmt.Errorf("sandbox: saving settings: %w", err)
		}
	}
	return nil
}

// flush writes what changed since the last flush in one transaction.
// Callers hold s.mu. Without a DB it only forgets the change marks.
func (s *Server) flush() {
	st := s.st
	if s.db == nil {
		clear(st.dirtyUsers)
		clear(st.dirtyProvs)
		clear(st.dirtyToks)
		return
	}
	if len(st.dirtyUsers)+len(st.dirtyProvs)+len(st.dirtyToks) == 0 {
		return
	}
	if err := s.writeDirty(); err != nil {
		s.logf("sandbox: writing %s: %v", s.cfg.DB, err)
		return
	}
	clear(st.dirtyUsers)
	clear(st.dirtyProvs)
	clear(st.dirtyToks)
}

func (s *Server) writeDirty() error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	for id := range s.st.dirtyUsers {
		u := s.st.users[id]
		if u == nil {
			if _, err := tx.Exec("DELETE FROM users WHERE id = ?", id); err != nil {
				return err
			}
			continue
		}
		raw, err := json.Marshal(u)
		if err != nil {
			return err
		}
		un, en, _ := userKeys(u.Doc)
		if _, err := tx.Exec(`INSERT INTO users(id, employee_number, user_name, doc) VALUES(?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET employee_number = excluded.employee_number, user_name = excluded.user_name, doc = excluded.doc`,
			id, en, un, string(raw)); err != nil {
			return err
		}
	}
	for id := range s.st.dirtyProvs {
		p := s.st.provisions[id]
		if p == nil {
			if _, err := tx.Exec("DELETE FROM provisions WHERE id = ?", id); err != nil {
				return err
			}
			continue
		}
		raw, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if _, err := tx.Exec("INSERT INTO provisions(id, status) VALUES(?, ?) ON CONFLICT(id) DO UPDATE SET status = excluded.status", id, string(raw)); err != nil {
			return err
		}
	}
	for h := range s.st.dirtyToks {
		rec, ok := s.st.refresh[h]
		if !ok {
			if _, err := tx.Exec("DELETE FROM refresh_tokens WHERE hash = ?", h); err != nil {
				return err
			}
			continue
		}
		raw, _ := json.Marshal(rec)
		if _, err := tx.Exec("INSERT INTO refresh_tokens(hash, rec) VALUES(?, ?) ON CONFLICT(hash) DO UPDATE SET rec = excluded.rec", h, string(raw)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (s *Server) closeDB() error {
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	if err != nil {
		return fmt.Errorf("sandbox: closing %s: %w", s.cfg.DB, err)
	}
	return nil
}

func (s *Server) logf(format string, a ...any) {
	if s.cfg.Log == nil {
		return
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	fmt.Fprintf(s.cfg.Log, format+"\n", a...)
}
