package concur

import (
	"strconv"
	"strings"
)

// FieldDef describes one position of a record type, as listed in
// spec/records/NNN.csv. The reader checks structure only; MaxLen, Format and
// Allowed are exported for the mapping and validation stages.
type FieldDef struct {
	Number   int      // 1-based position in the row
	Name     string   // field name from the spec
	MaxLen   int      // maximum length in characters, 0 when the spec gives none
	Format   string   // spec format: "text", "Y/N", "employee ID", "code" …
	Required bool     // the spec marks the field required
	Allowed  []string // allowed values when the spec lists them (nil otherwise)
}

// RecordType is one Concur employee import record type: its code (field 1),
// its name and its fields in position order.
type RecordType struct {
	Code   string
	Name   string
	Fields []FieldDef

	keys  []string // "1".."N", shared by every record of the type
	names []string // field names, shared by every record of the type
}

// Keys returns the field keys "1".."N" shared by every record of the type;
// callers must not modify the slice.
func (t *RecordType) Keys() []string { return t.keys }

// Names returns the field names shared by every record of the type; callers
// must not modify the slice.
func (t *RecordType) Names() []string { return t.names }

// types is the table of record types the reader accepts: one entry per
// rtNNN.go file, in code order.
var types = []*RecordType{
	rt100,
	rt300,
	rt305,
	rt310,
	rt320,
	rt350,
	rt370,
	rt400,
	rt500,
	rt550,
}

// knownCodes lists the codes for error messages: "100, 300, …, 550".
var knownCodes string

func init() {
	codes := make([]string, len(types))
	for i, t := range types {
		codes[i] = t.Code
		t.keys = make([]string, len(t.Fields))
		t.names = make([]string, len(t.Fields))
		for j, f := range t.Fields {
			t.keys[j] = strconv.Itoa(f.Number)
			t.names[j] = f.Name
		}
	}
	knownCodes = strings.Join(codes, ", ")
}

// Types returns the record types in code order. The slice is a copy; the
// RecordType values are shared and must not be modified.
func Types() []*RecordType {
	return append([]*RecordType(nil), types...)
}

// Lookup returns the record type with the given code ("305").
func Lookup(code string) (*RecordType, bool) {
	for _, t := range types {
		if t.Code == code {
			return t, true
		}
	}
	return nil, false
}
