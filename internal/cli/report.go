package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/internal/private"
	"github.com/upsmigrate/upsmigrate/internal/report"
)

// ReportOptions are the inputs of `upsmigrate report`.
type ReportOptions struct {
	Context context.Context // nil: never interrupted
	Dir     string          // a convert output directory
	Format  string
	Out     string // "" writes DIR/report.FORMAT (defaultReportName); "-" writes to standard output
	// Progress, when set, shows the report being written on this writer.
	Progress io.Writer
}

func (c *CLI) reportCommand() *ucli.Command {
	return &ucli.Command{
		Name:         "report",
		Usage:        "write a report of a run directory tracing every value from file:line:field to its SCIM path and operation, and, once submitted (DIR/journal.db), to its provision and final status",
		ArgsUsage:    "DIR",
		OnUsageError: usageOnError,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "format", Value: "html", Usage: "report format: " + strings.Join(report.Formats(), ", ")},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "report `FILE`, - for standard output (html and xlsx only when it is not a terminal) (default: DIR/report.html, .xlsx, .md or report-full.json); a large HTML report puts its employee pages in the folder FILE_files beside it"},
			progressFlag,
		},
		Action: func(ctx *ucli.Context) error {
			if ctx.NArg() != 1 {
				return usageErrorf("report: expected one convert output directory (DIR), got %d arguments", ctx.NArg())
			}
			return c.runReport(ReportOptions{Context: ctx.Context, Dir: ctx.Args().First(), Format: ctx.String("format"),
				Out: ctx.String("out"), Progress: c.progressWriter(ctx)})
		},
	}
}

func (c *CLI) runReport(o ReportOptions) error {
	known := false
	for _, f := range report.Formats() {
		known = known || f == o.Format
	}
	if !known {
		return usageErrorf("report: unknown format %q: expected one of %s", o.Format, strings.Join(report.Formats(), ", "))
	}
	if err := checkRunDir(o.Dir); err != nil {
		return err
	}
	switch {
	case o.Out == "":
		o.Out = filepath.Join(o.Dir, defaultReportName(o.Format))
	case o.Out == "-" && (o.Format == "html" || o.Format == "xlsx") && c.terminal(c.Stdout):
		return usageErrorf("report: --out - writes the %s report to standard output, which is a terminal: leave --out out to write %s, give --out FILE, or redirect it (> report.%s)",
			o.Format, filepath.Join(o.Dir, defaultReportName(o.Format)), o.Format)
	case o.Out != "-" && isFolder(o.Out):
		return usageErrorf("report: --out %s is a folder: give a file name (%s), or leave --out out to write %s",
			o.Out, filepath.Join(o.Out, defaultReportName(o.Format)), filepath.Join(o.Dir, defaultReportName(o.Format)))
	case o.Out != "-" && runFile(o.Dir, o.Out):
		return usageErrorf("report: --out %s would overwrite a file of the run in %s: name another file (default %s)",
			o.Out, o.Dir, defaultReportName(o.Format))
	}
	bar := newTaskBar(o.Progress, "reading "+o.Dir)
	bar.start()
	data, err := loadReport(o.Dir)
	bar.finish()
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	defer data.Close()
	bar = newTaskBar(o.Progress, "writing the "+o.Format+" report")
	if bar != nil {
		bar.bytes = true
		bar.start()
		defer bar.finish()
	}
	data.Progress = reportProgress(o.Context, bar)
	if o.Out == "-" {
		err = report.Write(o.Format, c.Stdout, data)
	} else {
		err = writeReportFile(o.Out, o.Format, data)
	}
	bar.finish()
	if err != nil {
		if o.Context != nil && o.Context.Err() != nil {
			return &Error{Code: ExitInterrupted, Err: errors.New("report: interrupted: the report was not written (an earlier one is left as it was)")}
		}
		return err
	}
	if o.Out != "-" {
		fmt.Fprintf(c.Stderr, "wrote the %s report of %s to %s\n", o.Format, o.Dir, o.Out)
	}
	return nil
}

// isFolder reports whether path names a folder: one that exists, or any
// path ending in a separator.
func isFolder(path string) bool {
	if strings.HasSuffix(path, string(filepath.Separator)) {
		return true
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// reportProgress is a report's Data.Progress: it shows the walk on bar
// (nil: none) and stops it when ctx ends.
func reportProgress(ctx context.Context, bar *taskBar) func(done, total int64) error {
	if ctx == nil && bar == nil {
		return nil
	}
	return func(done, total int64) error {
		bar.set(done, total)
		if ctx != nil {
			return ctx.Err()
		}
		return nil
	}
}

// checkRunDir tells a directory report can read (what convert wrote) from
// anything else, saying what to give instead.
func checkRunDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usageErrorf("report: %s does not exist: give the directory convert or migrate wrote (their --out DIR)", dir)
	case err != nil:
		return &Error{Code: ExitUsage, Err: fmt.Errorf("report: %w", err)}
	case !st.IsDir():
		return usageErrorf("report: %s is a file, not a run directory: report reads the directory convert or migrate wrote (--out DIR); to convert this file, run 'upsmigrate convert --out DIR %s' first", dir, dir)
	}
	var missing []string
	for _, name := range []string{"report.json", "plan.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	hint := "run 'upsmigrate convert --out DIR FILE...' first and give report that DIR, or give the folder an earlier convert wrote"
	if inside := runDirsIn(dir); len(inside) > 0 {
		hint = "did you mean " + strings.Join(inside, " or ") + "?"
	}
	return usageErrorf("report: %s is not a convert output (no %s): %s", dir, strings.Join(missing, ", no "), hint)
}

// runDirsIn lists the folders just below dir that hold a convert output
// (at most three).
func runDirsIn(dir string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if _, err := os.Stat(filepath.Join(p, "report.json")); err == nil {
			out = append(out, p)
			if len(out) == 3 {
				break
			}
		}
	}
	return out
}

// defaultReportName is the file a report goes to in the run directory:
// report.html, report.xlsx, report.md, and report-full.json (report.json is
// convert's).
func defaultReportName(format string) string {
	if format == "json" {
		return "report-full.json"
	}
	return "report." + format
}

// runFile reports whether path is one of the files convert or submit wrote
// into dir (report.json, plan.jsonl, journal.db, a bulk request).
func runFile(dir, path string) bool {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil || filepath.Dir(p) != d {
		return false
	}
	name := filepath.Base(p)
	switch {
	case name == "report.json", name == "plan.jsonl", strings.HasPrefix(name, "journal.db"):
		return true
	case strings.HasPrefix(name, "bulk-") && strings.HasSuffix(name, ".json"):
		return true
	}
	return false
}

// loadReport loads a run directory for a report written now by this
// upsmigrate.
func loadReport(dir string) (*report.Data, error) {
	data, err := report.Load(dir)
	if err != nil {
		return nil, err
	}
	data.Generated, data.Generator = time.Now(), Version()
	return data, nil
}

// writeReportFile writes one report to path, private (0600) and whole or
// not at all (a temporary file beside it is renamed over it when
// complete): it holds personal data. Missing folders of path are created
// 0700.
func writeReportFile(path, format string, data *report.Data) error {
	if err := makeParents(filepath.Dir(path)); err != nil {
		return err
	}
	return report.WriteFile(format, path, data)
}

// makeParents creates dir and its missing parents, each private (0700);
// folders that exist are left as they are.
func makeParents(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := private.Dir(missing[i]); err != nil {
			return err
		}
	}
	return nil
}
