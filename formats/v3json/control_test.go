package v3json

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
	"github.com/upsmigrate/upsmigrate/formats/internal/control"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestControlCharacters: a control character in a string, escaped or as
// it is, rejects the item, naming the property; the next item is read.
// Tabs and line breaks are text.
func TestControlCharacters(t *testing.T) {
	classes := []struct {
		r       rune
		written []string // ways to write it in a JSON string
	}{
		{0x00, []string{`\u0000`}},
		{0x01, []string{`\u0001`, "\x01"}},
		{0x07, []string{`\u0007`, "\x07"}},
		{0x08, []string{`\b`}},
		{0x0b, []string{`\u000b`, "\x0b"}},
		{0x0c, []string{`\f`, "\f"}},
		{0x1b, []string{`\u001b`, `\u001B`, "\x1b"}},
		{0x1f, []string{`\u001F`, "\x1f"}},
		{0x7f, []string{`\u007f`, "\x7f"}},
		{0x80, []string{`\u0080`, "\u0080"}},
		{0x85, []string{`\u0085`, "\u0085"}},
		{0x9b, []string{`\u009b`, "\u009b"}},
		{0x9f, []string{`\u009F`, "\u009f"}},
	}
	for _, cl := range classes {
		for _, w := range cl.written {
			t.Run(fmt.Sprintf("%U/%q", cl.r, w), func(t *testing.T) {
				in := "{\"Items\": [\n{\"EmployeeID\": \"A\",\n \"OrganizationUnit\": \"x" + w + "y\",\n \"LastName\": \"Lee\"},\n" +
					"{\"EmployeeID\": \"B\", \"OrganizationUnit\": \"x\\ty\\u0009z\"}\n]}"
				evs, err := formattest.Events(NewReader(strings.NewReader(in), "t.json"))
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) != 2 || evs[0].Err == nil || evs[1].Record == nil {
					t.Fatalf("events %+v, want an error, then a record", evs)
				}
				var pe *model.ParseError
				if !errors.As(evs[0].Err, &pe) || pe.Fatal || pe.Line != 3 || pe.Field != "OrganizationUnit" || !errors.Is(pe, ErrControl) {
					t.Fatalf("error %v, want a recoverable control character error at line 3 in OrganizationUnit", evs[0].Err)
				}
				want := fmt.Sprintf("t.json:3:OrganizationUnit: control character %s", control.Name(cl.r))
				if !strings.HasPrefix(pe.Error(), want) || !strings.HasSuffix(pe.Error(), "remove it from the source file; Items[0] at line 2 skipped") {
					t.Errorf("message %q, want %q…", pe, want)
				}
				if control.Contains(pe.Error()) {
					t.Errorf("message %q holds a control character", pe)
				}
				if v, _ := evs[1].Record.Get("OrganizationUnit"); v != "x\ty\tz" {
					t.Errorf("OrganizationUnit = %q, want the tabs kept", v)
				}
			})
		}
	}
}

func TestControlCharacterCases(t *testing.T) {
	formattest.RunErrors(t, "t.json", formattest.Open(NewReader), []formattest.ErrorCase{
		{
			Name:  "line breaks are text",
			In:    `{"Items": [{"EmployeeID": "A", "OrganizationUnit": "a\nb\r\nc\r"}]}`,
			Lines: []int{1},
		},
		{
			Name:  "in a property name: the item is rejected, the name shown escaped",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"A\", \"Org\\u001b[31mUnit\": \"x\"},\n{\"EmployeeID\": \"B\"}]}",
			Lines: []int{3},
			Errs:  []string{`t.json:2:Org\u001b[31mUnit: control character U+001B (ESC): expected text without control characters (tabs and line breaks are allowed); remove it from the source file (in a property name); Items[0] at line 2 skipped`},
			Kinds: []error{ErrControl},
		},
		{
			Name:  "in an Emails property name",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"A\", \"Emails\": [{\"Type\\u0085\": \"work\"}]},\n{\"EmployeeID\": \"B\"}]}",
			Lines: []int{3},
			Errs:  []string{`t.json:2:Emails[0].Type\u0085: control character U+0085 (NEL)`},
			Kinds: []error{ErrControl},
		},
		{
			Name:  "in an Emails value",
			In:    "{\"Items\": [\n{\"EmployeeID\": \"A\", \"Emails\": [\"a\\u007f@example.com\", {\"EmailAddress\": \"b\\u001b@example.com\"}]}]}",
			Errs:  []string{`t.json:2:Emails[0]: control character U+007F (DEL)`},
			Kinds: []error{ErrControl},
		},
		{
			Name:  "in metadata: reported, items kept",
			In:    "{\"NextPage\": \"x\\u001by\",\n\"company\": {\"name\": \"A\\u0007\", \"ci\\u0001ty\": \"B\"},\n\"Items\": [\n{\"EmployeeID\": \"A\"}]}",
			Lines: []int{4},
			Errs: []string{
				"t.json:1:NextPage: control character U+001B (ESC)",
				"t.json:2:company.name: control character U+0007 (BEL)",
			},
			Kinds: []error{ErrControl, ErrControl},
		},
		{
			Name:  "in a top-level property name",
			In:    "{\"De\\u001bbug\": 1, \"Items\": [{\"EmployeeID\": \"A\"}]}",
			Lines: []int{1},
			Errs:  []string{`t.json:1:De\u001bbug: control character U+001B (ESC)`},
			Kinds: []error{ErrControl},
		},
	})
}

// TestControlCharactersNotEchoed: whatever property the control character
// is in, no message or warning holds one.
func TestControlCharactersNotEchoed(t *testing.T) {
	name := "a\u001b[2Jb\u009b"
	q, _ := json.Marshal(name)
	for _, in := range []string{
		`{"Items": [{` + string(q) + `: {}}]}`,
		`{"Items": [{"Emails": [{` + string(q) + `: []}]}]}`,
		`{` + string(q) + `: {}, "Items": []}`,
		`{"company": {` + string(q) + `: []}, "Items": []}`,
	} {
		r := NewReader(strings.NewReader(in), "t.json")
		evs, err := formattest.Events(r)
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, ev := range evs {
			if ev.Err != nil {
				texts = append(texts, ev.Err.Error())
			}
		}
		for _, w := range r.Warnings() {
			texts = append(texts, w.String())
		}
		if len(texts) == 0 {
			t.Errorf("%s: nothing reported", in)
		}
		for _, s := range texts {
			if control.Contains(s) {
				t.Errorf("%s: %q holds a control character", in, s)
			}
		}
	}
}
