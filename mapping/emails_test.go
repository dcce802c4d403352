package mapping

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestEmailEntries maps Users 3.1 Emails[] elements: each typed element to
// the UPS e-mail of its type, or a warning naming the element and type.
func TestEmailEntries(t *testing.T) {
	item := func(kv ...string) *model.Record {
		return keyed(model.FormatV3JSON, "3.1", "u.json", 2, append([]string{"EmployeeID", "V1", "LoginID", "v@example.com"}, kv...)...)
	}
	tests := []struct {
		name   string
		rec    *model.Record
		emails map[string]string // UPS type -> address sent
		warns  []string          // the record's messages: field: severity: message
	}{
		{name: "work and personal, work equal to PrimaryEmail",
			rec: item("PrimaryEmail", "v@example.com",
				"Emails[0].EmailAddress", "v@example.com", "Emails[0].Type", "Work",
				"Emails[1].EmailAddress", "v.h@example.net", "Emails[1].Type", "Personal"),
			emails: map[string]string{"work": "v@example.com", "home": "v.h@example.net"}},
		{name: "type before address, any case",
			rec:    item("Emails[0].Type", "HOME", "Emails[0].EmailAddress", "v.h@example.net", "Emails[1].type", "other", "Emails[1].value", "o@example.org"),
			emails: map[string]string{"home": "v.h@example.net", "other": "o@example.org"}},
		{name: "a work element unlike PrimaryEmail, PrimaryEmail after it",
			rec:    item("Emails[0].EmailAddress", "old@example.com", "Emails[0].Type", "Work", "PrimaryEmail", "v@example.com"),
			emails: map[string]string{"work": "v@example.com"},
			warns:  []string{"Emails[0].EmailAddress: warning: Emails[0] (type Work): UPS keeps one work e-mail address, which PrimaryEmail gives: address dropped"}},
		{name: "two elements of one UPS type",
			rec: item("Emails[0].EmailAddress", "a@example.net", "Emails[0].Type", "Personal",
				"Emails[1].EmailAddress", "b@example.net", "Emails[1].Type", "Home"),
			emails: map[string]string{"home": "a@example.net"},
			warns:  []string{"Emails[1].EmailAddress: warning: Emails[1] (type Home): UPS keeps one home e-mail address, which Emails[0].EmailAddress gives: address dropped"}},
		{name: "unknown type and no type",
			rec:    item("Emails[2].EmailAddress", "p@example.org", "Emails[2].Type", "Pager", "Emails[3]", "s@example.org"),
			emails: map[string]string{},
			warns: []string{
				"Emails[2].EmailAddress: warning: Emails[2] (type Pager): no UPS e-mail type for it: address dropped",
				"Emails[3]: warning: Emails[3] (no type): UPS keeps e-mail addresses by type and the element gives none: address dropped",
			}},
		{name: "an untyped element PrimaryEmail carries is quiet",
			rec:    item("PrimaryEmail", "v@example.com", "Emails[0]", "V@Example.com"),
			emails: map[string]string{"work": "v@example.com"}},
		{name: "malformed address and an unknown property",
			rec:    item("Emails[0].EmailAddress", "not-an-address", "Emails[0].Type", "Work", "Emails[0].Verified", "true", "Emails[1].Type", "Home"),
			emails: map[string]string{},
			warns: []string{
				"Emails[0].Verified: warning: property Verified of an e-mail element: not supported by UPS, the value is dropped",
				"Emails[0].EmailAddress: warning: Emails[0] (type Work): e-mail address \"not-an-address\" must have the form local@domain: address dropped",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			css, res := run(t, Options{}, tt.rec)
			var warns []string
			for _, m := range res[0].Messages {
				if m.Row != "mapping/tables/v3.1.csv:13" {
					t.Errorf("row %s", m.Row)
				}
				warns = append(warns, m.Source.Field+": "+string(m.Severity)+": "+m.Message)
			}
			if res[0].Status != model.StatusConverted || !reflect.DeepEqual(warns, tt.warns) {
				t.Errorf("%s %q\nwant %q", res[0].Status, warns, tt.warns)
			}
			got := map[string]string{}
			cs := findCS(css, "V1")
			for i := range cs.Attrs {
				a := &cs.Attrs[i]
				if p := a.Path(); strings.HasPrefix(p, "emails[") {
					got[strings.TrimSuffix(strings.TrimPrefix(p, `emails[type eq "`), `"].value`)] = a.Value().(string)
				}
			}
			if !reflect.DeepEqual(got, tt.emails) {
				t.Errorf("emails %v, want %v", got, tt.emails)
			}
		})
	}
}

// TestEmailEntryTable checks the validation of email_entry rows.
func TestEmailEntryTable(t *testing.T) {
	const head = "source_field,name,target_schema,target_path,transform,args,max_length,note\n" +
		"EmployeeID,EmployeeID,enterprise:2.0:User,employeeNumber,key,create,48,\n"
	for row, want := range map[string]string{
		`Emails[*],Emails,core:2.0:User,emails,email_entry,,,n`:                                    "email_entry needs the element types in args",
		`Emails[*],Emails,core:2.0:User,emails,email_entry,Work=office,,n`:                         `email_entry type "Work=office": want Input=ups with ups one of work, home, work2, other, other2`,
		`Emails[*],Emails,core:2.0:User,emails,email_entry,Work=work|work=home,,n`:                 `email_entry type "work" is mapped twice`,
		`Emails,Emails,core:2.0:User,emails,email_entry,Work=work,,n`:                              "want a source field ending in [*]",
		`Emails[*],Emails,core:2.0:User,"emails[type eq ""work""].value",email_entry,Work=work,,n`: "transform email_entry wants target_path emails",
	} {
		_, err := ParseTable("v3.1", "t.csv", strings.NewReader(head+row+"\n"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", row, err, want)
		}
	}
	tb, err := ParseTable("v3.1", "t.csv", strings.NewReader(head+"Emails[*],Emails,core:2.0:User,emails,email_entry,Work=work|Business=work|Home=home,,n\n"))
	if err != nil {
		t.Fatal(err)
	}
	cr := tb.c.lookup("Emails[0].Type")
	var paths []string
	for _, s := range cr.subs {
		paths = append(paths, s.path)
	}
	sort.Strings(paths)
	if strings.Join(paths, " ") != `emails[type eq "home"].value emails[type eq "work"].value` || cr.etypes["business"] != cr.etypes["work"] {
		t.Errorf("subs %v, types %v", paths, cr.etypes)
	}
}
