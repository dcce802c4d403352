package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/upsmigrate/upsmigrate/mapping"
)

func defaultSet(t testing.TB) *mapping.Set {
	t.Helper()
	set, err := mapping.Default()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// withDefaults returns the embedded set with a small defaults table, so
// the defaults sheet has rows whatever the embedded defaults.csv holds.
func withDefaults(t testing.TB) *mapping.Set {
	t.Helper()
	d, err := mapping.NewDefaults("d.csv", []mapping.DefaultRow{
		{TargetSchema: "spend:2.0:User", TargetPath: "locale", Value: "en_US", Transform: "locale", Line: 2},
		{TargetSchema: "core:2.0:User", TargetPath: "active", Value: "Y", Transform: "flag", Applies: mapping.AppliesAlways, Note: "active unless said otherwise", Line: 3},
	})
	if err != nil {
		t.Fatal(err)
	}
	return defaultSet(t).WithDefaults(d)
}

func export(t testing.TB, set *mapping.Set) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(set, &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func stripLines(rows []mapping.Row) []mapping.Row {
	out := append([]mapping.Row(nil), rows...)
	for i := range out {
		out[i].Line = 0
	}
	return out
}

func TestRoundTrip(t *testing.T) {
	set := withDefaults(t)
	data := export(t, set)
	got, err := Read(bytes.NewReader(data), "book.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tables()) != len(set.Tables()) {
		t.Fatalf("%d tables, want %d", len(got.Tables()), len(set.Tables()))
	}
	for _, want := range set.Tables() {
		tb, ok := got.Table(want.Name)
		if !ok {
			t.Errorf("table %s missing", want.Name)
			continue
		}
		if tb.File != "book.xlsx:"+want.Name {
			t.Errorf("table %s: File %q", want.Name, tb.File)
		}
		rows := tb.Rows()
		if !reflect.DeepEqual(stripLines(rows), stripLines(want.Rows())) {
			t.Errorf("table %s: rows differ after the round trip", want.Name)
		}
		if want.Name == "400" && (len(rows) < 4 || !strings.Contains(rows[3].Lost, "no segments")) {
			t.Errorf("table 400: the lost column of Segment 1 did not round-trip: %+v", rows[3])
		}
		if len(rows) > 0 && (rows[0].Line != 2 || tb.RowRef(rows[len(rows)-1]) != tb.File+":"+itoa(len(rows)+1)) {
			t.Errorf("table %s: lines are not sheet rows: first %d, last %s", want.Name, rows[0].Line, tb.RowRef(rows[len(rows)-1]))
		}
		if tb.Numbered() != want.Numbered() || tb.FieldCount() != want.FieldCount() {
			t.Errorf("table %s: numbered/field count differ", want.Name)
		}
	}
	dwant, dgot := set.Defaults().Rows(), got.Defaults().Rows()
	for i := range dwant {
		dwant[i].Line = 0
	}
	for i := range dgot {
		dgot[i].Line = 0
	}
	if len(dgot) != 2 || !reflect.DeepEqual(dgot, dwant) {
		t.Errorf("defaults after the round trip:\n got %+v\nwant %+v", dgot, dwant)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestExportLayout(t *testing.T) {
	set := withDefaults(t)
	f, err := excelize.OpenReader(bytes.NewReader(export(t, set)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{ReadmeSheet}
	for _, tb := range set.Tables() {
		want = append(want, tb.Name)
	}
	want = append(want, DefaultsSheet)
	if got := f.GetSheetList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	readme, err := f.GetRows(ReadmeSheet)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, r := range readme {
		if len(r) > 1 {
			names[r[0]] = true
		}
	}
	for _, c := range append(append([]string(nil), mapping.Columns...), mapping.DefaultsColumns...) {
		if !names[c] {
			t.Errorf("README does not explain column %s", c)
		}
	}
	for _, tr := range mapping.Transforms() {
		if !names[tr.Name] {
			t.Errorf("README does not list transform %s", tr.Name)
		}
	}

	rows, err := f.GetRows("305")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows[0], mapping.Columns) {
		t.Errorf("305 header %v", rows[0])
	}
	panes, err := f.GetPanes("305")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("305 header not frozen: %+v %v", panes, err)
	}
	dvs, err := f.GetDataValidations("305")
	if err != nil || len(dvs) != 1 || !strings.HasPrefix(dvs[0].Sqref, "E2:") {
		t.Errorf("305 transform drop-down: %+v %v", dvs, err)
	}
	tb, _ := set.Table("305")
	greyed, plain := 0, 0
	for i, r := range tb.Rows() {
		id, err := f.GetCellStyle("305", cell(2, i+2))
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		isGrey := st.Font != nil && st.Font.Color == "808080"
		if want := r.TargetSchema == mapping.NotSupported || unmapped[r.Transform]; isGrey != want {
			t.Errorf("305 row %d (%s %s): grey %v, want %v", i+2, r.TargetSchema, r.Transform, isGrey, want)
		}
		if isGrey {
			greyed++
		} else {
			plain++
		}
		if st.NumFmt != 49 {
			t.Errorf("305 row %d: number format %d, want text", i+2, st.NumFmt)
		}
	}
	if greyed == 0 || plain == 0 {
		t.Errorf("305: %d grey rows, %d plain rows", greyed, plain)
	}
}

var edited struct {
	once sync.Once
	data []byte
}

// edit exports the embedded set (with defaults), applies fn to the
// workbook and saves it as book.xlsx in a temporary directory.
func edit(t *testing.T, fn func(f *excelize.File)) string {
	t.Helper()
	edited.once.Do(func() { edited.data = export(t, withDefaults(t)) })
	f, err := excelize.OpenReader(bytes.NewReader(edited.data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fn(f)
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// rowOf is the sheet row whose first cell is key.
func rowOf(t *testing.T, f *excelize.File, sheet, key string) string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) > 0 && r[0] == key {
			return itoa(i + 1)
		}
	}
	t.Fatalf("%s has no row %s", sheet, key)
	return ""
}

func set(t *testing.T, f *excelize.File, sheet, key, col, value string) {
	t.Helper()
	if err := f.SetCellStr(sheet, col+rowOf(t, f, sheet, key), value); err != nil {
		t.Fatal(err)
	}
}

func TestEditedWorkbookErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, f *excelize.File)
		want []string
	}{
		{"bad transform", func(t *testing.T, f *excelize.File) { set(t, f, "305", "3", "E", "flg") },
			[]string{`book.xlsx:305!E4 (column transform): unknown transform "flg"`}},
		{"unknown schema token", func(t *testing.T, f *excelize.File) { set(t, f, "305", "3", "C", "core:2.1:User") },
			[]string{`book.xlsx:305!C4 (column target_schema): unknown target schema "core:2.1:User"`}},
		{"typo in a target path", func(t *testing.T, f *excelize.File) { set(t, f, "305", "2", "D", "name.givenNameTYPO") },
			[]string{`book.xlsx:305!D3 (column target_path): target path name.givenNameTYPO (core:2.0:User): no attribute "givenNameTYPO" in name; did you mean name.givenName?`}},
		{"typo in a filter", func(t *testing.T, f *excelize.File) {
			set(t, f, "305", "17", "D", `customData[id eq "custom02"].value`)
		}, []string{`book.xlsx:305!D18 (column target_path):`, `did you mean customData[id eq "custom2"].value?`}},
		{"typo in a schema", func(t *testing.T, f *excelize.File) { set(t, f, "305", "2", "C", "core:2.0:Users") },
			[]string{`book.xlsx:305!C3 (column target_schema): unknown target schema "core:2.0:Users": did you mean core:2.0:User?`}},
		{"password sent", func(t *testing.T, f *excelize.File) {
			set(t, f, "305", "7", "C", "core:2.0:User")
			set(t, f, "305", "7", "D", "title")
			set(t, f, "305", "7", "E", "text")
		}, []string{`book.xlsx:305!E8 (column transform): field 7 (Password) is a password: passwords are never sent`}},
		{"secret routed", func(t *testing.T, f *excelize.File) {
			set(t, f, "v1", "Password", "C", "core:2.0:User")
			set(t, f, "v1", "Password", "D", "title")
		}, []string{`book.xlsx:v1!C7 (column target_schema): field Password is a password (transform secret) routed to core:2.0:User title`}},
		{"typo in a default", func(t *testing.T, f *excelize.File) { f.SetCellStr("defaults", "B2", "Locale") },
			[]string{`book.xlsx:defaults!B2 (column target_path): target path Locale (spend:2.0:User): no attribute "Locale" (attribute names are case-sensitive in UPS); did you mean locale?`}},
		{"duplicate field", func(t *testing.T, f *excelize.File) { set(t, f, "305", "3", "A", "2") },
			[]string{`book.xlsx:305!A4 (column source_field): duplicate source field "2" (also on line 3)`}},
		{"missing note", func(t *testing.T, f *excelize.File) { set(t, f, "305", "7", "H", "") },
			[]string{`book.xlsx:305!H8 (column note): a field that is not mapped needs the reason`}},
		{"keyed table", func(t *testing.T, f *excelize.File) { set(t, f, "v1", "LoginId", "E", "logn") },
			[]string{`book.xlsx:v1!E4 (column transform): unknown transform "logn"`}},
		{"all problems at once", func(t *testing.T, f *excelize.File) {
			set(t, f, "305", "3", "E", "flg")
			set(t, f, "305", "4", "G", "4x")
			set(t, f, "v3.1", "Active", "C", "nope")
			f.SetCellStr("defaults", "E2", "sometimes")
		}, []string{
			`book.xlsx:305!E4 (column transform)`,
			`book.xlsx:305!G5 (column max_length): max length "4x"`,
			`book.xlsx:v3.1!C2 (column target_schema): unknown target schema "nope"`,
			`book.xlsx:defaults!E2 (column applies): applies is "sometimes"`,
		}},
		{"unknown sheet", func(t *testing.T, f *excelize.File) { f.NewSheet("Sheet2") },
			[]string{`book.xlsx:Sheet2: unknown sheet "Sheet2": want a table name (100, 300, 305,`, "v3.1, defaults, README"}},
		{"bad header", func(t *testing.T, f *excelize.File) { f.SetCellStr("310", "D1", "path") },
			[]string{`book.xlsx:310 row 1: bad header (unknown "path" in D1, missing target_path)`}},
		{"empty table sheet", func(t *testing.T, f *excelize.File) {
			f.DeleteSheet("350")
			f.NewSheet("350")
		}, []string{`book.xlsx:350: empty sheet: want the header source_field,`}},
		{"value without header", func(t *testing.T, f *excelize.File) { f.SetCellStr("305", "J5", "see me") },
			[]string{`book.xlsx:305!J5: value "see me" in a column without a header`}},
		{"only README", func(t *testing.T, f *excelize.File) {
			for _, s := range f.GetSheetList()[1:] {
				f.DeleteSheet(s)
			}
		}, []string{`book.xlsx: no mapping sheets: want sheets named 100,`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := edit(t, func(f *excelize.File) { tt.edit(t, f) })
			set, err := Load(path)
			if err == nil {
				t.Fatalf("no error (set %v)", set != nil)
			}
			msg := strings.ReplaceAll(err.Error(), path, "book.xlsx")
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error\n%s\nlacks %q", msg, w)
				}
			}
			var p *Problem
			if !errors.As(err, &p) {
				t.Errorf("error %T holds no *Problem", err)
			}
			probs, err := Check(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(probs) != len(tt.want) && tt.name == "all problems at once" {
				t.Errorf("Check: %d problems, want %d: %v", len(probs), len(tt.want), probs)
			}
			if len(probs) == 0 {
				t.Error("Check found no problem")
			}
		})
	}
}

