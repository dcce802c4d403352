// Package cli is the upsmigrate command line: one file per command, built on
// urfave/cli/v2, run in-process with injected streams so that tests drive it
// exactly as a shell would. Errors are turned into exit codes in one place
// (errors.go): 0 success, 1 some records rejected, 2 usage or unreadable input.
package cli
