package mapping

import (
	"bytes"
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// wholeTable lists the problems a TableError may carry without a line:
// they are about the table as a whole, not one of its rows.
var wholeTable = []string{"empty table", "empty defaults table", "table has no rows", "has no row", "a table has at most", "a delegate table needs"}

// checkTableError fails unless err is a *TableError, or errors.Join of
// them, each naming file and a line of the input (1 ≤ Line ≤ maxLine), or
// no line for a problem of the whole table.
func checkTableError(t *testing.T, err error, file string, maxLine int) {
	t.Helper()
	if !strings.HasPrefix(err.Error(), file) {
		t.Fatalf("error %q does not name the file", err)
	}
	var walk func(error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		te, ok := err.(*TableError)
		if !ok {
			t.Fatalf("error %T is not a *TableError: %v", err, err)
		}
		if te.File != file || te.Line < 0 || te.Line > maxLine {
			t.Fatalf("error outside the input (%d lines): %v", maxLine, te)
		}
		if te.Line == 0 {
			for _, w := range wholeTable {
				if strings.Contains(te.Err.Error(), w) {
					return
				}
			}
			t.Fatalf("error without a line: %v", te)
		}
	}
	walk(err)
}

// tableNames lists the names of the embedded tables, and one more.
func tableNames() []string {
	files, _ := filepath.Glob("tables/*.csv")
	var names []string
	for _, p := range files {
		name, ok := tableFileName(filepath.Base(p))
		if ok {
			names = append(names, name)
		}
	}
	return append(names, "999")
}

// FuzzParseTable reads arbitrary bytes as a mapping table under the name
// of each embedded table. It must not panic; an error must name the file
// and the line of each problem (see checkTableError). A table that loads
// has its rows at increasing lines of the input, validates again from its
// rows (NewTable), prints (Write), and loads the same rows again from its
// own CSV form.
func FuzzParseTable(f *testing.F) {
	names := tableNames()
	for i, name := range names {
		if b, err := tablesFS.ReadFile("tables/" + name + ".csv"); err == nil {
			f.Add(uint8(i), b)
		}
	}
	head := strings.Join(Columns, ",") + "\n"
	for _, s := range []string{
		"", head, "\ufeff" + head + "1,Type,,,literal,305,,,\n",
		"note,lost,source_field,name,target_schema,target_path,transform,args,max_length\n,,1,T,,,literal,305,\n,,2,F,core:2.0:User,name.givenName,text,,32\n",
		head + "1,A,core:2.0:User,name.givenName,text,,32,,\n3,B,core:2.0:User,name.familyName,text,,x,,\n",
		head + "1,\"A\nB\",core:2.0:User,\"emails[type eq \"\"work\"\"].value\",email,,,,\n",
		head + "1,A,core:2.0:User\n", "source_field,source_field\n", "a,\"b\n",
		head + "EmpId,Id,enterprise:2.0:User,employeeNumber,text,,,,\nEmails[*],E,core:2.0:User,emails,email,,,,\n",
	} {
		f.Add(uint8(len(names)-1), []byte(s))
	}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		name := names[int(which)%len(names)]
		const file = "fuzz/table.csv"
		maxLine := bytes.Count(data, []byte("\n")) + 1
		tb, err := ParseTable(name, file, bytes.NewReader(data))
		if err != nil {
			if tb != nil {
				t.Fatal("a table and an error")
			}
			checkTableError(t, err, file, maxLine)
			return
		}
		rows := tb.Rows()
		last := 1
		for _, r := range rows {
			if r.Line <= last || r.Line > maxLine {
				t.Fatalf("row at line %d after line %d (%d lines)", r.Line, last, maxLine)
			}
			last = r.Line
		}
		if _, err := NewTable(name, file, rows); err != nil {
			t.Fatalf("the rows of a loaded table do not validate: %v", err)
		}
		if err := tb.Write(io.Discard); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write(Columns)
		for _, r := range rows {
			v := r.Values()
			if strings.Contains(strings.Join(v, ""), "\r") {
				return // encoding/csv reads a quoted \r\n as \n
			}
			_ = w.Write(v)
		}
		w.Flush()
		again, err := ParseTable(name, file, &b)
		if err != nil {
			t.Fatalf("the CSV form of a loaded table does not load: %v", err)
		}
		got := again.Rows()
		if len(got) != len(rows) {
			t.Fatalf("CSV form: %d rows, loaded %d", len(got), len(rows))
		}
		for i := range rows {
			if !reflect.DeepEqual(got[i].Values(), rows[i].Values()) {
				t.Fatalf("CSV form: row %d is %q, loaded %q", i, got[i].Values(), rows[i].Values())
			}
		}
	})
}

