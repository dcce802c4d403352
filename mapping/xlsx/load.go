package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/upsmigrate/upsmigrate/mapping"
)

// Problem is one problem of an edited workbook, positioned at a sheet cell.
type Problem struct {
	File   string // the workbook as named to Load, Read or Check
	Sheet  string // "" = the workbook as a whole
	Row    int    // 1-based sheet row; 0 = the sheet as a whole
	Cell   string // "D12"; "" = the whole row (or sheet)
	Column string // the table column of Cell ("target_path"), if any
	Err    error
}

// Error formats the problem as
// "file.xlsx:SHEET!D12 (column target_path): message",
// "file.xlsx:SHEET row 12: message" or "file.xlsx:SHEET: message".
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Sheet != "" {
		b.WriteString(":" + p.Sheet)
		switch {
		case p.Cell != "":
			b.WriteString("!" + p.Cell)
		case p.Row > 0:
			b.WriteString(" row " + strconv.Itoa(p.Row))
		}
	}
	if p.Column != "" {
		b.WriteString(" (column " + p.Column + ")")
	}
	b.WriteString(": ")
	b.WriteString(p.Err.Error())
	return b.String()
}

func (p *Problem) Unwrap() error { return p.Err }

// Load reads the workbook at path (see Read).
func Load(path string) (*mapping.Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mapping workbook: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Read reads an edited mapping workbook; name (its path) names it in
// errors and in the tables' File ("name:305"), so rows are referred to as
// "name:305:17" (sheet 305, row 17). Every table sheet replaces the
// embedded table of its name (mapping.Default().With); the defaults sheet
// replaces the embedded defaults; README is ignored. The error is either
// about the file as a whole (not an .xlsx workbook, unreadable) or
// errors.Join of one *Problem per problem found, all of them at once.
func Read(r io.Reader, name string) (*mapping.Set, error) {
	set, probs, err := read(r, name)
	if err != nil {
		return nil, err
	}
	if len(probs) > 0 {
		errs := make([]error, len(probs))
		for i := range probs {
			errs[i] = &probs[i]
		}
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// Check reads the workbook at path like Load and returns its problems in
// sheet and row order; none means the workbook loads. The error is about
// the file as a whole (missing, not an .xlsx workbook).
func Check(path string) ([]Problem, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("mapping workbook: %w", err)
	}
	defer f.Close()
	_, probs, err := read(f, path)
	return probs, err
}

func read(r io.Reader, name string) (*mapping.Set, []Problem, error) {
	base, err := mapping.Default()
	if err != nil {
		return nil, nil, err
	}
	data, err := readBounded(r, name)
	if err != nil {
		return nil, nil, err
	}
	// Parts are held in memory, never unzipped to temporary files: the
	// limits are the same and checkParts keeps every part under them.
	wb, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: MaxUnzipped, UnzipXMLSizeLimit: MaxUnzipped})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a readable .xlsx workbook: %w", name, err)
	}
	defer wb.Close()

	known := map[string]string{}
	var expected []string
	for _, t := range base.Tables() {
		known[strings.ToLower(t.Name)] = t.Name
		expected = append(expected, t.Name)
	}
	expected = append(expected, DefaultsSheet, ReadmeSheet)

	var (
		probs    []Problem
		tables   []*mapping.Table
		defaults *mapping.Defaults
		loaded   int
	)
	for _, sh := range wb.GetSheetList() {
		if strings.EqualFold(sh, ReadmeSheet) {
			continue
		}
		rd := &sheetReader{file: name, sheet: sh}
		if strings.EqualFold(sh, DefaultsSheet) {
			loaded++
			if d := rd.defaults(wb); d != nil {
				defaults = d
			}
			probs = append(probs, rd.probs...)
			continue
		}
		tname, ok := known[strings.ToLower(sh)]
		if !ok && recordType(sh) {
			tname, ok = sh, true
		}
		if !ok {
			probs = append(probs, Problem{File: name, Sheet: sh,
				Err: fmt.Errorf("unknown sheet %q: want a table name (%s) or a flat-file record type", sh, strings.Join(expected, ", "))})
			continue
		}
		loaded++
		if t := rd.table(wb, tname); t != nil {
			tables = append(tables, t)
		}
		probs = append(probs, rd.probs...)
	}
	if loaded == 0 && len(probs) == 0 {
		probs = append(probs, Problem{File: name,
			Err: fmt.Errorf("no mapping sheets: want sheets named %s", strings.Join(expected, ", "))})
	}
	if len(probs) > 0 {
		return nil, probs, nil
	}
	set := base.With(tables...)
	if defaults != nil {
		set = set.WithDefaults(defaults)
	}
	return set, nil, nil
}

