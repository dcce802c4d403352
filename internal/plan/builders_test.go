package plan

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestBuilders builds the parts of a varied input one after the other with
// one Builders (and one Slabs, each plan released before the next, as a
// conversion by partition does) and requires of each plan what a plan
// built afresh holds: the same requests byte for byte, and the same
// sources of every value. The builders of one Build are lent to the next;
// a Build with another company ID starts afresh.
func TestBuilders(t *testing.T) {
	sets := variedSets(1800)
	var bs Builders
	var slabs Slabs
	opts := Options{CompanyID: "c", Workers: 2}
	var lent []*builder
	for round, part := range [][]*model.ChangeSet{sets[:400], sets[400:700], sets[700:1500], sets[1500:], sets[:300]} {
		fresh, err := Build(part, opts)
		if err != nil {
			t.Fatal(err)
		}
		o := opts
		o.Builders, o.Slabs = &bs, &slabs
		warm, err := Build(part, o)
		if err != nil {
			t.Fatal(err)
		}
		want, got := encodeAll(t, fresh), encodeAll(t, warm)
		if len(got) != len(want) {
			t.Fatalf("round %d: %d requests, %d built afresh", round, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("round %d: request %d differs from the one built afresh:\n%s\n%s", round, i+1, got[i], want[i])
			}
		}
		for ri, r := range warm.Requests {
			for oi, op := range r.Operations {
				if g, w := op.Sources(), fresh.Requests[ri].Operations[oi].Sources(); !reflect.DeepEqual(g, w) {
					t.Fatalf("round %d: request %d operation %d: sources differ from the plan built afresh", round, ri+1, oi)
				}
			}
		}
		warm.Release()
		if n := len(bs.idle); n == 0 || n > 2 {
			t.Fatalf("round %d: %d idle builders after a Build of two workers", round, n)
		}
		if round > 0 {
			kept := 0
			for _, b := range bs.idle {
				for _, l := range lent {
					if b == l {
						kept++
					}
				}
			}
			if kept == 0 {
				t.Errorf("round %d: no builder of the last Build was lent again", round)
			}
		}
		lent = append(lent[:0], bs.idle...)
		for _, b := range bs.idle {
			if b.opts != nil || b.slab != nil || b.opSlab != nil || b.env != nil || b.check != nil {
				t.Fatalf("round %d: an idle builder holds on to its last plan", round)
			}
		}
	}

	// Another company ID: builders start afresh, and the output has it.
	o := Options{CompanyID: "other", Workers: 2, Builders: &bs}
	p, err := Build(sets[:50], o)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs.idle {
		for _, l := range lent {
			if b == l {
				t.Fatal("a builder of other options was lent to a Build with another company ID")
			}
		}
	}
	fresh, err := Build(sets[:50], Options{CompanyID: "other", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(encodeAll(t, p), encodeAll(t, fresh)) {
		t.Fatal("after a change of company ID, the plan differs from one built afresh")
	}
	var nilBS *Builders
	if b := nilBS.take(&o, nil); b == nil {
		t.Fatal("a nil Builders gave no builder")
	}
	nilBS.give(newBuilder(&o, nil)) // does nothing
}
