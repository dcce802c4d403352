package formattest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/internal/control"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// SeedFiles adds the contents of the files at paths to f's seed corpus.
func SeedFiles(f *testing.F, paths ...string) {
	f.Helper()
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// Seed adds inputs to f's seed corpus.
func Seed(f *testing.F, inputs ...string) {
	for _, s := range inputs {
		f.Add([]byte(s))
	}
}

// Fuzz is the body of a fuzz test for a reader whose records carry
// parallel Keys, Names, Values and Lines. It drains a reader on data (see
// Drain), then reads data again and fails when an error, record, field or
// warning lies outside data's lines or names another file than name, when
// a record's slices are not parallel or hold a control character (see
// formats/internal/control), or when Next yields a record after the end.
// check, when not nil, sees every record.
func Fuzz(t *testing.T, data []byte, name string, open func(io.Reader, string) Reader, check func(*testing.T, *model.Record)) {
	t.Helper()
	Drain(t, open(bytes.NewReader(data), name))
	maxLine := bytes.Count(data, []byte("\n")) + 1
	r := open(bytes.NewReader(data), name)
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		var pe *model.ParseError
		if errors.As(err, &pe) {
			if pe.File != name || pe.Line < 1 || pe.Line > maxLine {
				t.Fatalf("error outside the input (%d lines): %v", maxLine, err)
			}
			if pe.Fatal {
				break
			}
			continue
		}
		if err != nil {
			t.Fatalf("error %T is not a *model.ParseError: %v", err, err)
		}
		if rec.Pos.Line < 1 || rec.Pos.Line > maxLine {
			t.Fatalf("record at line %d of %d", rec.Pos.Line, maxLine)
		}
		if len(rec.Keys) != len(rec.Values) || len(rec.Names) != len(rec.Values) || len(rec.Lines) != len(rec.Values) {
			t.Fatalf("record at line %d: keys, names, values, lines not parallel", rec.Pos.Line)
		}
		for j, v := range rec.Values {
			if control.Contains(v) || control.Contains(rec.Keys[j]) || control.Contains(rec.Names[j]) {
				t.Fatalf("record at line %d: field %q holds a control character", rec.Pos.Line, control.Escape(rec.Keys[j]))
			}
		}
		for j, l := range rec.Lines {
			if l < rec.Pos.Line || l > maxLine {
				t.Fatalf("value %s at line %d outside record at line %d (input %d lines)", rec.Keys[j], l, rec.Pos.Line, maxLine)
			}
		}
		if check != nil {
			check(t, rec)
		}
	}
	if rec, err := r.Next(); err == nil {
		t.Fatalf("record %v after the end", rec)
	}
	if w, ok := r.(Warner); ok {
		for _, d := range w.Warnings() {
			if d.Source.File != name || d.Source.Line < 1 || d.Source.Line > maxLine {
				t.Errorf("warning outside the input: %v", d)
			}
		}
	}
}
