package model

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/jsonw"
)

// The reference forms: what encoding/json writes from the tagged structs
// (HTML escaping off), which AppendJSON must reproduce byte for byte.
type refChangeSet struct {
	EmployeeID string     `json:"employeeId"`
	Creates    bool       `json:"creates"`
	Rename     *Rename    `json:"rename,omitempty"`
	Attrs      []attrJSON `json:"attrs,omitempty"`
	Refs       []refRef   `json:"refs,omitempty"`
	Records    []Position `json:"records"`
}

type refRef struct {
	Kind    RefKind    `json:"kind"`
	Schema  string     `json:"schema"`
	Path    string     `json:"path"`
	Primary *bool      `json:"primary,omitempty"`
	Target  string     `json:"target"`
	Attrs   []attrJSON `json:"attrs,omitempty"`
	Source  Source     `json:"source"`
	Row     string     `json:"row,omitempty"`
}

func refAttr(a *Attr) attrJSON {
	w := attrJSON{Schema: a.Schema(), Path: a.Path(), Kind: a.Kind(), Value: a.Value(), Present: a.Present(),
		Source: a.Source(), Row: a.Row()}
	if a.Kind() == AttrMember {
		w.Member = a.Member()
	}
	return w
}

func refAttrs(as []Attr) []attrJSON {
	var out []attrJSON
	for i := range as {
		out = append(out, refAttr(&as[i]))
	}
	return out
}

func referenceJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}

func jsonChangeSets() []*ChangeSet {
	yes, no := true, false
	src := Source{File: `C:\hr\feed "2024".csv`, Line: 7, Field: "5", Name: "Employee ID <key>"}
	origin := &Origin{Pos: Position{File: "in/305.csv", Line: 12}, Keys: []string{"1", "2", "3"},
		Names: []string{"Type", "", "Last Name"}, Lines: []int{12, 13, 0}}
	site := &Site{Schema: SchemaCore, Path: "name.familyName", Field: "4", Name: "Last Name", Row: "305.csv:5"}
	shared := Attr{Site: site, Origin: origin, Str: "O'Brien & Söhne\u2028\x01", Field: 3, Type: StringValue}
	noOrigin := Attr{Site: &Site{Schema: SchemaSpendUser, Path: "nonEmployee"}, Type: BoolValue}
	delegate := Ref{Kind: RefDelegate, Schema: SchemaDelegate, Path: "expense", Target: "E2",
		Attrs: []Attr{NewAttr(SchemaDelegate, "canPrepare", true, src, "500.csv:6"),
			NewAttr(SchemaDelegate, "temporaryDelegation.temporaryDelegationFromDate", "2024-01-01T00:00:00Z", Source{File: "d.csv", Line: 3}, "")},
		Origin: origin, Site: &Site{Field: "2", Name: "Delegate", Row: "500.csv:3"}, Field: 2}
	approver := Ref{Kind: RefApprover, Schema: SchemaApprover, Path: "report", Primary: &yes, Target: "E3"}
	approver.SetSource(Source{File: "a.csv", Line: 2, Field: "41"}, "")
	secondary := Ref{Kind: RefApprover, Schema: SchemaApprover, Path: "report", Primary: &no, Target: "E4"}
	return []*ChangeSet{
		{EmployeeID: "E1"},
		{EmployeeID: "E1", Creates: true, Records: []Position{}},
		{EmployeeID: "Ü\"1", Creates: true,
			Rename:  &Rename{From: "E0", NewEmployeeID: "E1", NewLogin: "e1@example.com", Source: src},
			Attrs:   []Attr{shared, noOrigin, NewAttr(SchemaCore, "active", false, src, "305.csv:16"), NewAttr(SchemaCore, "nickName", "", Source{}, "")},
			Refs:    []Ref{delegate, approver, secondary},
			Records: []Position{{File: "in/305.csv", Line: 12}, {File: "in/500.csv", Line: 3}}},
		{EmployeeID: "E5", Rename: &Rename{From: "E9", Source: Source{File: "r.csv", Line: 1}},
			Attrs: []Attr{
				NewMember(SchemaCore, "entitlements", "Expense", true, src, "305.csv:50"),
				NewMember(SchemaRole, "roles", "EXP_APPROVER", false, Source{File: "r.csv", Line: 4}, ""),
				{Site: &Site{Schema: SchemaRole, Path: "roles", Kind: AttrMember, Member: "INV_APPROVER"}, Bool: true},
			}},
	}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	for i, cs := range jsonChangeSets() {
		want := refChangeSet{EmployeeID: cs.EmployeeID, Creates: cs.Creates, Rename: cs.Rename,
			Attrs: refAttrs(cs.Attrs), Records: cs.Records}
		for j := range cs.Refs {
			r := &cs.Refs[j]
			want.Refs = append(want.Refs, refRef{Kind: r.Kind, Schema: r.Schema, Path: r.Path, Primary: r.Primary,
				Target: r.Target, Attrs: refAttrs(r.Attrs), Source: r.Source(), Row: r.Row()})
		}
		got := cs.AppendJSON([]byte("x"))
		if w := append([]byte("x"), referenceJSON(t, want)...); !bytes.Equal(got, w) {
			t.Errorf("change set %d:\n got %s\nwant %s", i, got, w)
		}
		// The Marshalers write the same bytes through encoding/json.
		viaJSON := referenceJSON(t, cs)
		if !bytes.Equal(viaJSON, got[1:]) {
			t.Errorf("change set %d: json.Marshal differs from AppendJSON:\n got %s\nwant %s", i, viaJSON, got[1:])
		}
	}
}

