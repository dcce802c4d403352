package model

import "testing"

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
	attrs := []Attr{
		{Schema: SchemaCore, Path: "name.givenName"},
		{Schema: SchemaCore, Path: "name.familyName"},
		{Schema: SchemaSpendUser, Path: "name.givenName"},
		{Schema: SchemaCore, Path: "entitlements", Kind: AttrMember, Member: "Expense"},
		{Schema: SchemaCore, Path: "entitlements", Kind: AttrMember, Member: "Invoice"},
		{Schema: SchemaRole, Path: "roles", Kind: AttrMember, Member: "EXP_APPROVER", Present: true},
		{Schema: SchemaRole, Path: "roles", Kind: AttrMember, Member: "EXP_APPROVER"},
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
