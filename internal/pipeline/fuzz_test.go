package pipeline

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// FuzzConvert feeds arbitrary Concur files through the whole conversion
// and checks its promises: no panic, every record accounted for once,
// every encoded operation equal to encoding/json's form of its data rebuilt
// from scratch, and no schema error left in what would be written. The seeds
// are the samples, one file at a time.
func FuzzConvert(f *testing.F) {
	seeds, _ := filepath.Glob("../../samples/concur/*.csv")
	for _, p := range seeds {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("305,A,,B,E1,a@x.com,,a@x.com,en_US,US,US-WA,L,USD,,Y\n305,C,,D,E2,a@X.com,,c@x.com,de_DE,DE,,L,EUR,,Y,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,E1\n320,E1,E3,,\n"))
	v, err := schemas.New(schemas.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := Convert([]string{path}, Options{Options: plan.Options{CompanyID: companyID}, Format: "concur"})
		if err != nil {
			return // an unreadable input stops the run; that is allowed
		}
		tot := res.Totals
		if tot.Records != tot.Converted+tot.Skipped+tot.Rejected || tot.Records != len(res.Records) {
			t.Fatalf("totals do not add up: %+v for %d results", tot, len(res.Records))
		}
		seen := map[model.Position]bool{}
		for _, r := range res.Records {
			if seen[r.Pos] {
				t.Fatalf("record %s has two results", r.Pos)
			}
			seen[r.Pos] = true
		}
		checkEncoded(t, res, false)
		if res.SchemaErrors > 0 {
			return
		}
		for ri, req := range res.Plan.Requests {
			for oi, op := range req.Operations {
				for _, fd := range v.ValidateOperation(op.Method, op.Path, op.BulkID, op.Data()) {
					if fd.IsError() {
						t.Fatalf("request %d operation %d: schema error left in the plan: %v", ri+1, oi, fd)
					}
				}
			}
		}
	})
}
