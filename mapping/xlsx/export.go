package xlsx

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/upsmigrate/upsmigrate/internal/private"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// ReadmeSheet is the name of the explanatory first sheet; Load ignores it.
const ReadmeSheet = "README"

// DefaultsSheet is the name of the sheet holding the defaults table
// (mapping.DefaultsColumns).
const DefaultsSheet = "defaults"

// sheet is one table in cell form, whatever its columns.
type sheet struct {
	name   string
	cols   []string
	rows   [][]string
	greyed []bool // rows without a UPS target
}

// unmapped are the transforms of rows that send nothing.
var unmapped = map[string]bool{"unsupported": true, "ignore": true, "secret": true, "forbid": true}

func tableSheet(t *mapping.Table) sheet {
	rows := t.Rows()
	s := sheet{name: t.Name, cols: mapping.Columns, rows: make([][]string, len(rows)), greyed: make([]bool, len(rows))}
	for i, r := range rows {
		s.rows[i] = r.Values()
		s.greyed[i] = r.TargetSchema == mapping.NotSupported || unmapped[r.Transform]
	}
	return s
}

// defaultValues returns the cells of a defaults row in DefaultsColumns
// order.
func defaultValues(r mapping.DefaultRow) []string {
	out := make([]string, len(mapping.DefaultsColumns))
	for i, c := range mapping.DefaultsColumns {
		switch c {
		case "target_schema":
			out[i] = r.TargetSchema
		case "target_path":
			out[i] = r.TargetPath
		case "value":
			out[i] = r.Value
		case "transform":
			out[i] = r.Transform
		case "applies":
			out[i] = r.Applies
		case "note":
			out[i] = r.Note
		}
	}
	return out
}

func defaultsSheet(d *mapping.Defaults) sheet {
	rows := d.Rows()
	s := sheet{name: DefaultsSheet, cols: mapping.DefaultsColumns, rows: make([][]string, len(rows)), greyed: make([]bool, len(rows))}
	for i, r := range rows {
		s.rows[i] = defaultValues(r)
	}
	return s
}

// ExportFile writes the workbook of set to path (see Export).
func ExportFile(set *mapping.Set, path string) error {
	// Whole or not at all: an interrupted export leaves no half workbook.
	if err := private.WriteFile(path, func(w io.Writer) error { return Export(set, w) }); err != nil {
		return fmt.Errorf("export mapping workbook: %w", err)
	}
	return nil
}

// Export writes set as an .xlsx workbook: a README sheet, one sheet per
// table in set.Tables() order named after the table ("305", "v1", "v3.1")
// and a "defaults" sheet when the set has a defaults table. Each table
// sheet has its header in row 1 (frozen, with an autofilter), one row per
// table row, text-formatted cells and a drop-down of the transforms; rows
// that send nothing to UPS (NOT SUPPORTED, ignore, secret, forbid) are in
// grey italics.
func Export(set *mapping.Set, w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("export mapping workbook: %w", err)
	}
	sheets := make([]sheet, 0, len(set.Tables())+1)
	for _, t := range set.Tables() {
		sheets = append(sheets, tableSheet(t))
	}
	if d := set.Defaults(); d != nil {
		sheets = append(sheets, defaultsSheet(d))
	}
	if err := f.SetSheetName(f.GetSheetName(0), ReadmeSheet); err != nil {
		return fmt.Errorf("export mapping workbook: %w", err)
	}
	transformRange, err := writeReadme(f, st, sheets)
	if err != nil {
		return fmt.Errorf("export mapping workbook: README: %w", err)
	}
	for _, s := range sheets {
		if err := writeSheet(f, st, s, transformRange); err != nil {
			return fmt.Errorf("export mapping workbook: sheet %s: %w", s.name, err)
		}
	}
	f.SetActiveSheet(0)
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("export mapping workbook: %w", err)
	}
	return nil
}

