package schemas

import (
	"fmt"
	"maps"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestDaysIn holds daysIn to the calendar of package time over every month
// of the years a date may name.
func TestDaysIn(t *testing.T) {
	for y := 0; y <= 9999; y++ {
		for m := 1; m <= 12; m++ {
			if got, want := daysIn(y, m), time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day(); got != want {
				t.Fatalf("daysIn(%d, %d) = %d, want %d", y, m, got, want)
			}
		}
	}
}

// wrapShuffled wraps v as wrap does, each object's keys in an order drawn
// from rng; with clone the keys are fresh copies (no string shares its
// bytes with an earlier call's), with rename some keys are replaced by an
// unknown name of the same length that differs in its last byte.
func wrapShuffled(v any, rng *rand.Rand, clone, rename bool) any {
	switch x := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		o := &tObj{keys: make([]string, len(keys)), vals: make([]any, len(keys))}
		for i, k := range keys {
			o.vals[i] = wrapShuffled(x[k], rng, clone, rename)
			if clone {
				k = strings.Clone(k)
			}
			if rename && k != "" && rng.Intn(6) == 0 {
				k = k[:len(k)-1] + string(rune('0'+rng.Intn(10)))
			}
			o.keys[i] = k
		}
		// A renamed key may collide with another: keep keys distinct.
		seen := map[string]bool{}
		for i, k := range o.keys {
			for seen[k] {
				k += "_"
			}
			seen[k] = true
			o.keys[i] = k
		}
		return o
	case []any:
		a := make(tArr, len(x))
		for i, e := range x {
			a[i] = wrapShuffled(e, rng, clone, rename)
		}
		return a
	case string:
		if rng.Intn(2) == 0 {
			return &x
		}
	}
	return v
}

// TestMemoDifferential runs the golden documents and mutations of them,
// each object's members in ever other orders, with copied and with renamed
// keys, through the fast path one after another (so that the walker's
// memo of member names carries over from each document to the next) and
// requires the reference's findings every time.
func TestMemoDifferential(t *testing.T) {
	docs := corpus(t)
	def, strict := validators(t)
	rng := rand.New(rand.NewSource(7))
	for _, d := range docs {
		variants := withMutations(rng, d.doc, 8)
		for round := 0; round < 40; round++ {
			doc := variants[rng.Intn(len(variants))]
			w := wrapShuffled(doc, rng, rng.Intn(2) == 0, rng.Intn(3) == 0)
			plain := plainValue(w)
			for _, v := range []*Validator{def, strict} {
				ref := validateKind(v, d.kind, plain)
				fast := validateKind(v.Fast(), d.kind, w)
				if !reflect.DeepEqual(ref, fast) {
					t.Fatalf("%s round %d (strict=%v): fast path disagrees\nreference:\n%sfast:\n%s", d.name, round, v.Strict(), render("ref", ref), render("fast", fast))
				}
			}
			if d.kind == KindBulk {
				agreeShuffledOperations(t, def, strict, doc, rng, d.name)
			}
		}
	}
}

// agreeShuffledOperations is agreeOperations with each operation's data
// wrapped by wrapShuffled.
func agreeShuffledOperations(t *testing.T, def, strict *Validator, doc any, rng *rand.Rand, label string) {
	t.Helper()
	eachOperation(doc, func(i int, op map[string]any, method, path, bulkID string) {
		w := wrapShuffled(op["data"], rng, rng.Intn(2) == 0, rng.Intn(3) == 0)
		if op["data"] == nil {
			w = nil
		}
		plain := plainValue(w)
		for _, v := range []*Validator{def, strict} {
			ref := v.ValidateOperation(method, path, bulkID, plain)
			fast := v.Fast().ValidateOperation(method, path, bulkID, w)
			if !reflect.DeepEqual(ref, fast) {
				t.Fatalf("%s operation %d (strict=%v): ValidateOperation disagrees\nreference:\n%sfast:\n%s", label, i, v.Strict(), render("ref", ref), render("fast", fast))
			}
		}
	})
}

// TestRecentCaches holds the direct-mapped caches in front of the node and
// PATCH path maps to the uncached answers, over every compiled location
// and many paths (copies, and names of the same length that differ in one
// byte, so that slots collide and get overwritten) in random orders.
func TestRecentCaches(t *testing.T) {
	s, err := load()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(3))
	var locs []string
	s.fast.mu.Lock()
	for loc := range s.fast.nodes {
		locs = append(locs, loc, loc+"#")
	}
	s.fast.mu.Unlock()
	sort.Strings(locs)
	e := &fastEngine{comp: s.fast}
	for i := 0; i < 20*len(locs); i++ {
		loc := locs[rng.Intn(len(locs))]
		if rng.Intn(2) == 0 {
			loc = strings.Clone(loc)
		}
		got, err1 := e.node(loc)
		want, err2 := s.fast.get(loc)
		if got != want || (err1 == nil) != (err2 == nil) {
			t.Fatalf("node(%q) = %p, want %p", loc, got, want)
		}
	}

	paths := []string{"userName", "name.givenName", "name.familyName", "emails", "emails[type eq \"work\"].value",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter",
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
		"urn:ietf:params:scim:schemas:extension:spend:2.0:User:locale",
		"urn:ietf:params:scim:schemas:extension:spend:2.0:User:country",
		"urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq \"custom2\"].value",
		"urn:ietf:params:scim:schemas:extension:spend:2.0:Role:roles", "active", "displayName", "nickName", "title"}
	for _, p := range append([]string(nil), paths...) {
		for j := 0; j < 3; j++ {
			b := []byte(p)
			b[rng.Intn(len(b))] = byte('a' + rng.Intn(26))
			paths = append(paths, string(b))
		}
	}
	ix, err := newPathIndex(makeVariant(s.src, variantDefault))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50*len(paths); i++ {
		p := paths[rng.Intn(len(paths))]
		if rng.Intn(2) == 0 {
			p = strings.Clone(p)
		}
		got, err1 := ix.resolve(p)
		want, err2 := ix.lookupPath(p)
		if got != want || fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("resolve(%q) = %+v, %v; want %+v, %v", p, got, err1, want, err2)
		}
	}
}
