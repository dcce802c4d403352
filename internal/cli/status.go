package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/submit"
)

func (c *CLI) statusCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "status",
		Usage:     "show what became of every record of a run: per phase, per request and per record",
		ArgsUsage: "DIR",
		Description: `Examples:
   upsmigrate status out/            # counts per phase and state, the requests, the records that did not succeed
   upsmigrate status --json out/     # everything, with totals per state (pending included)
   upsmigrate status --watch out/    # refresh while a migration runs, until nothing is pending`,
		OnUsageError: usageOnError,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "print JSON: totals per state, phases, requests and every record"},
			&ucli.BoolFlag{Name: "watch", Aliases: []string{"w"}, Usage: "print again every --interval until no record is pending"},
			&ucli.DurationFlag{Name: "interval", Value: 2 * time.Second, Usage: "refresh interval of --watch"},
		},
		Action: func(ctx *ucli.Context) error {
			if ctx.NArg() != 1 {
				return usageErrorf("status: expected one run directory (DIR), got %d arguments", ctx.NArg())
			}
			run, stop := c.signalContext(ctx.Context)
			defer stop()
			return c.runStatus(run, ctx.Args().First(), ctx.Bool("json"), ctx.Bool("watch"), ctx.Duration("interval"))
		},
	}
}

// Status is what `status --json` prints.
type Status struct {
	Dir      string               `json:"dir"`
	Meta     *journal.Meta        `json:"run,omitempty"`
	Totals   map[string]int       `json:"totals"`
	Records  int                  `json:"records"`
	Phases   []submit.PhaseCounts `json:"phases"`
	Requests []journal.Request    `json:"requests"`
	Detail   []journal.Record     `json:"recordStates"`
}

func (c *CLI) runStatus(ctx context.Context, dir string, asJSON, watch bool, every time.Duration) error {
	for {
		st, err := loadStatus(dir)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(c.Stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(st); err != nil {
				return err
			}
		} else {
			printStatus(c.Stdout, st)
		}
		if !watch || st.Totals[submit.StatePending] == 0 {
			return statusExit(st)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

func statusExit(st *Status) error {
	for _, s := range []string{submit.StateFailed, submit.StatePartial, submit.StateRejected, submit.StatePending} {
		if st.Totals[s] > 0 {
			return rejected("")
		}
	}
	return nil
}

// loadStatus folds DIR's journal onto its records.
func loadStatus(dir string) (*Status, error) {
	run, err := submit.Load(dir)
	if err != nil {
		return nil, &Error{Code: ExitUsage, Err: err}
	}
	st := &Status{Dir: dir, Totals: map[string]int{}, Requests: []journal.Request{}}
	var ops []journal.Op
	j, err := journal.OpenReadOnly(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Converted, never submitted: every converted record is pending.
	case err != nil:
		return nil, &Error{Code: ExitUsage, Err: err}
	default:
		defer j.Close()
		if m, ok, err := j.Meta(); err == nil && ok {
			st.Meta = &m
		}
		if ops, err = j.Ops(-1); err != nil {
			return nil, err
		}
		if st.Requests, err = j.Requests(); err != nil {
			return nil, err
		}
	}
	recs, counts, err := submit.Outcomes(run, ops)
	if err != nil {
		return nil, err
	}
	st.Detail, st.Phases = recs, submit.CountOps(ops)
	for _, s := range submit.States {
		st.Totals[s] = counts[s]
	}
	st.Records = len(recs)
	return st, nil
}

func printStatus(w io.Writer, st *Status) {
	if st.Meta != nil {
		fmt.Fprintf(w, "run: %s (%s), company %s, updated %s\n", st.Meta.Target, st.Meta.Flavor, orNone(st.Meta.Company), st.Meta.Updated.Format(time.RFC3339))
	} else {
		fmt.Fprintf(w, "run: %s has not been submitted (no journal.db)\n", st.Dir)
	}
	for _, p := range st.Phases {
		if p.Total > 0 {
			fmt.Fprintf(w, "phase %d: %d operations: %s\n", p.Phase, p.Total, submit.FormatCounts(p.States, nil))
		}
	}
	for _, r := range st.Requests {
		line := fmt.Sprintf("request %d: phase %d, %d operations, %s", r.ID, r.Phase, r.Ops, r.State)
		if r.ProvisionID != "" {
			line += ", provision " + r.ProvisionID
		}
		if r.HTTPStatus != 0 {
			line += fmt.Sprintf(", HTTP %d", r.HTTPStatus)
		}
		if r.Message != "" {
			line += ": " + r.Message
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintf(w, "records: %d: %s\n", st.Records, submit.FormatCounts(st.Totals, submit.States))
	for _, r := range st.Detail {
		switch r.State {
		case submit.StateSuccess, submit.StateSkipped:
			continue
		}
		fmt.Fprintf(w, "  %s: %s:%d (%s): %s\n", r.State, r.File, r.Line, r.Employee, r.Reason)
	}
}
