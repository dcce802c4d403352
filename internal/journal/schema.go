package journal

// schemaVersion is the PRAGMA user_version of the schema below. A journal
// with a higher version was written by a newer upsmigrate and is refused.
const schemaVersion = 1

// schema is version 1. SQLite keeps the statements verbatim, comments
// included, so `sqlite3 DIR/journal.db .schema` shows them to the user.
const schema = `
CREATE TABLE IF NOT EXISTS run (
	id           INTEGER PRIMARY KEY CHECK (id = 1), -- always 1: a journal holds one run
	tool_version TEXT NOT NULL,  -- upsmigrate version that last described the run
	input_hash   TEXT,           -- sha256 of the inputs, mapping and convert options (migrate); NULL when unknown
	plan_hash    TEXT,           -- sha256 of DIR/plan.jsonl
	target       TEXT,           -- target base URL, or "sandbox"
	flavor       TEXT,           -- ups | scim
	company      TEXT,           -- company id of the target
	created      TEXT NOT NULL,  -- when the run started (RFC 3339 UTC)
	updated      TEXT NOT NULL   -- when the run description was last written (RFC 3339 UTC)
);
CREATE TABLE IF NOT EXISTS requests (
	id             INTEGER PRIMARY KEY, -- request number, in the order requests were begun
	phase          INTEGER NOT NULL,    -- plan phase: 0 renames, 1 identity, 2 references
	round          INTEGER NOT NULL,    -- round within the phase, as numbered by submit
	ops            INTEGER NOT NULL,    -- operations in the request
	bytes          INTEGER NOT NULL,    -- size of the request body in bytes
	state          TEXT NOT NULL,       -- sending | sent | in-doubt | failed | done
	provision_id   TEXT,                -- provision id the target answered (ups); NULL until accepted
	correlation_id TEXT,                -- correlation id of the HTTP exchange
	http_status    INTEGER,             -- HTTP status of the answer; NULL while none arrived
	attempts       INTEGER NOT NULL,    -- HTTP attempts it took, retries included
	message        TEXT,                -- one line: why it failed or is in doubt
	created        TEXT NOT NULL,       -- when it was begun, before sending (RFC 3339 UTC)
	sent           TEXT,                -- when the target accepted it
	done           TEXT                 -- when it became failed or done
);
CREATE TABLE IF NOT EXISTS ops (
	phase      INTEGER NOT NULL, -- plan phase: 0 renames, 1 identity, 2 references
	employee   TEXT NOT NULL,    -- employee id the plan names (the old id for a phase-0 rename)
	method     TEXT NOT NULL,    -- POST | PATCH | PUT
	path       TEXT NOT NULL,    -- operation path (/Users, /Users/bulkId:emp-..., /Users/<uuid>)
	kind       TEXT NOT NULL,    -- rename | create | update | replace | refs
	state      TEXT NOT NULL,    -- planned | sending | sent | in-doubt | success | partial | failed | skipped
	attempts   INTEGER NOT NULL, -- how many requests it was put into
	request_id INTEGER REFERENCES requests(id), -- its latest request; NULL when never sent
	idx        INTEGER,          -- its 0-based position in that request
	user_id    TEXT,             -- the user's UUID in the target, once known
	code       TEXT,             -- HTTP status of the operation ("201")
	message    TEXT,             -- one line: why it failed or is in doubt
	extensions TEXT,             -- JSON: per-extension results
	messages   TEXT,             -- JSON: the target's messages about the operation
	updated    TEXT NOT NULL,    -- when the row was last written (RFC 3339 UTC)
	PRIMARY KEY (phase, employee)
);
CREATE INDEX IF NOT EXISTS ops_request ON ops(request_id, idx);
CREATE INDEX IF NOT EXISTS ops_state ON ops(phase, state); -- what is left of a phase, without reading it
CREATE TABLE IF NOT EXISTS users (
	employee_number TEXT PRIMARY KEY, -- Employee ID (SCIM employeeNumber)
	id              TEXT NOT NULL,    -- the user's UUID in the target
	user_name       TEXT,             -- login id (SCIM userName)
	source          TEXT NOT NULL,    -- created (by this run) | lookup (found in the target) | directory (--directory)
	updated         TEXT NOT NULL     -- when the row was last written (RFC 3339 UTC)
);
CREATE TABLE IF NOT EXISTS records (
	file     TEXT NOT NULL,    -- input file, as named on the command line
	line     INTEGER NOT NULL, -- line the record starts on (1-based)
	type     TEXT NOT NULL,    -- record type (305, 350, ...)
	employee TEXT,             -- employee id of the record
	state    TEXT NOT NULL,    -- success | partial | failed | rejected | skipped | pending
	reason   TEXT,             -- one line: why (the target's message, the rejection reason)
	messages TEXT              -- JSON: all messages about the record
);
CREATE INDEX IF NOT EXISTS records_file_line ON records(file, line);
`

// indexes are created on every writable open: a journal written before one
// of them existed gets it (creating them is idempotent).
const indexes = `CREATE INDEX IF NOT EXISTS ops_state ON ops(phase, state);`
