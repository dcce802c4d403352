package pipeline

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// byRanges is the runs of seen made by ranges to the end.
func byRanges(seen []spillSeen) (n int) {
	for _, s := range seen {
		if s.ranged {
			n++
		}
	}
	return n
}

// TestSpillRanges: a file grouped by employee runs by ranges, phase 1
// written straight into the bulk files, with the outputs of Convert:
// with a finding on every operation (no company ID), with small requests,
// and when partitions run again (a forward reference to an employee that
// ends rejected takes phase 1 back to the first of them, in the middle
// of an open request).
func TestSpillRanges(t *testing.T) {
	var b bytes.Buffer
	if err := gen.Write305(&b, 300, 8); err != nil {
		t.Fatal(err)
	}
	grouped := write(t, map[string]string{"in.csv": b.String()})
	for _, opts := range []Options{
		{},
		{Options: plan.Options{CompanyID: companyID, MaxOps: 7, MaxBytes: 20000}},
	} {
		seen := checkSpillSame(t, grouped, opts)
		if n := byRanges(seen); n != len(spillParts) {
			t.Errorf("%+v: %d runs by ranges, want %d: %+v", opts.Options, n, len(spillParts), seen)
		}
	}

	rows := []string{"100,0,SSO,UPDATE,EN,N,N"}
	for i := range 12 {
		extra := map[int]string{}
		switch i {
		case 4:
			extra[59] = "A" // refers to A, further on, rejected
		case 9:
			extra[15] = "maybe"
		}
		emp := fmt.Sprintf("E%02d", i)
		if i == 9 {
			emp = "A"
		}
		rows = append(rows, row305("First"+emp, "Last", emp, "en_US", "US", "", "USD", extra))
	}
	forward := write(t, map[string]string{"in.csv": strings.Join(rows, "\n") + "\n"})
	seen := checkSpillSame(t, forward, Options{Options: plan.Options{CompanyID: companyID, MaxOps: 3}})
	last := seen[len(seen)-1]
	if !last.ranged || last.rounds < 2 {
		t.Errorf("7 partitions by ranges: %+v: want the run by ranges and a second round", last)
	}
}
