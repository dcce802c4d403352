package report

import "html/template"

// css styles every page. Long identifiers wrap only where code() puts a
// <wbr> (after / . : and the like) or, when a piece still does not fit,
// between its letters (overflow-wrap: break-word), never otherwise.
const css = `
body { font: 10pt/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #111; margin: 0 1.5em 1.5em; }
header.top { background: #1d3557; color: #fff; margin: 0 -1.5em 1em; padding: .7em 1.5em; }
header.top h1 { font-size: 16pt; margin: 0; }
header.top p { margin: .2em 0 0; }
h2 { font-size: 13pt; border-bottom: 1px solid #999; margin-top: 1.6em; padding-bottom: .15em; }
h3 { font-size: 11pt; margin: 0 0 .3em; }
h4 { font-size: 10pt; margin: .7em 0 .2em; }
nav a { margin-right: 1em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; }
th, td { border: 1px solid #bbb; padding: 2px 5px; text-align: left; vertical-align: top; overflow-wrap: break-word; word-break: normal; }
th { background: #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono, .src, .row { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
table.summary, table.audit, table.audit table { width: auto; }
table.audit th { background: none; border: none; padding-right: 1em; white-space: nowrap; }
table.audit > tbody > tr > td { border: none; }
.rejected, .failed { color: #a00; }
.partial { color: #a50; }
.pending { color: #555; font-style: italic; }
.note { background: #fff6d5; border: 1px solid #e0c060; padding: .4em .6em; }
.ok { color: #070; }
ul.msgs { margin: 0; padding-left: 1.2em; }
.find { margin: .6em 0; }
.find input { font-size: 11pt; width: 26em; max-width: 100%; padding: .2em .3em; }
#found ul { columns: 2; }
section.emp { border: 1px solid #ccc; border-radius: 4px; padding: .5em .8em; margin: 1em 0; content-visibility: auto; contain-intrinsic-size: auto 40em; }
section.emp:target { background: #fff3c4; border-color: #c9a227; }
section.emp p.meta { margin: .2em 0; }
a.self { color: inherit; text-decoration: none; }
.who { font-weight: normal; }
.tag { font-size: 8.5pt; border: 1px solid #999; border-radius: 3px; padding: 0 .3em; font-weight: normal; }
tr.rec th { background: #f4f4f4; font-weight: normal; }
table.vals td:nth-child(2), table.vals td:nth-child(3), table.vals td:nth-child(5) { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 8.5pt; }
table.vals td:nth-child(5), td.op { white-space: nowrap; }
tr.out td { color: #777; }
@media print {
  body { margin: 0; font-size: 8.5pt; }
  nav, .find { display: none; }
  header.top { background: none; color: #000; margin: 0 0 1em; padding: 0; }
  thead { display: table-header-group; }
  tr { page-break-inside: avoid; }
  h2 { page-break-after: avoid; }
  section.emp { content-visibility: visible; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
`

