package report

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestProgress: every format tells Data.Progress how far each walk of the
// plan has read, ending at the plan's size; an error from Progress stops
// the writer, and WriteFile then leaves neither the file nor a temporary
// one behind.
func TestProgress(t *testing.T) {
	st, err := os.Stat(filepath.Join(fixture, "plan.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			d := load(t)
			defer d.Close()
			var calls, ends int
			var last int64
			d.Progress = func(done, total int64) error {
				calls++
				if total != st.Size() {
					t.Errorf("total %d, want the plan's size %d", total, st.Size())
				}
				if done < last && done != 0 {
					t.Errorf("done went back from %d to %d within a walk", last, done)
				}
				if done > total {
					t.Errorf("done %d beyond total %d", done, total)
				}
				if done == total {
					ends++
				}
				last = done
				return nil
			}
			render(t, format, d)
			if calls == 0 || ends == 0 {
				t.Errorf("%d calls, %d walks read to the end: want some", calls, ends)
			}

			stop := errors.New("interrupted")
			d.Progress = func(done, total int64) error {
				if done > 0 {
					return stop
				}
				return nil
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "report."+format)
			if err := WriteFile(format, path, d); !errors.Is(err, stop) {
				t.Fatalf("WriteFile: %v, want the error of Progress", err)
			}
			left, _ := os.ReadDir(dir)
			for _, e := range left {
				t.Errorf("a stopped report left %s", e.Name())
			}
		})
	}
}

// TestWriteFilePrivate: a report file is 0600 whatever the umask, and
// one written over another replaces it whole.
func TestWriteFilePrivate(t *testing.T) {
	d := load(t)
	defer d.Close()
	dir := t.TempDir()
	for _, format := range Formats() {
		path := filepath.Join(dir, "r."+format)
		if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(format, path, d); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 || fi.Size() <= 3 {
			t.Errorf("%s: mode %v, %d bytes: want 0600 and the report", format, fi.Mode().Perm(), fi.Size())
		}
	}
}

// TestHTMLFilePagesReplaced: a paged HTML report replaces the pages of an
// earlier one only when it is complete: one that fails leaves the earlier
// summary and pages as they were; none leaves a hidden folder behind.
func TestHTMLFilePagesReplaced(t *testing.T) {
	d := load(t)
	defer d.Close()
	d.Limits.HTMLPage = 1
	dir := t.TempDir()
	path := filepath.Join(dir, "report.html")
	pages := filepath.Join(dir, "report_files")
	if err := WriteHTMLFile(path, d); err != nil {
		t.Fatal(err)
	}
	// A stale page of a report before it: removed by the next report.
	stale := filepath.Join(pages, "employees-9999.html")
	if err := os.WriteFile(stale, []byte("stale"), 0o600); err != nil {
		t.Fatal(err)
	}
	snapshot := func() map[string]string {
		m := map[string]string{}
		for _, p := range []string{path, pages} {
			filepath.WalkDir(p, func(p string, e os.DirEntry, err error) error {
				if err == nil && !e.IsDir() {
					b, _ := os.ReadFile(p)
					m[p] = string(b)
				}
				return nil
			})
		}
		return m
	}
	before := snapshot()
	if len(before) < 3 {
		t.Fatalf("the fixture makes no paged report: %d files", len(before))
	}
	stop := errors.New("interrupted")
	d.Progress = func(done, total int64) error { return stop }
	if err := WriteHTMLFile(path, d); !errors.Is(err, stop) {
		t.Fatalf("WriteHTMLFile: %v, want the error of Progress", err)
	}
	after := snapshot()
	if len(after) != len(before) {
		t.Errorf("a failed report changed the files: %d before, %d after", len(before), len(after))
	}
	for p, b := range before {
		if after[p] != b {
			t.Errorf("a failed report changed %s", p)
		}
	}
	d.Progress = nil
	if err := WriteHTMLFile(path, d); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a stale page of an earlier report stayed")
	}
	if _, err := os.Stat(filepath.Join(pages, "employees-0001.html")); err != nil {
		t.Errorf("no first page: %v", err)
	}
	if fi, err := os.Stat(pages); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("pages folder: %v", err)
	}
	hidden, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(hidden) > 0 {
		t.Errorf("left behind: %v", hidden)
	}
}
