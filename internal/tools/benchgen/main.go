// Command benchgen writes the synthetic inputs of the whole-command
// benchmarks: the files of one shape (305, mixed, findings, varied or
// lacking, see internal/gen) for a number of employees and a seed, into a directory
// (0700, files 0600), and prints their paths.
//
//	go run ./internal/tools/benchgen -rows 100000 -shape mixed -seed 1 -out DIR
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/upsmigrate/upsmigrate/internal/gen"
)

func main() {
	rows := flag.Int("rows", 10000, "number of employees")
	shape := flag.String("shape", "305", "input shape: 305, mixed, findings, varied or lacking")
	seed := flag.Int64("seed", 1, "random seed: the same rows, shape and seed give the same bytes")
	out := flag.String("out", "", "output directory (created 0700)")
	flag.Parse()
	if *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: benchgen -rows N -shape 305|mixed|findings|varied|lacking -seed S -out DIR")
		os.Exit(2)
	}
	sh, err := gen.ParseShape(*shape)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(2)
	}
	paths, err := gen.WriteFiles(*out, sh, *rows, *seed)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}
