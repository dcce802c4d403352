package report

import (
	"bufio"
	"html/template"
	"io"
	"time"
)

// view is what the HTML and Markdown templates see: the data with its
// lists capped and a note for each cut.
type view struct {
	*Data
	Outcome      []Outcome // the unsuccessful records, capped (journal only)
	Unsuccessful int       // all of them
	OutcomeNote  string
	Rejected     []Rejected
	RejectedNote string
	Warnings     []Warning
	WarningsNote string
	AtSubmit     []AtSubmit
	AtSubmitNote string
	AtSubmitMore int // entries not shown
	Trace        []TraceRow
	TraceNote    string
}

func newView(d *Data, list, trace int) (*view, error) {
	v := &view{Data: d, Rejected: d.Rejected, Warnings: d.Warnings, AtSubmit: d.AtSubmit}
	for _, o := range d.Outcomes {
		if o.Unsuccessful() {
			v.Unsuccessful++
			if len(v.Outcome) < list {
				v.Outcome = append(v.Outcome, o)
			}
		}
	}
	v.OutcomeNote = cut(len(v.Outcome), v.Unsuccessful, "records that did not succeed", fullReport)
	if len(v.Rejected) > list {
		v.Rejected = v.Rejected[:list]
		v.RejectedNote = cut(list, len(d.Rejected), "rejected records", fullReport)
	}
	if len(v.Warnings) > list {
		v.Warnings = v.Warnings[:list]
		v.WarningsNote = cut(list, len(d.Warnings), "warnings", fullReport)
	}
	if len(v.AtSubmit) > list {
		v.AtSubmit = v.AtSubmit[:list]
		v.AtSubmitMore = len(d.AtSubmit) - list
		v.AtSubmitNote = cut(list, len(d.AtSubmit), "employees resolved at submit", fullReport)
	}
	total := 0
	err := d.Trace(func(r *TraceRow) error {
		total++
		if len(v.Trace) < trace {
			v.Trace = append(v.Trace, *r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	v.TraceNote = cut(len(v.Trace), total, "traced values", fullReport)
	return v, nil
}

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"final": finalStatus, "stateClass": stateClass, "utc": utc, "op": func(r TraceRow) string { return opText(&r) },
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
body { font: 10pt/1.35 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #111; margin: 1.5em; }
h1 { font-size: 16pt; margin: 0 0 .3em; }
h2 { font-size: 13pt; border-bottom: 1px solid #999; margin-top: 1.6em; padding-bottom: .15em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
th, td { border: 1px solid #bbb; padding: 2px 5px; text-align: left; vertical-align: top; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: Menlo, Consolas, monospace; font-size: 8.5pt; word-break: break-all; }
table.summary { width: auto; }
.rejected { color: #a00; }
.note { background: #fff6d5; border: 1px solid #e0c060; padding: .4em .6em; }
.ok { color: #070; }
ul.msgs { margin: 0; padding-left: 1.2em; }
{{if .Run}}h3 { font-size: 11pt; margin: 1em 0 .2em; }
.failed { color: #a00; }
.partial { color: #a50; }
.pending { color: #555; font-style: italic; }
{{end}}@media print {
  body { margin: 0; font-size: 8.5pt; }
  nav { display: none; }
  thead { display: table-header-group; }
  tr { page-break-inside: avoid; }
  h2 { page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .Run}}<p>Output directory <code>{{.Dir}}</code>. Submitted to <code>{{or .Run.Target "(target not recorded)"}}</code>{{with .Run.Flavor}}, flavor {{.}}{{end}}{{with .Run.Company}}, company <code>{{.}}</code>{{end}}{{with .Run.ToolVersion}}, by upsmigrate {{.}}{{end}}.{{if not .Run.Updated.IsZero}} The journal was last updated {{utc .Run.Updated}}.{{end}}</p>
<nav><a href="#outcome">Outcome ({{.Unsuccessful}})</a><a href="#summary">Summary</a><a href="#rejected">Rejected ({{.Summary.Rejected}})</a><a href="#warnings">Warnings ({{.Summary.Warnings}})</a>{{if .Summary.AtSubmit}}<a href="#atsubmit">Resolved at submit ({{.Summary.AtSubmit}})</a>{{end}}<a href="#files">Input files ({{len .Files}})</a><a href="#trace">Value trace ({{.Summary.TraceRows}})</a></nav>

<h2 id="outcome">Outcome</h2>
<p>{{.Unsuccessful}} of {{len .Outcomes}} records did not succeed: failed, partial (the identity was written, an extension was not) or pending (no final outcome yet).</p>
{{if .OutcomeNote}}<p class="note">{{.OutcomeNote}}</p>
{{end}}{{if .Outcome}}<table>
<thead><tr><th>Record</th><th>Type</th><th>Employee</th><th>State</th><th>Reason</th></tr></thead>
<tbody>
{{range .Outcome}}<tr{{with stateClass .State}} class="{{.}}"{{end}}><td class="mono">{{.Pos}}</td><td>{{.Type}}</td><td>{{.Employee}}</td><td>{{.State}}</td><td>{{.Reason}}</td></tr>
{{end}}</tbody>
</table>
{{else}}<p class="ok">Every record that was sent succeeded.</p>
{{end}}{{else}}<p>Output directory <code>{{.Dir}}</code>. Nothing has been submitted: every operation is <em>not submitted</em>.</p>
<nav><a href="#summary">Summary</a><a href="#rejected">Rejected ({{.Summary.Rejected}})</a><a href="#warnings">Warnings ({{.Summary.Warnings}})</a>{{if .Summary.AtSubmit}}<a href="#atsubmit">To be resolved at submit ({{.Summary.AtSubmit}})</a>{{end}}<a href="#files">Input files ({{len .Files}})</a><a href="#trace">Value trace ({{.Summary.TraceRows}})</a></nav>
{{end}}
<h2 id="summary">Summary</h2>
{{with .Run}}<table class="summary">
<tr><th>Target</th><td class="mono">{{.Target}}</td></tr>
<tr><th>Flavor</th><td>{{.Flavor}}</td></tr>
<tr><th>Company</th><td class="mono">{{.Company}}</td></tr>
<tr><th>Tool version</th><td>{{.ToolVersion}}</td></tr>
<tr><th>Run started</th><td>{{utc .Created}}</td></tr>
<tr><th>Journal updated</th><td>{{utc .Updated}}</td></tr>
</table>
{{end}}<table class="summary">
<tr><th>Records read</th><td class="n">{{.Summary.Records}}</td></tr>
<tr><th>Converted</th><td class="n">{{.Summary.Converted}}</td></tr>
<tr><th>Skipped</th><td class="n">{{.Summary.Skipped}}</td></tr>
<tr><th>Rejected</th><td class="n{{if .Summary.Rejected}} rejected{{end}}">{{.Summary.Rejected}}</td></tr>
<tr><th>Warnings</th><td class="n">{{.Summary.Warnings}}</td></tr>
<tr><th>Employees</th><td class="n">{{.Summary.Employees}}</td></tr>
<tr><th>Users created</th><td class="n">{{.Summary.UsersCreated}}</td></tr>
<tr><th>Users updated</th><td class="n">{{.Summary.UsersUpdated}}</td></tr>
<tr><th>Users renamed</th><td class="n">{{.Summary.Renames}}</td></tr>
{{if .Summary.AtSubmit}}<tr><th>Resolved at submit</th><td class="n">{{.Summary.AtSubmit}}</td></tr>
{{end}}{{range $i, $n := .Summary.Operations}}<tr><th>Operations, phase {{$i}}</th><td class="n">{{$n}}</td></tr>
{{end}}<tr><th>Operations</th><td class="n">{{.Summary.OperationsTotal}}</td></tr>
<tr><th>Bulk requests</th><td class="n">{{.Summary.Requests}}</td></tr>
<tr><th>Request bytes</th><td class="n">{{.Summary.Bytes}}</td></tr>
<tr><th>Traced values</th><td class="n">{{.Summary.TraceRows}}</td></tr>
</table>
{{with .Summary.LeftOutText}}<p class="note">Extensions left out of new users: {{.}} (UPS requires a value the input does not give; see the <a href="#warnings">warnings</a>).</p>
{{end}}{{if .Run}}<h3>Records by final state</h3>
<table class="summary">
<thead><tr><th>State</th><th>Records</th></tr></thead>
<tbody>
{{range .Summary.RecordStates}}<tr{{with stateClass .State}} class="{{.}}"{{end}}><th>{{.State}}</th><td class="n">{{.Count}}</td></tr>
{{end}}<tr><th>Total</th><td class="n">{{len .Outcomes}}</td></tr>
</tbody>
</table>
{{if .Summary.OperationStates}}<h3>Operations by phase and state</h3>
<table class="summary">
<thead><tr><th>Phase</th>{{with index .Summary.OperationStates 0}}{{range .States}}<th>{{.State}}</th>{{end}}{{end}}<th>Total</th></tr></thead>
<tbody>
{{range .Summary.OperationStates}}<tr><th>{{.Phase}}</th>{{range .States}}<td class="n">{{.Count}}</td>{{end}}<td class="n">{{.Total}}</td></tr>
{{end}}</tbody>
</table>
{{end}}{{end}}{{range .Notes}}<p class="note">{{.}}</p>
{{end}}
<h2 id="rejected">Rejected records</h2>
{{if .RejectedNote}}<p class="note">{{.RejectedNote}}</p>
{{end}}{{if .Rejected}}<table>
<thead><tr><th>Record</th><th>Type</th><th>Employee</th><th>Messages</th></tr></thead>
<tbody>
{{range .Rejected}}<tr class="rejected"><td class="mono">{{.Pos}}</td><td>{{.Type}}</td><td>{{.EmployeeID}}</td><td><ul class="msgs">{{range .Messages}}<li class="mono">{{.Text}}</li>{{end}}</ul></td></tr>
{{end}}</tbody>
</table>
{{else}}<p class="ok">No record was rejected.</p>
{{end}}
<h2 id="warnings">Warnings</h2>
{{if .WarningsNote}}<p class="note">{{.WarningsNote}}</p>
{{end}}{{if .Warnings}}<table>
<thead><tr><th>Origin</th><th>Source</th><th>Employee</th><th>Record status</th><th>Message</th><th>Mapping row / operation</th></tr></thead>
<tbody>
{{range .Warnings}}<tr><td>{{.Origin}}</td><td class="mono">{{.Source}}</td><td>{{.Employee}}</td><td>{{.Status}}</td><td>{{.Message}}</td><td class="mono">{{.Row}}{{if and .Row .Operation}}<br>{{end}}{{.Operation}}</td></tr>
{{end}}</tbody>
</table>
{{else}}<p class="ok">No warnings.</p>
{{end}}{{if .AtSubmit}}
<h2 id="atsubmit">{{if .Run}}Resolved at submit{{else}}To be resolved at submit{{end}}</h2>
{{if .Run}}<p>Convert had no <code>--directory</code>: submit looked up in the target these {{.Summary.AtSubmit}} employees, who are outside this run: the employees of updates that no record of this run creates, and the employees that records refer to. An update of an employee the target did not have failed its record; a reference to one was not set. The record state is the final state of the record each comes from (the outcome above says why a record did not succeed).</p>
{{else}}<p>Convert had no <code>--directory</code>: when it sends, submit looks up in the target these {{.Summary.AtSubmit}} employees, who are outside this run: the employees of updates that no record of this run creates, and the employees that records refer to. An update of an employee the target does not have fails its record; a reference to one is not set.</p>
{{end}}{{if .AtSubmitNote}}<p class="note">{{.AtSubmitNote}}</p>
{{end}}<table>
<thead><tr><th>Employee</th><th>Looked up for</th><th>Source</th>{{if .Run}}<th>Record state</th>{{end}}</tr></thead>
<tbody>
{{range .AtSubmit}}<tr><td>{{.Employee}}</td><td>{{.What}}</td><td class="mono">{{.Source}}</td>{{if $.Run}}<td{{with stateClass .RecordState}} class="{{.}}"{{end}}>{{.RecordState}}</td>{{end}}</tr>
{{end}}{{with .AtSubmitMore}}<tr><td colspan="{{if $.Run}}4{{else}}3{{end}}">… and {{.}} more</td></tr>
{{end}}</tbody>
</table>
{{end}}
<h2 id="files">Input files</h2>
<table>
<thead><tr><th>File</th><th>Format</th><th>Records</th><th>Converted</th><th>Skipped</th><th>Rejected</th><th>Warnings</th></tr></thead>
<tbody>
{{range .Files}}<tr><td class="mono">{{.Path}}</td><td>{{.Format}}</td><td class="n">{{.Records}}</td><td class="n">{{.Converted}}</td><td class="n">{{.Skipped}}</td><td class="n{{if .Rejected}} rejected{{end}}">{{.Rejected}}</td><td class="n">{{.Warnings}}</td></tr>
{{if .Settings}}<tr><td colspan="7" class="settings">import settings: {{.Settings}}</td></tr>
{{end}}{{end}}</tbody>
</table>

<h2 id="trace">Value trace</h2>
{{if .Run}}<p>One row per target value: input field → mapping row → SCIM attribute → bulk operation → provision → final status. Operations are numbered from 0, as in the request's <code>Operations</code> array; the final status is the operation's state with its HTTP status, and the target's result and message for the value's schema.</p>
{{if .TraceNote}}<p class="note">{{.TraceNote}}</p>
{{end}}<table>
<thead><tr><th>Employee</th><th>Source</th><th>Mapping row</th><th>Schema</th><th>Path</th><th>Value</th><th>Operation</th><th>Provision id</th><th>User id</th><th>Record state</th><th>Final status</th></tr></thead>
<tbody>
{{range .Trace}}<tr><td>{{.Employee}}</td><td class="mono">{{.Source}}</td><td class="mono">{{.Row}}</td><td class="mono">{{.Schema}}</td><td class="mono">{{.Path}}</td><td>{{.Value}}</td><td class="mono">{{op .}}</td><td class="mono">{{.ProvisionID}}</td><td class="mono">{{.UserID}}</td><td{{with stateClass .RecordState}} class="{{.}}"{{end}}>{{.RecordState}}</td><td{{with stateClass .OpStatus}} class="{{.}}"{{end}}>{{final .}}</td></tr>
{{end}}</tbody>
</table>
{{else}}<p>One row per target value: input field → mapping row → SCIM attribute → bulk operation. Operations are numbered from 0, as in the request's <code>Operations</code> array.</p>
{{if .TraceNote}}<p class="note">{{.TraceNote}}</p>
{{end}}<table>
<thead><tr><th>Employee</th><th>Source</th><th>Mapping row</th><th>Schema</th><th>Path</th><th>Value</th><th>Operation</th><th>Record status</th><th>Final status</th></tr></thead>
<tbody>
{{range .Trace}}<tr><td>{{.Employee}}</td><td class="mono">{{.Source}}</td><td class="mono">{{.Row}}</td><td class="mono">{{.Schema}}</td><td class="mono">{{.Path}}</td><td>{{.Value}}</td><td class="mono">{{op .}}</td><td>{{.Status}}</td><td>{{.OpStatus}}</td></tr>
{{end}}</tbody>
</table>
{{end}}</body>
</html>
`))

// stateClass is the CSS class of a record or operation state ("" for
// states shown plainly); it never echoes the state itself.
func stateClass(state string) string {
	switch state {
	case "failed", "in-doubt":
		return "failed"
	case "partial":
		return "partial"
	case "pending", "planned", "sending", "sent":
		return "pending"
	}
	return ""
}

// utc renders a time as RFC 3339 in UTC, "" for the zero time.
func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// finalStatus renders a trace row's outcome: "partial (201); spend:2.0:User
// error: INVALID_VALUE: not a currency".
func finalStatus(r TraceRow) string {
	s := r.OpStatus
	if r.Code != "" {
		s += " (" + r.Code + ")"
	}
	if r.Result != "" && (r.Result != "success" || r.OpStatus == "partial") {
		s += "; " + r.Schema + " " + r.Result
	}
	if r.Message != "" {
		s += ": " + r.Message
	}
	return s
}

// WriteHTML writes d as one self-contained HTML page: inline CSS, no
// scripts, no external assets; every value is escaped. With a journal the
// page opens with the records that did not succeed.
func WriteHTML(w io.Writer, d *Data) error {
	l := d.Limits.withDefaults()
	v, err := newView(d, l.HTMLList, l.HTMLTrace)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 256*1024)
	if err := htmlTmpl.Execute(bw, v); err != nil {
		return err
	}
	return bw.Flush()
}
