// Package formattest is the conformance suite every input reader passes
// (after golang-migrate's source/testing): positions, io.EOF, error types,
// empty input, recovery after a bad record, control characters rejected
// naming the field, and no panic on garbage.
package formattest

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/internal/control"
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
	// Value makes an input of two valid records whose first holds the
	// value v in a text field (written as the format writes it: escaped,
	// as a character reference…). Run checks that a value holding a
	// control character is rejected, naming that field, and that tabs are
	// data. Required.
	Value func(v string) ValueInput
	// ControlKind is the kind of error (errors.Is) of a control character.
	ControlKind error
}

// ValueInput is an input made by Harness.Value.
type ValueInput struct {
	Input string
	// Field names the field holding the value, as the reader's errors do
	// (model.ParseError.Field).
	Field string
	// Lines are the lines the two records start on; ErrLine the line of
	// an error about the value.
	Lines   [2]int
	ErrLine int
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
	t.Run("control characters", func(t *testing.T) {
		if h.Value == nil || h.ControlKind == nil {
			t.Fatal("Harness.Value and Harness.ControlKind are required")
		}
		runControl(t, h)
	})
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

// controls are the control characters the suite puts in values: some of
// every class a value may not hold (see formats/internal/control).
var controls = []rune{0x01, 0x07, 0x08, 0x0b, 0x0c, 0x1b, 0x1f, 0x7f, 0x80, 0x85, 0x9b, 0x9f}

// runControl checks that a value holding a control character costs its
// record, as a recoverable error naming the field and the character,
// without showing it; that the record after it is read; and that tabs are
// data.
func runControl(t *testing.T, h Harness) {
	for _, c := range controls {
		t.Run(control.Name(c), func(t *testing.T) {
			in := h.Value("a" + string(c) + "b")
			evs, err := Events(h.New(strings.NewReader(in.Input), "in.txt"))
			if err != nil {
				t.Fatal(err)
			}
			// Every record ends as one result: the bad one rejected, the
			// other read.
			if len(evs) != 2 || evs[0].Err == nil || evs[1].Record == nil {
				t.Fatalf("got %d results %+v, want an error and a record", len(evs), evs)
			}
			var pe *model.ParseError
			if !errors.As(evs[0].Err, &pe) || pe.Fatal || !errors.Is(pe, h.ControlKind) {
				t.Fatalf("error %v: want a recoverable error of kind %v", evs[0].Err, h.ControlKind)
			}
			if pe.File != "in.txt" || pe.Line != in.ErrLine || pe.Field != in.Field {
				t.Errorf("error %v at %s:%d field %q, want in.txt:%d field %q", pe, pe.File, pe.Line, pe.Field, in.ErrLine, in.Field)
			}
			msg := pe.Error()
			if !strings.Contains(msg, "control character "+control.Name(c)) || !strings.Contains(msg, control.Advice) {
				t.Errorf("message %q: want it to name the character (%s) and say to %s", msg, control.Name(c), control.Advice)
			}
			if control.Contains(msg) {
				t.Errorf("message %q shows the control character", msg)
			}
			if rec := evs[1].Record; rec.Pos.Line != in.Lines[1] {
				t.Errorf("record after the bad one at line %d, want %d", rec.Pos.Line, in.Lines[1])
			}
		})
	}
	for _, v := range []string{"ab", "a\tb"} {
		t.Run(fmt.Sprintf("%q", v), func(t *testing.T) {
			in := h.Value(v)
			evs, err := Events(h.New(strings.NewReader(in.Input), "in.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 2 || evs[0].Record == nil || evs[1].Record == nil {
				t.Fatalf("got %+v, want two records", evs)
			}
			rec := evs[0].Record
			if rec.Pos.Line != in.Lines[0] || evs[1].Record.Pos.Line != in.Lines[1] {
				t.Errorf("records at lines %d, %d, want %v", rec.Pos.Line, evs[1].Record.Pos.Line, in.Lines)
			}
			if !slices.Contains(rec.Values, v) {
				t.Errorf("values %q: want one to be %q", rec.Values, v)
			}
		})
	}
}