// FuzzParseDefaults reads arbitrary bytes as a defaults table. It must not
// panic; an error must name the file and the line of each problem (see
// checkTableError). A table that loads has its rows at increasing lines
// of the input, validates again from its rows (NewDefaults), and loads the
// same rows again from its own CSV form.
func FuzzParseDefaults(f *testing.F) {
	for _, p := range []string{"tables/" + DefaultsFile, "../samples/mapping/" + DefaultsFile} {
		if b, err := readFileOrEmbedded(p); err == nil {
			f.Add(b)
		}
	}
	head := strings.Join(DefaultsColumns, ",") + "\n"
	for _, s := range []string{
		"", head, "target_schema,target_path,value,transform,note\nspend:2.0:User,locale,en_US,locale,\n",
		head + "spend:2.0:User,locale,en_US,locale,always,\nspend:2.0:User,locale,de_DE,locale,,dup\n",
		head + "spend:2.0:Approver,report,x,text,,\ncore:2.0:User,active,Y,flag,,\ncore:2.0:User,title,,text,sometimes,\n",
		head + "travel:2.0:User,ruleClass.name,\"Default\nClass\",text,extension,\"q\"\"\"\n",
		head + "core:2.0:User,name..givenName,x,datetime,,\n", "target_schema,target_schema\n", "a,\"b\n",
		head + "enterprise:2.0:User,employeeNumber,1,text\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "fuzz/defaults.csv"
		maxLine := bytes.Count(data, []byte("\n")) + 1
		d, err := ParseDefaults(file, bytes.NewReader(data))
		if err != nil {
			if d != nil {
				t.Fatal("defaults and an error")
			}
			checkTableError(t, err, file, maxLine)
			return
		}
		rows := d.Rows()
		if d.Len() != len(rows) {
			t.Fatalf("Len %d, %d rows", d.Len(), len(rows))
		}
		last := 1
		for _, r := range rows {
			if r.Line <= last || r.Line > maxLine {
				t.Fatalf("row at line %d after line %d (%d lines)", r.Line, last, maxLine)
			}
			last = r.Line
		}
		if _, err := NewDefaults(file, rows); err != nil {
			t.Fatalf("the rows of loaded defaults do not validate: %v", err)
		}
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		_ = w.Write(DefaultsColumns)
		values := func(r DefaultRow) []string {
			return []string{r.TargetSchema, r.TargetPath, r.Value, r.Transform, r.Applies, r.Note}
		}
		for _, r := range rows {
			v := values(r)
			if strings.Contains(strings.Join(v, ""), "\r") {
				return // encoding/csv reads a quoted \r\n as \n
			}
			_ = w.Write(v)
		}
		w.Flush()
		again, err := ParseDefaults(file, &b)
		if err != nil {
			t.Fatalf("the CSV form of loaded defaults does not load: %v", err)
		}
		got := again.Rows()
		if len(got) != len(rows) {
			t.Fatalf("CSV form: %d rows, loaded %d", len(got), len(rows))
		}
		for i := range rows {
			if !reflect.DeepEqual(values(got[i]), values(rows[i])) {
				t.Fatalf("CSV form: row %d is %q, loaded %q", i, values(got[i]), values(rows[i]))
			}
		}
	})
}

// readFileOrEmbedded reads an embedded table (tables/…) or a file.
func readFileOrEmbedded(p string) ([]byte, error) {
	if strings.HasPrefix(p, "tables/") {
		return tablesFS.ReadFile(p)
	}
	return os.ReadFile(p)
}
