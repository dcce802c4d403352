package v1xml

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
	Records  []dumpRecord `json:"records"`
	Errors   []string     `json:"errors,omitempty"`
	Fatal    string       `json:"fatal,omitempty"`
	Warnings []string     `json:"warnings,omitempty"`
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
	list := func(name string, n int, item func(int) any, last bool) {
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
		b.WriteString("]")
		if !last {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("{\n")
	list("records", len(d.Records), func(i int) any { return d.Records[i] }, false)
	list("errors", len(d.Errors), func(i int) any { return d.Errors[i] }, false)
	list("warnings", len(d.Warnings), func(i int) any { return d.Warnings[i] }, false)
	fmt.Fprintf(&b, "  \"fatal\": %s\n}\n", enc(d.Fatal))
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	inputs := []string{
		"../../samples/legacy/users-v1-batch.xml",
		"../../samples/legacy/users-v1-nons.xml",
		"testdata/mixed-errors.xml",
	}
	for _, in := range inputs {
		base := filepath.Base(in)
		t.Run(base, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			got := goldenJSON(t, readAll(t, NewReader(bytes.NewReader(data), base)))
			golden := filepath.Join("testdata", strings.TrimSuffix(base, ".xml")+".golden.json")
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
			// No password value may leave the reader.
			for _, pw := range []string{"Init-Passw0rd-L102", "Never-Show-Me", "secret"} {
				if bytes.Contains(got, []byte(pw)) {
					t.Errorf("output shows password value %q", pw)
				}
			}
		})
	}
}

