package plan

// Operation data is built as a tree of obj and arr nodes, not maps: an obj
// is a pair of slices, so building and encoding need no hashing and no map
// iteration, and the nodes of an encoded user are reused for
// the next one (Build keeps no data: 100k users of map trees would take
// gigabytes). Operation.Data converts a rebuilt tree into map[string]any
// and []any.

import "github.com/upsmigrate/upsmigrate/internal/model"

// obj is a JSON object; keys keep insertion order and are sorted when
// encoded.
type obj struct {
	keys []string
	vals []any
	ko   *keyOrder // the encoder's order of keys when last encoded
	gen  uint64    // changes whenever keys do (enctmpl.go)
}

// arr is a JSON array. When every element was added for a one-term string
// filter on the same key (customData[id eq "custom2"]), sel holds each
// element's filter value, and selH its hash, so that lookups compare
// numbers, not objects. enc, when set, is the compact encoding of an
// array that is never modified (shared between users).
type arr struct {
	vals   []any
	selKey string
	sel    []string
	selH   []uint64
	selM   [2]uint64 // bit h%128 set for each hash h in selH
	enc    []byte
}

func (o *obj) find(k string) int {
	for i, kk := range o.keys {
		// Keys usually share their bytes with k: compare addresses first.
		if model.SameString(kk, k) {
			return i
		}
	}
	return -1
}

// findAt is find trying *at first, the index k had in the object last
// looked at: objects built for successive users tend to have their keys
// in the same places. Keys of an object are unique.
func (o *obj) findAt(k string, at *int) int {
	if h := *at; h < len(o.keys) && model.SameString(o.keys[h], k) {
		return h
	}
	i := o.find(k)
	if i >= 0 {
		*at = i
	}
	return i
}

// getAt is get by way of findAt.
func (o *obj) getAt(k string, at *int) any {
	if i := o.findAt(k, at); i >= 0 {
		return o.vals[i]
	}
	return nil
}

func (o *obj) get(k string) any {
	if i := o.find(k); i >= 0 {
		return o.vals[i]
	}
	return nil
}

func (o *obj) set(k string, v any) {
	if i := o.find(k); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	o.gen++
}

// add appends member k, which o does not have.
func (o *obj) add(k string, v any) {
	o.keys = append(o.keys, k)
	o.vals = append(o.vals, v)
	o.gen++
}

func (o *obj) del(k string) {
	if i := o.find(k); i >= 0 {
		o.keys = append(o.keys[:i], o.keys[i+1:]...)
		o.vals = append(o.vals[:i], o.vals[i+1:]...)
		o.gen++
	}
}

func (a *arr) add(v any) { a.vals = append(a.vals, v) }

// Read-only access for Options.NewCheck: obj has the methods of a
// schemas.Object and schemas.Members, arr those of a schemas.Array and
// schemas.Elements (structurally; plan does not import schemas). Values are string, *string, bool, json.Number, nil,
// *obj, *arr, map[string]any and []any.

// Len is the number of members.
func (o *obj) Len() int { return len(o.keys) }

// KeyAt is the name of the i-th member, in insertion order.
func (o *obj) KeyAt(i int) string { return o.keys[i] }

// ValueAt is the value of the i-th member.
func (o *obj) ValueAt(i int) any { return o.vals[i] }

// Lookup returns the value of member k.
func (o *obj) Lookup(k string) (any, bool) {
	if i := o.find(k); i >= 0 {
		return o.vals[i], true
	}
	return nil, false
}

// Members gives the keys and values, in insertion order (schemas.Members).
func (o *obj) Members() ([]string, []any) { return o.keys, o.vals }

// StableMembers is Members: an obj's keys are strings that never change
// (schemas.StableMembers).
func (o *obj) StableMembers() ([]string, []any) { return o.keys, o.vals }

// Len is the number of elements.
func (a *arr) Len() int { return len(a.vals) }

// Elements gives the elements (schemas.Elements).
func (a *arr) Elements() []any { return a.vals }

// Index is the i-th element.
func (a *arr) Index(i int) any { return a.vals[i] }

// arena hands out nodes; reset makes every node reusable. Only builders
// that encode and drop their trees reset.
type arena struct {
	objs []*obj
	arrs []*arr
	nObj int
	nArr int
}

func (ar *arena) newObj() *obj {
	if ar.nObj < len(ar.objs) {
		o := ar.objs[ar.nObj]
		ar.nObj++
		// Not cleared: the old values are overwritten as members are set,
		// and whatever they point to lives as long as the Build anyway.
		o.keys, o.vals = o.keys[:0], o.vals[:0]
		o.gen++
		return o
	}
	o := &obj{keys: make([]string, 0, 4), vals: make([]any, 0, 4)}
	ar.objs = append(ar.objs, o)
	ar.nObj++
	return o
}

func (ar *arena) newArr() *arr {
	if ar.nArr < len(ar.arrs) {
		a := ar.arrs[ar.nArr]
		ar.nArr++
		a.vals, a.sel, a.selH, a.selM, a.selKey = a.vals[:0], a.sel[:0], a.selH[:0], [2]uint64{}, ""
		return a
	}
	a := &arr{vals: make([]any, 0, 4)}
	ar.arrs = append(ar.arrs, a)
	ar.nArr++
	return a
}

func (ar *arena) reset() { ar.nObj, ar.nArr = 0, 0 }

func (ar *arena) obj1(k string, v any) *obj {
	o := ar.newObj()
	o.set(k, v)
	return o
}

func (ar *arena) arr1(v any) *arr {
	a := ar.newArr()
	a.add(v)
	return a
}

// toAny converts a node tree into map[string]any and []any.
func toAny(v any) any {
	switch x := v.(type) {
	case *obj:
		m := make(map[string]any, len(x.keys))
		for i, k := range x.keys {
			m[k] = toAny(x.vals[i])
		}
		return m
	case *arr:
		s := make([]any, len(x.vals))
		for i, e := range x.vals {
			s[i] = toAny(e)
		}
		return s
	case *string:
		return *x
	}
	return v
}
