package mapping

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/concur"
	"github.com/upsmigrate/upsmigrate/formats/v1xml"
	"github.com/upsmigrate/upsmigrate/formats/v3json"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

func TestKeys(t *testing.T) {
	tests := []struct {
		name string
		rec  *model.Record
		want RecordKeys
	}{
		{"305: key, login twice, references", flat("f", 2, "305", map[int]string{5: " E1 ", 6: "Ann@Example.com", 8: "ann@example.com", 59: "E2", 60: "E3"}),
			RecordKeys{Key: "E1", Logins: []string{"Ann@Example.com"}, Refs: []string{"E2", "E3"}}},
		{"320: new ID and login", flat("f", 2, "320", map[int]string{2: "E1", 3: "N1", 4: "new@example.com"}),
			RecordKeys{Key: "E1", NewKey: "N1", Logins: []string{"new@example.com"}}},
		{"320: new ID equal to the key", flat("f", 2, "320", map[int]string{2: "E1", 3: "E1"}),
			RecordKeys{Key: "E1"}},
		{"320: a spreadsheet number is no new ID", flat("f", 2, "320", map[int]string{2: "E1", 3: "1.23457E+11"}),
			RecordKeys{Key: "E1"}},
		{"a spreadsheet number is no key", flat("f", 2, "400", map[int]string{2: "1.23457E+11", 3: "EXP_PROCESSOR"}),
			RecordKeys{}},
		{"500: the delegate is a reference", flat("f", 2, "500", map[int]string{2: "E1", 3: "E9", 4: "EXP", 5: "Y"}),
			RecordKeys{Key: "E1", Refs: []string{"E9"}}},
		{"100: no employee", flat("f", 1, "100", map[int]string{2: "0", 3: "SSO", 4: "UPDATE"}),
			RecordKeys{}},
		{"too many fields: rejected before any field", flat("f", 2, "400", map[int]string{2: "E1", 40: "x"}),
			RecordKeys{}},
		{"unknown record type", &model.Record{Format: model.FormatConcur, Type: "999", Values: []string{"999", "E1"}},
			RecordKeys{}},
		{"3.x: keys by name", keyed(model.FormatV3JSON, "3.1", "u.json", 3, "EmployeeID", "V3", "LoginID", "v3@example.com"),
			RecordKeys{Key: "V3", Logins: []string{"v3@example.com"}}},
		{"V1: keys by name", keyed(model.FormatV1XML, "v1", "u.xml", 3, "EmployeeID", "V1", "LoginID", "v1@example.com"),
			RecordKeys{Key: "V1", Logins: []string{"v1@example.com"}}},
	}
	e := NewEngine(mustDefault(t), Options{})
	var k RecordKeys
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Keys(tt.rec, &k)
			if k.Key != tt.want.Key || k.NewKey != tt.want.NewKey || !slices.Equal(k.Logins, tt.want.Logins) || !slices.Equal(k.Refs, tt.want.Refs) {
				t.Errorf("Keys = %+v, want %+v", k, tt.want)
			}
		})
	}
}

// TestKeysAgreeWithAdd reads every sample input and checks that Keys finds
// the key Add files each record under, and the new ID of each rename.
// sampleRecords reads every record of the samples, in order of path.
func sampleRecords(t *testing.T) []*model.Record {
	t.Helper()
	var paths []string
	for _, pat := range []string{"../samples/concur/*.csv", "../samples/legacy/*.xml", "../samples/legacy/*.json"} {
		m, _ := filepath.Glob(pat)
		paths = append(paths, m...)
	}
	sort.Strings(paths)
	if len(paths) < 10 {
		t.Fatalf("only %d samples", len(paths))
	}
	var all []*model.Record
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case strings.HasSuffix(p, ".xml"):
			all = append(all, readAll(t, v1xml.NewReader(strings.NewReader(string(data)), p))...)
		case strings.HasSuffix(p, ".json"):
			all = append(all, readAll(t, v3json.NewReader(strings.NewReader(string(data)), p))...)
		default:
			all = append(all, readAll(t, concur.NewReader(strings.NewReader(string(data)), p))...)
		}
	}
	return all
}

