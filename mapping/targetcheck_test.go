package mapping

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// row305 is a 305-like table: type, key, then the given rows as fields 3….
func row305(rows ...string) string {
	s := header + "1,Type,,,literal,305,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,create,48,\n"
	for _, r := range rows {
		s += r + "\n"
	}
	return s
}

func TestTargetChecks(t *testing.T) {
	tests := []struct {
		name, csv string
		want      []string // fragments, each must appear in the error
	}{
		{"typo in a path", row305("3,First Name,core:2.0:User,name.givenNameTYPO,text,,32,"),
			[]string{`t.csv:4:4 (target_path): target path name.givenNameTYPO (core:2.0:User): no attribute "givenNameTYPO" in name; did you mean name.givenName?`}},
		{"case only", row305("3,First Name,core:2.0:User,name.GivenName,text,,32,"),
			[]string{`t.csv:4:4 (target_path)`, "case-sensitive", "did you mean name.givenName?"}},
		{"attribute of another level", row305("3,First Name,core:2.0:User,givenName,text,,32,"),
			[]string{"did you mean name.givenName?"}},
		{"attribute of another schema", row305("3,Locale,core:2.0:User,locale,locale,,,"),
			[]string{`t.csv:4:4 (target_path)`, "did you mean target_schema spend:2.0:User, target_path locale?"}},
		{"nothing close", row305("3,X,core:2.0:User,frobnicate,text,,,"),
			[]string{`no attribute "frobnicate"`}},
		{"filter value", row305(`3,Email,core:2.0:User,"emails[type eq ""wrok""].value",email,,,`),
			[]string{`t.csv:4:4 (target_path)`, `did you mean emails[type eq "work"].value?`}},
		{"filter attribute", row305(`3,Email,core:2.0:User,"emails[tpye eq ""work""].value",email,,,`),
			[]string{`no sub-attribute "tpye"`, `did you mean emails[type eq "work"].value?`}},
		{"sub-attribute after a filter", row305(`3,Email,core:2.0:User,"emails[type eq ""work""].vaule",email,,,`),
			[]string{`did you mean emails[type eq "work"].value?`}},
		{"custom field", row305(`3,Custom 23,spend:2.0:User,"customData[id eq ""custom23""].value",text,,,`),
			[]string{`not a value of customData.id`, `did you mean customData[id eq "custom2"].value?`}},
		{"multi-valued without a filter", row305("3,Email,core:2.0:User,emails.value,email,,,"),
			[]string{"emails is multi-valued; select an element with a filter"}},
		{"multi-valued as a value", row305("3,Email,core:2.0:User,emails,email,,,"),
			[]string{`target path emails (core:2.0:User) is multi-valued`}},
		{"complex as a value", row305("3,Name,core:2.0:User,name,text,,,"),
			[]string{`target path name (core:2.0:User) has sub-attributes`}},
		{"flag to a string", row305("3,Title,core:2.0:User,title,flag,,,"),
			[]string{"transform flag gives a boolean, but title (core:2.0:User) is string or null"}},
		{"text to a boolean", row305("3,Active,core:2.0:User,active,text,,,"),
			[]string{"transform text gives a string, but active (core:2.0:User) is boolean"}},
		{"primary without primary", row305(`3,Email,core:2.0:User,"emails[type eq ""work""].value",phone,primary,,`),
			[]string{`t.csv:4:6 (args)`, `no attribute "primary" in emails`}},
		{"approver typo", row305("3,Approver,spend:2.0:Approver,report[primary eq true].aprover.employeeNumber,approver,,,"),
			[]string{`t.csv:4:4 (target_path): approver wants`, "did you mean report[primary eq true].approver.employeeNumber?"}},
		{"delegate element", header + "1,Type,,,literal,500,,\n2,Emp,enterprise:2.0:User,employeeNumber,key,amend,48,\n" +
			"3,Delegate,spend:2.0:Delegate,delegate.employeeNumber,delegate,,48,\n4,Product,spend:2.0:Delegate,,product,,,\n" +
			"5,From,spend:2.0:Delegate,temporaryDelegation.temporaryDelegationFromDat,datetime,start,,\n",
			[]string{`t.csv:6:4 (target_path)`, "did you mean temporaryDelegation.temporaryDelegationFromDate?"}},
		{"unknown schema", row305("3,Locale,spend:2.0:Usr,locale,locale,,,"),
			[]string{`t.csv:4:3 (target_schema): unknown target schema "spend:2.0:Usr": did you mean spend:2.0:User?`}},
		{"schema in another case", row305("3,Locale,Spend:2.0:User,locale,locale,,,"),
			[]string{"did you mean spend:2.0:User? (schema names are case-sensitive)"}},
		{"schema as a URN", row305("3,Locale,urn:ietf:params:scim:schemas:extension:spend:2.0:User,locale,locale,,,"),
			[]string{"did you mean spend:2.0:User?"}},
		{"two typos", row305("3,First Name,core:2.0:User,name.givenNam,text,,32,", "4,Last Name,core:2.0:User,name.familyNam,text,,32,"),
			[]string{"t.csv:4:4 (target_path)", "did you mean name.givenName?", "t.csv:5:4 (target_path)", "did you mean name.familyName?"}},
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

func TestPasswordsNeverRouted(t *testing.T) {
	const never = "passwords are never sent"
	tests := []struct {
		name, csv string
		want      string // "" = loads
	}{
		{"secret to an attribute", row305("3,Password,core:2.0:User,title,secret,,,x"),
			"t.csv:4:3 (target_schema): field 3 (Password) is a password (transform secret) routed to core:2.0:User title: " + never},
		{"secret with a path only", row305("3,Password,NOT SUPPORTED,title,secret,,,x"),
			"t.csv:4:4 (target_path): field 3 (Password) is a password"},
		{"password as text", row305("3,Password,core:2.0:User,title,text,,,"),
			"t.csv:4:5 (transform): field 3 (Password) is a password: " + never + ": UPS has no password attribute; use transform secret"},
		{"password as a login", row305("3,New User Password,core:2.0:User,userName,login,,,"),
			"t.csv:4:5 (transform): field 3 (New User Password) is a password"},
		{"password in a keyed table", header + "EmpId,EmpId,enterprise:2.0:User,employeeNumber,key,create,48,\nPassword,Password,spend:2.0:User,ledgerCode,text,,,\n",
			"t.csv:3:5 (transform): field Password is a password"},
		{"password as a literal", row305("3,Password,,,literal,x,,"), "t.csv:4:5 (transform): field 3 (Password) is a password"},
		{"secret without a schema", row305("3,Password,,,secret,,,x"),
			"t.csv:4:3 (target_schema): field 3 (Password) is a password (transform secret): " + never},
		{"secret", row305("3,Password,NOT SUPPORTED,,secret,,,UPS has no password attribute"), ""},
		{"ignored password setting", row305("3,Password Generation,NOT SUPPORTED,,ignore,,,import setting"), ""},
		{"unsupported password", row305("3,Password,NOT SUPPORTED,,unsupported,,,not sent"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTable("t", "t.csv", strings.NewReader(tt.csv))
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("error %v\nwant %q", err, tt.want)
			}
		})
	}
}

// TestOverrideTypo: a directory override with a typo in a target path is
// refused at its file:line:column, with what was meant.
func TestOverrideTypo(t *testing.T) {
	dir := t.TempDir()
	base, _ := mustDefault(t).Table("305")
	var b strings.Builder
	b.WriteString(strings.Join(Columns, ",") + "\n")
	for _, r := range base.Rows() {
		if r.SourceField == "2" {
			r.TargetPath = "name.givenNameTYPO"
		}
		for i, v := range r.Values() {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + `"`)
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(dir, "305.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, DefaultsFile), []byte("target_schema,target_path,value,transform,applies,note\nspend:2.0:User,locle,en_US,locale,,\ncore:2.0:User,nickName,Y,flag,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadDir(dir)
	for _, want := range []string{
		filepath.Join(dir, "305.csv") + `:3:4 (target_path): target path name.givenNameTYPO (core:2.0:User): no attribute "givenNameTYPO" in name; did you mean name.givenName?`,
		filepath.Join(dir, DefaultsFile) + `:2:2 (target_path): target path locle (spend:2.0:User): no attribute "locle"; did you mean locale?`,
		filepath.Join(dir, DefaultsFile) + `:3:2 (target_path): transform flag gives a boolean, but nickName (core:2.0:User) is string or null`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadDir error %v\nwant %q", err, want)
		}
	}
}

func TestDefaultsTargetChecks(t *testing.T) {
	const head = "target_schema,target_path,value,transform,applies,note\n"
	for _, tt := range []struct{ csv, want string }{
		{head + "spend:2.0:Usr,locale,en_US,locale,,\n", `d.csv:2:1 (target_schema): unknown target schema "spend:2.0:Usr": did you mean spend:2.0:User?`},
		{head + "NOT SUPPORTED,locale,en_US,locale,,\n", "unknown target schema \"NOT SUPPORTED\""},
		{head + "travel:2.0:User,ruleClass.nme,Default,text,,\n", "did you mean ruleClass.name?"},
		{head + "core:2.0:User,locale,en_US,locale,,\n", "did you mean target_schema spend:2.0:User, target_path locale?"},
	} {
		_, err := ParseDefaults("d.csv", strings.NewReader(tt.csv))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v\nwant %q", err, tt.want)
		}
	}
}

// TestSchemaTokensKnown: every target_schema token names a schema of the
// schema files, and the suggestion order lists every token.
func TestSchemaTokensKnown(t *testing.T) {
	urns, err := schemas.SchemaURNs()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, u := range urns {
		known[u] = true
	}
	for tok, urn := range schemaTokens {
		if urn != "" && !known[urn] {
			t.Errorf("token %s: %s is not in the schemas", tok, urn)
		}
		if tok != "" {
			found := false
			for _, o := range tokenOrder {
				found = found || o == tok
			}
			if !found {
				t.Errorf("token %s missing from tokenOrder", tok)
			}
		}
	}
	if len(tokenOrder) != len(schemaTokens)-1 {
		t.Errorf("tokenOrder has %d tokens, schemaTokens %d", len(tokenOrder), len(schemaTokens)-1)
	}
}

// TestEntitlementsMatchSchema: the entitlements a row may grant are the
// values the schema allows in core entitlements.
func TestEntitlementsMatchSchema(t *testing.T) {
	a, err := schemas.LookupAttribute(model.SchemaCore, "entitlements")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Enum) != len(entitlements) {
		t.Errorf("schema entitlements %v, mapping %v", a.Enum, entitlements)
	}
	for _, e := range a.Enum {
		if !entitlements[e] {
			t.Errorf("schema entitlement %s unknown to the mapping", e)
		}
	}
}
