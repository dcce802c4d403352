package schemas

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// TestFastWideObject covers the walker's path for objects whose schemas
// name more than 64 members, which get no merged group (checkMap,
// checkObject, member, missing): no shipped schema is that wide, so a
// generated one is compiled. Decoded maps and Object values give the same
// findings.
func TestFastWideObject(t *testing.T) {
	fs, _ := formatTable()
	props := make([]string, 70)
	for i := range props {
		props[i] = fmt.Sprintf(`"a%d": {"type": "string"}`, i)
	}
	schema := `{"type": "object", "additionalProperties": false, "required": ["a0", "a69"], "properties": {` + strings.Join(props, ",") + `}}`
	doc, err := decodeJSON([]byte(schema))
	if err != nil {
		t.Fatal(err)
	}
	loc := BaseURL + "wide.json"
	e := &fastEngine{comp: newFastCompiler(docSet{loc: doc}, fs)}
	if n, err := e.node(loc); err != nil || n.grp != nil {
		t.Fatalf("compiled %v, group %v: want a node without a group", err, n != nil && n.grp != nil)
	}
	for _, tc := range []struct {
		doc  string
		want []string // keyword pointer, sorted
	}{
		{`{"a0": "x", "a69": "y", "a33": "z"}`, nil},
		{`{"a0": "x"}`, []string{"required /a69"}},
		{`{"a69": "y", "a0": 5}`, []string{"type /a0"}},
		{`{"a0": "x", "a69": "y", "zz": 1}`, []string{"additionalProperties /zz"}},
		{`{"a1": 1, "zz": 1}`, []string{"additionalProperties /zz", "required /a0", "required /a69", "type /a1"}},
	} {
		checkWide(t, e, loc, tc.doc, tc.want)
	}

	// A schema of a few members whose allOf brings the wide one: its own
	// members fit a bit set, the merged ones do not, so it has no group.
	narrow := `{"type": "object", "required": ["b0"], "properties": {"b0": {"type": "boolean"}, "b1": {"type": "string"}}, "allOf": [{"$ref": "wide.json"}]}`
	if doc, err = decodeJSON([]byte(narrow)); err != nil {
		t.Fatal(err)
	}
	nloc := BaseURL + "narrow.json"
	wdoc, _ := decodeJSON([]byte(schema))
	e = &fastEngine{comp: newFastCompiler(docSet{loc: wdoc, nloc: doc}, fs)}
	if n, err := e.node(nloc); err != nil || n.grp != nil || !n.bits {
		t.Fatalf("compiled %v: want a node without a group, its members on a bit set", err)
	}
	for _, tc := range []struct {
		doc  string
		want []string
	}{
		// The wide schema closes the object to b0 and b1; the narrow one,
		// without additionalProperties, is closed in strict mode only
		// (closedQuiet), to the a-members.
		{`{"b0": true, "a0": "x", "a69": "y"}`, []string{"additionalProperties /a0", "additionalProperties /a69", "additionalProperties /b0"}},
		{`{"b1": 3, "a0": "x", "a69": "y"}`, []string{"additionalProperties /a0", "additionalProperties /a69", "additionalProperties /b1", "required /b0", "type /b1"}},
	} {
		checkWide(t, e, nloc, tc.doc, tc.want)
	}
}

// checkWide checks doc against the schema at loc, decoded as maps and as
// Objects: the findings, "keyword pointer" sorted, must be want.
func checkWide(t *testing.T, e *fastEngine, loc, doc string, want []string) {
	t.Helper()
	v, err := decodeJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []struct {
		name string
		v    any
	}{{"map", v}, {"Object", wrap(v, false)}} {
		var got []string
		for _, f := range e.check(loc, form.v, "", relPtr{}, nil) {
			got = append(got, f.Keyword+" "+f.Pointer)
		}
		sort.Strings(got)
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("%s against %s as %s: findings %q, want %q", doc, loc, form.name, got, want)
		}
	}
}
