package pipeline

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// TestChangeSetCodecMatchesJSON checks the spilled binary form against the
// reference it replaces: for every change set of the samples (and a few
// made by hand), decoding the binary form gives what decoding the JSON
// form gives, and decoding one after another shares sites without mixing
// them up.
func TestChangeSetCodecMatchesJSON(t *testing.T) {
	t.Chdir("../..")
	res, err := Convert(sampleFiles(t), Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	yes, no := true, false
	sets := append([]*model.ChangeSet{}, res.ChangeSets...)
	sets = append(sets,
		&model.ChangeSet{EmployeeID: "E0"},
		&model.ChangeSet{EmployeeID: "E1", Records: []model.Position{}, LeaveOut: []string{"urn:a", "urn:b"},
			Rename: &model.Rename{From: "OLD", NewLogin: "n@x", Source: model.Source{File: "f", Line: 3, Item: 2, Field: "4", Name: "Login"}},
			Attrs: []model.Attr{
				model.NewAttr("urn:s", "p", nil, model.Source{File: "f", Line: 3}, "r:1"),
				model.NewAttr("urn:s", "b", false, model.Source{File: "f", Line: 3, Item: 1, Field: "x"}, ""),
				model.NewAttr("urn:s", "s", "", model.Source{File: "g", Line: 9, Field: "x", Name: "X"}, "r:2"),
				model.NewMember("urn:s", "roles", "R1", true, model.Source{File: "f", Line: 3}, "r:3"),
				model.NewMember("urn:s", "roles", "", false, model.Source{File: "f", Line: 4}, "r:3"),
			},
			Refs: []model.Ref{
				{Kind: model.RefApprover, Schema: "urn:a", Path: "report", Primary: &yes, Target: "E2"},
				{Kind: model.RefApprover, Schema: "urn:a", Path: "report", Primary: &no, Target: "E3"},
				{Kind: model.RefDelegate, Schema: "urn:d", Path: "expense", Target: "E4",
					Attrs: []model.Attr{model.NewAttr("", "canPrepare", true, model.Source{File: "f", Line: 5, Field: "6"}, "r:9")}},
			}})
	sets[len(sets)-1].Refs[0].SetSource(model.Source{File: "f", Line: 7, Field: "3", Name: "Approver"}, "r:4")
	e, c := newCSEncoder(), newCSDecoder(nil)
	for _, cs := range sets {
		var want model.ChangeSet
		if err := json.Unmarshal(cs.AppendJSON(nil), &want); err != nil {
			t.Fatalf("%s: %v", cs.EmployeeID, err)
		}
		var got model.ChangeSet
		d := dec[string]{s: string(e.appendChangeSet(nil, cs))}
		c.read(&d, &got)
		if err := d.done(); err != nil {
			t.Fatalf("%s: %v", cs.EmployeeID, err)
		}
		if !reflect.DeepEqual(&got, &want) {
			t.Errorf("%s: binary form decodes to\n%s\nJSON form to\n%s", cs.EmployeeID, got.AppendJSON(nil), want.AppendJSON(nil))
		}
	}
	if len(res.ChangeSets) < 10 {
		t.Fatalf("only %d change sets from the samples", len(res.ChangeSets))
	}
}

// TestChangeSetCodecCorrupt checks that every truncation of a spilled change
// set is an error, never a panic.
func TestChangeSetCodecCorrupt(t *testing.T) {
	cs := &model.ChangeSet{EmployeeID: "E1", Records: []model.Position{{File: "f", Line: 2}},
		Attrs: []model.Attr{model.NewAttr("urn:s", "p", "v", model.Source{File: "f", Line: 2, Field: "1"}, "r:1")}}
	b := newCSEncoder().appendChangeSet(nil, cs)
	for n := range len(b) {
		d := dec[string]{s: string(b[:n])}
		var got model.ChangeSet
		newCSDecoder(nil).read(&d, &got)
		if d.done() == nil {
			t.Errorf("%d of %d bytes decode without an error", n, len(b))
		}
	}
}

// TestChangeSetCodecFullDictionary checks a section with more distinct
// sites and files than the dictionaries number: the sites past the limit
// are written whole each time and still decode to what was written, and
// numbered sites keep their numbers.
func TestChangeSetCodecFullDictionary(t *testing.T) {
	e, c := newCSEncoder(), newCSDecoder(nil)
	for i := range 3 {
		cs := &model.ChangeSet{EmployeeID: fmt.Sprint("E", i)}
		for j := range maxCSSites + 10 {
			src := model.Source{File: fmt.Sprint("f", j%(maxCSSites+5)), Line: i + 2, Field: fmt.Sprint(j)}
			cs.Attrs = append(cs.Attrs, model.NewAttr("urn:s", fmt.Sprint("p", j), "v", src, ""))
		}
		b := e.appendChangeSet(nil, cs)
		var got model.ChangeSet
		d := dec[string]{s: string(b)}
		c.read(&d, &got)
		if err := d.done(); err != nil {
			t.Fatalf("change set %d: %v", i, err)
		}
		for j := range cs.Attrs {
			if w, g := cs.Attrs[j].Source(), got.Attrs[j].Source(); w != g || cs.Attrs[j].Path() != got.Attrs[j].Path() {
				t.Fatalf("change set %d, value %d: decoded %+v at %s, want %+v at %s", i, j, g, got.Attrs[j].Path(), w, cs.Attrs[j].Path())
			}
		}
		if len(c.sites) != maxCSSites || len(c.files) != maxCSSites {
			t.Fatalf("decoder numbered %d sites and %d files, want %d each", len(c.sites), len(c.files), maxCSSites)
		}
	}
}

// TestChangeSetCodecUnknownEntry checks that a change set naming sites and
// files by numbers its decoder never saw is an error, never a panic.
func TestChangeSetCodecUnknownEntry(t *testing.T) {
	e := newCSEncoder()
	cs := &model.ChangeSet{EmployeeID: "E1", Attrs: []model.Attr{model.NewAttr("urn:s", "p", "v", model.Source{File: "f", Line: 2, Field: "1"}, "r:1")}}
	e.appendChangeSet(nil, cs)
	second := e.appendChangeSet(nil, cs) // by number only
	d := dec[string]{s: string(second)}
	var got model.ChangeSet
	newCSDecoder(nil).read(&d, &got)
	if d.done() == nil {
		t.Fatal("a change set naming entries its decoder never saw decodes without an error")
	}
}
