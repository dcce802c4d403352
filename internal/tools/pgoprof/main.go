// Command pgoprof writes the CPU profile the Go compiler optimizes
// upsmigrate with (profile-guided optimization: cmd/upsmigrate/default.pgo,
// which `go build` uses by itself). It generates the inputs of the
// whole-command benchmark (internal/gen; 305-only, mixed and a warning on
// every record) and runs, in this process and under one CPU profile, what
// a user runs on them: convert, validate, and report in HTML and XLSX.
//
//	go run ./internal/tools/pgoprof -out cmd/upsmigrate/default.pgo   # make pgo
//
// A profile only steers inlining and code layout: a stale one costs speed,
// never correctness. Refresh it when the hot paths change.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"

	"github.com/upsmigrate/upsmigrate/internal/cli"
	"github.com/upsmigrate/upsmigrate/internal/gen"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fl := flag.NewFlagSet("pgoprof", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("out", "cmd/upsmigrate/default.pgo", "the profile to write")
	rows := fl.Int("rows", 50000, "employees of each input shape")
	if err := fl.Parse(args); err != nil || fl.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: pgoprof [-out FILE] [-rows N]")
		return 2
	}
	if err := profile(*out, *rows, stderr); err != nil {
		fmt.Fprintln(stderr, "pgoprof:", err)
		return 1
	}
	return 0
}

// profile generates the inputs in a temporary directory, removed at the
// end, and writes the profile of the commands run on them to out.
func profile(out string, rows int, log io.Writer) (err error) {
	work, err := os.MkdirTemp("", "upsmigrate-pgo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	type input struct {
		shape string
		paths []string
	}
	var inputs []input
	for _, name := range []string{"305", "mixed", "findings"} {
		sh, err := gen.ParseShape(name)
		if err != nil {
			return err
		}
		paths, err := gen.WriteFiles(filepath.Join(work, "in-"+name), sh, rows, 1)
		if err != nil {
			return err
		}
		inputs = append(inputs, input{name, paths})
	}
	tmp := out + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	runErr := func() error {
		for _, in := range inputs {
			dir := filepath.Join(work, "out-"+in.shape)
			cmds := [][]string{
				append([]string{"convert", "--company-id", "11111111-2222-3333-4444-555555555555", "--progress=false", "--out", dir}, in.paths...),
				{"validate", dir},
				{"report", "--format", "html", "--out", filepath.Join(work, in.shape+".html"), dir},
				{"report", "--format", "xlsx", "--out", filepath.Join(work, in.shape+".xlsx"), dir},
			}
			for _, c := range cmds {
				fmt.Fprintf(log, "pgoprof: %s %s\n", in.shape, c[0])
				// convert exits 1 when records are rejected or flagged;
				// only a usage or run failure (2 and above) stops.
				if code := cli.New(nil, io.Discard, io.Discard).Run(append([]string{"upsmigrate"}, c...)); code > 1 {
					return fmt.Errorf("upsmigrate %s on the %s input: exit %d", c[0], in.shape, code)
				}
			}
		}
		return nil
	}()
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		return err
	}
	if runErr != nil {
		return runErr
	}
	return os.Rename(tmp, out)
}
