package mapping

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gocarina/gocsv"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

//go:embed tables/*.csv
var tablesFS embed.FS

// EmbeddedDir is the directory the embedded tables are named after in
// positions ("mapping/tables/305.csv:17").
const EmbeddedDir = "mapping/tables"

// Columns is the header of a table file, in order. Files may order their
// columns differently but must have each exactly once, except the optional
// columns (OptionalColumns), which may be left out.
var Columns = []string{"source_field", "name", "target_schema", "target_path", "transform", "args", "max_length", "note", "lost"}

// OptionalColumns are the columns of Columns a table file may leave out
// (tables written before they existed): lost.
var OptionalColumns = []string{"lost"}

func optionalColumn(c string) bool {
	for _, o := range OptionalColumns {
		if o == c {
			return true
		}
	}
	return false
}

// NotSupported is the target_schema of fields without a UPS target.
const NotSupported = "NOT SUPPORTED"

// Row is one row of a mapping table: how one source field maps.
type Row struct {
	SourceField  string `csv:"source_field"`  // field position ("5") or element/property key ("EmpId", "Emails[*]")
	Name         string `csv:"name"`          // human name of the source field
	TargetSchema string `csv:"target_schema"` // token of spec/notation.csv ("spend:2.0:User"), NOT SUPPORTED, or empty
	TargetPath   string `csv:"target_path"`   // attribute path in SCIM filter notation
	Transform    string `csv:"transform"`     // one of Transforms()
	Args         string `csv:"args"`          // transform argument
	MaxLength    string `csv:"max_length"`    // maximum input length in characters; empty = none
	Note         string `csv:"note"`          // why (unsupported) or which choice was made
	// Lost (optional column) says to the user what a value means that UPS
	// cannot hold: for unsupported rows what the dropped value loses
	// ("the user will not get role X"), for forbid rows why the record is
	// refused and what to do instead. Other rows ignore it (a row mapped
	// in an override table may keep the text of the unsupported row).
	Lost string `csv:"lost"`
	Line int    `csv:"-"` // line in the table file (1 = header)
}

// Values returns the row's cells in Columns order.
func (r Row) Values() []string {
	return []string{r.SourceField, r.Name, r.TargetSchema, r.TargetPath, r.Transform, r.Args, r.MaxLength, r.Note, r.Lost}
}

// TableError is a problem in a mapping table, positioned at
// file:line:column.
type TableError struct {
	File   string
	Line   int    // 0 = the file as a whole
	Column string // column name; "" = the whole row
	Err    error

	cols []string // the file's columns when not Columns (defaults table)
}

func (e *TableError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if e.Column != "" {
		n := columnNumber(e.Column)
		if e.cols != nil {
			n = defaultsColumn(e.Column)
		}
		if n > 0 {
			s += ":" + strconv.Itoa(n)
		}
		s += " (" + e.Column + ")"
	}
	return s + ": " + e.Err.Error()
}

func (e *TableError) Unwrap() error { return e.Err }

func columnNumber(name string) int {
	for i, c := range Columns {
		if c == name {
			return i + 1
		}
	}
	return 0
}

// Table is one validated, compiled mapping table: one per source (record
// type, V1, 3.0, 3.1). It is immutable and safe for concurrent use.
type Table struct {
	Name string // "305", "v1", "v3.1": the file name without .csv
	File string // where it came from: "mapping/tables/305.csv" or an override path
	rows []Row
	c    *compiled
}

// Rows returns a copy of the table's rows in file order.
func (t *Table) Rows() []Row { return append([]Row(nil), t.rows...) }

// RowRef names a row as file:line, the form used in Attr.Row and
// Diagnostic.Row.
func (t *Table) RowRef(r Row) string { return t.File + ":" + strconv.Itoa(r.Line) }

// Numbered reports whether the table maps a flat-file record by field
// position (else by element or property key).
func (t *Table) Numbered() bool { return t.c.numbered }

// FieldCount is the number of field positions of a numbered table (0 for
// keyed tables).
func (t *Table) FieldCount() int {
	if !t.c.numbered {
		return 0
	}
	return len(t.c.rows)
}

// posReader is a CSV reader that remembers the line each record starts on.
type posReader struct {
	r     *csv.Reader
	lines []int
}

func (p *posReader) Read() ([]string, error) {
	rec, err := p.r.Read()
	if err == nil {
		line, _ := p.r.FieldPos(0)
		p.lines = append(p.lines, line)
	}
	return rec, err
}

