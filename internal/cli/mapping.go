package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/mapping"
	"github.com/upsmigrate/upsmigrate/mapping/xlsx"
)

// loadMapping loads the embedded tables overridden by a directory of
// <source>.csv tables or by a mapping workbook (.xlsx).
func loadMapping(path string) (*mapping.Set, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("--mapping %s: no such file or directory: expected a directory of mapping tables (<source>.csv) or a mapping workbook (.xlsx), e.g. one written by 'upsmigrate mapping export'", path)
	}
	if err != nil {
		return nil, fmt.Errorf("--mapping %s: %w", path, err)
	}
	switch {
	case st.IsDir():
		return mapping.LoadDir(path)
	case strings.EqualFold(filepath.Ext(path), ".xlsx"):
		return xlsx.Load(path)
	}
	return nil, fmt.Errorf("--mapping %s: expected a directory of mapping tables (<source>.csv) or a mapping workbook (.xlsx)", path)
}

func (c *CLI) mappingCommand() *ucli.Command {
	mappingFlag := &ucli.StringFlag{Name: "mapping", Usage: "directory of mapping tables or a mapping workbook (`DIR|XLSX`) overriding the embedded ones"}
	set := func(ctx *ucli.Context) (*mapping.Set, error) {
		if d := ctx.String("mapping"); d != "" {
			s, err := loadMapping(d)
			if err != nil {
				return nil, &Error{Code: ExitUsage, Err: err}
			}
			return s, nil
		}
		return mapping.Default()
	}
	return &ucli.Command{
		Name:  "mapping",
		Usage: "show, export and check the mapping tables",
		Subcommands: []*ucli.Command{
			{
				Name:         "export",
				Usage:        "write the mapping tables (embedded, or --mapping) to a workbook for review and editing",
				OnUsageError: usageOnError,
				Flags:        []ucli.Flag{mappingFlag, &ucli.StringFlag{Name: "xlsx", Usage: "workbook `FILE` to write", Required: true}},
				Action: func(ctx *ucli.Context) error {
					s, err := set(ctx)
					if err != nil {
						return err
					}
					out := ctx.String("xlsx")
					if err := xlsx.ExportFile(s, out); err != nil {
						return err
					}
					fmt.Fprintf(c.Stdout, "wrote %d mapping tables to %s\n", len(s.Tables()), out)
					return nil
				},
			},
			{
				Name:         "check",
				Usage:        "check an edited mapping workbook (.xlsx) or directory of tables; every problem is listed with its cell",
				ArgsUsage:    "FILE|DIR",
				OnUsageError: usageOnError,
				Action: func(ctx *ucli.Context) error {
					if ctx.NArg() != 1 {
						return usageErrorf("mapping check: expected one workbook or directory")
					}
					return c.checkMapping(ctx.Args().First())
				},
			},
			{
				Name:         "show",
				Usage:        "print the mapping table of one source (305, 350, v1, v3.1 …) or list the tables",
				ArgsUsage:    "[SOURCE]",
				OnUsageError: usageOnError,
				Flags:        []ucli.Flag{mappingFlag},
				Action: func(ctx *ucli.Context) error {
					s, err := set(ctx)
					if err != nil {
						return err
					}
					if ctx.NArg() == 0 {
						for _, t := range s.Tables() {
							fmt.Fprintf(c.Stdout, "%-6s %s\n", t.Name, t.File)
						}
						return nil
					}
					name := ctx.Args().First()
					t, ok := s.Table(name)
					if !ok {
						var names []string
						for _, t := range s.Tables() {
							names = append(names, t.Name)
						}
						return usageErrorf("no mapping table %q: expected one of %s", name, strings.Join(names, ", "))
					}
					return t.Write(c.Stdout)
				},
			},
		},
	}
}

// checkMapping lists every problem of a mapping workbook or directory;
// exit 1 when there is any, 2 when it cannot be read at all.
func (c *CLI) checkMapping(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	if st.IsDir() {
		if _, err := mapping.LoadDir(path); err != nil {
			var te *mapping.TableError
			if !errors.As(err, &te) {
				return &Error{Code: ExitUsage, Err: err} // unreadable, not a table problem
			}
			fmt.Fprintln(c.Stdout, err)
			return rejected("")
		}
		fmt.Fprintf(c.Stdout, "%s: the mapping tables are valid\n", path)
		return nil
	}
	problems, err := xlsx.Check(path)
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	for _, p := range problems {
		fmt.Fprintln(c.Stdout, p.Error())
	}
	if len(problems) > 0 {
		return rejected(fmt.Sprintf("%s: %d problems", path, len(problems)))
	}
	fmt.Fprintf(c.Stdout, "%s: the mapping workbook is valid\n", path)
	return nil
}