// script is the employee search: it matches the id, name and login of
// every employee, from the sections of the page or, when the input names
// one (data-index), from a <script src> index that calls upsIndex, and
// links to each match's section. "#find=TEXT" searches on load.
const script = `(function () {
  var box = document.getElementById("find");
  if (!box) return;
  var out = document.getElementById("found");
  var base = box.getAttribute("data-base") || "";
  var src = box.getAttribute("data-index");
  var idx = null, loading = false, pending = null;
  window.upsIndex = function (a) { idx = idx || []; for (var i = 0; i < a.length; i++) idx.push(a[i]); };
  function anchor(id) {
    var b = new TextEncoder().encode(id), s = "emp-";
    for (var i = 0; i < b.length; i++) {
      var c = b[i];
      if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c == 45 || c == 95 || c == 46) s += String.fromCharCode(c);
      else s += "~" + (c < 16 ? "0" : "") + c.toString(16).toUpperCase();
    }
    return s;
  }
  function page(n) {
    if (!n) return "";
    var s = String(n);
    while (s.length < 4) s = "0" + s;
    return base + "employees-" + s + ".html";
  }
  function ready(f) {
    if (idx && !loading) return f();
    pending = f;
    if (!src) {
      idx = [];
      var ss = document.querySelectorAll("section.emp");
      for (var i = 0; i < ss.length; i++) idx.push([ss[i].getAttribute("data-emp"), ss[i].getAttribute("data-name") || "", ss[i].getAttribute("data-login") || "", 0]);
      return f();
    }
    if (loading) return;
    loading = true;
    out.textContent = "Loading the index of employees…";
    var s = document.createElement("script");
    s.src = src;
    s.onload = function () { idx = idx || []; loading = false; if (pending) pending(); };
    s.onerror = function () { loading = false; out.textContent = "The index of employees (" + src + ") could not be loaded: keep the report's folder beside this page."; };
    document.head.appendChild(s);
  }
  function show() {
    var q = box.value.trim().toLowerCase();
    if (!q) { out.textContent = ""; return; }
    ready(function () {
      var n = 0, ul = document.createElement("ul");
      for (var i = 0; i < idx.length && n < 50; i++) {
        var e = idx[i];
        if ((e[0] + "\n" + e[1] + "\n" + e[2]).toLowerCase().indexOf(q) < 0) continue;
        n++;
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = page(e[3]) + "#" + anchor(e[0]);
        a.textContent = e[0];
        li.appendChild(a);
        var who = [e[1], e[2]].filter(Boolean).join(" · ");
        if (who) li.appendChild(document.createTextNode(" " + who));
        ul.appendChild(li);
      }
      out.textContent = "";
      var p = document.createElement("p");
      p.textContent = n == 0 ? "No employee matches." : n == 50 ? "The first 50 matches:" : n == 1 ? "1 match:" : n + " matches:";
      out.appendChild(p);
      if (n) out.appendChild(ul);
    });
  }
  box.addEventListener("input", show);
  var m = /^#find=(.*)$/.exec(location.hash);
  if (m) { box.value = decodeURIComponent(m[1]); show(); }
})();`

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"utc": utc, "stateClass": stateClass,
}).Parse(`{{define "head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header class="top">
<h1>{{.Title}}</h1>
{{if .Run}}<p>What became of every record sent to {{or .Run.Target "(target not recorded)"}}{{with .Run.Flavor}} ({{.}}){{end}}.</p>
{{else}}<p>A dry run: nothing has been submitted; every operation is <em>not submitted</em>.</p>
{{end}}</header>
<table class="audit" id="audit">
{{if not .Generated.IsZero}}<tr><th>Report written</th><td>{{utc .Generated}}{{with .Generator}} by upsmigrate {{.}}{{end}}</td></tr>
{{end}}{{with .Audit.ToolVersion}}<tr><th>Converted by</th><td>upsmigrate {{.}}</td></tr>
{{end}}<tr><th>Output directory</th><td class="mono">{{.Dir}}</td></tr>
<tr><th>Company</th><td class="mono">{{if .Run}}{{or .Run.Company .Audit.CompanyID "not recorded"}}{{else}}{{or .Audit.CompanyID "not given"}}{{end}}</td></tr>
{{with .Audit.Options}}<tr><th>Convert options</th><td>{{range $i, $o := .}}{{if $i}}; {{end}}{{$o}}{{end}}</td></tr>
{{end}}{{with .Run}}<tr><th>Target</th><td class="mono">{{.Target}}{{with .Flavor}} ({{.}}){{end}}</td></tr>
<tr><th>Run started</th><td>{{utc .Created}}{{with .ToolVersion}} by upsmigrate {{.}}{{end}}</td></tr>
<tr><th>Journal updated</th><td>{{utc .Updated}}</td></tr>
{{end}}<tr><th>Inputs</th><td><table>
<thead><tr><th>File</th><th>Format</th><th>Bytes</th><th>SHA-256</th></tr></thead>
<tbody>
{{range .Audit.Inputs}}<tr><td class="mono">{{.Path}}</td><td>{{.Format}}</td><td class="n">{{if .SHA256}}{{.Bytes}}{{end}}</td><td class="mono">{{or .SHA256 "not recorded"}}</td></tr>
{{end}}</tbody></table></td></tr>
<tr><th>Mapping tables</th><td>{{if .Audit.Mapping}}{{with .Audit.Overridden}}overridden: {{range $i, $t := .}}{{if $i}}, {{end}}{{$t.Name}} (<span class="mono">{{$t.File}}</span>){{end}}; the others embedded{{else}}the embedded tables{{end}}, SHA-256 <span class="mono">{{.Audit.MappingSHA256}}</span>
<details><summary>every table</summary><table>
<thead><tr><th>Table</th><th>File</th><th>Origin</th><th>Rows</th><th>SHA-256</th></tr></thead>
<tbody>
{{range .Audit.Mapping}}<tr><td>{{.Name}}</td><td class="mono">{{.File}}</td><td>{{if .Embedded}}embedded{{else}}override{{end}}</td><td class="n">{{.Rows}}</td><td class="mono">{{.SHA256}}</td></tr>
{{end}}</tbody></table></details>{{else}}not recorded (report.json predates the audit){{end}}</td></tr>
</table>
<nav>{{if .Run}}<a href="#outcome">Outcome ({{.Unsuccessful}})</a>{{end}}<a href="#summary">Summary</a><a href="#lost">What is lost ({{len .Lost}})</a><a href="#rejected">Rejected ({{.Summary.Rejected}})</a><a href="#warnings">Warnings ({{.Summary.Warnings}})</a>{{if .Summary.AtSubmit}}<a href="#atsubmit">{{if .Run}}Resolved{{else}}To be resolved{{end}} at submit ({{.Summary.AtSubmit}})</a>{{end}}<a href="#files">Input files ({{len .Files}})</a><a href="#employees">Employees ({{.Employees}})</a></nav>
{{end}}

{{define "outcome"}}
<h2 id="outcome">Outcome</h2>
<p>{{.Unsuccessful}} of {{len .Outcomes}} records did not succeed: failed, partial (the identity was written, an extension was not) or pending (no final outcome yet).</p>
{{if not .Unsuccessful}}<p class="ok">Every record that was sent succeeded.</p>
{{end}}{{end}}

{{define "summary"}}
<h2 id="summary">Summary</h2>
<table class="summary">
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
<tr><th>Values lost</th><td class="n">{{.LostValues}}</td></tr>
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
<h2 id="lost">What the customer loses by migrating</h2>
{{if .LostRows}}<p>Input fields that carried data UPS cannot hold: the data stays in the files and in Concur's current setup, and does not reach UPS. Each row counts the values dropped (the records refused, the new users an extension was left out of) and says why; the employees' sections and the warnings list every one.</p>
<table>
<thead><tr><th>Input field</th><th>Table</th><th>Kind</th><th>Values</th><th>Why it is lost</th><th>For example</th></tr></thead>
<tbody>
{{range .LostRows}}<tr><td>{{.Field}}{{with .Target}} → <span class="mono">{{.}}</span>{{end}}</td><td>{{.Table}}</td><td>{{.Kind}}</td><td class="n">{{.Values}}</td><td>{{.Reason}}{{with .Others}} (and {{.}} values for other reasons){{end}}</td><td>{{range $i, $e := .Examples}}{{if $i}}<br>{{end}}{{if $e.Href}}<a href="{{$e.Href}}">{{$e.Employee}}</a> {{else if $e.Employee}}{{$e.Employee}} {{end}}<span class="src">{{$e.Source}}</span>{{end}}</td></tr>
{{end}}</tbody>
</table>
{{else}}<p class="ok">Nothing: every value the inputs carry has a place in UPS.</p>
{{end}}{{end}}

{{define "atsubmit"}}
<h2 id="atsubmit">{{if .Run}}Resolved at submit{{else}}To be resolved at submit{{end}}</h2>
{{if .Run}}<p>Convert had no <code>--directory</code>: submit looked up in the target these {{.Summary.AtSubmit}} employees, who are outside this run: the employees of updates that no record of this run creates, and the employees that records refer to. An update of an employee the target did not have failed its record; a reference to one was not set. The record state is the final state of the record each comes from (the outcome above says why a record did not succeed).</p>
{{else}}<p>Convert had no <code>--directory</code>: when it sends, submit looks up in the target these {{.Summary.AtSubmit}} employees, who are outside this run: the employees of updates that no record of this run creates, and the employees that records refer to. An update of an employee the target does not have fails its record; a reference to one is not set.</p>
{{end}}{{end}}

{{define "employees"}}
<h2 id="files">Input files</h2>
<table>
<thead><tr><th>File</th><th>Format</th><th>Records</th><th>Converted</th><th>Skipped</th><th>Rejected</th><th>Warnings</th></tr></thead>
<tbody>
{{range .Files}}<tr><td class="mono">{{.Path}}</td><td>{{.Format}}</td><td class="n">{{.Records}}</td><td class="n">{{.Converted}}</td><td class="n">{{.Skipped}}</td><td class="n{{if .Rejected}} rejected{{end}}">{{.Rejected}}</td><td class="n">{{.Warnings}}</td></tr>
{{if .Settings}}<tr><td colspan="7" class="settings">import settings: {{.Settings}}</td></tr>
{{end}}{{end}}</tbody>
</table>

<h2 id="employees">Employees</h2>
<p>One section per employee: the input records, the operations{{if .Run}} with their final state and the target's messages{{end}}, the warnings, and every value with its lineage: input field → mapping row → UPS attribute → bulk operation{{if .Run}} → final status{{end}}. Operations are numbered from 0, as in the request's <code>Operations</code> array.</p>
<div class="find"><label>Find an employee: <input id="find" type="search" placeholder="employee id, name or login" autocomplete="off"{{with .IndexSrc}} data-index="{{.}}"{{end}}{{with .PageBase}} data-base="{{.}}"{{end}}></label>
<div id="found"></div></div>
{{if .Pages}}<p>{{.Employees}} employees on {{len .Pages}} pages:</p>
<ul class="pages">
{{range $i, $p := .Pages}}<li><a href="{{$.PageBase}}{{$p.File}}">{{$p.First}} … {{$p.Last}}</a> ({{$p.Count}})</li>
{{end}}</ul>
{{end}}{{end}}

{{define "tail"}}<script>{{.Script}}</script>
</body>
</html>
{{end}}

{{define "page-head"}}<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{.Report}}</title>
<style>{{.CSS}}</style>
</head>
<body>
<header class="top"><h1>{{.Title}}</h1><p>{{.Report}}</p></header>
<nav>{{.Nav}}</nav>
{{if .Search}}<div class="find"><label>Find an employee: <input id="find" type="search" placeholder="employee id, name or login" autocomplete="off" data-index="index.js"></label>
<div id="found"></div></div>
{{end}}{{end}}

{{define "page-tail"}}{{with .Next}}<nav><a href="{{.}}">Next page</a></nav>
{{end}}<script>{{.Script}}</script>
</body>
</html>
{{end}}`))