func (p *posReader) ReadAll() ([][]string, error) {
	var out [][]string
	for {
		rec, err := p.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}

// ParseTable reads, validates and compiles one table in CSV form. name is
// the table name ("305"); file names it in positions.
func ParseTable(name, file string, r io.Reader) (*Table, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	cr := csv.NewReader(br)
	pr := &posReader{r: cr}
	all, err := pr.ReadAll()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &TableError{File: file, Line: pe.Line, Err: pe.Err}
		}
		return nil, &TableError{File: file, Err: err}
	}
	if len(all) == 0 {
		return nil, &TableError{File: file, Err: errors.New("empty table: want the header " + strings.Join(Columns, ","))}
	}
	if err := checkHeader(all[0]); err != nil {
		return nil, &TableError{File: file, Line: pr.lines[0], Err: err}
	}
	var rows []Row
	if len(all) > 1 {
		if err := gocsv.UnmarshalCSV(&sliceReader{recs: all}, &rows); err != nil {
			return nil, &TableError{File: file, Err: err}
		}
	}
	for i := range rows {
		rows[i].Line = pr.lines[i+1]
	}
	return NewTable(name, file, rows)
}

// sliceReader hands already-read records to gocsv.
type sliceReader struct {
	recs [][]string
	i    int
}

func (s *sliceReader) Read() ([]string, error) {
	if s.i >= len(s.recs) {
		return nil, io.EOF
	}
	s.i++
	return s.recs[s.i-1], nil
}

func (s *sliceReader) ReadAll() ([][]string, error) {
	out := s.recs[s.i:]
	s.i = len(s.recs)
	return out, nil
}

func checkHeader(h []string) error {
	seen := map[string]bool{}
	var unknown []string
	for _, c := range h {
		c = strings.TrimSpace(c)
		if columnNumber(c) == 0 {
			unknown = append(unknown, strconv.Quote(c))
			continue
		}
		if seen[c] {
			return fmt.Errorf("column %q appears twice", c)
		}
		seen[c] = true
	}
	var missing []string
	for _, c := range Columns {
		if !seen[c] && !optionalColumn(c) {
			missing = append(missing, c)
		}
	}
	if len(unknown) > 0 || len(missing) > 0 {
		return fmt.Errorf("bad header: unknown columns [%s], missing columns [%s]; want %s",
			strings.Join(unknown, " "), strings.Join(missing, " "), strings.Join(Columns, ","))
	}
	return nil
}

// NewTable validates and compiles rows into a table (for tables read from
// other forms, such as a spreadsheet). Rows keep their Line for positions.
// All problems are reported together, each as a *TableError.
func NewTable(name, file string, rows []Row) (*Table, error) {
	t := &Table{Name: name, File: file, rows: append([]Row(nil), rows...)}
	for i := range t.rows {
		r := &t.rows[i]
		r.SourceField = strings.TrimSpace(r.SourceField)
		r.TargetSchema = strings.TrimSpace(r.TargetSchema)
		r.TargetPath = strings.TrimSpace(r.TargetPath)
		r.Transform = strings.TrimSpace(r.Transform)
		r.Args = strings.TrimSpace(r.Args)
		r.MaxLength = strings.TrimSpace(r.MaxLength)
		r.Lost = strings.TrimSpace(r.Lost)
	}
	c, err := compile(t)
	if err != nil {
		return nil, err
	}
	t.c = c
	return t, nil
}

