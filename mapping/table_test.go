package mapping

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

const header = "source_field,name,target_schema,target_path,transform,args,max_length,note\n"

func TestDefaultTables(t *testing.T) {
	set := mustDefault(t)
	want := []string{"100", "300", "305", "310", "320", "350", "370", "400", "500", "550", "v1", "v3.0", "v3.1"}
	var got []string
	for _, tb := range set.Tables() {
		got = append(got, tb.Name)
		if tb.File != EmbeddedDir+"/"+tb.Name+".csv" {
			t.Errorf("table %s: File = %q", tb.Name, tb.File)
		}
		for _, r := range tb.Rows() {
			if r.Line < 2 {
				t.Errorf("%s: row %s has line %d", tb.Name, r.SourceField, r.Line)
			}
			mapped := r.TargetSchema != "" && r.TargetSchema != NotSupported
			if !mapped && r.Transform != "literal" && strings.TrimSpace(r.Note) == "" {
				t.Errorf("%s: unmapped row %s has no reason", tb.RowRef(r), r.SourceField)
			}
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("tables = %v, want %v", got, want)
	}
	tb, ok := set.Table("305")
	if !ok || !tb.Numbered() || tb.FieldCount() != 137 {
		t.Fatalf("305: ok=%v numbered=%v count=%d", ok, tb.Numbered(), tb.FieldCount())
	}
	r := tb.Rows()[16] // field 17, on line 18
	if r.SourceField != "17" || tb.RowRef(r) != "mapping/tables/305.csv:18" {
		t.Errorf("row 17 = %+v ref %s", r, tb.RowRef(r))
	}
	if got := strings.Join(r.Values(), "|"); !strings.HasPrefix(got, "17|Organizational Unit 2|spend:2.0:User|") {
		t.Errorf("Values = %s", got)
	}
	if _, ok := set.Table("999"); ok {
		t.Error("table 999 found")
	}
}

func TestTableValidation(t *testing.T) {
	tests := []struct {
		name, csv string
		want      []string // fragments, each must appear in the error
	}{
		{"unknown transform", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,core:2.0:User,title,flg,,,\n",
			[]string{"t.csv:4:5 (transform): unknown transform \"flg\""}},
		{"unknown schema", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,core:2.1:User,title,text,,,\n",
			[]string{"t.csv:4:3 (target_schema): unknown target schema \"core:2.1:User\""}},
		{"duplicate field", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n2,X,core:2.0:User,title,text,,,\n",
			[]string{"t.csv:4:1 (source_field): duplicate source field \"2\" (also on line 3)"}},
		{"gap", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n4,X,core:2.0:User,title,text,,,\n",
			[]string{"t.csv:4:1 (source_field): field position 4 leaves a gap"}},
		{"args on flag", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,core:2.0:User,active,flag,Y,,\n",
			[]string{"t.csv:4:6 (args): transform flag takes no args"}},
		{"bad entitlement", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,core:2.0:User,entitlements,entitlement,Travl,,\n",
			[]string{"t.csv:4:6 (args): entitlement \"Travl\""}},
		{"entitlement-only role", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,spend:2.0:Role,roles,role,EXP_USER,,\n",
			[]string{"t.csv:4:6 (args): role EXP_USER is granted only through entitlement Expense"}},
		{"unsupported without note", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,NOT SUPPORTED,,unsupported,,,\n",
			[]string{"t.csv:4:8 (note): a field that is not mapped needs the reason"}},
		{"bad max length", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,4x,\n",
			[]string{"t.csv:3:7 (max_length): max length \"4x\""}},
		{"bad path", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,core:2.0:User,\"emails[type eq \"\"work\"\".value\",text,,,\n",
			[]string{"t.csv:4:4 (target_path): malformed target path"}},
		{"bad approver path", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,spend:2.0:Approver,cashAdvance[primary eq false].approver.employeeNumber,approver,,,\n",
			[]string{"only report and request approvers may be non-primary"}},
		{"key args", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,maybe,48,\n",
			[]string{"t.csv:3:6 (args): key args must be create, amend or create-if"}},
		{"create-if unknown field", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create-if=3|9,48,\n3,X,core:2.0:User,title,text,,,\n",
			[]string{"create-if names field \"9\""}},
		{"phone_ext without phone", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,core:2.0:User,\"phoneNumbers[type eq \"\"work\"\"].value\",phone_ext,,,\n",
			[]string{"phone_ext needs an earlier phone row"}},
		{"delegate attr without delegate", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,amend,48,\n3,X,spend:2.0:Delegate,canPrepare,flag,,,\n",
			[]string{"spend:2.0:Delegate attributes need a delegate row"}},
		{"settings table with a value row", header + "1,Type,,,literal,100,,\n2,X,core:2.0:User,title,text,,,\n",
			[]string{"a table without a key row is a settings table"}},
		{"mixed keys", header + "1,Type,,,literal,305,,\nEmpId,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n",
			[]string{"source field \"EmpId\" is not a field position"}},
		{"bad header", "field,name\n1,x\n", []string{"t.csv:1: bad header"}},
		{"ragged row", header + "1,Type,,,literal\n", []string{"t.csv:2: wrong number of fields"}},
		{"two errors", header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n3,X,core:2.0:User,title,flg,,,\n4,Y,core:2.0:User,title,text,,x,\n",
			[]string{"t.csv:4:5 (transform)", "t.csv:5:7 (max_length)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTable("t", "t.csv", strings.NewReader(tt.csv))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\nlacks %q", err, w)
				}
			}
			var te *TableError
			if !errors.As(err, &te) {
				t.Errorf("error %T is not a *TableError", err)
			}
		})
	}
}