func TestCheckProblem(t *testing.T) {
	path := edit(t, func(f *excelize.File) { set(t, f, "305", "3", "E", "flg") })
	probs, err := Check(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(probs) != 1 {
		t.Fatalf("problems %v, want one", probs)
	}
	p := probs[0]
	if p.File != path || p.Sheet != "305" || p.Row != 4 || p.Cell != "E4" || p.Column != "transform" || p.Err == nil {
		t.Errorf("problem %+v", p)
	}
}

func TestEditsTakeEffect(t *testing.T) {
	path := edit(t, func(f *excelize.File) {
		set(t, f, "305", "3", "H", "checked by the consultant")
		f.SetCellInt("305", "G"+rowOf(t, f, "305", "2"), 40) // a number typed into a text column
		// Blank rows at the end, some with only spaces or styles, are ignored.
		n, _ := f.GetRows("305")
		f.SetCellStr("305", "A"+itoa(len(n)+2), "  ")
		f.SetCellStr("305", "H"+itoa(len(n)+5), "")
		// Columns in another order load too.
		f.SetCellStr("310", "B1", "note")
		f.SetCellStr("310", "H1", "name")
		rows, _ := f.GetRows("310")
		for i, r := range rows[1:] {
			for len(r) < 8 {
				r = append(r, "")
			}
			f.SetCellStr("310", "B"+itoa(i+2), r[7])
			f.SetCellStr("310", "H"+itoa(i+2), r[1])
		}
		f.DeleteSheet("v3.0") // keeps the embedded table
		// A sheet without the optional lost column (a workbook exported
		// before it existed) loads.
		if err := f.RemoveCol("400", "I"); err != nil {
			t.Fatal(err)
		}
	})
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	tb, _ := got.Table("305")
	rows := tb.Rows()
	if rows[2].Note != "checked by the consultant" || rows[1].MaxLength != "40" {
		t.Errorf("305 rows 2-3: %+v %+v", rows[1], rows[2])
	}
	base := defaultSet(t)
	b305, _ := base.Table("305")
	if len(rows) != len(b305.Rows()) {
		t.Errorf("305 has %d rows, want %d", len(rows), len(b305.Rows()))
	}
	t310, _ := got.Table("310")
	b310, _ := base.Table("310")
	if !reflect.DeepEqual(stripLines(t310.Rows()), stripLines(b310.Rows())) {
		t.Error("310 with reordered columns differs from the embedded table")
	}
	t400, _ := got.Table("400")
	if r := t400.Rows()[3]; r.Name != "Segment 1" || r.Lost != "" || r.Transform != "forbid" {
		t.Errorf("400 without the lost column: row %+v", r)
	}
	v30, _ := got.Table("v3.0")
	if v30.File != mapping.EmbeddedDir+"/v3.0.csv" {
		t.Errorf("v3.0 comes from %s, want the embedded table", v30.File)
	}
}

func TestNotAWorkbook(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "book.xlsx")
	if err := os.WriteFile(path, []byte(strings.Join(mapping.Columns, ",")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]string{"csv named .xlsx": path, "missing": filepath.Join(dir, "none.xlsx")} {
		t.Run(name, func(t *testing.T) {
			if _, err := Load(p); err == nil {
				t.Error("Load: no error")
			}
			probs, err := Check(p)
			if err == nil || probs != nil {
				t.Errorf("Check: %v, %v; want a file error", probs, err)
			}
			if name == "csv named .xlsx" && !strings.Contains(err.Error(), path+": not a readable .xlsx workbook") {
				t.Errorf("error %q", err)
			}
		})
	}
}

func TestExportFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.xlsx")
	if err := ExportFile(defaultSet(t), path); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Fatal(err)
	}
	if err := ExportFile(defaultSet(t), filepath.Join(path, "x.xlsx")); err == nil {
		t.Error("export under a file: no error")
	}
}

