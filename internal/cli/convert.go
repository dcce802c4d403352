package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/formats"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// ConvertOptions are the inputs of `upsmigrate convert`: the conversion
// options the flags give as they are (Context, CompanyID, Format,
// Encoding, Strict, Indent, Replace), and the flag values runConvert reads
// into the others (Mapping, Directory, DateOrder, FailOnErrors, Progress).
type ConvertOptions struct {
	pipeline.Options
	Files []string
	Out   string
	// MappingPath is --mapping: a directory of mapping tables or a mapping
	// workbook overriding the embedded ones.
	MappingPath string
	// Defaults are --default values: company-wide defaults of new users
	// ("spend:2.0:User:reimbursementCurrency=USD").
	Defaults []string
	// DirectoryFile is --directory: a snapshot of existing users
	// (employeeNumber,id[,userName]).
	DirectoryFile string
	// DateOrderFlag is --date-order: month-first (default) or day-first.
	DateOrderFlag string
	// FailOnErrorsFlag is --fail-on-errors; 0 leaves failOnErrors out.
	FailOnErrorsFlag int
	// CompanyLater lets a run that creates users go without a company id:
	// migrate takes it from the token when it submits.
	CompanyLater bool
	Stdout       io.Writer
	// ProgressOut, when set, shows progress on this writer (standard
	// error).
	ProgressOut io.Writer
}

func (c *CLI) convertCommand() *ucli.Command {
	return &ucli.Command{
		Name:         "convert",
		Usage:        "convert input files to validated SCIM v4 Bulk requests, plan.jsonl and report.json",
		ArgsUsage:    "FILE...",
		OnUsageError: usageOnError,
		Flags:        convertFlags(),
		Action: func(ctx *ucli.Context) error {
			return runConvert(c.convertOptions(ctx))
		},
	}
}

// convertOptions reads the flags of convertFlags (migrate's too: it gives
// company-id and directory in sendFlags).
func (c *CLI) convertOptions(ctx *ucli.Context) ConvertOptions {
	return ConvertOptions{
		Options: pipeline.Options{Context: ctx.Context,
			Options: plan.Options{CompanyID: c.flagOrEnv(ctx, "company-id", "UPSMIGRATE_COMPANY_ID"),
				Indent: ctx.Bool("indent"), Replace: ctx.Bool("replace")},
			Format: ctx.String("format"), Encoding: ctx.String("encoding"), Strict: ctx.Bool("strict")},
		Files: ctx.Args().Slice(), Out: ctx.String("out"), MappingPath: ctx.String("mapping"),
		Defaults: ctx.StringSlice("default"), DirectoryFile: ctx.String("directory"),
		DateOrderFlag: ctx.String("date-order"), FailOnErrorsFlag: ctx.Int("fail-on-errors"),
		Stdout: c.Stdout, ProgressOut: c.progressWriter(ctx)}
}

