package plan

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// variedSets is genSets with users that share their shape in runs and
// differ in it between runs: role flags, missing extensions, phones,
// repeated paths, duplicate members, employee numbers that differ from the
// ID, values added to multi-valued attributes, existing users.
func variedSets(n int) []*model.ChangeSet {
	sets := genSets(n)
	for u, cs := range sets {
		src := model.Source{File: "v.txt", Line: u + 2}
		run := u / 3 // three users in a row share their shape
		switch run % 9 {
		case 1: // other role flags
			for i := range cs.Attrs {
				if a := &cs.Attrs[i]; a.Kind() == model.AttrMember {
					a.Bool = !a.Bool
				}
			}
		case 2: // no payroll
			var attrs []model.Attr
			for _, a := range cs.Attrs {
				if a.Schema() != model.SchemaPayroll {
					attrs = append(attrs, a)
				}
			}
			cs.Attrs = attrs
		case 3: // phones: the shape depends on the phone types
			cs.Attrs = append(cs.Attrs,
				model.NewAttr(model.SchemaCore, `phoneNumbers[type eq "mobile"].value`, "555-"+strconv.Itoa(u), src, ""),
				model.NewAttr(model.SchemaCore, `phoneNumbers[type eq "work"].value`, "556", src, ""))
		case 4: // a path set twice, a differing employee number
			cs.Attrs = append(cs.Attrs, model.NewAttr(model.SchemaCore, "name.givenName", "again-"+strconv.Itoa(u), src, ""),
				model.NewAttr(model.SchemaEnterprise, "employeeNumber", "X"+strconv.Itoa(u%2), src, ""))
		case 5: // a duplicate member, and a member given by each value
			cs.Attrs = append(cs.Attrs, model.NewMember(model.SchemaCore, "entitlements", "Expense", true, src, ""),
				model.NewMember(model.SchemaCore, "entitlements", []string{"Expense", "Travel"}[u%2], true, src, ""))
		case 6: // values added to a multi-valued attribute
			cs.Attrs = append(cs.Attrs, model.NewAttr(model.SchemaTravel, "groups", "g1", src, ""),
				model.NewAttr(model.SchemaTravel, "groups", []string{"g1", "g2"}[u%2], src, ""))
		case 7: // two-term filters, and an element value overwriting its key
			cs.Attrs = append(cs.Attrs,
				model.NewAttr(model.SchemaCore, `addresses[type eq "work" and country eq "US"].locality`, "L"+strconv.Itoa(u), src, ""),
				model.NewAttr(model.SchemaCore, `addresses[type eq "work" and country eq "US"].region`, "R", src, ""),
				model.NewAttr(model.SchemaCore, `emails[type eq "work"].type`, []string{"work", "home"}[u%2], src, ""),
				model.NewAttr(model.SchemaCore, `emails[type eq "home"].value`, "h", src, ""))
		case 8: // an existing user
			cs.Creates = u%2 == 0
		}
	}
	return sets
}

// TestReplay checks that the bodies a build replays are the bodies built
// afresh: every user's operations and warnings are the same in one build
// of all users as in a build of that user alone.
func TestReplay(t *testing.T) {
	t.Run("own sites", func(t *testing.T) { testReplay(t, variedSets(300)) })
	t.Run("shared sites", func(t *testing.T) {
		sets := variedSets(300)
		shareSites(sets)
		testReplay(t, sets)
	})
}

