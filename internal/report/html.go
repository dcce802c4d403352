package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/asyncw"
	"github.com/upsmigrate/upsmigrate/internal/dropbehind"
	"github.com/upsmigrate/upsmigrate/internal/private"
)

// The HTML report: a summary page (audit header, counts, what the customer
// loses, the lists) and one section per employee. WriteHTML writes it all
// as one document; WriteHTMLFile moves the sections of a large run, and
// long lists, to pages in a folder beside the summary, with a search over
// every employee that works from file:// (a <script src> index, no fetch).

// htmlReport writes one HTML report.
type htmlReport struct {
	d      *Data
	lim    Limits
	stream bool   // one document: every list and section inline
	dir    string // the pages' folder (file output)
	folder string // its name, as the summary links it
	sum    links  // employee links from the summary
	pages  links  // employee links from a page in the folder
	npages int    // employee pages written
	ranges []pageRange
	drop   *dropbehind.Dropper // takes each page once written
	cells  *cellMemo           // value rows' first cells, rendered once
}

// pageRange is one page of employee sections.
type pageRange struct {
	File        string
	First, Last string
	Count       int
}

func employeePage(n int) string { return fmt.Sprintf("employees-%04d.html", n) }

// WriteHTML writes d as one self-contained HTML document: the summary,
// every list in full and every employee's section, with a search over the
// employees; inline CSS and script, no external asset; every value is
// escaped. It walks the plan twice (once to link the lists to the
// sections).
func WriteHTML(w io.Writer, d *Data) error {
	hr := &htmlReport{d: d, lim: d.Limits.withDefaults(), stream: true}
	hr.sum = links{pages: map[string]int32{}}
	if err := d.walk(func(e *Employee) error { hr.sum.pages[e.ID] = 0; return nil }); err != nil {
		return err
	}
	bw := hw{Writer: bufio.NewWriterSize(w, 256<<10), cells: newCellMemo()}
	if err := hr.summary(bw, func(w hw) error {
		return d.walkAhead(func(e *Employee) error {
			w.section(d, e, &hr.sum)
			return nil
		})
	}); err != nil {
		return err
	}
	return bw.Flush()
}