func TestSampleSpellings(t *testing.T) {
	d := readAll(t, NewReader(mustOpen(t, "../../samples/legacy/users-v1-batch.xml"), "b.xml"))
	if len(d.Records) != 5 || d.Errors != nil || d.Fatal != "" || d.Warnings != nil {
		t.Fatalf("sample: %d records, errors %v, fatal %q, warnings %v", len(d.Records), d.Errors, d.Fatal, d.Warnings)
	}
	for _, rec := range d.Records {
		keys := map[string]bool{}
		for _, f := range rec.Fields {
			keys[f.Key] = true
		}
		for _, k := range []string{"EmpId", "LoginId"} {
			if !keys[k] {
				t.Errorf("record %s lacks %s", rec.Pos, k)
			}
		}
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

func TestCanonical(t *testing.T) {
	tests := []struct {
		in, key string
		known   bool
	}{
		{"EmpId", "EmpId", true},
		{"EmployeeID", "EmpId", true},
		{"EmployeeId", "EmpId", true},
		{"LoginID", "LoginId", true},
		{"loginid", "LoginId", true},
		{"LedgerName", "LedgerKey", true},
		{"CrnCode", "CrnKey", true},
		{"ExpenseApproverEmployeeID", "ExpenseApproverEmployeeID", true},
		{"Custom21", "Custom21", true},
		{"NewLoginId", "NewLoginID", true},
		{"Custom22", "Custom22", false},
		{"", "", false},
	}
	for _, tt := range tests {
		key, known := Canonical(tt.in)
		if key != tt.key || known != tt.known {
			t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.in, key, known, tt.key, tt.known)
		}
	}
	for a, k := range Aliases() {
		if got, _ := Canonical(a); got != k {
			t.Errorf("alias %s → %s, table says %s", a, got, k)
		}
	}
	if len(Fields()) != 51 {
		t.Errorf("Fields() has %d names, want the 51 request fields of users-v1.csv", len(Fields()))
	}
}

const ns = `xmlns="http://www.concursolutions.com/api/user/2011/02"`

func TestErrors(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		lines []int    // record start lines
		errs  []string // error texts, in order (fatal last)
		kinds []error  // kinds of errs, parallel
		fatal bool
	}{
		{
			name:  "empty",
			in:    "",
			errs:  []string{"t.xml:1: empty file: expected a Users V1 batch (<batch> holding <UserProfile> elements)"},
			kinds: []error{ErrEmpty},
			fatal: true,
		},
		{
			name:  "whitespace and BOM only",
			in:    "\ufeff \n\t\n",
			errs:  []string{"t.xml:1: empty file"},
			kinds: []error{ErrEmpty},
			fatal: true,
		},
		{
			name:  "comment only",
			in:    "<?xml version=\"1.0\"?>\n<!-- nothing -->\n",
			errs:  []string{"t.xml:3: no root element: expected <batch>"},
			kinds: []error{ErrNotBatch},
			fatal: true,
		},
		{
			name:  "wrong root",
			in:    "<?xml version=\"1.0\"?>\n<Users><UserProfile/></Users>",
			errs:  []string{"t.xml:2: not a Users V1 batch: root element <Users>, expected <batch>"},
			kinds: []error{ErrNotBatch},
			fatal: true,
		},
		{
			name:  "password batch",
			in:    "<UserBatch " + ns + "><User><LoginID>a@b</LoginID></User></UserBatch>",
			errs:  []string{"t.xml:1: not a Users V1 batch: root element <UserBatch>, expected <batch> (this is a Users V1 password batch"},
			kinds: []error{ErrNotBatch},
			fatal: true,
		},
		{
			name:  "text before root",
			in:    "\n\nhello <batch/>",
			errs:  []string{"t.xml:3: text before the root element: expected <batch>"},
			kinds: []error{ErrNotBatch},
			fatal: true,
		},
		{
			name:  "JSON given to the XML reader",
			in:    `{"Items": []}`,
			errs:  []string{"t.xml:1: text before the root element"},
			kinds: []error{ErrNotBatch},
			fatal: true,
		},
		{
			name:  "malformed",
			in:    "<batch>\n<UserProfile>\n<EmpId>L1</EmpID>\n</UserProfile>\n</batch>",
			errs:  []string{"t.xml:3: malformed XML: element <EmpId> closed by </EmpID>: expected a well-formed Users V1 batch; reading stopped in the UserProfile at line 2"},
			kinds: []error{ErrMalformed},
			fatal: true,
		},
		{
			name:  "truncated",
			in:    "<batch>\n<UserProfile><EmpId>L1</EmpId></UserProfile>\n<UserProfile>\n",
			lines: []int{2},
			errs:  []string{"t.xml:4: malformed XML: unexpected EOF"},
			kinds: []error{ErrMalformed},
			fatal: true,
		},
		{
			name:  "entity in a password is not quoted",
			in:    "<batch><UserProfile><Password>a&secretvalue;b</Password></UserProfile></batch>",
			errs:  []string{"t.xml:1: malformed XML: error inside a Password value (details withheld)"},
			kinds: []error{ErrMalformed},
			fatal: true,
		},
		{
			name:  "binary garbage",
			in:    "\x00\x01\x02\xff\xfe",
			errs:  []string{"t.xml:1: NUL byte: expected text"},
			kinds: []error{ErrEncoding},
			fatal: true,
		},
		{
			name:  "UTF-16",
			in:    "\xff\xfe<\x00b\x00",
			errs:  []string{"t.xml:1: UTF-16 byte order mark: expected UTF-8 text (give --encoding utf-16)"},
			kinds: []error{ErrEncoding},
			fatal: true,
		},
		{
			// U+FFFD is no XML name character: the decoder stops.
			name:  "invalid UTF-8 in a name",
			in:    "<batch>\n<UserProfile>\n<Emp\xffId>x</Emp\xffId></UserProfile></batch>",
			errs:  []string{"t.xml:3: byte 0xFF that is not UTF-8: expected UTF-8 text (give --encoding when the file uses another encoding, e.g. --encoding windows-1252); reading stopped in the UserProfile at line 2"},
			kinds: []error{ErrEncoding},
			fatal: true,
		},
		{
			name:  "invalid UTF-8 between profiles is reported, records kept",
			in:    "<batch>\n<UserProfile><EmpId>A</EmpId></UserProfile>\n<!-- caf\xe9 -->\n<UserProfile><EmpId>B</EmpId></UserProfile>\n</batch>",
			lines: []int{2, 4},
			errs:  []string{"t.xml:3: byte 0xE9 that is not UTF-8"},
			kinds: []error{ErrEncoding},
		},
		{
			name:  "declared encoding is named in the advice",
			in:    "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<batch><UserProfile><LastName>M\xfcller</LastName></UserProfile></batch>",
			errs:  []string{`t.xml:2:LastName: byte 0xFC that is not UTF-8: expected UTF-8 text (the file declares encoding "windows-1252": give --encoding windows-1252); UserProfile at line 2 skipped`},
			kinds: []error{ErrEncoding},
		},
		{
			name:  "control byte in a password hides its value",
			in:    "<batch>\n<UserProfile>\n<Password>ab\x07cd</Password>\n</UserProfile>\n</batch>",
			errs:  []string{"t.xml:3:Password: control character: expected text; UserProfile at line 2 skipped"},
			kinds: []error{ErrEncoding},
		},
		{
			name:  "nested, duplicate, then good",
			in:    "<batch " + ns + ">\n<UserProfile>\n<EmpId>A</EmpId>\n<FirstName>\n<x/>\n</FirstName>\n</UserProfile>\n<UserProfile>\n<EmpId>B</EmpId>\n<EmployeeID>B</EmployeeID>\n</UserProfile>\n<UserProfile><EmpId>C</EmpId></UserProfile>\n</batch>\n",
			lines: []int{12},
			errs: []string{
				"t.xml:5:FirstName: nested element <x> in <FirstName>: expected text only (UserProfile fields are flat); UserProfile at line 2 skipped",
				"t.xml:10:EmployeeID: duplicate field <EmployeeID>: <EmpId> on line 9 is the same field; expected each field once per UserProfile; UserProfile at line 8 skipped",
			},
			kinds: []error{ErrStructure, ErrStructure},
		},
		{
			name:  "same spelling twice",
			in:    "<batch><UserProfile><Mi>A</Mi><Mi>B</Mi></UserProfile></batch>",
			errs:  []string{"t.xml:1:Mi: duplicate field <Mi> (first given on line 1); expected each field once per UserProfile"},
			kinds: []error{ErrStructure},
		},
		{
			name:  "stray text and elements in batch",
			in:    "<batch>\n  junk\n<Other><UserProfile/></Other>\n<UserProfile/>\n</batch>",
			lines: []int{4},
			errs: []string{
				"t.xml:2: text directly in <batch>: expected only <UserProfile> elements",
				"t.xml:3: unexpected element <Other> in <batch>: expected <UserProfile>; element skipped",
			},
			kinds: []error{ErrStructure, ErrStructure},
		},
		{
			name:  "text in UserProfile",
			in:    "<batch><UserProfile>\n<EmpId>A</EmpId>\nhello\n</UserProfile></batch>",
			errs:  []string{"t.xml:3: text directly in <UserProfile>: expected field elements such as <EmpId>; UserProfile at line 1 skipped"},
			kinds: []error{ErrStructure},
		},
		{
			name:  "second root",
			in:    "<batch><UserProfile/></batch>\n<batch/>",
			lines: []int{1},
			errs:  []string{"t.xml:2: element <batch> after </batch>: expected the end of the file"},
			kinds: []error{ErrNotBatch},
			fatal: true,
		},
		{
			name:  "text after root",
			in:    "<batch><UserProfile/></batch>\n\ntrailing",
			lines: []int{1},
			errs:  []string{"t.xml:3: text after </batch>: expected the end of the file"},
			kinds: []error{ErrNotBatch},
			fatal: true,
		},
		{
			name:  "prefixed namespace, comments, PIs",
			in:    "<?xml version=\"1.0\"?>\n<!-- c -->\n<v1:batch xmlns:v1=\"http://www.concursolutions.com/api/user/2011/02\">\n<!-- c --><?pi x?>\n<v1:UserProfile><v1:EmpId>A</v1:EmpId></v1:UserProfile>\n</v1:batch>\n<!-- end -->\n",
			lines: []int{5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), "t.xml")
			var lines []int
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
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.lines) {
				t.Errorf("record lines %v, want %v", lines, tt.lines)
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
			if strings.Contains(fmt.Sprint(errs), "secret") {
				t.Errorf("an error shows a password value: %q", errs)
			}
		})
	}
}

