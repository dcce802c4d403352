package mapping

import (
	"strconv"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/spec"
)

// readSpec returns the rows of the spec file rel ("records/305.csv"), read
// through package spec.
func readSpec(t *testing.T, rel string) []map[string]string {
	t.Helper()
	tb, err := spec.ReadTable(rel)
	if err != nil {
		t.Fatal(err)
	}
	return tb.Records()
}

// TestEveryRecordFieldCovered checks that every field position 1..N of every
// in-scope record type has exactly one row, N being the spec's field count,
// and that the rows follow the spec's field names (no shifted positions).
func TestEveryRecordFieldCovered(t *testing.T) {
	set := mustDefault(t)
	n := 0
	for _, rt := range readSpec(t, "records/README.csv") {
		if !strings.HasPrefix(rt["note"], "in scope") {
			continue
		}
		n++
		code := rt["record_type"]
		want, err := strconv.Atoi(rt["field_count"])
		if err != nil {
			t.Fatalf("%s: field count %q", code, rt["field_count"])
		}
		tb, ok := set.Table(code)
		if !ok {
			t.Errorf("record type %s has no table", code)
			continue
		}
		if tb.FieldCount() != want {
			t.Errorf("table %s covers %d fields, spec says %d", code, tb.FieldCount(), want)
		}
		seen := map[int]int{}
		for _, r := range tb.Rows() {
			p, err := strconv.Atoi(r.SourceField)
			if err != nil {
				t.Errorf("%s: source field %q", tb.RowRef(r), r.SourceField)
				continue
			}
			seen[p]++
		}
		for p := 1; p <= want; p++ {
			if seen[p] != 1 {
				t.Errorf("table %s: field %d has %d rows", code, p, seen[p])
			}
		}
		spec := readSpec(t, "records/"+code+".csv")
		rows := tb.Rows()
		for i, f := range spec {
			if i < len(rows) && (rows[i].SourceField != f["field"] || rows[i].Name != f["name"]) {
				t.Errorf("%s: row %s %q, spec field %s %q", tb.RowRef(rows[i]), rows[i].SourceField, rows[i].Name, f["field"], f["name"])
			}
		}
	}
	if n != 10 {
		t.Errorf("%d in-scope record types, want 10", n)
	}
}

// TestEveryLegacyFieldCovered checks that every V1 element and every 3.x
// item property has a row.
func TestEveryLegacyFieldCovered(t *testing.T) {
	set := mustDefault(t)
	v1, _ := set.Table("v1")
	for _, el := range readSpec(t, "legacy/users-v1.csv") {
		if v1.c.lookup(el["element"]) == nil {
			t.Errorf("v1: element %s has no row", el["element"])
		}
	}
	for _, p := range readSpec(t, "legacy/users-v3.csv") {
		if p["context"] != "item" {
			continue
		}
		tb, ok := set.Table("v" + p["api"])
		if !ok {
			t.Fatalf("no table v%s", p["api"])
		}
		key := p["field"]
		if strings.HasPrefix(p["type"], "array") {
			key += "[0].Value"
		}
		if tb.c.lookup(key) == nil {
			t.Errorf("v%s: property %s has no row", p["api"], key)
		}
	}
}
