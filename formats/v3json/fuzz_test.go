package v3json

import (
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
)

func FuzzReader(f *testing.F) {
	formattest.SeedFiles(f,
		"../../samples/legacy/users-v3.0.json",
		"../../samples/legacy/users-v3.1.json",
		"testdata/mixed-errors.json",
	)
	formattest.Seed(f,
		"",
		"\ufeff{}",
		`{"Items": []}`,
		`[{"EmployeeID": "A"}]`,
		`{"Items": [1, [2], {"a": {"b": [3]}}, {"Emails": [[], {}, null, "x", {"y": [1]}]}], "company": {"name": 1}}`,
		`{"Items": [{"a": "\u0000\ud800"}]}{}`,
		"{\"Items\": [{\"a\": \"\xff\x00\"}]}",
		"\xfe\xff\x00{",
		"{\"company\": {\"n\\u0007\": \"\\u001b\"}, \"Items\": [{\"a\\u0085\": \"\\u009b\\t\\n\x7f\", \"Emails\": [{\"\\u0001\": 1}]}]}",
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		formattest.Fuzz(t, data, "fuzz.json", formattest.Open(NewReader), nil)
	})
}