// recordType reports whether a sheet name is a flat-file record type that
// adds a table ("360").
func recordType(s string) bool {
	if s == "" || len(s) > 4 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// sheetReader reads one sheet and collects its problems.
type sheetReader struct {
	file, sheet string
	colIdx      map[string]int // column name → 0-based sheet column
	probs       []Problem
}

func (s *sheetReader) add(row int, col string, err error) {
	p := Problem{File: s.file, Sheet: s.sheet, Row: row, Column: col, Err: err}
	if i, ok := s.colIdx[col]; ok && row > 0 {
		p.Cell = cell(i+1, row)
	}
	s.probs = append(s.probs, p)
}

// row is a data row of a sheet: its 1-based number and cells by column.
type row struct {
	n     int
	cells map[string]string
}

// rows reads the header (checking it against want; optional columns may be
// missing) and the non-blank data rows.
func (s *sheetReader) rows(wb *excelize.File, want []string, optional ...string) ([]row, bool) {
	it, err := wb.Rows(s.sheet)
	if err != nil {
		s.add(0, "", err)
		return nil, false
	}
	defer it.Close()
	var header []string
	var out []row
	for n := 1; it.Next(); n++ {
		if n > MaxRows {
			s.add(n, "", fmt.Errorf("sheet has more than %d rows: a mapping table has one row per field (a few hundred at most); delete the rows below the table", MaxRows))
			return nil, false
		}
		cells, err := it.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			s.add(n, "", err)
			return nil, false
		}
		if n == 1 {
			header = cells
			if !s.header(header, want, optional) {
				return nil, false
			}
			continue
		}
		if blank(cells) {
			continue
		}
		r := row{n: n, cells: make(map[string]string, len(want))}
		for i, v := range cells {
			if i < len(header) && strings.TrimSpace(header[i]) != "" {
				r.cells[strings.TrimSpace(header[i])] = v
			} else if strings.TrimSpace(v) != "" {
				s.probs = append(s.probs, Problem{File: s.file, Sheet: s.sheet, Row: n, Cell: cell(i+1, n),
					Err: fmt.Errorf("value %q in a column without a header", v)})
			}
		}
		out = append(out, r)
	}
	if err := it.Error(); err != nil {
		s.add(0, "", err)
		return nil, false
	}
	if header == nil {
		s.add(0, "", fmt.Errorf("empty sheet: want the header %s in row 1", strings.Join(want, ",")))
		return nil, false
	}
	return out, true
}

func (s *sheetReader) header(header, want, optional []string) bool {
	s.colIdx = map[string]int{}
	var bad []string
	for i, c := range header {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if _, dup := s.colIdx[c]; dup {
			bad = append(bad, fmt.Sprintf("%q twice", c))
			continue
		}
		found := false
		for _, w := range want {
			found = found || w == c
		}
		if !found {
			bad = append(bad, fmt.Sprintf("unknown %q in %s", c, cell(i+1, 1)))
			continue
		}
		s.colIdx[c] = i
	}
	for _, w := range want {
		if _, ok := s.colIdx[w]; !ok && !contains(optional, w) {
			bad = append(bad, "missing "+w)
		}
	}
	if len(bad) > 0 {
		s.add(1, "", fmt.Errorf("bad header (%s): want %s", strings.Join(bad, ", "), strings.Join(want, ",")))
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, l := range list {
		if l == s {
			return true
		}
	}
	return false
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// tableFile is the File of a table read from a sheet.
func (s *sheetReader) tableFile() string { return s.file + ":" + s.sheet }

func (s *sheetReader) table(wb *excelize.File, name string) *mapping.Table {
	rows, ok := s.rows(wb, mapping.Columns, mapping.OptionalColumns...)
	if !ok {
		return nil
	}
	mrows := make([]mapping.Row, len(rows))
	for i, r := range rows {
		c := r.cells
		mrows[i] = mapping.Row{SourceField: c["source_field"], Name: c["name"], TargetSchema: c["target_schema"],
			TargetPath: c["target_path"], Transform: c["transform"], Args: c["args"], MaxLength: c["max_length"],
			Note: c["note"], Lost: c["lost"], Line: r.n}
	}
	t, err := mapping.NewTable(name, s.tableFile(), mrows)
	if err != nil {
		s.tableErrors(err)
	}
	if len(s.probs) > 0 {
		return nil
	}
	return t
}

func (s *sheetReader) defaults(wb *excelize.File) *mapping.Defaults {
	rows, ok := s.rows(wb, mapping.DefaultsColumns, "applies")
	if !ok {
		return nil
	}
	drows := make([]mapping.DefaultRow, len(rows))
	for i, r := range rows {
		c := r.cells
		drows[i] = mapping.DefaultRow{TargetSchema: c["target_schema"], TargetPath: c["target_path"], Value: c["value"],
			Transform: c["transform"], Applies: c["applies"], Note: c["note"], Line: r.n}
	}
	d, err := mapping.NewDefaults(s.tableFile(), drows)
	if err != nil {
		s.tableErrors(err)
	}
	if len(s.probs) > 0 {
		return nil
	}
	return d
}

// tableErrors turns the errors of mapping.NewTable / NewDefaults into
// problems at sheet cells, in row order.
func (s *sheetReader) tableErrors(err error) {
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		var te *mapping.TableError
		if errors.As(err, &te) {
			s.add(te.Line, te.Column, te.Err)
			return
		}
		s.add(0, "", err)
	}
	walk(err)
	sort.SliceStable(s.probs, func(i, j int) bool { return s.probs[i].Row < s.probs[j].Row })
}

// Limits of a mapping workbook. Real ones are tens of kilobytes with a few
// hundred rows per sheet; anything far larger is refused before it is
// unzipped or read row by row, in bounded time and memory (a zip bomb
// declares gigabytes in a kilobyte).
const (
	MaxWorkbookBytes = 8 << 20  // the .xlsx file
	MaxUnzipped      = 32 << 20 // all its parts, unzipped
	MaxRows          = 5000     // rows of one sheet
)

// readBounded reads the workbook, refusing one over MaxWorkbookBytes or
// whose parts would unzip to more than MaxUnzipped.
func readBounded(r io.Reader, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxWorkbookBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(data) > MaxWorkbookBytes {
		return nil, fmt.Errorf("%s: the workbook is over %d MB: a mapping workbook is tens of kilobytes (export one with 'upsmigrate mapping export')", name, MaxWorkbookBytes>>20)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable .xlsx workbook: %w", name, err)
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > MaxUnzipped || total > MaxUnzipped {
			return nil, fmt.Errorf("%s: part %s unzips to more than %d MB: not a mapping workbook (they unzip to well under a megabyte)", name, f.Name, MaxUnzipped>>20)
		}
	}
	return data, nil
}