func TestKeysAgreeWithAdd(t *testing.T) {
	e := NewEngine(mustDefault(t), Options{})
	var want []RecordKeys
	var k RecordKeys
	for _, r := range sampleRecords(t) {
		e.Keys(r, &k)
		want = append(want, RecordKeys{Key: k.Key, NewKey: k.NewKey})
		e.Add(r)
	}
	e.Finish()
	if int(e.cs.n) != len(want) {
		t.Fatalf("%d records added, %d keyed", e.cs.n, len(want))
	}
	renames := 0
	for i := int32(0); i < e.cs.n; i++ {
		c := e.cs.at(i)
		if c.key != want[i].Key || c.newEmp != want[i].NewKey {
			t.Errorf("%s: Keys found %+v; Add files it under %q, new ID %q", c.pos, want[i], c.key, c.newEmp)
		}
		if c.newEmp != "" {
			renames++
		}
	}
	if renames == 0 {
		t.Error("no rename among the samples: the test checks less than it should")
	}
}

// TestHeads: the first record of each change set, in the order of the
// change sets.
func TestHeads(t *testing.T) {
	e := NewEngine(mustDefault(t), Options{})
	for _, r := range []*model.Record{
		flat("f", 1, "100", map[int]string{2: "0"}),                          // 0: no employee
		flat("f", 2, "400", map[int]string{2: "E2", 3: "NOT_A_ROLE"}),        // 1: rejected
		flat("f", 3, "400", map[int]string{2: "E1", 3: "EXP_PROCESSOR"}),     // 2: E1
		flat("f", 4, "400", map[int]string{2: "E2", 3: "EXP_PROCESSOR"}),     // 3: E2
		flat("f", 5, "400", map[int]string{2: "E1", 3: "EXP_APPROVER"}),      // 4: E1 again
		flat("f", 6, "320", map[int]string{2: "E3", 3: "E2"}),                // 5: E3 becomes E2: folds into E2
		flat("f", 7, "400", map[int]string{2: "E4", 3: "EXP_PROCESSOR"}),     // 6: E4 …
		flat("f", 8, "320", map[int]string{2: "E4", 3: "N4"}),                // 7: … renamed N4
		flat("f", 9, "400", map[int]string{2: "N4", 3: "INVOICE_PROCESSOR"}), // 8: N4
	} {
		e.Add(r)
	}
	sets, _ := e.Finish()
	var ids []string
	for _, cs := range sets {
		ids = append(ids, cs.EmployeeID)
	}
	if got, want := e.Heads(), []int{2, 3, 6}; !slices.Equal(got, want) {
		t.Errorf("Heads = %v, want %v (change sets %v)", got, want, ids)
	}
}

// TestAbsorb: an engine that absorbs others reports their refusals and
// date hints as one engine that added all their records would.
func TestAbsorb(t *testing.T) {
	recs := []*model.Record{
		flat("a", 2, "400", map[int]string{2: "E1", 3: "EXP_PROCESSOR", 4: "S1"}),
		flat("a", 3, "400", map[int]string{2: "E2", 3: "EXP_PROCESSOR", 5: "S2"}),
		flat("b", 2, "350", map[int]string{2: "E1", 8: "25/12/1984"}),
		flat("b", 3, "350", map[int]string{2: "E2", 8: "13/01/1990"}),
	}
	whole := NewEngine(mustDefault(t), Options{})
	for _, r := range recs {
		whole.Add(r)
	}
	sum := NewEngine(mustDefault(t), Options{})
	for _, part := range [][]*model.Record{{recs[1], recs[3]}, {recs[0], recs[2]}} {
		e := NewEngine(mustDefault(t), Options{})
		for _, r := range part {
			e.Add(r)
		}
		sum.Absorb(e)
	}
	if got, want := sum.Refused(), whole.Refused(); !slices.EqualFunc(got, want, func(a, b Refusal) bool {
		return a.Table == b.Table && a.Records == b.Records && slices.Equal(a.Fields, b.Fields)
	}) || len(want) == 0 {
		t.Errorf("Refused = %+v, want %+v", got, want)
	}
	got, want := sum.DateHints("b"), whole.DateHints("b")
	if len(want) == 0 || len(got) != len(want) || got[0] != want[0] {
		t.Errorf("DateHints = %v, want %v", got, want)
	}
}
