package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	ucli "github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/sandbox"
	"github.com/upsmigrate/upsmigrate/internal/submit"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

// SendOptions are the flags submit and migrate share: where to send, how
// to authenticate, how fast, and the guardrails. The flags whose values
// are submit's options as typed (company-id, poll-interval,
// provision-timeout, concurrency, rate, canary, dry-run, max-creates,
// max-deactivations) fill the embedded submit.Options; submitOptions adds
// the rest (Target, Directory, Log, OnPreview, Confirm).
type SendOptions struct {
	submit.Options
	Sandbox        bool
	TargetURL      string // --target: base URL
	Flavor         string // ups | scim
	DirectoryFile  string // --directory, read into Directory
	Credentials    string // 0600 file of UPSMIGRATE_* secrets
	TokenFile      string // where the newest refresh token is kept
	Token          string // scim bearer token
	User, Password string // scim basic auth
	Yes            bool
	Verbose, Quiet bool
	// Attempts bounds the sends of one HTTP call (--attempts).
	Attempts int
	// Progress, when set, shows the operations sent and the reports
	// written on this writer (standard error on a terminal).
	Progress io.Writer
}

// sendFlags are the flags of SendOptions.
func sendFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.BoolFlag{Name: "sandbox", Usage: "send to the built-in UPS emulator, started in-process on a free loopback port (its state is kept in DIR/sandbox.db)"},
		&ucli.StringFlag{Name: "target", Usage: "`URL` of the target (UPS: the token host, the API base then comes from the token's geolocation; SCIM: the SCIM root, e.g. https://host/scim/v2)"},
		&ucli.StringFlag{Name: "flavor", Value: "ups", Usage: "target flavor: ups (SAP Concur UPS v4, asynchronous) or scim (any RFC 7644 server with /Bulk)"},
		&ucli.StringFlag{Name: "company-id", Usage: "company UUID of created users (env UPSMIGRATE_COMPANY_ID; default: the token's)"},
		&ucli.StringFlag{Name: "directory", Usage: "snapshot of existing users (CSV or JSON: employeeNumber,id[,userName]): they are not looked up"},
		&ucli.StringFlag{Name: "credentials", Usage: "read UPSMIGRATE_* secrets from this `FILE` (KEY=VALUE lines, mode 0600) instead of the environment"},
		&ucli.StringFlag{Name: "token-file", Usage: "keep the newest refresh token in this `FILE` (mode 0600; UPS rotates refresh tokens)"},
		&ucli.StringFlag{Name: "token", Usage: "bearer token of a SCIM target (env UPSMIGRATE_TOKEN; prefer the environment: flags show in ps)"},
		&ucli.StringFlag{Name: "user", Usage: "basic-auth user of a SCIM target (password in env UPSMIGRATE_PASSWORD)"},
		&ucli.DurationFlag{Name: "poll-interval", Value: 5 * time.Second, Usage: "wait before the first provision status poll; then it doubles, with jitter, up to 60s"},
		&ucli.DurationFlag{Name: "provision-timeout", Value: 120 * time.Minute, Usage: "a provision not complete after this long ends as failed (UPS: 120 minutes, 60 in CCPS)"},
		&ucli.IntFlag{Name: "concurrency", Value: 4, Usage: "at most `N` requests in flight (starts at 2, grows after clean requests, halves on a 429)"},
		&ucli.Float64Flag{Name: "rate", Usage: "at most `OPS` operations per second (0 = no client-side limit)"},
		&ucli.IntFlag{Name: "canary", Value: 5, Usage: "operations in the first request of phase 1; when most of them fail the run stops (0 = no canary)"},
		&ucli.BoolFlag{Name: "dry-run", Usage: "do everything except sending: resolve users, print the plan"},
		&ucli.BoolFlag{Name: "yes", Aliases: []string{"y"}, Usage: "do not ask for confirmation on a terminal"},
		&ucli.IntFlag{Name: "max-creates", Value: -1, Usage: "stop before sending when the plan creates more than `N` users (-1 = no limit)"},
		&ucli.IntFlag{Name: "max-deactivations", Value: -1, Usage: "stop before sending when the plan deactivates more than `N` users (-1 = no limit)"},
		&ucli.IntFlag{Name: "attempts", Value: 8, Usage: "send a failing call at most `N` times (5xx, 429, connection errors; with backoff)"},
		&ucli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "log every request and poll"},
		&ucli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the outcome"},
	}
}

