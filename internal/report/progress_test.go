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
				if !e.IsDir() { // an HTML report's pages folder may stay
					t.Errorf("a stopped report left %s", e.Name())
				}
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
