package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestReportCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if code, stdout, stderr := run(t, "", "convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--mapping", "../../samples/mapping", "--out", out,
		"../../samples/concur/employees-305.csv", "../../samples/concur/travel-350.csv"); code > ExitRejected {
		t.Fatalf("convert: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr := run(t, "", "report", "--format", "md", out)
	if code != ExitOK || !strings.Contains(stdout, "employees-305.csv") {
		t.Fatalf("md report: exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout, "Spring#2024") {
		t.Error("the report shows a password")
	}
	html := filepath.Join(dir, "r.html")
	if code, _, stderr := run(t, "", "report", "--format", "html", "--out", html, out); code != ExitOK {
		t.Fatalf("html report: exit %d %s", code, stderr)
	}
	b, _ := os.ReadFile(html)
	for _, want := range []string{"<html", "travel-350.csv:", "Report written", "What the customer loses by migrating", `id="emp-E1001"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("html report lacks %q", want)
		}
	}
	if fi, err := os.Stat(html); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("html report mode %v %v, want 0600", fi.Mode(), err)
	}
	book := filepath.Join(dir, "r.xlsx")
	if code, _, stderr := run(t, "", "report", "--format", "xlsx", "--out", book, out); code != ExitOK {
		t.Fatalf("xlsx report: exit %d %s", code, stderr)
	}
	wb, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	for _, sheet := range []string{"Summary", "Users", "Lineage", "Warnings", "Rejected", "Unsupported"} {
		if i, _ := wb.GetSheetIndex(sheet); i < 0 {
			t.Errorf("no %s sheet: %v", sheet, wb.GetSheetList())
		}
	}
	if code, _, stderr := run(t, "", "report", "--format", "pdf", out); code != ExitUsage || !strings.Contains(stderr, "html") {
		t.Errorf("unknown format: exit %d %s", code, stderr)
	}
	if code, _, _ := run(t, "", "report", filepath.Join(dir, "missing")); code != ExitUsage {
		t.Errorf("missing dir: exit %d", code)
	}
	before, _ := os.ReadFile(filepath.Join(out, "report.json"))
	for _, name := range []string{"report.json", "plan.jsonl", "bulk-0001.json"} {
		code, _, stderr := run(t, "", "report", "--format", "json", "--out", filepath.Join(out, name), out)
		if code != ExitUsage || !strings.Contains(stderr, "would overwrite") {
			t.Errorf("--out %s: exit %d %s", name, code, stderr)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(out, "report.json")); string(after) != string(before) {
		t.Error("report.json was overwritten")
	}
}
