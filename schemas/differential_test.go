package schemas

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// corpusDoc is a document of the golden examples with its kind.
type corpusDoc struct {
	name string
	kind Kind
	doc  any
}

func corpus(t testing.TB) []corpusDoc {
	t.Helper()
	var out []corpusDoc
	files, _ := filepath.Glob("testdata/*/*.json*")
	sort.Strings(files)
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(path, ".jsonl") {
			for _, line := range bytes.Split(data, []byte("\n")) {
				if d, err := decodeJSON(line); err == nil {
					out = append(out, corpusDoc{path, KindPlan, d})
				}
			}
			continue
		}
		d, err := decodeJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusDoc{path, DetectKind(path, d), d})
	}
	if len(out) == 0 {
		t.Fatal("no golden documents")
	}
	return out
}

func validateKind(v interface {
	ValidateBulk(any) []Finding
	ValidateUser(any) []Finding
	ValidatePatch(any) []Finding
	ValidatePlanLine(any) []Finding
}, kind Kind, doc any) []Finding {
	switch kind {
	case KindBulk:
		return v.ValidateBulk(doc)
	case KindUser:
		return v.ValidateUser(doc)
	case KindPatch:
		return v.ValidatePatch(doc)
	}
	return v.ValidatePlanLine(doc)
}

// badValues are values that break formats, enums and lengths.
var badValues = []any{
	"en_US", "XX", "USA", "Gold", "", strings.Repeat("x", 300), "2080-01-01", "2016-01-01T00:00:00.000",
	"bulkId:", "/Users/", "EXP_USER", "de-DE", "a#b@c.d", "PATCH", "remove", "custom23", "not-a-uuid",
	json.Number("1.5"), json.Number("7"), true, nil, []any{}, map[string]any{}, "yes",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:User:locale", "name.nickName", "emails[type eq \"work\"]",
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = deepCopy(e)
		}
		return l
	}
	return v
}

// slot is a place in a document: a container and a key or index in it.
type slot struct {
	obj map[string]any
	arr []any
	key string
	idx int
}

func slots(v any, out []slot) []slot {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, slot{obj: x, key: k})
			out = slots(x[k], out)
		}
	case []any:
		for i := range x {
			out = append(out, slot{arr: x, idx: i})
			out = slots(x[i], out)
		}
	}
	return out
}

// mutate applies the mutations script describes to a copy of doc: drop,
// add and retype attributes, bad enum and format values, long strings,
// emptied arrays.
func mutate(doc any, script []byte) any {
	root := map[string]any{"": deepCopy(doc)}
	for i := 0; i+2 < len(script); i += 3 {
		all := slots(root, nil)[1:]
		if len(all) == 0 {
			break
		}
		s := all[int(script[i+1])%len(all)]
		val := badValues[int(script[i+2])%len(badValues)]
		get := func() any {
			if s.obj != nil {
				return s.obj[s.key]
			}
			return s.arr[s.idx]
		}
		set := func(v any) {
			if s.obj != nil {
				s.obj[s.key] = v
			} else {
				s.arr[s.idx] = v
			}
		}
		switch script[i] % 6 {
		case 0: // drop
			if s.obj != nil {
				delete(s.obj, s.key)
			}
		case 1: // add an attribute
			if m, ok := get().(map[string]any); ok {
				m["unknownAttr"+string(rune('A'+script[i+2]%26))] = deepCopy(val)
			} else if s.obj != nil {
				s.obj["extra"] = deepCopy(val)
			}
		case 2, 3: // replace with a bad value
			set(deepCopy(val))
		case 4: // retype
			switch x := get().(type) {
			case string:
				set(json.Number("42"))
			case bool:
				set("true")
			case json.Number:
				set(string(x))
			case []any:
				set(map[string]any{"0": x})
			case map[string]any:
				set([]any{x})
			}
		case 5: // grow or empty an array
			if a, ok := get().([]any); ok && len(a) > 0 {
				if script[i+2]%2 == 0 {
					set([]any{})
				} else {
					set(append(append([]any{}, a...), deepCopy(a[0])))
				}
			}
		}
	}
	return root[""]
}

// withMutations is doc followed by n mutations of it, each of 1 to 4
// random edits.
func withMutations(rng *rand.Rand, doc any, n int) []any {
	docs := []any{doc}
	for range n {
		script := make([]byte, 3*(1+rng.Intn(4)))
		rng.Read(script)
		docs = append(docs, mutate(doc, script))
	}
	return docs
}

// agree fails when the fast path and jsonschema/v5 differ on a document.
func agree(t *testing.T, def, strict *Validator, kind Kind, doc any, label string) {
	t.Helper()
	for _, v := range []*Validator{def, strict} {
		ref := validateKind(v, kind, doc)
		fast := validateKind(v.Fast(), kind, doc)
		if !reflect.DeepEqual(ref, fast) {
			b, _ := json.Marshal(doc)
			t.Fatalf("%s (strict=%v): validators disagree on %s\nreference:\n%sfast:\n%s", label, v.Strict(), b, render("ref", ref), render("fast", fast))
		}
	}
	agreeWrapped(t, def, strict, kind, doc, label)
}

// FuzzDifferential mutates the golden documents and requires the fast path
// to give exactly jsonschema/v5's findings (pointers, keywords, severities
// and messages) in both modes, over the decoded document and over an
// Object/Array wrapper of it (and, for bulk requests, per operation through
// ValidateOperation).
func FuzzDifferential(f *testing.F) {
	docs := corpus(f)
	def, strict := validators(f)
	for i := range docs {
		f.Add(uint8(i), []byte{})
		f.Add(uint8(i), []byte{0, 3, 1, 2, 7, 5, 4, 11, 0})
		f.Add(uint8(i), []byte{1, 1, 2, 3, 20, 0, 5, 2, 1, 2, 9, 12})
	}
	f.Fuzz(func(t *testing.T, which uint8, script []byte) {
		if len(script) > 60 {
			script = script[:60]
		}
		d := docs[int(which)%len(docs)]
		agree(t, def, strict, d.kind, mutate(d.doc, script), d.name)
	})
}

// TestDifferentialMutations runs a fixed set of random mutations of every
// golden document through both validators (FuzzDifferential's seeds run as
// well; this covers more in a plain go test).
func TestDifferentialMutations(t *testing.T) {
	docs := corpus(t)
	def, strict := validators(t)
	rng := rand.New(rand.NewSource(1))
	valid, invalid := 0, 0
	for _, d := range docs {
		agree(t, def, strict, d.kind, d.doc, d.name)
		for n := 0; n < 60; n++ {
			script := make([]byte, 3*(1+rng.Intn(4)))
			rng.Read(script)
			doc := mutate(d.doc, script)
			agree(t, def, strict, d.kind, doc, d.name)
			if HasErrors(validateKind(def.Fast(), d.kind, doc)) {
				invalid++
			} else {
				valid++
			}
		}
	}
	if valid == 0 || invalid == 0 {
		t.Errorf("mutations gave %d valid and %d invalid documents; want both", valid, invalid)
	}
	t.Logf("%d mutated documents: %d valid, %d invalid in default mode", valid+invalid, valid, invalid)
}
