package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// spillParts are the partition counts the differential tests force.
var spillParts = []int{1, 3, 7}

// The tests' partitions do not change from run to run.
func init() { spillSeed = 0x9e3779b97f4a7c15 }

// spillSeen is what a spilled conversion of checkSpillSame did.
type spillSeen struct {
	parts  int
	rounds int  // partition rounds
	mended int  // partitions whose at-submit entries were mended
	moved  int  // (from, to) partition pairs whose records moved
	tried  bool // by ranges first
	ranged bool // by ranges to the end (phase 1 written directly)
}

// checkSpillSame converts paths in memory (Convert and Write, the
// reference) and by partition (ConvertTo forced to spill, with each of
// spillParts partitions) and requires the same files, byte for byte, and
// the same console outcome. It returns what the spilled conversions did.
func checkSpillSame(t *testing.T, paths []string, opts Options) []spillSeen {
	t.Helper()
	var seen []spillSeen
	spillObserver = func(s *spillRun) {
		sn := spillSeen{parts: s.parts, rounds: s.rounds, mended: s.mended, tried: s.ranged || s.rebuckets > 0, ranged: s.ranged}
		for _, m := range s.movedFrom {
			sn.moved += len(m)
		}
		seen = append(seen, sn)
	}
	defer func() { spillObserver = nil }()
	ref := filepath.Join(t.TempDir(), "ref")
	res, refErr := Convert(paths, opts)
	if refErr == nil {
		refErr = res.Write(ref)
	}
	saved := spillRanges
	defer func() { spillRanges = saved }()
	for i := range 2 * len(spillParts) {
		// Each partition count by hash, then by ranges (tried on any
		// inputs: those not grouped by employee go on by hash).
		parts := spillParts[i%len(spillParts)]
		spillRanges = -1
		if i >= len(spillParts) {
			spillRanges = 1
		}
		what := fmt.Sprintf("%d partitions", parts)
		if spillRanges > 0 {
			what += ", ranges tried"
		}
		o := opts
		o.SpillAbove, o.Partitions = 1, parts
		out := filepath.Join(t.TempDir(), fmt.Sprintf("spill-%d", parts))
		got, err := ConvertTo(paths, o, out)
		if (err != nil) != (refErr != nil) {
			t.Fatalf("%s: error %v, in memory %v", what, err, refErr)
		}
		if err != nil {
			if err.Error() != refErr.Error() {
				t.Errorf("%s: error %q, in memory %q", what, err, refErr)
			}
			continue
		}
		sameFiles(t, ref, out, what)
		want := res.Outcome()
		if g, w := got.Summary(), want.Summary(); g != w {
			t.Errorf("%s: summary\n%s\nin memory\n%s", what, g, w)
		}
		if !reflect.DeepEqual(got.Kinds, want.Kinds) {
			t.Errorf("%s: warning kinds %+v, in memory %+v", what, got.Kinds, want.Kinds)
		}
		if !reflect.DeepEqual(got.Files, want.Files) {
			t.Errorf("%s: files %+v, in memory %+v", what, got.Files, want.Files)
		}
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"rejected", got.Rejected, want.Rejected}, {"warnings", got.Warnings, want.Warnings},
			{"schema errors", got.SchemaErrors, want.SchemaErrors}, {"number of warnings", got.NumWarnings, want.NumWarnings},
		} {
			if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
				t.Errorf("%s: %s %v, in memory %v", what, c.name, c.got, c.want)
			}
		}
		if left, _ := filepath.Glob(filepath.Join(out, spillDirPrefix+"*")); len(left) > 0 {
			t.Errorf("%s: temporary files left: %v", what, left)
		}
	}
	return seen
}

