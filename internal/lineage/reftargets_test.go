package lineage

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestRefTargets: RefTargets lists the targets Reader reads from every
// employee line of a plan with references of every form, and says when
// it cannot tell.
func TestRefTargets(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf, [Phases]int{1, 1, 0})
	yes, no := true, false
	src := func(line int, field string) (*model.Origin, *model.Site) {
		return &model.Origin{Pos: model.Position{File: "in.csv", Line: line}}, &model.Site{Field: field, Name: field, Row: "305.csv:60"}
	}
	o1, s1 := src(2, "59")
	o2, s2 := src(3, "60")
	sets := []*model.ChangeSet{
		{EmployeeID: "E0", Creates: true, Records: []model.Position{{File: "in.csv", Line: 1}}},
		{EmployeeID: "E1", Creates: true, Records: []model.Position{{File: "in.csv", Line: 2}, {File: "in.csv", Line: 3}},
			Refs: []model.Ref{
				{Kind: model.RefApprover, Schema: model.SchemaApprover, Path: "report", Primary: &yes, Target: "M1", Origin: o1, Site: s1, Field: 0},
				{Kind: model.RefApprover, Schema: model.SchemaApprover, Path: "report", Primary: &no, Target: "M2", Origin: o2, Site: s2},
				{Kind: model.RefDelegate, Schema: model.SchemaDelegate, Path: "expense", Target: "D[1]\\\"x", Origin: o2, Site: s2,
					Attrs: []model.Attr{model.NewAttr(model.SchemaDelegate, "canPrepare", true, model.Source{File: "in.csv", Line: 3, Field: "4"}, "")}},
				{Kind: model.RefManager, Schema: model.SchemaEnterprise, Path: "manager", Target: "M3", Origin: o1, Site: s1},
			}},
		{EmployeeID: "E3", Creates: true, Records: []model.Position{{File: "in.csv", Line: 2}, {File: "in.csv", Line: 3}},
			Refs: []model.Ref{
				{Kind: model.RefDelegate, Schema: model.SchemaDelegate, Path: "expense", Target: "D1", Origin: o2, Site: s2,
					Attrs: []model.Attr{model.NewAttr(model.SchemaDelegate, "canPrepare", true, model.Source{File: "in.csv", Line: 3, Field: "4"}, ""),
						model.NewAttr(model.SchemaDelegate, "temporaryDelegation.temporaryDelegationFromDate", "2026-01-02", model.Source{File: "in.csv", Line: 3, Field: "6"}, "")}},
				{Kind: model.RefApprover, Schema: model.SchemaApprover, Path: "report", Primary: &yes, Target: "M]1[", Origin: o2, Site: s2},
				{Kind: model.RefManager, Schema: model.SchemaEnterprise, Path: "manager", Target: "M3", Origin: o1, Site: s1},
			}},
		{EmployeeID: "E2", Creates: true, Records: []model.Position{{File: "in.csv", Line: 4}},
			Refs: []model.Ref{{Kind: model.RefManager, Schema: model.SchemaEnterprise, Path: "manager", Target: "M1", Origin: o1, Site: s1}}},
	}
	for _, cs := range sets {
		if err := w.Write(cs, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(buf.Bytes()))
	lines := bytes.Split(buf.Bytes(), []byte("\n"))
	n := 0
	for _, text := range lines {
		if !bytes.HasPrefix(text, []byte(`{"emp":`)) {
			continue
		}
		l, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		escaped := false
		for _, ref := range l.Refs {
			want = append(want, ref.Target)
			escaped = escaped || bytes.ContainsAny([]byte(ref.Target), "\\\"")
		}
		ok := RefTargets(text, func(tg []byte) bool { got = append(got, string(tg)); return true })
		switch {
		case escaped && ok:
			t.Errorf("%s: ok with an escaped target", l.EmployeeID)
		case !escaped && (!ok || !slices.Equal(got, want)):
			t.Errorf("%s: targets %q ok %t, Reader %q", l.EmployeeID, got, ok, want)
		}
		// Stopped by visit.
		stops := 0
		if RefTargets(text, func([]byte) bool { stops++; return false }); len(want) > 0 && stops != 1 {
			t.Errorf("%s: visited %d times after false", l.EmployeeID, stops)
		}
		n++
	}
	if _, err := r.Next(); err != io.EOF || n != len(sets) {
		t.Fatalf("%d lines, %v", n, err)
	}
	for _, bad := range []string{`{"emp":"E","refs":[[1,"M"`, `{"emp":"E","refs":[1,"M"]}`, `{"emp":"E","refs":[[1,M]]}`, `{"site":1}`} {
		if RefTargets([]byte(bad), func([]byte) bool { return true }) {
			t.Errorf("%s: ok", bad)
		}
	}
}
