// Command benchratio reads `go test -bench` output and prints every
// benchmark's median time per operation as a ratio to a baseline benchmark
// measured in the same run, since only ratios survive noisy machines.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	baseline := flag.String("baseline", "", "name of the baseline benchmark (without the -N suffix)")
	flag.Parse()
	in := io.Reader(os.Stdin)
	if flag.NArg() > 0 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchratio:", err)
			os.Exit(2)
		}
		defer f.Close()
		in = f
	}
	if err := run(in, os.Stdout, *baseline); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(2)
	}
}

type sample struct{ ns, bytesPerOp, allocs float64 }

func run(in io.Reader, out io.Writer, baseline string) error {
	results := map[string][]sample{}
	var order []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, s, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		if _, seen := results[name]; !seen {
			order = append(order, name)
		}
		results[name] = append(results[name], s)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("no benchmark results in the input")
	}
	base, ok := results[baseline]
	if !ok {
		return fmt.Errorf("baseline %q not found among %v", baseline, order)
	}
	b := median(base)
	fmt.Fprintf(out, "%-40s %14s %8s %12s %10s\n", "benchmark", "ns/op", "ratio", "B/op", "allocs/op")
	for _, name := range order {
		m := median(results[name])
		fmt.Fprintf(out, "%-40s %14.0f %7.2fx %12.0f %10.0f\n", name, m.ns, m.ns/b.ns, m.bytesPerOp, m.allocs)
	}
	return nil
}

// parseLine reads "BenchmarkName-2  10  123 ns/op  45 MB/s  67 B/op  8 allocs/op".
func parseLine(line string) (string, sample, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
		return "", sample{}, false
	}
	name := f[0]
	if i := strings.LastIndexByte(name, '-'); i > 0 {
		if _, err := strconv.Atoi(name[i+1:]); err == nil {
			name = name[:i]
		}
	}
	var s sample
	found := false
	for i := 2; i+1 < len(f); i++ {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			continue
		}
		switch f[i+1] {
		case "ns/op":
			s.ns, found = v, true
		case "B/op":
			s.bytesPerOp = v
		case "allocs/op":
			s.allocs = v
		}
	}
	return name, s, found
}

func median(ss []sample) sample {
	sorted := append([]sample(nil), ss...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ns < sorted[j].ns })
	return sorted[len(sorted)/2]
}
