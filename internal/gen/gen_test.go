package gen_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
)

func read(t *testing.T, data []byte) [][]string {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	rows, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("generated data is not valid CSV: %v", err)
	}
	return rows
}

func TestWrite305(t *testing.T) {
	for _, n := range []int{0, 1, 9, 300} {
		var buf bytes.Buffer
		if err := gen.Write305(&buf, n, 7); err != nil {
			t.Fatal(err)
		}
		rows := read(t, buf.Bytes())
		if len(rows) != n+1 {
			t.Fatalf("rows=%d: got %d CSV rows, want %d", n, len(rows), n+1)
		}
		if rows[0][0] != "100" || len(rows[0]) != 7 {
			t.Fatalf("first row = %v, want a 7-field 100 record", rows[0])
		}
		ids := map[string]bool{}
		for i, r := range rows[1:] {
			if r[0] != "305" || len(r) != 137 {
				t.Fatalf("row %d: type %q with %d fields, want 305 with 137", i, r[0], len(r))
			}
			if r[4] != gen.EmployeeID(i) {
				t.Errorf("row %d: employee ID %q, want %q", i, r[4], gen.EmployeeID(i))
			}
			for _, c := range r[5] {
				if c > 127 || c == ' ' {
					t.Errorf("row %d: login ID %q is not plain ASCII", i, r[5])
					break
				}
			}
			if r[6] != "" {
				t.Errorf("row %d: password field is filled", i)
			}
			for _, k := range []int{59, 60, 61, 62, 77, 80, 88, 94} {
				if ref := r[k-1]; ref != "" && !ids[ref] {
					t.Errorf("row %d field %d: approver %q is not an earlier employee", i, k, ref)
				}
			}
			if i > 0 && r[58] == "" {
				t.Errorf("row %d: no expense report approver", i)
			}
			ids[r[4]] = true
		}
	}
}

func TestWrite305Deterministic(t *testing.T) {
	var a, b, c bytes.Buffer
	for _, x := range []struct {
		buf  *bytes.Buffer
		seed int64
	}{{&a, 1}, {&b, 1}, {&c, 2}} {
		if err := gen.Write305(x.buf, 200, x.seed); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed gave different output")
	}
	if bytes.Equal(a.Bytes(), c.Bytes()) {
		t.Error("different seeds gave the same output")
	}
	if !bytes.Contains(a.Bytes(), []byte(`"Sales, EMEA"`)) {
		t.Error("no quoted field with a comma in 200 rows")
	}
}

type failWriter struct{}

var errFull = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errFull }

func TestWrite305Errors(t *testing.T) {
	if err := gen.Write305(io.Discard, -1, 1); err == nil {
		t.Error("negative row count: want an error")
	}
	if err := gen.Write305(failWriter{}, 1000, 1); !errors.Is(err, errFull) {
		t.Errorf("failing writer: got %v, want %v", err, errFull)
	}
}

func TestWrite305Varied(t *testing.T) {
	var a, b, plain bytes.Buffer
	if err := gen.Write305Varied(&a, 400, 5); err != nil {
		t.Fatal(err)
	}
	if err := gen.Write305Varied(&b, 400, 5); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("the same rows and seed gave different bytes")
	}
	if err := gen.Write305(&plain, 400, 5); err != nil {
		t.Fatal(err)
	}
	rows, base := read(t, a.Bytes()), read(t, plain.Bytes())
	if len(rows) != len(base) {
		t.Fatalf("%d rows, Write305 %d", len(rows), len(base))
	}
	shapes := map[string]bool{}
	for i, r := range rows[1:] {
		want := base[i+1]
		// The identity and what UPS requires of a new user stay.
		for _, k := range []int{1, 2, 4, 5, 6, 8, 9, 10, 13, 15} {
			if r[k-1] != want[k-1] {
				t.Errorf("row %d field %d = %q, want Write305's %q", i, k, r[k-1], want[k-1])
			}
		}
		shape := make([]byte, len(r))
		for k, v := range r {
			if v != "" {
				shape[k] = 1
			}
		}
		shapes[string(shape)] = true
	}
	if len(shapes) < 300 {
		t.Errorf("%d sets of filled fields among 400 rows: want nearly one per row", len(shapes))
	}
	basic := map[string]bool{}
	for _, r := range base[1:] {
		shape := make([]byte, len(r))
		for k, v := range r {
			if v != "" {
				shape[k] = 1
			}
		}
		basic[string(shape)] = true
	}
	t.Logf("filled-field sets: varied %d, Write305 %d", len(shapes), len(basic))
}

func TestWrite305Lacking(t *testing.T) {
	var lacking, plain bytes.Buffer
	if err := gen.Write305Lacking(&lacking, 50, 9); err != nil {
		t.Fatal(err)
	}
	if err := gen.Write305(&plain, 50, 9); err != nil {
		t.Fatal(err)
	}
	rows, base := read(t, lacking.Bytes()), read(t, plain.Bytes())
	if len(rows) != len(base) {
		t.Fatalf("%d rows, Write305 %d", len(rows), len(base))
	}
	for i, r := range rows[1:] {
		want := slices.Clone(base[i+1])
		if want[12] == "" {
			t.Fatalf("row %d: Write305 gives no currency: the test tests nothing", i)
		}
		want[12] = ""
		if !slices.Equal(r, want) {
			t.Errorf("row %d = %v, want Write305's without field 13: %v", i, r, want)
		}
	}
}
