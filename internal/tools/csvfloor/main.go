// Command csvfloor is the parse floor of the whole-command benchmarks: a
// bare encoding/csv read of the given files, in order, every row
// materialised as a fresh []string, nothing checked or kept. Its wall time
// and peak RSS, measured as a process in the same run, are what the
// figures of convert, validate and report are divided by.
//
//	csvfloor FILE...
//
// It prints the rows and fields read.
package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: csvfloor FILE...")
		os.Exit(2)
	}
	var rows, fields int
	for _, path := range os.Args[1:] {
		r, f, err := readFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "csvfloor:", err)
			os.Exit(1)
		}
		rows += r
		fields += f
	}
	fmt.Printf("%d rows, %d fields\n", rows, fields)
}

func readFile(path string) (rows, fields int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	return read(bufio.NewReaderSize(f, 64<<10), path)
}

// read reads every row of one CSV stream, rows of any width.
func read(in io.Reader, name string) (rows, fields int, err error) {
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, fields, nil
		}
		if err != nil {
			return rows, fields, fmt.Errorf("%s: %w", name, err)
		}
		rows++
		fields += len(rec)
	}
}
