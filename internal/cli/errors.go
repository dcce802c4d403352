package cli

import (
	"errors"
	"fmt"
)

// Exit codes.
const (
	ExitOK       = 0 // everything converted, validated or served
	ExitRejected = 1 // some records (or payloads) were rejected; the rest went on
	ExitUsage    = 2 // usage error or unreadable input
	// ExitInterrupted ends a convert or report stopped by SIGINT or
	// SIGTERM before it wrote its outputs (128 + SIGINT, as shells do); an interrupted
	// submit or migrate exits ExitRejected and resumes when run again.
	ExitInterrupted = 130
)

// Error is an error with the exit code it ends the run with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ExitCode is the process exit code for the error.
func (e *Error) ExitCode() int { return e.Code }

func usageErrorf(format string, a ...any) error {
	return &Error{Code: ExitUsage, Err: fmt.Errorf(format, a...)}
}

// rejected ends a run that completed but rejected some records; msg is
// printed unless empty.
func rejected(msg string) error {
	if msg == "" {
		return &Error{Code: ExitRejected}
	}
	return &Error{Code: ExitRejected, Err: errors.New(msg)}
}

// exitCode maps any error to an exit code: the one place that does.
func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var ec interface{ ExitCode() int }
	if errors.As(err, &ec) {
		return ec.ExitCode()
	}
	return ExitUsage
}
