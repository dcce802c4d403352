package journal

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Request is one Bulk request sent (or about to be sent) to the target.
type Request struct {
	ID                  int64
	Phase, Round        int
	Ops, Bytes          int
	State               string // RequestSending, RequestSent, RequestInDoubt, RequestFailed, RequestDone
	ProvisionID         string
	CorrelationID       string
	HTTPStatus          int
	Attempts            int
	Message             string
	Created, Sent, Done time.Time
}

// BeginRequest records r and its operations before r is sent, in one
// transaction: r is inserted in state sending (r.ID, r.State and r.Created
// are set; r.Ops defaults to len(ops)), and each op is upserted as given
// except that it is in state sending, in request r.ID at its position in
// ops, with one attempt more than stored (ops[i] is updated to match). Every
// op must be of r's phase.
func (j *Journal) BeginRequest(r *Request, ops []Op) error {
	for i := range ops {
		o := ops[i]
		o.State = OpSending
		if err := checkOp(&o); err != nil {
			return fmt.Errorf("journal %s: begin request: %w", j.path, err)
		}
		if o.Phase != r.Phase {
			return fmt.Errorf("journal %s: begin request: operation %d/%s is not of the request's phase %d", j.path, o.Phase, o.Employee, r.Phase)
		}
	}
	t := now()
	nops := r.Ops
	if nops == 0 {
		nops = len(ops)
	}
	var id int64
	attempts := make([]int, len(ops))
	err := j.write("begin request", func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO requests (phase, round, ops, bytes, state, provision_id, correlation_id, http_status, attempts, message, created)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Phase, r.Round, nops, r.Bytes, RequestSending, str(r.ProvisionID), str(r.CorrelationID), num(r.HTTPStatus),
			r.Attempts, str(r.Message), ts(t))
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		st, err := tx.Prepare(upsertOp(true))
		if err != nil {
			return err
		}
		defer st.Close()
		for i, o := range ops {
			o.State, o.RequestID, o.Index, o.Attempts, o.Updated = OpSending, id, i, 1, t
			if _, err := st.Exec(opArgs(&o)...); err != nil {
				return fmt.Errorf("operation %d/%s: %w", o.Phase, o.Employee, err)
			}
		}
		// One query for the attempts beats RETURNING on every upsert.
		rows, err := tx.Query(`SELECT idx, attempts FROM ops WHERE request_id = ?`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var i, a int
			if err := rows.Scan(&i, &a); err != nil {
				return err
			}
			if i >= 0 && i < len(attempts) {
				attempts[i] = a
				n++
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if n != len(ops) {
			return fmt.Errorf("%d operations of the request were written, %d read back: an employee is twice in it", len(ops), n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.ID, r.State, r.Created, r.Ops = id, RequestSending, t, nops
	for i := range ops {
		ops[i].State, ops[i].RequestID, ops[i].Index, ops[i].Attempts, ops[i].Updated = OpSending, id, i, attempts[i], t
	}
	return nil
}

// MarkSent records that the target accepted request reqID: the request
// becomes sent with its HTTP status, provision id, correlation id and HTTP
// attempts, and its operations still in sending become sent.
func (j *Journal) MarkSent(reqID int64, httpStatus int, provisionID, correlationID string, attempts int) error {
	t := now()
	return j.write(fmt.Sprintf("mark request %d sent", reqID), func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE requests SET state = ?, http_status = ?, provision_id = ?, correlation_id = ?,
			attempts = ?, sent = ? WHERE id = ?`,
			RequestSent, num(httpStatus), str(provisionID), str(correlationID), attempts, ts(t), reqID)
		if err := affected(res, err); err != nil {
			return err
		}
		_, err = tx.Exec(`UPDATE ops SET state = ?, updated = ? WHERE request_id = ? AND state = ?`,
			OpSent, ts(t), reqID, OpSending)
		return err
	})
}

// MarkRequest sets the state of request reqID with its message; httpStatus
// 0 keeps the stored status. Failed and done set its Done time. With
// opState != "", its operations still in sending or sent take opState and
// the message; operations with an outcome already are left alone.
func (j *Journal) MarkRequest(reqID int64, state string, httpStatus int, message, opState string) error {
	if err := oneOf("request state", state, requestStates); err != nil {
		return fmt.Errorf("journal %s: mark request %d: %w", j.path, reqID, err)
	}
	if opState != "" {
		if err := oneOf("operation state", opState, opStates); err != nil {
			return fmt.Errorf("journal %s: mark request %d: %w", j.path, reqID, err)
		}
	}
	t := now()
	var done any
	if state == RequestFailed || state == RequestDone {
		done = ts(t)
	}
	return j.write(fmt.Sprintf("mark request %d %s", reqID, state), func(tx *sql.Tx) error {
		res, err := tx.Exec(`UPDATE requests SET state = ?, http_status = coalesce(?, http_status), message = ?, done = ?
			WHERE id = ?`, state, num(httpStatus), str(message), done, reqID)
		if err := affected(res, err); err != nil {
			return err
		}
		if opState == "" {
			return nil
		}
		_, err = tx.Exec(`UPDATE ops SET state = ?, message = ?, updated = ? WHERE request_id = ? AND state IN (?, ?)`,
			opState, str(message), ts(t), reqID, OpSending, OpSent)
		return err
	})
}

func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err == nil && n == 0 {
		err = fmt.Errorf("no such request: %w", ErrNotFound)
	}
	return err
}

const requestCols = `id, phase, round, ops, bytes, state, coalesce(provision_id, ''), coalesce(correlation_id, ''),
	coalesce(http_status, 0), attempts, coalesce(message, ''), created, coalesce(sent, ''), coalesce(done, '')`

// Requests returns the requests in the given states (all when none is
// given), by ID.
func (j *Journal) Requests(states ...string) ([]Request, error) {
	q := `SELECT ` + requestCols + ` FROM requests`
	args := make([]any, len(states))
	if len(states) > 0 {
		q += ` WHERE state IN (?` + strings.Repeat(", ?", len(states)-1) + `)`
		for i, s := range states {
			args[i] = s
		}
	}
	rows, err := j.db.Query(q+` ORDER BY id`, args...)
	if err != nil {
		return nil, j.errf("read requests", err)
	}
	defer rows.Close()
	var out []Request
	for rows.Next() {
		r, err := scanRequest(rows)
		if err != nil {
			return nil, j.errf("read requests", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, j.errf("read requests", err)
	}
	return out, nil
}

// Request returns request id; a missing one is an error wrapping ErrNotFound.
func (j *Journal) Request(id int64) (Request, error) {
	r, err := scanRequest(j.db.QueryRow(`SELECT `+requestCols+` FROM requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = fmt.Errorf("no such request: %w", ErrNotFound)
	}
	if err != nil {
		return Request{}, j.errf(fmt.Sprintf("read request %d", id), err)
	}
	return r, nil
}

func scanRequest(s interface{ Scan(...any) error }) (Request, error) {
	var r Request
	var created, sent, done string
	err := s.Scan(&r.ID, &r.Phase, &r.Round, &r.Ops, &r.Bytes, &r.State, &r.ProvisionID, &r.CorrelationID,
		&r.HTTPStatus, &r.Attempts, &r.Message, &created, &sent, &done)
	if err != nil {
		return r, err
	}
	if r.Created, err = parseTS(created); err != nil {
		return r, err
	}
	if r.Sent, err = parseTS(sent); err != nil {
		return r, err
	}
	r.Done, err = parseTS(done)
	return r, err
}
