package model

import (
	"encoding/json"
	"testing"
	"unsafe"
)

func TestSameSlotMatchesKey(t *testing.T) {
	yes, no := true, false
	refs := []Ref{
		{Kind: RefApprover, Schema: SchemaApprover, Path: "report", Primary: &yes, Target: "E1"},
		{Kind: RefApprover, Schema: SchemaApprover, Path: "report", Primary: &yes, Target: "E2"},
		{Kind: RefApprover, Schema: SchemaApprover, Path: "report", Primary: &no, Target: "E1"},
		{Kind: RefApprover, Schema: SchemaApprover, Path: "request", Primary: &yes, Target: "E1"},
		{Kind: RefDelegate, Schema: SchemaDelegate, Path: "expense", Target: "E1"},
		{Kind: RefDelegate, Schema: SchemaDelegate, Path: "expense", Target: "E2"},
		{Kind: RefManager, Schema: SchemaTravel, Path: "manager", Target: "E1"},
		{Kind: RefManager, Schema: SchemaTravel, Path: "manager", Target: "E3"},
		{Kind: RefBIManager, Schema: SchemaSpendUser, Path: "biManager", Target: "E3"},
	}
	for i := range refs {
		for j := range refs {
			want := refs[i].Key() == refs[j].Key()
			if got := refs[i].SameSlot(&refs[j]); got != want {
				t.Errorf("SameSlot(%d, %d) = %v, Key equality %v", i, j, got, want)
			}
		}
	}
}

func TestSameTargetMatchesKey(t *testing.T) {
	var src Source
	attrs := []Attr{
		NewAttr(SchemaCore, "name.givenName", "A", src, ""),
		NewAttr(SchemaCore, "name.familyName", "B", src, ""),
		NewAttr(SchemaSpendUser, "name.givenName", true, src, ""),
		NewMember(SchemaCore, "entitlements", "Expense", false, src, ""),
		NewMember(SchemaCore, "entitlements", "Invoice", false, src, ""),
		NewMember(SchemaRole, "roles", "EXP_APPROVER", true, src, ""),
		NewMember(SchemaRole, "roles", "EXP_APPROVER", false, src, ""),
		{Site: &Site{Schema: SchemaRole, Path: "roles", Kind: AttrMember, Member: "EXP_APPROVER"}},
	}
	for i := range attrs {
		for j := range attrs {
			want := attrs[i].Key() == attrs[j].Key()
			if got := attrs[i].SameTarget(&attrs[j]); got != want {
				t.Errorf("SameTarget(%d, %d) = %v, Key equality %v", i, j, got, want)
			}
		}
	}
}

func TestSourceString(t *testing.T) {
	tests := []struct {
		s    Source
		want string
	}{
		{Source{File: "a.csv", Line: 3}, "a.csv:3"},
		{Source{File: "a.csv", Line: 3, Field: "5", Name: "Employee ID"}, "a.csv:3:5 (Employee ID)"},
		{Source{File: "b.xml", Line: 9, Field: "EmpId", Name: "EmpId"}, "b.xml:9:EmpId"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.s, got, tt.want)
		}
	}
}

func TestAttrSize(t *testing.T) {
	if n := unsafe.Sizeof(Attr{}); n > 40 {
		t.Errorf("Attr is %d bytes, want at most 40", n)
	}
}

