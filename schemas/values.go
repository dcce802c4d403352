package schemas

import "encoding/json"

// Object is a read-only JSON object that both validators accept wherever a
// map[string]any is accepted, so that a caller holding its own tree (the
// plan's nodes) need not convert it. Keys are distinct; their order does
// not matter. Values are read like decoded JSON: string, *string (the
// string it points to; a nil *string is null), bool, json.Number, nil, or a
// nested map[string]any, []any, Object or Array. The validators call the
// methods from the goroutine validating and never keep the values.
type Object interface {
	// Len is the number of members.
	Len() int
	// KeyAt and ValueAt give the i-th member, 0 <= i < Len().
	KeyAt(i int) string
	ValueAt(i int) any
	// Lookup returns the value of the member named key.
	Lookup(key string) (any, bool)
}

// Members is what an Object may have besides: its keys and values as two
// slices, in the order of KeyAt and ValueAt, read only and only during
// the validation. The fast validator then reads the members without a
// method call each.
type Members interface {
	Members() (keys []string, vals []any)
}

// StableMembers is Members for an Object whose keys are strings that
// never change (not views of a buffer that is reused): the validator may
// keep them past the call, and compare the next objects' keys with them
// by address first.
type StableMembers interface {
	StableMembers() (keys []string, vals []any)
}

// Elements is Members for an Array: its elements as a slice.
type Elements interface {
	Elements() []any
}

// Array is a read-only JSON array that both validators accept wherever a
// []any is accepted; its elements are read as Object's values are.
type Array interface {
	// Len is the number of elements.
	Len() int
	// Index returns the i-th element, 0 <= i < Len().
	Index(i int) any
}

// member returns the member key of v when v is an object.
func member(v any, key string) (any, bool) {
	switch x := v.(type) {
	case map[string]any:
		e, ok := x[key]
		return e, ok
	case Object:
		return x.Lookup(key)
	}
	return nil, false
}

// isObject and isArray tell the JSON type of containers.
func isObject(v any) bool {
	switch v.(type) {
	case map[string]any, Object:
		return true
	}
	return false
}

func isArray(v any) bool {
	switch v.(type) {
	case []any, Array:
		return true
	}
	return false
}

// arrayLen and arrayAt read []any and Array alike; arrayLen is -1 for any
// other value.
func arrayLen(v any) int {
	switch x := v.(type) {
	case []any:
		return len(x)
	case Array:
		return x.Len()
	}
	return -1
}

func arrayAt(v any, i int) any {
	switch x := v.(type) {
	case []any:
		return x[i]
	case Array:
		return x.Index(i)
	}
	return nil
}

// stringOf returns the string a string or non-nil *string holds.
func stringOf(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case *string:
		if x != nil {
			return *x, true
		}
	}
	return "", false
}

// isNull reports whether v is JSON null (nil or a nil *string).
func isNull(v any) bool {
	if v == nil {
		return true
	}
	p, ok := v.(*string)
	return ok && p == nil
}

// scalarValue turns a *string into the string (or nil) it stands for; other
// values come back as they are. For messages only: it allocates.
func scalarValue(v any) any {
	if p, ok := v.(*string); ok {
		if p == nil {
			return nil
		}
		return *p
	}
	return v
}

// plainValue returns v with every Object, Array and *string in it replaced
// by map[string]any, []any and string, for code that only knows decoded
// JSON (jsonschema/v5). A value without any comes back unchanged, not
// copied.
func plainValue(v any) any {
	if !hasCustom(v) {
		return v
	}
	return toPlain(v)
}

func hasCustom(v any) bool {
	switch x := v.(type) {
	case nil, string, bool, json.Number:
		return false
	case map[string]any:
		for _, e := range x {
			if hasCustom(e) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range x {
			if hasCustom(e) {
				return true
			}
		}
		return false
	case *string, Object, Array:
		return true
	}
	return false
}

func toPlain(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = toPlain(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = toPlain(e)
		}
		return s
	case Object:
		m := make(map[string]any, x.Len())
		for i := range x.Len() {
			m[x.KeyAt(i)] = toPlain(x.ValueAt(i))
		}
		return m
	case Array:
		s := make([]any, x.Len())
		for i := range s {
			s[i] = toPlain(x.Index(i))
		}
		return s
	case *string:
		return scalarValue(x)
	}
	return v
}

// opObject is a bulk operation given by its parts, as an Object: the
// operation schema checks it without a map being built. "path" is always
// present; "bulkId" and "data" only when set.
type opObject struct {
	method, path, bulkID string
	data                 any
	keys                 [4]string
	n                    int
}

func (o *opObject) reset(method, path, bulkID string, data any) {
	o.method, o.path, o.bulkID, o.data = method, path, bulkID, data
	o.keys[0], o.keys[1] = "method", "path"
	o.n = 2
	if bulkID != "" {
		o.keys[o.n] = "bulkId"
		o.n++
	}
	if data != nil {
		o.keys[o.n] = "data"
		o.n++
	}
}

func (o *opObject) Len() int           { return o.n }
func (o *opObject) KeyAt(i int) string { return o.keys[i] }
func (o *opObject) ValueAt(i int) any  { v, _ := o.Lookup(o.keys[i]); return v }
func (o *opObject) Lookup(key string) (any, bool) {
	switch key {
	case "method":
		return &o.method, true
	case "path":
		return &o.path, true
	case "bulkId":
		if o.bulkID != "" {
			return &o.bulkID, true
		}
	case "data":
		if o.data != nil {
			return o.data, true
		}
	}
	return nil, false
}