func (c *CLI) sendOptions(ctx *ucli.Context) (SendOptions, error) {
	o := SendOptions{Options: submit.Options{CompanyID: c.flagOrEnv(ctx, "company-id", "UPSMIGRATE_COMPANY_ID"),
		PollInterval: ctx.Duration("poll-interval"), ProvisionTimeout: ctx.Duration("provision-timeout"),
		Concurrency: ctx.Int("concurrency"), Rate: ctx.Float64("rate"), Canary: ctx.Int("canary"),
		DryRun: ctx.Bool("dry-run"), MaxCreates: ctx.Int("max-creates"), MaxDeactivations: ctx.Int("max-deactivations")},
		Sandbox: ctx.Bool("sandbox"), TargetURL: ctx.String("target"), Flavor: ctx.String("flavor"),
		DirectoryFile: ctx.String("directory"), Credentials: ctx.String("credentials"), TokenFile: ctx.String("token-file"),
		Token: c.flagOrEnv(ctx, "token", "UPSMIGRATE_TOKEN"), User: ctx.String("user"), Yes: ctx.Bool("yes"),
		Verbose: ctx.Bool("verbose"), Quiet: ctx.Bool("quiet"), Attempts: ctx.Int("attempts")}
	switch {
	case o.Flavor != "ups" && o.Flavor != "scim":
		return o, usageErrorf("--flavor %q: expected ups or scim", o.Flavor)
	case o.Sandbox && o.TargetURL != "":
		return o, usageErrorf("--sandbox and --target both given: choose one")
	case !o.Sandbox && o.TargetURL == "" && o.Flavor == "scim":
		return o, usageErrorf("--flavor scim needs --target URL (the SCIM root)")
	case o.Sandbox && o.Flavor == "scim":
		return o, usageErrorf("the sandbox is a UPS target: drop --flavor scim")
	case o.Attempts < 1:
		return o, usageErrorf("--attempts %d: expected 1 or more", o.Attempts)
	case o.Concurrency < 1:
		return o, usageErrorf("--concurrency %d: expected 1 or more", o.Concurrency)
	case o.Rate < 0:
		return o, usageErrorf("--rate %g: expected operations per second, 0 or more", o.Rate)
	case o.Verbose && o.Quiet:
		return o, usageErrorf("--verbose and --quiet both given: choose one")
	case o.CompanyID != "" && !uuidRE.MatchString(o.CompanyID):
		return o, usageErrorf("--company-id %q: expected the company's UUID (8-4-4-4-12 hexadecimal digits)", o.CompanyID)
	}
	if !o.Quiet || ctx.IsSet(progressFlag.Name) {
		o.Progress = c.progressWriter(ctx)
	}
	if o.Canary == 0 {
		o.Canary = -1
	}
	if o.User != "" {
		o.Password = c.getenv("UPSMIGRATE_PASSWORD")
	}
	return o, nil
}

func (c *CLI) getenv(k string) string {
	if c.Getenv == nil {
		return ""
	}
	return c.Getenv(k)
}

// secrets reads the UPSMIGRATE_* secrets from --credentials or the
// environment. The file must not be readable by others.
func (c *CLI) secrets(o SendOptions) (func(string) string, error) {
	if o.Credentials == "" {
		return c.getenv, nil
	}
	st, err := os.Stat(o.Credentials)
	if err != nil {
		return nil, usageErrorf("--credentials: %v", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, usageErrorf("--credentials %s is readable by others (mode %#o): run 'chmod 600 %s'", o.Credentials, st.Mode().Perm(), o.Credentials)
	}
	f, err := os.Open(o.Credentials)
	if err != nil {
		return nil, usageErrorf("--credentials: %v", err)
	}
	defer f.Close()
	vals := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, usageErrorf("%s:%d: expected KEY=VALUE (e.g. UPSMIGRATE_CLIENT_ID=…)", o.Credentials, n)
		}
		vals[strings.TrimSpace(strings.TrimPrefix(k, "export "))] = strings.Trim(strings.TrimSpace(v), `"'`)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return func(k string) string {
		if v, ok := vals[k]; ok {
			return v
		}
		return c.getenv(k)
	}, nil
}

