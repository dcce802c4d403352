// Command benchrun is the whole-command benchmark of upsmigrate (issue 11).
// For each size and input shape it generates the inputs (internal/gen),
// then runs as child processes, one at a time:
//
//   - the parse floor: csvfloor, a bare encoding/csv read of the same files;
//   - upsmigrate convert, every output written, validation on, --company-id
//     given;
//   - upsmigrate validate of convert's output;
//   - upsmigrate report of it, in HTML and in XLSX;
//
// and records each one's wall time, peak RSS (the child's rusage maxrss,
// the figure /usr/bin/time -v calls "Maximum resident set size") and bytes
// written. It prints one table with every stage's wall time as a ratio to
// the floor of the same run (the machines are noisy: only ratios measured
// together mean anything), then the targets of issue 11, met or missed.
//
// A stage that fails, outlives -timeout or grows past -max-rss is reported
// as such and the run goes on. Every run's files are generated under a
// temporary directory and removed when the run ends.
//
//	go run ./internal/tools/benchrun                        # 100k, 200k and 1M employees
//	go run ./internal/tools/benchrun -sizes 10k,50k         # a quick run
//	go run ./internal/tools/benchrun -update BENCHMARKS.md  # rewrite the figures there
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/gen"
)

// defaultRuns are the runs of `make bench`: the memory bound at 100k and
// 1M employees in both shapes of the issue, the speed bound at 200k clean
// and with a warning on every record.
const defaultRuns = "100k:305,mixed 200k:305,findings 1M:305,mixed"

