package journal

import (
	"database/sql"
	"fmt"
)

// Complete records the outcome of request reqID in one transaction: its
// operations as given (upserted like PutOps), the users it created or found
// (like PutUsers) and the request done with message. One sync instead of
// three: it runs once per request.
func (j *Journal) Complete(reqID int64, ops []Op, users []User, message string) error {
	for i := range ops {
		o := ops[i]
		if o.State == "" {
			o.State = OpPlanned
		}
		if err := checkOp(&o); err != nil {
			return fmt.Errorf("journal %s: complete request %d: %w", j.path, reqID, err)
		}
	}
	for _, u := range users {
		if u.EmployeeNumber == "" || u.ID == "" {
			return fmt.Errorf("journal %s: complete request %d: a user needs an employee number and an id (got %q, %q)", j.path, reqID, u.EmployeeNumber, u.ID)
		}
		if err := oneOf("user source", u.Source, sources); err != nil {
			return fmt.Errorf("journal %s: complete request %d: %s: %w", j.path, reqID, u.EmployeeNumber, err)
		}
	}
	t := now()
	return j.write(fmt.Sprintf("complete request %d", reqID), func(tx *sql.Tx) error {
		if err := putOps(tx, ops, t); err != nil {
			return err
		}
		if err := putUsers(tx, users, t); err != nil {
			return err
		}
		res, err := tx.Exec(`UPDATE requests SET state = ?, message = ?, done = ? WHERE id = ?`,
			RequestDone, str(message), ts(t), reqID)
		return affected(res, err)
	})
}
