package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/formats"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// InspectOptions are the inputs of `upsmigrate inspect`; the embedded
// formats.Options are how the files are read (--format, --encoding).
type InspectOptions struct {
	formats.Options
	Files []string
	// Mapping is --mapping: the tables the records are checked against
	// (nil: the embedded ones).
	Mapping *mapping.Set
	JSON    bool
	Out     io.Writer
}

// inspectFile is one file's entry in `inspect --json`.
type inspectFile struct {
	Path     string               `json:"path"`
	Format   string               `json:"format,omitempty"`
	Records  map[string]int       `json:"records"`
	Total    int                  `json:"total"`
	Settings model.ImportSettings `json:"settings,omitempty"`
	// Rejected counts the records convert would reject (they are among
	// Errors, with the reason).
	Rejected int              `json:"rejected"`
	Warnings []inspectMessage `json:"warnings"`
	Errors   []inspectMessage `json:"errors"`
	// Unreadable is set when the file could not be read to its end.
	Unreadable bool `json:"unreadable,omitempty"`
}

type inspectMessage struct {
	Line    int    `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
	Info    bool   `json:"info,omitempty"` // a note, not a problem
}

func (c *CLI) inspectCommand() *ucli.Command {
	return &ucli.Command{
		Name:         "inspect",
		Usage:        "count the records of input files by type and list their problems with positions",
		ArgsUsage:    "FILE...",
		OnUsageError: usageOnError,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "print machine-readable JSON"},
			&ucli.StringFlag{Name: "format", Usage: "force the input format: " + fmt.Sprint(formats.Names())},
			&ucli.StringFlag{Name: "encoding", Usage: "input character encoding (default UTF-8), e.g. windows-1252"},
			&ucli.StringFlag{Name: "mapping", Usage: "check the records against these mapping tables (`DIR|XLSX`) instead of the embedded ones"},
		},
		Action: func(ctx *ucli.Context) error {
			opts := InspectOptions{Options: formats.Options{Format: ctx.String("format"), Encoding: ctx.String("encoding")},
				Files: ctx.Args().Slice(), JSON: ctx.Bool("json"), Out: c.Stdout}
			if m := ctx.String("mapping"); m != "" {
				set, err := loadMapping(m)
				if err != nil {
					return &Error{Code: ExitUsage, Err: err}
				}
				opts.Mapping = set
			}
			return runInspect(opts)
		},
	}
}

func runInspect(opts InspectOptions) error {
	if len(opts.Files) == 0 {
		return usageErrorf("inspect: no input files given: expected FILE...")
	}
	if opts.Format != "" {
		if _, err := formats.Lookup(opts.Format); err != nil {
			return &Error{Code: ExitUsage, Err: err}
		}
	}
	set := opts.Mapping
	if set == nil {
		var err error
		if set, err = mapping.Default(); err != nil {
			return err
		}
	}
	// The records are mapped as convert maps them, so that inspect lists
	// what convert would reject (a 400 record with segments, a bad value)
	// and warn about, with the reason.
	eng := mapping.NewEngine(set, mapping.Options{})
	var files []inspectFile
	for _, path := range opts.Files {
		files = append(files, inspectOne(path, opts.Options, eng))
	}
	addMappingFindings(files, eng)
	if opts.JSON {
		enc := json.NewEncoder(opts.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"files": files}); err != nil {
			return err
		}
	} else {
		printInspect(opts.Out, files)
	}
	code := ExitOK
	for _, f := range files {
		if f.Unreadable {
			code = ExitUsage
		} else if len(f.Errors) > 0 && code == ExitOK {
			code = ExitRejected
		}
	}
	if code != ExitOK {
		return &Error{Code: code}
	}
	return nil
}

func inspectOne(path string, opts formats.Options, eng *mapping.Engine) inspectFile {
	f := inspectFile{Path: path, Records: map[string]int{}, Warnings: []inspectMessage{}, Errors: []inspectMessage{}}
	in, err := formats.Open(path, opts)
	if err != nil {
		f.Unreadable = true
		f.Errors = append(f.Errors, inspectMessage{Message: strings.TrimPrefix(err.Error(), path+": ")})
		return f
	}
	defer in.Close()
	f.Format = in.Format
	for {
		rec, err := in.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Errors = append(f.Errors, messageOf(err))
			var pe *model.ParseError
			if !errors.As(err, &pe) || pe.Fatal {
				f.Unreadable = true
				break
			}
			continue
		}
		f.Records[rec.Type]++
		f.Total++
		eng.Add(rec)
	}
	if sr, ok := in.Reader.(formats.SettingsReader); ok {
		f.Settings = sr.ImportSettings()
	}
	for _, w := range in.Warnings() {
		m := inspectMessage{Line: w.Source.Line, Field: w.Source.Field, Message: w.Message}
		if w.Severity == model.SevInfo {
			m.Info = true
		}
		f.Warnings = append(f.Warnings, m)
	}
	return f
}

// addMappingFindings adds what mapping the records found to their files:
// the errors of the records convert would reject, and the warnings.
func addMappingFindings(files []inspectFile, eng *mapping.Engine) {
	byPath := make(map[string]*inspectFile, len(files))
	for i := range files {
		byPath[files[i].Path] = &files[i]
	}
	_, results := eng.Finish()
	for _, r := range results {
		f := byPath[r.Pos.File]
		if f == nil {
			continue
		}
		if r.Status == model.StatusRejected {
			f.Rejected++
		}
		for _, d := range r.Messages {
			m := inspectMessage{Line: d.Source.Line, Field: d.Source.Field, Message: d.Message}
			switch d.Severity {
			case model.SevError:
				m.Message = "convert rejects this record: " + m.Message
				f.Errors = append(f.Errors, m)
			case model.SevWarning:
				f.Warnings = append(f.Warnings, m)
			}
		}
	}
	for i := range files {
		sortMessages(files[i].Errors)
		sortMessages(files[i].Warnings)
	}
}

func sortMessages(ms []inspectMessage) {
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Line < ms[j].Line })
}

func messageOf(err error) inspectMessage {
	var pe *model.ParseError
	if errors.As(err, &pe) {
		return inspectMessage{Line: pe.Line, Field: pe.Field, Message: pe.Err.Error()}
	}
	return inspectMessage{Message: err.Error()}
}

func printInspect(w io.Writer, files []inspectFile) {
	for _, f := range files {
		format := f.Format
		if format == "" {
			format = "unknown format"
		}
		fmt.Fprintf(w, "%s (%s): %d records", f.Path, format, f.Total)
		if n := len(f.Errors); n > 0 {
			fmt.Fprintf(w, ", %d errors", n)
		}
		if f.Rejected > 0 {
			fmt.Fprintf(w, " (convert would reject %d records)", f.Rejected)
		}
		fmt.Fprintln(w)
		types := make([]string, 0, len(f.Records))
		for t := range f.Records {
			types = append(types, t)
		}
		sort.Strings(types)
		for _, t := range types {
			fmt.Fprintf(w, "  %-6s %d\n", t, f.Records[t])
		}
		if f.Settings != nil {
			fmt.Fprintf(w, "  import settings: %s\n", f.Settings.Describe())
		}
		for i, m := range f.Warnings {
			if i == inspectMostErrors {
				fmt.Fprintf(w, "  … and %d more warnings in %s (inspect --json lists them all)\n", len(f.Warnings)-i, f.Path)
				break
			}
			sev := "warning"
			if m.Info {
				sev = "info"
			}
			fmt.Fprintf(w, "  %s: %s: %s\n", position(f.Path, m), sev, m.Message)
		}
		for i, m := range f.Errors {
			if i == inspectMostErrors {
				fmt.Fprintf(w, "  … and %d more errors in %s (inspect --json lists them all)\n", len(f.Errors)-i, f.Path)
				break
			}
			fmt.Fprintf(w, "  %s: error: %s\n", position(f.Path, m), m.Message)
		}
	}
}

// inspectMostErrors is the number of errors the text output lists per file.
const inspectMostErrors = 50

func position(path string, m inspectMessage) string {
	s := path
	if m.Line > 0 {
		s += ":" + strconv.Itoa(m.Line)
	}
	if m.Field != "" {
		s += ":" + m.Field
	}
	return s
}