// Write prints the table as aligned text, for `upsmigrate mapping show`.
func (t *Table) Write(w io.Writer) error {
	kind := "keyed by element"
	if t.c.numbered {
		kind = strconv.Itoa(len(t.c.rows)) + " fields"
	}
	if _, err := fmt.Fprintf(w, "mapping table %s (%s, %s)\n\n", t.Name, t.File, kind); err != nil {
		return err
	}
	head := []string{"FIELD", "NAME", "TARGET", "TRANSFORM", "ARGS", "MAX", "NOTE"}
	lost := false // a LOST column (before NOTE) when some row says what is lost
	for _, r := range t.rows {
		lost = lost || r.Lost != ""
	}
	if lost {
		head = []string{"FIELD", "NAME", "TARGET", "TRANSFORM", "ARGS", "MAX", "LOST", "NOTE"}
	}
	cells := make([][]string, 0, len(t.rows)+1)
	cells = append(cells, head)
	for _, r := range t.rows {
		target := r.TargetSchema
		if r.TargetPath != "" {
			target += " " + r.TargetPath
		}
		if target == "" {
			target = "-"
		}
		if lost {
			cells = append(cells, []string{r.SourceField, r.Name, target, r.Transform, r.Args, r.MaxLength, r.Lost, r.Note})
		} else {
			cells = append(cells, []string{r.SourceField, r.Name, target, r.Transform, r.Args, r.MaxLength, r.Note})
		}
	}
	width := make([]int, len(head))
	for _, row := range cells {
		for i, c := range row[:len(row)-1] {
			if n := len([]rune(c)); n > width[i] {
				width[i] = n
			}
		}
	}
	var b strings.Builder
	for _, row := range cells {
		b.Reset()
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))+2))
			}
		}
		if _, err := io.WriteString(w, strings.TrimRight(b.String(), " ")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// Set is a complete set of mapping tables, one per source. It is immutable
// and safe for concurrent use.
type Set struct {
	tables   map[string]*Table
	defaults *Defaults
}

// Defaults returns the defaults table (possibly with no rows).
func (s *Set) Defaults() *Defaults { return s.defaults }

// WithDefaults returns a new set with the same tables and defaults d.
func (s *Set) WithDefaults(d *Defaults) *Set {
	out := s.With()
	out.defaults = d
	return out
}

// TableName is the name of the table that maps rec: the record type for flat
// files ("305"), "v1" for V1 XML, "v3.0"/"v3.1" for 3.x JSON.
func TableName(rec *model.Record) string {
	switch rec.Format {
	case model.FormatV1XML:
		return "v1"
	case model.FormatV3JSON:
		return "v" + rec.Type
	}
	return rec.Type
}

// Table returns the table of the given name ("305", "v1", "v3.1").
func (s *Set) Table(name string) (*Table, bool) {
	t, ok := s.tables[name]
	return t, ok
}

// Tables lists the tables: numbered ones by record type, then the others by
// name.
func (s *Set) Tables() []*Table {
	out := make([]*Table, 0, len(s.tables))
	for _, t := range s.tables {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		a, aerr := strconv.Atoi(out[i].Name)
		b, berr := strconv.Atoi(out[j].Name)
		switch {
		case aerr == nil && berr == nil:
			return a < b
		case aerr == nil:
			return true
		case berr == nil:
			return false
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// With returns a new set in which the given tables replace those of the
// same name (or are added).
func (s *Set) With(tables ...*Table) *Set {
	out := &Set{tables: make(map[string]*Table, len(s.tables)+len(tables)), defaults: s.defaults}
	for n, t := range s.tables {
		out.tables[n] = t
	}
	for _, t := range tables {
		out.tables[t.Name] = t
	}
	return out
}

var defaultSet = sync.OnceValues(func() (*Set, error) {
	entries, err := tablesFS.ReadDir("tables")
	if err != nil {
		return nil, err
	}
	s := &Set{tables: map[string]*Table{}}
	var errs []error
	for _, e := range entries {
		if e.Name() == DefaultsFile {
			data, err := tablesFS.ReadFile("tables/" + e.Name())
			if err != nil {
				return nil, err
			}
			if s.defaults, err = ParseDefaults(EmbeddedDir+"/"+e.Name(), bytes.NewReader(data)); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		name, ok := tableFileName(e.Name())
		if !ok {
			continue
		}
		data, err := tablesFS.ReadFile("tables/" + e.Name())
		if err != nil {
			return nil, err
		}
		t, err := ParseTable(name, EmbeddedDir+"/"+e.Name(), bytes.NewReader(data))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.tables[name] = t
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
})

// tableFileName returns the table name of a file in a table directory.
func tableFileName(file string) (string, bool) {
	if !strings.HasSuffix(file, ".csv") || file == roleCodesFile || file == DefaultsFile {
		return "", false
	}
	return strings.TrimSuffix(file, ".csv"), true
}

// Default returns the embedded tables.
func Default() (*Set, error) { return defaultSet() }

// LoadDir returns the embedded tables with every <name>.csv file of dir
// replacing the embedded table of that name (or adding a table, e.g.
// 360.csv). Other files are ignored. All problems are reported together.
func LoadDir(dir string) (*Set, error) {
	base, err := Default()
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("mapping directory: %w", err)
	}
	var tables []*Table
	var defaults *Defaults
	var errs []error
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if e.Name() == DefaultsFile {
			path := filepath.Join(dir, e.Name())
			f, err := os.Open(path)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			defaults, err = ParseDefaults(path, f)
			f.Close()
			if err != nil {
				errs = append(errs, err)
			}
			continue
		}
		if e.Name() == roleCodesFile {
			errs = append(errs, &TableError{File: filepath.Join(dir, e.Name()), Err: errors.New("the role-code list is built in and cannot be overridden")})
			continue
		}
		name, ok := tableFileName(e.Name())
		if !ok {
			continue
		}
		path := filepath.Join(dir, e.Name())
		f, err := os.Open(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t, err := ParseTable(name, path, f)
		f.Close()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		tables = append(tables, t)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := base.With(tables...)
	if defaults != nil {
		out.defaults = defaults
	}
	return out, nil
}
