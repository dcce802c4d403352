package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/report"
	"github.com/upsmigrate/upsmigrate/internal/submit"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

func (c *CLI) submitCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "submit",
		Usage:     "send what convert wrote into DIR to UPS (or a SCIM server), track every provision and record the outcome of every record",
		ArgsUsage: "DIR",
		Description: `Examples:
   upsmigrate submit --sandbox out/                       # rehearse against the built-in emulator
   UPSMIGRATE_CLIENT_ID=… UPSMIGRATE_CLIENT_SECRET=… UPSMIGRATE_REQUEST_TOKEN=… \
     upsmigrate submit --company-id <uuid> out/           # UPS: company token by the password grant
   upsmigrate submit --dry-run out/                        # resolve users and print the plan, send nothing
   UPSMIGRATE_TOKEN=… upsmigrate submit --flavor scim --target https://host/scim/v2 out/

   Re-running the same command resumes: finished work is not sent again, provisions in
   flight are polled, requests whose answer was lost are settled by looking their users up.`,
		OnUsageError: usageOnError,
		Flags:        append(sendFlags(), progressFlag),
		Action: func(ctx *ucli.Context) error {
			if ctx.NArg() != 1 {
				return usageErrorf("submit: expected one convert output directory (DIR), got %d arguments", ctx.NArg())
			}
			o, err := c.sendOptions(ctx)
			if err != nil {
				return err
			}
			run, stop := c.signalContext(ctx.Context)
			defer stop()
			dir := ctx.Args().First()
			var j *journal.Journal
			if !o.DryRun {
				if j, err = openJournal(dir); err != nil {
					return err
				}
				defer j.Close()
			}
			return c.runSubmit(run, dir, o, j, "")
		},
	}
}

// openJournal takes DIR's journal, refusing a directory another process
// holds.
func openJournal(dir string) (*journal.Journal, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, usageErrorf("%s is not a directory: give the directory convert wrote (--out)", dir)
	}
	j, err := journal.Open(dir)
	if err != nil {
		return nil, &Error{Code: ExitUsage, Err: err}
	}
	return j, nil
}

// runSubmit sends DIR (already converted) and reports the outcome.
func (c *CLI) runSubmit(ctx context.Context, dir string, o SendOptions, j *journal.Journal, inputHash string) error {
	out := c.Stdout
	var bar *taskBar
	if !o.DryRun {
		bar = submitBar(o.Progress, dir)
		defer bar.finish()
	}
	log := func(format string, args ...any) { bar.println(out, fmt.Sprintf(format, args...)) }
	if o.Quiet {
		log = func(string, ...any) {}
	}
	run, err := submit.Load(dir)
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	t, name, closeTarget, err := c.openTarget(o, dir, log)
	if err != nil {
		return targetError(err)
	}
	defer closeTarget()
	so, err := c.submitOptions(o, t, log)
	if err != nil {
		return err
	}
	if j == nil && o.DryRun {
		// A dry run reads what an earlier run did, and writes nothing.
		if ro, err := journal.OpenReadOnly(dir); err == nil {
			defer ro.Close()
			j = ro
		}
	}
	if bar != nil {
		// The bar starts once the run sends: after the preview, and after
		// the answer when the run asks before sending.
		if confirm := so.Confirm; confirm != nil {
			so.Confirm = func(p submit.Preview) (bool, error) {
				ok, err := confirm(p)
				if ok && err == nil {
					bar.start()
				}
				return ok, err
			}
		} else {
			preview := so.OnPreview
			so.OnPreview = func(p submit.Preview) {
				if preview != nil {
					preview(p)
				}
				bar.start()
			}
		}
	}
	so.Journal = j
	so.Meta = journal.Meta{ToolVersion: Version(), InputHash: inputHash, Target: name, Flavor: o.Flavor}
	res, err := submit.Submit(ctx, run, so)
	bar.finish()
	if res != nil && !o.DryRun {
		c.printOutcome(out, res, o.Quiet)
		c.writeReports(dir, o.Quiet, o.Progress)
	}
	if err != nil {
		return submitError(err)
	}
	if o.DryRun {
		printPreview(out, res.Preview)
		fmt.Fprintln(out, "dry run: nothing was sent")
		return nil
	}
	if res.Stopped != "" {
		return rejected("stopped: " + res.Stopped)
	}
	if bad := res.Counts[submit.StateFailed] + res.Counts[submit.StatePartial] + res.Counts[submit.StateRejected] + res.Counts[submit.StatePending]; bad > 0 {
		return rejected("")
	}
	return nil
}

// targetError maps an unusable target to exit 2.
func targetError(err error) error {
	var te *target.Error
	if errors.As(err, &te) {
		switch te.Kind {
		case target.KindAuth, target.KindUnreachable:
			return &Error{Code: ExitUsage, Err: fmt.Errorf("%w: nothing was sent", err)}
		}
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: ExitUsage, Err: err}
}

