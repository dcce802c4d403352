package diag

import (
	"errors"
	"io"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

var errKind = errors.New("kind")

func TestLog(t *testing.T) {
	l := Log{Name: "f.txt"}
	rec := l.Recoverable(3, "F", errKind, "bad value")
	Append(rec, "; item skipped")
	tests := []struct {
		err   error
		text  string
		fatal bool
		is    error
	}{
		{rec, "f.txt:3:F: bad value; item skipped", false, errKind},
		{l.ReadFailed(2, io.ErrClosedPipe), "f.txt:2: reading input: io: read/write on closed pipe", true, io.ErrClosedPipe},
		{l.Fatal(1, "", errKind, "stop"), "f.txt:1: stop", true, errKind},
	}
	for _, tt := range tests {
		var pe *model.ParseError
		if !errors.As(tt.err, &pe) || pe.Fatal != tt.fatal || tt.err.Error() != tt.text || !errors.Is(tt.err, tt.is) {
			t.Errorf("got %v (%T), want %q fatal %v wrapping %v", tt.err, tt.err, tt.text, tt.fatal, tt.is)
		}
	}
	if l.End == nil || l.End.Error() != "f.txt:1: stop" {
		t.Errorf("End = %v, want the last fatal error", l.End)
	}
	l.Warn(4, "odd")
	w := l.Warnings()
	if len(w) != 1 || w[0].String() != "f.txt:4: warning: odd" {
		t.Fatalf("warnings %v", w)
	}
	w[0].Message = "changed"
	if l.Warnings()[0].Message != "odd" {
		t.Error("Warnings does not return a copy")
	}
}