func TestRecordFields(t *testing.T) {
	in := "\ufeff<?xml version=\"1.0\"?>\n<batch>\n  <UserProfile id=\"x\">\n    <EmployeeID> L9 </EmployeeID>\n    <Mi/>\n    <FirstName>Ana<!-- c -->bel</FirstName>\n    <Password>pw</Password>\n    <Password2></Password2>\n    <Note>a &amp; b</Note>\n  </UserProfile>\n</batch>\n"
	r := NewReader(strings.NewReader(in), "f.xml")
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		key, name, value string
		line             int
	}{
		{"EmpId", "EmployeeID", "L9", 4},
		{"Mi", "Mi", "", 5},
		{"FirstName", "FirstName", "Anabel", 6},
		{"Password", "Password", Redacted, 7},
		{"Password2", "Password2", "", 8},
		{"Note", "Note", "a & b", 9},
	}
	if len(rec.Keys) != len(want) || len(rec.Names) != len(want) || len(rec.Values) != len(want) || len(rec.Lines) != len(want) {
		t.Fatalf("record has %d keys, %d names, %d values, %d lines; want %d each", len(rec.Keys), len(rec.Names), len(rec.Values), len(rec.Lines), len(want))
	}
	for i, w := range want {
		if rec.Keys[i] != w.key || rec.Names[i] != w.name || rec.Values[i] != w.value || rec.Lines[i] != w.line {
			t.Errorf("field %d = %s/%s/%q/%d, want %s/%s/%q/%d", i, rec.Keys[i], rec.Names[i], rec.Values[i], rec.Lines[i], w.key, w.name, w.value, w.line)
		}
	}
	if rec.Pos != (model.Position{File: "f.xml", Line: 3}) || rec.Format != model.FormatV1XML || rec.Type != "v1" {
		t.Errorf("record pos %v format %s type %s", rec.Pos, rec.Format, rec.Type)
	}
	if s := rec.SourceOf("EmpId").String(); s != "f.xml:4:EmpId (EmployeeID)" {
		t.Errorf("source %s", s)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("want io.EOF, got %v", err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("io.EOF not sticky: %v", err)
	}
}