func testReplay(t *testing.T, sets []*model.ChangeSet) {
	var ents []DirEntry
	for u, cs := range sets {
		if u%4 == 0 {
			ents = append(ents, DirEntry{EmployeeNumber: cs.EmployeeID, ID: "id-" + strconv.Itoa(u)})
		}
	}
	dir, err := NewDirectory(ents)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{CompanyID: "c"}, {Replace: true, Directory: dir, Workers: 1}, {Indent: true, Workers: 1}} {
		t.Run(fmt.Sprintf("replace=%v,indent=%v", o.Replace, o.Indent), func(t *testing.T) {
			all, err := Build(sets, o)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]byte{}
			for _, r := range all.Requests {
				for _, op := range r.Operations {
					got[op.Employee+"/"+strconv.Itoa(op.Phase)] = op.Encoded()
				}
			}
			var warns []model.Diagnostic
			for _, cs := range sets {
				one, err := Build([]*model.ChangeSet{cs}, o)
				if err != nil {
					t.Fatal(err)
				}
				warns = append(warns, one.Warnings...)
				for _, r := range one.Requests {
					for _, op := range r.Operations {
						k := op.Employee + "/" + strconv.Itoa(op.Phase)
						if !bytes.Equal(got[k], op.Encoded()) {
							t.Fatalf("%s:\n all %s\nalone %s", k, got[k], op.Encoded())
						}
						delete(got, k)
					}
				}
			}
			if len(got) != 0 {
				t.Errorf("%d operations only in the build of all users", len(got))
			}
			if !reflect.DeepEqual(all.Warnings, warns) || len(warns) == 0 {
				t.Errorf("warnings differ: %d in all, %d alone", len(all.Warnings), len(warns))
			}
		})
	}
}

// TestReplayHits checks that runs of users of one shape are replayed, and
// that shapes whose bodies may depend on values never are.
func TestReplayHits(t *testing.T) {
	o := Options{CompanyID: "c"}
	b := newBuilder(&o, nil)
	sets := variedSets(27)
	replays := 0
	for u, cs := range sets {
		if cs.Creates && b.sameShape(cs) { // updates have no body
			replays++
			switch (u / 3) % 9 {
			case 3, 6, 7:
				t.Errorf("user %d: a body whose shape depends on values is replayed", u)
			}
		}
		if res := b.user(cs); res.err != nil {
			t.Fatal(res.err)
		}
	}
	// Runs 0, 1, 2 and 4 replay their second and third users, run 8 its
	// third (the second is an update); run 5 changes members user by user.
	if replays != 9 {
		t.Errorf("%d replays, want 9", replays)
	}
}

