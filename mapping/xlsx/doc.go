// Package xlsx exports mapping tables to an .xlsx workbook that
// consultants review and edit before go-live, and reads an edited workbook
// back as a mapping set.
//
// # Workbook
//
// Export (ExportFile for a path) writes a README sheet first — the columns,
// the closed set of transforms (mapping.Transforms), the sheets and how to
// edit and check — then one sheet per table of the set in Set.Tables()
// order, named after the table ("305", "v1", "v3.1"), and a "defaults"
// sheet (mapping.DefaultsColumns) when the set has a defaults table. Row 1
// is the header (mapping.Columns), frozen and with an autofilter; row n+1
// is the table's row n. Cells are text-formatted so typed numbers stay
// text, the transform column offers a drop-down of the transforms and the
// applies column of defaults one of extension/always. Rows that send
// nothing to UPS (NOT SUPPORTED, ignore, secret, forbid) are in grey
// italics. The output is deterministic apart from excelize's metadata.
//
// # Reading
//
// Load(path) and Read(r, name) read an edited workbook: README is ignored;
// every other sheet must be named after an embedded table (case does not
// matter), be "defaults", or be a flat-file record type that adds a table
// (like 360.csv in a mapping directory). Each table sheet is validated by
// mapping.NewTable (defaults by mapping.NewDefaults) and replaces the
// embedded table of its name: mapping.Default().With(…).WithDefaults(…);
// sheets left out keep the embedded tables. Columns may be in any order;
// blank rows (anywhere, notably at the end) are skipped. Tables read from
// a workbook are named File "book.xlsx:305", so Attr.Row and
// Diagnostic.Row read "book.xlsx:305:17" (sheet 305, row 17).
//
// Every problem of every sheet is reported at once: Read's error is
// errors.Join of *Problem, each formatted as
//
//	book.xlsx:305!E4 (column transform): unknown transform "flg": want one of …
//	book.xlsx:310 row 1: bad header (unknown "path" in D1, missing target_path): want …
//	book.xlsx:Sheet2: unknown sheet "Sheet2": want a table name (100, 300, …, defaults, README) …
//
// (mapping.TableError lines and columns mapped back to sheet cells). An
// error that is not a *Problem concerns the file as a whole: missing, or
// not a readable .xlsx workbook.
//
// # CLI
//
//   - upsmigrate mapping export --xlsx FILE: ExportFile(set, FILE), set being
//     mapping.Default() or the set given by --mapping.
//   - upsmigrate mapping check FILE: Check(FILE) returns the problems in
//     sheet and row order (print p.Error() one a line, exit non-zero when
//     there are any) and an error only when the file itself cannot be read.
//   - upsmigrate convert --mapping FILE.xlsx: when the path ends in .xlsx
//     (strings.EqualFold(filepath.Ext(p), ".xlsx")) call Load(p), otherwise
//     mapping.LoadDir(p).
package xlsx
