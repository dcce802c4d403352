package v3json

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// dump is a read with the response's metadata.
type dump struct {
	formattest.Read
	Company *Company
	Paging  Paging
}

// readAll reads r to its end.
func readAll(t testing.TB, r *Reader) dump {
	t.Helper()
	d, err := formattest.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return dump{d, r.Company(), r.Paging()}
}

// goldenJSON renders d with the metadata after the warnings.
func goldenJSON(t *testing.T, d dump) []byte {
	t.Helper()
	b, err := d.JSON(formattest.Section{Name: "company", Value: d.Company}, formattest.Section{Name: "paging", Value: d.Paging})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGolden(t *testing.T) {
	inputs := []string{
		"../../samples/legacy/users-v3.0.json",
		"../../samples/legacy/users-v3.1.json",
		"testdata/mixed-errors.json",
	}
	for _, in := range inputs {
		base := filepath.Base(in)
		t.Run(base, func(t *testing.T) {
			got := goldenJSON(t, readAll(t, NewReader(formattest.Input(t, in), base)))
			golden.Check(t, filepath.Join("testdata", strings.TrimSuffix(base, ".json")+".golden.json"), got)
		})
	}
}

func TestSamples(t *testing.T) {
	tests := []struct {
		path, typ string
		records   int
		warnings  int
		company   bool
	}{
		{"../../samples/legacy/users-v3.0.json", "3.0", 3, 1, false},
		{"../../samples/legacy/users-v3.1.json", "3.1", 3, 0, true},
	}
	for _, tt := range tests {
		d := readAll(t, NewReader(formattest.Input(t, tt.path), "s.json"))
		if len(d.Records) != tt.records || d.Errors != nil || d.Fatal != "" || len(d.Warnings) != tt.warnings || (d.Company != nil) != tt.company {
			t.Errorf("%s: %d records, errors %v, fatal %q, warnings %v, company %v", tt.path, len(d.Records), d.Errors, d.Fatal, d.Warnings, d.Company)
		}
		for _, rec := range d.Records {
			if rec.Type != tt.typ {
				t.Errorf("%s: record %s has type %s, want %s", tt.path, rec.Pos, rec.Type, tt.typ)
			}
		}
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct {
		in, key string
		known   bool
	}{
		{"EmployeeID", "EmployeeID", true},
		{"employeeId", "EmployeeID", true},
		{"LOGINID", "LoginID", true},
		{"Emails", "Emails", true},
		{"URI", "URI", true},
		{"Manager", "Manager", false},
	}
	for _, tt := range tests {
		key, known := Canonical(tt.in)
		if key != tt.key || known != tt.known {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.in, key, known, tt.key, tt.known)
		}
	}
	if len(Fields()) != 13 {
		t.Errorf("Fields() has %d names, want the 13 item fields of users-v3.csv", len(Fields()))
	}
}

func TestErrors(t *testing.T) {
	tests := []formattest.ErrorCase{
		{
			Name:  "empty",
			In:    "",
			Errs:  []string{"t.json:1: empty file: expected a Users 3.0/3.1 JSON response (an object with an Items array)"},
			Kinds: []error{ErrEmpty},
			Fatal: true,
		},
		{
			Name:  "whitespace and BOM only",
			In:    "\ufeff\n  \n",
			Errs:  []string{"t.json:1: empty file"},
			Kinds: []error{ErrEmpty},
			Fatal: true,
		},
		{
			Name:  "no Items",
			In:    "{\n \"users\": [],\n \"count\": 0\n}",
			Errs:  []string{`t.json:1: no Items array in the top-level object (found "users", "count"): expected a Users 3.0/3.1 response with an Items array`},
			Kinds: []error{ErrNotResponse},
			Fatal: true,
		},
		{
			Name:  "no Items, many properties",
			In:    `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12}`,
			Errs:  []string{`t.json:1: no Items array in the top-level object (found "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" and 2 more): expected`},
			Kinds: []error{ErrNotResponse},
			Fatal: true,
		},
		{
			Name:  "empty object",
			In:    "\n{}",
			Errs:  []string{"t.json:2: no Items array: the top-level object is empty"},
			Kinds: []error{ErrNotResponse},
			Fatal: true,
		},
		{
			Name:  "top-level array",
			In:    `[{"EmployeeID": "L1"}]`,
			Errs:  []string{"t.json:1: top-level JSON array: expected an object with an Items array"},
			Kinds: []error{ErrNotResponse},
			Fatal: true,
		},
		{
			Name:  "top-level string",
			In:    "\n\n\"Items\"",
			Errs:  []string{"t.json:3: top-level JSON string: expected an object with an Items array"},
			Kinds: []error{ErrNotResponse},
			Fatal: true,
		},
		{
			Name:  "XML given to the JSON reader",
			In:    "<batch/>",
			Errs:  []string{"t.json:1: malformed JSON: invalid character '<' looking for beginning of value"},
			Kinds: []error{ErrMalformed},
			Fatal: true,
		},
		{
			Name:  "Items not an array",
			In:    "{\"Items\":\n {\"EmployeeID\": \"L1\"}}",
			Errs:  []string{"t.json:2:Items: Items is an object: expected an array of user objects"},
			Kinds: []error{ErrNotResponse},
			Fatal: true,
		},
		{
			Name:  "second Items",
			In:    "{\"Items\": [{\"EmployeeID\": \"L1\"}],\n\"items\": []}",
			Lines: []int{1},
			Types: []string{"3.0"},
			Errs:  []string{"t.json:2:items: second Items property: expected one Items array (the first is on line 1)"},
			Kinds: []error{ErrNotResponse},
			Fatal: true,
		},
		{
			Name:  "malformed",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"},\n{\"EmployeeID\": \"L2\",\n\n \"LoginID\" \"x\"}]}",
			Lines: []int{2},
			Errs:  []string{"t.json:5: malformed JSON: invalid character '\"' after object key: expected well-formed JSON (a Users 3.0/3.1 response); reading stopped in Items[1] at line 3"},
			Kinds: []error{ErrMalformed},
			Fatal: true,
		},
		{
			Name:  "truncated",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"},\n{\"EmployeeID\": \"L2\",\n",
			Lines: []int{2},
			Errs:  []string{"t.json:4: malformed JSON: unexpected end of file: expected the rest of the top-level object; reading stopped in Items[1] at line 3"},
			Kinds: []error{ErrMalformed},
			Fatal: true,
		},
		{
			Name:  "truncated between items",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"}",
			Lines: []int{2},
			Errs:  []string{"t.json:2: malformed JSON: unexpected end of file"},
			Kinds: []error{ErrMalformed},
			Fatal: true,
		},
		{
			Name:  "trailing garbage",
			In:    "{\"Items\": []}\n\nxyz",
			Errs:  []string{"t.json:3: malformed JSON: invalid character 'x' looking for beginning of value: expected the end of the file after the top-level object"},
			Kinds: []error{ErrMalformed},
			Fatal: true,
		},
		{
			Name:  "second value",
			In:    "{\"Items\": []}\n{\"Items\": []}",
			Errs:  []string{"t.json:2: second JSON value (an object) after the top-level object: expected the end of the file"},
			Kinds: []error{ErrNotResponse},
			Fatal: true,
		},
		{
			Name:  "binary garbage",
			In:    "\x00\x01\x02\xff\xfe",
			Errs:  []string{"t.json:1: NUL byte: expected text"},
			Kinds: []error{ErrEncoding},
			Fatal: true,
		},
		{
			Name:  "UTF-16",
			In:    "\xfe\xff\x00{",
			Errs:  []string{"t.json:1: UTF-16 byte order mark: expected UTF-8 text (give --encoding utf-16)"},
			Kinds: []error{ErrEncoding},
			Fatal: true,
		},
		{
			Name:  "NUL outside strings",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"},\n\x00]}",
			Lines: []int{2},
			Errs:  []string{"t.json:3: NUL byte: expected text (binary data, or UTF-16 text read without --encoding utf-16); reading stopped"},
			Kinds: []error{ErrEncoding},
			Fatal: true,
		},
		{
			Name:  "bad bytes in values cost one item each",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"L1\", \"LastName\": \"M\xfcller\"},\n{\"EmployeeID\": \"L2\",\n \"FirstName\": \"a\\u0000b\"},\n{\"EmployeeID\": \"L3\", \"Mi\x00\": \"x\"},\n{\"EmployeeID\": \"L4\"}]}",
			Lines: []int{6},
			Types: []string{"3.0"},
			Errs: []string{
				"t.json:2:LastName: byte 0xFC that is not UTF-8: expected UTF-8 text (give --encoding when the file uses another encoding, e.g. --encoding windows-1252); Items[0] at line 2 skipped",
				"t.json:4:FirstName: control character U+0000 (NUL): expected text without control characters (tabs and line breaks are allowed); remove it from the source file; Items[1] at line 3 skipped",
				"t.json:5:Mi\ufffd: NUL byte: expected text (binary data, or UTF-16 text read without --encoding utf-16) (in a property name); Items[2] at line 5 skipped",
			},
			Kinds: []error{ErrEncoding, ErrControl, ErrEncoding},
		},
		{
			Name:  "bad item shapes",
			In:    "{\"Items\": [\n1,\nnull,\n[{}],\n{\"EmployeeID\": \"L1\",\n \"Manager\": {\"a\": [1]}},\n{\"EmployeeID\": \"L2\", \"Emails\": \"x@example.com\"},\n{\"EmployeeID\": \"L3\", \"Emails\": [[\"x\"]]},\n{\"EmployeeID\": \"L4\", \"Emails\": [{\"a\": {}}]},\n{\"EmployeeID\": \"L5\", \"Emails\": [], \"Emails\": []},\n{\"EmployeeID\": \"L6\", \"employeeID\": \"L6\"},\n{\"EmployeeID\": \"L7\"}]}",
			Lines: []int{12},
			Errs: []string{
				"t.json:2: Items[0] is a number: expected a user object; element skipped",
				"t.json:3: Items[1] is null: expected a user object; element skipped",
				"t.json:4: Items[2] is an array: expected a user object; element skipped",
				"t.json:6:Manager: property Manager is an object: expected a string, number, boolean or null; Items[3] at line 5 skipped",
				"t.json:7:Emails: property Emails is a string: expected an array of email objects or addresses; Items[4] at line 7 skipped",
				"t.json:8:Emails[0]: Emails[0] is an array: expected an email object or address; Items[5] at line 8 skipped",
				"t.json:9:Emails[0].a: property Emails[0].a is an object: expected a string, number, boolean or null; Items[6] at line 9 skipped",
				"t.json:10:Emails: duplicate property Emails (first on line 10): expected each property once per item; Items[7] at line 10 skipped",
				"t.json:11:employeeID: duplicate property employeeID: EmployeeID on line 11 is the same property; expected each property once per item; Items[8] at line 11 skipped",
			},
			Kinds: []error{ErrItem, ErrItem, ErrItem, ErrItem, ErrItem, ErrItem, ErrItem, ErrItem, ErrItem},
		},
		{
			Name:  "3.1 by top-level property, by item field, 3.0 otherwise",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"},\n{\"EmployeeID\": \"L2\", \"CountryCode\": null},\n{\"EmployeeID\": \"L3\", \"Emails\": null}],\n\"total\": 3}",
			Lines: []int{2, 3, 4},
			Types: []string{"3.0", "3.1", "3.1"},
		},
		{
			Name:  "3.1 top-level first",
			In:    "{\"limit\": 100, \"Items\": [\n{\"EmployeeID\": \"L1\"}]}",
			Lines: []int{2},
			Types: []string{"3.1"},
		},
		{
			Name:  "bad byte in metadata is reported, items kept",
			In:    "{\"NextPage\": \"\xff\",\n\"Items\": [\n{\"EmployeeID\": \"L1\"}]}",
			Lines: []int{3},
			Errs:  []string{"t.json:1:NextPage: byte 0xFF that is not UTF-8"},
			Kinds: []error{ErrEncoding},
		},
		{
			Name:  "over-long value names its property",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"L1\", \"FirstName\": \"" + strings.Repeat("x", MaxValueBytes+1) + "\"},\n{\"EmployeeID\": \"L2\"}]}",
			Lines: []int{3},
			Errs:  []string{fmt.Sprintf("t.json:2:FirstName: property FirstName is %d bytes long: expected at most %d", MaxValueBytes+1, MaxValueBytes)},
			Kinds: []error{ErrItem},
		},
	}
	formattest.RunErrors(t, "t.json", formattest.Open(NewReader), tests)
}

func TestRecordFields(t *testing.T) {
	in := "\ufeff{\n  \"Items\": [\n    {\n      \"employeeId\": \"L9\",\n      \"Active\": false,\n      \"Score\": -1.50e+2,\n      \"MiddleName\": null,\n      \"FirstName\":\n        \"Ana\\u00efs\",\n      \"Emails\": [null, \"a@example.com\", {\"EmailAddress\": \"b@example.com\", \"Primary\": true, \"Type\": null}]\n    }\n  ]\n}\n"
	r := NewReader(strings.NewReader(in), "f.json")
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		key, name, value string
		line             int
	}{
		{"EmployeeID", "employeeId", "L9", 4},
		{"Active", "Active", "false", 5},
		{"Score", "Score", "-1.50e+2", 6},
		{"FirstName", "FirstName", "Anaïs", 9},
		{"Emails[1]", "Emails[1]", "a@example.com", 10},
		{"Emails[2].EmailAddress", "Emails[2].EmailAddress", "b@example.com", 10},
		{"Emails[2].Primary", "Emails[2].Primary", "true", 10},
	}
	if len(rec.Keys) != len(want) || len(rec.Names) != len(want) || len(rec.Values) != len(want) || len(rec.Lines) != len(want) {
		t.Fatalf("record has keys %q values %q; want %d fields", rec.Keys, rec.Values, len(want))
	}
	for i, w := range want {
		if rec.Keys[i] != w.key || rec.Names[i] != w.name || rec.Values[i] != w.value || rec.Lines[i] != w.line {
			t.Errorf("field %d = %s/%s/%q/%d, want %s/%s/%q/%d", i, rec.Keys[i], rec.Names[i], rec.Values[i], rec.Lines[i], w.key, w.name, w.value, w.line)
		}
	}
	if rec.Pos != (model.Position{File: "f.json", Line: 3}) || rec.Format != model.FormatV3JSON || rec.Type != "3.1" {
		t.Errorf("record pos %v format %s type %s", rec.Pos, rec.Format, rec.Type)
	}
	if s := rec.SourceOf("EmployeeID").String(); s != "f.json:4:EmployeeID (employeeId)" {
		t.Errorf("source %s", s)
	}
	for i := 0; i < 2; i++ {
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("call %d: want io.EOF, got %v", i, err)
		}
	}
}

