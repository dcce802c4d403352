package formats

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/upsmigrate/upsmigrate/formats/concur"
	"github.com/upsmigrate/upsmigrate/formats/v1xml"
	"github.com/upsmigrate/upsmigrate/formats/v3json"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Reader streams the records of one input. Next returns io.EOF at the end; a
// *model.ParseError with Fatal false for a bad record it skipped (call Next
// again); a fatal *model.ParseError when the input cannot be read further.
type Reader interface {
	Next() (*model.Record, error)
}

// Warner is implemented by readers that collect warnings about the input as
// a whole (a missing 100 record, say).
type Warner interface {
	Warnings() []model.Diagnostic
}

// Recycler is implemented by readers that reuse the records they returned
// once the caller hands them back (nothing of them kept): the Concur reader
// does, so a large flat file is read without a record allocated per row.
type Recycler interface {
	Recycle(recs []*model.Record)
}

// SettingsReader is implemented by readers of files that carry import
// settings applying to their records (Concur's record type 100):
// ImportSettings returns them once the file is read, for report.json (as
// JSON) and inspect (Describe).
type SettingsReader interface {
	ImportSettings() model.ImportSettings
}

// Entry is one input format in the table of readers.
type Entry struct {
	Name        string
	Description string
	New         func(r io.Reader, name string) Reader
}

// readers lists every input format upsmigrate reads: one reader per format.
var readers = []Entry{
	{model.FormatConcur, "Concur employee import flat file (record types 100-550)", func(r io.Reader, name string) Reader { return concur.NewReader(r, name) }},
	{model.FormatV1XML, "legacy Users V1 batch XML", func(r io.Reader, name string) Reader { return v1xml.NewReader(r, name) }},
	{model.FormatV3JSON, "legacy Users 3.0/3.1 JSON payload", func(r io.Reader, name string) Reader { return v3json.NewReader(r, name) }},
}

// Names lists the format names, sorted.
func Names() []string {
	out := make([]string, 0, len(readers))
	for _, e := range readers {
		out = append(out, e.Name)
	}
	sort.Strings(out)
	return out
}

// Lookup returns the entry for a format name; an unknown name is an error
// that lists the known ones.
func Lookup(name string) (Entry, error) {
	for _, e := range readers {
		if e.Name == name {
			return e, nil
		}
	}
	return Entry{}, fmt.Errorf("unknown input format %q: expected one of %s", name, strings.Join(Names(), ", "))
}
