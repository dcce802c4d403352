package plan

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// objectLike and arrayLike are the read-only interfaces Options.NewCheck
// documents (schemas.Object and Members, schemas.Array and Elements,
// which plan does not import).
type objectLike interface {
	Len() int
	KeyAt(i int) string
	ValueAt(i int) any
	Lookup(key string) (any, bool)
	Members() ([]string, []any) // schemas.Members
}

type arrayLike interface {
	Len() int
	Index(i int) any
	Elements() []any // schemas.Elements
}

// plainOf converts a tree through the read-only interfaces only, as a
// validator sees it.
func plainOf(t *testing.T, v any) any {
	switch x := v.(type) {
	case objectLike:
		m := make(map[string]any, x.Len())
		if keys, vals := x.Members(); len(keys) != x.Len() || len(vals) != x.Len() {
			t.Errorf("Members gives %d keys and %d values of %d", len(keys), len(vals), x.Len())
		} else {
			for i := range keys {
				if keys[i] != x.KeyAt(i) || !reflect.DeepEqual(vals[i], x.ValueAt(i)) {
					t.Errorf("member %d: Members differs from KeyAt and ValueAt", i)
				}
			}
		}
		for i := range x.Len() {
			k := x.KeyAt(i)
			if _, dup := m[k]; dup {
				t.Errorf("key %q twice", k)
			}
			m[k] = plainOf(t, x.ValueAt(i))
			if lv, ok := x.Lookup(k); !ok || !reflect.DeepEqual(plainOf(t, lv), m[k]) {
				t.Errorf("Lookup(%q) differs from ValueAt", k)
			}
		}
		if _, ok := x.Lookup("no such key"); ok {
			t.Error("Lookup found a missing key")
		}
		return m
	case arrayLike:
		s := make([]any, x.Len())
		if els := x.Elements(); len(els) != len(s) {
			t.Errorf("Elements gives %d of %d", len(els), len(s))
		} else {
			for i := range els {
				if !reflect.DeepEqual(els[i], x.Index(i)) {
					t.Errorf("element %d: Elements differs from Index", i)
				}
			}
		}
		for i := range s {
			s[i] = plainOf(t, x.Index(i))
		}
		return s
	case *string:
		return *x
	case map[string]any, []any:
		t.Errorf("plan tree holds a %T", v)
	}
	return v
}

