// Package e2e holds end-to-end tests of the upsmigrate binary run as real
// processes; it has no code of its own.
//
// TestMain builds cmd/upsmigrate once (without -race, whatever the test
// binary runs under). Each test starts `upsmigrate sandbox` as a separate
// process with a SQLite state file, so that the emulator outlives the
// clients the tests kill, and runs `upsmigrate migrate --target` against
// it with the credentials in UPSMIGRATE_* variables, as an operator would.
//
// TestCrash kills the client with SIGKILL at chosen points, found by
// polling the run's journal read-only (internal/journal.OpenReadOnly): the
// lock just taken, a request begun and not answered, a provision accepted
// and not complete, an answer lost, in each phase (phase 0 with renames of
// users the sandbox already has), several of them in one run, and at
// seeded random moments; sandbox latencies widen the windows. It re-runs
// the same command until it exits, then checks the end state three ways:
//
//   - `upsmigrate status --json DIR`: no record pending, the counts add up,
//     every operation of the journal final;
//   - the sandbox's users (GET /profile/identity/v4.1/Users, cursor
//     paging, and POST /profile/v4/Users/.search for whole documents):
//     each employee exactly once, every employee the run reports written
//     present, and, against a reference run of the same input into a fresh
//     sandbox without faults or kills, the same employees with the same
//     documents (ids and URLs replaced by employee numbers);
//   - the sandbox's provisions (its SQLite file, read after it stopped):
//     no create was ever sent for an employee who already existed, which
//     is what a request re-sent blindly after a lost answer would do.
//
// A crashed run must also end every record as a run never killed does
// (the same state per record).
//
// TestChaos migrates a generated 2,000-employee 305 feed (internal/gen)
// through a sandbox that fails, throttles and drops requests, killing the
// client twice at seeded moments.
// TestLock and TestSIGTERM check that a second migrate on a busy directory
// is refused naming the holder, and that SIGTERM stops a run promptly with
// what was in flight recorded. TestTokenDrop drops the token request;
// TestInDoubtLookup loses the answer of an applied request whose
// provision is slower than --poll-interval: within settle's lookups the
// creates must not be sent again; beyond them (a known limitation) the
// subtest skips when they are, and fails on anything else.
//
// `go test -short` shrinks the chaos feed to 300 employees. E2E_KEEP=DIR
// keeps each test's files (client and sandbox logs, journal.db,
// sandbox.db) under DIR.
package e2e
