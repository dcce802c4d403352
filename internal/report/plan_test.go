package report

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
)

// TestDecodePlanLineMatchesChangeSets converts every sample, writes each
// change set as plan.jsonl holds it (ChangeSet.AppendJSON and the
// operations) and checks that decodePlanLine reads back what planLineOf
// makes of the change set itself: the decoder loses nothing.
func TestDecodePlanLineMatchesChangeSets(t *testing.T) {
	t.Chdir("../..")
	var files []string
	for _, glob := range []string{"samples/concur/*.csv", "samples/legacy/*.xml", "samples/legacy/*.json"} {
		m, err := filepath.Glob(glob)
		must(t, err)
		files = append(files, m...)
	}
	res, err := pipeline.Convert(files, pipeline.Options{CompanyID: "053c9338-bf2a-49cd-9035-c1f97be858b0"})
	must(t, err)
	if len(res.ChangeSets) < 10 {
		t.Fatalf("%d change sets from the samples", len(res.ChangeSets))
	}
	dec := newLineDecoder()
	refs, members, renames := 0, 0, 0
	for i, cs := range res.ChangeSets {
		ops := []opRef{{Bulk: "bulk-0001.json", Index: i, Phase: 1, Method: "POST", Path: "/Users"},
			{Bulk: "bulk-0002.json", Index: i, Phase: 2, Method: "PATCH", Path: `/Users/bulkId:emp-` + cs.EmployeeID}}
		line := cs.AppendJSON(nil)
		line = append(line[:len(line)-1], `,"operations":[`...)
		for j, o := range ops {
			if j > 0 {
				line = append(line, ',')
			}
			line = fmt.Appendf(line, `{"bulk":%q,"index":%d,"phase":%d,"method":%q,"path":%q}`, o.Bulk, o.Index, o.Phase, o.Method, o.Path)
		}
		line = append(line, "]}\n"...)
		var got planLine
		must(t, dec.decodePlanLine(line, &got))
		want := planLineOf(cs, ops)
		if !samePlanLine(&got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", cs.EmployeeID, got, *want)
		}
		refs += len(cs.Refs)
		if cs.Rename != nil {
			renames++
		}
		for _, a := range cs.Attrs {
			if a.Site.Kind == model.AttrMember {
				members++
			}
		}
	}
	if refs == 0 || members == 0 || renames == 0 {
		t.Errorf("the samples exercise %d references, %d members, %d renames: want some of each", refs, members, renames)
	}
}

// samePlanLine compares two plan lines, empty and nil slices alike.
func samePlanLine(a, b *planLine) bool {
	norm := func(p *planLine) planLine {
		c := *p
		c.rename = planRename{}
		if c.Rename != nil {
			r := *c.Rename
			c.Rename = &r
		}
		if len(c.LeaveOut) == 0 {
			c.LeaveOut = nil
		}
		if len(c.Attrs) == 0 {
			c.Attrs = nil
		}
		if len(c.Refs) == 0 {
			c.Refs = nil
		}
		for i := range c.Refs {
			if len(c.Refs[i].Attrs) == 0 {
				c.Refs[i].Attrs = nil
			}
		}
		if len(c.Records) == 0 {
			c.Records = nil
		}
		return c
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// TestDecodePlanLine: JSON the writer does not produce today is read as
// encoding/json would (any key order, unknown keys, escapes, other value
// types), and what is not JSON is an error.
func TestDecodePlanLine(t *testing.T) {
	tests := []struct {
		name, line string
		want       string // EmployeeID|attr values|rename from|records|ops, or the error
	}{
		{"key order and unknown keys", `{"x":{"a":[1,2,{"b":null}]},"attrs":[{"row":"r:1","value":"v","zz":true,"schema":"s","path":"p","source":{"line":3,"file":"f","extra":1}}],"employeeId":"E1","records":[{"line":3,"file":"f"}]}`,
			"E1|v@f:3|-|f:3|"},
		{"escapes", `{"employeeId":"E\u00e9\ud83d\ude00","attrs":[{"schema":"s","path":"p","value":"a\"b\\c\/d\n\t\u0041","source":{"file":"f","line":1}}]}`,
			"Eé😀|a\"b\\c/d\n\tA@f:1|-||"},
		{"other value types", `{"employeeId":"E1","attrs":[{"schema":"s","path":"p","value":true,"source":{"file":"f","line":1}},{"schema":"s","path":"q","value":12.5,"source":{"file":"f","line":1}},{"schema":"s","path":"r","value":{"a": [1, 2]},"source":{"file":"f","line":1}},{"schema":"s","path":"n","value":null,"source":{"file":"f","line":1}}]}`,
			`E1|true@f:1,12.5@f:1,{"a":[1,2]}@f:1,@f:1|-||`},
		{"members", `{"employeeId":"E1","attrs":[{"schema":"s","path":"roles","kind":1,"member":"X","present":true,"source":{"file":"f","line":1}},{"schema":"s","path":"roles","kind":"AttrMember","member":"Y","source":{"file":"f","line":1}}]}`,
			"E1|add X@f:1,remove Y@f:1|-||"},
		{"rename and ops", `{"employeeId":"E2","rename":{"from":"E9","newEmployeeId":"E2","source":{"file":"f","line":4}},"rename2":null,"operations":[{"bulk":"b","index":3,"phase":0,"method":"PATCH","path":"/Users/x"}]}`,
			"E2||E9||b#3"},
		{"null rename", `{"employeeId":"E2","rename":null,"records":null,"attrs":null}`, "E2||-||"},
		{"invalid UTF-8", "{\"employeeId\":\"E1\",\"attrs\":[{\"schema\":\"s\",\"path\":\"p\",\"value\":\"a\xffb\",\"source\":{\"file\":\"f\",\"line\":1}}]}",
			"E1|a\uFFFDb@f:1|-||"},
		{"no employee", `{"attrs":[]}`, "error: no employeeId"},
		{"truncated", `{"employeeId":"E1","attrs":[{"schema":"s"`, "error: "},
		{"wrong type", `{"employeeId":"E1","attrs":{}}`, "error: "},
		{"bad escape", `{"employeeId":"E\q"}`, "error: "},
		{"trailing data", `{"employeeId":"E1"} x`, "error: "},
		{"not an integer", `{"employeeId":"E1","records":[{"file":"f","line":"3"}]}`, "error: "},
	}
	d := newLineDecoder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pl planLine
			err := d.decodePlanLine([]byte(tt.line), &pl)
			got := ""
			if err != nil {
				got = "error: " + err.Error()
				if !strings.HasPrefix(got, tt.want) {
					t.Errorf("got %q, want %q", got, tt.want)
				}
				return
			}
			var vals, recs, ops []string
			for _, a := range pl.Attrs {
				vals = append(vals, a.Value+"@"+a.Source.File+":"+fmt.Sprint(a.Source.Line))
			}
			for _, r := range pl.Records {
				recs = append(recs, r.String())
			}
			for _, o := range pl.Operations {
				ops = append(ops, fmt.Sprintf("%s#%d", o.Bulk, o.Index))
			}
			from := "-"
			if pl.Rename != nil {
				from = pl.Rename.From
			}
			got = strings.Join([]string{pl.EmployeeID, strings.Join(vals, ","), from, strings.Join(recs, ","), strings.Join(ops, ",")}, "|")
			if tt.want != "" && !strings.HasPrefix(tt.want, "error") && got != tt.want {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			if strings.HasPrefix(tt.want, "error") {
				t.Errorf("no error, got %q", got)
			}
		})
	}
}

