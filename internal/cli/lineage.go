package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/report"
	"github.com/upsmigrate/upsmigrate/internal/submit"
	"github.com/upsmigrate/upsmigrate/schemas"
)

func (c *CLI) lineageCommand() *ucli.Command {
	return &ucli.Command{
		Name:      "lineage",
		Usage:     "show one employee's whole lineage: every value, its file:line:field and mapping row, the operation it went into and, once submitted, its final state",
		ArgsUsage: "DIR EMPLOYEE-ID",
		Description: `Examples:
   upsmigrate lineage out/ E1001          # a table of every value of E1001
   upsmigrate lineage --json out/ E1001   # the same for machines

   EMPLOYEE-ID is the Employee ID after any rename, or the one before it.`,
		OnUsageError: usageOnError,
		Flags: []ucli.Flag{
			&ucli.BoolFlag{Name: "json", Usage: "print JSON: the employee, its records, operations and values"},
		},
		Action: func(ctx *ucli.Context) error {
			if ctx.NArg() != 2 {
				return usageErrorf("lineage: expected a convert output directory and an employee ID (DIR EMPLOYEE-ID), got %d arguments", ctx.NArg())
			}
			return c.runLineage(ctx.Args().Get(0), ctx.Args().Get(1), ctx.Bool("json"))
		},
	}
}

// Lineage is what `lineage --json` prints: one employee's change set with
// every value traced from its input field to its operation and, after
// submit, the operation's outcome.
type Lineage struct {
	Employee    string `json:"employee"`
	RenamedFrom string `json:"renamedFrom,omitempty"`
	Creates     bool   `json:"creates"`
	// LeftOut lists the extensions left out of the user when it is created.
	LeftOut    []string            `json:"leftOut,omitempty"`
	Records    []LineageRecord     `json:"records"`
	Operations []*report.Operation `json:"operations"`
	Values     []report.TraceRow   `json:"values"`
}

// LineageRecord is an input record of the employee with its outcome.
type LineageRecord struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Status string `json:"status,omitempty"` // convert's: converted, skipped, rejected
	State  string `json:"state,omitempty"`  // the journal's final state (after submit)
	Reason string `json:"reason,omitempty"`
}

func (c *CLI) runLineage(dir, id string, asJSON bool) error {
	line, suggest, err := findEmployee(dir, id)
	if err != nil {
		return err
	}
	if line == nil {
		return notInPlan(c.Stdout, dir, id, suggest)
	}
	data, err := report.Load(dir)
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	lin := &Lineage{Employee: line.EmployeeID, Creates: line.Creates, LeftOut: line.LeaveOut,
		Records: []LineageRecord{}, Operations: []*report.Operation{}, Values: []report.TraceRow{}}
	if rn := line.Rename; rn != nil && rn.From != line.EmployeeID {
		lin.RenamedFrom = rn.From
	}
	for _, p := range line.Records {
		lin.Records = append(lin.Records, recordOf(data, p))
	}
	for _, o := range line.Operations {
		op := data.Operation(report.OpKey(o.Bulk, o.Index))
		if op == nil {
			op = &report.Operation{Key: report.OpKey(o.Bulk, o.Index), Bulk: o.Bulk, Index: o.Index, Phase: o.Phase,
				Method: o.Method, Path: o.Path, Employee: line.EmployeeID, Status: report.StatusNotSubmitted}
		}
		lin.Operations = append(lin.Operations, op)
	}
	err = data.TraceEmployee(line.EmployeeID, func(r *report.TraceRow) error {
		lin.Values = append(lin.Values, *r)
		return nil
	})
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	if asJSON {
		enc := json.NewEncoder(c.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(lin)
	}
	return printLineage(c.Stdout, lin, data.Run != nil)
}

// findEmployee streams DIR/plan.jsonl for the employee id (after or before
// a rename). When it is not there, suggest is the closest ID there is.
func findEmployee(dir, id string) (line *lineage.Line, suggest string, err error) {
	path := filepath.Join(dir, lineage.FileName)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", &Error{Code: ExitUsage, Err: &submit.NotConvertOutputError{Dir: dir, Missing: lineage.FileName}}
	}
	if err != nil {
		return nil, "", &Error{Code: ExitUsage, Err: err}
	}
	defer f.Close()
	lr := lineage.NewReader(f)
	lr.File = path
	var before *lineage.Line // the employee renamed from id
	ids := make([]string, 1, 257)
	for {
		l, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", &Error{Code: ExitUsage, Err: err}
		}
		switch {
		case l.EmployeeID == id:
			return l, "", nil
		case before == nil && l.Rename != nil && l.Rename.From == id:
			before = l
		}
		// The closest ID so far leads each batch: ties keep it.
		if ids = append(ids, l.EmployeeID); len(ids) == cap(ids) {
			ids = append(ids[:0], schemas.Suggest(id, ids))
		}
	}
	if before != nil {
		return before, "", nil
	}
	return nil, schemas.Suggest(id, ids), nil
}

