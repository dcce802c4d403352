package lineage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

func ptr[T any](v T) *T { return &v }

// flatRecord is a 305 record's origin: its fields' keys and names, shared
// with every record of the type as the readers share them.
var (
	keys305   = []string{"1", "2", "3", "4", "5"}
	names305  = []string{"Record Type", "First Name", "Middle Name", "", "Employee ID"}
	rowGiven  = &model.Site{Schema: model.SchemaCore, Path: "name.givenName", Field: "2", Name: "Given", Row: "mapping/tables/305.csv:3"}
	rowFamily = &model.Site{Schema: model.SchemaCore, Path: "name.familyName", Field: "4", Name: "Last Name", Row: "mapping/tables/305.csv:5"}
	rowRole   = &model.Site{Schema: model.SchemaRole, Path: "roles", Kind: model.AttrMember, Member: "EXP_APPROVER", Field: "64", Name: "Approver", Row: "mapping/tables/305.csv:65"}
	rowEnt    = &model.Site{Schema: model.SchemaCore, Path: "entitlements", Kind: model.AttrMember, Field: "66", Row: "mapping/tables/305.csv:67"}
	rowActive = &model.Site{Schema: model.SchemaCore, Path: "active", Field: "15", Name: "Active", Row: "mapping/tables/305.csv:16"}
)

func origin(file string, line int) *model.Origin {
	return &model.Origin{Pos: model.Position{File: file, Line: line}, Keys: keys305, Names: names305}
}

