package dropbehind

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestNotAFile(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d := New()
	go io.Copy(io.Discard, r)
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	d.Finished(w)
	w.Close()
	if err := d.Close(); err != nil {
		t.Errorf("a pipe: Close = %v, want nil (nothing to drop)", err)
	}
}

func TestNil(t *testing.T) {
	var d *Dropper
	f, err := os.Create(filepath.Join(t.TempDir(), "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if w := d.Writer(f); w != io.Writer(f) {
		t.Errorf("nil Dropper: Writer = %T, want the file itself", w)
	}
	d.Finished(f)
	if err := d.Close(); err != nil {
		t.Errorf("nil Dropper: Close = %v", err)
	}
}
