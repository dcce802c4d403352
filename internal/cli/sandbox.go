package cli

import (
	"io"
	"os"
	"os/signal"
	"syscall"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/internal/sandbox"
)

func (c *CLI) sandboxCommand() *ucli.Command {
	return &ucli.Command{
		Name:         "sandbox",
		Usage:        "run the local UPS v4 emulator (OAuth2, Bulk, asynchronous provisioning status, lookups)",
		OnUsageError: usageOnError,
		Flags:        sandboxFlags(),
		Action: func(ctx *ucli.Context) error {
			if ctx.NArg() > 0 {
				return usageErrorf("sandbox takes no arguments, got %q", ctx.Args().First())
			}
			// The sandbox serves until interrupted (or the injected context ends).
			run, stop := signal.NotifyContext(ctx.Context, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return sandbox.Run(run, sandboxConfig(ctx, c.Getenv, c.Stderr), c.Stdout)
		},
	}
}

// sandboxFlags are the command-line flags of `upsmigrate sandbox`;
// sandboxConfig reads them back.
func sandboxFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "addr", Value: sandbox.DefaultAddr, Usage: "listen `ADDRESS` (host:port)"},
		&ucli.DurationFlag{Name: "latency", Usage: "delay of each provisioning stage: identity, then spend/travel extensions (e.g. 2s)"},
		&ucli.DurationFlag{Name: "response-latency", Usage: "delay every HTTP answer by this much"},
		&ucli.Float64Flag{Name: "fail-rate", Usage: "probability `P` (0..1) of answering 500/502/503/504 before processing (503 with Retry-After: 1)"},
		&ucli.Float64Flag{Name: "throttle-rate", Usage: "probability `P` (0..1) of answering 429 with Retry-After before processing"},
		&ucli.DurationFlag{Name: "throttle-retry-after", Value: sandbox.DefaultThrottleRetryAfter, Usage: "Retry-After `D` of the --throttle-rate 429s, in whole seconds rounded up; 0 sends \"Retry-After: 0\""},
		&ucli.Float64Flag{Name: "drop-rate", Usage: "probability `P` (0..1) of closing the connection before processing, without a reply"},
		&ucli.Float64Flag{Name: "maintenance-rate", Usage: "probability `P` (0..1) that a request opens a maintenance window: every request but the token endpoint gets 503 with Retry-After (seconds left)"},
		&ucli.DurationFlag{Name: "maintenance-duration", Value: sandbox.DefaultMaintenanceDuration, Usage: "length `D` of the maintenance windows opened by --maintenance-rate"},
		&ucli.Float64Flag{Name: "apply-drop-rate", Usage: "probability `P` (0..1) that a write (Bulk, POST/PATCH/PUT/DELETE Users) is applied and committed, then its connection closed without the answer"},
		&ucli.Float64Flag{Name: "ext-fail-rate", Usage: "probability `P` (0..1) that each extension an operation writes (spend, roles, approvers, delegates, preferences, payroll, travel) fails with 400 INVALID_VALUE; the identity and other extensions are written"},
		&ucli.Float64Flag{Name: "rate", Usage: "requests per second allowed per client (0 = unlimited); 429 beyond"},
		&ucli.Int64Flag{Name: "seed", Usage: "seed of fault injection and generated ids (0 = random, printed at start)"},
		&ucli.StringFlag{Name: "client-id", Usage: "OAuth2 client id (env UPSMIGRATE_CLIENT_ID; generated when empty)"},
		&ucli.StringFlag{Name: "client-secret", Usage: "OAuth2 client secret (env UPSMIGRATE_CLIENT_SECRET; generated and printed when empty)"},
		&ucli.StringFlag{Name: "company-id", Usage: "company UUID (env UPSMIGRATE_COMPANY_ID; generated when empty)"},
		&ucli.BoolFlag{Name: "no-auth", Usage: "accept requests without a token (quick rehearsals)"},
		&ucli.StringFlag{Name: "db", Usage: "keep users and provision statuses in this SQLite `FILE` across restarts"},
		&ucli.IntFlag{Name: "users", Usage: "seed `N` existing users (employee numbers E00001…) for update and lookup rehearsals"},
	}
}

// sandboxConfig builds a sandbox.Config from the parsed flags. getenv supplies
// UPSMIGRATE_CLIENT_ID, UPSMIGRATE_CLIENT_SECRET and UPSMIGRATE_COMPANY_ID
// when the flags are not set; log receives the request log.
func sandboxConfig(c *ucli.Context, getenv func(string) string, log io.Writer) sandbox.Config {
	fromEnv := func(flag, env string) string {
		if v := c.String(flag); v != "" || getenv == nil {
			return v
		}
		return getenv(env)
	}
	return sandbox.Config{
		Addr:            c.String("addr"),
		Latency:         c.Duration("latency"),
		ResponseLatency: c.Duration("response-latency"),
		FailRate:        c.Float64("fail-rate"),
		ThrottleRate:    c.Float64("throttle-rate"),
		DropRate:        c.Float64("drop-rate"),
		Rate:            c.Float64("rate"),
		// The flag has a default, so the pointer is always set; 0 is sent.
		ThrottleRetryAfter:  new(c.Duration("throttle-retry-after")),
		MaintenanceRate:     c.Float64("maintenance-rate"),
		MaintenanceDuration: c.Duration("maintenance-duration"),
		ApplyDropRate:       c.Float64("apply-drop-rate"),
		ExtFailRate:         c.Float64("ext-fail-rate"),
		Seed:                c.Int64("seed"),
		ClientID:            fromEnv("client-id", "UPSMIGRATE_CLIENT_ID"),
		ClientSecret:        fromEnv("client-secret", "UPSMIGRATE_CLIENT_SECRET"),
		CompanyID:           fromEnv("company-id", "UPSMIGRATE_COMPANY_ID"),
		NoAuth:              c.Bool("no-auth"),
		DB:                  c.String("db"),
		Users:               c.Int("users"),
		Log:                 log,
	}
}