// sampleLines are change sets of every shape the encoding knows.
func sampleLines() []Line {
	o2, o3 := origin("in/feed.csv", 2), origin("in/feed.csv", 3)
	xml := &model.Origin{Pos: model.Position{File: "in/users.xml", Line: 20}, Keys: []string{"Department", "Title"}, Lines: []int{24, 0}}
	return []Line{
		{ChangeSet: &model.ChangeSet{EmployeeID: "E1", Creates: true,
			Attrs: []model.Attr{
				{Site: rowGiven, Origin: o2, Field: 2, Type: model.StringValue, Str: `Dana <&> "Q" \ é ☃ ` + "\t\u2028"},
				{Site: rowFamily, Origin: o2, Field: 4, Type: model.StringValue, Str: "Whitfield"}, // no name in the record: the site's
				{Site: rowActive, Origin: o2, Field: 0, Type: model.BoolValue, Bool: true},
				{Site: rowRole, Origin: o2, Bool: true},
				{Site: rowEnt, Origin: o3, Str: "Travel"},
				{Site: rowEnt, Origin: o3, Str: "Expense", Bool: true},
				model.NewAttr(model.SchemaSpendUser, "reimbursementCurrency", "USD", model.Source{File: "mapping/defaults.csv", Line: 5, Field: "value", Name: "default"}, "mapping/defaults.csv:5"),
				model.NewAttr(model.SchemaSpendUser, "ledgerCode", nil, model.Source{File: "in/feed.csv", Line: 2, Field: "12"}, ""),
			},
			Refs: []model.Ref{
				{Kind: model.RefDelegate, Schema: model.SchemaDelegate, Path: "expense", Target: "E2", Origin: o2, Site: &model.Site{Field: "69", Name: "Delegate ID", Row: "mapping/tables/305.csv:70"},
					Attrs: []model.Attr{model.NewAttr(model.SchemaDelegate, "canPrepare", true, model.Source{File: "in/feed.csv", Line: 2, Field: "70", Name: "Can Prepare"}, "mapping/tables/305.csv:71")}},
				{Kind: model.RefApprover, Schema: model.SchemaApprover, Path: "report", Primary: ptr(true), Target: "E7", Origin: o3, Field: 5},
				{Kind: model.RefApprover, Schema: model.SchemaApprover, Path: "report", Primary: ptr(false), Target: "E8"},
			},
			Records:  []model.Position{{File: "in/feed.csv", Line: 2}, {File: "in/feed.csv", Line: 3}},
			LeaveOut: []string{model.SchemaTravel},
		}, Operations: []OpRef{{Bulk: "bulk-0002.json", Index: 0, Phase: 1, Method: "POST", Path: "/Users", BulkID: "emp-E1"},
			{Bulk: "bulk-0003.json", Index: 4, Phase: 2, Method: "PATCH", Path: "/Users/bulkId:emp-E1"}}},
		{ChangeSet: &model.ChangeSet{EmployeeID: "E2",
			Rename: &model.Rename{From: "E9", NewEmployeeID: "E2", NewLogin: "e2@example.com", Source: model.Source{File: "in/320.csv", Line: 4, Field: "3", Name: "New Employee ID"}},
			Attrs: []model.Attr{
				{Site: &model.Site{Schema: model.SchemaEnterprise, Path: "department", Field: "Department", Row: "mapping/tables/v1.csv:12"}, Origin: xml, Field: 1, Type: model.StringValue, Str: "Finance"},
				{Site: rowGiven, Origin: o2, Field: 2, Type: model.StringValue, Str: "Eve"},
			},
			Records: []model.Position{{File: "in/320.csv", Line: 4}, {File: "in/users.xml", Line: 20}},
		}, Operations: []OpRef{{Bulk: "bulk-0001.json", Index: 0, Phase: 0, Method: "PATCH", Path: "/Users/bulkId:emp-E9"}}},
		{ChangeSet: &model.ChangeSet{EmployeeID: "E3", Records: []model.Position{}}, Operations: []OpRef{}},
		// A delegate whose element values come from its own record and
		// another; operations with the usual addresses and others.
		{ChangeSet: &model.ChangeSet{EmployeeID: "E5/x",
			Attrs: []model.Attr{{Site: rowGiven, Origin: o2, Field: 2, Type: model.StringValue, Str: "Kim"}},
			Refs: []model.Ref{{Kind: model.RefDelegate, Schema: model.SchemaDelegate, Path: "expense", Target: "E1", Origin: o3, Site: &model.Site{Field: "2", Name: "Delegate ID", Row: "mapping/tables/500.csv:3"},
				Attrs: []model.Attr{
					model.NewAttr(model.SchemaDelegate, "canApprove", true, model.Source{File: "in/feed.csv", Line: 3, Field: "4"}, "mapping/tables/500.csv:5"),
					model.NewAttr(model.SchemaDelegate, "canPrepare", false, model.Source{File: "in/feed.csv", Line: 2, Field: "5"}, "mapping/tables/500.csv:6"),
				}}},
			Records: []model.Position{{File: "in/feed.csv", Line: 2}, {File: "in/feed.csv", Line: 3}},
		}, Operations: []OpRef{
			{Bulk: "bulk-12345.json", Index: 1, Phase: 1, Method: "POST", Path: "/Users", BulkID: "emp-E5/x"},
			{Bulk: "bulk-0000.json", Index: 2, Phase: 2, Method: "PATCH", Path: "/Users/bulkId:emp-E5%2Fx"},
			{Bulk: "bulk-007.json", Index: 3, Phase: 2, Method: "PUT", Path: "/Users/0b0e6f5a-1111-2222-3333-444455556666"},
			{Bulk: "custom.json", Index: 4, Phase: 2, Method: "DELETE", Path: "/Users/bulkId:emp-E5/x"},
			{Bulk: "bulk-0009.json", Index: 5, Phase: 1, Method: "POST", Path: "/Users"},
		}},
		{ChangeSet: &model.ChangeSet{EmployeeID: "E4 \"odd\"", Attrs: []model.Attr{{Site: rowGiven, Type: model.StringValue, Str: "no origin"}}}},
	}
}

// sampleRequests are requests per phase that number some of
// sampleLines' requests within their phase and leave others, before their
// phase's first, written by name.
var sampleRequests = [Phases]int{1, 12344, 5}

// encode writes lines as a plan.
func encode(t *testing.T, lines []Line) []byte {
	t.Helper()
	b, _ := encodeWith(t, lines)
	return b
}

