package gen

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Shape names a set of input files for one run of convert.
type Shape string

// The shapes WriteFiles knows.
const (
	// Shape305 is one 305 file (Write305).
	Shape305 Shape = "305"
	// ShapeMixed is the 305 file and, in separate files for the same
	// employees, 350, 400 and 500 records in seeded random orders.
	ShapeMixed Shape = "mixed"
	// ShapeFindings is one 305 file whose every record carries a value
	// convert drops with a warning (Write305Findings).
	ShapeFindings Shape = "findings"
	// ShapeVaried is one 305 file whose records fill varying subsets of
	// the optional fields (Write305Varied).
	ShapeVaried Shape = "varied"
	// ShapeLacking is one 305 file without reimbursement currencies
	// (Write305Lacking): every new user has a schema finding, and a
	// warning.
	ShapeLacking Shape = "lacking"
)

// Shapes lists every shape, in the order benchmarks report them.
var Shapes = []Shape{Shape305, ShapeMixed, ShapeFindings, ShapeVaried, ShapeLacking}

// ParseShape returns the shape named s.
func ParseShape(s string) (Shape, error) {
	for _, sh := range Shapes {
		if string(sh) == s {
			return sh, nil
		}
	}
	names := make([]string, len(Shapes))
	for i, sh := range Shapes {
		names[i] = string(sh)
	}
	return "", fmt.Errorf("gen: unknown shape %q: expected %s", s, strings.Join(names, ", "))
}

type genFile struct {
	name  string
	write func(io.Writer, int, int64) error
}

func (s Shape) files() []genFile {
	switch s {
	case Shape305:
		return []genFile{{"employees-305.csv", Write305}}
	case ShapeMixed:
		return []genFile{
			{"employees-305.csv", Write305},
			{"travel-350.csv", Write350},
			{"roles-400.csv", Write400},
			{"delegates-500.csv", Write500},
		}
	case ShapeFindings:
		return []genFile{{"employees-305-findings.csv", Write305Findings}}
	case ShapeVaried:
		return []genFile{{"employees-305-varied.csv", Write305Varied}}
	case ShapeLacking:
		return []genFile{{"employees-305-lacking.csv", Write305Lacking}}
	}
	return nil
}

// WriteFiles writes the files of the shape for rows employees and the seed
// into dir (created 0700 if missing; files 0600, replaced if present) and
// returns their paths in processing order (the 305 file first). A file
// that cannot be written completely is removed.
func WriteFiles(dir string, shape Shape, rows int, seed int64) ([]string, error) {
	files := shape.files()
	if files == nil {
		_, err := ParseShape(string(shape))
		return nil, err
	}
	if err := checkRows(rows); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	var paths []string
	for _, gf := range files {
		path := filepath.Join(dir, gf.name)
		if err := writeFile(path, func(w io.Writer) error { return gf.write(w, rows, seed) }); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	err = f.Chmod(0o600)
	if err == nil {
		err = write(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("gen: writing %s: %w", path, err)
	}
	return nil
}