func TestAppendJSONRoundTrip(t *testing.T) {
	for i, cs := range jsonChangeSets() {
		data := cs.AppendJSON(nil)
		var back ChangeSet
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("change set %d: %v\n%s", i, err, data)
		}
		if again := back.AppendJSON(nil); !bytes.Equal(again, data) {
			t.Errorf("change set %d: round trip differs:\n got %s\nwant %s", i, again, data)
		}
	}
}

func TestPositionJSON(t *testing.T) {
	got := Position{File: "a.csv", Line: 3}.AppendJSON(nil)
	if want := referenceJSON(t, Position{File: "a.csv", Line: 3}); !bytes.Equal(got, want) || string(got) != `{"file":"a.csv","line":3}` {
		t.Errorf("got %s, want %s", got, want)
	}
}

func recordResults() []RecordResult {
	src := Source{File: `C:\hr\feed "2024".csv`, Line: 7, Item: 2, Field: "5", Name: "Employee ID <key>"}
	return []RecordResult{
		{},
		{Pos: Position{File: "in/305.csv", Line: 12}, Format: FormatConcur, Type: "305", EmployeeID: "E1", Status: StatusConverted},
		{Pos: Position{File: "in/users.xml", Line: 3, Item: 4}, Format: "v1xml", Type: "User", Status: StatusRejected,
			Messages: []Diagnostic{
				{Severity: SevError, Source: src, Row: "mapping/tables/305.csv:6", Message: `bad value "x" & <y>` + "\u2028\xff"},
				{Severity: SevWarning, Source: Source{File: "a.csv", Line: 1}, Message: ""},
			}},
		{Pos: Position{File: "b.csv", Line: 9}, Status: StatusSkipped, Messages: []Diagnostic{}},
	}
}

// refRecord is RecordResult's JSON form by encoding/json: a message's
// source leaves out the record's file.
type refRecord struct {
	Pos        Position  `json:"pos"`
	Format     string    `json:"format"`
	Type       string    `json:"type"`
	EmployeeID string    `json:"employeeId,omitempty"`
	Status     Status    `json:"status"`
	Messages   []refDiag `json:"messages,omitempty"`
}

