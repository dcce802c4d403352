// Package formattest is the conformance suite every input reader passes
// (after golang-migrate's source/testing): positions, io.EOF, error types,
// empty input, recovery after a bad record and no panic on garbage.
package formattest

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Reader is the streaming interface under test.
type Reader interface {
	Next() (*model.Record, error)
}

// Case is one input with what a conforming reader must yield for it.
type Case struct {
	Name  string
	Input string
	// Lines are the starting lines of the records, in order; Types their types.
	Lines []int
	Types []string
	// BadLines are the lines of recoverable errors, in order.
	BadLines []int
	// Fatal says the input ends in a fatal error (after the records above).
	Fatal bool
}

// Harness describes a reader for Run.
type Harness struct {
	// New opens a reader on r; name is the file name for positions.
	New func(r io.Reader, name string) Reader
	// Cases must include at least one valid input with several records.
	Cases []Case
	// Empty says what an empty input yields: false = io.EOF at once, true = a fatal error.
	EmptyIsError bool
}

// maxCalls bounds a reader that never ends.
const maxCalls = 100000

// Run runs the conformance suite.
func Run(t *testing.T, h Harness) {
	t.Helper()
	t.Run("empty", func(t *testing.T) {
		r := h.New(strings.NewReader(""), "empty.txt")
		rec, err := r.Next()
		if rec != nil {
			t.Fatalf("empty input: got record %+v", rec)
		}
		if h.EmptyIsError {
			var pe *model.ParseError
			if !errors.As(err, &pe) || !pe.Fatal {
				t.Fatalf("empty input: want fatal *model.ParseError, got %v", err)
			}
			if pe.File != "empty.txt" || pe.Line < 1 || !strings.HasPrefix(err.Error(), "empty.txt:") {
				t.Errorf("empty input: error %q does not start with file:line", err)
			}
			if _, err2 := r.Next(); err2 == nil || err2 == io.EOF {
				t.Fatalf("Next after fatal error on empty input: want the error again, got %v", err2)
			}
			return
		}
		if err != io.EOF {
			t.Fatalf("empty input: want io.EOF, got %v", err)
		}
		if _, err2 := r.Next(); err2 != io.EOF {
			t.Fatalf("Next after io.EOF on empty input: want io.EOF, got %v", err2)
		}
	})
	for _, c := range h.Cases {
		t.Run(c.Name, func(t *testing.T) {
			r := h.New(strings.NewReader(c.Input), "in.txt")
			var lines, bad []int
			var types []string
			fatal := false
			for i := 0; ; i++ {
				if i > maxCalls {
					t.Fatal("reader never returned io.EOF")
				}
				rec, err := r.Next()
				if err == io.EOF {
					if rec != nil {
						t.Fatal("io.EOF returned with a record")
					}
					// io.EOF must be sticky.
					if _, err2 := r.Next(); err2 != io.EOF {
						t.Fatalf("Next after io.EOF: want io.EOF, got %v", err2)
					}
					break
				}
				if err != nil {
					if rec != nil {
						t.Fatalf("error %v returned with a record", err)
					}
					var pe *model.ParseError
					if !errors.As(err, &pe) {
						t.Fatalf("error is not a *model.ParseError: %T %v", err, err)
					}
					if pe.File != "in.txt" {
						t.Errorf("error names file %q, want in.txt", pe.File)
					}
					if pe.Line < 1 {
						t.Errorf("error without a line: %v", err)
					}
					if !strings.HasPrefix(err.Error(), "in.txt:") {
						t.Errorf("error text %q does not start with file:line", err)
					}
					if pe.Fatal {
						fatal = true
						// A fatal error is sticky.
						if _, err2 := r.Next(); err2 == nil || err2 == io.EOF {
							t.Fatalf("Next after fatal error: want the error again, got %v", err2)
						}
						break
					}
					bad = append(bad, pe.Line)
					continue
				}
				if rec == nil {
					t.Fatal("nil record without error")
				}
				if rec.Pos.File != "in.txt" {
					t.Errorf("record file %q, want in.txt", rec.Pos.File)
				}
				if rec.Pos.Line < 1 || rec.Format == "" || rec.Type == "" {
					t.Errorf("record %+v: want a line, a format and a type", rec.Pos)
				}
				if n := len(lines); n > 0 && rec.Pos.Line < lines[n-1] {
					t.Errorf("record at line %d follows one at line %d", rec.Pos.Line, lines[n-1])
				}
				if len(rec.Keys) < len(rec.Values) {
					t.Errorf("record at line %d has %d values but %d keys", rec.Pos.Line, len(rec.Values), len(rec.Keys))
				}
				if rec.Lines != nil && len(rec.Lines) != len(rec.Values) {
					t.Errorf("record at line %d: Lines not parallel to Values", rec.Pos.Line)
				}
				lines = append(lines, rec.Pos.Line)
				types = append(types, rec.Type)
			}
			if !equalInts(lines, c.Lines) {
				t.Errorf("record lines = %v, want %v", lines, c.Lines)
			}
			if c.Types != nil && strings.Join(types, ",") != strings.Join(c.Types, ",") {
				t.Errorf("record types = %v, want %v", types, c.Types)
			}
			if !equalInts(bad, c.BadLines) {
				t.Errorf("bad record lines = %v, want %v", bad, c.BadLines)
			}
			if fatal != c.Fatal {
				t.Errorf("fatal = %v, want %v", fatal, c.Fatal)
			}
		})
	}
	t.Run("garbage", func(t *testing.T) {
		for _, in := range []string{"\x00\x01\x02\xff\xfe", strings.Repeat("\xff", 4096), "\"", "<", "{", "[", "\ufeff"} {
			Drain(t, h.New(strings.NewReader(in), "g"))
		}
	})
}

// Drain reads r to its end, failing on a panic-free but endless reader; it
// is the body of every reader's fuzz test.
func Drain(t testing.TB, r Reader) {
	t.Helper()
	if _, err := Events(r); err != nil {
		t.Fatal(err)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
