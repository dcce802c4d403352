package concur

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
	"github.com/upsmigrate/upsmigrate/formats/internal/control"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// FuzzReader feeds arbitrary bytes to the reader: it must not panic, must
// end, and every record it returns must be well-formed text (no NUL, no control
// character but tab and line breaks) within its
// record type's width. The read is the same with and without the plain
// path, and on input read without errors the values are encoding/csv's
// (once the bare CRs outside quotes are line feeds: see bareCRs).
func FuzzReader(f *testing.F) {
	seeds := []string{
		"",
		s100 + "305,Ann,,Lee,E1\n",
		"\ufeff100,0,SSO,UPDATE,EN,N,N\r\n305,\"Lee, Ann\",\"a \"\"b\"\"\",\"x\r\ny\"\r\n",
		"305,\"unterminated\n400,E1,EXP_APPROVER\n",
		"305,\"a\"b,c\n305,a\"b\n",
		"305,\x00\n310,\xff\xfe\n",
		"400," + fields(20, "x") + "\n",
		"\n\n,,,\n \t\n",
		"\x00\x01\x02\xff\xfe",
		"\xff\xfe3\x000\x005\x00",
		s100 + "305,\"Lee, Ann\",,\"\",E1\r\n\r\n305,a,\"b\"\r\n305,c\r",
		s100 + "305,\"a\"\"b\",c\n305,x,\"y\nz\"\n305,\"\",\n",
		"100;0;SSO;UPDATE;EN;N;N\n305;\"Lee; Ann\";,;E1\n400;E1\n",
		"305\tAnn\t\"a\tb\"\n",
		s100 + "305,A\x1bnn,\"B\u0085\",\x7f\n400,E1\f\n",
		s100 + "305,Ann,Org1\r305,Bo\n400,E1\r\r\n305,\"a\rb\"\r305,\"\r\",c\r",
		"305;\"x\r\";y\r305,An\"n\r305,\"Bo\"x\r305,\"Cy\r305,Di\n",
	}
	formattest.Seed(f, seeds...)
	for _, dir := range []string{"../../samples/concur", "testdata/bad", "testdata/odd"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		formattest.SeedFiles(f, files...)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		formattest.Drain(t, NewReader(bytes.NewReader(data), "fuzz"))
		readBoth(t, data, 4<<10, false)
		matchCSV(t, data)

		r := NewReader(bytes.NewReader(data), "fuzz")
		r.maxRecord = 4 << 10
		last := 0
		for i := 0; i < 1_000_000; i++ {
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var pe *model.ParseError
			if err != nil {
				if !errors.As(err, &pe) {
					t.Fatalf("error %T %v", err, err)
				}
				if pe.Fatal {
					return
				}
				if pe.Line <= last {
					t.Fatalf("error at line %d after an event at line %d", pe.Line, last)
				}
				last = pe.Line
				continue
			}
			if rec.Pos.Line <= last {
				t.Fatalf("record at line %d after an event at line %d", rec.Pos.Line, last)
			}
			last = rec.Pos.Line
			rt, ok := Lookup(rec.Type)
			if !ok || len(rec.Values) > len(rt.Fields) || len(rec.Keys) != len(rt.Fields) || rec.Values[0] != rt.Code {
				t.Fatalf("record %s at line %d with %d values", rec.Type, rec.Pos.Line, len(rec.Values))
			}
			for i, v := range rec.Values {
				if !utf8.ValidString(v) || bytes.IndexByte([]byte(v), 0) >= 0 || control.Contains(v) {
					t.Fatalf("record at line %d: field %d is not clean UTF-8 text: %q", rec.Pos.Line, i+1, v)
				}
			}
		}
		t.Fatal("reader did not end")
	})
}

// matchCSV checks that when the reader reads data without any error, its
// records are the rows encoding/csv reads, blank rows aside.
func matchCSV(t *testing.T, data []byte) {
	rows, lines, err := csvRows(data)
	if err != nil {
		return
	}
	r := NewReader(bytes.NewReader(data), "fuzz")
	var got []string
	for i := 0; i < 1_000_000; i++ {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return
		}
		got = append(got, fmt.Sprintf("%d %q", rec.Pos.Line, rec.Values))
	}
	if len(got) != len(rows) {
		t.Fatalf("%d records, encoding/csv read %d rows", len(got), len(rows))
	}
	for i, row := range rows {
		if want := fmt.Sprintf("%d %q", lines[i], row); got[i] != want {
			t.Fatalf("record %d = %s, encoding/csv: %s", i, got[i], want)
		}
	}
}