type refDiag struct {
	Severity Severity `json:"severity"`
	Source   struct {
		File  *string `json:"file,omitempty"`
		Line  int     `json:"line"`
		Item  int     `json:"item,omitempty"`
		Field string  `json:"field,omitempty"`
		Name  string  `json:"name,omitempty"`
	} `json:"source"`
	Row     string `json:"row,omitempty"`
	Message string `json:"message"`
}

func refRecordOf(r *RecordResult) refRecord {
	x := refRecord{Pos: r.Pos, Format: r.Format, Type: r.Type, EmployeeID: r.EmployeeID, Status: r.Status}
	for _, m := range r.Messages {
		d := refDiag{Severity: m.Severity, Row: m.Row, Message: m.Message}
		s := m.Source
		if s.File != r.Pos.File {
			d.Source.File = &s.File
		}
		d.Source.Line, d.Source.Item, d.Source.Field, d.Source.Name = s.Line, s.Item, s.Field, s.Name
		x.Messages = append(x.Messages, d)
	}
	return x
}

// checkRecordJSON holds AppendJSON, with jsonw.EscapeHTML, to what
// json.Marshal writes of the reference form, and json.Unmarshal to r.
func checkRecordJSON(t *testing.T, r RecordResult) {
	t.Helper()
	want, err := json.Marshal(refRecordOf(&r))
	if err != nil {
		t.Fatal(err)
	}
	got := jsonw.EscapeHTML(r.AppendJSON([]byte("x")), 1)
	if !bytes.Equal(got[1:], want) || got[0] != 'x' {
		t.Fatalf("\n got %s\nwant x%s", got, want)
	}
	if m, _ := json.Marshal(&r); !bytes.Equal(m, want) {
		t.Errorf("json.Marshal:\n got %s\nwant %s", m, want)
	}
	var back RecordResult
	if err := json.Unmarshal(want, &back); err != nil {
		t.Fatal(err)
	}
	if len(r.Messages) == 0 {
		r.Messages = nil // omitted
	}
	for i := range r.Messages { // invalid UTF-8 is replaced
		b, _ := json.Marshal(r.Messages[i].Message)
		json.Unmarshal(b, &r.Messages[i].Message)
	}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("read back\n got %+v\nwant %+v", back, r)
	}
}

// TestRecordResultJSON: report.json's entries, written and read back.
func TestRecordResultJSON(t *testing.T) {
	for i, r := range recordResults() {
		t.Run(strconv.Itoa(i), func(t *testing.T) { checkRecordJSON(t, r) })
	}
	r := recordResults()[2]
	r.Messages[0].Source.File = r.Pos.File
	js := string(r.AppendJSON(nil))
	if strings.Count(js, `"file":`) != 2 || !strings.Contains(js, `"source":{"line":7,"item":2,"field":"5",`) {
		t.Errorf("the messages' sources should leave out the record's file and only it: %s", js)
	}
}

func FuzzRecordResultJSON(f *testing.F) {
	f.Add("in/305.csv", 3, 0, "305", "E1", "converted", "5", "Employee ID", "305.csv:6", "bad & <worse>", false)
	f.Add("", 0, 2, "", "", "", "", "", "", "\xff\u2028", true)
	f.Fuzz(func(t *testing.T, file string, line, item int, typ, emp, status, field, name, row, msg string, other bool) {
		for _, s := range []string{file, typ, emp, status, field, name, row} {
			if !utf8.ValidString(s) {
				return // encoding/json replaces invalid UTF-8: not read back
			}
		}
		r := RecordResult{Pos: Position{File: file, Line: line, Item: item}, Format: typ + "f", Type: typ, EmployeeID: emp, Status: Status(status)}
		if msg != "" {
			src := Source{File: file, Line: line, Item: item, Field: field, Name: name}
			if other {
				src.File += "x"
			}
			r.Messages = []Diagnostic{{Severity: Severity(status), Source: src, Row: row, Message: msg}}
		}
		checkRecordJSON(t, r)
	})
}