func TestMetadata(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		company  *Company
		paging   Paging
		warnings []string
	}{
		{
			name:   "3.0 last page",
			in:     `{"Items": [], "NextPage": null}`,
			paging: Paging{},
		},
		{
			name:     "3.0 more pages",
			in:       "{\"Items\": [{}],\n\"NextPage\": \"https://example.com/next\"}",
			paging:   Paging{NextPage: "https://example.com/next"},
			warnings: []string{"m.json:2: warning: NextPage is set: the response has further pages that are not in this file; only its 1 item(s) are read"},
		},
		{
			name:     "3.1 partial page",
			in:       "{\"total\": 250,\n\"offset\": 100, \"limit\": 100, \"Items\": [{}, {}]}",
			paging:   Paging{Total: "250", Offset: "100", Limit: "100"},
			warnings: []string{"m.json:1: warning: total is 250 but this file holds 2 item(s) from offset 100: users on other pages are not in this file"},
		},
		{
			name:    "company, any case, odd values",
			in:      "{\"Company\": {\"Name\": \"Ex Inc.\", \"zip\": 98101, \"tags\": [1], \"founded\": 1999},\n\"Total\": \"many\", \"Items\": [], \"extra\": {\"a\": 1}}",
			company: &Company{Pos: model.Position{File: "m.json", Line: 1}, Name: "Ex Inc.", Zip: "98101"},
			warnings: []string{
				"m.json:1: warning: company.tags is an array: expected text; ignored",
				`m.json:1: warning: unknown company property "founded" ignored: expected name, address, city, state, zip, country`,
				`m.json:2: warning: top-level Total is "many": expected a whole number; ignored`,
				`m.json:2: warning: unknown top-level property "extra" ignored: expected Items, NextPage (3.0) or total, offset, limit, company (3.1)`,
			},
		},
		{
			name:     "3.1 property after items",
			in:       "{\"Items\": [{}],\n\"offset\": 0}",
			paging:   Paging{Offset: "0"},
			warnings: []string{"m.json:2: warning: offset marks a Users 3.1 response but comes after Items: 1 item(s) before it without 3.1 fields were typed 3.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := readAll(t, NewReader(strings.NewReader(tt.in), "m.json"))
			if d.Errors != nil || d.Fatal != "" {
				t.Fatalf("errors %v %s", d.Errors, d.Fatal)
			}
			if fmt.Sprint(d.Company) != fmt.Sprint(tt.company) {
				t.Errorf("company %+v, want %+v", d.Company, tt.company)
			}
			if d.Paging != tt.paging {
				t.Errorf("paging %+v, want %+v", d.Paging, tt.paging)
			}
			if strings.Join(d.Warnings, "\n") != strings.Join(tt.warnings, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(d.Warnings, "\n"), strings.Join(tt.warnings, "\n"))
			}
		})
	}
}

