package journal

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
)

// These reads and writes serve a submission that does not hold a million
// operations or records in memory: it asks for the operations of a chunk
// of employees, and reads or writes the rest row by row.

// inBatch bounds the employees of one IN list.
const inBatch = 500

// OpsOf returns the operations of a phase whose employee is one of emps,
// read like OpsBrief (the outcome details of final operations left out),
// through the primary key.
func (j *Journal) OpsOf(phase int, emps []string) ([]Op, error) {
	var out []Op
	for lo := 0; lo < len(emps); lo += inBatch {
		part := emps[lo:min(lo+inBatch, len(emps))]
		args := make([]any, 0, len(part)+1)
		args = append(args, phase)
		for _, e := range part {
			args = append(args, e)
		}
		where := `phase = ? AND employee IN (?` + strings.Repeat(", ?", len(part)-1) + `)`
		ops, err := j.opsCols(fmt.Sprintf("read operations of phase %d", phase), briefCols(), where, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, ops...)
	}
	return out, nil
}

// EachOp calls fn with every operation, ordered by phase and employee,
// read whole (as Ops reads them). The Op is fn's only during the call; fn
// must not use the journal.
func (j *Journal) EachOp(fn func(op *Op) error) error {
	return j.eachOp(opSelect, fn)
}

// EachOpFailing calls fn with every operation, ordered by phase and
// employee, read like OpsFailing (extension results only where one
// failed). The Op is fn's only during the call; fn must not use the
// journal.
func (j *Journal) EachOpFailing(fn func(op *Op) error) error {
	return j.eachOp(strings.Replace(opSelect, `coalesce(extensions, '')`,
		`CASE WHEN instr(extensions, '"error"') > 0 OR instr(extensions, '"not-processed"') > 0 THEN extensions ELSE '' END`, 1), fn)
}

// eachOp reads every operation with cols (opSelect's columns or
// expressions in its order), row by row.
func (j *Journal) eachOp(cols string, fn func(op *Op) error) error {
	const what = "read operations"
	rows, err := j.db.Query(`SELECT ` + cols + ` FROM ops ORDER BY phase, employee`)
	if err != nil {
		return j.errf(what, err)
	}
	defer rows.Close()
	for rows.Next() {
		var o Op
		var ext, msgs, updated string
		if err := rows.Scan(&o.Phase, &o.Employee, &o.Method, &o.Path, &o.Kind, &o.State, &o.Attempts, &o.RequestID,
			&o.Index, &o.UserID, &o.Code, &o.Message, &ext, &msgs, &updated); err != nil {
			return j.errf(what, err)
		}
		o.Extensions, o.Messages = rawOf(ext), rawOf(msgs)
		if o.Updated, err = parseTS(updated); err != nil {
			return j.errf(what, err)
		}
		if err := fn(&o); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return j.errf(what, err)
	}
	return nil
}

// EachUser calls fn with every user, ordered by employee number; fn must
// not use the journal.
func (j *Journal) EachUser(fn func(u *User) error) error {
	rows, err := j.db.Query(`SELECT employee_number, id, coalesce(user_name, ''), source, updated FROM users ORDER BY employee_number`)
	if err != nil {
		return j.errf("read users", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u User
		var updated string
		if err := rows.Scan(&u.EmployeeNumber, &u.ID, &u.UserName, &u.Source, &updated); err != nil {
			return j.errf("read users", err)
		}
		if u.Updated, err = parseTS(updated); err != nil {
			return j.errf("read users", err)
		}
		if err := fn(&u); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return j.errf("read users", err)
	}
	return nil
}

// PutRecordsFrom replaces every stored record with those each yields, in
// one transaction, like PutRecords: each calls put once per record, in
// order, and returns put's first error.
func (j *Journal) PutRecordsFrom(each func(put func(r *Record) error) error) error {
	return j.write("write records", func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM records`); err != nil {
			return err
		}
		st, err := tx.Prepare(`INSERT INTO records (file, line, type, employee, state, reason, messages) VALUES (?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		return each(func(r *Record) error {
			if err := oneOf("record state", r.State, recordStates); err != nil {
				return fmt.Errorf("%s:%d: %w", r.File, r.Line, err)
			}
			if len(r.Messages) > 0 && !json.Valid(r.Messages) {
				return fmt.Errorf("%s:%d: messages are not JSON", r.File, r.Line)
			}
			if _, err := st.Exec(r.File, r.Line, r.Type, str(r.Employee), r.State, str(r.Reason), raw(r.Messages)); err != nil {
				return fmt.Errorf("record %s:%d: %w", r.File, r.Line, err)
			}
			return nil
		})
	})
}