// sameFiles requires dirs a and b to hold the same files with the same
// bytes, but for plan.jsonl's dictionary: a spilled plan defines it all
// first, numbered as the partitions met it, so the plans must hold the
// same lines, each with the same values from the same sources and the
// same operations (samePlan).
func sameFiles(t *testing.T, a, b string, what string) {
	t.Helper()
	names := func(dir string) []string {
		es, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.Name())
		}
		return out
	}
	na, nb := names(a), names(b)
	if !slices.Equal(na, nb) {
		t.Fatalf("%s: files %v, in memory %v", what, nb, na)
	}
	for _, n := range na {
		x, err := os.ReadFile(filepath.Join(a, n))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, n))
		if err != nil {
			t.Fatal(err)
		}
		if n == lineage.FileName {
			samePlan(t, x, y, what)
			continue
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: %s differs from the in-memory one:\n%s", what, n, firstDiff(x, y))
		}
	}
}

// samePlan requires plans want and got to hold the same employee lines in
// the same order, read back the same: change set (values, sources and
// positions as its JSON form gives them) and operations.
func samePlan(t *testing.T, want, got []byte, what string) {
	t.Helper()
	read := func(b []byte) []byte {
		r := lineage.NewReader(bytes.NewReader(b))
		var out []byte
		for {
			l, err := r.Next()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			out = l.AppendJSON(out)
			out = fmt.Appendf(out, " %+v\n", l.Operations)
		}
	}
	if x, y := read(want), read(got); !bytes.Equal(x, y) {
		t.Errorf("%s: plan.jsonl reads back otherwise than the in-memory one:\n%s", what, firstDiff(x, y))
	}
}

// firstDiff shows where two files first differ.
func firstDiff(want, got []byte) string {
	i := 0
	for i < len(want) && i < len(got) && want[i] == got[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("at byte %d (lengths %d and %d)\nin memory: %q\n  spilled: %q", i, len(want), len(got),
		want[lo:min(len(want), i+200)], got[lo:min(len(got), i+200)])
}

func TestSpillSamples(t *testing.T) {
	t.Chdir("../..")
	files := sampleFiles(t)
	checkSpillSame(t, files, Options{Options: plan.Options{CompanyID: companyID, Indent: true}})
	checkSpillSame(t, files, Options{}) // no company: a schema warning on every creation
}

func TestSpillVaried(t *testing.T) {
	path := writeVaried(t, 600, 11)
	checkSpillSame(t, []string{path}, Options{Options: plan.Options{CompanyID: companyID}})
	checkSpillSame(t, []string{path}, Options{Options: plan.Options{CompanyID: companyID, MaxOps: 7, MaxBytes: 20000}})
}

func TestSpillGenerated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen-305.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := gen.Write305(f, 3000, 5); err != nil {
		t.Fatal(err)
	}
	f.Close()
	checkSpillSame(t, []string{path}, Options{Options: plan.Options{CompanyID: companyID}})
}

