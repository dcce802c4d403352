package v1xml

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
		"../../samples/legacy/users-v1-batch.xml",
		"../../samples/legacy/users-v1-nons.xml",
		"testdata/mixed-errors.xml",
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"\ufeff<batch/>",
		"<batch><UserProfile><EmpId>A</EmpId></UserProfile></batch>",
		"<batch><UserProfile><EmpId><x/></EmpId></UserProfile>junk<y/></batch><z/>",
		"<batch><UserProfile><Password>a&b;</Password></UserProfile></batch>",
		"<?xml version=\"1.0\" encoding=\"latin1\"?><batch>\xe9</batch>",
		"\xff\xfe<\x00",
		"<batch>\x00\x01\x1f\xc3</batch>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		formattest.Drain(t, NewReader(bytes.NewReader(data), "fuzz.xml"))
		// Every position lies inside the input.
		maxLine := bytes.Count(data, []byte("\n")) + 1
		r := NewReader(bytes.NewReader(data), "fuzz.xml")
		for i := 0; ; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			var pe *model.ParseError
			if errors.As(err, &pe) {
				if pe.File != "fuzz.xml" || pe.Line < 1 || pe.Line > maxLine {
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
			if v, ok := rec.Get("Password"); ok && v != "" && v != Redacted {
				t.Fatalf("password value not redacted")
			}
		}
		if rec, err := r.Next(); err == nil {
			t.Fatalf("record %v after the end", rec)
		}
		for _, w := range r.Warnings() {
			if w.Source.File != "fuzz.xml" || w.Source.Line < 1 || w.Source.Line > maxLine {
				t.Errorf("warning outside the input: %v", w)
			}
		}
	})
}