func runConvert(o ConvertOptions) error {
	if len(o.Files) == 0 {
		return usageErrorf("convert: no input files given: expected FILE...")
	}
	if strings.TrimSpace(o.Out) == "" {
		return usageErrorf("--out is empty: expected the output directory, e.g. --out out/")
	}
	if o.Format != "" {
		if _, err := formats.Lookup(o.Format); err != nil {
			return &Error{Code: ExitUsage, Err: err}
		}
	}
	if o.CompanyID != "" && !uuidRE.MatchString(o.CompanyID) {
		return usageErrorf("--company-id %q: expected the company's UUID (8-4-4-4-12 hexadecimal digits)", o.CompanyID)
	}
	if o.FailOnErrorsFlag < 0 {
		return usageErrorf("--fail-on-errors %d: expected a number of failed operations, 1 or more", o.FailOnErrorsFlag)
	}
	order, err := dateOrderFlag(o.DateOrderFlag)
	if err != nil {
		return err
	}
	if err := inputsExist(o.Files); err != nil {
		return err
	}
	opts := o.Options
	opts.DateOrder = order
	if o.FailOnErrorsFlag > 0 {
		n := o.FailOnErrorsFlag
		opts.FailOnErrors = &n
	}
	if o.MappingPath != "" {
		if opts.Mapping, err = loadMapping(o.MappingPath); err != nil {
			return &Error{Code: ExitUsage, Err: err}
		}
	}
	if len(o.Defaults) > 0 {
		if opts.Mapping == nil {
			if opts.Mapping, err = mapping.Default(); err != nil {
				return err
			}
		}
		if opts.Mapping, err = opts.Mapping.WithDefaultFlags(o.Defaults); err != nil {
			return &Error{Code: ExitUsage, Err: err}
		}
	}
	if o.DirectoryFile != "" {
		if opts.Directory, err = plan.LoadDirectory(o.DirectoryFile); err != nil {
			return &Error{Code: ExitUsage, Err: err}
		}
	}
	var view *progressView
	if o.ProgressOut != nil {
		view = &progressView{w: o.ProgressOut}
		defer view.finish()
		opts.Progress = view.update
	}
	needsCompany := o.CompanyID == "" && !o.CompanyLater
	const companyFix = "and UPS requires the companyId of each: " +
		"give --company-id <uuid> or set UPSMIGRATE_COMPANY_ID (migrate takes it from the token); nothing was written"
	opts.BeforeWrite = func(created int) error {
		if created > 0 && needsCompany {
			return usageErrorf("convert: this run creates %d users, %s", created, companyFix)
		}
		return nil
	}
	// A large run refuses as soon as it meets the first user it creates,
	// rather than once every employee is converted.
	opts.CreatesUsers = func(employee string) error {
		if needsCompany {
			return usageErrorf("convert: this run creates users (employee %s among them), %s", employee, companyFix)
		}
		return nil
	}
	res, err := pipeline.ConvertTo(o.Files, opts, o.Out)
	if errors.Is(err, pipeline.ErrInterrupted) {
		return &Error{Code: ExitInterrupted, Err: fmt.Errorf("interrupted: nothing was written to %s", o.Out)}
	}
	if err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			return err
		}
		return &Error{Code: ExitUsage, Err: err}
	}
	if view != nil {
		view.finish() // before the summary
	}
	fmt.Fprint(o.Stdout, res.Summary())
	for _, f := range res.Files {
		for _, w := range f.Warnings {
			fmt.Fprintln(o.Stdout, w.String())
		}
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(o.Stdout, w.String())
	}
	if res.NumWarnings > len(res.Warnings) {
		fmt.Fprintf(o.Stdout, "… and %d more plan warnings: see report.json\n", res.NumWarnings-len(res.Warnings))
	}
	printWarningKinds(o.Stdout, res.Kinds, o.Out)
	fmt.Fprintf(o.Stdout, "wrote %d bulk requests, plan.jsonl and report.json to %s\n", res.Plan.Requests, o.Out)
	for _, f := range res.SchemaErrors {
		fmt.Fprintf(o.Stdout, "schema error in %s operation %d (employee %s): %s\n",
			pipeline.BulkFileName(f.Request), f.Operation, f.Employee, f.Finding.String())
	}
	if res.Totals.Rejected > 0 {
		printRejections(o.Stdout, res)
	}
	if res.Totals.Rejected > 0 || len(res.SchemaErrors) > 0 {
		return rejected("")
	}
	return nil
}

