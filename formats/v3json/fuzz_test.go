package v3json

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

func FuzzReader(f *testing.F) {
	for _, path := range []string{
		"../../samples/legacy/users-v3.0.json",
		"../../samples/legacy/users-v3.1.json",
		"testdata/mixed-errors.json",
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"\ufeff{}",
		`{"Items": []}`,
		`[{"EmployeeID": "A"}]`,
		`{"Items": [1, [2], {"a": {"b": [3]}}, {"Emails": [[], {}, null, "x", {"y": [1]}]}], "company": {"name": 1}}`,
		`{"Items": [{"a": "\u0000\ud800"}]}{}`,
		"{\"Items\": [{\"a\": \"\xff\x00\"}]}",
		"\xfe\xff\x00{",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		formattest.Drain(t, NewReader(bytes.NewReader(data), "fuzz.json"))
		// Every position lies inside the input.
		maxLine := bytes.Count(data, []byte("\n")) + 1
		r := NewReader(bytes.NewReader(data), "fuzz.json")
		for i := 0; ; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			var pe *model.ParseError
			if errors.As(err, &pe) {
				if pe.File != "fuzz.json" || pe.Line < 1 || pe.Line > maxLine {
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
			for j, l := range rec.Lines {
				if l < rec.Pos.Line || l > maxLine {
					t.Fatalf("value %s at line %d outside record at line %d (input %d lines)", rec.Keys[j], l, rec.Pos.Line, maxLine)
				}
			}
		}
		if rec, err := r.Next(); err == nil {
			t.Fatalf("record %v after the end", rec)
		}
		for _, w := range r.Warnings() {
			if w.Source.File != "fuzz.json" || w.Source.Line < 1 || w.Source.Line > maxLine {
				t.Errorf("warning outside the input: %v", w)
			}
		}
	})
}
