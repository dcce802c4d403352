package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/mapping"
)

func (c *CLI) migrateCommand() *ucli.Command {
	var flags []ucli.Flag
	for _, f := range convertFlags() {
		switch f.Names()[0] {
		case "company-id", "directory": // in sendFlags too
			continue
		}
		flags = append(flags, f)
	}
	flags = append(flags, sendFlags()...)
	return &ucli.Command{
		Name:      "migrate",
		Usage:     "convert, validate, submit, track and report in one run: the whole migration of FILE... into DIR",
		ArgsUsage: "FILE...",
		Description: `Examples:
   upsmigrate migrate --sandbox --out out/ samples/concur/*.csv      # rehearse against the built-in emulator
   upsmigrate migrate --company-id <uuid> --out out/ feed-*.csv      # UPS; secrets from UPSMIGRATE_* variables
   upsmigrate migrate --dry-run --out out/ feed-*.csv                # convert, resolve users, print the plan
   upsmigrate migrate --flavor scim --target https://host/scim/v2 --out out/ users.json

   DIR receives the bulk requests, plan.jsonl, report.json, journal.db and report.html/.md.
   Running the same command again resumes the run; inputs that changed since are refused.`,
		OnUsageError: usageOnError,
		Flags:        flags,
		Action: func(ctx *ucli.Context) error {
			o, err := c.sendOptions(ctx)
			if err != nil {
				return err
			}
			files, out := ctx.Args().Slice(), ctx.String("out")
			if len(files) == 0 {
				return usageErrorf("migrate: no input files given: expected FILE...")
			}
			co := c.convertOptions(ctx)
			co.CompanyLater, co.ProgressOut = true, o.Progress
			if _, err := dateOrderFlag(co.DateOrderFlag); err != nil {
				return err
			}
			if o.Quiet {
				co.Stdout = io.Discard
			}
			if err := os.MkdirAll(out, 0o700); err != nil {
				return &Error{Code: ExitUsage, Err: err}
			}
			run, stop := c.signalContext(ctx.Context)
			defer stop()
			sum, err := inputHash(co)
			if err != nil {
				return &Error{Code: ExitUsage, Err: err}
			}
			var j *journal.Journal
			if o.DryRun {
				// Convert rewrites the directory: not over a run whose
				// inputs were others.
				if ro, err := journal.OpenReadOnly(out); err == nil {
					err = ro.Check(journal.Meta{InputHash: sum, Target: targetName(o), Flavor: o.Flavor})
					ro.Close()
					if err != nil {
						return &Error{Code: ExitUsage, Err: err}
					}
				}
			} else {
				if j, err = openJournal(out); err != nil {
					return err
				}
				defer j.Close()
				// Refused before convert rewrites the directory.
				if err := j.Check(journal.Meta{InputHash: sum, Target: targetName(o), Flavor: o.Flavor}); err != nil {
					return &Error{Code: ExitUsage, Err: err}
				}
			}
			err = runConvert(co)
			if err != nil {
				var e *Error
				if errors.As(err, &e) && e.Code == ExitInterrupted {
					// As an interrupted submit: the same command resumes.
					return &Error{Code: ExitRejected, Err: errors.New("interrupted while converting: nothing was sent; run the same command again to resume")}
				}
				if !errors.As(err, &e) || e.Code != ExitRejected {
					return err
				}
			}
			return c.runSubmit(run, out, o, j, sum)
		},
	}
}

// targetName is how the journal names the target.
func targetName(o SendOptions) string {
	switch {
	case o.Sandbox:
		return "sandbox"
	case o.TargetURL != "":
		return o.TargetURL
	}
	return "ups"
}

// inputHash hashes what a migration's plan depends on: the input files,
// the mapping overrides, the directory snapshot and the convert options.
func inputHash(o ConvertOptions) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "format=%s encoding=%s strict=%t replace=%t fail=%d company=%s\n",
		o.Format, o.Encoding, o.Strict, o.Replace, o.FailOnErrorsFlag, o.CompanyID)
	for _, d := range o.Defaults {
		fmt.Fprintf(h, "default=%q\n", d)
	}
	// The default order adds nothing: runs begun before --date-order
	// existed keep their hash.
	if order, err := mapping.ParseDateOrder(o.DateOrderFlag); err == nil && order != mapping.MonthFirst {
		fmt.Fprintf(h, "date-order=%s\n", order)
	}
	for _, f := range o.Files {
		if err := hashPath(h, f); err != nil {
			return "", err
		}
	}
	for _, p := range []string{o.MappingPath, o.DirectoryFile} {
		if p != "" {
			if err := hashPath(h, p); err != nil {
				return "", err
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashPath adds a file, or every file below a directory in name order.
func hashPath(h hash.Hash, path string) error {
	var files []string
	err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\n", p)
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
