package report

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// The parts of the HTML report written for every employee and every list
// row: by hand, not through html/template, since a large run has millions
// of them. Every text goes through esc or code.

// hw writes HTML.
type hw struct {
	*bufio.Writer
	cells *cellMemo // nil: value rows rendered each time
}

func (w hw) s(s string) { w.WriteString(s) }

// esc writes s as HTML text, escaped.
func (w hw) esc(s string) {
	last := 0
	for i := plainHTML(s); i < len(s); i++ {
		if !htmlSpecial[s[i]] {
			continue
		}
		var r string
		switch s[i] {
		case '&':
			r = "&amp;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		case '"':
			r = "&#34;"
		case '\'':
			r = "&#39;"
		default: // 0
			r = "\uFFFD"
		}
		w.WriteString(s[last:i])
		w.WriteString(r)
		last = i + 1
	}
	w.WriteString(s[last:])
}

// plainHTML is the length of the longest prefix of s, in whole words of
// 8 bytes, holding no byte esc replaces (most texts are all of it).
func plainHTML(s string) int {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; len(s)-i >= 8; i += 8 {
		t := s[i : i+8]
		x := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		// A byte of x equal to c makes the byte of x^(lo*c) zero: the
		// word has one of them when any of these has a zero byte.
		a, l, g, q, p := x^(lo*'&'), x^(lo*'<'), x^(lo*'>'), x^(lo*'"'), x^(lo*'\'')
		if ((x-lo)&^x|(a-lo)&^a|(l-lo)&^l|(g-lo)&^g|(q-lo)&^q|(p-lo)&^p)&hi != 0 {
			break
		}
	}
	return i
}

// htmlSpecial marks the bytes esc replaces.
var htmlSpecial = func() (t [256]bool) {
	for _, c := range []byte("&<>\"'\x00") {
		t[c] = true
	}
	return t
}()

// longToken is the length from which a token without spaces gets break
// opportunities.
const longToken = 28

// code writes an identifier-like text (a path, a source, a mapping row):
// escaped, with a break opportunity (<wbr>) after each / . : _ - = & ? ,
// and before each [ of every token (a run without spaces) of longToken
// bytes or more, so a narrow column wraps it at those points and never
// inside a name.
func (w hw) code(s string) {
	if len(s) < longToken {
		w.esc(s)
		return
	}
	for len(s) > 0 {
		end := strings.IndexByte(s, ' ')
		if end < 0 {
			end = len(s)
		} else {
			end++ // the space goes with the token
		}
		tok := s[:end]
		s = s[end:]
		if len(strings.TrimRight(tok, " ")) < longToken {
			w.esc(tok)
			continue
		}
		last := 0
		for i := 0; i < len(tok); i++ {
			c := tok[i]
			if c == '[' && i > last {
				w.esc(tok[last:i])
				w.s("<wbr>")
				last = i
			}
			if breakAfter[c] && i+1 < len(tok) && tok[i+1] != ' ' {
				w.esc(tok[last : i+1])
				w.s("<wbr>")
				last = i + 1
			}
		}
		w.esc(tok[last:])
	}
}

// breakAfter marks the bytes a long token may wrap after.
var breakAfter = func() (t [256]bool) {
	for _, c := range []byte("/.:_-=&?,") {
		t[c] = true
	}
	return t
}()

// anchor is the element id of an employee's section: "emp-" and the id,
// every byte but letters, digits, "-", "_" and "." written as ~XX. The
// page script computes the same.
func anchor(id string) string {
	safe := true
	for i := 0; i < len(id); i++ {
		if !anchorSafe(id[i]) {
			safe = false
			break
		}
	}
	if safe {
		return "emp-" + id
	}
	var b strings.Builder
	b.WriteString("emp-")
	for i := 0; i < len(id); i++ {
		if c := id[i]; anchorSafe(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "~%02X", c)
		}
	}
	return b.String()
}

