package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	ucli "github.com/urfave/cli/v2"
)

// CLI is one run of upsmigrate with its streams and environment injected,
// so tests run it in-process exactly as a shell would.
type CLI struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Getenv reads the environment (secrets come from flags or UPSMIGRATE_*).
	Getenv func(string) string
	// Context, when set, bounds long-running commands (sandbox); nil means
	// context.Background(). The sandbox also stops on SIGINT/SIGTERM.
	Context context.Context

	// isTerminal, when set, replaces the check whether standard output
	// or error is a terminal (tests).
	isTerminal func(w any) bool
}

// New returns a CLI on the given streams reading the process environment.
func New(stdin io.Reader, stdout, stderr io.Writer) *CLI {
	return &CLI{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}
}

// Run runs the command line args (args[0] is the program name) and returns
// the exit code.
func (c *CLI) Run(args []string) int {
	ctx := c.Context
	if ctx == nil {
		// The process itself: every command sees SIGINT and SIGTERM as
		// its context's end (notifyContext).
		var stop context.CancelFunc
		ctx, stop = notifyContext(context.Background())
		defer stop()
	}
	app := c.app()
	err := app.RunContext(ctx, args)
	if err != nil {
		var e *Error
		if !(errors.As(err, &e) && e.Err == nil) {
			fmt.Fprintf(c.Stderr, "upsmigrate: %v\n", err)
		}
	}
	return exitCode(err)
}

// helpOnce installs flagHelp as urfave/cli's (global) flag stringer.
var helpOnce sync.Once

func (c *CLI) app() *ucli.App {
	helpOnce.Do(func() {
		base := ucli.FlagStringer
		ucli.FlagStringer = func(f ucli.Flag) string { return flagHelp(base, f) }
	})
	cmds := c.commands()
	addExamples(cmds, "")
	return &ucli.App{
		Name:                 "upsmigrate",
		Usage:                "move SAP Concur employee imports and legacy user APIs onto UPS v4 (SCIM 2.0)",
		Reader:               c.Stdin,
		Writer:               c.Stdout,
		ErrWriter:            c.Stderr,
		Version:              Version(),
		EnableBashCompletion: false,
		// Exit codes are decided by Run, never by os.Exit inside the library.
		ExitErrHandler: func(*ucli.Context, error) {},
		OnUsageError: func(ctx *ucli.Context, err error, _ bool) error {
			return &Error{Code: ExitUsage, Err: suggestFlag(ctx.Command, err)}
		},
		Commands: cmds,
		Action: func(ctx *ucli.Context) error {
			if ctx.NArg() > 0 {
				name := ctx.Args().First()
				return usageErrorf("unknown command %q%s (run 'upsmigrate help' for the list)", name, suggestCommand(cmds, name))
			}
			return ucli.ShowAppHelp(ctx)
		},
	}
}

// commands lists every command; each lives in its own file.
func (c *CLI) commands() []*ucli.Command {
	return []*ucli.Command{
		c.inspectCommand(),
		c.validateCommand(),
		c.convertCommand(),
		c.mappingCommand(),
		c.sandboxCommand(),
		c.reportCommand(),
		c.submitCommand(),
		c.migrateCommand(),
		c.statusCommand(),
		c.lineageCommand(),
	}
}

// flagOrEnv returns a string flag's value, or the injected environment's
// variable when the flag is not given.
func (c *CLI) flagOrEnv(ctx *ucli.Context, flag, env string) string {
	if v := ctx.String(flag); v != "" || c.Getenv == nil {
		return v
	}
	return c.Getenv(env)
}

// usageOnError marks flag-parsing errors of a subcommand as usage errors,
// with the flag meant when one was mistyped.
func usageOnError(ctx *ucli.Context, err error, _ bool) error {
	return &Error{Code: ExitUsage, Err: suggestFlag(ctx.Command, err)}
}
