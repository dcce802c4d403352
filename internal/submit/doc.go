// Package submit takes a convert output directory to a target and brings
// back a final outcome for every input record.
//
// A run of a million employees is not held in memory: Load keeps a
// compact index of the employees (IDs, renames, a few flags), and every
// step passes over plan.jsonl (and, for the outcomes, report.json) a chunk
// of change sets at a time, planning, journaling and sending that chunk's
// operations while the next chunk is planned. What a submission keeps per
// employee is a few hundred bytes: the index, the users it knows, and at
// the end each record's outcome.
//
// Before each phase it resolves who exists in the target (the journal's
// users, --directory, then batched lookups by employeeNumber) and rebuilds
// the phase's operations with plan.Build from the change sets of
// plan.jsonl: a POST for an employee who already exists becomes an update,
// /Users/bulkId:emp-<id> paths and references get the users' UUIDs, and a
// rename of an employee nobody has yet folds into the create. Operations
// are keyed by (phase, employee), so a rebuild after a crash addresses the
// same work whatever the request it lands in.
//
// Requests are sent with bounded, adaptive concurrency (more after clean
// requests, half on a 429) under a client-side rate limit; the first
// request of phase 1 is a small canary. Every network step is journaled
// before and after (internal/journal): a request whose answer was lost is
// in doubt, and its users are looked up before anything is sent again.
// Asynchronous provisions are polled (first after Options.PollInterval,
// then doubling with jitter up to a minute) until complete, then their
// per-operation, per-extension results are recorded. Phase N+1 starts when
// every provision of phase N is complete.
//
// Outcomes folds the journal back onto the input records: every record
// ends success, partial (identity written, an extension failed), failed,
// rejected (by convert), skipped or, while a run is under way, pending.
package submit
