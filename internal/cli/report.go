package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/internal/report"
)

// ReportOptions are the inputs of `upsmigrate report`.
type ReportOptions struct {
	Dir    string // a convert output directory
	Format string
	Out    string // "-" writes to stdout; "" writes DIR/report.FORMAT on a terminal, else to stdout
}

func (c *CLI) reportCommand() *ucli.Command {
	return &ucli.Command{
		Name:         "report",
		Usage:        "write a report of a run directory tracing every value from file:line:field to its SCIM path and operation, and, once submitted (DIR/journal.db), to its provision and final status",
		ArgsUsage:    "DIR",
		OnUsageError: usageOnError,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "format", Value: "html", Usage: "report format: " + strings.Join(report.Formats(), ", ")},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "report `FILE`, - for standard output (default: DIR/report.html, .xlsx, .md or report-full.json when standard output is a terminal, else standard output); a large HTML report puts its employee pages in the folder FILE_files beside it"},
		},
		Action: func(ctx *ucli.Context) error {
			if ctx.NArg() != 1 {
				return usageErrorf("report: expected one convert output directory (DIR), got %d arguments", ctx.NArg())
			}
			return c.runReport(ReportOptions{Dir: ctx.Args().First(), Format: ctx.String("format"), Out: ctx.String("out")})
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
	data, err := loadReport(o.Dir)
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	defer data.Close()
	if o.Out == "" && isTerminalWriter(c.Stdout) {
		o.Out = filepath.Join(o.Dir, defaultReportName(o.Format))
	}
	if o.Out == "" || o.Out == "-" {
		return report.Write(o.Format, c.Stdout, data)
	}
	if runFile(o.Dir, o.Out) {
		return usageErrorf("report: --out %s would overwrite a file of the run in %s: name another file (default %s)",
			o.Out, o.Dir, defaultReportName(o.Format))
	}
	if err := writeReportFile(o.Out, o.Format, data); err != nil {
		return err
	}
	fmt.Fprintf(c.Stderr, "wrote %s report of %s to %s\n", o.Format, o.Dir, o.Out)
	return nil
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

// isTerminalWriter reports whether w is an interactive terminal.
func isTerminalWriter(w any) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

// writeReportFile writes one report to path, private (0600): it holds
// personal data. A report that fails leaves no partial file.
func writeReportFile(path, format string, data *report.Data) error {
	if err := report.WriteFile(format, path, data); err != nil {
		os.Remove(path)
		return err
	}
	return nil
}
