package mapping

import (
	"strconv"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/concur"
)

// TestConcurTypesCovered checks the tables against the record types the
// flat-file reader declares: one table per type, one row per position with
// the reader's field name, and the reader's maximum length on mapped rows.
func TestConcurTypesCovered(t *testing.T) {
	set := mustDefault(t)
	types := concur.Types()
	if len(types) == 0 {
		t.Fatal("concur.Types() is empty")
	}
	for _, rt := range types {
		tb, ok := set.Table(rt.Code)
		if !ok {
			t.Errorf("record type %s (%s) has no mapping table", rt.Code, rt.Name)
			continue
		}
		if tb.FieldCount() != len(rt.Fields) {
			t.Errorf("table %s has %d positions, the reader %d", rt.Code, tb.FieldCount(), len(rt.Fields))
		}
		rows := tb.Rows()
		byPos := map[int]Row{}
		for _, r := range rows {
			n, _ := strconv.Atoi(r.SourceField)
			byPos[n] = r
		}
		for _, f := range rt.Fields {
			r, ok := byPos[f.Number]
			if !ok {
				t.Errorf("%s field %d (%s) has no row", rt.Code, f.Number, f.Name)
				continue
			}
			if r.Name != f.Name {
				t.Errorf("%s: field %d is %q in the table, %q in the reader", tb.RowRef(r), f.Number, r.Name, f.Name)
			}
			mapped := r.TargetSchema != "" && r.TargetSchema != NotSupported
			if mapped && r.MaxLength != "" && r.MaxLength != strconv.Itoa(f.MaxLen) {
				t.Errorf("%s: field %d max length %s, reader %d", tb.RowRef(r), f.Number, r.MaxLength, f.MaxLen)
			}
		}
		if l, ok := concur.Lookup(rt.Code); !ok || l != rt {
			t.Errorf("concur.Lookup(%s) disagrees with Types()", rt.Code)
		}
	}
}
