package journal

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// Op is the state of one planned operation; (Phase, Employee) is its key.
type Op struct {
	Phase              int
	Employee           string // the employee the plan names (the old ID for a phase-0 rename)
	Method, Path, Kind string // Kind: rename, create, update, replace, refs
	State              string // OpPlanned … OpSkipped; "" is OpPlanned in PutOps
	Attempts           int    // how many requests it was put into
	RequestID          int64  // its latest request; 0 when never sent
	Index              int    // its position in that request
	UserID             string
	Code               string          // HTTP status of the operation ("201")
	Message            string          // one line: why it failed or is in doubt
	Extensions         json.RawMessage // opaque JSON (per-extension results); nil allowed
	Messages           json.RawMessage // opaque JSON; nil allowed
	Updated            time.Time       // set by every write
}

const opColumns = `phase, employee, method, path, kind, state, attempts, request_id, idx, user_id, code, message, extensions, messages, updated`

// upsertOp writes every column; BeginRequest counts attempts up instead.
func upsertOp(begin bool) string {
	attempts := "excluded.attempts"
	if begin {
		attempts = "ops.attempts + 1"
	}
	return `INSERT INTO ops (` + opColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (phase, employee) DO UPDATE SET method = excluded.method, path = excluded.path, kind = excluded.kind,
		state = excluded.state, attempts = ` + attempts + `, request_id = excluded.request_id, idx = excluded.idx,
		user_id = excluded.user_id, code = excluded.code, message = excluded.message,
		extensions = excluded.extensions, messages = excluded.messages, updated = excluded.updated `
}

func opArgs(o *Op) []any {
	var idx any
	if o.RequestID != 0 {
		idx = o.Index
	}
	return []any{o.Phase, o.Employee, o.Method, o.Path, o.Kind, o.State, o.Attempts, num(o.RequestID), idx,
		str(o.UserID), str(o.Code), str(o.Message), raw(o.Extensions), raw(o.Messages), ts(o.Updated)}
}

func checkOp(o *Op) error {
	if o.Employee == "" {
		return fmt.Errorf("operation of phase %d without an employee", o.Phase)
	}
	if err := oneOf("operation state", o.State, opStates); err != nil {
		return fmt.Errorf("operation %d/%s: %w", o.Phase, o.Employee, err)
	}
	for _, b := range []json.RawMessage{o.Extensions, o.Messages} {
		if len(b) > 0 && !json.Valid(b) {
			return fmt.Errorf("operation %d/%s: extensions or messages are not JSON", o.Phase, o.Employee)
		}
	}
	return nil
}

// PutOps upserts ops, every column as given, in one transaction; an empty
// State is OpPlanned. Their Updated times are set.
func (j *Journal) PutOps(ops []Op) error {
	t := now()
	for i := range ops {
		o := ops[i]
		if o.State == "" {
			o.State = OpPlanned
		}
		if err := checkOp(&o); err != nil {
			return fmt.Errorf("journal %s: write operations: %w", j.path, err)
		}
	}
	err := j.write("write operations", func(tx *sql.Tx) error { return putOps(tx, ops, t) })
	if err != nil {
		return err
	}
	for i := range ops {
		if ops[i].State == "" {
			ops[i].State = OpPlanned
		}
		ops[i].Updated = t
	}
	return nil
}

func putOps(tx *sql.Tx, ops []Op, t time.Time) error {
	st, err := tx.Prepare(upsertOp(false))
	if err != nil {
		return err
	}
	defer st.Close()
	for _, o := range ops {
		if o.State == "" {
			o.State = OpPlanned
		}
		o.Updated = t
		if _, err := st.Exec(opArgs(&o)...); err != nil {
			return fmt.Errorf("operation %d/%s: %w", o.Phase, o.Employee, err)
		}
	}
	return nil
}

// Ops returns the operations of a phase (all when phase < 0), ordered by
// phase and employee.
func (j *Journal) Ops(phase int) ([]Op, error) {
	if phase < 0 {
		return j.ops("read operations", `1 ORDER BY phase, employee`)
	}
	return j.ops("read operations", `phase = ? ORDER BY employee`, phase)
}

// OpsOfRequest returns the operations whose latest request is reqID, in
// their order in it.
func (j *Journal) OpsOfRequest(reqID int64) ([]Op, error) {
	return j.ops(fmt.Sprintf("read the operations of request %d", reqID), `request_id = ? ORDER BY idx`, reqID)
}

// opSelect reads every column of an operation, in scan order.
const opSelect = `phase, employee, method, path, kind, state, attempts, coalesce(request_id, 0),
	coalesce(idx, 0), coalesce(user_id, ''), coalesce(code, ''), coalesce(message, ''), coalesce(extensions, ''),
	coalesce(messages, ''), updated`

func (j *Journal) ops(what, where string, args ...any) ([]Op, error) {
	return j.opsCols(what, opSelect, where, args...)
}

// opsCols reads operations with cols, opSelect's columns or expressions
// standing for them.
func (j *Journal) opsCols(what, cols, where string, args ...any) ([]Op, error) {
	rows, err := j.db.Query(`SELECT `+cols+` FROM ops WHERE `+where, args...)
	if err != nil {
		return nil, j.errf(what, err)
	}
	defer rows.Close()
	var out []Op
	for rows.Next() {
		var o Op
		var ext, msgs, updated string
		if err := rows.Scan(&o.Phase, &o.Employee, &o.Method, &o.Path, &o.Kind, &o.State, &o.Attempts, &o.RequestID,
			&o.Index, &o.UserID, &o.Code, &o.Message, &ext, &msgs, &updated); err != nil {
			return nil, j.errf(what, err)
		}
		o.Extensions, o.Messages = rawOf(ext), rawOf(msgs)
		if o.Updated, err = parseTS(updated); err != nil {
			return nil, j.errf(what, err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, j.errf(what, err)
	}
	return out, nil
}

// User maps an employee to the user's UUID in the target.
type User struct {
	EmployeeNumber, ID, UserName string
	Source                       string // SourceCreated, SourceLookup, SourceDirectory
	Updated                      time.Time
}

// PutUsers upserts users by EmployeeNumber in one transaction.
func (j *Journal) PutUsers(users []User) error {
	for _, u := range users {
		if u.EmployeeNumber == "" || u.ID == "" {
			return fmt.Errorf("journal %s: write users: a user needs an employee number and an id (got %q, %q)", j.path, u.EmployeeNumber, u.ID)
		}
		if err := oneOf("user source", u.Source, sources); err != nil {
			return fmt.Errorf("journal %s: write users: %s: %w", j.path, u.EmployeeNumber, err)
		}
	}
	t := now()
	err := j.write("write users", func(tx *sql.Tx) error { return putUsers(tx, users, t) })
	if err != nil {
		return err
	}
	for i := range users {
		users[i].Updated = t
	}
	return nil
}

func putUsers(tx *sql.Tx, users []User, t time.Time) error {
	st, err := tx.Prepare(`INSERT INTO users (employee_number, id, user_name, source, updated) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (employee_number) DO UPDATE SET id = excluded.id, user_name = excluded.user_name,
			source = excluded.source, updated = excluded.updated`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, u := range users {
		if _, err := st.Exec(u.EmployeeNumber, u.ID, str(u.UserName), u.Source, ts(t)); err != nil {
			return fmt.Errorf("user %s: %w", u.EmployeeNumber, err)
		}
	}
	return nil
}

// Users returns every user, ordered by employee number.
func (j *Journal) Users() ([]User, error) {
	rows, err := j.db.Query(`SELECT employee_number, id, coalesce(user_name, ''), source, updated FROM users ORDER BY employee_number`)
	if err != nil {
		return nil, j.errf("read users", err)
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		var u User
		var updated string
		if err := rows.Scan(&u.EmployeeNumber, &u.ID, &u.UserName, &u.Source, &updated); err != nil {
			return nil, j.errf("read users", err)
		}
		if u.Updated, err = parseTS(updated); err != nil {
			return nil, j.errf("read users", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, j.errf("read users", err)
	}
	return out, nil
}

// Record is the final state of one input record.
type Record struct {
	File     string
	Line     int
	Type     string
	Employee string
	State    string          // RecordSuccess … RecordPending
	Reason   string          // one line: why (target message, rejection reason)
	Messages json.RawMessage // opaque JSON
}

// PutRecords replaces every stored record with recs, in one transaction.
func (j *Journal) PutRecords(recs []Record) error {
	return j.PutRecordsFrom(func(put func(r *Record) error) error {
		for i := range recs {
			if err := put(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// Records returns the records ordered by file and line (then as written).
func (j *Journal) Records() ([]Record, error) {
	rows, err := j.db.Query(`SELECT file, line, type, coalesce(employee, ''), state, coalesce(reason, ''), coalesce(messages, '')
		FROM records ORDER BY file, line, rowid`)
	if err != nil {
		return nil, j.errf("read records", err)
	}
	defer rows.Close()
	var out []Record
	for rows.Next() {
		var r Record
		var msgs string
		if err := rows.Scan(&r.File, &r.Line, &r.Type, &r.Employee, &r.State, &r.Reason, &msgs); err != nil {
			return nil, j.errf("read records", err)
		}
		r.Messages = rawOf(msgs)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, j.errf("read records", err)
	}
	return out, nil
}
