package report

import (
	"fmt"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"strings"
	"testing"
)

// TestTraceEmployee: the rows of one employee are those Trace gives for
// it (a rename's under "old → new"), and an unknown employee has none.
func TestTraceEmployee(t *testing.T) {
	for _, dir := range []string{fixture, atSubmitFixture} {
		d, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		all := traceRows(t, d)
		want := map[string][]string{}
		for _, r := range all {
			emp := r.Employee
			if _, after, ok := strings.Cut(emp, " → "); ok {
				emp = after
			}
			r.record = model.Position{}
			want[emp] = append(want[emp], fmt.Sprint(r))
		}
		if len(want) < 3 {
			t.Fatalf("%s: %d employees in the trace", dir, len(want))
		}
		want["NOBODY"] = nil
		for emp, rows := range want {
			var got []string
			if err := d.TraceEmployee(emp, func(r *TraceRow) error {
				c := *r
				c.record = model.Position{}
				got = append(got, fmt.Sprint(c))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != strings.Join(rows, "\n") {
				t.Errorf("%s %s: %d rows\n%s\nwant %d\n%s", dir, emp, len(got), strings.Join(got, "\n"), len(rows), strings.Join(rows, "\n"))
			}
		}
	}
}
