package pipeline

import (
	"errors"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// batchLines is what prep makes of a batch in TestScanPrepared: the
// lines of its records, in order.
type batchLines struct{ lines []int }

// TestScanPrepared: add is given, for every record in input order, the
// P that prep made of that record's batch and its index in it, across
// batches and the Ps reused between them; a prep that panics ends the
// scan with an error naming the file, and no goroutine hangs.
func TestScanPrepared(t *testing.T) {
	paths, err := gen.WriteFiles(t.TempDir(), gen.Shape305, 3*readBatch+17, 1)
	if err != nil {
		t.Fatal(err)
	}
	prep := func(recs []*model.Record, b *batchLines) {
		b.lines = b.lines[:0]
		for _, r := range recs {
			b.lines = append(b.lines, r.Pos.Line)
		}
	}
	var lines []int
	add := func(rec *model.Record, b *batchLines, i int) error {
		if b == nil || i >= len(b.lines) || b.lines[i] != rec.Pos.Line {
			t.Fatalf("line %d: prep gave %+v at %d", rec.Pos.Line, b, i)
		}
		lines = append(lines, rec.Pos.Line)
		return nil
	}
	reject := func(r model.RecordResult) error { t.Errorf("rejected: %+v", r); return nil }
	fs, _, err := scanPrepared(paths[0], Options{}, prep, add, reject)
	if err != nil {
		t.Fatal(err)
	}
	if fs.Records != len(lines) || len(lines) < 3*readBatch {
		t.Errorf("%d records summed, %d added; want every one of %d rows", fs.Records, len(lines), 3*readBatch+17)
	}
	for i := 1; i < len(lines); i++ {
		if lines[i] <= lines[i-1] {
			t.Fatalf("record %d at line %d after line %d: out of order", i, lines[i], lines[i-1])
		}
	}

	n := 0
	panicky := func(recs []*model.Record, b *batchLines) {
		if n++; n == 2 {
			panic("boom")
		}
		prep(recs, b)
	}
	_, _, err = scanPrepared(paths[0], Options{}, panicky, func(*model.Record, *batchLines, int) error { return nil }, reject)
	var pe *model.ParseError
	if !errors.As(err, &pe) || !pe.Fatal || pe.File != paths[0] || !strings.Contains(err.Error(), "boom") {
		t.Errorf("a panicking prep: got %v, want a fatal error of %s naming the panic", err, paths[0])
	}

	stop := errors.New("stop")
	_, _, err = scanPrepared(paths[0], Options{}, prep, func(*model.Record, *batchLines, int) error { return stop }, reject)
	if !errors.Is(err, stop) {
		t.Errorf("add failing: got %v, want its error", err)
	}
}