// mixedFeed writes a 305 file and files of other record types for its
// employees, not grouped by employee: renames (one of an employee others
// refer to, one to an ID another record already uses), a login given to
// two employees, references to employees of other partitions, to renamed
// ones and to no one, bad records, and a 305 of a renamed employee under
// its old ID after the rename.
func mixedFeed(t *testing.T) []string {
	t.Helper()
	var b305 bytes.Buffer
	if err := gen.Write305(&b305, 120, 3); err != nil {
		t.Fatal(err)
	}
	login3 := strings.Split(strings.Split(b305.String(), "\n")[3], ",")[5] // EMP000003's
	rows := []string{
		row305("Dup", "Login", "X1", "en_US", "US", "", "USD", map[int]string{6: strings.ToUpper(login3), 59: "EMP000007"}),
		row305("Ref", "Renamed", "X2", "en_US", "US", "", "USD", map[int]string{59: "EMP000002", 60: "NOBODY"}),
		row305("Bad", "Flag", "X3", "en_US", "US", "", "USD", map[int]string{15: "maybe"}),
		row305("Ref", "New", "X4", "en_US", "US", "", "USD", map[int]string{59: "NEW002"}),
	}
	ids := []string{
		"100,0,SSO,UPDATE,EN,N,N",
		"320,EMP000002,NEW002",
		"320,EMP000009,,renamed.nine@example.com",
		"320,EMP000010,EMP000011",
		"320,X9,NEWX9",
		"320,1.23457E+11,Y1",
	}
	travel := []string{
		"100,0,SSO,UPDATE,EN,N,N",
		"350,EMP000030,Ms.,,,,F,1971-04-18,EMP000002,Chief,+1 206 555 0100",
		"350,NEW002,Mr.,,,,M,1980-11-02,,Director",
		"350,EMP000031,,,,,F,1986-06-23,X3,Engineer",
		"350,EMP000002,,,,,F,1986-06-23,,Old ID after the rename",
	}
	roles := []string{
		"100,0,SSO,UPDATE,EN,N,N",
		"400,EMP000040,EXP_PROCESSOR",
		"400,NEW002,EXP_APPROVER",
		"400,X9,EXP_PROCESSOR",
		"400,EMP000041,NOT_A_ROLE",
	}
	delegates := []string{
		"100,0,SSO,UPDATE,EN,N,N",
		"500,EMP000050,EMP000002,EXP,Y,Y,N,N,,,Y",
		"500,EMP000051,X1,EXP,Y,Y,N,N,,,Y",
		"500,EMP000052,EMP000053,EXP,Y,Y,N,N,,,Y",
		"500,EMP000053,GONE,EXP,Y,Y,N,N,,,Y",
	}
	// Renames of employees no one refers to, whose new IDs have records of
	// their own before the rename: nothing but the rename couples them.
	for i := 101; i <= 120; i++ {
		travel = append(travel, fmt.Sprintf("350,R%d,Mx.,,,,F,,,Renamed %d", i, i))
		ids = append(ids, fmt.Sprintf("320,EMP%06d,R%d", i, i))
	}
	return write(t, map[string]string{
		"a-305.csv": b305.String() + strings.Join(rows, "\n") + "\n",
		"b-320.csv": strings.Join(ids, "\n") + "\n",
		"c-350.csv": strings.Join(travel, "\n") + "\n",
		"d-400.csv": strings.Join(roles, "\n") + "\n",
		"e-500.csv": strings.Join(delegates, "\n") + "\n",
		"f-bad.csv": "100,0,SSO,UPDATE,EN,N,N\n999,unknown\n305,\"unterminated\n",
	})
}

func TestSpillMixed(t *testing.T) {
	paths := mixedFeed(t)
	seen := checkSpillSame(t, paths, Options{Options: plan.Options{CompanyID: companyID}})
	// The feed must exercise the couplings: with 7 partitions, records
	// moved to the partition of their rename, login or reference, and
	// partitions that counted in the run an employee rejected elsewhere
	// (without a directory, their at-submit entries are mended).
	if len(seen) != 2*len(spillParts) {
		t.Fatalf("%d spilled conversions, want %d", len(seen), 2*len(spillParts))
	}
	if last := seen[len(spillParts)-1]; last.moved == 0 || last.mended == 0 || last.rounds != 1 {
		t.Errorf("7 partitions: %+v: want records moved, partitions mended and one round", last)
	}
	// Not grouped by employee: tried by ranges, gone on by hash.
	if last := seen[len(seen)-1]; !last.tried || last.ranged || last.moved == 0 {
		t.Errorf("7 partitions, ranges tried: %+v: want the run by hash, records moved", last)
	}
}

