package gen_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

const companyID = "053c9338-bf2a-49cd-9035-c1f97be858b0"

// empIndex turns EMP000042 back into 41, failing on anything else.
func empIndex(t *testing.T, id string, rows int) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimPrefix(id, "EMP"))
	if !strings.HasPrefix(id, "EMP") || err != nil || n < 1 || n > rows {
		t.Fatalf("%q is not an employee of a %d-employee 305 file", id, rows)
	}
	return n - 1
}

// body reads a generated file: a 100 record, then records of one type.
func body(t *testing.T, data []byte, typ string, maxFields int) [][]string {
	t.Helper()
	rows := read(t, data)
	if len(rows) == 0 || rows[0][0] != "100" {
		t.Fatalf("%s file does not start with a 100 record", typ)
	}
	for i, r := range rows[1:] {
		if r[0] != typ || len(r) > maxFields {
			t.Fatalf("%s file, record %d: type %q with %d fields, want %s with at most %d", typ, i, r[0], len(r), typ, maxFields)
		}
	}
	return rows[1:]
}

func write(t *testing.T, f func(io.Writer, int, int64) error, rows int, seed int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f(&buf, rows, seed); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestWrite350(t *testing.T) {
	for _, n := range []int{0, 1, 9, 500} {
		recs := body(t, write(t, gen.Write350, n, 5), "350", 67)
		if len(recs) != n {
			t.Fatalf("rows=%d: %d 350 records, want one per employee", n, len(recs))
		}
		seen := make([]bool, n)
		for _, r := range recs {
			i := empIndex(t, r[1], n)
			if seen[i] {
				t.Fatalf("rows=%d: employee %s has two 350 records", n, r[1])
			}
			seen[i] = true
			if i > 0 {
				if m := empIndex(t, r[8], n); m >= i {
					t.Errorf("%s: travel approver %s is not an earlier employee", r[1], r[8])
				}
			}
			if r[17] == "" {
				t.Errorf("%s: no rule class, the travel extension would be left out", r[1])
			}
		}
	}
}

func TestWrite400(t *testing.T) {
	const n, seed = 600, 5
	recs := body(t, write(t, gen.Write400, n, seed), "400", 13)
	roles := map[int]map[string]bool{}
	for _, r := range recs {
		i := empIndex(t, r[1], n)
		if len(r) != 3 || r[2] == "" {
			t.Fatalf("%v: want employee and role code only (no segment)", r)
		}
		if roles[i] == nil {
			roles[i] = map[string]bool{}
		}
		if roles[i][r[2]] {
			t.Errorf("%s: role %s given twice", r[1], r[2])
		}
		roles[i][r[2]] = true
	}
	total, several := 0, 0
	for i := 0; i < n; i++ {
		want := gen.Count400(i, seed)
		if want < 0 || want > gen.Max400 || len(roles[i]) != want {
			t.Fatalf("employee %d: %d 400 records, Count400 says %d", i, len(roles[i]), want)
		}
		total += want
		if want > 1 {
			several++
		}
	}
	if total != len(recs) || several == 0 {
		t.Errorf("%d records, %d employees with several: want the sum of Count400 and some with several", len(recs), several)
	}
}

func TestWrite500(t *testing.T) {
	const seed = 9
	for _, n := range []int{0, 1, 2, 3, 700} {
		recs := body(t, write(t, gen.Write500, n, seed), "500", 11)
		dels := map[int]map[int]bool{}
		for _, r := range recs {
			i, d := empIndex(t, r[1], n), empIndex(t, r[2], n)
			if i == d {
				t.Errorf("%s delegates to itself", r[1])
			}
			if dels[i] == nil {
				dels[i] = map[int]bool{}
			}
			if dels[i][d] {
				t.Errorf("%s names delegate %s twice", r[1], r[2])
			}
			dels[i][d] = true
			if (r[7] == "Y") != (r[8] != "" && r[9] != "") {
				t.Errorf("%v: temporary approval flag and dates disagree", r)
			}
		}
		total := 0
		for i := 0; i < n; i++ {
			if c := gen.Count500(i, n, seed); c != len(dels[i]) || c > gen.Max500 {
				t.Fatalf("rows=%d employee %d: %d 500 records, Count500 says %d", n, i, len(dels[i]), c)
			}
			total += len(dels[i])
		}
		if n >= 700 && total == 0 {
			t.Errorf("rows=%d: no 500 record", n)
		}
	}
}

// TestNotGrouped holds the 350, 400 and 500 files to a shuffled order:
// neither sorted by employee nor with one employee's records together.
func TestNotGrouped(t *testing.T) {
	const n = 2000
	for _, c := range []struct {
		typ string
		f   func(io.Writer, int, int64) error
	}{{"350", gen.Write350}, {"400", gen.Write400}, {"500", gen.Write500}} {
		recs := body(t, write(t, c.f, n, 1), c.typ, 67)
		ascending, adjacent := 0, 0
		for k := 1; k < len(recs); k++ {
			a, b := empIndex(t, recs[k-1][1], n), empIndex(t, recs[k][1], n)
			if a < b {
				ascending++
			}
			if a == b {
				adjacent++
			}
		}
		pairs := len(recs) - 1
		if ascending > pairs*3/5 || ascending < pairs*2/5 {
			t.Errorf("%s: %d of %d neighbours ascending: the file looks sorted", c.typ, ascending, pairs)
		}
		if adjacent > pairs/50 {
			t.Errorf("%s: %d of %d neighbours of the same employee: the file looks grouped", c.typ, adjacent, pairs)
		}
	}
}

func TestWrite305Findings(t *testing.T) {
	const n = 300
	plain := read(t, write(t, gen.Write305, n, 4))
	found := read(t, write(t, gen.Write305Findings, n, 4))
	if len(found) != n+1 || !slicesEqual(plain[0], found[0]) {
		t.Fatalf("findings file: %d rows, want %d after the same 100 record", len(found), n+1)
	}
	for i := 1; i <= n; i++ {
		p, f := plain[i], found[i]
		if v := f[gen.FindingField-1]; len(v) <= 48 || p[gen.FindingField-1] != "" {
			t.Fatalf("row %d: field %d = %q, want a value over 48 characters where Write305 has none", i, gen.FindingField, v)
		}
		p[gen.FindingField-1], f[gen.FindingField-1] = "", ""
		if !slicesEqual(p, f) {
			t.Fatalf("row %d differs from Write305 beyond field %d", i, gen.FindingField)
		}
	}
}

func slicesEqual(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMixedDeterministic(t *testing.T) {
	for _, f := range []func(io.Writer, int, int64) error{gen.Write350, gen.Write400, gen.Write500, gen.Write305Findings} {
		a, b, c := write(t, f, 300, 1), write(t, f, 300, 1), write(t, f, 300, 2)
		if !bytes.Equal(a, b) {
			t.Error("same seed gave different output")
		}
		if bytes.Equal(a, c) {
			t.Error("different seeds gave the same output")
		}
	}
}

func TestWriteFiles(t *testing.T) {
	cases := []struct {
		shape gen.Shape
		files []string
	}{
		{gen.Shape305, []string{"employees-305.csv"}},
		{gen.ShapeMixed, []string{"employees-305.csv", "travel-350.csv", "roles-400.csv", "delegates-500.csv"}},
		{gen.ShapeFindings, []string{"employees-305-findings.csv"}},
	}
	for _, c := range cases {
		dir := filepath.Join(t.TempDir(), "in")
		paths, err := gen.WriteFiles(dir, c.shape, 50, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(paths) != len(c.files) {
			t.Fatalf("%s: files %v, want %v", c.shape, paths, c.files)
		}
		if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: directory mode %v (%v), want 0700", c.shape, st.Mode().Perm(), err)
		}
		for i, p := range paths {
			if filepath.Base(p) != c.files[i] {
				t.Errorf("%s: file %d is %s, want %s", c.shape, i, filepath.Base(p), c.files[i])
			}
			if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v (%v), want 0600", p, st.Mode().Perm(), err)
			}
		}
	}
	if _, err := gen.WriteFiles(t.TempDir(), "json", 10, 1); err == nil {
		t.Error("unknown shape: want an error")
	}
	if _, err := gen.WriteFiles(t.TempDir(), gen.Shape305, -1, 1); err == nil {
		t.Error("negative rows: want an error")
	}
	if _, err := gen.ParseShape("mixed"); err != nil {
		t.Error(err)
	}
}

// TestShapesConvert converts every shape: no record is rejected, a clean
// shape has no warning, and every 305 record of the findings shape has one.
func TestShapesConvert(t *testing.T) {
	const n = 300
	for _, c := range []struct {
		shape    gen.Shape
		warnings int
	}{{gen.Shape305, 0}, {gen.ShapeMixed, 0}, {gen.ShapeFindings, n}} {
		paths, err := gen.WriteFiles(t.TempDir(), c.shape, n, 8)
		if err != nil {
			t.Fatal(err)
		}
		records := 0
		for _, p := range paths {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			records += len(read(t, data))
		}
		res, err := pipeline.Convert(paths, pipeline.Options{Options: plan.Options{CompanyID: companyID}})
		if err != nil {
			t.Fatal(err)
		}
		tot := res.Totals
		if tot.Records != records || tot.Rejected != 0 || tot.Warnings != c.warnings || res.SchemaErrors != 0 {
			t.Errorf("%s: %+v, %d schema errors: want %d records, none rejected, %d warnings", c.shape, tot, res.SchemaErrors, records, c.warnings)
			for _, r := range res.Records {
				if len(r.Messages) > 0 && c.warnings == 0 {
					t.Logf("%v: %v", r.Pos, r.Messages)
				}
			}
		}
		if res.Plan.Stats.UsersCreated != n {
			t.Errorf("%s: %d users created, want %d", c.shape, res.Plan.Stats.UsersCreated, n)
		}
	}
}
