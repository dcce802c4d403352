package report

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
)

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
		w := hw{Writer: bufio.NewWriter(&b)}
		w.code(tt.in)
		w.Flush()
		if b.String() != tt.want {
			t.Errorf("code(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

// TestPlanLinesAhead: planLines gives the same lines, and the same
// error, reading ahead of fn as on its goroutine; it stops when fn fails
// and when the plan is malformed.
func TestPlanLinesAhead(t *testing.T) {
	files, err := gen.WriteFiles(t.TempDir(), gen.ShapeMixed, 80, 5)
	must(t, err)
	dir := convertRun(t, files)
	plan, err := os.ReadFile(filepath.Join(dir, "plan.jsonl"))
	must(t, err)
	bad := filepath.Join(t.TempDir(), "plan.jsonl")
	must(t, os.WriteFile(bad, append(plan, "{\"emp\":\"x\",\"attrs\":[[99999,\"v\"]]}\n"...), 0o600))
	defer func(n int) { planAhead = n }(planAhead)
	read := func(path string, ahead, failAt int) ([]planLine, []int, error) {
		planAhead = ahead
		var lines []planLine
		var ns []int
		err := planLines(path, nil, func(pl *planLine, n int) error {
			if len(lines) == failAt {
				return errors.New("fn failed")
			}
			c := *pl
			c.members = nil // a memo, not the line
			c.Attrs = append([]planAttr(nil), pl.Attrs...)
			c.Refs = nil
			for _, r := range pl.Refs {
				r.Attrs = append([]planAttr(nil), r.Attrs...)
				c.Refs = append(c.Refs, r)
			}
			c.Operations = append([]opRef(nil), pl.Operations...)
			if pl.Rename != nil {
				rn := *pl.Rename
				c.Rename = &rn
			}
			c.rename = planRename{}
			lines, ns = append(lines, c), append(ns, n)
			return nil
		})
		return lines, ns, err
	}
	for _, path := range []string{filepath.Join(dir, "plan.jsonl"), bad} {
		for _, failAt := range []int{-1, 0, 5} {
			want, wantN, wantErr := read(path, 0, failAt)
			for _, ahead := range []int{1, 4, 16} {
				got, gotN, gotErr := read(path, ahead, failAt)
				if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
					t.Errorf("%s, fn failing at %d, %d ahead: %v, want %v", filepath.Base(filepath.Dir(path)), failAt, ahead, gotErr, wantErr)
				}
				if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotN, wantN) {
					t.Errorf("%s, fn failing at %d, %d ahead: %d lines, other than the %d on fn's goroutine", path, failAt, ahead, len(got), len(want))
				}
			}
			if failAt < 0 && len(want) < 80 {
				t.Errorf("%s: %d lines", path, len(want))
			}
			if (path == bad || failAt >= 0) != (wantErr != nil) {
				t.Errorf("%s, fn failing at %d: error %v", path, failAt, wantErr)
			}
		}
	}
}

// TestMemberValue: a member's value reads "add X" or "remove X" whatever
// the memo holds, and the memo stays within its bound.
func TestMemberValue(t *testing.T) {
	var pl planLine
	for i := range 3 * maxMemberValues {
		m := "ROLE_" + strconv.Itoa(i%(2*maxMemberValues))
		for _, add := range []bool{true, false} {
			want := "remove " + m
			if add {
				want = "add " + m
			}
			if got := pl.memberValue(add, m); got != want {
				t.Fatalf("memberValue(%t, %q) = %q, want %q", add, m, got, want)
			}
		}
		if len(pl.members) > maxMemberValues {
			t.Fatalf("memo holds %d values, more than %d", len(pl.members), maxMemberValues)
		}
	}
}