// TestSpillDirectory: with a directory, references neither in the run nor
// in the directory are rejected, and a rejection can leave an employee
// another partition refers to out of the run (the partitions run again).
func TestSpillDirectory(t *testing.T) {
	paths := mixedFeed(t)
	var entries []plan.DirEntry
	for i, emp := range []string{"EMP000002", "EMP000009", "EMP000030", "EMP000040", "EMP000050", "EMP000051", "D1"} {
		entries = append(entries, plan.DirEntry{EmployeeNumber: emp, ID: fmt.Sprintf("%08d-1111-4111-8111-111111111111", i),
			UserName: strings.ToLower(emp) + "@dir.example", Pos: model.Position{File: "dir.csv", Line: i + 2}})
	}
	entries[6].UserName = "emma.smith3@example.com" // a directory login a run employee takes
	dir, err := plan.NewDirectory(entries)
	if err != nil {
		t.Fatal(err)
	}
	checkSpillSame(t, paths, Options{Options: plan.Options{CompanyID: companyID, Directory: dir}})
	// A chain of references: C refers to B, B to A; A is rejected, so B's
	// reference fails, so C's does (the partitions run again).
	chain := write(t, map[string]string{"in.csv": strings.Join([]string{
		"100,0,SSO,UPDATE,EN,N,N",
		row305("Ann", "A", "A", "en_US", "US", "", "USD", map[int]string{15: "maybe"}),
		row305("Ben", "B", "B", "en_US", "US", "", "USD", map[int]string{59: "A"}),
		row305("Cid", "C", "C", "en_US", "US", "", "USD", map[int]string{59: "B"}),
		row305("Dan", "D", "D", "en_US", "US", "", "USD", map[int]string{59: "C"}),
	}, "\n") + "\n"})
	seen := checkSpillSame(t, chain, Options{Options: plan.Options{CompanyID: companyID, Directory: dir}})
	if last := seen[len(spillParts)-1]; last.rounds < 3 {
		t.Errorf("7 partitions: %+v: want a round for each link of the chain", last)
	}
	// By ranges, each round takes phase 1 back to the first partition
	// that runs again.
	if last := seen[len(seen)-1]; !last.ranged || last.rounds < 3 {
		t.Errorf("7 partitions by ranges: %+v: want the run by ranges, a round for each link", last)
	}
}

// TestSpillDuplicateLogins runs the duplicate-login cases by partition.
func TestSpillDuplicateLogins(t *testing.T) {
	dir, err := plan.NewDirectory([]plan.DirEntry{
		{EmployeeNumber: "D1", ID: "11111111-1111-4111-8111-111111111111", UserName: "zoe@example.com", Pos: model.Position{File: "dir.csv", Line: 2}},
		{EmployeeNumber: "D2", ID: "22222222-2222-4222-8222-222222222222", UserName: "yan@example.com", Pos: model.Position{File: "dir.csv", Line: 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		rows []string
		dir  *plan.Directory
	}{
		{"two employees, one login", []string{
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil),
			row305("Ann", "Kim", "E2", "en_US", "US", "", "USD", nil),
			row305("Ann", "Moe", "E3", "en_US", "US", "", "USD", map[int]string{6: "ANN@example.com"}),
		}, nil},
		{"login freed by a 320 of its directory owner", []string{
			row305("Yan", "Lee", "E4", "en_US", "US", "", "USD", nil),
			"320,D2,,yannick@example.com",
		}, dir},
		{"logins swapped by updates", []string{
			row305("Zoe", "Lee", "D2", "en_US", "US", "", "USD", nil),
			row305("Yan", "Lee", "D1", "en_US", "US", "", "USD", nil),
		}, dir},
		{"the earlier holder rejected", []string{
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", map[int]string{15: "maybe"}),
			row305("Ann", "Kim", "E2", "en_US", "US", "", "USD", nil),
		}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			paths := write(t, map[string]string{"in.csv": "100,0,SSO,UPDATE,EN,N,N\n" + strings.Join(tc.rows, "\n") + "\n"})
			checkSpillSame(t, paths, Options{Options: plan.Options{CompanyID: companyID, Directory: tc.dir}})
		})
	}
}

// TestSpillOneLine: records that share a line (a 3.x payload written on
// one line) keep apart by their item: the one rejected is rejected alone,
// in memory and spilled alike.
func TestSpillOneLine(t *testing.T) {
	var items []string
	for i := range 12 {
		last := fmt.Sprintf("Last%d", i)
		if i == 5 {
			last = "" // no family name: the employee cannot be created
		}
		items = append(items, fmt.Sprintf(`{"EmployeeID":"J%d","FirstName":"First%d","LastName":%q,"LoginID":"j%d@example.com","PrimaryEmail":"j%d@example.com","Active":true}`,
			i, i, last, i, i))
	}
	paths := write(t, map[string]string{"one-line.json": `{"total":12,"Items":[` + strings.Join(items, ",") + "]}\n"})
	res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Totals.Rejected != 1 {
		t.Fatalf("%d records rejected in memory, want the one without a family name", res.Totals.Rejected)
	}
	checkSpillSame(t, paths, Options{Options: plan.Options{CompanyID: companyID}})
}

// TestSpillFailureLeavesNoTemporaryFiles: a spilled conversion that fails
// in its read pass, before writing (BeforeWrite) or while writing removes
// its temporary directory, and what it wrote; an earlier run's outputs are
// kept when it fails before writing.
func TestSpillFailureLeavesNoTemporaryFiles(t *testing.T) {
	good := writeVaried(t, 50, 3)
	empty := filepath.Join(t.TempDir(), "empty.csv")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop")
	tests := []struct {
		name   string
		paths  []string
		before func(int) error
		setup  func(t *testing.T, out string) // makes the write fail
		kept   bool                           // the earlier run's outputs are still there
	}{
		{name: "unreadable second input", paths: []string{good, empty}, kept: true},
		{name: "BeforeWrite refuses", paths: []string{good}, before: func(int) error { return errStop }, kept: true},
		{name: "plan.jsonl cannot be written", paths: []string{good}, setup: func(t *testing.T, out string) {
			if err := os.Remove(filepath.Join(out, "plan.jsonl")); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(out, "plan.jsonl"), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			opts := Options{Options: plan.Options{CompanyID: companyID}, SpillAbove: 1, Partitions: 3}
			if _, err := ConvertTo([]string{good}, opts, out); err != nil { // an earlier run
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t, out)
			}
			opts.BeforeWrite = tt.before
			if _, err := ConvertTo(tt.paths, opts, out); err == nil {
				t.Fatal("no error")
			}
			left, _ := filepath.Glob(filepath.Join(out, spillDirPrefix+"*"))
			if len(left) > 0 {
				t.Errorf("temporary files left: %v", left)
			}
			bulks, _ := filepath.Glob(filepath.Join(out, "bulk-*.json"))
			_, err := os.Stat(filepath.Join(out, "report.json"))
			if tt.kept && (err != nil || len(bulks) == 0) {
				t.Errorf("the earlier run's outputs are gone (report.json: %v, %d bulk files)", err, len(bulks))
			}
			if !tt.kept && (err == nil || len(bulks) > 0) {
				t.Errorf("outputs of a failed write are left (report.json: %v, %d bulk files)", err, len(bulks))
			}
		})
	}
}

