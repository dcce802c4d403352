package cli

import (
	"fmt"
	"os"
	"strings"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/mapping"
)

// loadMapping loads the embedded tables overridden by a directory's.
func loadMapping(dir string) (*mapping.Set, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--mapping %s: expected a directory of mapping tables (<source>.csv)", dir)
	}
	return mapping.LoadDir(dir)
}

func (c *CLI) mappingCommand() *ucli.Command {
	mappingFlag := &ucli.StringFlag{Name: "mapping", Usage: "directory of mapping tables (`DIR`) overriding the embedded ones"}
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
		Usage: "show the mapping tables",
		Subcommands: []*ucli.Command{
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
