package plan

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// FuzzLoadDirectory loads arbitrary bytes as a directory snapshot named
// .csv, .json or without an extension (sniffed). It must not panic; an
// error must be a fatal *model.ParseError naming the file and a line of
// the input (1 ≤ Line ≤ its line count); a loaded Directory must hold
// unique, trimmed, non-blank employee numbers with well-formed ids at lines
// of the input in file order, find every entry it lists through Lookup and
// Entry, and load the same entries again from its own CSV and JSON forms.
func FuzzLoadDirectory(f *testing.F) {
	seeds := []struct {
		ext  uint8
		data string
	}{
		{0, "employeeNumber,id,userName\nE1,id-1,u1@x\nE2,id-2,\n"},
		{0, "\ufeffUserName, ID ,EmployeeNumber\r\nu1@x,id-1,E1\r\n,id-2,E2\r\n\r\n"},
		{0, "employeeNumber,id\nE1,id-1\nE1,id-1\nE1,id-2\n"},
		{0, "employeeNumber,id\n\"E\n1\",\"a\"\"b\"\n \" E2\",x\n"},
		{0, "id,employeeNumber,ID\n"},
		{0, "employeeNumber,id\nE1,a\x1bb\nE2," + strings.Repeat("a", 256) + "\n"},
		{1, `[{"employeeNumber":"E1","id":"id-1","userName":"u1@x"},{"employeeNumber":"E2","id":"id-2"}]`},
		{1, "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\"totalResults\":1,\n \"Resources\":[{\"id\":\"id-1\",\"userName\":\"u1@x\",\"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\":{\"employeeNumber\":\"E1\"}}],\"startIndex\":1}"},
		{1, "[\n {\"employeeNumber\":\"E1\",\"id\":\"i\"},\n {\"employeeNumber\" \"E2\"}\n]"},
		{1, "[\n {\"employeeNumber\":\"E1\",\n  \"id\":7}\n]"},
		{1, `{"Resources":{}}`},
		{1, `[null, 1, "x"]`},
		{2, " \n[{\"employeeNumber\":\"E1\",\"id\":\"a%2Fb\"}]"},
		{2, "employeeNumber,id\nE1,id-1\n"},
		{2, ""},
	}
	for _, s := range seeds {
		f.Add(s.ext, []byte(s.data))
	}
	if b, err := os.ReadFile("testdata/dir.csv"); err == nil {
		f.Add(uint8(0), b)
	}
	tmp := f.TempDir() // one per worker process; its inputs run one at a time
	f.Fuzz(func(t *testing.T, ext uint8, data []byte) {
		name := []string{"dir.csv", "dir.json", "dir"}[int(ext)%3]
		path := filepath.Join(tmp, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		maxLine := bytes.Count(data, []byte("\n")) + 1
		d, err := LoadDirectory(path)
		if err != nil {
			var pe *model.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *model.ParseError: %v", err, err)
			}
			if pe.File != path || pe.Line < 1 || pe.Line > maxLine || !pe.Fatal {
				t.Fatalf("error outside the input (%d lines): file %q line %d fatal %v: %v", maxLine, pe.File, pe.Line, pe.Fatal, err)
			}
			if !strings.HasPrefix(err.Error(), path+":") {
				t.Fatalf("error %q does not start with the file name", err)
			}
			return
		}
		entries := checkDirectory(t, d, path, maxLine)
		// The loaded entries load again from their CSV and JSON forms.
		for _, form := range []string{"csv", "json"} {
			b, ok := directoryForm(entries, form)
			if !ok {
				continue
			}
			p := filepath.Join(tmp, "again."+form)
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
			d2, err := LoadDirectory(p)
			if err != nil {
				t.Fatalf("the %s form of a loaded directory does not load: %v\n%s", form, err, b)
			}
			got := checkDirectory(t, d2, p, bytes.Count(b, []byte("\n"))+1)
			if len(got) != len(entries) {
				t.Fatalf("%s form: %d entries, loaded %d", form, len(got), len(entries))
			}
			for i := range got {
				if got[i].EmployeeNumber != entries[i].EmployeeNumber || got[i].ID != entries[i].ID || got[i].UserName != entries[i].UserName {
					t.Fatalf("%s form: entry %d is %+v, loaded %+v", form, i, got[i], entries[i])
				}
			}
		}
	})
}

// checkDirectory checks the invariants of a loaded directory and returns
// its entries.
func checkDirectory(t *testing.T, d *Directory, path string, maxLine int) []DirEntry {
	t.Helper()
	entries := d.Entries()
	if d.Len() != len(entries) {
		t.Fatalf("Len %d, %d entries", d.Len(), len(entries))
	}
	last := 0
	for i, e := range entries {
		if e.EmployeeNumber == "" || e.EmployeeNumber != strings.TrimSpace(e.EmployeeNumber) {
			t.Fatalf("entry %d: employee number %q is blank or untrimmed", i, e.EmployeeNumber)
		}
		if e.ID == "" || len(e.ID) > maxIDLen || strings.ContainsAny(e.ID, " \t\r\n/?#%\\") ||
			strings.IndexFunc(e.ID, func(r rune) bool { return r < 0x20 || r == 0x7f || r == utf8.RuneError }) >= 0 {
			t.Fatalf("entry %d: id %q is not a resource id", i, e.ID)
		}
		if e.Pos.File != path || e.Pos.Line < 1 || e.Pos.Line > maxLine || e.Pos.Line < last {
			t.Fatalf("entry %d at %s, after line %d of %d", i, e.Pos, last, maxLine)
		}
		last = e.Pos.Line
		id, ok := d.Lookup(e.EmployeeNumber)
		if !ok || id != e.ID {
			t.Fatalf("Lookup(%q) = %q, %v; the entry says %q", e.EmployeeNumber, id, ok, e.ID)
		}
		if got, ok := d.Entry(e.EmployeeNumber); !ok || got != e {
			t.Fatalf("Entry(%q) = %+v, %v; want %+v", e.EmployeeNumber, got, ok, e)
		}
		if p, ok := d.ref(e.EmployeeNumber); !ok || *p != e.ID {
			t.Fatalf("ref(%q) does not point at the entry's id", e.EmployeeNumber)
		}
	}
	return entries
}

// directoryForm writes entries as a directory file of the given form; ok
// is false when a value cannot go through it unchanged (encoding/csv reads
// a quoted \r\n as \n; JSON holds UTF-8 only).
func directoryForm(entries []DirEntry, form string) ([]byte, bool) {
	var b bytes.Buffer
	if form == "json" {
		type row struct {
			EmployeeNumber string `json:"employeeNumber"`
			ID             string `json:"id"`
			UserName       string `json:"userName,omitempty"`
		}
		rows := make([]row, len(entries))
		for i, e := range entries {
			if !utf8.ValidString(e.EmployeeNumber + e.ID + e.UserName) {
				return nil, false
			}
			rows[i] = row{e.EmployeeNumber, e.ID, e.UserName}
		}
		if err := json.NewEncoder(&b).Encode(rows); err != nil {
			return nil, false
		}
		return b.Bytes(), true
	}
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"employeeNumber", "id", "userName"})
	for _, e := range entries {
		if strings.Contains(e.EmployeeNumber+e.ID+e.UserName, "\r") {
			return nil, false
		}
		_ = w.Write([]string{e.EmployeeNumber, e.ID, e.UserName})
	}
	w.Flush()
	return b.Bytes(), true
}
