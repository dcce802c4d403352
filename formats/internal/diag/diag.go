package diag

import (
	"fmt"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// kindError is an error message of one kind of error.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// Log records a reader's reports on one input. The zero value with Name set
// is ready to use. It is not safe for concurrent use.
type Log struct {
	// Name is the file name used in positions.
	Name string
	// End is the sticky end of the read: io.EOF or the fatal error, which
	// Next returns again on every later call; nil while reading goes on.
	End      error
	warnings []model.Diagnostic
}

// Fatal sets End to a fatal error of the given kind at line (and field,
// when not empty) and returns it.
func (l *Log) Fatal(line int, field string, kind error, msg string) error {
	l.End = &model.ParseError{File: l.Name, Line: line, Field: field, Err: &kindError{kind, msg}, Fatal: true}
	return l.End
}

// ReadFailed sets End to a fatal error wrapping err, a failure of the
// underlying io.Reader, at line and returns it.
func (l *Log) ReadFailed(line int, err error) error {
	l.End = &model.ParseError{File: l.Name, Line: line, Err: fmt.Errorf("reading input: %w", err), Fatal: true}
	return l.End
}

// Recoverable returns an error of the given kind about one record the
// reader skips before going on.
func (l *Log) Recoverable(line int, field string, kind error, msg string) *model.ParseError {
	return &model.ParseError{File: l.Name, Line: line, Field: field, Err: &kindError{kind, msg}}
}

// Warn records a warning at line.
func (l *Log) Warn(line int, msg string) {
	l.warnings = append(l.warnings, model.Diagnostic{
		Severity: model.SevWarning,
		Source:   model.Source{File: l.Name, Line: line},
		Message:  msg,
	})
}

// Warnings returns a copy of the warnings recorded so far.
func (l *Log) Warnings() []model.Diagnostic {
	return append([]model.Diagnostic(nil), l.warnings...)
}

// Append adds suffix to the message of pe, an error made by Recoverable or
// Fatal.
func Append(pe *model.ParseError, suffix string) {
	pe.Err.(*kindError).msg += suffix
}
