package v1xml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
)

// benchInput is a batch of n UserProfiles of 20 fields each.
func benchInput(n int) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<batch xmlns=\"" + Namespace + "\">\n")
	for i := 0; i < n; i++ {
		id := "L"
		if i%2 == 0 {
			id = "EmployeeID"
		} else {
			id = "EmpId"
		}
		fmt.Fprintf(&b, "  <UserProfile>\n    <FeedRecordNumber>%d</FeedRecordNumber>\n    <%s>L%06d</%s>\n", i+1, id, i, id)
		fmt.Fprintf(&b, "    <LoginID>user%06d@example.com</LoginID>\n    <LocaleName>en_US</LocaleName>\n    <Active>Y</Active>\n", i)
		fmt.Fprintf(&b, "    <FirstName>First%d</FirstName>\n    <LastName>Lästname%d</LastName>\n    <Mi>Q</Mi>\n", i, i)
		fmt.Fprintf(&b, "    <EmailAddress>user%06d@example.com</EmailAddress>\n    <LedgerKey>DEFAULT</LedgerKey>\n", i)
		b.WriteString("    <OrgUnit1>Finance</OrgUnit1>\n    <OrgUnit2>Seattle</OrgUnit2>\n    <Custom1>CC-4100</Custom1>\n")
		b.WriteString("    <CtryCode>US</CtryCode>\n    <CtrySubCode>US-WA</CtrySubCode>\n    <CrnKey>USD</CrnKey>\n")
		b.WriteString("    <ExpenseUser>Y</ExpenseUser>\n    <ExpenseApprover>N</ExpenseApprover>\n    <TripUser>Y</TripUser>\n")
		b.WriteString("    <ExpenseApproverEmployeeID>L000000</ExpenseApproverEmployeeID>\n  </UserProfile>\n")
	}
	b.WriteString("</batch>\n")
	return b.Bytes()
}

const benchProfiles = 10000

// BenchmarkReader reads 10k UserProfiles; BenchmarkReader/tokens is the
// bare encoding/xml token walk of the same bytes, the baseline of the ratio
// reported as x-baseline.
func BenchmarkReader(b *testing.B) {
	data := benchInput(benchProfiles)
	var base float64
	b.Run("tokens", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			d := xml.NewDecoder(bytes.NewReader(data))
			n := 0
			for {
				_, err := d.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
		base = formattest.PerOp(b)
	})
	b.Run("reader", func(b *testing.B) {
		per := formattest.BenchRead(b, data, benchProfiles, formattest.Open(NewReader))
		formattest.Ratio(b, per, base, "x-baseline")
	})
}
