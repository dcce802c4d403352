package pipeline

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// byRanges is the runs of seen made by ranges to the end.
func byRanges(seen []spillSeen) (n int) {
	for _, s := range seen {
		if s.ranged {
			n++
		}
	}
	return n
}

// TestSpillRanges: a file grouped by employee, and files of other record
// types for its employees, run by ranges, the operations written straight
// into the bulk files, with the outputs of Convert: with a finding on
// every operation (no company ID), with small requests, and when
// partitions run again (a forward reference to an employee that ends
// rejected takes the writers back to the first of them, in the middle of
// an open request).
func TestSpillRanges(t *testing.T) {
	var b bytes.Buffer
	if err := gen.Write305(&b, 300, 8); err != nil {
		t.Fatal(err)
	}
	grouped := write(t, map[string]string{"in.csv": b.String()})
	for _, opts := range []Options{
		{},
		{Options: plan.Options{CompanyID: companyID, MaxOps: 7, MaxBytes: 20000}},
	} {
		seen := checkSpillSame(t, grouped, opts)
		if n := byRanges(seen); n != len(spillParts) {
			t.Errorf("%+v: %d runs by ranges, want %d: %+v", opts.Options, n, len(spillParts), seen)
		}
	}

	// The benchmark's mixed shape: 305, 350, 400 and 500 records in files
	// of their own, not grouped by employee, by ranges all the same.
	mixed, err := gen.WriteFiles(t.TempDir(), gen.ShapeMixed, 400, 6)
	if err != nil {
		t.Fatal(err)
	}
	seen := checkSpillSame(t, mixed, Options{Options: plan.Options{CompanyID: companyID}})
	if n := byRanges(seen); n != len(spillParts) {
		t.Errorf("mixed files: %d runs by ranges, want %d: %+v", n, len(spillParts), seen)
	}

	rows := []string{"100,0,SSO,UPDATE,EN,N,N"}
	for i := range 12 {
		extra := map[int]string{}
		switch i {
		case 4:
			extra[59] = "A" // refers to A, further on, rejected
		case 9:
			extra[15] = "maybe"
		}
		emp := fmt.Sprintf("E%02d", i)
		if i == 9 {
			emp = "A"
		}
		rows = append(rows, row305("First"+emp, "Last", emp, "en_US", "US", "", "USD", extra))
	}
	forward := write(t, map[string]string{"in.csv": strings.Join(rows, "\n") + "\n"})
	// Without a directory, the reference is resolved at submit: the
	// partition's at-submit entries are mended.
	seen = checkSpillSame(t, forward, Options{Options: plan.Options{CompanyID: companyID, MaxOps: 3}})
	last := seen[len(seen)-1]
	if !last.ranged || last.rounds != 1 || last.mended == 0 {
		t.Errorf("7 partitions by ranges: %+v: want the run by ranges, a partition mended", last)
	}
	// With one, it is rejected: the partitions from there on run again.
	dir, err := plan.NewDirectory([]plan.DirEntry{{EmployeeNumber: "Z9", ID: "00000000-1111-4111-8111-111111111111",
		Pos: model.Position{File: "dir.csv", Line: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	seen = checkSpillSame(t, forward, Options{Options: plan.Options{CompanyID: companyID, MaxOps: 3, Directory: dir}})
	last = seen[len(seen)-1]
	if !last.ranged || last.rounds < 2 || last.mended != 0 {
		t.Errorf("7 partitions by ranges, a directory: %+v: want the run by ranges and a second round", last)
	}
}

// TestKeyTable compares keyTable with a map, through its growths, with
// hashes that collide in their low bits.
func TestKeyTable(t *testing.T) {
	var kt keyTable
	want := map[uint64]int{}
	for i := range 20000 {
		h := uint64(i) << 20 // one slot for all but the high bits
		if i%3 == 0 {
			h = uint64(i)*0x9e3779b97f4a7c15 + 1
		}
		if got := kt.get(h); got != -1 {
			t.Fatalf("get(%#x) = %d before put", h, got)
		}
		kt.put(h, i%700)
		want[h] = i % 700
	}
	if kt.n != len(want) {
		t.Errorf("%d keys, want %d", kt.n, len(want))
	}
	for h, r := range want {
		if got := kt.get(h); got != r {
			t.Fatalf("get(%#x) = %d, want %d", h, got, r)
		}
	}
	if got := kt.get(12345); got != -1 {
		t.Errorf("a key never put: %d", got)
	}
}

// TestKeyTableReserve: a table reserved for n keys takes n without
// growing, and finds each; a reserve after the first put, or for fewer
// slots than it has, changes nothing; expectedKeys stops at maxReserved.
func TestKeyTableReserve(t *testing.T) {
	for _, n := range []int{0, 1, 3071, 3072, 3073, 100000} {
		var kt keyTable
		kt.reserve(n)
		size := len(kt.slots)
		if size < 1<<12 || size&(size-1) != 0 || 4*n > 3*size {
			t.Fatalf("reserve(%d): %d slots, want a power of two ≥ 4096 holding %d at ¾", n, size, n)
		}
		for i := range n {
			kt.put(uint64(i)*0x9e3779b97f4a7c15+7, i%9)
		}
		if len(kt.slots) != size {
			t.Errorf("reserve(%d): grew from %d to %d slots", n, size, len(kt.slots))
		}
		for i := range n {
			if got := kt.get(uint64(i)*0x9e3779b97f4a7c15 + 7); got != i%9 {
				t.Fatalf("reserve(%d): get of key %d = %d, want %d", n, i, got, i%9)
			}
		}
		kt.reserve(4 * n)
		if n > 0 && len(kt.slots) != size {
			t.Errorf("reserve after puts resized: %d slots, want %d", len(kt.slots), size)
		}
	}
	var kt keyTable
	kt.reserve(40000) // 65,536 slots hold 49,152 at ¾
	kt.reserve(10)
	if len(kt.slots) != 1<<16 {
		t.Errorf("a smaller reserve left the table at %d slots, want 65536", len(kt.slots))
	}
	if got := expectedKeys(1 << 40); got != maxReserved {
		t.Errorf("expectedKeys(1 TiB) = %d, want the cap %d", got, maxReserved)
	}
	if got := expectedKeys(80 << 20); got != 80<<20/bytesPerKey {
		t.Errorf("expectedKeys(80 MiB) = %d", got)
	}
}

// TestRangeOf: a new employee joins the current range, cut once it holds
// its share; an employee met before goes back to its range; records of
// one position stay together, and one that would split them (an
// employee of another range on the line) ends the ranges (-1).
func TestRangeOf(t *testing.T) {
	in, err := newBlockStore(t.TempDir(), "records", 4)
	if err != nil {
		t.Fatal(err)
	}
	defer in.close()
	s := &spillRun{in: in, ranged: true}
	s.rg.target = 100
	at := func(line int) model.Position { return model.Position{File: "in.csv", Line: line} }
	for i, tc := range []struct {
		h     uint64
		keyed bool
		pos   model.Position
		want  int
	}{
		{1, true, at(2), 0},
		{1, true, at(3), 0},  // 120 bytes in range 0 now
		{2, true, at(4), 1},  // new employee, range 0 full: cut
		{1, true, at(5), 0},  // back to its range
		{9, false, at(6), 1}, // no employee: the current range
		{3, true, at(6), 1},  // one position: with the record before
		{4, true, at(7), 2},  // range 1 full: cut
		{5, true, at(7), 2},  // one position, a new employee: together
		{1, true, at(7), -1}, // one position, an employee of range 0
	} {
		got, err := s.rangeOf(tc.h, tc.keyed, tc.pos, 60)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Fatalf("record %d (key %d, %v): range %d, want %d", i, tc.h, tc.pos, got, tc.want)
		}
		if got >= 0 {
			in.add(got, []byte{0})
		}
	}
}

// TestRebucketKeys: by ranges the keys read are in the ranges' table, not
// in s.keys; going on by hash, during the read pass or after it (when
// s.keys holds them already), leaves s.keys every key once, sorted.
func TestRebucketKeys(t *testing.T) {
	for _, after := range []bool{false, true} {
		dir := t.TempDir()
		in, err := newBlockStore(dir, "records", 4)
		if err != nil {
			t.Fatal(err)
		}
		s := &spillRun{in: in, ranged: true, tmp: dir, hashParts: 4}
		s.rg.target = 100
		keys := []uint64{42, 7, 19, 7, 3}
		for i, h := range keys {
			if _, err := s.rangeOf(h, true, model.Position{File: "in.csv", Line: i + 2}, 60); err != nil {
				t.Fatal(err)
			}
		}
		if after { // the read pass over: s.keys from the table (read)
			s.keys = compactHashes(s.rg.keys.appendHashes(s.keys))
		}
		if err := s.rebucket(); err != nil {
			t.Fatal(err)
		}
		if want := []uint64{3, 7, 19, 42}; !slices.Equal(s.keys, want) {
			t.Errorf("after the read pass %v: s.keys = %v, want %v", after, s.keys, want)
		}
		s.in.close()
	}
}
