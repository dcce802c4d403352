package report

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

// TestSpoolFeed: a spool fed through a spoolFeed holds what adding each
// item directly gives, in the same order and by the same employees, for
// counts around the batch size; close may be called twice.
func TestSpoolFeed(t *testing.T) {
	for _, n := range []int{0, 1, feedBatch - 1, feedBatch, feedBatch + 1, 3*feedBatch*feedBatches + 7} {
		direct, fed := newSpool[Warning](), newSpool[Warning]()
		f := newSpoolFeed(func(w *Warning, emp string) error { return fed.add(w, emp) })
		for i := range n {
			w := Warning{Origin: OriginRecord, Employee: fmt.Sprintf("E%d", i%13), Message: fmt.Sprintf("warning %d", i)}
			if i%5 == 0 {
				w.Employee = ""
			}
			if err := direct.add(&w, w.Employee); err != nil {
				t.Fatal(err)
			}
			if err := f.add(&w, w.Employee); err != nil {
				t.Fatal(err)
			}
			w.Message = "changed after add" // the feed holds a copy
		}
		if err := f.close(); err != nil {
			t.Fatal(err)
		}
		if err := f.close(); err != nil {
			t.Fatal(err)
		}
		for _, s := range []*spool[Warning]{direct, fed} {
			if err := s.done(); err != nil {
				t.Fatal(err)
			}
		}
		if direct.len() != fed.len() {
			t.Fatalf("%d items: fed %d, direct %d", n, fed.len(), direct.len())
		}
		var a, b []Warning
		direct.each(func(w *Warning) error { a = append(a, *w); return nil })
		fed.each(func(w *Warning) error { b = append(b, *w); return nil })
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%d items: the fed spool lists other items", n)
		}
		for e := range 13 {
			emp := fmt.Sprintf("E%d", e)
			x, err := direct.of(emp, nil)
			if err != nil {
				t.Fatal(err)
			}
			y, err := fed.of(emp, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(x, y) {
				t.Fatalf("%d items: %s's items differ", n, emp)
			}
		}
		direct.close()
		fed.close()
	}
}

// TestSpoolFeedError: the first error of the spool's add is close's, and
// no item after it is added.
func TestSpoolFeedError(t *testing.T) {
	full := errors.New("disk full")
	added := 0
	f := newSpoolFeed(func(w *Warning, emp string) error {
		added++
		if added == 3 {
			return full
		}
		if added > 3 {
			return errors.New("added after the error")
		}
		return nil
	})
	w := Warning{Message: "w"}
	for range feedBatch + 1 {
		f.add(&w, "E1")
	}
	if err := f.close(); !errors.Is(err, full) {
		t.Errorf("close = %v, want %v", err, full)
	}
	if err := f.close(); !errors.Is(err, full) {
		t.Errorf("a second close = %v, want %v", err, full)
	}
	if added != 3 {
		t.Errorf("%d adds, want 3 (none after the error)", added)
	}
}
