package plan

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
)

// tmplKeys are the keys of random trees: some URNs, some that sort before
// and after each other, one needing escapes.
var tmplKeys = []string{"a", "b", "value", "type", "urn:x:User", "urn:a:Z", "Operations", "z", "k\"\\<", "é"}

var tmplStrs = []string{"", "plain", "quote\" back\\", "ctl\x01\t\n", "\u2028x", "bad\xff", "漢🙂", "long-ascii-run-0123456789"}

// randTree is a random node tree; consts says whether strings may be
// stored as string (folded into templates) as well as *string.
func randTree(r *rand.Rand, depth int) *obj {
	o := &obj{}
	n := r.IntN(5)
	for range n {
		o.set(tmplKeys[r.IntN(len(tmplKeys))], randValue(r, depth+1))
	}
	return o
}

func randValue(r *rand.Rand, depth int) any {
	k := r.IntN(10)
	if depth > 3 && k < 3 {
		k += 3
	}
	switch k {
	case 0, 1:
		return randTree(r, depth)
	case 2:
		a := &arr{}
		for range r.IntN(4) {
			a.add(randValue(r, depth+1))
		}
		if r.IntN(4) == 0 && len(a.vals) > 0 {
			var e encoder
			a.enc, _ = e.array(nil, a.vals, 0)
			if bytes.ContainsAny(a.enc, "{}") {
				a.enc = nil // constant arrays hold no nodes
			}
		}
		return a
	case 3:
		return tmplStrs[r.IntN(len(tmplStrs))]
	case 4, 5:
		s := tmplStrs[r.IntN(len(tmplStrs))]
		return &s
	case 6:
		return r.IntN(2) == 0
	case 7:
		return json.Number(strconv.Itoa(r.IntN(100) - 50))
	case 8:
		return nil
	default:
		return []any{"x", map[string]any{"b": true, "a": nil}}
	}
}

// mutate changes t in place: mostly its scalar values, sometimes its
// structure.
func mutate(r *rand.Rand, v any, depth int) {
	var vals []any
	switch x := v.(type) {
	case *obj:
		vals = x.vals
		if r.IntN(12) == 0 {
			x.set(tmplKeys[r.IntN(len(tmplKeys))], randValue(r, depth+1))
			return
		}
		if r.IntN(20) == 0 && len(x.keys) > 0 {
			x.del(x.keys[r.IntN(len(x.keys))])
			return
		}
	case *arr:
		if x.enc != nil {
			return
		}
		vals = x.vals
		if r.IntN(12) == 0 {
			x.add(randValue(r, depth+1))
			return
		}
	}
	for i, e := range vals {
		switch e.(type) {
		case *obj, *arr:
			if r.IntN(15) == 0 {
				vals[i] = randValue(r, depth+1)
			} else {
				mutate(r, e, depth+1)
			}
		default:
			switch r.IntN(4) {
			case 0:
				vals[i] = randValue(r, depth+1)
			case 1:
				s := tmplStrs[r.IntN(len(tmplStrs))] + "-" + strconv.Itoa(r.IntN(9))
				vals[i] = &s
			}
		}
	}
}

// TestTemplateMatchesEncoder compares the templates (encoder.data) with
// the reference encoder (encoder.member) over random trees changed in
// place between encodings, compact and indented.
func TestTemplateMatchesEncoder(t *testing.T) {
	for _, indent := range []bool{false, true} {
		for seed := range uint64(300) {
			r := rand.New(rand.NewPCG(seed, 7))
			ref := encoder{indent: indent, orders: new([keyOrders]*keyOrder)}
			fast := encoder{indent: indent, orders: new([keyOrders]*keyOrder), tmpls: new([numPhases]tmplSet)}
			root := randTree(r, 0)
			for step := range 30 {
				phase := r.IntN(numPhases)
				want, werr := ref.member(nil, root, 3)
				got, gerr := fast.data([]byte("prefix"), root, phase, 3)
				if (werr != nil) != (gerr != nil) {
					t.Fatalf("indent=%v seed %d step %d: errors %v, %v", indent, seed, step, werr, gerr)
				}
				if werr == nil && !bytes.Equal(got[len("prefix"):], want) {
					t.Fatalf("indent=%v seed %d step %d:\n got %s\nwant %s", indent, seed, step, got, want)
				}
				if r.IntN(10) == 0 {
					root = randTree(r, 0)
				} else {
					mutate(r, root, 0)
				}
			}
		}
	}
}

