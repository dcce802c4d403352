package v3json

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
)

// benchItemLines is the number of lines of one generated item.
const benchItemLines = 19

// benchInput is a 3.1 response of n items, each on benchItemLines lines.
func benchInput(n int) []byte {
	var b bytes.Buffer
	b.WriteString("{\n  \"Items\": [\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    {\n      \"ID\": \"%032X\",\n      \"Active\": %v,\n      \"CountryCode\": \"US\",\n", i, i%7 != 0)
		fmt.Fprintf(&b, "      \"CellPhoneNumber\": \"+1 206 555 %04d\",\n      \"PrimaryEmail\": \"user%06d@example.com\",\n", i%10000, i)
		fmt.Fprintf(&b, "      \"EmployeeID\": \"L%06d\",\n      \"OrganizationUnit\": \"Finance\",\n", i)
		fmt.Fprintf(&b, "      \"FirstName\": \"First%d\",\n      \"MiddleName\": null,\n      \"LastName\": \"Lästname%d\",\n", i, i)
		fmt.Fprintf(&b, "      \"LoginID\": \"user%06d@example.com\",\n      \"Emails\": [\n", i)
		fmt.Fprintf(&b, "        {\"EmailAddress\": \"user%06d@example.com\", \"Type\": \"Work\"},\n", i)
		fmt.Fprintf(&b, "        {\"EmailAddress\": \"u%06d@example.net\", \"Type\": \"Personal\"}\n      ],\n", i)
		fmt.Fprintf(&b, "      \"URI\": \"https://us.api.concursolutions.com/users/%032X\",\n      \"Score\": %d.5\n    }", i, i)
		if i < n-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("  ],\n  \"total\": 0\n}\n")
	return b.Bytes()
}

const benchItems = 10000

// benchUser is what a plain json.Decoder decode of an item fills.
type benchUser struct {
	ID, CountryCode, CellPhoneNumber, PrimaryEmail, EmployeeID string
	OrganizationUnit, FirstName, MiddleName, LastName, LoginID string
	URI                                                        string
	Active                                                     bool
	Score                                                      json.Number
	Emails                                                     []struct{ EmailAddress, Type string }
}

// BenchmarkReader reads 10k items; BenchmarkReader/decode is a plain
// json.Decoder decode of the same bytes into structs, the baseline of the
// ratio reported as x-baseline; BenchmarkReader/tokens a bare json.Decoder
// token walk, the baseline of x-tokens.
func BenchmarkReader(b *testing.B) {
	data := benchInput(benchItems)
	var base, tokens float64
	b.Run("tokens", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			d := json.NewDecoder(bytes.NewReader(data))
			d.UseNumber()
			for {
				_, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		tokens = formattest.PerOp(b)
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			var resp struct {
				Items []benchUser
				Total int `json:"total"`
			}
			d := json.NewDecoder(bytes.NewReader(data))
			d.UseNumber()
			if err := d.Decode(&resp); err != nil {
				b.Fatal(err)
			}
			if len(resp.Items) != benchItems {
				b.Fatalf("decoded %d items", len(resp.Items))
			}
		}
		base = formattest.PerOp(b)
	})
	b.Run("reader", func(b *testing.B) {
		per := formattest.BenchRead(b, data, benchItems, formattest.Open(NewReader))
		formattest.Ratio(b, per, base, "x-baseline")
		formattest.Ratio(b, per, tokens, "x-tokens")
	})
}
