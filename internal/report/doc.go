// Package report turns a convert output directory (report.json and
// plan.jsonl) into the dry-run report a consultant hands to a client before
// go-live, and a directory submit has run on (with DIR/journal.db) into the
// migration report of what became of every record: HTML, XLSX, JSON or
// Markdown.
//
// Load decodes report.json from its JSON shape, and plan.jsonl with its
// reader (package lineage), into this package's own types, so the
// producers' Go types may change without breaking it. The
// report traces every target value from its input field (file:line:field)
// through its mapping-table row to its SCIM schema and path, the bulk file
// and operation that carries it, the status of its input record and the
// status of the operation. A dry run has submitted nothing, so every
// operation is StatusNotSubmitted (Data.Operation looks one up by key, and
// every trace row shows its Status). Operations are numbered from 0, as in
// the request's Operations array and plan.jsonl: "bulk-0002.json #5".
//
// # With a journal
//
// When DIR/journal.db exists, Load opens it read-only (journal.OpenReadOnly,
// without the lock, so a run may be writing it) and the report becomes a
// migration report (Data.Title is TitleMigration; Data.Run is set):
//
//   - Data.Outcomes gives every record of report.json its final state and
//     reason from the journal's record at the same file:line. A record the
//     journal holds nothing for (a run under way writes records only at its
//     end) is rejected or skipped as convert decided, else pending. Records
//     of the journal report.json does not list are added, counted and
//     noted.
//   - Summary.RecordStates counts the records by state (StateOrder); they
//     add up to the records read, or a note says by how much they do not.
//     Summary.OperationStates counts the journal's operations (all of them)
//     per phase and state (OpStateOrder). Data.Run holds the target (without
//     credentials or query), flavor, company, tool version and times.
//   - Every plan operation takes the outcome of the journal's operation of
//     the same (phase, employee), the old employee id for a phase-0 rename:
//     state, HTTP status, the user's UUID, its request and that request's
//     provision id, the extension results and messages. A rename the
//     journal has no operation for takes the create of the new id it folded
//     into. Plan operations the journal does not hold stay
//     StatusNotSubmitted; journal operations the plan does not name are
//     noted. Data.Requests lists the journal's requests.
//   - Every trace row adds the final state of its record, the provision id,
//     the HTTP status, the user's UUID, the target's result for the value's
//     schema and its message about the value, so each value traces
//     file:line:field → SCIM path → bulk operation → provision id → final
//     status.
//   - HTML and Markdown open with the section Outcome: the records that did
//     not succeed (failed, partial, pending). The XLSX workbook adds the
//     sheets Outcome (every record), Operations and Requests; the JSON
//     document holds all of it.
//
// Nothing the journal holds is trusted: every text is escaped in every
// format, and a password value of the plan that a target message echoes
// is replaced by "(withheld)" (values shorter than 3 characters are not).
// A plan.jsonl whose sha256 is not the one the journal names is noted.
//
// Contents: a summary whose record totals add up (read = converted +
// skipped + rejected), per input file counts, every rejected record with
// every message (file:line:field: message [mapping row]), every warning
// (record, file, plan and schema warnings), and the value trace. A value
// whose source field is named like a password is shown as "(withheld)".
// Inconsistencies between report.json's totals and its record list are
// listed as notes; the record list is what is counted.
//
// Two things convert leaves open are shown apart. Summary.LeftOut counts
// the new users each extension was left out of (report.json's
// totals.leftOut: UPS requires an attribute with it that the input does
// not give; the warning on the record that started it says which): HTML
// and Markdown say so under the summary table, the XLSX Summary sheet
// counts them, and every trace row of such a value is marked LeftOut (not
// sent with the create; after submit, not when submit found the user and
// updated it). Data.AtSubmit lists report.json's resolvedAtSubmit: the
// employees outside the run that submit looks up in the target because
// convert had no --directory, the employee of an update no record of the
// run creates or one a record refers to ("report approver of E1"), with
// the source. HTML and Markdown show them in the section "To be resolved
// at submit" ("Resolved at submit" after submit, with the final state of
// the record each comes from), capped like the other lists; the XLSX
// workbook adds the sheet "Resolved at submit". Neither appears when
// there is nothing to show.
//
// Size limits (Limits; DefaultLimits; a Data's zero Limits use them). A run
// of 100k employees with ~60 values each has 6M trace rows, more than an
// HTML page can show or an Excel sheet can hold (1,048,576 rows):
//
//   - HTML shows the first 10,000 trace rows and the first 10,000 rejected
//     records, warnings, unsuccessful records and employees resolved at
//     submit, each cut with a note pointing to the XLSX and JSON reports.
//   - Markdown shows the first 200 trace rows and the first 1,000 rejected
//     records, warnings, unsuccessful records and employees resolved at
//     submit, with the same notes.
//   - XLSX writes up to 1,048,575 rows below the header of each sheet; the
//     trace continues in sheets "Trace 2", "Trace 3" … up to 10 sheets
//     (10.4M rows). What is cut is counted in a note on the Summary sheet.
//   - JSON holds everything; the trace is streamed one row per line.
//
// The trace is never held in memory: Load reads plan.jsonl once to check,
// count and hash it, and each Trace call streams it again (TraceEmployee:
// up to one employee's line, tracing only it). The journal's
// records, operations and requests are held in memory.
package report