func TestWarnings(t *testing.T) {
	var b strings.Builder
	b.WriteString("<batch>\n")
	for i := 0; i < MaxBatch+1; i++ {
		fmt.Fprintf(&b, "<UserProfile><EmpId>L%d</EmpId></UserProfile>\n", i)
	}
	b.WriteString("</batch>\n")
	tests := []struct {
		name, in string
		records  int
		warn     string
	}{
		{"over the limit", b.String(), MaxBatch + 1, "w.xml:1: warning: <batch> holds 501 UserProfile elements: the Users V1 API took at most 500 per batch; all are read"},
		{"at the limit", strings.Replace(b.String(), "<UserProfile><EmpId>L0</EmpId></UserProfile>\n", "", 1), MaxBatch, ""},
		{"empty batch", "<batch " + ns + "/>", 0, "w.xml:1: warning: <batch> holds no <UserProfile> elements"},
		{"other namespace", "<batch xmlns=\"urn:x\"><UserProfile/></batch>", 1, `w.xml:1: warning: <batch> is in namespace "urn:x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := readAll(t, NewReader(strings.NewReader(tt.in), "w.xml"))
			if len(d.Records) != tt.records || d.Errors != nil || d.Fatal != "" {
				t.Fatalf("%d records, errors %v %s", len(d.Records), d.Errors, d.Fatal)
			}
			switch {
			case tt.warn == "" && d.Warnings != nil:
				t.Errorf("unexpected warnings %v", d.Warnings)
			case tt.warn != "" && (len(d.Warnings) != 1 || !strings.HasPrefix(d.Warnings[0], tt.warn)):
				t.Errorf("warnings %q, want %q", d.Warnings, tt.warn)
			}
		})
	}
}

// TestSmallReads feeds the input one byte at a time, so UTF-8 sequences and
// the byte order mark are split across reads.
func TestSmallReads(t *testing.T) {
	data, err := os.ReadFile("../../samples/legacy/users-v1-nons.xml")
	if err != nil {
		t.Fatal(err)
	}
	data = append([]byte("\ufeff"), data...)
	whole := readAll(t, NewReader(bytes.NewReader(data), "n.xml"))
	bytewise := readAll(t, NewReader(iotest.OneByteReader(bytes.NewReader(data)), "n.xml"))
	if fmt.Sprint(whole) != fmt.Sprint(bytewise) {
		t.Errorf("byte-wise read differs:\n%v\n%v", whole, bytewise)
	}
	if whole.Errors != nil || len(whole.Records) != 2 || whole.Records[0].Fields[4].Value != "Inés" {
		t.Errorf("unexpected read %+v", whole)
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	r := NewReader(io.MultiReader(strings.NewReader("<batch>\n<UserProfile>"), iotest.ErrReader(boom)), "e.xml")
	_, err := r.Next()
	var pe *model.ParseError
	if !errors.As(err, &pe) || !pe.Fatal || !errors.Is(err, boom) || pe.Line != 2 {
		t.Fatalf("want fatal ParseError wrapping the read error at line 2, got %v", err)
	}
}