// notInPlan explains an employee plan.jsonl does not hold: its rejected
// records, from report.json (exit 1), or that it is unknown, with the
// closest ID there is (exit 2).
func notInPlan(w io.Writer, dir, id, suggest string) error {
	path := filepath.Join(dir, "report.json")
	f, err := os.Open(path)
	if err != nil {
		return &Error{Code: ExitUsage, Err: err}
	}
	defer f.Close()
	var rep struct {
		Records []model.RecordResult `json:"records"`
	}
	if err := json.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&rep); err != nil {
		return &Error{Code: ExitUsage, Err: fmt.Errorf("%s: %w (the file is damaged: convert again)", path, err)}
	}
	n := 0
	for _, r := range rep.Records {
		if r.EmployeeID != id || r.Status != model.StatusRejected {
			continue
		}
		if n == 0 {
			fmt.Fprintf(w, "employee %s has no lineage: every record of it was rejected\n", id)
		}
		n++
		fmt.Fprintf(w, "  %s (%s %s)\n", r.Pos, r.Format, r.Type)
		for _, m := range r.Messages {
			fmt.Fprintf(w, "    %s\n", m)
		}
	}
	if n > 0 {
		return rejected("")
	}
	msg := fmt.Sprintf("lineage: no employee %q in %s", id, filepath.Join(dir, lineage.FileName))
	if suggest != "" {
		msg += fmt.Sprintf("; did you mean %q?", suggest)
	}
	return usageErrorf("%s", msg)
}

// recordOf is the record at p with its status and, after submit, its
// final state.
func recordOf(data *report.Data, p model.Position) LineageRecord {
	r := LineageRecord{File: p.File, Line: p.Line}
	for _, o := range data.Outcomes {
		if o.File == p.File && o.Line == p.Line {
			r.State, r.Reason = o.State, o.Reason
			break
		}
	}
	pos := p.String()
	r.Status = string(model.StatusConverted)
	found := errors.New("found")
	err := data.EachRejected(func(rej *report.Rejected) error {
		if rej.Pos == pos {
			return found
		}
		return nil
	})
	if err == found {
		r.Status = string(model.StatusRejected)
	}
	return r
}

func printLineage(w io.Writer, lin *Lineage, submitted bool) error {
	head := "employee " + lin.Employee
	if lin.RenamedFrom != "" {
		head += " (renamed from " + lin.RenamedFrom + ")"
	}
	if lin.Creates {
		head += ": created by this run"
	} else {
		head += ": updated by this run"
	}
	fmt.Fprintln(w, head)
	if len(lin.LeftOut) > 0 {
		short := make([]string, len(lin.LeftOut))
		for i, u := range lin.LeftOut {
			short[i] = model.ShortSchema(u)
		}
		fmt.Fprintf(w, "extensions left out of the new user (UPS requires a value the input does not give): %s\n", strings.Join(short, ", "))
	}
	fmt.Fprintln(w, "records:")
	for _, r := range lin.Records {
		s := "  " + r.File + ":" + strconv.Itoa(r.Line) + " " + r.Status
		if r.State != "" {
			s += ", " + r.State
		}
		if r.Reason != "" {
			s += ": " + r.Reason
		}
		fmt.Fprintln(w, s)
	}
	fmt.Fprintln(w, "operations:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, op := range lin.Operations {
		fmt.Fprintf(tw, "  %s\tphase %d\t%s %s\t%s", op.Key, op.Phase, op.Method, op.Path, op.Status)
		if submitted {
			var extra []string
			if op.Code != "" {
				extra = append(extra, "HTTP "+op.Code)
			}
			if op.UserID != "" {
				extra = append(extra, "user "+op.UserID)
			}
			if op.ProvisionID != "" {
				extra = append(extra, "provision "+op.ProvisionID)
			}
			if op.Message != "" {
				extra = append(extra, op.Message)
			}
			fmt.Fprintf(tw, "\t%s", strings.Join(extra, ", "))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, op := range lin.Operations {
		for _, m := range op.Messages {
			fmt.Fprintf(w, "  %s: %s\n", op.Key, m.Text())
		}
	}
	fmt.Fprintf(w, "values: %d\n", len(lin.Values))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "  SOURCE\tMAPPING ROW\tTARGET\tVALUE\tOPERATION\tSTATE")
	if submitted {
		fmt.Fprint(tw, "\tRESULT")
	}
	fmt.Fprintln(tw)
	for _, r := range lin.Values {
		op, state := "(none)", orDash(r.OpStatus)
		if r.Operation != "" {
			op = fmt.Sprintf("%s %s (phase %d)", r.Operation, r.Method, r.Phase)
		}
		if r.LeftOut {
			state += ", left out of the create"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s %s\t%s\t%s\t%s", r.Source, orDash(r.Row), r.Schema, r.Path, cell(r.Value), op, state)
		if submitted {
			res := r.Result
			if r.Message != "" {
				res = strings.TrimPrefix(res+": "+r.Message, ": ")
			}
			fmt.Fprintf(tw, "\t%s", cell(res))
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cell keeps a value on its line and its column: tabs and line breaks
// are shown escaped.
func cell(s string) string {
	if strings.ContainsAny(s, "\t\n\r") {
		q := strconv.Quote(s)
		return q[1 : len(q)-1]
	}
	return orDash(s)
}