// WriteHTMLFile writes the HTML report of d to path (0600). When the run
// has more employees than Limits.HTMLPage, their sections go to pages
// employees-0001.html … in the folder beside path named after it
// ("report_files" for report.html, 0700), with index.js, the search index
// the summary and every page load; a list longer than Limits.HTMLList
// shows its first rows in the summary and continues on pages there
// (warnings-0001.html …). Nothing is left out: every employee is on a page
// the summary links to, every list row on the summary or a page. A run
// that fits is one file, as WriteHTML writes it. It walks the plan once.
// The report replaces an earlier one at path whole or not at all: the
// pages are written into a hidden folder beside it and the summary into a
// temporary file, both put in place once complete.
func WriteHTMLFile(path string, d *Data) (err error) {
	hr := &htmlReport{d: d, lim: d.Limits.withDefaults(), drop: dropbehind.New()}
	defer func() {
		if derr := hr.drop.Release(); err == nil {
			err = derr
		}
	}()
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	hr.folder = base + "_files"
	// The pages are written into a hidden folder beside it, and replace
	// those of an earlier report only when the summary is complete: a
	// report that fails or is interrupted leaves the earlier one whole.
	final := filepath.Join(filepath.Dir(path), hr.folder)
	hr.dir = filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.tmp-%d-%d", hr.folder, os.Getpid(), time.Now().UnixNano()))
	defer func() {
		if err != nil {
			os.RemoveAll(hr.dir)
		}
	}()
	hr.sum = links{pages: map[string]int32{}, base: hr.folder + "/", file: employeePage}
	hr.pages = links{pages: hr.sum.pages, here: "../" + hr.summaryName(), file: employeePage}

	// The first page's sections wait in memory: a run that fits one page
	// is written as one document.
	var first bytes.Buffer
	hr.cells = newCellMemo()
	fw := hw{Writer: bufio.NewWriterSize(&first, 64<<10), cells: hr.cells}
	var page *pageFile
	var index *indexFile
	var firstPage []*Employee // who is on the first page, for the index
	inPage := 0
	err = d.walkAhead(func(e *Employee) error {
		if inPage == hr.lim.HTMLPage {
			if page == nil { // a second page: the run is paged
				var err error
				if index, err = newIndexFile(filepath.Join(hr.dir, "index.js")); err != nil {
					return err
				}
				fw.Flush()
				if page, err = hr.openEmployeePage(1); err != nil {
					return err
				}
				page.w.Write(first.Bytes())
				first = bytes.Buffer{}
				hr.npages = 1
				hr.ranges[0].File = employeePage(1)
				for _, fe := range firstPage {
					hr.sum.pages[fe.ID] = 1
					if err := index.add(fe, 1); err != nil {
						return err
					}
				}
				firstPage = nil
			}
			if err := hr.closePage(page, true); err != nil {
				return err
			}
			hr.npages++
			var err error
			if page, err = hr.openEmployeePage(hr.npages); err != nil {
				return err
			}
			hr.ranges = append(hr.ranges, pageRange{File: employeePage(hr.npages)})
			inPage = 0
		}
		if len(hr.ranges) == 0 {
			hr.ranges = append(hr.ranges, pageRange{})
		}
		r := &hr.ranges[len(hr.ranges)-1]
		if r.Count == 0 {
			r.First = e.ID
		}
		r.Last = e.ID
		r.Count++
		inPage++
		hr.sum.pages[e.ID] = int32(hr.npages)
		if page != nil {
			page.w.section(d, e, &hr.pages)
			return index.add(e, hr.npages)
		}
		firstPage = append(firstPage, &Employee{ID: e.ID, Name: e.Name, Login: e.Login})
		fw.section(d, e, &hr.sum)
		return nil
	})
	if err != nil {
		if page != nil {
			page.abort()
		}
		return err
	}
	if page != nil {
		if err := hr.closePage(page, false); err != nil {
			return err
		}
		if err := index.close(); err != nil {
			return err
		}
	}
	fw.Flush()

	// The summary is written last, whole or not at all: an interrupted
	// report leaves the one before it (or none), never half a file.
	return private.WriteFile(path, func(w io.Writer) error {
		bw := hw{Writer: bufio.NewWriterSize(w, 256<<10)}
		if err := hr.summary(bw, func(w hw) error {
			_, err := w.Write(first.Bytes())
			return err
		}); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		return publishPages(hr.dir, final)
	})
}

