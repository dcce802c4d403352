package pipeline

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// keep305 are the 305 fields (1-based) a varied feed never blanks: record
// type, names, IDs, login, e-mail, locale, country, currency, active, and
// the approver references (blanking one would only reject more records).
var keep305 = map[int]bool{1: true, 2: true, 4: true, 5: true, 6: true, 8: true, 9: true, 10: true, 13: true, 15: true,
	59: true, 60: true, 61: true, 62: true, 77: true, 90: true, 91: true, 92: true, 93: true, 94: true}

// writeVaried writes a generated 305 feed in which every employee has a
// shape of their own: optional fields blanked, flags flipped and values
// that need escaping, at random (seeded).
func writeVaried(t testing.TB, rows int, seed uint64) string {
	return writeVariedP(t, rows, seed, 25)
}

// writeVariedP is writeVaried blanking about blankPct percent of the
// optional fields.
func writeVariedP(t testing.TB, rows int, seed uint64, blankPct int) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	return rewrite305(t, rows, int64(seed), "varied-305.csv", func(_ int, rec []string) {
		for i := range rec {
			if keep305[i+1] || rec[i] == "" {
				continue
			}
			switch x := rng.IntN(100); {
			case x < blankPct:
				rec[i] = ""
			case x < blankPct+5 && rec[i] == "Y":
				rec[i] = "N"
			case x < blankPct+10 && rec[i] == "N":
				rec[i] = "Y"
			}
		}
		if rng.IntN(10) == 0 {
			rec[2] = `Zoë "Z" <b>&\ `
		}
	})
}

// rewrite305 writes, as name in a temporary folder, the 305 feed of
// gen.Write305 for rows and seed with change applied to each 305 record
// (the i-th, from 0), and returns its path.
func rewrite305(t testing.TB, rows int, seed int64, name string, change func(i int, rec []string)) string {
	t.Helper()
	var buf bytes.Buffer
	if err := gen.Write305(&buf, rows, seed); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&buf)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, rec := range recs[1:] {
		change(i, rec)
	}
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.WriteAll(recs)
	if err := errors.Join(w.Error(), f.Close()); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkEncodedMatchesRebuilt converts path and checks its encoded
// operations (checkEncoded). It returns the number of operations.
func checkEncodedMatchesRebuilt(t testing.TB, path string, indent bool) int {
	t.Helper()
	res, err := Convert([]string{path}, Options{Options: plan.Options{CompanyID: companyID, Indent: indent}})
	if err != nil {
		t.Fatal(err)
	}
	return checkEncoded(t, res, indent)
}

// checkEncoded checks every encoded operation of res against
// encoding/json's form of its data rebuilt from scratch (Operation.Data
// builds without the remembered bodies and key orders the plan reuses
// between users). It returns the number of operations.
func checkEncoded(t testing.TB, res *Result, indent bool) int {
	t.Helper()
	ops := 0
	for ri, req := range res.Plan.Requests {
		for oi, op := range req.Operations {
			ops++
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if indent {
				enc.SetIndent("    ", "  ") // operations sit at depth 2 of the request
			}
			if err := enc.Encode(op.BulkOperation()); err != nil {
				t.Fatal(err)
			}
			if got := op.Encoded(); !bytes.Equal(got, bytes.TrimSuffix(want.Bytes(), []byte{'\n'})) {
				t.Fatalf("indent %v, request %d operation %d (%s):\n got %s\nwant %s", indent, ri+1, oi, op.Employee, got, want.Bytes())
			}
		}
	}
	return ops
}

// TestConvertVariedShapesMatchRebuiltData converts employees of many
// shapes and checks every encoded operation against its rebuilt data,
// compact and indented.
func TestConvertVariedShapesMatchRebuiltData(t *testing.T) {
	path := writeVaried(t, 3000, 11)
	for _, indent := range []bool{false, true} {
		if ops := checkEncodedMatchesRebuilt(t, path, indent); ops < 2000 {
			t.Fatalf("only %d operations: the variation rejects too much to test anything", ops)
		}
	}
}

// FuzzConvertVariedShapes does the same for feeds of any seed and rate of
// blank fields.
func FuzzConvertVariedShapes(f *testing.F) {
	f.Add(uint64(1), uint8(25), false)
	f.Add(uint64(2), uint8(60), true)
	f.Add(uint64(3), uint8(5), false)
	f.Fuzz(func(t *testing.T, seed uint64, blank uint8, indent bool) {
		path := writeVariedP(t, 120, seed, int(blank%90))
		checkEncodedMatchesRebuilt(t, path, indent)
	})
}