// TestHostileWorkbooks: a workbook far larger than any mapping workbook —
// a part that unzips to more than MaxUnzipped (a zip bomb), a file over
// MaxWorkbookBytes, a sheet over MaxRows — is refused with why, before it
// is unzipped or read row by row, and leaves no temporary file.
func TestHostileWorkbooks(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)

	// A zip whose one part is MaxUnzipped+1 MB of zeros: a few kB compressed.
	bomb := filepath.Join(dir, "bomb.xlsx")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range MaxUnzipped>>20 + 1 {
		if _, err := w.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bomb, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	big := filepath.Join(dir, "big.xlsx")
	if err := os.WriteFile(big, make([]byte, MaxWorkbookBytes+1), 0o600); err != nil {
		t.Fatal(err)
	}

	long := filepath.Join(dir, "long.xlsx")
	if err := ExportFile(defaultSet(t), long); err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenFile(long)
	if err != nil {
		t.Fatal(err)
	}
	if err := wb.SetCellStr("305", "A"+strconv.Itoa(MaxRows+2), "999"); err != nil {
		t.Fatal(err)
	}
	if err := wb.Save(); err != nil {
		t.Fatal(err)
	}
	wb.Close()

	for _, tt := range []struct{ path, want string }{
		{bomb, "part xl/worksheets/sheet1.xml unzips to more than 32 MB"},
		{big, "the workbook is over 8 MB"},
	} {
		_, err := Check(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Check(%s) = %v, want %q", filepath.Base(tt.path), err, tt.want)
		}
		if _, err := Load(tt.path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load(%s) = %v, want %q", filepath.Base(tt.path), err, tt.want)
		}
	}
	probs, err := Check(long)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range probs {
		if p.Sheet == "305" && strings.Contains(p.Error(), "more than 5000 rows") {
			found = true
		}
	}
	if !found {
		t.Errorf("no row-limit problem on sheet 305: %v", probs)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "excelize-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
