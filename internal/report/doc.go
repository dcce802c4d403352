// Package report turns a convert output directory (report.json and
// plan.jsonl) into the dry-run report a consultant hands to a client before
// go-live, and a directory submit has run on (with DIR/journal.db) into the
// migration report of what became of every record: HTML, XLSX, JSON or
// Markdown.
//
// # What a report holds
//
//   - An audit header: when and by which upsmigrate the report was written
//     (Data.Generated, Data.Generator, set by the caller), the upsmigrate
//     that converted, the company, convert's options, every input with its
//     size and sha256, and the mapping tables, embedded or overridden, each
//     with its sha256 and one hash for the set (report.json's "audit").
//   - The summary, whose record totals add up (read = converted + skipped +
//     rejected), the extensions left out of new users and, after submit,
//     the records and operations by state.
//   - What the customer loses by migrating (Data.Lost): per input field,
//     the values convert did not carry to UPS — fields UPS has no attribute
//     for, passwords, values over UPS's limits or outside its lists, values
//     over a table's max_length, records refused because dropping a value
//     would change their meaning, extensions left out — counted, with the
//     reason: the mapping row's lost column when the audit has it, else
//     the message's.
//   - The lists: rejected records with every message, every warning (of the
//     input files, the records, the plan and the schemas), the employees
//     submit looks up in the target ("resolved at submit"), and after
//     submit the records that did not succeed.
//   - One section per employee (Employee): the input records, the
//     operations, the warnings and rejected records, and every value with
//     its lineage, file:line:field → mapping row → UPS attribute → bulk file
//     and operation; after submit the final state of each record and
//     operation, the provision id, the user's UUID and the target's messages.
//
// A message that points to "the table note" shows the note itself, from
// the audit's mapping rows. Nothing the inputs or the journal hold is
// trusted: every text is escaped in every format; a value whose source
// field is named like a password is shown as "(withheld)", and a password
// value of the plan that a target message echoes is replaced by it.
//
// # Formats
//
//   - HTML (WriteHTML, WriteHTMLFile): the summary page, then the sections,
//     with a search over the employees' ids, names and logins. Written to a
//     file, a run with more employees than Limits.HTMLPage puts its sections
//     on pages employees-0001.html … in the folder beside the file
//     ("report_files" for report.html), with index.js, the search index the
//     pages load with <script src> (they work from file://, no server); a
//     list longer than Limits.HTMLList shows its first rows on the summary
//     and continues on pages there. Every employee is on a page the summary
//     links, every row of a list on the summary or a page. Long identifiers
//     wrap only at their separators (<wbr>), never inside a name.
//   - XLSX (WriteXLSX): sheets Summary (the audit and the counts), Users
//     (one row per employee, with the final state after submit), Lineage
//     (one row per employee and input record, one column per mapping row:
//     each cell a value, its column saying the field, the mapping row and
//     the UPS attribute), Warnings, Rejected, Unsupported (what is lost),
//     Files, Resolved at submit, and after submit Outcome, Operations and
//     Requests. Every sheet is streamed (excelize StreamWriter) with a
//     frozen header and an autofilter, and continues in "NAME 2" … past
//     Limits.XLSXRows rows; cells are values, never formulas. The parts
//     are deflated in chunks on every core (pdeflate.go) with
//     klauspost/compress's deflater.
//   - JSON (WriteJSON): everything, the long lists streamed one entry per
//     line.
//   - Markdown (WriteMarkdown): the summary, what is lost, and the lists
//     and the trace cut at Limits.MarkdownList and Limits.MarkdownTrace with
//     a note.
//
// # Size
//
// Memory does not grow with the run beyond small per-employee indexes.
// Load streams report.json: it keeps the counts, a compact index of the
// input records (position → format, type and status) and puts the
// warnings and rejected records in a spool — memory, then a temporary
// file (0600, removed at once) — indexed by employee. The plan is never
// held: each walk (Trace, the writers) streams plan.jsonl once, joining
// each employee with their items from the spool; the HTML and XLSX
// writers walk ahead (walkAhead): the plan is read and the employees put
// together on a second goroutine while the writer renders; the first walk
// counts the plan into the summary (Count runs one for a format that
// shows the summary first). A writer walks the plan once, but WriteHTML
// (one document, its lists linked to the sections that follow) twice.
// The XLSX Lineage rows are rendered on every core as the workbook is
// zipped (xlsxraw.go). With a journal, Load reads the journal's records
// and requests, and streams its operations (journal.EachOp): the plan's
// operations keep their journal columns, and their extension results and
// messages go to a spool, read back per section (opdetail.go), so a
// migration report holds about 1 kB per operation and record, not the
// target's answers.
//
// planLines and decodePlanLine (plan.go) are the only code that knows the
// format of plan.jsonl; planLineOf converts the change sets and operation
// references another reader returns.
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
//     schema and its message about the value.
//
// A plan.jsonl whose sha256 is not the one the journal names is noted.
//
// Two things convert leaves open are shown apart. Summary.LeftOut counts
// the new users each extension was left out of (report.json's
// totals.leftOut), and every trace row of such a value is marked LeftOut
// (not sent with the create; after submit, not when submit found the user
// and updated it). Data.AtSubmit lists report.json's resolvedAtSubmit: the
// employees outside the run that submit looks up in the target because
// convert had no --directory, with the source; HTML and Markdown show them
// in the section "To be resolved at submit" ("Resolved at submit" after
// submit), the XLSX workbook in the sheet "Resolved at submit".
// Inconsistencies between report.json's totals and its record list are
// listed as notes; the record list is what is counted.
package report
