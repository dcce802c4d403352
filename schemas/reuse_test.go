package schemas

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestValidateFileReusesBuffers validates many bulk files in turn with one
// validator, whose buffers (a file's bytes, which the decoded document's
// strings are) are reused from file to file, while its memos (PATCH paths,
// member keys) outlive each file: every file must get the findings a fresh
// validator gives it, and the first files again at the end.
func TestValidateFileReusesBuffers(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	attrs := []string{"reimbursementCurrency", "country", "locale", "ledgerCode", "cashAdvanceAccountCode", "nonEmployee"}
	for i := range 120 {
		ops := ""
		for j := range 20 {
			attr := attrs[(i+j)%len(attrs)]
			if i%3 == 1 { // a path of a custom field, new in this file
				attr = fmt.Sprintf("customData[id eq \"custom%d\"].value", (i*20+j)%300)
			}
			value := `"CHF"`
			if i%5 == 0 && j == i%20 {
				attr = fmt.Sprintf("unknownAttr%dx%d", i, j) // a path the schema has not: a finding
			}
			if i%5 == 2 && j == 7 {
				value = "42" // a number where text goes: a finding
			}
			if ops != "" {
				ops += ","
			}
			ops += fmt.Sprintf(`{"method":"PATCH","path":"/Users/bulkId:emp-E%d","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],`+
				`"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:%s","value":%s}]}}`, j, attr, value)
		}
		doc := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[` + ops + `]}`
		p := filepath.Join(dir, fmt.Sprintf("bulk-%04d.json", i+1))
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	shared, err := New(Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	findings := 0
	for _, p := range append(paths, paths[:10]...) {
		got, _, err := shared.ValidateFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fresh, err := New(Options{Fast: true})
		if err != nil {
			t.Fatal(err)
		}
		want, _, err := fresh.ValidateFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %d findings by the shared validator, %d by a fresh one:\n got %v\nwant %v", filepath.Base(p), len(got), len(want), got, want)
		}
		findings += len(want)
	}
	if findings == 0 {
		t.Fatal("no findings: the files' bad values were not bad")
	}
}

// TestMemoOutlivesBuffer: a member key memoized from one file must not
// be read from the next file's bytes, which take the same buffer: here
// "customData" comes where "ledgerCode" (as long) was, and given text it
// must still be the type error it is.
func TestMemoOutlivesBuffer(t *testing.T) {
	dir := t.TempDir()
	doc := func(key string) string {
		return `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"PATCH","path":"/Users/bulkId:emp-E1",` +
			`"data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace",` +
			`"path":"urn:ietf:params:scim:schemas:extension:spend:2.0:User","value":{"` + key + `":"L-1"}}]}}]}`
	}
	v, err := New(Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, key := range []string{"ledgerCode", "customData", "ledgerCode", "customData"} {
		p := filepath.Join(dir, fmt.Sprintf("bulk-%04d.json", i+1))
		if err := os.WriteFile(p, []byte(doc(key)), 0o600); err != nil {
			t.Fatal(err)
		}
		got, _, err := v.ValidateFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if bad := key == "customData"; bad != (len(got) > 0) {
			t.Errorf("file %d, %s given text: findings %v, want some: %v", i+1, key, got, bad)
		}
	}
}

// tObjI is a tObj whose keys never change: the walker keeps them.
type tObjI struct{ tObj }

func (o *tObjI) StableMembers() ([]string, []any) { return o.keys, o.vals }

// TestStableMembersKept: the member keys of a StableMembers object are
// kept by the walker's memo and matched by address by the next objects;
// an object of other keys at the same places, and objects without the
// mark, get the findings a fresh validator gives them whatever came
// before (here: emails given text is a type error; the required members
// left out are findings of every object).
func TestStableMembersKept(t *testing.T) {
	key := func(s string) string { return string([]byte(s)) } // a string of its own
	body := func(imm bool, k, v string) Object {
		o := tObj{keys: []string{k, "userName"}, vals: []any{v, "u@example.com"}}
		if imm {
			return &tObjI{o}
		}
		return &o
	}
	v, err := New(Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	f := v.Fast()
	ledger, custom := key("displayName"), key("emails")
	seq := []struct {
		imm  bool
		k, v string
		bad  bool
	}{
		{true, ledger, "L-1", false},
		{true, ledger, "L-2", false}, // the same key string: matched by address
		{true, custom, "L-3", true},  // another key where ledgerCode was
		{false, key("displayName"), "L-4", false},
		{true, key("emails"), "L-5", true}, // equal keys, other strings
		{false, key("emails"), "L-6", true},
		{true, ledger, "L-7", false},
	}
	for i, s := range seq {
		doc := body(s.imm, s.k, s.v)
		got := f.ValidateUser(doc)
		fresh, err := New(Options{Fast: true})
		if err != nil {
			t.Fatal(err)
		}
		want := fresh.Fast().ValidateUser(body(false, s.k, s.v))
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("object %d (%s): got %v, want %v", i, s.k, got, want)
		}
		typed := false
		for _, g := range got {
			typed = typed || g.Keyword == "type" && g.Pointer == "/"+s.k
		}
		if s.bad != typed {
			t.Fatalf("object %d (%s given text): findings %v, want a type finding: %v", i, s.k, got, s.bad)
		}
	}
}
