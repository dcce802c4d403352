package mapping

import (
	"encoding/json"
	"testing"
)

// TestBlocksReused: engines that map into blocks an earlier engine gave
// back make the change sets and results of an engine without Blocks, and
// the blocks given back hold nothing.
func TestBlocksReused(t *testing.T) {
	set := mustDefault(t)
	recs := sampleRecords(t)
	snapshot := func(e *Engine) string {
		for _, r := range recs {
			e.Add(r)
		}
		css, res := e.Finish()
		b, err := json.Marshal(struct {
			Sets    any
			Results any
		}{css, res})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := snapshot(NewEngine(set, Options{}))
	var blocks Blocks
	for round := range 3 {
		e := NewEngine(set, Options{Blocks: &blocks})
		free := len(blocks.attrs.list) + len(blocks.vals.list) + len(blocks.orgs.list) + len(blocks.contribs.list)
		if got := snapshot(e); got != want {
			t.Fatalf("round %d: the change sets differ from an engine's without blocks", round)
		}
		if round > 0 && len(blocks.attrs.list)+len(blocks.vals.list)+len(blocks.orgs.list)+len(blocks.contribs.list) >= free {
			t.Errorf("round %d: the engine took none of the %d free blocks", round, free)
		}
		e.Release()
	}
	if len(blocks.attrs.list) == 0 || len(blocks.vals.list) == 0 || len(blocks.orgs.list) == 0 || len(blocks.contribs.list) == 0 {
		t.Fatalf("blocks not given back: attrs %d, vals %d, origins %d, contributions %d",
			len(blocks.attrs.list), len(blocks.vals.list), len(blocks.orgs.list), len(blocks.contribs.list))
	}
	for _, b := range blocks.attrs.list {
		for i, a := range b[:cap(b)] {
			if a.Site != nil || a.Origin != nil || a.Str != "" {
				t.Fatalf("a free block keeps attribute %d: %+v", i, a)
			}
		}
	}
	for _, b := range blocks.contribs.list {
		for i := range b[:cap(b)] {
			if c := &b[:cap(b)][i]; c.origin != nil || c.vals != nil || c.key != "" {
				t.Fatalf("a free block keeps contribution %d", i)
			}
		}
	}
}
