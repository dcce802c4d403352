package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/schemas"
)

// ValidateOptions are the inputs of `upsmigrate validate`; the embedded
// schemas.Options are the checks (--strict; Fast unless --reference, which
// checks with jsonschema/v5).
type ValidateOptions struct {
	schemas.Options
	Paths []string
	JSON  bool
	Out   io.Writer
	// ProgressOut, when set, shows the files checked on this writer.
	ProgressOut io.Writer
}

func (c *CLI) validateCommand() *ucli.Command {
	return &ucli.Command{
		Name:         "validate",
		Usage:        "check bulk requests, User and PatchOp bodies and plan files against the UPS v4 schemas",
		ArgsUsage:    "FILE|DIR...",
		OnUsageError: usageOnError,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "strict", Usage: "unknown attributes are errors (default: warnings)"},
			&ucli.BoolFlag{Name: "json", Usage: "print machine-readable JSON"},
			&ucli.BoolFlag{Name: "reference", Usage: "check with jsonschema/v5, the reference implementation of the schema files, instead of the compiled fast path (same findings, many times slower)"},
			progressFlag,
		},
		Action: func(ctx *ucli.Context) error {
			return runValidate(ValidateOptions{Options: schemas.Options{Strict: ctx.Bool("strict"), Fast: !ctx.Bool("reference")},
				Paths: ctx.Args().Slice(), JSON: ctx.Bool("json"), Out: c.Stdout, ProgressOut: c.progressWriter(ctx)})
		},
	}
}

// validateFile is one file's entry in `validate --json`.
type validateFile struct {
	Path     string            `json:"path"`
	Kind     string            `json:"kind"`
	Findings []schemas.Finding `json:"findings"`
	Error    string            `json:"error,omitempty"`
}

func runValidate(opts ValidateOptions) error {
	if len(opts.Paths) == 0 {
		return usageErrorf("validate: nothing to validate: expected FILE|DIR...")
	}
	so := opts.Options
	if opts.ProgressOut != nil {
		bar := newCountBar(opts.ProgressOut, "validating")
		defer bar.finish()
		so.Progress = bar.set
	}
	v, err := schemas.New(so)
	if err != nil {
		return err
	}
	var results []schemas.FileResult
	for _, p := range opts.Paths {
		st, err := os.Stat(p)
		if err != nil {
			return &Error{Code: ExitUsage, Err: err}
		}
		if st.IsDir() {
			rs, err := v.ValidateDir(p)
			if err != nil {
				return &Error{Code: ExitUsage, Err: err}
			}
			results = append(results, rs...)
			continue
		}
		if err := jsonLike(p); err != nil {
			results = append(results, schemas.FileResult{Path: p, Err: err})
			continue
		}
		fs, kind, err := v.ValidateFile(p)
		results = append(results, schemas.FileResult{Path: p, Kind: kind, Findings: fs, Err: err})
	}
	errs, warns, files, unreadable := 0, 0, 0, false
	out := make([]validateFile, 0, len(results))
	for _, r := range results {
		vf := validateFile{Path: r.Path, Kind: fmt.Sprint(r.Kind), Findings: r.Findings}
		if vf.Findings == nil {
			vf.Findings = []schemas.Finding{}
		}
		if r.Err != nil {
			vf.Error = r.Err.Error()
			if errors.Is(r.Err, schemas.ErrUnknownKind) {
				errs++
			} else {
				unreadable = true
			}
		}
		for _, f := range r.Findings {
			if f.Keyword == "json" {
				unreadable = true // empty, truncated or not JSON: nothing to check
			}
		}
		if r.Kind != schemas.KindUnknown {
			files++
		}
		for _, f := range r.Findings {
			if f.IsError() {
				errs++
			} else {
				warns++
			}
		}
		out = append(out, vf)
	}
	if opts.JSON {
		enc := json.NewEncoder(opts.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"files": out, "errors": errs, "warnings": warns}); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			if r.Err != nil {
				fmt.Fprintf(opts.Out, "%s: %v\n", r.Path, r.Err)
			}
			for i, f := range r.Findings {
				if i == validateMostFindings {
					fmt.Fprintf(opts.Out, "… and %d more findings in %s (validate --json lists them all)\n", len(r.Findings)-i, r.Path)
					break
				}
				fmt.Fprintln(opts.Out, f.Format(r.Path))
			}
		}
		fmt.Fprintf(opts.Out, "%d files checked: %d errors, %d warnings\n", files, errs, warns)
	}
	switch {
	case unreadable:
		return &Error{Code: ExitUsage}
	case errs > 0:
		return &Error{Code: ExitRejected}
	}
	return nil
}

// notOutput is the advice for a file that is not what validate checks.
const notOutput = "validate checks what convert writes (a convert output directory, bulk-NNNN.json, plan.jsonl, report.json) and SCIM User or PatchOp bodies; to check an input file, run 'upsmigrate inspect FILE'"

// jsonLike tells a file validate can check from one it cannot: empty, or
// not JSON at all (an input file, a workbook, binary data).
func jsonLike(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	h := bytes.TrimLeft(bytes.TrimPrefix(head[:n], []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(h) == 0:
		return fmt.Errorf("the file is empty: %s", notOutput)
	case h[0] != '{' && h[0] != '[':
		show := string(h[:min(len(h), 24)])
		return fmt.Errorf("not JSON (it starts with %q): %s", show, notOutput)
	}
	return nil
}

// validateMostFindings is the number of findings the text output lists per
// file; the counts cover them all.
const validateMostFindings = 100