func TestAttrJSON(t *testing.T) {
	o := &Origin{Pos: Position{File: "u.json", Line: 2}, Keys: []string{"A", "B"}, Names: []string{"", "Bee"}, Lines: []int{0, 7}}
	mem := Attr{Site: &Site{Schema: SchemaRole, Path: "roles", Kind: AttrMember, Member: "R", Field: "X", Name: "Ex", Row: "r:1"}, Origin: o, Field: 2, Bool: true}
	tests := []struct {
		a    Attr
		want string
	}{
		{NewAttr(SchemaCore, "title", "a<b>&\u2028", Source{File: "f.csv", Line: 3, Field: "5", Name: "Title"}, "305.csv:5"),
			`{"schema":"urn:ietf:params:scim:schemas:core:2.0:User","path":"title","value":"a\u003cb\u003e\u0026\u2028","source":{"file":"f.csv","line":3,"field":"5","name":"Title"},"row":"305.csv:5"}`},
		{NewAttr(SchemaCore, "active", false, Source{File: "f.csv", Line: 4}, ""),
			`{"schema":"urn:ietf:params:scim:schemas:core:2.0:User","path":"active","value":false,"source":{"file":"f.csv","line":4}}`},
		{mem, `{"schema":"urn:ietf:params:scim:schemas:extension:spend:2.0:Role","path":"roles","kind":1,"member":"R","present":true,"source":{"file":"u.json","line":7,"field":"B","name":"Bee"},"row":"r:1"}`},
		{NewMember(SchemaCore, "entitlements", "Expense", false, Source{File: "f.csv", Line: 5, Field: "63"}, ""),
			`{"schema":"urn:ietf:params:scim:schemas:core:2.0:User","path":"entitlements","kind":1,"member":"Expense","source":{"file":"f.csv","line":5,"field":"63"}}`},
	}
	for _, tt := range tests {
		got, err := json.Marshal([]Attr{tt.a})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != "["+tt.want+"]" {
			t.Errorf("got  %s\nwant [%s]", got, tt.want)
		}
		var back Attr
		if err := json.Unmarshal([]byte(tt.want), &back); err != nil {
			t.Fatal(err)
		}
		if back.Key() != tt.a.Key() || back.Value() != tt.a.Value() || back.Present() != tt.a.Present() || back.Source() != tt.a.Source() || back.Row() != tt.a.Row() {
			t.Errorf("round trip of %s: %+v", tt.want, back)
		}
	}
}

func TestRefJSON(t *testing.T) {
	yes := true
	o := &Origin{Pos: Position{File: "a&b.csv", Line: 4}, Keys: []string{"1", "2"}, Names: []string{"Type", "Approver"}}
	r := Ref{Kind: RefApprover, Schema: SchemaApprover, Path: "report", Primary: &yes, Target: "E<2>",
		Attrs:  []Attr{NewAttr("", "canPrepare", true, Source{File: "x", Line: 1}, "")},
		Origin: o, Site: &Site{Field: "9", Name: "Nine", Row: "305.csv:2"}, Field: 2}
	want := `{"kind":"approver","schema":"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver","path":"report","primary":true,"target":"E\u003c2\u003e","attrs":[{"schema":"","path":"canPrepare","value":true,"source":{"file":"x","line":1}}],"source":{"file":"a\u0026b.csv","line":4,"field":"2","name":"Approver"},"row":"305.csv:2"}`
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var back Ref
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if back.Key() != r.Key() || back.Target != r.Target || back.Source() != r.Source() || back.Row() != r.Row() || len(back.Attrs) != 1 {
		t.Errorf("round trip: %+v", back)
	}
}

// TestShortSchema: tokens and URNs, both ways.
func TestShortSchema(t *testing.T) {
	for _, c := range []struct{ urn, short string }{
		{SchemaCore, "core:2.0:User"},
		{SchemaSpendUser, "spend:2.0:User"},
		{SchemaPayroll, "enterprise:2.0:Payroll"},
		{"urn:example:custom", "urn:example:custom"},
	} {
		if got := ShortSchema(c.urn); got != c.short {
			t.Errorf("ShortSchema(%q) = %q, want %q", c.urn, got, c.short)
		}
		if got := ExpandSchema(c.short); got != c.urn {
			t.Errorf("ExpandSchema(%q) = %q, want %q", c.short, got, c.urn)
		}
	}
	if got := ExpandSchema(""); got != SchemaCore {
		t.Errorf("ExpandSchema(\"\") = %q", got)
	}
	// Not every URN comes back from its short form.
	if u := "urn:ietf:params:scim:schemas:other:1"; ExpandSchema(ShortSchema(u)) == u {
		t.Errorf("%q round-trips", u)
	}
}