func anchorSafe(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// links says where each employee's section is.
type links struct {
	pages map[string]int32 // employee → page number (1-based); 0: in the summary document
	here  string           // the summary document, as seen from the document linking ("" from itself)
	base  string           // the pages' folder, as seen from the document linking
	file  func(int) string // the file name of page n
}

// href is the link to an employee's section, "" when the report has none.
func (l *links) href(emp string) string {
	if emp == "" || l == nil {
		return ""
	}
	p, ok := l.pages[emp]
	if !ok {
		return ""
	}
	if p == 0 {
		return l.here + "#" + anchor(emp)
	}
	return l.base + l.file(int(p)) + "#" + anchor(emp)
}

// emp writes an employee id, linked to their section when there is one.
func (w hw) emp(l *links, id string) {
	if h := l.href(id); h != "" {
		w.s(`<a href="`)
		w.esc(h)
		w.s(`">`)
		w.esc(id)
		w.s(`</a>`)
		return
	}
	w.esc(id)
}

// td writes one table cell; class may be "".
func (w hw) td(class, text string, mono bool) {
	if class != "" {
		w.s(`<td class="` + class + `">`)
	} else {
		w.s("<td>")
	}
	if mono {
		w.code(text)
	} else {
		w.esc(text)
	}
	w.s("</td>")
}

// stateTd writes a state cell with its class.
func (w hw) stateTd(state string) {
	w.td(stateClass(state), state, false)
}

// section writes one employee's section.
func (w hw) section(d *Data, e *Employee, l *links) {
	journal := d.Run != nil
	w.s(`<section class="emp" id="`)
	w.s(anchor(e.ID))
	w.s(`" data-emp="`)
	w.esc(e.ID)
	if e.Name != "" {
		w.s(`" data-name="`)
		w.esc(e.Name)
	}
	if e.Login != "" {
		w.s(`" data-login="`)
		w.esc(e.Login)
	}
	w.s(`">` + "\n<h3><a class=\"self\" href=\"#")
	w.s(anchor(e.ID))
	w.s(`">`)
	w.esc(e.ID)
	w.s(`</a>`)
	if e.Name != "" || e.Login != "" {
		w.s(` <span class="who">`)
		w.esc(e.Name)
		if e.Name != "" && e.Login != "" {
			w.s(" · ")
		}
		w.code(e.Login)
		w.s(`</span>`)
	}
	w.s(` <span class="tag">`)
	switch {
	case !e.InPlan:
		w.s("nothing sent")
	case e.Creates:
		w.s("created")
	default:
		w.s("updated")
	}
	w.s(`</span>`)
	if e.State != "" {
		w.s(` <span class="tag ` + stateClass(e.State) + `">`)
		w.esc(e.State)
		w.s(`</span>`)
	}
	w.s("</h3>\n")
	var notes []string
	if e.RenamedFrom != "" {
		notes = append(notes, "Renamed from "+e.RenamedFrom+" by this run.")
	}
	if !e.InPlan {
		notes = append(notes, "Convert made no change for this employee: every record of theirs was rejected, or gave nothing to send.")
	}
	if len(e.LeftOut) > 0 {
		notes = append(notes, "Extensions left out of the new user: "+strings.Join(e.LeftOut, ", ")+" (UPS requires a value the input does not give; see the warnings).")
	}
	for _, n := range notes {
		w.s(`<p class="meta">`)
		w.esc(n)
		w.s("</p>\n")
	}
	w.records(e, journal)
	w.ops(e, journal)
	if len(e.Warnings) > 0 {
		w.s("<h4>Warnings</h4>\n<ul class=\"msgs\">")
		for i := range e.Warnings {
			x := &e.Warnings[i]
			w.s("<li>")
			if x.Source != "" {
				w.s(`<span class="src">`)
				w.code(x.Source)
				w.s(`</span>: `)
			}
			w.esc(x.Message)
			where := strings.TrimSpace(x.Row + " " + x.Operation)
			if where != "" {
				w.s(` <span class="row">[`)
				w.code(where)
				w.s(`]</span>`)
			}
			w.s("</li>")
		}
		w.s("</ul>\n")
	}
	if len(e.Rejected) > 0 {
		w.s("<h4>Rejected records</h4>\n<ul class=\"msgs rejected\">")
		for i := range e.Rejected {
			r := &e.Rejected[i]
			for _, m := range r.Messages {
				w.s("<li>")
				w.code(m.Text)
				w.s("</li>")
			}
			if len(r.Messages) == 0 {
				w.s("<li>")
				w.code(r.Pos)
				w.s("</li>")
			}
		}
		w.s("</ul>\n")
	}
	if len(e.AtSubmit) > 0 {
		w.s("<h4>Looked up at submit</h4>\n<ul class=\"msgs\">")
		for _, a := range e.AtSubmit {
			w.s("<li>")
			w.esc(a.Employee)
			w.s(": ")
			w.esc(a.What())
			w.s(` <span class="src">`)
			w.code(a.Source)
			w.s(`</span>`)
			if a.RecordState != "" {
				w.s(", record ")
				w.esc(a.RecordState)
			}
			w.s("</li>")
		}
		w.s("</ul>\n")
	}
	w.values(e, journal)
	w.s("</section>\n")
}

func (w hw) records(e *Employee, journal bool) {
	if len(e.Records) == 0 {
		return
	}
	w.s("<table class=\"recs\"><thead><tr><th>Input record</th><th>Type</th><th>Convert</th>")
	if journal {
		w.s("<th>Final state</th><th>Why</th>")
	}
	w.s("</tr></thead><tbody>\n")
	for _, r := range e.Records {
		w.s("<tr>")
		w.td("mono", r.Pos(), true)
		w.td("", r.Type, false)
		cls := ""
		if r.Status == "rejected" {
			cls = "rejected"
		}
		w.td(cls, r.Status, false)
		if journal {
			w.stateTd(r.State)
			w.td("", r.Reason, false)
		}
		w.s("</tr>\n")
	}
	w.s("</tbody></table>\n")
}

func (w hw) ops(e *Employee, journal bool) {
	if len(e.Operations) == 0 {
		return
	}
	w.s("<table class=\"ops\"><thead><tr><th>Operation</th><th>Phase</th><th>Method</th><th>Path</th><th>Status</th>")
	if journal {
		w.s("<th>HTTP</th><th>User id</th><th>Provision id</th><th>Target's messages</th>")
	}
	w.s("</tr></thead><tbody>\n")
	for i := range e.Operations {
		o := &e.Operations[i]
		w.s("<tr>")
		w.td("mono op", o.Key, true)
		w.td("n", strconv.Itoa(o.Phase), false)
		w.td("", o.Method, false)
		w.td("mono", o.Path, true)
		w.stateTd(o.Status)
		if journal {
			w.td("", o.Code, false)
			w.td("mono", o.UserID, true)
			w.td("mono", o.ProvisionID, true)
			msgs := o.Message
			if t := extensionsText(o.Extensions); t != "" {
				msgs = strings.TrimPrefix(msgs+"\n"+t, "\n")
			}
			if t := messagesText(o.Messages); t != "" {
				msgs = strings.TrimPrefix(msgs+"\n"+t, "\n")
			}
			w.s("<td>")
			for j, line := range strings.Split(msgs, "\n") {
				if j > 0 {
					w.s("<br>")
				}
				w.esc(line)
			}
			w.s("</td>")
		}
		w.s("</tr>\n")
	}
	w.s("</tbody></table>\n")
}

// values writes the value table, grouped by the input record each value
// comes from.
func (w hw) values(e *Employee, journal bool) {
	if len(e.Values) == 0 {
		return
	}
	cols := "5"
	if journal {
		cols = "6"
		w.s(`<table class="vals"><colgroup><col style="width:17%"><col style="width:15%"><col style="width:21%"><col style="width:17%"><col style="width:12%"><col></colgroup>`)
	} else {
		w.s(`<table class="vals"><colgroup><col style="width:21%"><col style="width:17%"><col style="width:26%"><col style="width:22%"><col></colgroup>`)
	}
	w.s("<thead><tr><th>Input field</th><th>Mapping row</th><th>UPS attribute</th><th>Value</th><th>Operation</th>")
	if journal {
		w.s("<th>Final status</th>")
	}
	w.s("</tr></thead><tbody>\n")
	var cur EmployeeRecord
	started := false
	for i := range e.Values {
		v := &e.Values[i]
		if !started || v.record.File != cur.File || v.record.Line != cur.Line {
			started = true
			cur = EmployeeRecord{File: v.record.File, Line: v.record.Line}
			for _, r := range e.Records {
				if r.File == cur.File && r.Line == cur.Line {
					cur = r
					break
				}
			}
			w.s(`<tr class="rec"><th colspan="` + cols + `">`)
			if cur.File == "" {
				w.s("no input record")
			} else {
				w.code(cur.Pos())
				if cur.Type != "" {
					w.s(" · ")
					w.esc(cur.Type)
				}
				if cur.Status != "" {
					w.s(" · ")
					w.esc(cur.Status)
				}
				if cur.State != "" {
					w.s(" · ")
					w.esc(cur.State)
				}
			}
			w.s("</th></tr>\n")
		}
		// A value row's cells are written without end tags (HTML lets a
		// cell end where the next begins, a row where the next row does):
		// a large report has millions of them.
		if v.LeftOut {
			w.s(`<tr class="out">`)
		} else {
			w.s("<tr>")
		}
		switch {
		case v.File == cur.File && v.Line == cur.Line:
			w.valueCells(v)
		case v.File == cur.File:
			w.s("<td>")
			w.fieldLabel(v.Field, v.Name)
			w.s(" (line " + strconv.Itoa(v.Line) + ")")
			w.attrCells(v)
		default:
			w.s("<td>")
			w.code(v.sourceText())
			w.attrCells(v)
		}
		w.s("<td>")
		w.esc(v.Value)
		w.s("<td>")
		if v.Operation == "" {
			w.s("none")
		} else {
			w.code(v.Operation)
		}
		if v.LeftOut {
			w.esc(leftOutNote)
		}
		if journal {
			if c := stateClass(v.OpStatus); c != "" {
				w.s(`<td class="` + c + `">`)
			} else {
				w.s("<td>")
			}
			w.esc(finalStatus(*v))
		}
		w.s("\n")
	}
	w.s("</tbody></table>\n")
}

// valueCells writes the first three cells of a value row from its own
// input record: the input field, the mapping row and the UPS attribute,
// each opened by <td>. They are the same for every value of one mapping
// row, so w.cells keeps them rendered by mapping row (with what they were
// rendered from: a reference's attributes share a row and differ by
// path).
func (w hw) valueCells(v *TraceRow) {
	m := w.cells
	if m == nil || v.Row == "" {
		w.firstCells(v)
		return
	}
	c, ok := m.rows[v.Row]
	if !ok && len(m.rows) < maxCellMemo {
		m.buf.Reset()
		r := hw{Writer: m.scratch()}
		r.firstCells(v)
		r.Flush()
		c = memoCells{field: v.Field, name: v.Name, schema: v.Schema, path: v.Path, html: m.buf.String()}
		m.rows[v.Row], ok = c, true
	}
	if ok && c.field == v.Field && c.name == v.Name && c.schema == v.Schema && c.path == v.Path {
		w.s(c.html)
		return
	}
	w.firstCells(v)
}

// firstCells writes valueCells' cells, rendered now.
func (w hw) firstCells(v *TraceRow) {
	w.s("<td>")
	w.fieldLabel(v.Field, v.Name)
	w.attrCells(v)
}

// attrCells writes a value row's mapping row and UPS attribute cells.
func (w hw) attrCells(v *TraceRow) {
	w.s("<td>")
	w.code(v.Row)
	w.s("<td>")
	w.esc(v.Schema)
	w.s(" ")
	w.code(v.Path)
}

// maxCellMemo bounds a cellMemo: mapping tables have a few hundred rows.
const maxCellMemo = 4096

// cellMemo holds the rendered first cells of value rows, by mapping row
// (hw.valueCells).
type cellMemo struct {
	rows map[string]memoCells
	buf  bytes.Buffer
	bw   *bufio.Writer
}

// memoCells is one mapping row's cells and what they were rendered from.
type memoCells struct {
	field, name, schema, path string
	html                      string
}

func newCellMemo() *cellMemo { return &cellMemo{rows: map[string]memoCells{}} }

func (m *cellMemo) scratch() *bufio.Writer {
	if m.bw == nil {
		m.bw = bufio.NewWriterSize(&m.buf, 512)
	}
	m.bw.Reset(&m.buf)
	return m.bw
}

// fieldLabel is "12 (Ledger Code)", or the name alone when it is the key.
func fieldLabel(field, name string) string {
	switch {
	case name == "" || name == field:
		return field
	case field == "":
		return name
	}
	return field + " (" + name + ")"
}

// fieldLabel writes fieldLabel(field, name), escaped.
func (w hw) fieldLabel(field, name string) {
	switch {
	case name == "" || name == field:
		w.esc(field)
	case field == "":
		w.esc(name)
	default:
		w.esc(field)
		w.s(" (")
		w.esc(name)
		w.s(")")
	}
}
