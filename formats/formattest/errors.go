package formattest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// ErrorCase is an input with the records and errors a reader must yield
// for it, for RunErrors.
type ErrorCase struct {
	Name  string
	In    string
	Lines []int    // record start lines
	Types []string // record types; not checked when nil
	Errs  []string // prefixes of the error texts, in order (fatal last)
	Kinds []error  // kinds of Errs, parallel, for errors.Is
	Fatal bool
}

// RunErrors reads each case's input with a reader from open, as file name,
// and checks the records and errors it yields against the case. No error
// text may contain any of hidden (such as a password value).
func RunErrors(t *testing.T, name string, open func(io.Reader, string) Reader, cases []ErrorCase, hidden ...string) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.Name, func(t *testing.T) {
			evs, err := Events(open(strings.NewReader(tt.In), name))
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			var types []string
			var errs []error
			fatal := false
			for _, ev := range evs {
				if ev.Err != nil {
					errs = append(errs, ev.Err)
					fatal = ev.Fatal
					continue
				}
				lines = append(lines, ev.Record.Pos.Line)
				types = append(types, ev.Record.Type)
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.Lines) {
				t.Errorf("record lines %v, want %v", lines, tt.Lines)
			}
			if tt.Types != nil && fmt.Sprint(types) != fmt.Sprint(tt.Types) {
				t.Errorf("record types %v, want %v", types, tt.Types)
			}
			if fatal != tt.Fatal {
				t.Errorf("fatal = %v, want %v", fatal, tt.Fatal)
			}
			if len(errs) != len(tt.Errs) {
				t.Fatalf("got %d errors %q, want %d %q", len(errs), errs, len(tt.Errs), tt.Errs)
			}
			for i, err := range errs {
				if !strings.HasPrefix(err.Error(), tt.Errs[i]) {
					t.Errorf("error %d:\n got %q\nwant %q…", i, err, tt.Errs[i])
				}
				if !errors.Is(err, tt.Kinds[i]) {
					t.Errorf("error %d %q is not %v", i, err, tt.Kinds[i])
				}
			}
			for _, h := range hidden {
				if strings.Contains(fmt.Sprint(errs), h) {
					t.Errorf("an error shows %q: %q", h, errs)
				}
			}
		})
	}
}

// ReadFailure checks that a failure of the underlying io.Reader after
// input yields a fatal *model.ParseError at line that wraps the failure.
func ReadFailure(t *testing.T, open func(io.Reader, string) Reader, input string, line int) {
	t.Helper()
	boom := errors.New("disk on fire")
	r := open(io.MultiReader(strings.NewReader(input), iotest.ErrReader(boom)), "e")
	_, err := r.Next()
	var pe *model.ParseError
	if !errors.As(err, &pe) || !pe.Fatal || !errors.Is(err, boom) || pe.Line != line {
		t.Fatalf("want fatal ParseError wrapping the read error at line %d, got %v", line, err)
	}
}

// Input returns the contents of the file at path as a reader.
func Input(t testing.TB, path string) io.Reader {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(data)
}