// Markers of the generated section of a Markdown file (-update).
const (
	beginMarker = "<!-- benchrun:begin -->"
	endMarker   = "<!-- benchrun:end -->"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("benchrun", flag.ContinueOnError)
	fl.SetOutput(stderr)
	bin := fl.String("bin", "bin/upsmigrate", "the upsmigrate binary (make build)")
	floor := fl.String("floor", "", "the csvfloor binary (default: built from ./internal/tools/csvfloor into the work directory)")
	runs := fl.String("runs", env("BENCH_RUNS", defaultRuns), "runs as SIZE:SHAPE[,SHAPE] separated by spaces (env BENCH_RUNS)")
	sizes := fl.String("sizes", env("BENCH_SIZES", ""), "sizes (e.g. 10k,50k); with -shapes, replaces -runs by every size in every shape (env BENCH_SIZES)")
	shapes := fl.String("shapes", env("BENCH_SHAPES", "305,mixed"), "shapes for -sizes: 305, mixed, findings, varied, lacking (env BENCH_SHAPES)")
	stages := fl.String("stages", env("BENCH_STAGES", strings.Join(allStages, ",")), "stages to run (env BENCH_STAGES)")
	seed := fl.Int64("seed", 1, "generator seed")
	count := fl.Int("count", 1, "runs of each stage, the median reported (the floor runs at least 3 times)")
	company := fl.String("company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--company-id given to convert")
	timeout := fl.Duration("timeout", durationEnv("BENCH_TIMEOUT", 30*time.Minute), "time limit of each stage (env BENCH_TIMEOUT)")
	maxRSS := fl.String("max-rss", env("BENCH_MAX_RSS", "auto"), "kill a stage whose resident set exceeds this (e.g. 8GiB; 0: no limit; auto: 3/4 of the machine's memory, or what is available when the stage starts less 1 GiB if that is less) (env BENCH_MAX_RSS)")
	tmp := fl.String("tmp", "", "where the work directory is made (default: the system's temporary directory)")
	keep := fl.Bool("keep", false, "keep the generated inputs and outputs (prints where)")
	settleMax := fl.Duration("settle", durationEnv("BENCH_SETTLE", defaultSettle), "before the first stage, wait at most this long after a sync "+settleNote+" (0: no wait; env BENCH_SETTLE)")
	markdown := fl.Bool("markdown", false, "print the tables as Markdown")
	update := fl.String("update", "", "also write the Markdown tables into FILE between "+beginMarker+" and "+endMarker)
	if err := fl.Parse(args); err != nil {
		return 2
	}
	usage := func(err error) int {
		fmt.Fprintln(stderr, "benchrun:", err)
		return 2
	}
	if fl.NArg() > 0 {
		return usage(fmt.Errorf("unexpected argument %q", fl.Arg(0)))
	}
	cfg := &config{Bin: *bin, Floor: *floor, CompanyID: *company, Seed: *seed, Keep: *keep, Count: *count, Log: stderr}
	var err error
	if *sizes != "" {
		cfg.Runs, err = crossRuns(*sizes, *shapes)
	} else {
		cfg.Runs, err = parseRuns(*runs)
	}
	if err != nil {
		return usage(err)
	}
	if cfg.Stages, err = parseStages(*stages); err != nil {
		return usage(err)
	}
	cfg.Limits.Timeout = *timeout
	if cfg.Limits.MaxRSS, err = parseMaxRSS(*maxRSS); err != nil {
		return usage(err)
	}
	if *update != "" {
		if _, err := os.Stat(*update); err != nil {
			return usage(err)
		}
	}
	if _, err := os.Stat(cfg.Bin); err != nil && (cfg.has(stageConvert) || cfg.has(stageValidate)) {
		return usage(fmt.Errorf("%w (run make build first, or give -bin)", err))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Work, err = os.MkdirTemp(*tmp, "upsmigrate-bench-"); err != nil {
		return usage(err)
	}
	if w := diskWarning(cfg, freeBytes(cfg.Work)); w != "" {
		fmt.Fprintln(stderr, w)
	}
	if cfg.Keep {
		fmt.Fprintln(stderr, "benchrun: keeping the files in", cfg.Work)
	} else {
		defer os.RemoveAll(cfg.Work)
	}
	if cfg.Floor == "" && cfg.has(stageFloor) {
		cfg.Floor = filepath.Join(cfg.Work, "csvfloor")
		build := exec.CommandContext(ctx, "go", "build", "-o", cfg.Floor, "./internal/tools/csvfloor")
		build.Stdout, build.Stderr = stderr, stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(stderr, "benchrun: building csvfloor (run from the repository root, or give -floor):", err)
			return 1
		}
	}

	var created time.Duration
	if *settleMax > 0 {
		flushWrites()
		created = settle(ctx, stderr, *settleMax, settleEvery, settleFast, func() (time.Duration, error) {
			return probeCreate(cfg.Work, settleProbeFiles)
		}, sleepCtx)
	}
	machine := describeMachine(cfg, created)
	var results []result
	for _, spec := range cfg.Runs {
		if ctx.Err() != nil {
			break
		}
		results = append(results, runOne(ctx, cfg, spec)...)
	}
	fmt.Fprintln(stdout)
	report(stdout, results, cfg.Runs, machine, *markdown)
	if ctx.Err() != nil {
		fmt.Fprintln(stderr, "benchrun: interrupted")
		return 1
	}
	if *update != "" {
		var md bytes.Buffer
		report(&md, results, cfg.Runs, machine, true)
		if err := updateSection(*update, md.String()); err != nil {
			fmt.Fprintln(stderr, "benchrun:", err)
			return 1
		}
		fmt.Fprintln(stderr, "benchrun: wrote the tables into", *update)
	}
	return 0
}

func durationEnv(name string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(os.Getenv(name)); err == nil {
		return d
	}
	return def
}

// parseSize reads 10000, 10k or 1M.
func parseSize(s string) (int, error) {
	s = strings.TrimSpace(s)
	mult := 1
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1000, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1000000, s[:len(s)-1]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("size %q: expected a positive count such as 10000, 10k or 1M", s)
	}
	return n * mult, nil
}

