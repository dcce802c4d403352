package schemas

import (
	"encoding/json"
	"reflect"
	"sort"
	"testing"
)

// tObj and tArr wrap a decoded document as Object and Array, the way a
// caller's own tree would present it. Keys are in reverse sorted order, so
// nothing relies on a map's order or on sorted keys.
type tObj struct {
	keys []string
	vals []any
}

func (o *tObj) Len() int           { return len(o.keys) }
func (o *tObj) KeyAt(i int) string { return o.keys[i] }
func (o *tObj) ValueAt(i int) any  { return o.vals[i] }
func (o *tObj) Lookup(k string) (any, bool) {
	for i, kk := range o.keys {
		if kk == k {
			return o.vals[i], true
		}
	}
	return nil, false
}

type tArr []any

func (a tArr) Len() int        { return len(a) }
func (a tArr) Index(i int) any { return a[i] }

// tObjM and tArrE are tObj and tArr with the slices of Members and
// Elements: wrap makes every other object and array one of them, so that
// the tests walk both.
type tObjM struct{ tObj }

func (o *tObjM) Members() ([]string, []any) { return o.keys, o.vals }

type tArrE struct{ tArr }

func (a tArrE) Elements() []any { return a.tArr }

// wrap returns doc with every object an Object, every array an Array and,
// when ptrs is set, every other string a *string.
func wrap(v any, ptrs bool) any {
	n := 0
	var rec func(v any) any
	rec = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Sort(sort.Reverse(sort.StringSlice(keys)))
			o := &tObj{keys: keys, vals: make([]any, len(keys))}
			for i, k := range keys {
				o.vals[i] = rec(x[k])
			}
			if n++; n%2 == 0 {
				return &tObjM{*o}
			}
			return o
		case []any:
			a := make(tArr, len(x))
			for i, e := range x {
				a[i] = rec(e)
			}
			if n++; n%2 == 0 {
				return tArrE{a}
			}
			return a
		case string:
			if n++; ptrs && n%2 == 0 {
				return &x
			}
		}
		return v
	}
	return rec(v)
}

// agreeWrapped fails when the fast path over the wrapped document differs
// from jsonschema/v5 over the plain one, or when the reference over the
// wrapped document differs from itself over the plain one.
func agreeWrapped(t *testing.T, def, strict *Validator, kind Kind, doc any, label string) {
	t.Helper()
	for _, ptrs := range []bool{false, true} {
		w := wrap(doc, ptrs)
		for _, v := range []*Validator{def, strict} {
			ref := validateKind(v, kind, doc)
			fast := validateKind(v.Fast(), kind, w)
			if !reflect.DeepEqual(ref, fast) {
				b, _ := json.Marshal(doc)
				t.Fatalf("%s (strict=%v, *string=%v): fast path over Object/Array disagrees on %s\nreference:\n%sfast:\n%s", label, v.Strict(), ptrs, b, render("ref", ref), render("fast", fast))
			}
			if refW := validateKind(v, kind, w); !reflect.DeepEqual(ref, refW) {
				t.Fatalf("%s (strict=%v): reference over Object/Array differs:\n%s%s", label, v.Strict(), render("plain", ref), render("wrapped", refW))
			}
		}
	}
	if kind == KindBulk {
		agreeOperations(t, def, strict, doc, label)
	}
}

// agreeOperations runs ValidateOperation on each operation of a bulk
// request, plain on the reference and wrapped on the fast path.
func agreeOperations(t *testing.T, def, strict *Validator, doc any, label string) {
	t.Helper()
	eachOperation(doc, func(i int, op map[string]any, method, path, bulkID string) {
		data := op["data"]
		for _, v := range []*Validator{def, strict} {
			ref := v.ValidateOperation(method, path, bulkID, data)
			fast := v.Fast().ValidateOperation(method, path, bulkID, wrap(data, true))
			if !reflect.DeepEqual(ref, fast) {
				b, _ := json.Marshal(op)
				t.Fatalf("%s operation %d (strict=%v): ValidateOperation disagrees on %s\nreference:\n%sfast:\n%s", label, i, v.Strict(), b, render("ref", ref), render("fast", fast))
			}
		}
	})
}

// eachOperation calls visit with each operation of a bulk request that has
// a method and a path (as strings).
func eachOperation(doc any, visit func(i int, op map[string]any, method, path, bulkID string)) {
	m, _ := doc.(map[string]any)
	ops, _ := m["Operations"].([]any)
	for i, o := range ops {
		op, _ := o.(map[string]any)
		method, ok1 := op["method"].(string)
		path, ok2 := op["path"].(string)
		if !ok1 || !ok2 {
			continue
		}
		bulkID, _ := op["bulkId"].(string)
		visit(i, op, method, path, bulkID)
	}
}

// TestObjectValues covers values the wrapper of the differential tests
// does not produce: nil *string, and Objects in every message.
func TestObjectValues(t *testing.T) {
	def, _ := validators(t)
	f := def.Fast()
	doc := userDoc(3, "")
	name := "x"
	cases := []struct {
		label string
		edit  func(m map[string]any)
	}{
		{"object for string", func(m map[string]any) { m["userName"] = map[string]any{"a": "b"} }},
		{"array for object", func(m map[string]any) { m["name"] = []any{"a"} }},
		{"nil *string", func(m map[string]any) { m["userName"] = (*string)(nil) }},
		{"*string", func(m map[string]any) { m["displayName"] = &name }},
		{"unknown attribute", func(m map[string]any) { m["nickName2"] = "n" }},
	}
	for _, c := range cases {
		t.Run(c.label, func(t *testing.T) {
			d := deepCopy(doc).(map[string]any)
			c.edit(d)
			want := def.ValidateUser(plainValue(d))
			got := f.ValidateUser(wrap(d, false))
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("reference:\n%sfast:\n%s", render("ref", want), render("fast", got))
			}
			if c.label != "*string" && len(got) == 0 {
				t.Fatal("no finding")
			}
		})
	}
}

// TestOperationAllocs holds ValidateOperation on a valid wrapped document
// to no allocation.
func TestOperationAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are meaningless under the race detector")
	}
	def, _ := validators(t)
	f := def.Fast()
	post := wrap(userDoc(7, ""), true)
	patch := wrap(map[string]any{
		"schemas": []any{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
		"Operations": []any{
			map[string]any{"op": "replace", "path": "name.givenName", "value": "G"},
			map[string]any{"op": "add", "path": "emails", "value": []any{map[string]any{"type": "work", "value": "a@b.c"}}},
		},
	}, true)
	for _, c := range []struct {
		method, path, bulkID string
		data                 any
	}{{"POST", "/Users", "emp-E00007", post}, {"PATCH", "/Users/bulkId:emp-E00007", "", patch}} {
		if fs := f.ValidateOperation(c.method, c.path, c.bulkID, c.data); len(fs) > 0 {
			t.Fatalf("%s: %v", c.method, fs)
		}
		if n := testing.AllocsPerRun(20, func() { f.ValidateOperation(c.method, c.path, c.bulkID, c.data) }); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.method, n)
		}
	}
}
