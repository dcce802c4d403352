package journal

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Meta describes the run the journal belongs to.
type Meta struct {
	ToolVersion string
	InputHash   string // hash of the inputs, mapping and convert options (migrate); "" when unknown (submit)
	PlanHash    string // sha256 of DIR/plan.jsonl
	Target      string // base URL, or "sandbox"
	Flavor      string // ups | scim
	Company     string
	// Created is kept from the stored meta when zero; Updated is the time
	// of SetMeta when zero.
	Created, Updated time.Time
}

// Meta returns the stored run description; ok is false for a new journal.
func (j *Journal) Meta() (m Meta, ok bool, err error) {
	var created, updated string
	err = j.db.QueryRow(`SELECT tool_version, coalesce(input_hash, ''), coalesce(plan_hash, ''),
		coalesce(target, ''), coalesce(flavor, ''), coalesce(company, ''), created, updated
		FROM run WHERE id = 1`).Scan(&m.ToolVersion, &m.InputHash, &m.PlanHash, &m.Target, &m.Flavor, &m.Company, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return Meta{}, false, nil
	}
	if err == nil {
		if m.Created, err = parseTS(created); err == nil {
			m.Updated, err = parseTS(updated)
		}
	}
	if err != nil {
		return Meta{}, false, j.errf("read the run", err)
	}
	return m, true, nil
}

// SetMeta stores the run description, replacing the previous one (its
// creation time stays unless m.Created is set).
func (j *Journal) SetMeta(m Meta) error {
	t := now()
	if m.Updated.IsZero() {
		m.Updated = t
	}
	created := m.Created
	if created.IsZero() {
		created = t
	}
	return j.write("write the run", func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO run (id, tool_version, input_hash, plan_hash, target, flavor, company, created, updated)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET tool_version = excluded.tool_version, input_hash = excluded.input_hash,
				plan_hash = excluded.plan_hash, target = excluded.target, flavor = excluded.flavor,
				company = excluded.company, updated = excluded.updated,
				created = CASE WHEN ? THEN excluded.created ELSE run.created END`,
			m.ToolVersion, str(m.InputHash), str(m.PlanHash), str(m.Target), str(m.Flavor), str(m.Company),
			ts(created), ts(m.Updated), !m.Created.IsZero())
		return err
	})
}

// Change is one difference found by Check.
type Change struct {
	Field    string // "target", "flavor", "plan", "inputs"
	Old, New string
}

// ChangedError is the error of Check: the journal belongs to a run with
// other inputs, plan or target.
type ChangedError struct {
	Path    string // DIR/journal.db
	Changes []Change
}

func (e *ChangedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "journal %s belongs to another run: ", e.Path)
	for i, c := range e.Changes {
		if i > 0 {
			b.WriteString(", and ")
		}
		old, new := c.Old, c.New
		if c.Field == "plan" || c.Field == "inputs" {
			fmt.Fprintf(&b, "the %s changed (hash %s, was %s)", c.Field, short(new), short(old))
			continue
		}
		fmt.Fprintf(&b, "the %s changed from %s to %s", c.Field, old, new)
	}
	fmt.Fprintf(&b, "; use a new --out directory, or remove %s to start over", e.Path)
	return b.String()
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Check compares m with the stored meta. A non-empty Target, Flavor,
// PlanHash or InputHash of m that differs from a non-empty stored one is a
// *ChangedError listing every such difference (targets compare without a
// trailing slash). A new journal passes.
func (j *Journal) Check(m Meta) error {
	old, ok, err := j.Meta()
	if err != nil || !ok {
		return err
	}
	e := &ChangedError{Path: filepath.Clean(j.path)}
	for _, f := range []struct{ name, old, new string }{
		{"target", strings.TrimRight(old.Target, "/"), strings.TrimRight(m.Target, "/")},
		{"flavor", old.Flavor, m.Flavor},
		{"plan", old.PlanHash, m.PlanHash},
		{"inputs", old.InputHash, m.InputHash},
	} {
		if f.old != "" && f.new != "" && f.old != f.new {
			e.Changes = append(e.Changes, Change{Field: f.name, Old: f.old, New: f.new})
		}
	}
	if len(e.Changes) > 0 {
		return e
	}
	return nil
}
