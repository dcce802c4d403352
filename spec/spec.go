package spec

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io/fs"
	"strings"
)

// files is the whole spec directory. Only FS, ReadFile and ReadTable use it,
// so a binary that calls none of them leaves it out.
//
//go:embed *.csv records legacy ups-v4 reference
var files embed.FS

// FS returns the spec files, named by their path under spec/
// ("records/305.csv", "ups-v4/postman-collection.json").
func FS() fs.FS { return files }

// ReadFile returns the contents of the spec file name ("notation.csv").
func ReadFile(name string) ([]byte, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	return b, nil
}

// Table is a CSV file of the spec: its header and its rows, as written
// (a row may be shorter or longer than the header).
type Table struct {
	Name   string     // path under spec/: "records/305.csv"
	Header []string   // the first line
	Rows   [][]string // the lines after the header
}

// ReadTable reads the CSV file name of the spec ("records/305.csv").
func ReadTable(name string) (*Table, error) {
	b, err := ReadFile(name)
	if err != nil {
		return nil, err
	}
	return parseTable(name, string(b))
}

func parseTable(name, text string) (*Table, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("spec: %s: %w", name, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("spec: %s: empty", name)
	}
	return &Table{Name: name, Header: rows[0], Rows: rows[1:]}, nil
}

// Column returns the index of the header column name, or -1.
func (t *Table) Column(name string) int {
	for i, h := range t.Header {
		if h == name {
			return i
		}
	}
	return -1
}

// Records returns the rows as maps from header name to cell; cells a short
// row leaves out are "".
func (t *Table) Records() []map[string]string {
	out := make([]map[string]string, 0, len(t.Rows))
	for _, r := range t.Rows {
		m := make(map[string]string, len(t.Header))
		for i, h := range t.Header {
			if i < len(r) {
				m[h] = r[i]
			} else {
				m[h] = ""
			}
		}
		out = append(out, m)
	}
	return out
}