// openTarget builds the target; with --sandbox it first starts the
// emulator in-process, keeping its state in dir/sandbox.db so that a
// re-run finds the users it created. The returned func releases it.
func (c *CLI) openTarget(o SendOptions, dir string, log func(string, ...any)) (target.Target, string, func(), error) {
	noop := func() {}
	hlog := func(format string, args ...any) {}
	if o.Verbose {
		hlog = log
	}
	if o.Sandbox {
		// Fresh credentials each run: the sandbox keeps only a hash of the
		// secret in its database.
		var secret [24]byte
		if _, err := rand.Read(secret[:]); err != nil {
			return nil, "", noop, err
		}
		db := filepath.Join(dir, "sandbox.db") // private: the sandbox makes it so
		cfg := sandbox.Config{CompanyID: o.CompanyID, DB: db,
			ClientID: "upsmigrate-sandbox", ClientSecret: hex.EncodeToString(secret[:])}
		srv, url, err := sandbox.Start(cfg)
		if err != nil {
			return nil, "", noop, &Error{Code: ExitUsage, Err: fmt.Errorf("starting the sandbox: %w", err)}
		}
		cr := srv.Credentials()
		t, err := target.NewUPS(target.UPSOptions{URL: url, BaseURL: url, ClientID: cr.ClientID, ClientSecret: cr.ClientSecret,
			CompanyID: cr.CompanyID, RequestToken: cr.AuthToken, HTTPOptions: target.HTTPOptions{Log: hlog, MaxAttempts: o.Attempts}})
		if err != nil {
			srv.Close()
			return nil, "", noop, err
		}
		return t, "sandbox", func() { srv.Close() }, nil
	}
	get, err := c.secrets(o)
	if err != nil {
		return nil, "", noop, err
	}
	if o.Flavor == "scim" {
		tok := o.Token
		if tok == "" {
			tok = get("UPSMIGRATE_TOKEN")
		}
		t, err := target.NewSCIM(target.SCIMOptions{URL: o.TargetURL, Token: tok, User: o.User, Password: o.Password,
			HTTPOptions: target.HTTPOptions{Log: hlog, MaxAttempts: o.Attempts}})
		return t, o.TargetURL, noop, err
	}
	// --target is the auth host; the API base is the token's geolocation.
	t, err := target.NewUPS(target.UPSOptions{URL: o.TargetURL, ClientID: get("UPSMIGRATE_CLIENT_ID"),
		ClientSecret: get("UPSMIGRATE_CLIENT_SECRET"), CompanyID: firstNonEmpty(o.CompanyID, get("UPSMIGRATE_COMPANY_ID")),
		RequestToken: get("UPSMIGRATE_REQUEST_TOKEN"), RefreshToken: get("UPSMIGRATE_REFRESH_TOKEN"),
		TokenFile: o.TokenFile, HTTPOptions: target.HTTPOptions{Log: hlog, MaxAttempts: o.Attempts}})
	name := o.TargetURL
	if name == "" {
		name = "ups"
	}
	return t, name, noop, err
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// submitOptions are the submit options of o with the target, the log,
// the --directory snapshot and the preview and confirmation hooks.
func (c *CLI) submitOptions(o SendOptions, t target.Target, log func(string, ...any)) (submit.Options, error) {
	so := o.Options
	so.Target, so.Log = t, log
	if o.DirectoryFile != "" {
		d, err := plan.LoadDirectory(o.DirectoryFile)
		if err != nil {
			return so, &Error{Code: ExitUsage, Err: err}
		}
		so.Directory = d
	}
	if !o.Quiet {
		so.OnPreview = func(p submit.Preview) { printPreview(c.Stdout, p) }
	}
	if !o.Yes && !o.DryRun && isTerminal(c.Stdin) {
		so.Confirm = func(p submit.Preview) (bool, error) {
			fmt.Fprint(c.Stderr, "Send these operations? [y/N] ")
			line, err := bufio.NewReader(c.Stdin).ReadString('\n')
			if err != nil && line == "" {
				return false, nil
			}
			a := strings.ToLower(strings.TrimSpace(line))
			return a == "y" || a == "yes", nil
		}
	}
	return so, nil
}

// printPreview prints what a run is about to send.
func printPreview(w io.Writer, p submit.Preview) {
	fmt.Fprintf(w, "target: %s (%s), company %s\n", p.Target, p.Flavor, orNone(p.Company))
	fmt.Fprintf(w, "plan: %d creates, %d updates, %d replacements, %d renames, %d deactivations; %d references to set (%d unresolved)\n",
		p.Creates, p.Updates, p.Replaces, p.Renames, p.Deactivations, p.References, p.Unresolved)
	fmt.Fprintf(w, "to send: phase 0: %d, phase 1: %d, phase 2: %d operations", p.Operations[0], p.Operations[1], p.Operations[2])
	if p.Done > 0 {
		fmt.Fprintf(w, " (%d already final in the journal)", p.Done)
	}
	fmt.Fprintf(w, "; %d employee numbers looked up\n", p.LookedUp)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// signalContext is the command's context, cancelled on SIGINT/SIGTERM.
func (c *CLI) signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return notifyContext(parent)
}
