package v1xml

import (
	"fmt"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
)

func TestConformance(t *testing.T) {
	formattest.Run(t, formattest.Harness{
		New:          formattest.Open(NewReader),
		EmptyIsError: true,
		Value: func(v string) formattest.ValueInput {
			// XML 1.0 has C0 control characters only as character
			// references, which producers that do not check write.
			var b strings.Builder
			for _, r := range v {
				if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
					fmt.Fprintf(&b, "&#x%X;", r)
				} else {
					b.WriteRune(r)
				}
			}
			return formattest.ValueInput{
				Input: "<batch>\n<UserProfile>\n<EmpId>A</EmpId>\n<Custom1>" + b.String() + "</Custom1>\n</UserProfile>\n<UserProfile><EmpId>B</EmpId></UserProfile>\n</batch>\n",
				Field: "Custom1", Lines: [2]int{2, 6}, ErrLine: 4,
			}
		},
		ControlKind: ErrControl,
		Cases: []formattest.Case{
			{
				Name:  "batch",
				Input: "<?xml version=\"1.0\"?>\n<batch " + ns + ">\n  <UserProfile>\n    <EmpId>A</EmpId>\n  </UserProfile>\n  <UserProfile><EmployeeID>B</EmployeeID></UserProfile>\n\n  <UserProfile\n   x=\"1\">\n<EmpId>C</EmpId></UserProfile>\n</batch>\n",
				Lines: []int{3, 6, 8},
				Types: []string{"v1", "v1", "v1"},
			},
			{
				Name:     "recovery",
				Input:    "<batch>\n<UserProfile><EmpId>A</EmpId><EmpId>A</EmpId></UserProfile>\n<UserProfile><EmpId>B</EmpId></UserProfile>\n<UserProfile><EmpId>\xff</EmpId></UserProfile>\n<UserProfile><EmpId>C</EmpId></UserProfile>\n</batch>",
				Lines:    []int{3, 5},
				BadLines: []int{2, 4},
			},
			{
				Name:  "malformed after records",
				Input: "<batch>\n<UserProfile><EmpId>A</EmpId></UserProfile>\n<UserProfile><EmpId>B</Emp>\n</batch>",
				Lines: []int{2},
				Fatal: true,
			},
			{
				Name:  "not a batch",
				Input: "<users/>",
				Fatal: true,
			},
			{
				Name:  "NUL byte",
				Input: "<batch>\x00</batch>",
				Fatal: false,
				// A NUL directly in <batch> is stray text: a recoverable error.
				BadLines: []int{1},
			},
			{
				Name:  "JSON without Items",
				Input: "{\"users\": []}",
				Fatal: true,
			},
		},
	})
}
