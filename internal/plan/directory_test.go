package plan

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadDirectory(t *testing.T) {
	type want struct{ emp, id, user string }
	tests := []struct {
		name, file, content string
		want                []want
	}{
		{"csv any order", "d.csv", "\ufeffUserName, ID ,EmployeeNumber\r\nu1@x,id-1,E1\r\n,id-2,E2\r\n\r\n", []want{{"E1", "id-1", "u1@x"}, {"E2", "id-2", ""}}},
		{"csv without userName, repeated identical row", "d.csv", "employeeNumber,id\nE1,id-1\nE1,id-1\n", []want{{"E1", "id-1", ""}}},
		{"json array", "d.json", `[{"employeeNumber":"E1","id":"id-1","userName":"u1@x"},{"employeeNumber":"E2","id":"id-2"}]`, []want{{"E1", "id-1", "u1@x"}, {"E2", "id-2", ""}}},
		{"scim list response", "export", `{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":1,
 "Resources":[{"id":"id-1","userName":"u1@x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E1"}}],"startIndex":1}`, []want{{"E1", "id-1", "u1@x"}}},
		{"sniffed csv", "export", "employeeNumber,id\nE1,id-1\n", []want{{"E1", "id-1", ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := LoadDirectory(writeFile(t, tt.file, tt.content))
			if err != nil {
				t.Fatal(err)
			}
			if d.Len() != len(tt.want) {
				t.Fatalf("%d entries, want %d", d.Len(), len(tt.want))
			}
			for i, w := range tt.want {
				id, ok := d.Lookup(w.emp)
				e, _ := d.Entry(w.emp)
				if !ok || id != w.id || e.UserName != w.user {
					t.Errorf("%s: %q %q %v, want %q %q", w.emp, id, e.UserName, ok, w.id, w.user)
				}
				if got := d.Entries()[i].EmployeeNumber; got != w.emp {
					t.Errorf("entry %d is %s, want %s", i, got, w.emp)
				}
			}
			if _, ok := d.Lookup("nobody"); ok {
				t.Error("Lookup of an unknown employee succeeded")
			}
		})
	}
	var nilDir *Directory
	if _, ok := nilDir.Lookup("E1"); ok || nilDir.Len() != 0 {
		t.Error("nil directory finds users")
	}
}

func TestLoadDirectoryErrors(t *testing.T) {
	tests := []struct {
		name, file, content string
		line, col           int
		want                string
	}{
		{"empty", "d.csv", "", 1, 0, "empty directory file"},
		{"missing column", "d.csv", "employeeNumber,userName\nE1,u\n", 1, 0, "no id column"},
		{"duplicate column", "d.csv", "id,employeeNumber,ID\n", 1, 0, "appears twice"},
		{"blank id", "d.csv", "employeeNumber,id\nE1,id-1\nE2,\n", 3, 0, `user id of employee "E2" is blank`},
		{"blank employee", "d.csv", "employeeNumber,id\n,id-1\n", 2, 0, "employee number is blank"},
		{"conflict", "d.csv", "employeeNumber,id\nE1,id-1\nE2,id-2\nE1,id-3\n", 4, 0, `has id id-3 here and id id-1 at`},
		{"id with a slash", "d.csv", "employeeNumber,id\nE1,a/b\n", 2, 0, "not a resource id"},
		{"id with a control character", "d.csv", "employeeNumber,id\nE1,ok\nE2,a\x1bb\n", 3, 0, "not a resource id"},
		{"id with a percent sign", "d.json", `[{"employeeNumber":"E1","id":"a%2Fb"}]`, 1, 0, "not a resource id"},
		{"id too long", "d.csv", "employeeNumber,id\nE1," + strings.Repeat("a", 256) + "\n", 2, 0, "at most 255 characters"},
		{"bad quote", "d.csv", "employeeNumber,id\nE1,\"id\n", 2, 0, "extraneous or missing"},
		{"json syntax", "d.json", "[\n {\"employeeNumber\":\"E1\",\"id\":\"i\"},\n {\"employeeNumber\" \"E2\"}\n]", 3, 0, "invalid character"},
		{"json type", "d.json", "[\n {\"employeeNumber\":\"E1\",\n  \"id\":7}\n]", 3, 0, "cannot unmarshal number"},
		{"json element without id", "d.json", "[\n {\"employeeNumber\":\"E1\",\"id\":\"i\"},\n\n {\"employeeNumber\":\"E2\"}\n]", 4, 0, "is blank"},
		{"json object without Resources", "d.json", `{"totalResults":0}`, 1, 0, "no Resources array"},
		{"json scalar", "d.json", `"x"`, 1, 0, "want a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, tt.file, tt.content)
			_, err := LoadDirectory(p)
			var pe *model.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T), want a *model.ParseError", err, err)
			}
			if pe.File != p || pe.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q at %s:%d, want %q at line %d", err, pe.File, pe.Line, tt.want, tt.line)
			}
			if !strings.HasPrefix(err.Error(), p+":") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
	if _, err := LoadDirectory(filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Error("no error for a missing file")
	}
}
