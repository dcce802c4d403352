package pipeline

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVecWriter: pieces added and copied reach the file in order, the
// copies past smallCap by a flush of their own, one larger than smallCap
// as a piece of its own; a piece reused after a flush changes nothing
// written; reset drops what is pending.
func TestVecWriter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := newVecWriter()
	v.reset(f)
	var want bytes.Buffer
	op := []byte(`{"op":1}`)
	for i := range 3000 { // more pieces than one writev takes
		sep := []byte{',', byte('a' + i%26)}
		if err := v.addCopy(sep); err != nil {
			t.Fatal(err)
		}
		v.add(op)
		want.Write(sep)
		want.Write(op)
	}
	big := []byte(strings.Repeat("b", smallCap+10))
	if err := v.addCopy(big); err != nil {
		t.Fatal(err)
	}
	want.Write(big)
	v.add(nil)
	if err := v.flush(); err != nil {
		t.Fatal(err)
	}
	copy(op, `{"op":2}`) // the plan's memory, reused after the flush
	if err := v.addCopy([]byte("]")); err != nil {
		t.Fatal(err)
	}
	v.reset(f) // dropped, not written
	if err := v.flush(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("the file differs from what was written, %s", firstDiff(want.Bytes(), got))
	}
	v.reset(f)
	f.Close()
	v.add([]byte("x"))
	if err := v.flush(); err == nil || !strings.Contains(err.Error(), "out") {
		t.Errorf("a write to a closed file: %v, want an error naming it", err)
	}
}
