// Package report turns a convert output directory (report.json and
// plan.jsonl) into the dry-run report a consultant hands to a client before
// go-live: HTML, XLSX, JSON or Markdown.
//
// Load decodes the two files from their JSON shape into this package's own
// types, so the producers' Go types may change without breaking it. The
// report traces every target value from its input field (file:line:field)
// through its mapping-table row to its SCIM schema and path, the bulk file
// and operation that carries it, the status of its input record and the
// status of the operation. A dry run has submitted nothing, so every
// operation is StatusNotSubmitted; a provisioning journal can later set
// Data.Operations[i].Status (Data.Operation looks one up by key) and every
// trace row shows it. Operations are numbered from 0, as in the request's
// Operations array and plan.jsonl: "bulk-0002.json #5".
//
// Contents: a summary whose record totals add up (read = converted +
// skipped + rejected), per input file counts, every rejected record with
// every message (file:line:field: message [mapping row]), every warning
// (record, file, plan and schema warnings), and the value trace. A value
// whose source field is named like a password is shown as "(withheld)".
// Inconsistencies between report.json's totals and its record list are
// listed as notes; the record list is what is counted.
//
// Size limits (Limits; DefaultLimits; a Data's zero Limits use them). A run
// of 100k employees with ~60 values each has 6M trace rows, more than an
// HTML page can show or an Excel sheet can hold (1,048,576 rows):
//
//   - HTML shows the first 10,000 trace rows and the first 10,000 rejected
//     records and warnings, each cut with a note pointing to the XLSX and
//     JSON reports.
//   - Markdown shows the first 200 trace rows and the first 1,000 rejected
//     records and warnings, with the same notes.
//   - XLSX writes up to 1,048,575 rows below the header of each sheet; the
//     trace continues in sheets "Trace 2", "Trace 3" … up to 10 sheets
//     (10.4M rows). What is cut is counted in a note on the Summary sheet.
//   - JSON holds everything; the trace is streamed one row per line.
//
// The trace is never held in memory: Load reads plan.jsonl once to check
// and count it, and each Trace call streams it again.
package report
