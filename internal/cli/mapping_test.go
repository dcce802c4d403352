package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestMappingCheckTargets: a target path or schema the UPS schemas do not
// know, and a password routed to an attribute, are problems of `mapping
// check` (exit 1, every problem at its cell, with what was meant) and make
// an override unusable for convert (exit 2, nothing converted).
func TestMappingCheckTargets(t *testing.T) {
	embedded, err := os.ReadFile(filepath.Join("..", "..", "mapping", "tables", "305.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(embedded), "\n")
	if !strings.HasPrefix(lines[2], "2,First Name,core:2.0:User,name.givenName,") || !strings.HasPrefix(lines[7], "7,Password,NOT SUPPORTED,,secret,") {
		t.Fatalf("305.csv lines 3 and 8 changed: %q, %q", lines[2], lines[7])
	}
	lines[2] = strings.Replace(lines[2], "name.givenName", "name.givenNameTYPO", 1)
	lines[7] = strings.Replace(lines[7], "NOT SUPPORTED,,secret", "core:2.0:User,title,text", 1)
	dir := t.TempDir()
	table := filepath.Join(dir, "305.csv")
	if err := os.WriteFile(table, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	wants := []string{
		table + `:3:4 (target_path): target path name.givenNameTYPO (core:2.0:User): no attribute "givenNameTYPO" in name; did you mean name.givenName?`,
		table + `:8:5 (transform): field 7 (Password) is a password: passwords are never sent`,
	}

	code, stdout, stderr := run(t, "", "mapping", "check", dir)
	if code != ExitRejected {
		t.Errorf("mapping check: exit %d, want %d\n%s%s", code, ExitRejected, stdout, stderr)
	}
	for _, w := range wants {
		if !strings.Contains(stdout, w) {
			t.Errorf("mapping check output lacks %q:\n%s", w, stdout)
		}
	}
	if strings.Contains(stdout, "valid") {
		t.Errorf("mapping check says valid:\n%s", stdout)
	}

	in := filepath.Join(dir, "feed.csv")
	if err := os.WriteFile(in, []byte("100,0,SSO,UPDATE,EN,N,N\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, stderr = run(t, "", "convert", "--mapping", dir, "--out", out, in)
	if code != ExitUsage {
		t.Errorf("convert with the override: exit %d, want %d\n%s%s", code, ExitUsage, stdout, stderr)
	}
	for _, w := range wants {
		if !strings.Contains(stderr, w) {
			t.Errorf("convert stderr lacks %q:\n%s", w, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "bulk-0001.json")); err == nil {
		t.Error("convert wrote a bulk request with a broken mapping")
	}

	// The same typo in a workbook is named by its cell.
	book := filepath.Join(dir, "book.xlsx")
	if code, stdout, stderr := run(t, "", "mapping", "export", "--xlsx", book); code != ExitOK {
		t.Fatalf("export: exit %d\n%s%s", code, stdout, stderr)
	}
	wb, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := wb.GetCellValue("305", "D3"); v != "name.givenName" {
		t.Fatalf("305!D3 = %q", v)
	}
	if err := wb.SetCellStr("305", "D3", "name.givenNameTYPO"); err != nil {
		t.Fatal(err)
	}
	if err := wb.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = run(t, "", "mapping", "check", book)
	want := book + `:305!D3 (column target_path): target path name.givenNameTYPO (core:2.0:User): no attribute "givenNameTYPO" in name; did you mean name.givenName?`
	if code != ExitRejected || !strings.Contains(stdout, want) {
		t.Errorf("mapping check of the workbook: exit %d, want %d and %q:\n%s", code, ExitRejected, want, stdout)
	}
}
