package model

import (
	"fmt"
	"strconv"
)

// Format names of the input readers.
const (
	FormatConcur = "concur" // Concur employee import flat file
	FormatV1XML  = "v1xml"  // legacy Users V1 batch XML
	FormatV3JSON = "v3json" // legacy Users 3.0/3.1 JSON payload
)

// Position is where a record starts in an input: its file and 1-based line,
// and, for a record that starts on the line of another one (minified JSON
// or XML), its 1-based index among the file's records.
type Position struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Item int    `json:"item,omitempty"`
}

// Source is the lineage of the record as a whole.
func (p Position) Source() Source { return Source{File: p.File, Line: p.Line, Item: p.Item} }

func (p Position) String() string {
	return p.File + ":" + strconv.Itoa(p.Line) + itemSuffix(p.Item)
}

// itemSuffix tells records that share a line apart in positions.
func itemSuffix(item int) string {
	if item == 0 {
		return ""
	}
	return " [item " + strconv.Itoa(item) + "]"
}

// Source names one input value: the file, the line and the field it came
// from. It is the left end of every value's lineage.
type Source struct {
	File  string `json:"file"`
	Line  int    `json:"line"`
	Item  int    `json:"item,omitempty"`  // Position.Item of the record
	Field string `json:"field,omitempty"` // field key: "5" for flat files, element/property name otherwise
	Name  string `json:"name,omitempty"`  // human name of the field, "Employee ID"
}

// Pos is the position of the source's record, as far as the source
// knows it (a value's line may be below the record's first line).
func (s Source) Pos() Position { return Position{File: s.File, Line: s.Line, Item: s.Item} }

// String renders the source as file:line:field, where field is the key
// followed by the field's name in parentheses when it differs from the key.
func (s Source) String() string {
	out := s.File + ":" + strconv.Itoa(s.Line)
	if s.Field == "" {
		return out + itemSuffix(s.Item)
	}
	out += ":" + s.Field
	if s.Name != "" && s.Name != s.Field {
		out += " (" + s.Name + ")"
	}
	return out + itemSuffix(s.Item)
}

// Record is one input record: a flat-file row, a V1 UserProfile element or a
// 3.x Items[] element. Keys and Names are shared between records of a type
// and must not be modified.
type Record struct {
	Format string   // FormatConcur, FormatV1XML or FormatV3JSON
	Type   string   // "100", "305", ... for flat files; "v1" for V1 XML; "3.0" or "3.1" for JSON
	Pos    Position // where the record starts
	Keys   []string // field keys, parallel to Values: "1".."137" for flat files, element or property names otherwise
	Names  []string // human names, parallel to Keys (may be nil)
	Values []string // field values; a flat-file row may be shorter than its type's field count
	Lines  []int    // line of each value, parallel to Values; nil means every value is on Pos.Line
	// Line, when not empty, is the record's one line as read, and Values
	// are the fields of Line separated by Sep, quoted (if at all) only
	// around whole fields that hold no quote (a flat-file row read as a
	// plain line, concur.SplitLine): a store may keep Line instead of
	// Values.
	Line string
	Sep  byte
}

// Len is the number of values present.
func (r *Record) Len() int { return len(r.Values) }

// Index returns the index of key in the record, or -1.
func (r *Record) Index(key string) int {
	for i, k := range r.Keys {
		if k == key {
			if i < len(r.Values) {
				return i
			}
			return -1
		}
	}
	return -1
}

// Get returns the value of key ("" when absent or short row) and whether the
// field was present.
func (r *Record) Get(key string) (string, bool) {
	i := r.Index(key)
	if i < 0 {
		return "", false
	}
	return r.Values[i], true
}

// Field returns the value at 1-based flat-file position n, "" when the row
// is shorter.
func (r *Record) Field(n int) string {
	if n < 1 || n > len(r.Values) {
		return ""
	}
	return r.Values[n-1]
}

// Source returns the lineage of value i.
func (r *Record) Source(i int) Source {
	s := r.Pos.Source()
	if i >= 0 && i < len(r.Keys) {
		s.Field = r.Keys[i]
	}
	if i >= 0 && i < len(r.Names) {
		s.Name = r.Names[i]
	}
	if i >= 0 && i < len(r.Lines) && r.Lines[i] > 0 {
		s.Line = r.Lines[i]
	}
	return s
}

// SourceOf returns the lineage of the field with the given key; when the key
// is unknown the source names the record only.
func (r *Record) SourceOf(key string) Source {
	for i, k := range r.Keys {
		if k == key {
			return r.Source(i)
		}
	}
	s := r.Pos.Source()
	s.Field = key
	return s
}

// ParseError is an error in an input, positioned at file:line[:field]. It
// wraps its cause. A reader that returns a ParseError with Fatal false has
// skipped the bad record and can go on with the next one; a fatal one ends
// the input.
type ParseError struct {
	File   string
	Line   int
	Column int    // 1-based byte column, 0 when unknown
	Field  string // field key or name, "" when the error is about the whole record
	Err    error
	Fatal  bool
}

func (e *ParseError) Error() string {
	s := Source{File: e.File, Line: e.Line, Field: e.Field}
	return fmt.Sprintf("%s: %v", s.String(), e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Severity of a diagnostic.
type Severity string

// Severities.
const (
	SevWarning Severity = "warning"
	SevError   Severity = "error"
	// SevInfo says why a record ended as it did when nothing is wrong
	// (a 100 record's settings are applied, not sent); it is not a warning.
	SevInfo Severity = "info"
)

// Diagnostic is a warning or error about one input value or record,
// optionally naming the mapping-table row involved (Benthos-style: both ends).
type Diagnostic struct {
	Severity Severity `json:"severity"`
	Source   Source   `json:"source"`
	Row      string   `json:"row,omitempty"` // mapping table row: "mapping/tables/305.csv:17"
	Message  string   `json:"message"`
}

func (d Diagnostic) String() string {
	s := d.Source.String() + ": " + string(d.Severity) + ": " + d.Message
	if d.Row != "" {
		s += " [" + d.Row + "]"
	}
	return s
}

// Error lets a Diagnostic be returned as an error.
func (d Diagnostic) Error() string { return d.String() }

// ImportSettings are the settings an input file carries for its records
// (Concur's record type 100), format-specific: they marshal to JSON as
// report.json holds them, and Describe says them in a sentence.
type ImportSettings interface {
	Describe() string
	// ConvertNotes are the warnings a conversion of file owes its user
	// about the settings (replace: existing users are sent whole).
	ConvertNotes(file string, replace bool) []Diagnostic
}
