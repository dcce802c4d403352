package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/internal/report"
)

// ReportOptions are the inputs of `upsmigrate report`.
type ReportOptions struct {
	Dir    string // a convert output directory
	Format string
	Out    string // "" or "-" writes to stdout
}

func (c *CLI) reportCommand() *ucli.Command {
	return &ucli.Command{
		Name:         "report",
		Usage:        "write a report of a run directory tracing every value from file:line:field to its SCIM path and operation, and, once submitted (DIR/journal.db), to its provision and final status",
		ArgsUsage:    "DIR",
		OnUsageError: usageOnError,
		Flags: []ucli.Flag{
			&ucli.StringFlag{Name: "format", Value: "html", Usage: "report format: " + strings.Join(report.Formats(), ", ")},
			&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "report `FILE` (default: standard output)"},
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
	data, err := report.Load(o.Dir)
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	if o.Out == "" || o.Out == "-" {
		return report.Write(o.Format, c.Stdout, data)
	}
	if err := writeReportFile(o.Out, o.Format, data); err != nil {
		return err
	}
	fmt.Fprintf(c.Stderr, "wrote %s report of %s to %s\n", o.Format, o.Dir, o.Out)
	return nil
}

// writeReportFile writes one report to path, private (0600): it holds
// personal data.
func writeReportFile(path, format string, data *report.Data) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := report.Write(format, w, data); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