// TestTemplateBuild compares plans built with and without templates over
// generated users, some of them changed (attributes left out, values with
// escapes), compact and indented, created and replaced.
func TestTemplateBuild(t *testing.T) {
	sets := genSets(300)
	r := rand.New(rand.NewPCG(1, 2))
	for _, cs := range sets {
		if r.IntN(5) == 0 {
			i := r.IntN(len(cs.Attrs))
			cs.Attrs = append(cs.Attrs[:i:i], cs.Attrs[i+1:]...)
		}
		if r.IntN(5) == 0 {
			cs.Attrs[0].Str = tmplStrs[r.IntN(len(tmplStrs))]
		}
		if r.IntN(7) == 0 {
			cs.Refs = cs.Refs[:r.IntN(len(cs.Refs))]
		}
	}
	var entries []DirEntry
	for i, cs := range sets {
		if i%3 == 0 {
			entries = append(entries, DirEntry{EmployeeNumber: cs.EmployeeID, ID: "uuid-" + strconv.Itoa(i)})
		}
	}
	dir, err := NewDirectory(entries)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{CompanyID: "c0"}, {CompanyID: "c0", Indent: true}, {Directory: dir, Replace: true},
		{Directory: dir}, {Directory: dir, Indent: true, Replace: true}} {
		o.Workers = 1
		withT, err := Build(sets, o)
		if err != nil {
			t.Fatal(err)
		}
		encTemplates = false
		without, err := Build(sets, o)
		encTemplates = true
		if err != nil {
			t.Fatal(err)
		}
		if len(withT.Requests) != len(without.Requests) {
			t.Fatalf("%d requests, want %d", len(withT.Requests), len(without.Requests))
		}
		for i := range withT.Requests {
			if got, want := withT.Requests[i].Bytes(), without.Requests[i].Bytes(); !bytes.Equal(got, want) {
				t.Fatalf("options %+v: request %d differs:\n got %s\nwant %s", o, i, got, want)
			}
		}
	}
}

// TestTmplSlotWays: trees alternating between two or three structures
// (a feed's usual variety) are written by way of a template each once it
// is compiled, not compiled again at each change; more structures than
// ways evict the least recently used and still write what the reference
// encoder writes.
func TestTmplSlotWays(t *testing.T) {
	trees := make([]*obj, tmplWays+1)
	for i := range trees {
		o := &obj{}
		for k := 0; k <= i; k++ {
			s := "v" + strconv.Itoa(k)
			o.set(tmplKeys[k], &s)
		}
		trees[i] = o
	}
	for _, n := range []int{2, 3, tmplWays + 1} {
		served := n <= 3 // what the ways are for
		var slot tmplSlot
		e := encoder{orders: new([keyOrders]*keyOrder), tmpls: new([numPhases]tmplSet)}
		ref := encoder{orders: new([keyOrders]*keyOrder)}
		steps := 10 * n
		for i := range steps {
			v := trees[i%n]
			got, ok, err := slot.write(nil, &e, v, 1)
			if !ok { // backing off: encoded without a template
				if served {
					t.Fatalf("%d structures in %d ways, step %d: not written by a template", n, tmplWays, i)
				}
				got, err = e.member(nil, v, 1)
			}
			want, werr := ref.member(nil, v, 1)
			if err != nil || werr != nil {
				t.Fatalf("%d structures, step %d: errors %v, %v", n, i, err, werr)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%d structures, step %d:\n got %s\nwant %s", n, i, got, want)
			}
		}
		used := 0
		for w := range slot.ways {
			used += slot.ways[w].used
		}
		if served && used != steps-n {
			t.Errorf("%d structures in %d ways: %d of %d trees written by a template, want all but the %d compiles", n, tmplWays, used, steps, n)
		}
	}
}
