package v3json

import (
	"encoding/json"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
)

func TestConformance(t *testing.T) {
	formattest.Run(t, formattest.Harness{
		New:          formattest.Open(NewReader),
		EmptyIsError: true,
		Value: func(v string) formattest.ValueInput {
			q, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return formattest.ValueInput{
				Input: "{\"Items\": [\n{\"EmployeeID\": \"A\", \"OrganizationUnit\": " + string(q) + "},\n{\"EmployeeID\": \"B\"}\n]}",
				Field: "OrganizationUnit", Lines: [2]int{2, 3}, ErrLine: 2,
			}
		},
		ControlKind: ErrControl,
		Cases: []formattest.Case{
			{
				Name:  "3.0 response",
				Input: "{\n  \"Items\": [\n    {\"EmployeeID\": \"A\"},\n    {\n      \"EmployeeID\": \"B\"\n    },\n\n    {\"EmployeeID\": \"C\"}\n  ],\n  \"NextPage\": null\n}\n",
				Lines: []int{3, 4, 8},
				Types: []string{"3.0", "3.0", "3.0"},
			},
			{
				Name:  "3.1 response",
				Input: "{\"total\": 2, \"offset\": 0, \"limit\": 100,\n\"Items\": [\n{\"EmployeeID\": \"A\"},\n{\"EmployeeID\": \"B\", \"CountryCode\": \"US\"}]}",
				Lines: []int{3, 4},
				Types: []string{"3.1", "3.1"},
			},
			{
				Name:     "recovery",
				Input:    "{\"Items\": [\n{\"EmployeeID\": \"A\", \"EmployeeID\": \"A\"},\n{\"EmployeeID\": \"B\"},\n{\"EmployeeID\": \"\xff\"},\n\"C\",\n{\"EmployeeID\": \"D\"}]}",
				Lines:    []int{3, 6},
				BadLines: []int{2, 4, 5},
			},
			{
				Name:  "malformed after records",
				Input: "{\"Items\": [\n{\"EmployeeID\": \"A\"},\n{\"EmployeeID\": }]}",
				Lines: []int{2},
				Fatal: true,
			},
			{
				Name:  "JSON without Items",
				Input: "{\"users\": [{\"EmployeeID\": \"A\"}]}",
				Fatal: true,
			},
			{
				Name:  "XML",
				Input: "<batch><UserProfile/></batch>",
				Fatal: true,
			},
		},
	})
}