// sizeName is the short form of a size: 10k, 1M, 12345.
func sizeName(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return strconv.Itoa(n/1000000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

func parseShapes(s string) ([]gen.Shape, error) {
	var out []gen.Shape
	for _, name := range strings.Split(s, ",") {
		sh, err := gen.ParseShape(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, nil
}

// parseRuns reads "100k:305,mixed 1M:305".
func parseRuns(s string) ([]runSpec, error) {
	var out []runSpec
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ';' || r == '\n' || r == '\t' }) {
		size, shapes, ok := strings.Cut(item, ":")
		if !ok {
			return nil, fmt.Errorf("run %q: expected SIZE:SHAPE[,SHAPE]", item)
		}
		n, err := parseSize(size)
		if err != nil {
			return nil, fmt.Errorf("run %q: %w", item, err)
		}
		shs, err := parseShapes(shapes)
		if err != nil {
			return nil, fmt.Errorf("run %q: %w", item, err)
		}
		for _, sh := range shs {
			out = append(out, runSpec{n, sh})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no run given")
	}
	return out, nil
}

// crossRuns is every size in every shape, sizes first.
func crossRuns(sizes, shapes string) ([]runSpec, error) {
	shs, err := parseShapes(shapes)
	if err != nil {
		return nil, err
	}
	var out []runSpec
	for _, s := range strings.Split(sizes, ",") {
		n, err := parseSize(s)
		if err != nil {
			return nil, err
		}
		for _, sh := range shs {
			out = append(out, runSpec{n, sh})
		}
	}
	return out, nil
}

func parseStages(s string) ([]string, error) {
	want := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		known := false
		for _, st := range allStages {
			known = known || st == name
		}
		if !known {
			return nil, fmt.Errorf("unknown stage %q: expected some of %s", name, strings.Join(allStages, ","))
		}
		want[name] = true
	}
	var out []string
	for _, st := range allStages {
		if want[st] {
			out = append(out, st)
		}
	}
	return out, nil
}

// parseMaxRSS reads 0, auto, or a size in bytes with an optional unit
// (KiB, MiB, GiB; KB, MB, GB are read as the binary units too).
func parseMaxRSS(s string) (int64, error) {
	if s == "auto" {
		return autoRSS, nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("-max-rss %q: expected 0, auto or a size such as 8GiB", s)
	}
	return int64(n * float64(mult)), nil
}

// memInfo is the machine's memory and what is available now, in bytes
// (Linux), 0 if unknown.
func memInfo() (total, available int64) {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "MemTotal:":
			total = kb << 10
		case "MemAvailable:":
			available = kb << 10
		}
	}
	return total, available
}

// describeMachine is the line that heads the tables: what ran where.
func describeMachine(cfg *config, created time.Duration) string {
	parts := []string{runtime.GOOS + "/" + runtime.GOARCH, strconv.Itoa(runtime.NumCPU()) + " CPUs"}
	if m, _ := memInfo(); m > 0 {
		parts = append(parts, formatBytes(m)+" memory")
	}
	parts = append(parts, runtime.Version())
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(data)); len(f) >= 3 {
			parts = append(parts, "load "+strings.Join(f[:3], " ")+" at start")
		}
	}
	if out, err := exec.Command("git", "describe", "--always", "--dirty").Output(); err == nil {
		parts = append(parts, "commit "+strings.TrimSpace(string(out)))
	}
	if created > 0 {
		parts = append(parts, fmt.Sprintf("a file created in %s at start", created.Round(time.Microsecond)))
	}
	for _, v := range []string{"GOGC", "GOMEMLIMIT", "GOMAXPROCS"} {
		if x := os.Getenv(v); x != "" {
			parts = append(parts, v+"="+x)
		}
	}
	lim := "stage limits: " + cfg.Limits.Timeout.String()
	switch {
	case cfg.Limits.MaxRSS == autoRSS:
		lim += ", memory: 3/4 of the machine's or what is available less 1 GiB"
	case cfg.Limits.MaxRSS > 0:
		lim += ", memory " + formatBytes(cfg.Limits.MaxRSS)
	}
	reps := fmt.Sprintf("each stage once; the floor run %d times first and once just before and once after convert, which is divided by the mean of those two", minFloorRuns)
	if cfg.Count > 1 {
		reps = fmt.Sprintf("each stage the median of %d runs; the floor run %d times first, then before each convert and after the last, the floor's row the median of the floors of the converts, convert's × floor the median of each run over its floor: the mean of the floor runs just before and just after it", cfg.Count, max(cfg.Count, minFloorRuns))
	}
	return fmt.Sprintf("Measured %s on %s; %s; %s; seed %d.", time.Now().UTC().Format("2006-01-02 15:04 UTC"), strings.Join(parts, ", "), reps, lim, cfg.Seed)
}

// updateSection replaces what lies between the markers in a file.
func updateSection(path, section string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(data)
	b := strings.Index(s, beginMarker)
	e := strings.Index(s, endMarker)
	if b < 0 || e < b {
		return fmt.Errorf("%s: no %s … %s section to update", path, beginMarker, endMarker)
	}
	s = s[:b+len(beginMarker)] + "\n" + section + s[e:]
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(s), st.Mode().Perm())
}
