package v3json

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

var update = flag.Bool("update", false, "rewrite golden files")

// dumpField, dumpRecord and dump are the golden-file form of a read.
type dumpField struct {
	Key   string `json:"key"`
	Name  string `json:"name,omitempty"` // only when it differs from the key
	Value string `json:"value"`
	Line  int    `json:"line"`
}

type dumpRecord struct {
	Pos    string      `json:"pos"`
	Type   string      `json:"type"`
	Fields []dumpField `json:"fields"`
}

type dump struct {
	Records  []dumpRecord
	Errors   []string
	Fatal    string
	Warnings []string
	Company  *Company
	Paging   Paging
}

// readAll reads r to its end.
func readAll(t testing.TB, r *Reader) dump {
	t.Helper()
	var d dump
	for i := 0; ; i++ {
		if i > 100000 {
			t.Fatal("reader does not end")
		}
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *model.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *model.ParseError: %v", err, err)
			}
			if pe.Fatal {
				d.Fatal = err.Error()
				break
			}
			d.Errors = append(d.Errors, err.Error())
			continue
		}
		dr := dumpRecord{Pos: rec.Pos.String(), Type: rec.Type}
		for i, k := range rec.Keys {
			f := dumpField{Key: k, Value: rec.Values[i], Line: rec.Lines[i]}
			if rec.Names[i] != k {
				f.Name = rec.Names[i]
			}
			dr.Fields = append(dr.Fields, f)
		}
		d.Records = append(d.Records, dr)
	}
	for _, w := range r.Warnings() {
		d.Warnings = append(d.Warnings, w.String())
	}
	d.Company = r.Company()
	d.Paging = r.Paging()
	return d
}

// goldenJSON renders d as JSON with one record, error or warning a line.
func goldenJSON(t *testing.T, d dump) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := func(v any) string {
		var buf bytes.Buffer
		e := json.NewEncoder(&buf)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(buf.String(), "\n")
	}
	list := func(name string, n int, item func(int) any) {
		fmt.Fprintf(&b, "  %q: [", name)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n    " + enc(item(i)))
		}
		if n > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString("],\n")
	}
	b.WriteString("{\n")
	list("records", len(d.Records), func(i int) any { return d.Records[i] })
	list("errors", len(d.Errors), func(i int) any { return d.Errors[i] })
	list("warnings", len(d.Warnings), func(i int) any { return d.Warnings[i] })
	fmt.Fprintf(&b, "  \"company\": %s,\n", enc(d.Company))
	fmt.Fprintf(&b, "  \"paging\": %s,\n", enc(d.Paging))
	fmt.Fprintf(&b, "  \"fatal\": %s\n}\n", enc(d.Fatal))
	return b.Bytes()
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
			got := goldenJSON(t, readAll(t, NewReader(mustOpen(t, in), base)))
			golden := filepath.Join("testdata", strings.TrimSuffix(base, ".json")+".golden.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the reader's output; run go test -update and review the diff\ngot:\n%s", golden, got)
			}
		})
	}
}