// TestSpool: items go to a temporary file once they outgrow memory, and
// stay readable in order and by employee.
func TestSpool(t *testing.T) {
	for _, n := range []int{3, 30000} { // 30,000 warnings of ~200 bytes outgrow spoolMem
		s := newSpool[Warning]()
		defer s.close()
		for i := 0; i < n; i++ {
			w := Warning{Origin: OriginRecord, Employee: fmt.Sprintf("E%d", i%7), Source: fmt.Sprintf("in/feed.csv:%d:12 (Ledger Code)", i+2),
				Message: strings.Repeat("x", 150) + fmt.Sprint(i)}
			must(t, s.add(&w, w.Employee))
		}
		must(t, s.done())
		if spilled := s.f != nil; spilled != (n > 1000) {
			t.Errorf("%d items: spilled to a file %t", n, spilled)
		}
		i := 0
		must(t, s.each(func(w *Warning) error {
			if want := fmt.Sprintf("in/feed.csv:%d:12 (Ledger Code)", i+2); w.Source != want {
				t.Fatalf("item %d: %q, want %q", i, w.Source, want)
			}
			i++
			return nil
		}))
		if i != n || s.len() != n {
			t.Errorf("%d items read back, %d counted, want %d", i, s.len(), n)
		}
		e3, err := s.of("E3", nil)
		must(t, err)
		if want := (n + 7 - 1 - 3) / 7; len(e3) != want {
			t.Errorf("E3 has %d items, want %d", len(e3), want)
		}
		for _, w := range e3 {
			if w.Employee != "E3" {
				t.Errorf("E3's items hold one of %s", w.Employee)
			}
		}
		want := min(n, 7) // employees E0 … E6
		if n > 3 {
			want-- // E3 was seen
		}
		if rest := s.unseen(nil, map[string]bool{}); len(rest) != want {
			t.Errorf("unseen after E3: %q", rest)
		}
	}
}

