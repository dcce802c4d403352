// Package golden compares test output with golden files under testdata/
// and rewrites them on request. It is the one place the -update flag is
// defined: every test that compares golden files imports it, so
//
//	go test ./... -update
//
// rewrites every golden file of the repository (packages whose tests do not
// import golden reject the flag; `make golden` runs only the packages that
// import it), and a plain `go test ./...` compares them.
//
// Check compares one file, CheckDir a directory of files; Update says
// whether the run rewrites them, for tests that write fixtures of their own.
//
// The package imports nothing from the project and is meant for tests only.
package golden
