package mapping

import (
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// A run too large for one Engine is split by employee over several: the
// records of one employee (and of the employees coupled with it by a
// rename, a shared login or a reference to a renamed employee) go to one
// engine, in input order. This file holds what such a split needs from
// the engine: the keys that route a record (Keys), the first record of
// each change set (Heads), and the sum of what engines counted while
// adding records (Absorb). Options.InRun tells an engine about the
// employees the other engines hold.

// RecordKeys are the values of a record that couple it with other
// records: its employee, the employee's new ID (a 320), the logins it
// gives, and the employees it refers to. Keys fills them.
type RecordKeys struct {
	// Key is the Employee ID Add files the record under ("" for a record
	// without one: a settings record, or a record rejected for its key).
	Key string
	// NewKey is the new Employee ID of a rename ("" when none, or when it
	// is Key).
	NewKey string
	// Logins are the logins (userName) the record gives, converted as Add
	// converts them, the new login of a 320 included. Compare them
	// ignoring case.
	Logins []string
	// Refs are the employees the record refers to (approvers, managers,
	// delegates), as given.
	Refs []string
}

// Keys fills k with the keys of rec, read from the same rows, trimmed and
// checked as Add reads them, without mapping the record: Key is the key
// Add gives the record. It is cheap (no value is converted but logins)
// and keeps nothing of rec; k's slices are reused.
func (e *Engine) Keys(rec *model.Record, k *RecordKeys) {
	k.Key, k.NewKey = "", ""
	k.Logins, k.Refs = k.Logins[:0], k.Refs[:0]
	if rec == nil {
		return
	}
	t := e.table(rec)
	if t == nil {
		return
	}
	tc := t.c
	if len(tc.keys) == 0 {
		return // a settings record: Add files it under no employee
	}
	login := loginTarget()
	if tc.numbered {
		if len(rec.Values) > len(tc.rows) {
			return // rejected before any field is read
		}
		for _, i := range tc.keyIdx {
			if i >= len(rec.Values) {
				break
			}
			if raw := rec.Values[i]; raw != "" {
				e.keyField(k, &tc.rows[i], raw, login)
			}
		}
	} else {
		for i, raw := range rec.Values {
			if i >= len(rec.Keys) {
				break
			}
			if raw == "" {
				continue
			}
			if cr := tc.lookup(rec.Keys[i]); cr != nil {
				e.keyField(k, cr, raw, login)
			}
		}
	}
	if k.NewKey == k.Key {
		k.NewKey = ""
	}
}

// readsKey reports whether Keys reads the field of row cr: a key, a new
// key, a reference, a new login, or a login set (login is the target of
// userName).
func readsKey(cr *crow, login int32) bool {
	switch cr.op {
	case opKey, opNewEmployeeID, opRef, opNewLogin:
		return true
	case opSet:
		return login >= 0 && cr.target == login
	}
	return false
}

// loginTarget is the fold target of userName (-1 while no table maps it).
func loginTarget() int32 { return lookupTarget(model.SchemaCore + ":userName") }

// keyField reads one value as field does, for its keys only.
func (e *Engine) keyField(k *RecordKeys, cr *crow, raw string, login int32) {
	if !readsKey(cr, login) {
		return
	}
	v := trim(raw)
	if v == "" {
		return
	}
	if cr.maxLen > 0 && len(v) > cr.maxLen && cr.op != opSet && utf8.RuneCountInString(v) > cr.maxLen {
		return // field rejects the record without reading the value
	}
	switch cr.op {
	case opKey:
		if k.Key == "" && !spreadsheetNumber(v) {
			k.Key = v
		}
	case opNewEmployeeID:
		if !spreadsheetNumber(v) {
			k.NewKey = v
		}
	case opRef:
		if !spreadsheetNumber(v) {
			k.Refs = append(k.Refs, v)
		}
	case opNewLogin:
		if s, err := cr.conv(v, 0); err == nil {
			k.Logins = append(k.Logins, s)
		}
	case opSet:
		if s, err := cr.conv(v, cr.cf|e.cf); err == nil {
			k.Logins = append(k.Logins, s)
		}
	}
}

// Heads returns, for each change set the last Finish returned, in the same
// order, the index (in Add order, from 0) of its first record: the record
// that put the employee in the run, by which change sets are ordered.
func (e *Engine) Heads() []int {
	heads := make([]int, 0, e.cs.n)
	seen := make(map[string]bool, e.cs.n)
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		if !c.active() || seen[c.final] {
			continue
		}
		seen[c.final] = true
		heads = append(heads, int(i))
	}
	return heads
}

// Absorb adds what o counted while adding its records to what e counted:
// the records refused per table (Refused) and the slash dates per file
// (DateHints), so that an engine that added no record reports for all the
// engines of a split run. e and o map through the same Set; the first of
// the dates only in the other order is the one on the earliest line.
func (e *Engine) Absorb(o *Engine) {
	for t, r := range o.refused {
		if e.refused == nil {
			e.refused = map[*Table]*refusal{}
		}
		mine := e.refused[t]
		if mine == nil {
			mine = &refusal{rows: map[uint16]bool{}}
			e.refused[t] = mine
		}
		mine.records += r.records
		for row := range r.rows {
			mine.rows[row] = true
		}
	}
	for _, d := range o.dates {
		var mine *dateStats
		for _, m := range e.dates {
			if m.file == d.file {
				mine = m
				break
			}
		}
		if mine == nil {
			mine = &dateStats{file: d.file}
			e.dates = append(e.dates, mine)
		}
		mine.n += d.n
		mine.bad += d.bad
		if d.only > 0 && (mine.only == 0 || d.first.Line < mine.first.Line) {
			mine.first, mine.value = d.first, d.value
		}
		mine.only += d.only
	}
}
