package report

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/model"
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

// TestRowsFillEveryField: a walk's rows are the same whether the
// employee's Values were empty or held another employee's rows, every
// field set (rows fills them where they lie).
func TestRowsFillEveryField(t *testing.T) {
	files, err := gen.WriteFiles(t.TempDir(), gen.ShapeMixed, 40, 9)
	must(t, err)
	d, err := Load(convertRun(t, files))
	must(t, err)
	defer d.Close()
	must(t, d.Count())
	full := TraceRow{Employee: "x", Source: "x", File: "x", Line: 9, Field: "x", Name: "x", Row: "x", Schema: "x", Path: "x",
		Value: "x", Phase: 9, Operation: "x", Method: "x", Status: "x", OpStatus: "x", LeftOut: true, RecordState: "x",
		ProvisionID: "x", Code: "x", UserID: "x", Result: "x", Message: "x", record: model.Position{File: "x", Line: 9}}
	if v := reflect.ValueOf(full); v.NumField() != 23 {
		t.Fatalf("TraceRow has %d fields: set the new ones in full and in rows", v.NumField())
	}
	rows := 0
	must(t, planLines(d.planPath, nil, func(pl *planLine, _ int) error {
		var fresh []TraceRow
		must(t, d.rows(pl, &fresh))
		used := make([]TraceRow, 0, len(fresh)+3)
		for range cap(used) {
			used = append(used, full)
		}
		used = used[:0]
		must(t, d.rows(pl, &used))
		if !reflect.DeepEqual(used, fresh) {
			t.Fatalf("%s: rows over old ones differ from fresh rows", pl.EmployeeID)
		}
		rows += len(fresh)
		return nil
	}))
	if rows == 0 {
		t.Error("no rows")
	}
}

// TestContainsFold holds containsFold to strings.Contains of the lower
// case, on random ASCII.
func TestContainsFold(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"p", "P", "pass", "PASS", "word", "WoRd", "@", "`", " ", "x", "\x7f", "\xd0"}
	for _, w := range []string{"password", "@p", "`x"} {
		for range 20000 {
			var b strings.Builder
			for range rng.IntN(8) {
				b.WriteString(pieces[rng.IntN(len(pieces))])
			}
			s := b.String()
			if got, want := containsFold(s, w), strings.Contains(asciiLower(s), w); got != want {
				t.Fatalf("containsFold(%q, %q) = %v", s, w, got)
			}
		}
	}
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