type styles struct {
	header, text, wrap, grey, greyWrap, title, bold int
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	textFmt := 49 // "@": what a consultant types stays text
	defs := []struct {
		id *int
		s  excelize.Style
	}{
		{&st.header, excelize.Style{Font: &excelize.Font{Bold: true}, NumFmt: textFmt,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}}},
		{&st.text, excelize.Style{NumFmt: textFmt, Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.wrap, excelize.Style{NumFmt: textFmt, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.grey, excelize.Style{NumFmt: textFmt, Font: &excelize.Font{Color: "808080", Italic: true},
			Alignment: &excelize.Alignment{Vertical: "top"}}},
		{&st.greyWrap, excelize.Style{NumFmt: textFmt, Font: &excelize.Font{Color: "808080", Italic: true},
			Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&st.bold, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{Vertical: "top"}}},
	}
	for _, d := range defs {
		id, err := f.NewStyle(&d.s)
		if err != nil {
			return st, err
		}
		*d.id = id
	}
	return st, nil
}

func cell(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

func colName(col int) string {
	c, _ := excelize.ColumnNumberToName(col)
	return c
}

func writeSheet(f *excelize.File, st styles, s sheet, transformRange string) error {
	if _, err := f.NewSheet(s.name); err != nil {
		return err
	}
	ncol := len(s.cols)
	last := len(s.rows) + 1
	width := make([]int, ncol)
	for i, c := range s.cols {
		width[i] = len(c)
	}
	for _, r := range s.rows {
		for i, v := range r {
			for _, l := range strings.Split(v, "\n") {
				width[i] = max(width[i], len([]rune(l)))
			}
		}
	}
	for i, c := range s.cols {
		style, limit := st.text, 40
		if c == "note" {
			style, limit = st.wrap, 80
		}
		if err := f.SetColStyle(s.name, colName(i+1), style); err != nil {
			return err
		}
		if err := f.SetColWidth(s.name, colName(i+1), colName(i+1), float64(min(max(width[i]+2, 8), limit))); err != nil {
			return err
		}
	}
	if err := f.SetSheetRow(s.name, "A1", &s.cols); err != nil {
		return err
	}
	if err := f.SetCellStyle(s.name, "A1", cell(ncol, 1), st.header); err != nil {
		return err
	}
	for i, r := range s.rows {
		row := i + 2
		for j, v := range r {
			if err := f.SetCellStr(s.name, cell(j+1, row), v); err != nil {
				return err
			}
		}
		for j, c := range s.cols {
			style := st.text
			switch {
			case s.greyed[i] && c == "note":
				style = st.greyWrap
			case s.greyed[i]:
				style = st.grey
			case c == "note":
				style = st.wrap
			}
			if err := f.SetCellStyle(s.name, cell(j+1, row), cell(j+1, row), style); err != nil {
				return err
			}
		}
	}
	if err := f.SetPanes(s.name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	if err := f.AutoFilter(s.name, "A1:"+cell(ncol, max(last, 2)), nil); err != nil {
		return err
	}
	for i, c := range s.cols {
		col := colName(i + 1)
		sqref := col + "2:" + col + "1048576"
		dv := excelize.NewDataValidation(true)
		switch c {
		case "transform":
			dv.SetSqrefDropList(transformRange)
			dv.SetError(excelize.DataValidationErrorStyleStop, "Unknown transform", "Pick a transform listed on the README sheet.")
		case "applies":
			if err := dv.SetDropList([]string{mapping.AppliesExtension, mapping.AppliesAlways}); err != nil {
				return err
			}
			dv.SetError(excelize.DataValidationErrorStyleStop, "Unknown applies", "Leave empty or pick extension or always.")
		default:
			continue
		}
		dv.SetSqref(sqref)
		if err := f.AddDataValidation(s.name, dv); err != nil {
			return err
		}
	}
	return nil
}

var columnDocs = map[string]string{
	"source_field": "Field position in the record (numbered tables such as 305: every position 1..N exactly once) or the element/property key (v1, v3.0, v3.1; \"Emails[*]\" matches every e-mail element).",
	"name":         "Human name of the source field (informational).",
	"target_schema": "Token of the UPS v4 schema (core:2.0:User, enterprise:2.0:User, spend:2.0:User …) or NOT SUPPORTED; " +
		"empty for structural rows (literal, ignore).",
	"target_path": "Attribute path in SCIM filter notation; multi-valued attributes are addressed element by element, e.g. customData[id eq \"custom2\"].value.",
	"transform":   "One of the closed set of transforms listed below (the cell offers a drop-down).",
	"args":        "Argument of the transform (see its description), e.g. primary for phone, start/end for datetime.",
	"max_length":  "Maximum input length in characters; empty = no limit.",
	"note":        "Why a field is not mapped, or which choice was made where SAP's documents disagree (\"CHOICE: …\"). Required for every field that is not mapped.",
	"lost": "Optional: what the user loses, said in the warning when an unsupported row drops a value (\"the user will not get role X\"), " +
		"or, for a forbid row, why the record is refused and what to do instead. Empty on other rows.",
	"value":   "Defaults: the value in input form (en_US, Y), converted by the row's transform.",
	"applies": "Defaults: empty or extension = only when the user's change set already writes that extension; always = every created user.",
}

// writeReadme fills the README sheet and returns the absolute range of the
// transform names, the source of the transform drop-downs.
func writeReadme(f *excelize.File, st styles, sheets []sheet) (string, error) {
	const name = ReadmeSheet
	row := 1
	var err error
	put := func(style int, cells ...string) {
		if err != nil {
			return
		}
		for i, c := range cells {
			if err = f.SetCellStr(name, cell(i+1, row), c); err != nil {
				return
			}
		}
		if style != 0 {
			err = f.SetCellStyle(name, cell(1, row), cell(1, row), style)
		}
		row++
	}
	put(st.title, "upsmigrate mapping workbook")
	put(0, "Each sheet after this one is a mapping table: how the fields of one input source become UPS v4 SCIM attributes.")
	put(0, "Sheet names are table names: a record type of the flat-file import (100 … 550), v1 (Users V1 XML), v3.0 / v3.1 (3.x JSON), defaults (values given to created users).")
	put(0, "Rows in grey italics send nothing to UPS (NOT SUPPORTED, ignore, secret, forbid); their note says why.")
	row++
	put(st.title, "How to edit and check")
	for i, s := range []string{
		"Edit the cells of the table sheets; keep row 1 (the header) and the sheet names. Values are text: do not use formulas.",
		"To map a field that is not supported, fill target_schema, target_path and transform (and args) and adjust the note.",
		"Numbered tables need every field position exactly once; a field that is not mapped needs a note.",
		"Delete a sheet to keep the built-in table of that name; add a sheet named after another record type (e.g. 360) to add a table.",
		"Check the workbook: upsmigrate mapping check FILE.xlsx — every problem is listed as FILE.xlsx:SHEET!CELL (column name): message.",
		"Use it: upsmigrate convert --mapping FILE.xlsx … (this README sheet is ignored).",
	} {
		put(0, strconv.Itoa(i+1)+". "+s)
	}
	row++
	put(st.title, "Columns")
	seen := map[string]bool{}
	for _, s := range sheets {
		for _, c := range s.cols {
			if !seen[c] {
				seen[c] = true
				put(st.bold, c, columnDocs[c])
			}
		}
	}
	row++
	put(st.title, "Sheets")
	for _, s := range sheets {
		put(st.bold, s.name, strconv.Itoa(len(s.rows))+" rows")
	}
	row++
	put(st.title, "Transforms")
	first := row
	for _, t := range mapping.Transforms() {
		put(st.bold, t.Name, t.Doc)
	}
	if err != nil {
		return "", err
	}
	if row == first {
		return "", errors.New("no transforms")
	}
	if err := f.SetColWidth(name, "A", "A", 22); err != nil {
		return "", err
	}
	if err := f.SetColWidth(name, "B", "B", 120); err != nil {
		return "", err
	}
	return fmt.Sprintf("%s!$A$%d:$A$%d", name, first, row-1), nil
}
