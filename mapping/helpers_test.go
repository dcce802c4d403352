package mapping

import (
	"strconv"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

func mustDefault(t testing.TB) *Set {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// flatKeys are the shared field keys "1".."200" of flat-file records.
var flatKeys = func() []string {
	k := make([]string, 200)
	for i := range k {
		k[i] = strconv.Itoa(i + 1)
	}
	return k
}()

// flat builds a flat-file record of type typ at file:line with the given
// field values (by position; field 1 is set to typ). The row is as short as
// its last given field.
func flat(file string, line int, typ string, fields map[int]string) *model.Record {
	n := 1
	for f := range fields {
		n = max(n, f)
	}
	vals := make([]string, n)
	vals[0] = typ
	for f, v := range fields {
		vals[f-1] = v
	}
	return &model.Record{Format: model.FormatConcur, Type: typ, Pos: model.Position{File: file, Line: line},
		Keys: flatKeys[:n], Values: vals}
}

// keyed builds a V1 or 3.x record from key/value pairs.
func keyed(format, typ, file string, line int, kv ...string) *model.Record {
	r := &model.Record{Format: format, Type: typ, Pos: model.Position{File: file, Line: line}}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Keys = append(r.Keys, kv[i])
		r.Values = append(r.Values, kv[i+1])
	}
	return r
}

func knownSet(ids ...string) func(string) bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return func(id string) bool { return m[id] }
}

func run(t testing.TB, opts Options, recs ...*model.Record) ([]*model.ChangeSet, []model.RecordResult) {
	t.Helper()
	e := NewEngine(mustDefault(t), opts)
	for _, r := range recs {
		e.Add(r)
	}
	return e.Finish()
}

func findCS(css []*model.ChangeSet, id string) *model.ChangeSet {
	for _, cs := range css {
		if cs.EmployeeID == id {
			return cs
		}
	}
	return nil
}

func findAttr(cs *model.ChangeSet, key string) *model.Attr {
	if cs == nil {
		return nil
	}
	for i := range cs.Attrs {
		if cs.Attrs[i].Key() == key {
			return &cs.Attrs[i]
		}
	}
	return nil
}
