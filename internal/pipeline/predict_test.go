package pipeline

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// convertPredicting converts paths in memory into a new folder, with the
// engine and the plan leaving out what new users lack (predict) or with
// the rounds after the schema check doing it, and returns the folder and
// the most rounds a settle took.
func convertPredicting(t *testing.T, paths []string, opts Options, predict bool) (dir string, rounds int) {
	t.Helper()
	saved := predictLeaveOut
	predictLeaveOut = predict
	settleObserver = func(n int) { rounds = max(rounds, n) }
	defer func() { predictLeaveOut, settleObserver = saved, nil }()
	res, err := Convert(paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "out")
	if err := res.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir, rounds
}

// checkPredicted requires the conversion of paths to write the same files
// with and without leaving out at once what new users lack, in fewer
// rounds (or no more, unless fewer), and the feed to have such users.
func checkPredicted(t *testing.T, name string, paths []string, opts Options, fewer bool) {
	t.Helper()
	ref, refRounds := convertPredicting(t, paths, opts, false)
	got, gotRounds := convertPredicting(t, paths, opts, true)
	sameFiles(t, ref, got, name)
	report, err := os.ReadFile(filepath.Join(ref, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	n := bytes.Count(report, []byte("extension left out of new user"))
	if n == 0 {
		t.Fatalf("%s: no extension left out: the test tests nothing", name)
	}
	if gotRounds > refRounds || fewer && gotRounds == refRounds {
		t.Errorf("%s: %d rounds predicting, %d after the schema check", name, gotRounds, refRounds)
	}
	t.Logf("%s: %d extensions left out; rounds %d → %d", name, n, refRounds, gotRounds)
}

// writeLacking writes a 305 feed of rows employees where a third lack a
// currency, a quarter a locale and a fifth a country (some two or three
// of them), which UPS requires with the spend extension of a new user.
func writeLacking(t *testing.T, rows int) string {
	t.Helper()
	return rewrite305(t, rows, 3, "lacking-305.csv", func(i int, rec []string) {
		if i%3 == 0 {
			rec[12] = "" // 13 Reimbursement Currency Code
		}
		if i%4 == 1 {
			rec[8] = "" // 9 Locale Code
		}
		if i%5 == 2 {
			rec[9] = "" // 10 Country Code
		}
	})
}

func TestPredictLeaveOut(t *testing.T) {
	lacking := writeLacking(t, 500)
	checkPredicted(t, "lacking", []string{lacking}, Options{Options: plan.Options{CompanyID: companyID}}, true)
	// A PUT of every user: the plan, not the engine, leaves out.
	checkPredicted(t, "lacking, replace", []string{lacking}, Options{Options: plan.Options{CompanyID: companyID, Replace: true}}, true)
	// Without a company, every creation carries a schema warning besides.
	checkPredicted(t, "lacking, no company", []string{lacking}, Options{}, true)
	// Users the directory knows get a PUT of the whole user: the plan,
	// not the engine, leaves out what their input lacks.
	var entries []plan.DirEntry
	for i := 1; i <= 60; i += 3 {
		emp := gen.EmployeeID(i)
		entries = append(entries, plan.DirEntry{EmployeeNumber: emp, ID: fmt.Sprintf("%08d-1111-4111-8111-111111111111", i),
			Pos: model.Position{File: "dir.csv", Line: i + 1}})
	}
	dir, err := plan.NewDirectory(entries)
	if err != nil {
		t.Fatal(err)
	}
	replace := Options{Options: plan.Options{CompanyID: companyID, Replace: true, Directory: dir}}
	checkPredicted(t, "lacking, directory, replace", []string{lacking}, replace, false)
	// By partition too.
	checkSpillSame(t, []string{lacking}, Options{Options: plan.Options{CompanyID: companyID}})
	checkSpillSame(t, []string{lacking}, replace)
}

func TestPredictLeaveOutSamples(t *testing.T) {
	t.Chdir("../..")
	// The samples are rejected values besides: a second round either way.
	checkPredicted(t, "samples", sampleFiles(t), Options{Options: plan.Options{CompanyID: companyID}}, false)
}

// writeRejecting writes a 305 feed of rows employees where some values
// UPS refuses are dropped (a currency it does not know: the spend
// extension then lacks one and is left out in a further round), some
// records are rejected (no Active flag, which a new user needs: their
// reports' approvers are then outside the run) and the rest convert.
func writeRejecting(t *testing.T, rows int) string {
	t.Helper()
	return rewrite305(t, rows, 4, "rejecting-305.csv", func(i int, rec []string) {
		switch i % 7 {
		case 2:
			rec[12] = "XYZ" // 13 Reimbursement Currency Code
		case 5:
			rec[14] = "" // 15 Active
		}
	})
}

// convertReusing converts paths in memory into a new folder, the rounds
// of settle reusing the operations of unchanged users or not, and returns
// the folder and how many users' operations were reused.
func convertReusing(t *testing.T, paths []string, opts Options, reuse bool) (string, int64) {
	t.Helper()
	saved := reuseRounds
	var seen atomic.Int64
	reuseRounds, reuseSeen = reuse, &seen
	defer func() { reuseRounds, reuseSeen = saved, nil }()
	res, err := Convert(paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "out")
	if err := res.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir, seen.Load()
}

// TestReuseRounds: a round of settle that reuses the operations of the
// users the round before did not change writes what one that plans every
// user again writes.
func TestReuseRounds(t *testing.T) {
	rejecting := writeRejecting(t, 400)
	for _, tt := range []struct {
		name  string
		paths []string
		opts  Options
	}{
		{"rejecting", []string{rejecting}, Options{Options: plan.Options{CompanyID: companyID}}},
		{"rejecting, no company", []string{rejecting}, Options{}},
		{"rejecting, indented, small requests", []string{rejecting}, Options{Options: plan.Options{CompanyID: companyID, Indent: true, MaxOps: 7}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ref, _ := convertReusing(t, tt.paths, tt.opts, false)
			got, reused := convertReusing(t, tt.paths, tt.opts, true)
			sameFiles(t, ref, got, tt.name)
			if reused == 0 {
				t.Errorf("no operations reused: the test tests nothing")
			}
			t.Logf("%d users' operations reused", reused)
		})
	}
	checkSpillSame(t, []string{rejecting}, Options{Options: plan.Options{CompanyID: companyID}})
}

func TestReuseRoundsSamples(t *testing.T) {
	t.Chdir("../..")
	for _, opts := range []Options{{Options: plan.Options{CompanyID: companyID}}, {}} {
		ref, _ := convertReusing(t, sampleFiles(t), opts, false)
		got, reused := convertReusing(t, sampleFiles(t), opts, true)
		sameFiles(t, ref, got, "samples")
		if reused == 0 {
			t.Errorf("no operations reused: the test tests nothing")
		}
	}
}
