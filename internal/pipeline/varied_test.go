package pipeline

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
)

// keep305 are the 305 fields (1-based) a varied feed never blanks: record
// type, names, IDs, login, e-mail, locale, country, currency, active, and
// the approver references (blanking one would only reject more records).
var keep305 = map[int]bool{1: true, 2: true, 4: true, 5: true, 6: true, 8: true, 9: true, 10: true, 13: true, 15: true,
	59: true, 60: true, 61: true, 62: true, 77: true, 90: true, 91: true, 92: true, 93: true, 94: true}

// writeVaried writes a generated 305 feed in which every employee has a
// shape of their own: optional fields blanked, flags flipped and values
// that need escaping, at random (seeded).
func writeVaried(t *testing.T, rows int, seed uint64) string {
	t.Helper()
	var buf bytes.Buffer
	if err := gen.Write305(&buf, rows, int64(seed)); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&buf)
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	for _, rec := range recs[1:] {
		for i := range rec {
			if keep305[i+1] || rec[i] == "" {
				continue
			}
			switch x := rng.IntN(100); {
			case x < 25:
				rec[i] = ""
			case x < 30 && rec[i] == "Y":
				rec[i] = "N"
			case x < 35 && rec[i] == "N":
				rec[i] = "Y"
			}
		}
		if rng.IntN(10) == 0 {
			rec[2] = `Zoë "Z" <b>&\ `
		}
	}
	path := filepath.Join(t.TempDir(), "varied-305.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// TestConvertVariedShapesMatchRebuiltData converts employees of many
// shapes and checks every encoded operation against encoding/json's form
// of its data rebuilt from scratch (Operation.Data builds without the
// remembered bodies and key orders the plan reuses between users), compact
// and indented.
func TestConvertVariedShapesMatchRebuiltData(t *testing.T) {
	path := writeVaried(t, 3000, 11)
	for _, indent := range []bool{false, true} {
		res, err := Convert([]string{path}, Options{CompanyID: companyID, Indent: indent})
		if err != nil {
			t.Fatal(err)
		}
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
		if res.Totals.Converted < 1000 || ops < 1000 {
			t.Fatalf("only %d records converted, %d operations: the variation rejects too much to test anything", res.Totals.Converted, ops)
		}
	}
}
