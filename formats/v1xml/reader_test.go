package v1xml

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

// readAll reads r to its end.
func readAll(t testing.TB, r *Reader) formattest.Read {
	t.Helper()
	d, err := formattest.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return d
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
			got, err := formattest.Dump(NewReader(formattest.Input(t, in), base))
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", strings.TrimSuffix(base, ".xml")+".golden.json"), got)
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
	d := readAll(t, NewReader(formattest.Input(t, "../../samples/legacy/users-v1-batch.xml"), "b.xml"))
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
	tests := []formattest.ErrorCase{
		{
			Name:  "empty",
			In:    "",
			Errs:  []string{"t.xml:1: empty file: expected a Users V1 batch (<batch> holding <UserProfile> elements)"},
			Kinds: []error{ErrEmpty},
			Fatal: true,
		},
		{
			Name:  "whitespace and BOM only",
			In:    "\ufeff \n\t\n",
			Errs:  []string{"t.xml:1: empty file"},
			Kinds: []error{ErrEmpty},
			Fatal: true,
		},
		{
			Name:  "comment only",
			In:    "<?xml version=\"1.0\"?>\n<!-- nothing -->\n",
			Errs:  []string{"t.xml:3: no root element: expected <batch>"},
			Kinds: []error{ErrNotBatch},
			Fatal: true,
		},
		{
			Name:  "wrong root",
			In:    "<?xml version=\"1.0\"?>\n<Users><UserProfile/></Users>",
			Errs:  []string{"t.xml:2: not a Users V1 batch: root element <Users>, expected <batch>"},
			Kinds: []error{ErrNotBatch},
			Fatal: true,
		},
		{
			Name:  "password batch",
			In:    "<UserBatch " + ns + "><User><LoginID>a@b</LoginID></User></UserBatch>",
			Errs:  []string{"t.xml:1: not a Users V1 batch: root element <UserBatch>, expected <batch> (this is a Users V1 password batch"},
			Kinds: []error{ErrNotBatch},
			Fatal: true,
		},
		{
			Name:  "text before root",
			In:    "\n\nhello <batch/>",
			Errs:  []string{"t.xml:3: text before the root element: expected <batch>"},
			Kinds: []error{ErrNotBatch},
			Fatal: true,
		},
		{
			Name:  "JSON given to the XML reader",
			In:    `{"Items": []}`,
			Errs:  []string{"t.xml:1: text before the root element"},
			Kinds: []error{ErrNotBatch},
			Fatal: true,
		},
		{
			Name:  "malformed",
			In:    "<batch>\n<UserProfile>\n<EmpId>L1</EmpID>\n</UserProfile>\n</batch>",
			Errs:  []string{"t.xml:3: malformed XML: element <EmpId> closed by </EmpID>: expected a well-formed Users V1 batch; reading stopped in the UserProfile at line 2"},
			Kinds: []error{ErrMalformed},
			Fatal: true,
		},
		{
			Name:  "truncated",
			In:    "<batch>\n<UserProfile><EmpId>L1</EmpId></UserProfile>\n<UserProfile>\n",
			Lines: []int{2},
			Errs:  []string{"t.xml:4: malformed XML: unexpected EOF"},
			Kinds: []error{ErrMalformed},
			Fatal: true,
		},
		{
			Name:  "entity in a password is not quoted",
			In:    "<batch><UserProfile><Password>a&secretvalue;b</Password></UserProfile></batch>",
			Errs:  []string{"t.xml:1: malformed XML: error inside a Password value (details withheld)"},
			Kinds: []error{ErrMalformed},
			Fatal: true,
		},
		{
			Name:  "binary garbage",
			In:    "\x00\x01\x02\xff\xfe",
			Errs:  []string{"t.xml:1: NUL byte: expected text"},
			Kinds: []error{ErrEncoding},
			Fatal: true,
		},
		{
			Name:  "UTF-16",
			In:    "\xff\xfe<\x00b\x00",
			Errs:  []string{"t.xml:1: UTF-16 byte order mark: expected UTF-8 text (give --encoding utf-16)"},
			Kinds: []error{ErrEncoding},
			Fatal: true,
		},
		{
			// U+FFFD is no XML name character: the decoder stops.
			Name:  "invalid UTF-8 in a name",
			In:    "<batch>\n<UserProfile>\n<Emp\xffId>x</Emp\xffId></UserProfile></batch>",
			Errs:  []string{"t.xml:3: byte 0xFF that is not UTF-8: expected UTF-8 text (give --encoding when the file uses another encoding, e.g. --encoding windows-1252); reading stopped in the UserProfile at line 2"},
			Kinds: []error{ErrEncoding},
			Fatal: true,
		},
		{
			Name:  "invalid UTF-8 between profiles is reported, records kept",
			In:    "<batch>\n<UserProfile><EmpId>A</EmpId></UserProfile>\n<!-- caf\xe9 -->\n<UserProfile><EmpId>B</EmpId></UserProfile>\n</batch>",
			Lines: []int{2, 4},
			Errs:  []string{"t.xml:3: byte 0xE9 that is not UTF-8"},
			Kinds: []error{ErrEncoding},
		},
		{
			Name:  "declared encoding is named in the advice",
			In:    "<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n<batch><UserProfile><LastName>M\xfcller</LastName></UserProfile></batch>",
			Errs:  []string{`t.xml:2:LastName: byte 0xFC that is not UTF-8: expected UTF-8 text (the file declares encoding "windows-1252": give --encoding windows-1252); UserProfile at line 2 skipped`},
			Kinds: []error{ErrEncoding},
		},
		{
			Name:  "control byte in a password hides its value",
			In:    "<batch>\n<UserProfile>\n<Password>ab\x07cd</Password>\n</UserProfile>\n</batch>",
			Errs:  []string{"t.xml:3:Password: control character: expected text without control characters (tabs and line breaks are allowed); remove it from the source file; UserProfile at line 2 skipped"},
			Kinds: []error{ErrControl},
		},
		{
			Name:  "nested, duplicate, then good",
			In:    "<batch " + ns + ">\n<UserProfile>\n<EmpId>A</EmpId>\n<FirstName>\n<x/>\n</FirstName>\n</UserProfile>\n<UserProfile>\n<EmpId>B</EmpId>\n<EmployeeID>B</EmployeeID>\n</UserProfile>\n<UserProfile><EmpId>C</EmpId></UserProfile>\n</batch>\n",
			Lines: []int{12},
			Errs: []string{
				"t.xml:5:FirstName: nested element <x> in <FirstName>: expected text only (UserProfile fields are flat); UserProfile at line 2 skipped",
				"t.xml:10:EmployeeID: duplicate field <EmployeeID>: <EmpId> on line 9 is the same field; expected each field once per UserProfile; UserProfile at line 8 skipped",
			},
			Kinds: []error{ErrStructure, ErrStructure},
		},
		{
			Name:  "same spelling twice",
			In:    "<batch><UserProfile><Mi>A</Mi><Mi>B</Mi></UserProfile></batch>",
			Errs:  []string{"t.xml:1:Mi: duplicate field <Mi> (first given on line 1); expected each field once per UserProfile"},
			Kinds: []error{ErrStructure},
		},
		{
			Name:  "stray text and elements in batch",
			In:    "<batch>\n  junk\n<Other><UserProfile/></Other>\n<UserProfile/>\n</batch>",
			Lines: []int{4},
			Errs: []string{
				"t.xml:2: text directly in <batch>: expected only <UserProfile> elements",
				"t.xml:3: unexpected element <Other> in <batch>: expected <UserProfile>; element skipped",
			},
			Kinds: []error{ErrStructure, ErrStructure},
		},
		{
			Name:  "text in UserProfile",
			In:    "<batch><UserProfile>\n<EmpId>A</EmpId>\nhello\n</UserProfile></batch>",
			Errs:  []string{"t.xml:3: text directly in <UserProfile>: expected field elements such as <EmpId>; UserProfile at line 1 skipped"},
			Kinds: []error{ErrStructure},
		},
		{
			Name:  "second root",
			In:    "<batch><UserProfile/></batch>\n<batch/>",
			Lines: []int{1},
			Errs:  []string{"t.xml:2: element <batch> after </batch>: expected the end of the file"},
			Kinds: []error{ErrNotBatch},
			Fatal: true,
		},
		{
			Name:  "text after root",
			In:    "<batch><UserProfile/></batch>\n\ntrailing",
			Lines: []int{1},
			Errs:  []string{"t.xml:3: text after </batch>: expected the end of the file"},
			Kinds: []error{ErrNotBatch},
			Fatal: true,
		},
		{
			Name:  "prefixed namespace, comments, PIs",
			In:    "<?xml version=\"1.0\"?>\n<!-- c -->\n<v1:batch xmlns:v1=\"http://www.concursolutions.com/api/user/2011/02\">\n<!-- c --><?pi x?>\n<v1:UserProfile><v1:EmpId>A</v1:EmpId></v1:UserProfile>\n</v1:batch>\n<!-- end -->\n",
			Lines: []int{5},
		},
		{
			Name:  "DOCTYPE with entities",
			In:    "<?xml version=\"1.0\"?>\n<!DOCTYPE batch [<!ENTITY x \"boom\">]>\n<batch><UserProfile><EmpId>&x;</EmpId></UserProfile></batch>\n",
			Errs:  []string{"t.xml:2: the DOCTYPE declares entities: upsmigrate expands no entity"},
			Kinds: []error{ErrDoctype},
			Fatal: true,
		},
		{
			Name:  "undeclared entity",
			In:    "<batch><UserProfile><EmpId>A&x;</EmpId></UserProfile></batch>\n",
			Errs:  []string{"t.xml:1: malformed XML: invalid character entity &x; (entities are not supported"},
			Kinds: []error{ErrMalformed},
			Fatal: true,
		},
	}
	formattest.RunErrors(t, "t.xml", formattest.Open(NewReader), tests, "secret")
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
	formattest.ReadFailure(t, formattest.Open(NewReader), "<batch>\n<UserProfile>", 2)
}