// TestHTMLPaged: a run larger than a page puts every employee on a page
// the summary links to, indexes them all for the search, and links each
// list row to the right page; a smaller one is one file.
func TestHTMLPaged(t *testing.T) {
	for _, page := range []int{1, 2, 3, 500} {
		t.Run(fmt.Sprint(page), func(t *testing.T) {
			d := load(t)
			d.Limits = Limits{HTMLPage: page}
			dir := t.TempDir()
			path := filepath.Join(dir, "r.html")
			must(t, WriteHTMLFile(path, d))
			sum := readFile(t, path)
			emps := []string{"E1", "E2", "L1", "E3"}
			pages := (len(emps) + page - 1) / page
			if pages == 1 {
				if _, err := os.Stat(filepath.Join(dir, "r_files")); !os.IsNotExist(err) {
					t.Errorf("a run that fits one page has a folder (%v)", err)
				}
				for _, e := range emps {
					if !strings.Contains(sum, `id="emp-`+e+`"`) {
						t.Errorf("the summary lacks the section of %s", e)
					}
				}
				return
			}
			index := readFile(t, filepath.Join(dir, "r_files", "index.js"))
			for i, e := range emps {
				p := i/page + 1
				file := fmt.Sprintf("employees-%04d.html", p)
				if !strings.Contains(readFile(t, filepath.Join(dir, "r_files", file)), `id="emp-`+e+`"`) {
					t.Errorf("%s is not on %s", e, file)
				}
				if !strings.Contains(index, fmt.Sprintf(`["%s",`, e)) || !strings.Contains(index, fmt.Sprintf(",%d]", p)) {
					t.Errorf("index.js does not put %s on page %d: %s", e, p, index)
				}
				if strings.Contains(sum, `id="emp-`+e+`"`) {
					t.Errorf("the summary holds the section of %s", e)
				}
			}
			for p := 1; p <= pages; p++ {
				if !strings.Contains(sum, fmt.Sprintf(`href="r_files/employees-%04d.html"`, p)) {
					t.Errorf("the summary does not link page %d", p)
				}
				last := readFile(t, filepath.Join(dir, "r_files", fmt.Sprintf("employees-%04d.html", p)))
				if next := fmt.Sprintf(`href="employees-%04d.html">Next page`, p+1); strings.Contains(last, next) != (p < pages) {
					t.Errorf("page %d links a next page: %t", p, p < pages)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "r_files", fmt.Sprintf("employees-%04d.html", pages+1))); !os.IsNotExist(err) {
				t.Errorf("a page too many (%v)", err)
			}
			wantLink := fmt.Sprintf(`<a href="r_files/employees-%04d.html#emp-L1">L1</a>`, 2/page+1)
			if !strings.Contains(sum, wantLink) {
				t.Errorf("the warnings do not link L1's section as %s", wantLink)
			}
			if fi, err := os.Stat(filepath.Join(dir, "r_files")); err != nil || fi.Mode().Perm() != 0o700 {
				t.Errorf("folder mode %v (%v), want 0700", fi.Mode(), err)
			}
			if fi, err := os.Stat(filepath.Join(dir, "r_files", "index.js")); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("index.js mode %v (%v), want 0600", fi.Mode(), err)
			}
		})
	}
}

func TestAnchorAndBreaks(t *testing.T) {
	anchors := []struct{ id, want string }{
		{"E1", "emp-E1"},
		{"a.b_c-d", "emp-a.b_c-d"},
		{"E 1/#x", "emp-E~201~2F~23x"},
		{"Zoë", "emp-Zo~C3~AB"},
	}
	for _, tt := range anchors {
		if got := anchor(tt.id); got != tt.want {
			t.Errorf("anchor(%q) = %q, want %q", tt.id, got, tt.want)
		}
	}
	codes := []struct{ in, want string }{
		{"bulk-0001.json #0", "bulk-0001.json #0"},                 // short tokens: no break
		{"mapping/tables/305.csv:13", "mapping/tables/305.csv:13"}, // fits a column
		{"client/mappings/2025-03/305.csv:13", "client/<wbr>mappings/<wbr>2025-<wbr>03/<wbr>305.<wbr>csv:<wbr>13"},
		{`customData[id eq "custom2"].value`, `customData[id eq &#34;custom2&#34;].value`}, // wraps at its spaces
		{`emails[type eq "work"].value.averyveryverylongname`, `emails[type eq &#34;work&#34;].<wbr>value.<wbr>averyveryverylongname`},
		{"in/feed.csv:2:7 (Password)", "in/feed.csv:2:7 (Password)"},
		{"a<b&c/averyveryverylongtokenname", "a&lt;b&amp;<wbr>c/<wbr>averyveryverylongtokenname"},
	}
	for _, tt := range codes {
		var b strings.Builder
		w := hw{bufio.NewWriter(&b)}
		w.code(tt.in)
		w.Flush()
		if b.String() != tt.want {
			t.Errorf("code(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

// TestHTMLPagedNames: a summary named anything links its folder and is
// linked back from the pages, escaped for a URL.
func TestHTMLPagedNames(t *testing.T) {
	d := load(t)
	d.Limits = Limits{HTMLPage: 1}
	dir := t.TempDir()
	must(t, WriteHTMLFile(filepath.Join(dir, "client #1.htm"), d))
	sum := readFile(t, filepath.Join(dir, "client #1.htm"))
	page := readFile(t, filepath.Join(dir, "client #1_files", "employees-0001.html"))
	if !strings.Contains(sum, `href="client%20%231_files/employees-0001.html"`) || !strings.Contains(sum, `data-index="client%20%231_files/index.js"`) {
		t.Error("the summary does not link its folder escaped")
	}
	if !strings.Contains(page, `href="../client%20%231.htm">Summary`) {
		t.Error("a page does not link the summary escaped")
	}
}
