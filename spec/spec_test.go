package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFilesListed checks FILES.csv against the embedded files: every file
// has a row, every row a file, and each sha256 is the file's. The copied
// excerpts are verbatim, so their sha256 is also the one of the original.
func TestFilesListed(t *testing.T) {
	tb, err := ReadTable("FILES.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"path", "sha256", "origin", "content", "documents", "used_by"}
	if !slices.Equal(tb.Header, want) {
		t.Fatalf("FILES.csv header %q, want %q", tb.Header, want)
	}
	listed := map[string]string{}
	for _, r := range tb.Records() {
		if _, dup := listed[r["path"]]; dup {
			t.Errorf("FILES.csv lists %s twice", r["path"])
		}
		listed[r["path"]] = r["sha256"]
		for _, c := range want {
			if r[c] == "" {
				t.Errorf("FILES.csv: %s has no %s", r["path"], c)
			}
		}
	}
	n := 0
	err = fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p == "FILES.csv" {
			return err
		}
		n++
		b, err := ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		got := hex.EncodeToString(sum[:])
		switch w, ok := listed[p]; {
		case !ok:
			t.Errorf("%s is not in FILES.csv (sha256 %s)", p, got)
		case w != got:
			t.Errorf("%s: sha256 %s, FILES.csv says %s", p, got, w)
		}
		delete(listed, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range listed {
		t.Errorf("FILES.csv lists %s, which is not embedded", p)
	}
	if n < 25 {
		t.Errorf("%d files embedded", n)
	}
}

// TestSourcesKnown checks that SOURCES.csv parses and names its documents.
func TestSourcesKnown(t *testing.T) {
	tb, err := ReadTable("SOURCES.csv")
	if err != nil {
		t.Fatal(err)
	}
	if tb.Column("key") != 0 || tb.Column("origin") < 0 || len(tb.Rows) < 10 {
		t.Errorf("SOURCES.csv: header %q, %d rows", tb.Header, len(tb.Rows))
	}
}

func TestLists(t *testing.T) {
	roles := RoleCodes()
	if len(roles) < 100 {
		t.Fatalf("%d role codes", len(roles))
	}
	byCode := map[string]RoleCode{}
	for _, r := range roles {
		byCode[r.Code] = r
	}
	if r := byCode["EXP_USER"]; r.EntitlementOnly != "Expense" || !r.Provisionable() {
		t.Errorf("EXP_USER: %+v", r)
	}
	if r := byCode["EXP_ATTENDEE_ADMIN"]; r.Product != "Expense" || !strings.Contains(r.Note, "exclusive with") {
		t.Errorf("EXP_ATTENDEE_ADMIN: %+v", r)
	}
	if (RoleCode{Code: "N/A"}).Provisionable() || (RoleCode{Code: "X", Note: "not provisionable"}).Provisionable() {
		t.Error("N/A or a not provisionable role is provisionable")
	}
	for name, tt := range map[string]struct {
		list []string
		has  string
		min  int
	}{
		"LanguageCodes": {LanguageCodes(), "en-US", 30},
		"TimeZones":     {TimeZones(), "America/New_York", 100},
		"Countries":     {Countries(), "DE", 249},
		"Currencies":    {Currencies(), "EUR", 150},
	} {
		if len(tt.list) < tt.min || !slices.Contains(tt.list, tt.has) {
			t.Errorf("%s: %d entries, %s in it: %v", name, len(tt.list), tt.has, slices.Contains(tt.list, tt.has))
		}
		seen := map[string]bool{}
		for _, v := range tt.list {
			if seen[v] || v == "" || strings.ContainsAny(v, " #,") {
				t.Errorf("%s: %q twice or malformed", name, v)
			}
			seen[v] = true
		}
	}
	a := Attributes()
	if a.Column("schema_urn") != 0 || a.Column("allowed_values") != 6 || len(a.Rows) < 250 {
		t.Errorf("attributes: header %q, %d rows", a.Header, len(a.Rows))
	}
}

// TestListsMatchFiles checks that the lists embedded one by one are the
// files FS serves.
func TestListsMatchFiles(t *testing.T) {
	for name, text := range map[string]string{
		"spend-role-codes.csv":         roleCodesCSV,
		"reference/language-codes.csv": languagesCSV,
		"reference/timezones.csv":      timezonesCSV,
		"reference/countries.txt":      countriesTxt,
		"reference/currencies.txt":     currenciesTxt,
		"ups-v4/attributes.csv":        attributesCSV,
	} {
		b, err := ReadFile(name)
		if err != nil || string(b) != text {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestReadTable(t *testing.T) {
	tb, err := ReadTable("records/305.csv")
	if err != nil {
		t.Fatal(err)
	}
	recs := tb.Records()
	if len(recs) != 137 || recs[0]["field"] != "1" || recs[4]["field"] != "5" {
		t.Errorf("records/305.csv: %d rows, first %v", len(recs), recs[0])
	}
	short := &Table{Header: []string{"a", "b"}, Rows: [][]string{{"1"}}}
	if m := short.Records()[0]; m["a"] != "1" || m["b"] != "" {
		t.Errorf("short row: %v", m)
	}
	if short.Column("c") != -1 {
		t.Error("Column(c) found")
	}
	if _, err := ReadTable("records/999.csv"); err == nil || !strings.HasPrefix(err.Error(), "spec: ") {
		t.Errorf("missing file: %v", err)
	}
}

// TestNoCopies makes sure no file outside spec/ repeats one of the spec
// files: each reference list is kept once, here.
func TestNoCopies(t *testing.T) {
	sums := map[string]string{}
	err := fs.WalkDir(FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		sums[hex.EncodeToString(s[:])] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "spec", "bin", "out", "node_modules":
				if p != root {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if ext := filepath.Ext(p); ext != ".csv" && ext != ".txt" && ext != ".json" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		s := sha256.Sum256(b)
		if orig, ok := sums[hex.EncodeToString(s[:])]; ok {
			rel, _ := filepath.Rel(root, p)
			t.Errorf("%s is a copy of spec/%s: use package spec", rel, orig)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
