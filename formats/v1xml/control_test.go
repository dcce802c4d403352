package v1xml

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
	"github.com/upsmigrate/upsmigrate/formats/internal/control"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestControlCharacters: a control character in a field, as a byte or as
// a character reference, rejects the UserProfile, naming the element; the
// next one is read. Tabs and line breaks are text.
func TestControlCharacters(t *testing.T) {
	classes := []struct {
		r       rune
		written []string // ways to write it in XML
	}{
		{0x01, []string{"\x01", "&#1;", "&#x01;"}},
		{0x07, []string{"\x07", "&#7;"}},
		{0x0b, []string{"\x0b", "&#xB;"}},
		{0x0c, []string{"\f", "&#12;"}},
		{0x1b, []string{"\x1b", "&#27;", "&#x1B;", "&#x1b;", "&#x00001B;"}},
		{0x1f, []string{"\x1f", "&#x1F;"}},
		{0x7f, []string{"\x7f", "&#127;", "&#x7F;"}},
		{0x80, []string{"\u0080", "&#x80;"}},
		{0x85, []string{"\u0085", "&#133;"}},
		{0x9b, []string{"\u009b", "&#x9B;"}},
		{0x9f, []string{"\u009f", "&#x9f;"}},
	}
	for _, cl := range classes {
		for _, w := range cl.written {
			t.Run(fmt.Sprintf("%U/%q", cl.r, w), func(t *testing.T) {
				in := "<batch>\n<UserProfile>\n<EmpId>A</EmpId>\n<Custom1>x" + w + "y</Custom1>\n<LastName>Lee</LastName>\n</UserProfile>\n" +
					"<UserProfile><EmpId>B</EmpId><Custom1>x\ty</Custom1></UserProfile>\n</batch>\n"
				evs, err := formattest.Events(NewReader(strings.NewReader(in), "t.xml"))
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) != 2 || evs[0].Err == nil || evs[1].Record == nil {
					t.Fatalf("events %+v, want an error, then a record", evs)
				}
				var pe *model.ParseError
				if !errors.As(evs[0].Err, &pe) || pe.Fatal || pe.Line != 4 || pe.Field != "Custom1" || !errors.Is(pe, ErrControl) {
					t.Fatalf("error %v, want a recoverable control character error at line 4 in Custom1", evs[0].Err)
				}
				want := fmt.Sprintf("t.xml:4:Custom1: control character %s", control.Name(cl.r))
				if !strings.HasPrefix(pe.Error(), want) || !strings.Contains(pe.Error(), "remove it from the source file; UserProfile at line 2 skipped") {
					t.Errorf("message %q, want %q…", pe, want)
				}
				if control.Contains(pe.Error()) {
					t.Errorf("message %q holds a control character", pe)
				}
				if v, _ := evs[1].Record.Get("Custom1"); v != "x\ty" {
					t.Errorf("Custom1 = %q, want the tab kept", v)
				}
			})
		}
	}
}

func TestControlCharacterCases(t *testing.T) {
	formattest.RunErrors(t, "t.xml", formattest.Open(NewReader), []formattest.ErrorCase{
		{
			Name:  "tabs and line breaks are text, as bytes and references",
			In:    "<batch><UserProfile><EmpId>A</EmpId><Custom1>a\tb&#9;c&#10;d&#xD;e\r\nf</Custom1></UserProfile></batch>",
			Lines: []int{1},
		},
		{
			Name:  "password: the character is not named",
			In:    "<batch>\n<UserProfile>\n<Password>se&#x1B;cret</Password>\n</UserProfile>\n<UserProfile><EmpId>B</EmpId></UserProfile>\n</batch>",
			Lines: []int{5},
			Errs:  []string{"t.xml:3:Password: control character written as a character reference: expected text without control characters (tabs and line breaks are allowed); remove it from the source file; UserProfile at line 2 skipped"},
			Kinds: []error{ErrControl},
		},
		{
			Name:  "password, DEL",
			In:    "<batch><UserProfile><Password>se\x7fcret</Password></UserProfile></batch>",
			Errs:  []string{"t.xml:1:Password: control character: expected text"},
			Kinds: []error{ErrControl},
		},
		{
			Name:  "references in comments and CDATA are text",
			In:    "<batch>\n<!-- &#27; -->\n<UserProfile><EmpId>A</EmpId><Custom1><![CDATA[&#27;]]></Custom1></UserProfile>\n</batch>",
			Lines: []int{3},
		},
		{
			Name:  "a reference in an attribute rejects the UserProfile",
			In:    "<batch>\n<UserProfile x=\"&#27;\"><EmpId>A</EmpId></UserProfile>\n<UserProfile><EmpId>B</EmpId></UserProfile>\n</batch>",
			Lines: []int{3},
			Errs:  []string{"t.xml:2: control character U+001B (ESC) written as a character reference"},
			Kinds: []error{ErrControl},
		},
		{
			Name:  "between UserProfiles: reported, records kept",
			In:    "<batch>\n<UserProfile><EmpId>A</EmpId></UserProfile>\n&#7;\n<UserProfile><EmpId>B</EmpId></UserProfile>\n</batch>",
			Lines: []int{2, 4},
			Errs:  []string{"t.xml:3: control character U+0007 (BEL) written as a character reference"},
			Kinds: []error{ErrControl},
		},
		{
			Name:  "the first problem of the UserProfile is reported",
			In:    "<batch><UserProfile><FirstName>\u0085</FirstName><EmpId>A</EmpId><EmpId>A</EmpId></UserProfile></batch>",
			Errs:  []string{"t.xml:1:FirstName: control character U+0085 (NEL): expected text without control characters"},
			Kinds: []error{ErrControl},
		},
	}, "secret", "cret")
}