// submitError maps the errors of a submission to exit codes: an unusable
// target, a changed directory or a guardrail is 2 (nothing was sent, or
// nothing more), an interruption 1.
func submitError(err error) error {
	var ge *submit.GuardrailError
	var te *target.Error
	var ce *journal.ChangedError
	switch {
	case errors.Is(err, context.Canceled):
		return &Error{Code: ExitRejected, Err: errors.New("interrupted: what was in flight is recorded in the journal; run the same command again to resume")}
	case errors.As(err, &ge), errors.As(err, &ce), errors.Is(err, submit.ErrDeclined):
		return &Error{Code: ExitUsage, Err: err}
	case errors.As(err, &te):
		return targetError(err)
	}
	return err
}

// printOutcome prints the outcome per phase and per record state, and the
// records that did not succeed.
func (c *CLI) printOutcome(w io.Writer, res *submit.Result, quiet bool) {
	for _, p := range res.Phases {
		if p.Total == 0 {
			continue
		}
		fmt.Fprintf(w, "phase %d: %s\n", p.Phase, submit.FormatCounts(p.States, nil))
	}
	total := 0
	for _, n := range res.Counts {
		total += n
	}
	fmt.Fprintf(w, "records: %d read: %s\n", total, submit.FormatCounts(res.Counts, submit.States))
	const most = 20
	shown := 0
	for _, r := range res.Records {
		switch r.State {
		case submit.StateFailed, submit.StatePartial, submit.StatePending:
		default:
			continue
		}
		if quiet && r.State == submit.StatePending {
			continue
		}
		if shown == most {
			fmt.Fprintf(w, "… more in the reports and in 'upsmigrate status'\n")
			break
		}
		shown++
		fmt.Fprintf(w, "%s: %s:%d (%s): %s\n", r.State, r.File, r.Line, r.Employee, r.Reason)
	}
	if res.Stopped != "" {
		fmt.Fprintf(w, "stopped: %s\n", res.Stopped)
	}
}

// writeReports writes DIR/report.html and DIR/report.md from the run and
// its journal, showing each on progress (when not nil).
func (c *CLI) writeReports(dir string, quiet bool, progress io.Writer) {
	bar := newTaskBar(progress, "reading "+dir)
	bar.start()
	data, err := report.Load(dir)
	bar.finish()
	if err != nil {
		fmt.Fprintf(c.Stderr, "upsmigrate: reports not written: %v\n", err)
		return
	}
	defer data.Close()
	var wrote []string
	for _, f := range []struct{ format, name string }{{"html", "report.html"}, {"md", "report.md"}} {
		path := filepath.Join(dir, f.name)
		bar := newTaskBar(progress, "writing "+f.name)
		if bar != nil {
			bar.bytes = true
			bar.start()
		}
		data.Progress = reportProgress(nil, bar)
		err := writeReportFile(path, f.format, data)
		bar.finish()
		if err != nil {
			fmt.Fprintf(c.Stderr, "upsmigrate: %s not written: %v\n", path, err)
			continue
		}
		wrote = append(wrote, path)
	}
	if !quiet && len(wrote) > 0 {
		fmt.Fprintf(c.Stdout, "reports: %s (report.json, journal.db: 'upsmigrate status %s')\n", strings.Join(wrote, ", "), dir)
	}
}

// notifyContext is parent, cancelled by the first SIGINT or SIGTERM: the
// command stops at its next safe point, leaving no temporary file and no
// half-written output. A second signal takes the default action and ends
// the process at once.
func notifyContext(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}

// submitBar shows how many of the run's operations have their final
// state, read from DIR's journal through a read-only connection of its
// own (as `status` reads it while a run goes on); nil when progress is.
func submitBar(progress io.Writer, dir string) *taskBar {
	b := newTaskBar(progress, "submitting: operations final")
	if b == nil {
		return nil
	}
	b.every = 500 * time.Millisecond
	var ro *journal.Journal
	var done, total int64
	b.poll = func() (int64, int64) {
		if ro == nil {
			r, err := journal.OpenReadOnly(dir)
			if err != nil {
				return done, total // not written yet: a spinner
			}
			ro = r
		}
		if counts, err := ro.OpCounts(-1); err == nil {
			done, total = finalOps(counts)
		}
		return done, total
	}
	b.onFinish = func() {
		if ro != nil {
			ro.Close()
			ro = nil
		}
	}
	return b
}

// finalOps counts the operations in a final state (done) of all (total).
func finalOps(counts map[string]int) (done, total int64) {
	for state, n := range counts {
		total += int64(n)
		switch state {
		case journal.OpSuccess, journal.OpPartial, journal.OpFailed, journal.OpSkipped:
			done += int64(n)
		}
	}
	return done, total
}