// publishPages replaces the pages of an earlier report in final with those
// written into stage (which may not exist: a report of one page), and
// removes stage.
func publishPages(stage, final string) error {
	if err := clearPages(final); err != nil {
		return err
	}
	entries, err := os.ReadDir(stage)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(final, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(final, 0o700); err != nil {
		return err
	}
	for _, e := range entries {
		if err := os.Rename(filepath.Join(stage, e.Name()), filepath.Join(final, e.Name())); err != nil {
			return err
		}
	}
	return os.Remove(stage)
}

// create makes a report file, private: it holds personal data.
func create(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// clearPages removes the pages an earlier report left in dir, so none is
// stale.
func clearPages(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (n == "index.js" || strings.HasSuffix(n, ".html") && strings.Contains(n, "-")) {
			if err := os.Remove(filepath.Join(dir, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (hr *htmlReport) mkdir() error {
	if err := os.MkdirAll(hr.dir, 0o700); err != nil {
		return err
	}
	return os.Chmod(hr.dir, 0o700)
}

// pageFile is one page in the folder.
type pageFile struct {
	f         *os.File
	a         *asyncw.Writer // writes w's bytes to f
	w         hw
	employees int // the number of an employee page, 0 for a list page
}

func (hr *htmlReport) openPage(name, title, nav string, search bool) (*pageFile, error) {
	if err := hr.mkdir(); err != nil {
		return nil, err
	}
	f, err := create(filepath.Join(hr.dir, name))
	if err != nil {
		return nil, err
	}
	a := asyncw.New(f, 256<<10)
	bw, _ := pageWriters.Get().(*bufio.Writer)
	if bw == nil {
		bw = bufio.NewWriterSize(a, 256<<10)
	}
	bw.Reset(a)
	p := &pageFile{f: f, a: a, w: hw{Writer: bw, cells: hr.cells}}
	err = htmlTmpl.ExecuteTemplate(p.w, "page-head", map[string]any{"Title": title, "Report": hr.d.Title(), "Nav": template.HTML(nav),
		"Search": search, "CSS": template.CSS(css)})
	if err != nil {
		p.abort()
		return nil, err
	}
	return p, nil
}

// pageWriters holds the buffered writers of pages closed, for the next.
var pageWriters sync.Pool

// abort closes a page that is not complete.
func (p *pageFile) abort() {
	p.a.Close()
	p.release()
	p.f.Close()
}

// release gives the page's writer back once the page is done with.
func (p *pageFile) release() {
	p.w.Reset(nil)
	pageWriters.Put(p.w.Writer)
}

// closePage ends a page; next says there is a page after it (employee
// pages link it).
func (hr *htmlReport) closePage(p *pageFile, next bool) error {
	nextPage := ""
	if next && p.employees > 0 {
		nextPage = employeePage(p.employees + 1)
	}
	err := htmlTmpl.ExecuteTemplate(p.w, "page-tail", map[string]any{"Script": template.JS(script), "Next": nextPage})
	if err == nil {
		err = p.w.Flush()
	}
	if werr := p.a.Close(); err == nil {
		err = werr
	}
	p.release()
	if err == nil {
		hr.drop.Finished(p.f)
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (hr *htmlReport) openEmployeePage(n int) (*pageFile, error) {
	nav := `<a href="../` + template.HTMLEscapeString(hr.summaryName()) + `">Summary</a>`
	if n > 1 {
		nav += `<a href="` + employeePage(n-1) + `">Previous page</a>`
	}
	p, err := hr.openPage(employeePage(n), fmt.Sprintf("Employees, page %d", n), nav, true)
	if p != nil {
		p.employees = n
	}
	return p, err
}

// summaryName is the summary's file name, as a page links back to it.
func (hr *htmlReport) summaryName() string {
	return strings.TrimSuffix(hr.folder, "_files") + ".html"
}

// indexFile is index.js: the search index of a paged report, written as
// the pages are, in chunks of upsIndex([[id, name, login, page], …]).
type indexFile struct {
	f   *os.File
	w   *bufio.Writer
	buf [][4]any
}

func newIndexFile(path string) (*indexFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := create(path)
	if err != nil {
		return nil, err
	}
	return &indexFile{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (ix *indexFile) add(e *Employee, page int) error {
	ix.buf = append(ix.buf, [4]any{e.ID, e.Name, e.Login, page})
	if len(ix.buf) == 1000 {
		return ix.flush()
	}
	return nil
}

func (ix *indexFile) flush() error {
	if len(ix.buf) == 0 {
		return nil
	}
	b, err := json.Marshal(ix.buf)
	if err != nil {
		return err
	}
	ix.w.WriteString("upsIndex(")
	ix.w.Write(b)
	ix.w.WriteString(");\n")
	ix.buf = ix.buf[:0]
	return nil
}

func (ix *indexFile) close() error {
	err := ix.flush()
	if err == nil {
		err = ix.w.Flush()
	}
	if cerr := ix.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// summary writes the summary document; sections writes the employees'
// sections or nothing (a paged report links its pages instead).
func (hr *htmlReport) summary(w hw, sections func(hw) error) error {
	d := hr.d
	v := hr.view()
	if err := htmlTmpl.ExecuteTemplate(w, "head", v); err != nil {
		return err
	}
	if d.Run != nil {
		if err := hr.outcomeList(w, v); err != nil {
			return err
		}
	}
	if err := htmlTmpl.ExecuteTemplate(w, "summary", v); err != nil {
		return err
	}
	if err := hr.rejectedList(w, v); err != nil {
		return err
	}
	if err := hr.warningList(w, v); err != nil {
		return err
	}
	if len(d.AtSubmit) > 0 {
		if err := hr.atSubmitList(w, v); err != nil {
			return err
		}
	}
	if err := htmlTmpl.ExecuteTemplate(w, "employees", v); err != nil {
		return err
	}
	if hr.npages == 0 {
		if err := sections(w); err != nil {
			return err
		}
	}
	return htmlTmpl.ExecuteTemplate(w, "tail", v)
}

// htmlView is what the summary templates see.
type htmlView struct {
	*Data
	Unsuccessful int
	Employees    int // sections
	LostRows     []lostRow
	Pages        []pageRange
	IndexSrc     string // the search index script, "" for the sections of this document
	PageBase     string
	CSS          template.CSS
	Script       template.JS
}

func (hr *htmlReport) view() *htmlView {
	v := &htmlView{Data: hr.d, CSS: template.CSS(css), Script: template.JS(script), Employees: len(hr.sum.pages)}
	for _, l := range hr.d.Lost {
		r := lostRow{Lost: l}
		for _, e := range l.Examples {
			r.Examples = append(r.Examples, lostExample{LostExample: e, Href: hr.sum.href(e.Employee)})
		}
		v.LostRows = append(v.LostRows, r)
	}
	for _, o := range hr.d.Outcomes {
		if o.Unsuccessful() {
			v.Unsuccessful++
		}
	}
	if hr.npages > 0 {
		v.Pages = hr.ranges
		v.IndexSrc = hr.folder + "/index.js"
		v.PageBase = hr.folder + "/"
	}
	return v
}

// lostRow is a Lost with links to its examples' sections.
type lostRow struct {
	Lost
	Examples []lostExample
}

type lostExample struct {
	LostExample
	Href string
}

// list writes the rows of one list: all of them into the document when it
// is one document, else the first Limits.HTMLList into the summary and the
// others on pages of Limits.HTMLListPage rows in the folder, linked below
// the summary's table.
type list struct {
	name  string // page file prefix: "warnings"
	title string // "Warnings"
	head  string // the table's header row, HTML
	total int
	each  func(row func(write func(w hw, l *links)) error) error
}

func (hr *htmlReport) list(w hw, l list) error {
	inline := l.total
	if !hr.stream {
		inline = min(l.total, hr.lim.HTMLList)
	}
	if inline < l.total {
		fmt.Fprintf(w, "<p class=\"note\">The first %d of %d %s are below; the others continue on the pages listed after them.</p>\n",
			inline, l.total, strings.ToLower(l.title))
	}
	w.s("<table class=\"list\"><thead>" + l.head + "</thead><tbody>\n")
	var page *pageFile
	var pages []pageRange
	i := 0
	err := l.each(func(write func(w hw, l *links)) error {
		defer func() { i++ }()
		if i < inline {
			write(w, &hr.sum)
			return nil
		}
		k := i - inline
		if k%hr.lim.HTMLListPage == 0 {
			if page != nil {
				page.w.s("</tbody></table>\n")
				if err := hr.closePage(page, true); err != nil {
					return err
				}
			}
			n := k/hr.lim.HTMLListPage + 1
			name := fmt.Sprintf("%s-%04d.html", l.name, n)
			nav := `<a href="../` + template.HTMLEscapeString(hr.summaryName()) + `">Summary</a>`
			var err error
			if page, err = hr.openPage(name, fmt.Sprintf("%s, page %d", l.title, n), nav, false); err != nil {
				return err
			}
			page.w.s("<table class=\"list\"><thead>" + l.head + "</thead><tbody>\n")
			pages = append(pages, pageRange{File: name, First: strconv.Itoa(i + 1)})
		}
		pages[len(pages)-1].Count++
		pages[len(pages)-1].Last = strconv.Itoa(i + 1)
		write(page.w, &hr.pages)
		return nil
	})
	if err != nil {
		if page != nil {
			page.abort()
		}
		return err
	}
	if page != nil {
		page.w.s("</tbody></table>\n")
		if err := hr.closePage(page, false); err != nil {
			return err
		}
	}
	w.s("</tbody></table>\n")
	if len(pages) > 0 {
		w.s("<p class=\"pages\">Continued on: ")
		for j, p := range pages {
			if j > 0 {
				w.s(" · ")
			}
			w.s(`<a href="`)
			w.esc(hr.folder + "/" + p.File)
			w.s(`">`)
			w.esc(fmt.Sprintf("%s %s–%s", strings.ToLower(l.title), p.First, p.Last))
			w.s("</a>")
		}
		w.s("</p>\n")
	}
	return nil
}

func (hr *htmlReport) outcomeList(w hw, v *htmlView) error {
	if err := htmlTmpl.ExecuteTemplate(w, "outcome", v); err != nil {
		return err
	}
	if v.Unsuccessful == 0 {
		return nil
	}
	return hr.list(w, list{name: "outcome", title: "Records that did not succeed", total: v.Unsuccessful,
		head: "<tr><th>Record</th><th>Type</th><th>Employee</th><th>State</th><th>Reason</th></tr>",
		each: func(row func(func(hw, *links)) error) error {
			for _, o := range hr.d.Outcomes {
				if !o.Unsuccessful() {
					continue
				}
				if err := row(func(w hw, l *links) {
					if c := stateClass(o.State); c != "" {
						w.s(`<tr class="` + c + `">`)
					} else {
						w.s("<tr>")
					}
					w.td("mono", o.Pos(), true)
					w.td("", o.Type, false)
					w.s("<td>")
					w.emp(l, o.Employee)
					w.s("</td>")
					w.td("", o.State, false)
					w.td("", o.Reason, false)
					w.s("</tr>\n")
				}); err != nil {
					return err
				}
			}
			return nil
		}})
}

func (hr *htmlReport) rejectedList(w hw, v *htmlView) error {
	w.s("\n<h2 id=\"rejected\">Rejected records</h2>\n")
	n := hr.d.rejected.len()
	if n == 0 {
		w.s("<p class=\"ok\">No record was rejected.</p>\n")
		return nil
	}
	return hr.list(w, list{name: "rejected", title: "Rejected records", total: n,
		head: "<tr><th>Record</th><th>Type</th><th>Employee</th><th>Messages</th></tr>",
		each: func(row func(func(hw, *links)) error) error {
			return hr.d.EachRejected(func(r *Rejected) error {
				return row(func(w hw, l *links) {
					w.s(`<tr class="rejected">`)
					w.td("mono", r.Pos, true)
					w.td("", r.Type, false)
					w.s("<td>")
					w.emp(l, r.EmployeeID)
					w.s(`</td><td><ul class="msgs">`)
					for _, m := range r.Messages {
						w.s(`<li class="mono">`)
						w.code(m.Text)
						w.s("</li>")
					}
					w.s("</ul></td></tr>\n")
				})
			})
		}})
}

func (hr *htmlReport) warningList(w hw, v *htmlView) error {
	w.s("\n<h2 id=\"warnings\">Warnings</h2>\n")
	n := hr.d.warnings.len()
	if n == 0 {
		w.s("<p class=\"ok\">No warnings.</p>\n")
		return nil
	}
	return hr.list(w, list{name: "warnings", title: "Warnings", total: n,
		head: "<tr><th>Origin</th><th>Source</th><th>Employee</th><th>Record status</th><th>Message</th><th>Mapping row / operation</th></tr>",
		each: func(row func(func(hw, *links)) error) error {
			return hr.d.EachWarning(func(x *Warning) error {
				return row(func(w hw, l *links) {
					w.s("<tr>")
					w.td("", x.Origin, false)
					w.td("mono", x.Source, true)
					w.s("<td>")
					w.emp(l, x.Employee)
					w.s("</td>")
					w.td("", x.Status, false)
					w.td("", x.Message, false)
					w.s(`<td class="mono">`)
					w.code(x.Row)
					if x.Row != "" && x.Operation != "" {
						w.s("<br>")
					}
					w.code(x.Operation)
					w.s("</td></tr>\n")
				})
			})
		}})
}

func (hr *htmlReport) atSubmitList(w hw, v *htmlView) error {
	if err := htmlTmpl.ExecuteTemplate(w, "atsubmit", v); err != nil {
		return err
	}
	head := "<tr><th>Employee</th><th>Looked up for</th><th>Source</th></tr>"
	if hr.d.Run != nil {
		head = "<tr><th>Employee</th><th>Looked up for</th><th>Source</th><th>Record state</th></tr>"
	}
	return hr.list(w, list{name: "atsubmit", title: "Employees resolved at submit", total: len(hr.d.AtSubmit), head: head,
		each: func(row func(func(hw, *links)) error) error {
			for _, a := range hr.d.AtSubmit {
				if err := row(func(w hw, l *links) {
					w.s("<tr><td>")
					w.emp(l, a.Employee)
					w.s("</td><td>")
					if a.Kind != KindUpdate && a.From != "" {
						w.esc(a.Kind + " of ")
						w.emp(l, a.From)
					} else {
						w.esc(a.What())
					}
					w.s("</td>")
					w.td("mono", a.Source, true)
					if hr.d.Run != nil {
						w.stateTd(a.RecordState)
					}
					w.s("</tr>\n")
				}); err != nil {
					return err
				}
			}
			return nil
		}})
}

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