func TestParseTableBOMAndOrder(t *testing.T) {
	// Columns in another order, a BOM, CRLF line ends.
	csv := "\xEF\xBB\xBFnote,transform,args,source_field,name,target_schema,target_path,max_length\r\n" +
		"type,literal,305,1,Type,,,\r\n" +
		"key,key,create,2,Emp,enterprise:2.0:User,employeeNumber,48\r\n"
	tb, err := ParseTable("305", "x.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	rows := tb.Rows()
	if len(rows) != 2 || rows[1].Transform != "key" || rows[1].Line != 3 || rows[1].MaxLength != "48" {
		t.Errorf("rows = %+v", rows)
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	base, _ := mustDefault(t).Table("350")
	var b strings.Builder
	b.WriteString(strings.Join(Columns, ",") + "\n")
	for _, r := range base.Rows() {
		if r.SourceField == "33" {
			r.TargetSchema, r.TargetPath, r.Transform, r.Args = "travel:2.0:User", `customFields[name eq "Cost Center"].value`, "text", ""
		}
		for i, v := range r.Values() {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + `"`)
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "350.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("ignored"), 0o644); err != nil {
		t.Fatal(err)
	}
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := set.Table("350")
	if tb.File != filepath.Join(dir, "350.csv") {
		t.Errorf("File = %s", tb.File)
	}
	if other, _ := set.Table("305"); other.File != "mapping/tables/305.csv" {
		t.Errorf("305 replaced: %s", other.File)
	}
	e := NewEngine(set, Options{})
	e.Add(flat("t.csv", 1, "305", map[int]string{5: "E1", 2: "Ann"}))
	e.Add(flat("t.csv", 2, "350", map[int]string{2: "E1", 33: "CC-7"}))
	css, res := e.Finish()
	a := findAttr(findCS(css, "E1"), model.SchemaTravel+`:customFields[name eq "Cost Center"].value`)
	if a == nil || a.Value() != "CC-7" || a.Row() != filepath.Join(dir, "350.csv")+":34" {
		t.Errorf("attr = %+v; results %+v", a, res)
	}

	// A broken override names its own file and line.
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "305.csv"), []byte(header+"1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,bogus,48,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "role-codes.csv"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadDir(bad)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(bad, "305.csv")+":3:6 (args)") || !strings.Contains(err.Error(), "cannot be overridden") {
		t.Errorf("LoadDir(bad) = %v", err)
	}
	if _, err := LoadDir(filepath.Join(bad, "missing")); err == nil {
		t.Error("LoadDir(missing) succeeded")
	}
}

func TestNewTableAndWith(t *testing.T) {
	rows := []Row{
		{SourceField: "1", Name: "Type", Transform: "literal", Args: "360", Line: 2},
		{SourceField: "2", Name: "Employee ID", TargetSchema: "enterprise:2.0:User", TargetPath: "employeeNumber", Transform: "key", Args: "amend", Line: 3},
		{SourceField: "3", Name: "Notify", TargetSchema: "spend:2.0:InvoicePreference", TargetPath: "emailOnPurchasingAssigned", Transform: "flag", Line: 4},
	}
	tb, err := NewTable("360", "sheet.xlsx#360", rows)
	if err != nil {
		t.Fatal(err)
	}
	set := mustDefault(t).With(tb)
	if got, ok := set.Table("360"); !ok || got != tb {
		t.Fatal("360 not added")
	}
	if _, ok := mustDefault(t).Table("360"); ok {
		t.Fatal("With changed the default set")
	}
	css, _ := run(t, Options{}, flat("a.csv", 1, "305", map[int]string{5: "E1"}))
	_ = css
	e := NewEngine(set, Options{})
	e.Add(flat("a.csv", 1, "360", map[int]string{2: "E1", 3: "Y"}))
	css, _ = e.Finish()
	a := findAttr(findCS(css, "E1"), model.SchemaInvoicePreference+":emailOnPurchasingAssigned")
	if a == nil || a.Value() != true || a.Row() != "sheet.xlsx#360:4" {
		t.Errorf("attr = %+v", a)
	}
}

func TestWriteGolden(t *testing.T) {
	set := mustDefault(t)
	var buf bytes.Buffer
	for _, name := range []string{"320", "500"} {
		tb, _ := set.Table(name)
		if err := tb.Write(&buf); err != nil {
			t.Fatal(err)
		}
		buf.WriteByte('\n')
	}
	golden.Check(t, filepath.Join("testdata", "show.golden"), buf.Bytes())
}