// TestSmallReads feeds the input one byte at a time, so UTF-8 sequences, the
// byte order mark and tokens are split across reads.
func TestSmallReads(t *testing.T) {
	data, err := os.ReadFile("../../samples/legacy/users-v3.1.json")
	if err != nil {
		t.Fatal(err)
	}
	data = append([]byte("\ufeff"), bytes.Replace(data, []byte("Noor"), []byte("Nöör"), 1)...)
	whole := readAll(t, NewReader(bytes.NewReader(data), "n.json"))
	bytewise := readAll(t, NewReader(iotest.OneByteReader(bytes.NewReader(data)), "n.json"))
	if a, b := goldenJSON(t, whole), goldenJSON(t, bytewise); !bytes.Equal(a, b) {
		t.Errorf("byte-wise read differs:\n%s\n%s", a, b)
	}
	if whole.Errors != nil || len(whole.Records) != 3 || !strings.Contains(fmt.Sprint(whole.Records[0]), "Nöör") {
		t.Errorf("unexpected read %+v", whole)
	}
}

func TestReadError(t *testing.T) {
	formattest.ReadFailure(t, formattest.Open(NewReader), "{\"Items\": [\n{", 2)
}

// TestLongInput checks line positions far into an input larger than any
// read buffer (the filter's newline queue trimming is tested in
// formats/internal/textfilter).
func TestLongInput(t *testing.T) {
	data := benchInput(3000)
	r := NewReader(bytes.NewReader(data), "l.json")
	want := 3 // line of the first item: "{", "  \"Items\": [", then items
	for i := 0; ; i++ {
		rec, err := r.Next()
		if err == io.EOF {
			if i != 3000 {
				t.Fatalf("read %d items", i)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Pos.Line != want {
			t.Fatalf("item %d at line %d, want %d", i, rec.Pos.Line, want)
		}
		want += benchItemLines
	}
}