// TestSpiller checks that the background spills run one at a time, in
// order; that up to maxSpills are started without waiting, the next
// start waiting for the oldest; and that a failed spill keeps those after
// it from running and is reported by a start that waits for it or by
// wait.
func TestSpiller(t *testing.T) {
	var sp spiller
	var mu sync.Mutex
	var order []int
	running := make(chan bool, 1)
	job := func(i int, err error, hold chan bool) func() error {
		return func() error {
			select {
			case running <- true:
			default:
				t.Errorf("spill %d started while another ran", i)
			}
			if hold != nil {
				<-hold
			}
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			<-running
			return err
		}
	}
	ran := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(order)
	}

	// The first spill holds: maxSpills start at once, the next waits.
	hold := make(chan bool)
	if err := sp.start(job(0, nil, hold)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < maxSpills; i++ {
		if err := sp.start(job(i, nil, nil)); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	next := make(chan error, 1)
	go func() { next <- sp.start(job(maxSpills, nil, nil)) }()
	select {
	case err := <-next:
		t.Fatalf("start %d returned (%v) with %d spills started and the oldest held", maxSpills, err, maxSpills)
	case <-time.After(50 * time.Millisecond):
	}
	close(hold)
	if err := <-next; err != nil {
		t.Fatalf("start %d: %v", maxSpills, err)
	}
	if err := sp.wait(); err != nil {
		t.Fatal(err)
	}
	want := []int{}
	for i := 0; i <= maxSpills; i++ {
		want = append(want, i)
	}
	if got := ran(); !slices.Equal(got, want) {
		t.Fatalf("spills ran %v, want %v", got, want)
	}

	// A failed spill: those after it do not run; it is reported.
	order = nil
	boom := errors.New("disk full")
	if err := sp.start(job(10, boom, nil)); err != nil {
		t.Fatal(err)
	}
	var err error
	for i := 11; i < 11+maxSpills && err == nil; i++ {
		err = sp.start(job(i, nil, nil))
	}
	if werr := sp.wait(); err == nil {
		err = werr
	}
	if !errors.Is(err, boom) {
		t.Fatalf("after a failed spill: %v, want %v", err, boom)
	}
	if got := ran(); !slices.Equal(got, []int{10}) {
		t.Fatalf("spills ran %v after one failed, want only it", got)
	}
	if err := sp.wait(); err != nil {
		t.Fatalf("wait with nothing started: %v", err)
	}
}

// TestSpillSameTwice: two spilled runs over the same inputs, with the seed
// drawn from them, write the same bytes (plan.jsonl's dictionary too);
// other inputs draw another seed.
func TestSpillSameTwice(t *testing.T) {
	paths := mixedFeed(t)
	saved := spillSeed
	spillSeed = 0
	defer func() { spillSeed = saved }()
	seed := newSeed(paths)
	if seed != newSeed(paths) {
		t.Fatal("two seeds drawn from the same inputs differ")
	}
	if newSeed(paths[:1]) == seed {
		t.Error("fewer inputs draw the same seed")
	}
	var outs []string
	for range 2 {
		out := filepath.Join(t.TempDir(), "out")
		o := Options{Options: plan.Options{CompanyID: companyID}, SpillAbove: 1, Partitions: 5}
		if _, err := ConvertTo(paths, o, out); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	names, err := os.ReadDir(outs[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		a, _ := os.ReadFile(filepath.Join(outs[0], n.Name()))
		b, err := os.ReadFile(filepath.Join(outs[1], n.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs:\n%s", n.Name(), firstDiff(a, b))
		}
	}
}

// TestSpillCreatesUsersEarly: a conversion by partition tells
// CreatesUsers of the first user it creates once, as soon as a partition
// creates one, and not at all when it creates none; a refusal ends the
// run there, before BeforeWrite, with nothing written.
func TestSpillCreatesUsersEarly(t *testing.T) {
	creates := writeVaried(t, 50, 3)
	updates := filepath.Join(t.TempDir(), "updates.csv")
	if err := os.WriteFile(updates, []byte("350,E1,,,,,,,,Director\n350,E2,,,,,,,,Director\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop")
	tests := []struct {
		name      string
		path      string
		refuse    bool
		wantCalls int
	}{
		{"refused", creates, true, 1},
		{"allowed", creates, false, 1},
		{"updates only", updates, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			var calls []string
			before := 0
			opts := Options{Options: plan.Options{CompanyID: companyID}, SpillAbove: 1, Partitions: 3,
				CreatesUsers: func(emp string) error {
					calls = append(calls, emp)
					if tt.refuse {
						return errStop
					}
					return nil
				},
				BeforeWrite: func(int) error { before++; return nil }}
			_, err := ConvertTo([]string{tt.path}, opts, out)
			if len(calls) != tt.wantCalls {
				t.Fatalf("CreatesUsers called %d times (%q), want %d", len(calls), calls, tt.wantCalls)
			}
			if tt.wantCalls > 0 && calls[0] == "" {
				t.Error("CreatesUsers was not given the employee")
			}
			refused := tt.refuse && tt.wantCalls > 0
			if refused != errors.Is(err, errStop) || !refused && err != nil {
				t.Fatalf("err = %v, refused %t", err, refused)
			}
			_, statErr := os.Stat(filepath.Join(out, "report.json"))
			left, _ := filepath.Glob(filepath.Join(out, "*"))
			switch {
			case refused && (before != 0 || len(left) != 0):
				t.Errorf("a refused run called BeforeWrite %d times and left %v", before, left)
			case !refused && (before != 1 || statErr != nil):
				t.Errorf("an allowed run called BeforeWrite %d times, report.json: %v", before, statErr)
			}
		})
	}
}
