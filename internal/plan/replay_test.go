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
	sets := variedSets(300)
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
// that bodies whose shape depends on values are not remembered (members
// are compared when matching, so their bodies are).
func TestReplayHits(t *testing.T) {
	o := Options{CompanyID: "c"}
	b := newBuilder(&o, nil)
	sets := variedSets(27)
	replays := 0
	for u, cs := range sets {
		before := b.tmpl.root
		res := b.user(cs)
		if res.err != nil {
			t.Fatal(res.err)
		}
		if b.tmpl.root != nil && b.tmpl.root == before {
			replays++
		}
		switch (u / 3) % 9 {
		case 3, 6, 7:
			if b.tmpl.root != nil {
				t.Errorf("user %d: a body whose shape depends on values is remembered", u)
			}
		}
	}
	// Runs 0, 1, 2, 4 and 8 (created users) replay their second and third users.
	if replays < 9 {
		t.Errorf("%d replays, want at least 9", replays)
	}
}
