package journal

import (
	"fmt"
	"slices"
	"strings"
)

// These reads serve submit between rounds, where a journal of a million
// employees makes a full read of a phase cost seconds: they answer from
// the index on (phase, state) or leave out what is not needed.

// OpCounts counts the operations of a phase per state (every phase when
// phase < 0). It reads only the index on (phase, state).
func (j *Journal) OpCounts(phase int) (map[string]int, error) {
	q, args := `SELECT state, count(*) FROM ops GROUP BY state`, []any(nil)
	if phase >= 0 {
		q, args = `SELECT state, count(*) FROM ops WHERE phase = ? GROUP BY state`, []any{phase}
	}
	rows, err := j.db.Query(q, args...)
	if err != nil {
		return nil, j.errf("count operations", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, j.errf("count operations", err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		return nil, j.errf("count operations", err)
	}
	return out, nil
}

// OpsIn returns the operations of a phase that are in one of the given
// states, ordered by employee, found through the index on (phase, state).
func (j *Journal) OpsIn(phase int, states ...string) ([]Op, error) {
	if len(states) == 0 {
		return nil, nil
	}
	args := []any{phase}
	for _, s := range states {
		args = append(args, s)
	}
	// No ORDER BY: the planner would walk the primary key, every
	// operation of the phase, to save sorting the few it finds.
	where := `phase = ? AND state IN (?` + strings.Repeat(", ?", len(states)-1) + `)`
	ops, err := j.ops(fmt.Sprintf("read the operations of phase %d in %s", phase, strings.Join(states, ", ")), where, args...)
	slices.SortFunc(ops, func(a, b Op) int { return strings.Compare(a.Employee, b.Employee) })
	return ops, err
}

// OpsBrief returns the operations of a phase (all when phase < 0), ordered
// by phase and employee, like Ops, except that the outcome details of
// final operations (success, partial, failed, skipped) are not read:
// their Extensions and Messages are nil. Every column of an operation
// that is not final is read, so that it can be written back whole.
func (j *Journal) OpsBrief(phase int) ([]Op, error) {
	cols := briefCols()
	if phase < 0 {
		return j.opsCols("read operations", cols, `1 ORDER BY phase, employee`)
	}
	return j.opsCols("read operations", cols, `phase = ? ORDER BY employee`, phase)
}

// briefCols are OpsBrief's columns: those of an operation, with the
// outcome details of final operations left out.
func briefCols() string {
	brief := `CASE WHEN state IN ('` + OpSuccess + `', '` + OpPartial + `', '` + OpFailed + `', '` + OpSkipped + `') THEN '' ELSE coalesce(%s, '') END`
	return `phase, employee, method, path, kind, state, attempts, coalesce(request_id, 0), coalesce(idx, 0),
		coalesce(user_id, ''), coalesce(code, ''), coalesce(message, ''), ` +
		fmt.Sprintf(brief, "extensions") + `, ` + fmt.Sprintf(brief, "messages") + `, updated`
}

// OpsFailing returns the operations of a phase (all when phase < 0), like
// Ops, except that Extensions is read only where it holds an "error" or a
// "not-processed" result: the results that say an extension failed or was
// not sent, which are all an outcome needs of them. A run of a million
// employees reads its 2M operations once at the end; most of their
// extension results are successes that need not be copied.
func (j *Journal) OpsFailing(phase int) ([]Op, error) {
	cols := strings.Replace(opSelect, `coalesce(extensions, '')`,
		`CASE WHEN instr(extensions, '"error"') > 0 OR instr(extensions, '"not-processed"') > 0 THEN extensions ELSE '' END`, 1)
	if phase < 0 {
		return j.opsCols("read operations", cols, `1 ORDER BY phase, employee`)
	}
	return j.opsCols("read operations", cols, `phase = ? ORDER BY employee`, phase)
}

// HasRequests reports whether any request of the phase was ever begun.
func (j *Journal) HasRequests(phase int) (bool, error) {
	var n int
	if err := j.db.QueryRow(`SELECT EXISTS (SELECT 1 FROM requests WHERE phase = ?)`, phase).Scan(&n); err != nil {
		return false, j.errf("read requests", err)
	}
	return n == 1, nil
}