// encodeWith is encode, returning the Writer too.
func encodeWith(t *testing.T, lines []Line) ([]byte, *Writer) {
	t.Helper()
	var b bytes.Buffer
	w := NewWriter(&b, sampleRequests)
	for _, l := range lines {
		if err := w.Write(l.ChangeSet, l.Operations); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w
}

// decode reads every line of a plan.
func decode(t *testing.T, plan []byte) []*Line {
	t.Helper()
	var out []*Line
	r := NewReader(bytes.NewReader(plan))
	for {
		l, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
}

// Equal reports where got differs from want: its change set's JSON form
// (every value with its target and source) or its operations.
func equal(got, want *Line) string {
	g, w := got.AppendJSON(nil), want.AppendJSON(nil)
	if !bytes.Equal(g, w) {
		return "change set\n got " + string(g) + "\nwant " + string(w)
	}
	if len(got.Operations) != len(want.Operations) || len(want.Operations) > 0 && !reflect.DeepEqual(got.Operations, want.Operations) {
		return "operations differ"
	}
	return ""
}

func TestRoundTrip(t *testing.T) {
	want := sampleLines()
	plan := encode(t, want)
	got := decode(t, plan)
	if len(got) != len(want) {
		t.Fatalf("%d lines back, %d written", len(got), len(want))
	}
	for i := range want {
		if d := equal(got[i], &want[i]); d != "" {
			t.Errorf("line %d (%s): %s", i, want[i].EmployeeID, d)
		}
		if got[i].N == 0 {
			t.Errorf("line %d: no line number", i)
		}
	}
	// Written again, the decoded lines give the same bytes.
	var again []Line
	for _, l := range got {
		again = append(again, *l)
	}
	if b := encode(t, again); !bytes.Equal(b, plan) {
		t.Errorf("re-encoding differs:\n%s\n%s", b, plan)
	}
	golden.Check(t, filepath.Join("testdata", "sample.jsonl"), plan)
	// Plans of version 2 (no "pos": a value without a position is at the
	// first), 3 (requests numbered within the run) and 4 (a site's number
	// with each value) read back to the same lines.
	byID := map[string]*Line{}
	for i := range want {
		byID[want[i].EmployeeID] = &want[i]
	}
	for _, v := range []struct {
		file  string
		lines int
	}{{"sample-v2.jsonl", 4}, {"sample-v3.jsonl", len(want)}, {"sample-v4.jsonl", len(want)}} {
		b, err := os.ReadFile(filepath.Join("testdata", v.file))
		if err != nil {
			t.Fatal(err)
		}
		old := decode(t, b)
		if len(old) != v.lines {
			t.Fatalf("%s: %d lines back, want the first %d samples", v.file, len(old), v.lines)
		}
		for i, l := range old {
			if w := byID[l.EmployeeID]; w == nil {
				t.Errorf("%s, line %d: employee %q is not a sample", v.file, i, l.EmployeeID)
			} else if d := equal(l, w); d != "" {
				t.Errorf("%s, line %d (%s): %s", v.file, i, l.EmployeeID, d)
			}
		}
	}
}

// TestHeader: the header has its fixed size whatever the counts, and a
// plan's requests are numbered within their phase from its counts.
func TestHeader(t *testing.T) {
	for _, req := range [][Phases]int{{}, {1, 2, 3}, {999999999, 999999999, 999999999}} {
		h := AppendHeader([]byte("x"), req)
		if len(h) != 1+HeaderSize || h[len(h)-1] != '\n' {
			t.Errorf("header of %v: %d bytes %q, want %d ending in a newline", req, len(h)-1, h[1:], HeaderSize)
		}
	}
	line := `{"emp":"E1","ops":[[2,0,0,"POST"],[1,3,1,"PATCH"],[3,1,2,"PATCH"],["other.json",0,1,"PUT","/Users/x"]]}` + "\n"
	got := decode(t, append(AppendHeader(nil, [Phases]int{2, 4, 3}), line...))
	if len(got) != 1 {
		t.Fatalf("%d lines", len(got))
	}
	var names []string
	for _, o := range got[0].Operations {
		names = append(names, o.Bulk)
	}
	if want := "bulk-0002.json bulk-0003.json bulk-0009.json other.json"; strings.Join(names, " ") != want {
		t.Errorf("requests %q, want %q", names, want)
	}
	// Written back with the same counts, the same numbers.
	if b := AppendOps(nil, "E1", got[0].Operations, firsts([Phases]int{2, 4, 3})); !strings.HasSuffix(line, string(b)) {
		t.Errorf("operations written back as %s, want the end of %s", b, line)
	}
}

// TestAnyOrder: the dictionary follows the order the employees come in;
// each order reads back to the same lines.
func TestAnyOrder(t *testing.T) {
	lines := sampleLines()
	rev := []Line{lines[3], lines[1], lines[2], lines[0]}
	got := decode(t, encode(t, rev))
	for i := range rev {
		if d := equal(got[i], &rev[i]); d != "" {
			t.Errorf("line %d: %s", i, d)
		}
	}
}

// TestLines: lines rendered apart in one order, their dictionary first,
// then written in another order with their operations, read back as
// written; each line's bytes are Writer's but for the dictionary numbers.
func TestLines(t *testing.T) {
	lines := sampleLines()
	ls := NewLines()
	heads := make([][]byte, len(lines))
	for i := len(lines) - 1; i >= 0; i-- { // rendered in another order than written
		heads[i] = ls.Append(nil, lines[i].ChangeSet)
	}
	if d := ls.Dictionary(); bytes.Contains(d, []byte(`"plan"`)) {
		t.Fatalf("the dictionary holds a header: %.80q", d)
	}
	plan := append(AppendHeader(nil, sampleRequests), ls.Dictionary()...)
	for i := range lines {
		plan = AppendOps(append(plan, heads[i]...), lines[i].EmployeeID, lines[i].Operations, firsts(sampleRequests))
	}
	got := decode(t, plan)
	if len(got) != len(lines) {
		t.Fatalf("%d lines back, %d written", len(got), len(lines))
	}
	for i := range lines {
		if d := equal(got[i], &lines[i]); d != "" {
			t.Errorf("line %d (%s): %s", i, lines[i].EmployeeID, d)
		}
	}
	if a, b := len(plan), len(encode(t, lines)); a != b {
		t.Errorf("%d bytes rendered apart, %d written at once", a, b)
	}
}

func TestEmptyPlan(t *testing.T) {
	plan := encode(t, nil)
	if want := string(AppendHeader(nil, sampleRequests)); string(plan) != want {
		t.Errorf("empty plan %q, want %q", plan, want)
	}
	if got := decode(t, plan); len(got) != 0 {
		t.Errorf("%d lines in an empty plan", len(got))
	}
}

func TestReadErrors(t *testing.T) {
	head := `{"plan":"upsmigrate","version":4,"requests":[1,1,1]}` + "\n"
	dict := head + `{"file":1,"path":"a.csv"}` + "\n" + `{"site":1,"schema":"s","path":"p"}` + "\n"
	dict5 := `{"plan":"upsmigrate","version":5,"requests":[1,1,1]}` + "\n" + `{"file":1,"path":"a.csv"}` + "\n" + `{"site":1,"schema":"s","path":"p"}` + "\n"
	for _, tc := range []struct {
		name, plan string
		version    bool   // an ErrVersion
		want       string // in the message
	}{
		{"old format", `{"employeeId":"E1","creates":true,"records":[]}` + "\n", true, "plan.jsonl:1: written by an older upsmigrate (no format header); this upsmigrate reads plan formats 2 to 6: run 'upsmigrate convert' again to rewrite it"},
		{"newer version", `{"plan":"upsmigrate","version":7}` + "\n", true, "plan.jsonl:1: plan format 7, of another upsmigrate; this upsmigrate reads plan formats 2 to 6"},
		{"no request counts", `{"plan":"upsmigrate","version":4}` + "\n", false, `plan.jsonl:1: the header has no "requests"`},
		{"request past the count", dict + `{"emp":"E1","records":[[1,2]],"ops":[[2,1,1,"POST"]]}` + "\n", false, "plan.jsonl:4:39: request 2 of phase 1: the header counts 1"},
		{"phase out of range", dict + `{"emp":"E1","records":[[1,2]],"ops":[[1,1,3,"POST"]]}` + "\n", false, "plan.jsonl:4:43: phase 3: a plan has phases 0 to 2"},
		{"older version", `{"plan":"upsmigrate","version":1}` + "\n", true, "plan.jsonl:1: plan format 1, of another upsmigrate"},
		{"no version", `{"plan":"upsmigrate"}` + "\n", true, "a format header without a version;"},
		{"other format", `{"plan":"other","version":2}` + "\n", true, `not an upsmigrate plan (format "other");`},
		{"empty file", "", true, "plan.jsonl: empty: no format header;"},
		{"not JSON", head + "\n" + "not json\n", false, "plan.jsonl:3:1: expected '{', found \"not json\" (the file is damaged: run 'upsmigrate convert' again)"},
		{"unknown line", head + `{"who":1}` + "\n", false, `plan.jsonl:2:2: unknown line "who"`},
		{"undefined ref", dict + `{"emp":"E1","records":[[1,2]],"refs":[[1,"E2"]]}` + "\n", false, "plan.jsonl:4:40: ref 1 is not defined above"},
		{"pos out of range", dict + `{"emp":"E1","records":[[1,2]],"pos":1,"attrs":[[1,"x"]]}` + "\n", false, "plan.jsonl:4:37: position 1 is not among the 1 of the employee"},
		{"pos after values", dict + `{"emp":"E1","records":[[1,2],[1,3]],"attrs":[[1,"x"]],"pos":1}` + "\n", false, "plan.jsonl:4:61: \"pos\" after the values it is the position of"},
		{"bulk number 0", dict + `{"emp":"E1","records":[[1,2]],"ops":[[0,1,1,"POST"]]}` + "\n", false, "plan.jsonl:4:39: bulk 0: bulk files are numbered from 1"},
		{"undefined site", dict + `{"emp":"E1","records":[[1,2]],"attrs":[[2,"x"]]}` + "\n", false, "plan.jsonl:4:41: site 2 is not defined above"},
		{"v5 value before a site", dict5 + `{"emp":"E1","records":[[1,2]],"attrs":["x"]}` + "\n", false, "plan.jsonl:4:40: a value before any site number"},
		{"v5 two site numbers", dict5 + `{"emp":"E1","records":[[1,2]],"attrs":[1,1,"x"]}` + "\n", false, "plan.jsonl:4:42: two site numbers in a row"},
		{"v5 site number last", dict5 + `{"emp":"E1","records":[[1,2]],"attrs":[1,"x",1]}` + "\n", false, "a site number without a value at the end of the values"},
		{"v5 next site undefined", dict5 + `{"emp":"E1","records":[[1,2]],"attrs":[1,"x","y"]}` + "\n", false, "plan.jsonl:4:46: site 2 (the one after the value before) is not defined above"},
		{"v5 undefined site", dict5 + `{"emp":"E1","records":[[1,2]],"attrs":[2,"x"]}` + "\n", false, "plan.jsonl:4:40: site 2 is not defined above"},
		{"v5 position out of range", dict5 + `{"emp":"E1","records":[[1,2]],"attrs":[1,["x",1]]}` + "\n", false, "plan.jsonl:4:47: position 1 is not among the 1 of the employee"},
		{"v5 no position", dict5 + `{"emp":"E1","records":[[1,2]],"attrs":[1,["x"]]}` + "\n", false, "plan.jsonl:4:46: expected the value's position after it"},
		{"v5 not a value", dict5 + `{"emp":"E1","records":[[1,2]],"attrs":[1,{}]}` + "\n", false, "plan.jsonl:4:42: expected a string, true, false or null"},
		{"undefined file", head + `{"emp":"E1","records":[[1,2]]}` + "\n", false, "plan.jsonl:2:25: file 1 is not defined above"},
		{"position out of range", dict + `{"emp":"E1","records":[[1,2]],"attrs":[[1,"x",1]]}` + "\n", false, "position 1 is not among the 1 of the employee"},
		{"no position", dict + `{"emp":"E1","attrs":[[1,"x"]]}` + "\n", false, "a value without a position"},
		{"entry out of order", head + `{"file":2,"path":"a"}` + "\n", false, "plan.jsonl:2:9: entry 2 where 1 comes next"},
		{"no employee id", dict + `{"emp":"","records":[]}` + "\n", false, "an employee without an ID"},
		{"bad value", dict + `{"emp":"E1","records":[[1,2]],"attrs":[[1,7]]}` + "\n", false, "expected a string, true, false or null, found \"7]]}\""},
		{"trailing garbage", dict + `{"emp":"E1","records":[]} x` + "\n", false, "unexpected \"x\" after the object"},
		{"unterminated", dict + `{"emp":"E1` + "\n", false, "unterminated string"},
		{"second header", head + head, false, "a second header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tc.plan))
			var err error
			for err == nil {
				_, err = r.Next()
			}
			if err == io.EOF {
				t.Fatal("no error")
			}
			if errors.Is(err, ErrVersion) != tc.version {
				t.Errorf("errors.Is(ErrVersion) = %v, want %v: %v", !tc.version, tc.version, err)
			}
			var le *Error
			if !errors.As(err, &le) {
				t.Errorf("%T, want an *Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// TestReadToleratesJQ: a plan rewritten by jq -c (keys reordered within
// lines it does not reorder, unknown keys added, blank lines) reads the
// same.
func TestReadToleratesExtras(t *testing.T) {
	plan := `{"plan":"upsmigrate","version":2,"note":"x"}` + "\n\n" +
		`{"file":1,"path":"a.csv","extra":[1,{"b":null}]}` + "\n" +
		`{"site":1,"schema":"s","path":"p","extra":-1.5e3}` + "\n" +
		` {"emp":"E1","records":[[1,2]],"attrs":[[1,"\u00e9\ud83d\ude00\/"]],"ops":[],"extra":true} ` + "\n"
	got := decode(t, []byte(plan))
	if len(got) != 1 || got[0].Attrs[0].Str != "é😀/" || got[0].Attrs[0].Source().File != "a.csv" || got[0].N != 5 {
		t.Fatalf("got %+v", got)
	}
}

// TestItemRoundTrip: positions of records that share a line (minified
// input) keep their item through the compact encoding.
func TestItemRoundTrip(t *testing.T) {
	src := model.Source{File: "min.json", Line: 1, Item: 3, Field: "FirstName", Name: "FirstName"}
	cs := &model.ChangeSet{EmployeeID: "L3", Creates: true,
		Records: []model.Position{{File: "min.json", Line: 1, Item: 3}},
		Attrs:   []model.Attr{model.NewAttr(model.SchemaCore, "name.givenName", "Ann", src, "v3.1.csv:5")},
		Rename:  &model.Rename{From: "L0", NewEmployeeID: "L3", Source: src}}
	var buf bytes.Buffer
	w := NewWriter(&buf, [Phases]int{})
	if err := w.Write(cs, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	r := NewReader(&buf)
	line, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got := line.ChangeSet.Records[0]; got.Item != 3 {
		t.Errorf("record position %+v, want item 3", got)
	}
	if got := line.ChangeSet.Attrs[0].Source(); got != src {
		t.Errorf("value source %+v, want %+v", got, src)
	}
	if got := line.ChangeSet.Rename.Source; got != src {
		t.Errorf("rename source %+v, want %+v", got, src)
	}
}

// TestSitesMemo: a value whose Site and field are in Writer.memo still
// gets a site of its own when its field key, name or member differ under
// the same Site, or its Site does.
func TestSitesMemo(t *testing.T) {
	xmlA := &model.Origin{Pos: model.Position{File: "in/a.xml", Line: 3}, Keys: []string{"Dept"}, Names: []string{"Department"}}
	xmlB := &model.Origin{Pos: model.Position{File: "in/a.xml", Line: 9}, Keys: []string{"Division"}}
	xmlC := &model.Origin{Pos: model.Position{File: "in/a.xml", Line: 12}, Keys: []string{"Dept"}}
	dept := &model.Site{Schema: model.SchemaEnterprise, Path: "department", Row: "mapping/tables/v1.csv:12"}
	var lines []Line
	for i, v := range []struct {
		o    *model.Origin
		site *model.Site
		str  string
	}{
		{xmlA, dept, "Finance"}, {xmlA, dept, "Legal"}, {xmlB, dept, "Sales"}, {xmlC, dept, "HR"},
		{xmlA, rowEnt, "Travel"}, {xmlA, rowEnt, "Expense"}, {xmlA, rowRole, ""}, {xmlA, rowGiven, "Ann"}, {xmlA, dept, "Ops"},
	} {
		a := model.Attr{Site: v.site, Origin: v.o, Field: 1, Str: v.str}
		if v.site.Kind != model.AttrMember {
			a.Type = model.StringValue
		}
		lines = append(lines, Line{ChangeSet: &model.ChangeSet{EmployeeID: fmt.Sprintf("E%d", i),
			Attrs:   []model.Attr{a},
			Records: []model.Position{v.o.Pos}}})
	}
	got := decode(t, encode(t, lines))
	if len(got) != len(lines) {
		t.Fatalf("%d lines read back, %d written", len(got), len(lines))
	}
	for i := range lines {
		if d := equal(got[i], &lines[i]); d != "" {
			t.Errorf("line %d: %s", i+1, d)
		}
	}
}

// TestSitesMemoHolds: the sites of a line, Sites of one array as the
// mapping tables' rows are, with fields and role members, stay in
// Writer.memo from one employee to the next: only the first employee's
// values miss it.
func TestSitesMemoHolds(t *testing.T) {
	rows := make([]model.Site, 120)
	o := &model.Origin{Pos: model.Position{File: "in/a.csv", Line: 2}}
	var attrs []model.Attr
	for i := range rows {
		rows[i] = model.Site{Schema: model.SchemaCore, Path: fmt.Sprintf("p%d", i), Field: fmt.Sprint(i), Row: fmt.Sprintf("t.csv:%d", i)}
		attrs = append(attrs, model.Attr{Site: &rows[i], Origin: o, Field: int32(i % 7), Type: model.StringValue, Str: "v"})
	}
	roles := &model.Site{Schema: model.SchemaRole, Path: "roles", Kind: model.AttrMember, Row: "t.csv:200"}
	for _, role := range []string{"EXP_APPROVER", "REQ_APPROVER", "TRAVEL_USER", "INV_RECEIPT_USER", "EXP_PROCESSOR"} {
		attrs = append(attrs, model.Attr{Site: roles, Origin: o, Field: 3, Str: role, Bool: true})
	}
	w := NewWriter(io.Discard, [3]int{})
	for i := range 3 {
		cs := &model.ChangeSet{EmployeeID: fmt.Sprintf("E%d", i), Attrs: attrs, Records: []model.Position{o.Pos}}
		if err := w.Write(cs, nil); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			continue
		}
		if w.memoMisses != len(attrs) {
			t.Fatalf("after %d employees of %d values: %d missed the memo, want %d (the first employee's)", i+1, len(attrs), w.memoMisses, len(attrs))
		}
	}
}

// TestSharedReader: a Shared reader gives each line as a copying one
// does, read before the next call; its arrays are reused from line to
// line.
func TestSharedReader(t *testing.T) {
	want := decode(t, encode(t, sampleLines()))
	r := NewReader(bytes.NewReader(encode(t, sampleLines())))
	r.Shared = true
	for i := 0; ; i++ {
		l, err := r.Next()
		if err == io.EOF {
			if i != len(want) {
				t.Fatalf("%d lines, want %d", i, len(want))
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if d := equal(l, want[i]); d != "" {
			t.Errorf("line %d: %s", i, d)
		}
		if len(l.ChangeSet.Attrs) > 0 && &l.ChangeSet.Attrs[0] != &r.attrs[0] {
			t.Errorf("line %d: the values were copied", i)
		}
	}
}

// TestBulkName: BulkName is "bulk-%04d.json", and bulkNumber its inverse.
func TestBulkName(t *testing.T) {
	for _, n := range []int{-12345, -1, 0, 1, 9, 10, 99, 100, 999, 1000, 9999, 10000, 12345, 1 << 40} {
		if got, want := BulkName(n), fmt.Sprintf("bulk-%04d.json", n); got != want {
			t.Errorf("BulkName(%d) = %q, want %q", n, got, want)
		}
		if got, ok := bulkNumber(BulkName(n)); (n >= 1) != ok || ok && got != n {
			t.Errorf("bulkNumber(BulkName(%d)) = %d, %v", n, got, ok)
		}
	}
	for _, name := range []string{"bulk-001.json", "bulk-00001.json", "bulk-0001.JSON", "custom.json"} {
		if n, ok := bulkNumber(name); ok {
			t.Errorf("bulkNumber(%q) = %d, want none", name, n)
		}
	}
}

// TestIsUsualAddress: isUsualAddress agrees with usualAddress, escaped IDs
// included, and refuses any other address.
func TestIsUsualAddress(t *testing.T) {
	emps := []string{"E1", "a b", "x/y", "ü%", "emp-E1"}
	for _, emp := range emps {
		for _, method := range []string{"POST", "PATCH", "PUT", "DELETE"} {
			path, bulkID := usualAddress(emp, method)
			if !isUsualAddress(emp, method, path, bulkID) {
				t.Errorf("%s %s: usualAddress %q %q not recognised", emp, method, path, bulkID)
			}
			for _, other := range emps {
				if other == emp {
					continue
				}
				op, ob := usualAddress(other, method)
				if isUsualAddress(emp, method, op, ob) {
					t.Errorf("%s %s: the address of %s (%q %q) taken as usual", emp, method, other, op, ob)
				}
			}
			for _, bad := range [][2]string{{"/Users/0b6f8a4e-1d2c-4f7e-9a51-3c2d1e0f9a8b", ""}, {path, bulkID + "x"}, {path + "x", bulkID}, {"/Users", ""}} {
				if isUsualAddress(emp, method, bad[0], bad[1]) {
					t.Errorf("%s %s: %q %q taken as usual", emp, method, bad[0], bad[1])
				}
			}
		}
	}
}

// TestFileNumbers: files are numbered in the order lines first use them,
// each once in the dictionary, whichever of the recent files a position
// names (more files than Writer.lastFiles holds, in turn).
func TestFileNumbers(t *testing.T) {
	w := NewWriter(io.Discard, [3]int{})
	var paths []string
	for i := range 7 {
		paths = append(paths, fmt.Sprintf("in/f%d.csv", i))
	}
	for round := range 3 {
		for i, p := range paths {
			if got := w.file(strings.Clone(p)); got != i+1 {
				t.Fatalf("round %d: %s is file %d, want %d", round, p, got, i+1)
			}
		}
	}
	if n := strings.Count(string(w.buf), `{"file":`); n != len(paths) {
		t.Errorf("%d file lines in the dictionary, want %d", n, len(paths))
	}
}

// TestSitesBySlot: values of Sites with a Slot are found by it (the memo
// is not asked again once a Site's value was seen with its field), and
// the lines are written as they are without Slots, whatever changes
// from one value of a Site to the next: another field, an origin with
// other keys, a role member.
func TestSitesBySlot(t *testing.T) {
	feed := func(slots bool) []Line {
		rows := make([]model.Site, 12)
		for i := range rows {
			rows[i] = model.Site{Schema: model.SchemaCore, Path: fmt.Sprintf("p%d", i), Field: fmt.Sprint(i), Row: fmt.Sprintf("t.csv:%d", i)}
			if slots {
				rows[i].Slot = model.NewSiteSlot()
			}
		}
		roles := &model.Site{Schema: model.SchemaRole, Path: "roles", Kind: model.AttrMember, Row: "t.csv:200"}
		if slots {
			roles.Slot = model.NewSiteSlot()
		}
		flat := &model.Origin{Pos: model.Position{File: "in/a.csv", Line: 2}}
		keyed := &model.Origin{Pos: model.Position{File: "in/u.xml", Line: 9}, Keys: []string{"A", "B", "C", "D", "E", "F", "G"}}
		var lines []Line
		for e := range 40 {
			o := flat
			if e%5 == 3 {
				o = keyed
			}
			var attrs []model.Attr
			for i := range rows {
				if e%4 == 1 && i == e%len(rows) {
					continue
				}
				attrs = append(attrs, model.Attr{Site: &rows[i], Origin: o, Field: int32((i + e/7) % 7), Type: model.StringValue, Str: "v"})
			}
			for _, role := range []string{"EXP_APPROVER", "REQ_APPROVER", "TRAVEL_USER"}[e%3:] {
				attrs = append(attrs, model.Attr{Site: roles, Origin: o, Field: 3, Str: role, Bool: true})
			}
			lines = append(lines, Line{ChangeSet: &model.ChangeSet{EmployeeID: fmt.Sprintf("E%d", e), Attrs: attrs, Records: []model.Position{o.Pos}}})
		}
		return lines
	}
	want, without := encodeWith(t, feed(false))
	got, with := encodeWith(t, feed(true))
	if !bytes.Equal(got, want) {
		t.Fatalf("with Slots:\n%s\nwithout:\n%s", got, want)
	}
	if with.memoMisses > without.memoMisses || len(with.bySlot) == 0 || len(without.bySlot) != 0 {
		t.Fatalf("memo misses %d with Slots, %d without; %d slots kept with, %d without", with.memoMisses, without.memoMisses, len(with.bySlot), len(without.bySlot))
	}
}

// TestLeaveOutForms: version 6 writes leaveOut by tokens (a URN without
// one whole), and a version 5 plan's URNs read the same.
func TestLeaveOutForms(t *testing.T) {
	cs := &model.ChangeSet{EmployeeID: "E1", Creates: true, Records: []model.Position{{File: "a.csv", Line: 2}},
		LeaveOut: []string{model.SchemaSpendUser, model.SchemaTravel, "urn:ietf:params:scim:schemas:other:1"}}
	var b bytes.Buffer
	w := NewWriter(&b, [Phases]int{})
	if err := w.Write(cs, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := `"leaveOut":["spend:2.0:User","travel:2.0:User","urn:ietf:params:scim:schemas:other:1"]`
	if !strings.Contains(b.String(), want) {
		t.Fatalf("plan %s\nlacks %s", b.String(), want)
	}
	v5 := `{"plan":"upsmigrate","version":5,"requests":[0,0,0]}` + "\n" + `{"file":1,"path":"a.csv"}` + "\n" +
		`{"emp":"E1","creates":true,"records":[[1,2]],"leaveOut":["` + model.SchemaSpendUser + `","` + model.SchemaTravel + `"],"ops":[]}` + "\n"
	for name, plan := range map[string]string{"version 6": b.String(), "version 5": v5} {
		got := decode(t, []byte(plan))
		if len(got) != 1 || !slices.Equal(got[0].LeaveOut, cs.LeaveOut[:len(got[0].LeaveOut)]) || len(got[0].LeaveOut) < 2 {
			t.Errorf("%s: read %+v, want %v", name, got, cs.LeaveOut)
		}
	}
}