// TestReplayShapes builds pairs of change sets of one shape whose bodies
// may differ in more than their values, and expects the second body of a
// build of both to be the body of a build of the second alone, whichever
// comes first.
func TestReplayShapes(t *testing.T) {
	s := func(path string, v any) model.Attr { return set(model.SchemaCore, path, v) }
	tr := func(path string, v any) model.Attr { return set(model.SchemaTravel, path, v) }
	tests := []struct {
		name string
		a, b []model.Attr
	}{
		{"equal values of a simple array", []model.Attr{tr("groups", "g1"), tr("groups", "g1")}, []model.Attr{tr("groups", "g1"), tr("groups", "g2")}},
		{"a phone type set by value", []model.Attr{s(`phoneNumbers[type eq "work"].value`, "1"), s(`phoneNumbers[type eq "work"].type`, "mobile")},
			[]model.Attr{s(`phoneNumbers[type eq "work"].value`, "1"), s(`phoneNumbers[type eq "work"].type`, "work")}},
		{"a two-term filter matching a value", []model.Attr{s(`addresses[type eq "work"].country`, "US"), s(`addresses[type eq "work" and country eq "US"].locality`, "L")},
			[]model.Attr{s(`addresses[type eq "work"].country`, "CA"), s(`addresses[type eq "work" and country eq "US"].locality`, "L")}},
		{"filters of two names on one array", []model.Attr{s(`emails[type eq "work"].value`, "a"), s(`emails[value eq "a"].display`, "d")},
			[]model.Attr{s(`emails[type eq "work"].value`, "b"), s(`emails[value eq "a"].display`, "d")}},
		{"a boolean filter", []model.Attr{s(`emails[type eq "work"].primary`, true), s(`emails[primary eq true].value`, "p")},
			[]model.Attr{s(`emails[type eq "work"].primary`, false), s(`emails[primary eq true].value`, "p")}},
		{"a filter key set by value", []model.Attr{s(`emails[type eq "work"].type`, "home"), s(`emails[type eq "home"].value`, "h")},
			[]model.Attr{s(`emails[type eq "work"].type`, "work"), s(`emails[type eq "home"].value`, "h")}},
		{"a value and a member of one array", []model.Attr{s("entitlements", "Expense"), member(model.SchemaCore, "entitlements", "Expense", true)},
			[]model.Attr{s("entitlements", "Invoice"), member(model.SchemaCore, "entitlements", "Expense", true)}},
		{"a path through an array", []model.Attr{s("emergencyContacts.name", "A"), s("emergencyContacts.phones", "1"), s("emergencyContacts.phones", "1")},
			[]model.Attr{s("emergencyContacts.name", "B"), s("emergencyContacts.phones", "1"), s("emergencyContacts.phones", "2")}},
		{"a path set twice", []model.Attr{s("name.givenName", "A"), s("name.givenName", "B"), set(model.SchemaEnterprise, "employeeNumber", "E1")},
			[]model.Attr{s("name.givenName", "C"), s("name.givenName", "C"), set(model.SchemaEnterprise, "employeeNumber", "X")}},
		{"filtered elements", []model.Attr{set(model.SchemaSpendUser, `customData[id eq "c1"].value`, "1"), set(model.SchemaSpendUser, `customData[id eq "c2"].value`, "1"), s("active", true)},
			[]model.Attr{set(model.SchemaSpendUser, `customData[id eq "c1"].value`, "2"), set(model.SchemaSpendUser, `customData[id eq "c2"].value`, "3"), s("active", false)}},
		{"members present and absent", []model.Attr{member(model.SchemaRole, "roles", "R1", true), member(model.SchemaCore, "entitlements", "Expense", false)},
			[]model.Attr{member(model.SchemaRole, "roles", "R1", false), member(model.SchemaCore, "entitlements", "Expense", true)}},
		{"other members", []model.Attr{member(model.SchemaRole, "roles", "R1", true), member(model.SchemaRole, "roles.roleName", "R1", true)},
			[]model.Attr{member(model.SchemaRole, "roles", "R1", true), member(model.SchemaRole, "roles.roleName", "R2", true)}},
	}
	for _, tt := range tests {
		for _, o := range []Options{{Workers: 1}, {Workers: 1, Replace: true, CompanyID: "c"}} {
			for _, order := range [][2][]model.Attr{{tt.a, tt.b}, {tt.b, tt.a}} {
				first := &model.ChangeSet{EmployeeID: "E1", Creates: !o.Replace, Attrs: order[0], Records: []model.Position{{File: "in.txt", Line: 2}}}
				second := &model.ChangeSet{EmployeeID: "E2", Creates: !o.Replace, Attrs: order[1], Records: []model.Position{{File: "in.txt", Line: 3}}}
				both, err := Build([]*model.ChangeSet{first, second}, o)
				if err != nil {
					t.Fatal(err)
				}
				alone, err := Build([]*model.ChangeSet{second}, o)
				if err != nil {
					t.Fatal(err)
				}
				got, want := bodyOfEmployee(both, "E2"), bodyOfEmployee(alone, "E2")
				if want == nil || !bytes.Equal(got, want) {
					t.Errorf("%s (replace %v): after the other change set\n%s\nalone\n%s", tt.name, o.Replace, got, want)
				}
				var warns []model.Diagnostic
				for i, w := range both.Warnings {
					if both.WarningSets[i] == 1 {
						warns = append(warns, w)
					}
				}
				if !reflect.DeepEqual(warns, alone.Warnings) {
					t.Errorf("%s (replace %v): warnings %v, alone %v", tt.name, o.Replace, warns, alone.Warnings)
				}
			}
		}
	}
}

// bodyOfEmployee is the encoded phase 1 operation of emp in p.
func bodyOfEmployee(p *Plan, emp string) []byte {
	for _, r := range p.Requests {
		for _, op := range r.Operations {
			if op.Employee == emp && op.Phase == PhaseIdentity {
				return op.Encoded()
			}
		}
	}
	return nil
}