// dateOrderFlag reads --date-order.
func dateOrderFlag(s string) (mapping.DateOrder, error) {
	order, err := mapping.ParseDateOrder(s)
	if err != nil {
		return order, usageErrorf("--date-order %q: expected month-first (MM/DD/YYYY, the default) or day-first (DD/MM/YYYY)", s)
	}
	return order, nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// printRejections lists the first rejected records with their reasons.
func printRejections(w io.Writer, res *pipeline.Outcome) {
	for _, r := range res.Rejected {
		for _, m := range r.Messages {
			if m.Severity == model.SevError {
				fmt.Fprintf(w, "rejected: %s\n", m.String())
			}
		}
	}
	if more := res.Totals.Rejected - len(res.Rejected); more > 0 {
		fmt.Fprintf(w, "… and %d more rejected records: see report.json\n", more)
	}
}

// convertFlags are the flags of convert; migrate takes them too.
func convertFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "out", Aliases: []string{"o"}, Usage: "output directory", Required: true},
		&ucli.StringFlag{Name: "mapping", Usage: "directory of mapping tables or a mapping workbook (`DIR|XLSX`) overriding the embedded ones"},
		&ucli.StringSliceFlag{Name: "default", Usage: "`SCHEMA:PATH=VALUE`: a company-wide default for new users that have the extension and lack the value, as a defaults.csv row (repeatable; e.g. spend:2.0:User:reimbursementCurrency=USD, travel:2.0:User:ruleClass.name=Standard)"},
		&ucli.StringFlag{Name: "directory", Usage: "snapshot of existing users (CSV or JSON: employeeNumber,id[,userName]) to resolve them offline"},
		&ucli.StringFlag{Name: "company-id", Usage: "company UUID for the enterprise companyId of created users (env UPSMIGRATE_COMPANY_ID)"},
		&ucli.StringFlag{Name: "format", Usage: "force the input format: concur, v1xml or v3json"},
		&ucli.StringFlag{Name: "encoding", Usage: "input character encoding (default UTF-8), e.g. windows-1252"},
		&ucli.StringFlag{Name: "date-order", Value: "month-first", Usage: "how slash dates such as 03/11/1984 are read: `month-first` (MM/DD/YYYY) or day-first (DD/MM/YYYY); YYYY-MM-DD reads the same either way"},
		&ucli.BoolFlag{Name: "strict", Usage: "unknown attributes are schema errors (default: warnings)"},
		&ucli.BoolFlag{Name: "indent", Usage: "write indented bulk files"},
		&ucli.BoolFlag{Name: "replace", Usage: "send existing users a full replacement (PUT of the whole user) instead of a PATCH: attributes the input does not give are reset by UPS"},
		&ucli.IntFlag{Name: "fail-on-errors", Usage: "`N`: UPS stops processing a Bulk request after N failed operations (failOnErrors); default: every operation is processed"},
		progressFlag,
	}
}

// inputsExist reports every input that cannot be opened, before anything
// slow (a mapping workbook, the conversion) starts.
func inputsExist(files []string) error {
	var bad []string
	for _, f := range files {
		st, err := os.Stat(f)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			bad = append(bad, f+": no such file")
		case err != nil:
			bad = append(bad, err.Error())
		case st.IsDir():
			bad = append(bad, fmt.Sprintf("%s is a directory: expected input files, given in processing order (e.g. %s)", f, filepath.Join(f, "*.csv")))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return usageErrorf("%s", strings.Join(bad, "; "))
}

// printWarningKinds shows what the records' warnings are about, by kind
// with counts and fields, and where to read every one of them.
func printWarningKinds(w io.Writer, kinds []pipeline.WarningKind, out string) {
	if len(kinds) == 0 {
		return
	}
	total := 0
	for _, k := range kinds {
		total += k.Count
	}
	fmt.Fprintf(w, "warnings on records: %d, by kind (each with its file:line:field in the report: 'upsmigrate report %s' writes %s):\n",
		total, out, filepath.Join(out, "report.html"))
	for _, k := range kinds {
		line := fmt.Sprintf("  %5d  %s", k.Count, k.Kind)
		if len(k.Fields) > 0 {
			line += ": " + strings.Join(k.Fields, ", ")
			if k.More > 0 {
				line += fmt.Sprintf(" and %d more fields", k.More)
			}
		}
		fmt.Fprintln(w, line)
	}
}
