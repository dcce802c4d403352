// Package concur reads SAP Concur employee import flat files: comma-separated
// text without a header row, one record per row, field 1 naming the record
// type (100, 300, 305, 310, 320, 350, 370, 400, 500, 550). A file whose
// first line separates its fields with semicolons, tabs or '|' after the
// record type (as spreadsheets save CSV in some locales) is read with that
// separator and a warning.
//
// Each record type is declared in its own file (rt305.go …) from
// spec/records/NNN.csv and listed in the table in types.go; Types and Lookup
// export that table for the mapping stage.
//
// Reader streams a file record by record: its memory is bounded by the
// longest record (DefaultMaxRecord), never by the file. Plain lines (one
// line, no CR but a CRLF end, quotes only around whole fields without quotes
// inside, no NUL, invalid UTF-8 or control character nearby) are split
// straight from the read buffer, each a substring of one string made per
// buffer of lines (plain.go);
// encoding/csv reads every other record, with the same values, lines,
// columns and errors. It accepts a UTF-8 BOM, CRLF or LF line ends, quoted
// fields with commas, doubled quotes and line breaks (a record's line is the
// line it starts on), short rows (trailing fields omitted) and blank lines.
// A carriage return that is not followed by a line feed (a bare CR, as files
// with mixed line ends hold) ends the line and the record when it stands
// outside quotes, with a warning naming the line, and lines are counted with
// it; inside quotes it is data (source.serve says why). It checks structure
// only: the record type, the field count, quoting, UTF-8, NUL bytes and
// control characters (C0 but tab, LF and CR; DEL; C1: a value holding one is
// rejected, naming the field; tabs are data, and so are line breaks in
// quoted fields), and the values of the 100 settings record. Every problem
// is a *model.ParseError at file:line[:field] that says what was wrong and
// what was expected; after a bad record the reader goes on with the next
// one, re-reading the lines a broken multi-line record swallowed.
//
// gocsv decodes the 100 settings record into a typed struct (settings.go),
// one row at a time through UnmarshalCSVWithoutHeaders and no global state.
// It stays off the per-record path: on the 100k-row 305 benchmark its
// reflection (140 allocations per 137-field row) costs about 3.8 times a
// bare encoding/csv read, streaming or not, while Reader takes about 0.6
// times (bench_test.go measures all of them).
package concur