// TestCheck runs a NewCheck hook (a check per worker, each called by
// one goroutine at a time and ended by its done) on the golden cases and on generated users:
// it sees every operation once, with the data Data rebuilds and that
// data's encoding, as the operation's encoding holds it; Flagged keeps its
// answer; the output is unchanged.
func TestCheck(t *testing.T) {
	type input struct {
		name string
		load func(t *testing.T) ([]*model.ChangeSet, Options)
	}
	files, _ := filepath.Glob("testdata/cases/*.json")
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no cases")
	}
	var inputs []input
	for _, f := range files {
		inputs = append(inputs, input{strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) ([]*model.ChangeSet, Options) { return loadCase(t, f) }})
	}
	inputs = append(inputs, input{"generated", func(*testing.T) ([]*model.ChangeSet, Options) {
		return genSets(600), Options{CompanyID: "c", MaxBytes: 64 * 1024, Workers: 3}
	}}, input{"varied", func(*testing.T) ([]*model.ChangeSet, Options) {
		return variedSets(300), Options{CompanyID: "c", Workers: 2}
	}})
	var withMembers atomic.Int32 // operations given their members' places
	defer func() {
		if withMembers.Load() == 0 {
			t.Error("no operation was given its members' places")
		}
	}()
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			sets, o := in.load(t)
			plain, err := Build(sets, o)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var check func(*Operation, any, []byte, []int32) bool
			seen := map[*Operation]any{}
			encs := map[*Operation][]byte{}
			var made, done atomic.Int32
			newCheck := func() (func(*Operation, any, []byte, []int32) bool, func()) {
				made.Add(1)
				var busy, ended atomic.Bool
				return func(op *Operation, data any, dataJSON []byte, members []int32) bool {
						if ended.Load() {
							t.Error("a check called after its done")
						}
						if !busy.CompareAndSwap(false, true) {
							t.Error("one worker's check called by two goroutines at once")
						}
						defer busy.Store(false)
						return check(op, data, dataJSON, members)
					}, func() {
						if !ended.CompareAndSwap(false, true) {
							t.Error("done called twice")
						}
						done.Add(1)
					}
			}
			check = func(op *Operation, data any, dataJSON []byte, members []int32) bool {
				if op.Encoded() != nil {
					t.Error("check called after the operation was kept")
				}
				tree := plainOf(t, data)
				// The encoding given is the data's.
				if data == nil {
					if dataJSON != nil {
						t.Errorf("operation of %s: an encoding %q without data", op.Employee, dataJSON)
					}
				} else {
					d := json.NewDecoder(bytes.NewReader(dataJSON))
					d.UseNumber()
					var dec any
					if err := d.Decode(&dec); err != nil || d.More() {
						t.Errorf("operation of %s: the data's encoding %q: %v", op.Employee, dataJSON, err)
					} else if !reflect.DeepEqual(dec, tree) {
						t.Errorf("operation of %s: the data's encoding %s is not its data", op.Employee, dataJSON)
					}
					checkMembers(t, op, data, dataJSON, members)
					if len(members) > 0 {
						withMembers.Add(1)
					}
				}
				mu.Lock()
				defer mu.Unlock()
				if _, dup := seen[op]; dup {
					t.Errorf("operation of %s checked twice", op.Employee)
				}
				seen[op] = tree
				encs[op] = bytes.Clone(dataJSON)
				return op.Kind == KindCreate || op.Phase == PhaseRename
			}
			o.NewCheck = newCheck
			checked, err := Build(sets, o)
			if err != nil {
				t.Fatal(err)
			}
			if made.Load() == 0 || done.Load() != made.Load() {
				t.Errorf("%d checks made, %d done: want as many, at least one", made.Load(), done.Load())
			}
			if w := o.Workers; w > 0 && int(made.Load()) > w {
				t.Errorf("%d checks made for %d workers", made.Load(), w)
			}
			a, b := encodeAll(t, plain), encodeAll(t, checked)
			if !reflect.DeepEqual(a, b) {
				t.Fatal("output differs with a Check hook")
			}
			n := 0
			for _, r := range checked.Requests {
				for _, op := range r.Operations {
					n++
					tree, ok := seen[op]
					if !ok {
						t.Fatalf("request %d: operation of %s not checked", r.Seq, op.Employee)
					}
					if !reflect.DeepEqual(tree, op.Data()) {
						t.Errorf("request %d: operation of %s: checked data differs from Data()", r.Seq, op.Employee)
					}
					enc := encs[op]
					at := bytes.Index(op.Encoded(), enc)
					if at < 0 || !bytes.HasSuffix(bytes.TrimRight(op.Encoded()[:at], " "), []byte(`"data":`)) {
						t.Errorf("request %d: operation of %s: the data's encoding given to Check is not in the operation's:\n%s\n%s", r.Seq, op.Employee, enc, op.Encoded())
					}
					if want := op.Kind == KindCreate || op.Phase == PhaseRename; op.Flagged() != want {
						t.Errorf("Flagged = %v, want %v", op.Flagged(), want)
					}
				}
			}
			if n != len(seen) || n == 0 {
				t.Errorf("%d operations, %d checked", n, len(seen))
			}
			for _, r := range plain.Requests {
				for _, op := range r.Operations {
					if op.Flagged() {
						t.Fatal("Flagged without a Check")
					}
				}
			}
		})
	}
}

// checkMembers: the members' places given to Check are each member's
// value within the data's encoding, in the order of Members.
func checkMembers(t *testing.T, op *Operation, data any, dataJSON []byte, members []int32) {
	t.Helper()
	if len(members) == 0 {
		return
	}
	o, ok := data.(*obj)
	if !ok {
		t.Errorf("operation of %s: members given for data that is not an object", op.Employee)
		return
	}
	keys, vals := o.Members()
	if len(members) != 2*len(keys) {
		t.Errorf("operation of %s: %d offsets for %d members", op.Employee, len(members), len(keys))
		return
	}
	for j, v := range vals {
		from, to := members[2*j], members[2*j+1]
		if from < 0 || from > to || int(to) > len(dataJSON) {
			t.Errorf("operation of %s: member %q at [%d, %d) of %d bytes", op.Employee, keys[j], from, to, len(dataJSON))
			continue
		}
		d := json.NewDecoder(bytes.NewReader(dataJSON[from:to]))
		d.UseNumber()
		var got any
		if err := d.Decode(&got); err != nil || d.More() {
			t.Errorf("operation of %s: member %q: %q is not one value: %v", op.Employee, keys[j], dataJSON[from:to], err)
		} else if want := plainOf(t, v); !reflect.DeepEqual(got, want) {
			t.Errorf("operation of %s: member %q: %s is not its value", op.Employee, keys[j], dataJSON[from:to])
		}
	}
}