func mustOpen(t *testing.T, path string) io.Reader {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(data)
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
		d := readAll(t, NewReader(mustOpen(t, tt.path), "s.json"))
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
	tests := []struct {
		name  string
		in    string
		lines []int    // record start lines
		types []string // record types
		errs  []string // error texts, in order (fatal last); prefixes
		kinds []error  // kinds of errs, parallel
		fatal bool
	}{
		{
			name:  "empty",
			in:    "",
			errs:  []string{"t.json:1: empty file: expected a Users 3.0/3.1 JSON response (an object with an Items array)"},
			kinds: []error{ErrEmpty},
			fatal: true,
		},
		{
			name:  "whitespace and BOM only",
			in:    "\ufeff\n  \n",
			errs:  []string{"t.json:1: empty file"},
			kinds: []error{ErrEmpty},
			fatal: true,
		},
		{
			name:  "no Items",
			in:    "{\n \"users\": [],\n \"count\": 0\n}",
			errs:  []string{`t.json:1: no Items array in the top-level object (found "users", "count"): expected a Users 3.0/3.1 response with an Items array`},
			kinds: []error{ErrNotResponse},
			fatal: true,
		},
		{
			name:  "no Items, many properties",
			in:    `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12}`,
			errs:  []string{`t.json:1: no Items array in the top-level object (found "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" and 2 more): expected`},
			kinds: []error{ErrNotResponse},
			fatal: true,
		},
		{
			name:  "empty object",
			in:    "\n{}",
			errs:  []string{"t.json:2: no Items array: the top-level object is empty"},
			kinds: []error{ErrNotResponse},
			fatal: true,
		},
		{
			name:  "top-level array",
			in:    `[{"EmployeeID": "L1"}]`,
			errs:  []string{"t.json:1: top-level JSON array: expected an object with an Items array"},
			kinds: []error{ErrNotResponse},
			fatal: true,
		},
		{
			name:  "top-level string",
			in:    "\n\n\"Items\"",
			errs:  []string{"t.json:3: top-level JSON string: expected an object with an Items array"},
			kinds: []error{ErrNotResponse},
			fatal: true,
		},
		{
			name:  "XML given to the JSON reader",
			in:    "<batch/>",
			errs:  []string{"t.json:1: malformed JSON: invalid character '<' looking for beginning of value"},
			kinds: []error{ErrMalformed},
			fatal: true,
		},
		{
			name:  "Items not an array",
			in:    "{\"Items\":\n {\"EmployeeID\": \"L1\"}}",
			errs:  []string{"t.json:2:Items: Items is an object: expected an array of user objects"},
			kinds: []error{ErrNotResponse},
			fatal: true,
		},
		{
			name:  "second Items",
			in:    "{\"Items\": [{\"EmployeeID\": \"L1\"}],\n\"items\": []}",
			lines: []int{1},
			types: []string{"3.0"},
			errs:  []string{"t.json:2:items: second Items property: expected one Items array (the first is on line 1)"},
			kinds: []error{ErrNotResponse},
			fatal: true,
		},
		{
			name:  "malformed",
			in:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"},\n{\"EmployeeID\": \"L2\",\n\n \"LoginID\" \"x\"}]}",
			lines: []int{2},
			errs:  []string{"t.json:5: malformed JSON: invalid character '\"' after object key: expected well-formed JSON (a Users 3.0/3.1 response); reading stopped in Items[1] at line 3"},
			kinds: []error{ErrMalformed},
			fatal: true,
		},
		{
			name:  "truncated",
			in:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"},\n{\"EmployeeID\": \"L2\",\n",
			lines: []int{2},
			errs:  []string{"t.json:4: malformed JSON: unexpected end of file: expected the rest of the top-level object; reading stopped in Items[1] at line 3"},
			kinds: []error{ErrMalformed},
			fatal: true,
		},
		{
			name:  "truncated between items",
			in:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"}",
			lines: []int{2},
			errs:  []string{"t.json:2: malformed JSON: unexpected end of file"},
			kinds: []error{ErrMalformed},
			fatal: true,
		},
		{
			name:  "trailing garbage",
			in:    "{\"Items\": []}\n\nxyz",
			errs:  []string{"t.json:3: malformed JSON: invalid character 'x' looking for beginning of value: expected the end of the file after the top-level object"},
			kinds: []error{ErrMalformed},
			fatal: true,
		},
		{
			name:  "second value",
			in:    "{\"Items\": []}\n{\"Items\": []}",
			errs:  []string{"t.json:2: second JSON value (an object) after the top-level object: expected the end of the file"},
			kinds: []error{ErrNotResponse},
			fatal: true,
		},
		{
			name:  "binary garbage",
			in:    "\x00\x01\x02\xff\xfe",
			errs:  []string{"t.json:1: NUL byte: expected text"},
			kinds: []error{ErrEncoding},
			fatal: true,
		},
		{
			name:  "UTF-16",
			in:    "\xfe\xff\x00{",
			errs:  []string{"t.json:1: UTF-16 byte order mark: expected UTF-8 text (give --encoding utf-16)"},
			kinds: []error{ErrEncoding},
			fatal: true,
		},
		{
			name:  "NUL outside strings",
			in:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"},\n\x00]}",
			lines: []int{2},
			errs:  []string{"t.json:3: NUL byte: expected text (binary data, or UTF-16 text read without --encoding utf-16); reading stopped"},
			kinds: []error{ErrEncoding},
			fatal: true,
		},
		{
			name:  "bad bytes in values cost one item each",
			in:    "{\"Items\": [\n{\"EmployeeID\": \"L1\", \"LastName\": \"M\xfcller\"},\n{\"EmployeeID\": \"L2\",\n \"FirstName\": \"a\\u0000b\"},\n{\"EmployeeID\": \"L3\", \"Mi\x00\": \"x\"},\n{\"EmployeeID\": \"L4\"}]}",
			lines: []int{6},
			types: []string{"3.0"},
			errs: []string{
				"t.json:2:LastName: byte 0xFC that is not UTF-8: expected UTF-8 text (give --encoding when the file uses another encoding, e.g. --encoding windows-1252); Items[0] at line 2 skipped",
				`t.json:4:FirstName: escaped NUL character \u0000: expected text; Items[1] at line 3 skipped`,
				"t.json:5:Mi\ufffd: NUL byte: expected text (binary data, or UTF-16 text read without --encoding utf-16) (in a property name); Items[2] at line 5 skipped",
			},
			kinds: []error{ErrEncoding, ErrEncoding, ErrEncoding},
		},
		{
			name:  "bad item shapes",
			in:    "{\"Items\": [\n1,\nnull,\n[{}],\n{\"EmployeeID\": \"L1\",\n \"Manager\": {\"a\": [1]}},\n{\"EmployeeID\": \"L2\", \"Emails\": \"x@example.com\"},\n{\"EmployeeID\": \"L3\", \"Emails\": [[\"x\"]]},\n{\"EmployeeID\": \"L4\", \"Emails\": [{\"a\": {}}]},\n{\"EmployeeID\": \"L5\", \"Emails\": [], \"Emails\": []},\n{\"EmployeeID\": \"L6\", \"employeeID\": \"L6\"},\n{\"EmployeeID\": \"L7\"}]}",
			lines: []int{12},
			errs: []string{
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
			kinds: []error{ErrItem, ErrItem, ErrItem, ErrItem, ErrItem, ErrItem, ErrItem, ErrItem, ErrItem},
		},
		{
			name:  "3.1 by top-level property, by item field, 3.0 otherwise",
			in:    "{\"Items\": [\n{\"EmployeeID\": \"L1\"},\n{\"EmployeeID\": \"L2\", \"CountryCode\": null},\n{\"EmployeeID\": \"L3\", \"Emails\": null}],\n\"total\": 3}",
			lines: []int{2, 3, 4},
			types: []string{"3.0", "3.1", "3.1"},
		},
		{
			name:  "3.1 top-level first",
			in:    "{\"limit\": 100, \"Items\": [\n{\"EmployeeID\": \"L1\"}]}",
			lines: []int{2},
			types: []string{"3.1"},
		},
		{
			name:  "bad byte in metadata is reported, items kept",
			in:    "{\"NextPage\": \"\xff\",\n\"Items\": [\n{\"EmployeeID\": \"L1\"}]}",
			lines: []int{3},
			errs:  []string{"t.json:1:NextPage: byte 0xFF that is not UTF-8"},
			kinds: []error{ErrEncoding},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), "t.json")
			var lines []int
			var types []string
			var errs []error
			fatal := false
			for i := 0; i < 1000; i++ {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					errs = append(errs, err)
					if pe := err.(*model.ParseError); pe.Fatal {
						fatal = true
						break
					}
					continue
				}
				lines = append(lines, rec.Pos.Line)
				types = append(types, rec.Type)
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.lines) {
				t.Errorf("record lines %v, want %v", lines, tt.lines)
			}
			if tt.types != nil && fmt.Sprint(types) != fmt.Sprint(tt.types) {
				t.Errorf("record types %v, want %v", types, tt.types)
			}
			if fatal != tt.fatal {
				t.Errorf("fatal = %v, want %v", fatal, tt.fatal)
			}
			if len(errs) != len(tt.errs) {
				t.Fatalf("got %d errors %q, want %d %q", len(errs), errs, len(tt.errs), tt.errs)
			}
			for i, err := range errs {
				if !strings.HasPrefix(err.Error(), tt.errs[i]) {
					t.Errorf("error %d:\n got %q\nwant %q…", i, err, tt.errs[i])
				}
				if !errors.Is(err, tt.kinds[i]) {
					t.Errorf("error %d %q is not %v", i, err, tt.kinds[i])
				}
			}
		})
	}
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
	boom := errors.New("disk on fire")
	r := NewReader(io.MultiReader(strings.NewReader("{\"Items\": [\n{"), iotest.ErrReader(boom)), "e.json")
	_, err := r.Next()
	var pe *model.ParseError
	if !errors.As(err, &pe) || !pe.Fatal || !errors.Is(err, boom) || pe.Line != 2 {
		t.Fatalf("want fatal ParseError wrapping the read error at line 2, got %v", err)
	}
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
