package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// TestConsumer reads sections that share pages with their neighbours, in
// every size from empty to a few megabytes, through a consuming reader:
// it reads each entry as written, frees none of the neighbours' bytes, and
// frees most of its own where the file system can.
func TestConsumer(t *testing.T) {
	w, err := newEntryWriter(t.TempDir(), "spill")
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	entry := func(s, i int) []byte { // entries of uneven sizes, none page aligned
		return bytes.Repeat([]byte{byte('a' + (s+i)%26)}, 1+(i*977+s*131)%5000)
	}
	counts := []int{0, 1, 3, 700, 1500, 40}
	var secs []section
	for s, n := range counts {
		start := w.off
		for i := range n {
			if err := w.entry(entry(s, i)); err != nil {
				t.Fatal(err)
			}
		}
		secs = append(secs, section{start, w.off - start})
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	read := func(r *entryReader, s int) error {
		for i := 0; ; i++ {
			p, err := r.next()
			if err == io.EOF {
				if i != counts[s] {
					return fmt.Errorf("section %d: %d entries, want %d", s, i, counts[s])
				}
				return nil
			}
			if err != nil {
				return err
			}
			if !bytes.Equal(p, entry(s, i)) {
				return fmt.Errorf("section %d entry %d: %.20q…, want %.20q…", s, i, p, entry(s, i))
			}
		}
	}
	before := allocated(t, w)
	for _, s := range []int{4, 1, 3, 0} { // consumed in any order, neighbours of unread ones
		if err := read(w.consumer(secs[s], 4<<10), s); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []int{2, 5} {
		if err := read(w.reader(secs[s], 4<<10), s); err != nil {
			t.Fatalf("a neighbour was freed: %v", err)
		}
	}
	if before < 0 {
		return // the file system does not say what it holds
	}
	after := allocated(t, w)
	if freed, big := before-after, secs[3].n+secs[4].n; freed < big-4*freeGrain {
		t.Errorf("freed %d bytes of the %d consumed", freed, big)
	}
}

// TestConsumerFailsLikeReader: a section past the end of the file ends in
// io.ErrUnexpectedEOF, named by file and offset, as with reader.
func TestConsumerFailsLikeReader(t *testing.T) {
	w, err := newEntryWriter(t.TempDir(), "spill")
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if err := w.entry([]byte("whole")); err != nil {
		t.Fatal(err)
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	r := w.consumer(section{0, w.off + 10}, 4<<10)
	if p, err := r.next(); err != nil || string(p) != "whole" {
		t.Fatalf("first entry: %q, %v", p, err)
	}
	if _, err := r.next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut entry: %v, want io.ErrUnexpectedEOF", err)
	}
}
