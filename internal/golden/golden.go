package golden

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// Update is the -update flag: when set, Check and CheckDir rewrite the
// golden files from the output instead of comparing them.
var Update = flag.Bool("update", false, "rewrite golden files")

// Check compares got with the golden file at path; with -update it writes
// got there (creating the directory) instead.
func Check(t testing.TB, path string, got []byte) {
	t.Helper()
	if *Update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test -update and review the diff)\n%s", path, FirstDiff(got, want))
	}
}

// CheckDir compares the files of directory gotDir (not its
// subdirectories) with those of the golden directory dir: the same names,
// the same bytes. With -update it replaces dir with a copy of gotDir.
func CheckDir(t testing.TB, dir, gotDir string) {
	t.Helper()
	if *Update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.CopyFS(dir, os.DirFS(gotDir)); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, want := files(t, gotDir), files(t, dir)
	if len(got) != len(want) {
		t.Errorf("%d output files, %s has %d", len(got), dir, len(want))
	}
	for _, name := range got {
		a, err := os.ReadFile(filepath.Join(gotDir, name))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: no golden file (run go test -update)", name)
			continue
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from %s (run go test -update after checking the change)\n%s", name, filepath.Join(dir, name), FirstDiff(a, b))
		}
	}
}

// files lists the names of the entries of dir, sorted.
func files(t testing.TB, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(m))
	for i, p := range m {
		names[i] = filepath.Base(p)
	}
	sort.Strings(names)
	return names
}

// FirstDiff describes the first line where got and want differ ("" when
// they are equal).
func FirstDiff(got, want []byte) string {
	gl, wl := bytes.Split(got, []byte{'\n'}), bytes.Split(want, []byte{'\n'})
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w []byte
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if !bytes.Equal(g, w) {
			return "line " + strconv.Itoa(i+1) + ":\n got: " + string(g) + "\nwant: " + string(w)
		}
	}
	return ""
}
