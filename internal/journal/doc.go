// Package journal is the SQLite journal of a migration run, DIR/journal.db.
//
// Submit writes it before and after every network step, each write one
// committed transaction (WAL, synchronous=NORMAL: a commit is in the
// kernel's hands when the call returns, so it survives kill -9 and any
// crash of the process; the WAL is synced at checkpoints, so a power loss
// may undo the last commits, which the target's uniqueness of
// employeeNumber and userName then catches), so that after kill -9 at any
// moment a re-run resumes: finished work is not sent
// again, provisions in flight are polled, requests in doubt are settled by
// lookup. One process writes a run directory at a time: [Open] takes
// flock(2) on DIR/journal.lock, which holds the holder's pid, host, start
// time and command (program and subcommand only) as JSON; a second Open
// fails with a [*LockedError]. The kernel releases the lock when its holder
// dies. [OpenReadOnly] reads without the lock, while a run writes.
//
// The journal, its -wal and -shm files and the lock file are 0600: they hold
// personal data. No secret (token, client secret) is ever stored.
//
// The schema is plain tables meant to be read with the sqlite3 CLI as well:
// timestamps are TEXT in RFC 3339 UTC with milliseconds
// (2025-03-01T10:00:00.000Z, sortable as text), JSON is TEXT, and what is
// unknown is NULL. PRAGMA user_version is the schema version (1); a journal
// of a newer version is refused. `sqlite3 DIR/journal.db .schema` shows the
// tables with a comment on every column. SCHEMA.md holds the same as
// markdown, with example queries.
//
// # Table run
//
// The run the journal belongs to: one row (id 1). A re-run checks it
// ([Journal.Check]) so that a journal is never applied to another plan or
// target.
//
//   - `id`: always 1.
//   - `tool_version`: upsmigrate version that last described the run.
//   - `input_hash`: sha256 of the inputs, mapping and convert options (migrate); NULL when unknown (submit).
//   - `plan_hash`: sha256 of DIR/plan.jsonl.
//   - `target`: target base URL, or "sandbox".
//   - `flavor`: ups or scim.
//   - `company`: company id of the target.
//   - `created`: when the run started.
//   - `updated`: when the run description was last written.
//
// # Table requests
//
// One row per Bulk request, begun before it is sent.
//
//   - `id`: request number, in the order requests were begun.
//   - `phase`: plan phase: 0 renames, 1 identity, 2 references.
//   - `round`: round within the phase, as numbered by submit.
//   - `ops`: operations in the request.
//   - `bytes`: size of the request body in bytes.
//   - `state`: sending (begun; it may or may not have reached the target), sent (accepted), in-doubt (the answer was lost: settled by lookup, never re-sent blindly), failed, done (every operation has its outcome).
//   - `provision_id`: provision id the target answered (ups); NULL until accepted.
//   - `correlation_id`: correlation id of the HTTP exchange.
//   - `http_status`: HTTP status of the answer; NULL while none arrived.
//   - `attempts`: HTTP attempts it took, retries included.
//   - `message`: one line: why it failed or is in doubt.
//   - `created`: when it was begun, before sending.
//   - `sent`: when the target accepted it.
//   - `done`: when it became failed or done.
//
// # Table ops
//
// One row per planned operation, keyed by (phase, employee). An operation
// moves planned → sending → sent → success | partial | failed; in-doubt
// when its request's answer was lost; skipped when it need not be sent.
//
//   - `phase`: plan phase: 0 renames, 1 identity, 2 references.
//   - `employee`: employee id the plan names (the old id for a phase-0 rename).
//   - `method`: POST, PATCH or PUT.
//   - `path`: operation path (/Users, /Users/bulkId:emp-…, /Users/<uuid>).
//   - `kind`: rename, create, update, replace or refs.
//   - `state`: planned, sending, sent, in-doubt, success, partial (identity written, an extension failed), failed or skipped.
//   - `attempts`: how many requests it was put into.
//   - `request_id`: its latest request (requests.id); NULL when never sent.
//   - `idx`: its 0-based position in that request.
//   - `user_id`: the user's UUID in the target, once known.
//   - `code`: HTTP status of the operation ("201").
//   - `message`: one line: why it failed or is in doubt.
//   - `extensions`: JSON: per-extension results.
//   - `messages`: JSON: the target's messages about the operation.
//   - `updated`: when the row was last written.
//
// # Table users
//
// Employee → UUID in the target, for resolving bulkId:emp-… references.
//
//   - `employee_number`: Employee ID (SCIM employeeNumber).
//   - `id`: the user's UUID in the target.
//   - `user_name`: login id (SCIM userName).
//   - `source`: created (by this run), lookup (found in the target) or directory (the --directory snapshot).
//   - `updated`: when the row was last written.
//
// # Table records
//
// The final state of every input record, rewritten at the end of each run.
//
//   - `file`: input file, as named on the command line.
//   - `line`: line the record starts on (1-based).
//   - `type`: record type (305, 350, …).
//   - `employee`: employee id of the record.
//   - `state`: success, partial, failed, rejected (before sending), skipped or pending (no outcome yet: the run stopped).
//   - `reason`: one line: why (the target's message, the rejection reason).
//   - `messages`: JSON: all messages about the record.
package journal
