package plan

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

func encodeAll(t *testing.T, p *Plan) [][]byte {
	t.Helper()
	var out [][]byte
	for _, r := range p.Requests {
		var b bytes.Buffer
		if err := r.Encode(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b.Bytes())
	}
	return out
}

// TestDeterminism builds the same input repeatedly, with different numbers
// of workers, and expects identical bytes.
func TestDeterminism(t *testing.T) {
	sets := genSets(700)
	var first [][]byte
	for i, w := range []int{1, 2, 4, 3} {
		p, err := Build(sets, Options{CompanyID: "c", Workers: w, MaxBytes: 64 * 1024})
		if err != nil {
			t.Fatal(err)
		}
		got := encodeAll(t, p)
		if i == 0 {
			first = got
			continue
		}
		if len(got) != len(first) {
			t.Fatalf("workers=%d: %d requests, first build %d", w, len(got), len(first))
		}
		for j := range got {
			if !bytes.Equal(got[j], first[j]) {
				t.Fatalf("workers=%d: request %d differs", w, j+1)
			}
		}
	}
}

// TestGeneratedPlan checks the invariants on a large generated input: the
// limits, phase order, the rebuilt data and encoding/json agreeing with the
// encoding, and the counts.
func TestGeneratedPlan(t *testing.T) {
	const n = 450
	sets := genSets(n)
	o := Options{CompanyID: "c", MaxBytes: 100 * 1024}
	p, err := Build(sets, o)
	if err != nil {
		t.Fatal(err)
	}
	render(t, p, o) // checks sizes, limits, phases and encoding/json equality
	if s := p.Stats; s.UsersCreated != n || s.Operations != [3]int{0, n, n} || s.Requests != len(p.Requests) || s.UsersUpdated != 0 {
		t.Errorf("stats %+v", s)
	}
	for _, r := range p.Requests {
		if r.Phase == PhaseIdentity && r.Size() > 100*1024 {
			t.Errorf("request %d has %d bytes", r.Seq, r.Size())
		}
	}
	if p.Stats.RequestsPerPhase[PhaseIdentity] < 2 {
		t.Errorf("phase 1 of %d users at ~4.5 KB each fits %d requests of 100 KB", n, p.Stats.RequestsPerPhase[PhaseIdentity])
	}
}

func TestChunkingAtMaxOps(t *testing.T) {
	if p, err := Build(nil, Options{}); err != nil || len(p.Requests) != 0 || p.Stats != (Stats{}) {
		t.Errorf("empty input: %+v, %v", p, err)
	}
	for _, tc := range []struct{ users, max, requests int }{{1, 1, 1}, {100, 100, 1}, {101, 100, 2}, {250, 100, 3}, {6, 3, 2}, {7, 3, 3}} {
		var sets []*model.ChangeSet
		for i := range tc.users {
			sets = append(sets, &model.ChangeSet{EmployeeID: "E" + itoa(i), Attrs: []model.Attr{set(model.SchemaCore, "title", "T")}, Records: []model.Position{{File: "f", Line: i + 1}}})
		}
		p, err := Build(sets, Options{MaxOps: tc.max})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Requests) != tc.requests {
			t.Errorf("%d users by %d: %d requests, want %d", tc.users, tc.max, len(p.Requests), tc.requests)
		}
		total := 0
		for _, r := range p.Requests {
			if len(r.Operations) > tc.max {
				t.Errorf("request with %d operations", len(r.Operations))
			}
			total += len(r.Operations)
		}
		if total != tc.users {
			t.Errorf("%d operations, want %d", total, tc.users)
		}
	}
}

// TestChunkingAtMaxBytes fills requests to exactly the byte limit.
func TestChunkingAtMaxBytes(t *testing.T) {
	sets := []*model.ChangeSet{}
	for i := range 5 {
		sets = append(sets, &model.ChangeSet{EmployeeID: "E" + itoa(i), Attrs: []model.Attr{set(model.SchemaCore, "title", "T")}})
	}
	one, err := Build(sets[:1], Options{})
	if err != nil {
		t.Fatal(err)
	}
	two, err := Build(sets[:2], Options{})
	if err != nil {
		t.Fatal(err)
	}
	per := two.Requests[0].Size() - one.Requests[0].Size()
	limit := one.Requests[0].Size() + per // exactly two operations
	p, err := Build(sets, Options{MaxBytes: limit})
	if err != nil {
		t.Fatal(err)
	}
	var counts []int
	for _, r := range p.Requests {
		counts = append(counts, len(r.Operations))
		if r.Size() > limit {
			t.Errorf("request %d: %d bytes over %d", r.Seq, r.Size(), limit)
		}
	}
	if want := []int{2, 2, 1}; !equalInts(counts, want) {
		t.Errorf("operations per request %v, want %v", counts, want)
	}
	if p, err = Build(sets, Options{MaxBytes: limit - 1}); err != nil || len(p.Requests) != 5 {
		t.Errorf("one byte less: %v requests, %v", len(p.Requests), err)
	}
}

func equalInts(a, b []int) bool {
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

func TestSourceAt(t *testing.T) {
	sets, o := loadCase(t, "testdata/cases/merged.json")
	p, err := Build(sets, o)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		req     int
		pointer string
		want    string
		ok      bool
	}{
		{0, "/Operations/0/data/name/givenName", "feed.txt:2:2", true},
		{0, "/Operations/0/data/name/givenName/x", "feed.txt:2:2", true},
		{0, "/Operations/0/data/urn:ietf:params:scim:schemas:extension:spend:2.0:User/customData/1/value", "feed.txt:2:23", true},
		{0, "/Operations/0/data/urn:ietf:params:scim:schemas:extension:spend:2.0:User/customData/1/id", "feed.txt:2:23", true},
		{0, "/Operations/0/data/phoneNumbers/1/primary", "feed.txt:5:15", true},
		{0, "/Operations/0/data/name", "feed.txt:2", true},
		{0, "/Operations/0/bulkId", "feed.txt:2", true},
		{0, "/Operations/2/data/Operations/9/path", "feed.txt:7:3", true},
		{1, "/Operations/0/data/Operations/0/value/urn:ietf:params:scim:schemas:extension:spend:2.0:Approver/report/1/approver", "feed.txt:2:80", true},
		{1, "/Operations/0/data/Operations/3/value/0/temporaryDelegation/temporaryDelegationToDate", "feed.txt:9:10", true},
		{0, "/Operations/9/data", "", false},
		{0, "/schemas/0", "", false},
		{7, "/Operations/0", "", false},
	}
	for _, tt := range tests {
		got, ok := p.SourceAt(tt.req, tt.pointer)
		if ok != tt.ok || (ok && got.String() != tt.want) {
			t.Errorf("SourceAt(%d, %q) = %s, %v; want %s, %v", tt.req, tt.pointer, got, ok, tt.want, tt.ok)
		}
	}
	if _, row, _ := p.Requests[0].SourceAt("/Operations/0/data/userName"); row != "305.csv:6" {
		t.Errorf("row %q, want 305.csv:6", row)
	}
	// Lineage computes concurrently without races.
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range p.Requests {
				for _, op := range r.Operations {
					if len(op.Sources()) == 0 {
						t.Error("no sources")
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestTreeAndWarnings(t *testing.T) {
	sets := []*model.ChangeSet{
		{EmployeeID: "E1", Creates: true, Attrs: []model.Attr{set(model.SchemaEnterprise, "employeeNumber", "OLD")}, Records: []model.Position{{File: "f", Line: 1}}},
		{EmployeeID: "E2", Attrs: []model.Attr{set(model.SchemaEnterprise, "companyId", "X"), set(model.SchemaCore, "title", "T")}, Records: []model.Position{{File: "f", Line: 2}}},
		{EmployeeID: "E3", Creates: true, Rename: &model.Rename{From: "E0", NewEmployeeID: "E3", Source: src(3, "3")}, Records: []model.Position{{File: "f", Line: 3}}},
	}
	dir, _ := NewDirectory([]DirEntry{{EmployeeNumber: "E9", ID: "u9"}})
	p, err := Build(sets, Options{Directory: dir, FailOnErrors: new(int)})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, w := range p.Warnings {
		msgs = append(msgs, w.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{`employee number "OLD" differs`, "companyId cannot change", `employee "E2" is not in the directory`, `renamed from "E0" is not in the directory`} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}
	if p.Stats.Renames != 0 || p.Stats.UsersCreated != 2 || p.Stats.UsersUpdated != 1 {
		t.Errorf("stats %+v", p.Stats)
	}
	tree := p.Requests[0].Tree()
	b, err := json.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	var fromTree, fromBytes any
	if err := json.Unmarshal(b, &fromTree); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(p.Requests[0].Bytes(), &fromBytes); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromTree, fromBytes) {
		t.Errorf("Tree %s\nbytes %s", b, p.Requests[0].Bytes())
	}
	if !strings.Contains(string(b), `"failOnErrors":0`) {
		t.Errorf("failOnErrors missing: %s", b)
	}
	// Data is a fresh tree each call: changing one does not change the next.
	d := p.Requests[0].Operations[0].Data().(map[string]any)
	d["userName"] = "changed"
	if _, has := p.Requests[0].Operations[0].Data().(map[string]any)["userName"]; has {
		t.Error("Data shares its tree between calls")
	}
}

// TestCreateAndRename: a user created and renamed in the same run is one
// create under the new Employee ID and login, with or without a directory
// that lacks the old ID; a directory that has it makes it a rename and an
// update.
func TestCreateAndRename(t *testing.T) {
	mk := func() []*model.ChangeSet {
		return []*model.ChangeSet{{EmployeeID: "N1", Creates: true,
			Rename:  &model.Rename{From: "O1", NewEmployeeID: "N1", NewLogin: "new@x.example", Source: src(2, "3")},
			Attrs:   []model.Attr{set(model.SchemaCore, "name.givenName", "Ann")},
			Records: []model.Position{{File: "f", Line: 1}, {File: "f", Line: 2}}}}
	}
	empty, _ := NewDirectory(nil)
	has, _ := NewDirectory([]DirEntry{{EmployeeNumber: "O1", ID: "u1"}})
	tests := []struct {
		name    string
		dir     *Directory
		methods []string
		warn    string
	}{
		{"no directory", nil, []string{"POST /Users"}, "created and renamed from O1 in this run"},
		{"not in the directory", empty, []string{"POST /Users"}, `renamed from "O1" is not in the directory`},
		{"in the directory", has, []string{"PATCH /Users/u1", "PATCH /Users/u1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(mk(), Options{Directory: tt.dir})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range p.Requests {
				for _, op := range r.Operations {
					got = append(got, op.Method+" "+op.Path)
					if op.Method == "POST" {
						body := string(op.Encoded())
						if !strings.Contains(body, `"userName":"new@x.example"`) || !strings.Contains(body, `"employeeNumber":"N1"`) {
							t.Errorf("create is not under the new ID and login: %s", body)
						}
					}
				}
			}
			if !reflect.DeepEqual(got, tt.methods) {
				t.Errorf("operations %v, want %v", got, tt.methods)
			}
			var msgs []string
			for _, w := range p.Warnings {
				msgs = append(msgs, w.String())
			}
			if all := strings.Join(msgs, "\n"); tt.warn != "" && !strings.Contains(all, tt.warn) || tt.warn == "" && all != "" {
				t.Errorf("warnings %q, want %q", all, tt.warn)
			}
		})
	}
}

// TestLeaveOut: the extensions of ChangeSet.LeaveOut are left out of a
// created user (values and references into them), and kept in an update.
func TestLeaveOut(t *testing.T) {
	mk := func() []*model.ChangeSet {
		return []*model.ChangeSet{{EmployeeID: "E1", Creates: true, LeaveOut: []string{model.SchemaTravel},
			Attrs: []model.Attr{set(model.SchemaCore, "name.givenName", "Ann"), set(model.SchemaTravel, "orgUnit", "Sales"),
				set(model.SchemaSpendUser, "country", "US")},
			Refs:    []model.Ref{{Kind: model.RefManager, Schema: model.SchemaTravel, Path: "manager", Target: "E2"}},
			Records: []model.Position{{File: "f", Line: 1}}}}
	}
	has, _ := NewDirectory([]DirEntry{{EmployeeNumber: "E1", ID: "u1"}, {EmployeeNumber: "E2", ID: "u2"}})
	for _, tt := range []struct {
		name     string
		dir      *Directory
		travel   bool
		requests int
	}{{"created", nil, false, 1}, {"updated", has, true, 2}} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(mk(), Options{Directory: tt.dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Requests) != tt.requests {
				t.Fatalf("%d requests, want %d", len(p.Requests), tt.requests)
			}
			body := string(p.Requests[0].Operations[0].Encoded())
			if got := strings.Contains(body, "travel"); got != tt.travel {
				t.Errorf("travel sent %t, want %t: %s", got, tt.travel, body)
			}
			if !strings.Contains(body, `"US"`) {
				t.Errorf("the complete extension is not sent: %s", body)
			}
		})
	}
}

// TestRequires: with Options.Requires, an extension a full body would
// carry without an attribute UPS requires with it is left out of the
// body, as ChangeSet.LeaveOut leaves it out, and listed in Plan.LeftOut;
// a PATCH is not a full body.
func TestRequires(t *testing.T) {
	reqs := []Requirement{{URN: model.SchemaEnterprise, Attrs: []string{"employeeNumber", "costCenter"}},
		{URN: model.SchemaSpendUser, Attrs: []string{"country", "locale", "reimbursementCurrency"}},
		{URN: model.SchemaTravel, Attrs: []string{"ruleClass"}}}
	mk := func(leaveOut ...string) []*model.ChangeSet {
		var sets []*model.ChangeSet
		for i, emp := range []string{"E1", "E2", "E3", "E4"} {
			cs := &model.ChangeSet{EmployeeID: emp, Creates: true, LeaveOut: leaveOut,
				Attrs: []model.Attr{set(model.SchemaCore, "name.givenName", "Ann"), set(model.SchemaTravel, "orgUnit", "Sales"),
					set(model.SchemaSpendUser, "country", "US")},
				Refs:    []model.Ref{{Kind: model.RefManager, Schema: model.SchemaTravel, Path: "manager", Target: "E9"}},
				Records: []model.Position{{File: "f", Line: i + 1}}}
			if emp == "E3" { // complete
				cs.Attrs = append(cs.Attrs, set(model.SchemaSpendUser, "locale", "en_US"), set(model.SchemaSpendUser, "reimbursementCurrency", "USD"),
					set(model.SchemaTravel, "ruleClass.name", "Default"))
			}
			sets = append(sets, cs)
		}
		return sets
	}
	known, _ := NewDirectory([]DirEntry{{EmployeeNumber: "E2", ID: "u2"}, {EmployeeNumber: "E4", ID: "u4"}})
	for _, tt := range []struct {
		name string
		opts Options
		left []string // employees whose spend and travel are left out
	}{
		{"created", Options{Requires: reqs}, []string{"E1", "E2", "E4"}},
		{"not asked", Options{}, nil},
		{"updated by PATCH", Options{Requires: reqs, Directory: known}, []string{"E1"}},
		{"replaced by PUT", Options{Requires: reqs, Directory: known, Replace: true}, []string{"E1", "E2", "E4"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Build(mk(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, lo := range p.LeftOut {
				if lo.URN == model.SchemaSpendUser {
					if !slices.Equal(lo.Missing, []string{"locale", "reimbursementCurrency"}) {
						t.Errorf("%s: spend missing %v", lo.Employee, lo.Missing)
					}
					left = append(left, lo.Employee)
				}
			}
			if !slices.Equal(left, tt.left) || len(p.LeftOut) != 2*len(tt.left) {
				t.Fatalf("left out %+v, want spend and travel of %v", p.LeftOut, tt.left)
			}
			// The same plan as one given the left-out extensions.
			sets := mk()
			for _, lo := range p.LeftOut {
				cs := sets[lo.Set]
				if cs.EmployeeID != lo.Employee {
					t.Fatalf("LeftOut %+v: set %d is %s", lo, lo.Set, cs.EmployeeID)
				}
				cs.LeaveOut = append(cs.LeaveOut, lo.URN)
			}
			o := tt.opts
			o.Requires = nil
			want, err := Build(sets, o)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := planBytes(t, p), planBytes(t, want); g != w {
				t.Errorf("plan\n%s\nwith LeaveOut given\n%s", g, w)
			}
			// Lineage rebuilds start from the change set with them left
			// out: every value traces as in the plan given them.
			ptrs := []string{"/name/givenName", "/urn:ietf:params:scim:schemas:extension:spend:2.0:User/country",
				"/urn:ietf:params:scim:schemas:extension:travel:2.0:User/orgUnit", "/Operations/0/value"}
			for ri, r := range p.Requests {
				for oi, op := range r.Operations {
					got, want := op.SourcesAt(ptrs), want.Requests[ri].Operations[oi].SourcesAt(ptrs)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("%s %s: sources %+v, given LeaveOut %+v", op.Method, op.Employee, got, want)
					}
				}
			}
		})
	}
}

func planBytes(t *testing.T, p *Plan) string {
	t.Helper()
	var b strings.Builder
	for _, r := range p.Requests {
		if err := r.Encode(&b); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// TestSourcesAtMatchesSourceAt: the targeted rebuild of SourcesAt resolves
// every pointer (each value's, one below it, and ones nothing produced) as
// the whole lineage does, on every case.
func TestSourcesAtMatchesSourceAt(t *testing.T) {
	cases, err := filepath.Glob("testdata/cases/*.json")
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	checked := 0
	for _, c := range cases {
		sets, o := loadCase(t, c)
		whole, err := Build(sets, o)
		if err != nil {
			continue // a case of a failing build
		}
		targeted, err := Build(sets, o)
		if err != nil {
			t.Fatal(err)
		}
		for ri, r := range whole.Requests {
			for oi, op := range r.Operations {
				var ptrs []string
				for p := range op.Sources() {
					ptrs = append(ptrs, p, p+"/below", p+"/0")
				}
				ptrs = append(ptrs, "/nothing/here", "")
				slices.Sort(ptrs)
				top := targeted.Requests[ri].Operations[oi]
				got := top.SourcesAt(ptrs)
				for k, p := range ptrs {
					src, row, ok := op.SourceAt(p)
					want := Resolved{Source: src, Row: row, OK: ok}
					if got[k] != want {
						t.Errorf("%s: request %d op %d: SourcesAt(%q) = %+v, SourceAt = %+v", c, ri+1, oi, p, got[k], want)
					}
					// Alone, a pointer a value sets is resolved from the
					// values without a rebuild (userLazy.direct).
					if one := top.SourcesAt([]string{p}); one[0] != want {
						t.Errorf("%s: request %d op %d: SourcesAt(%q) alone = %+v, SourceAt = %+v", c, ri+1, oi, p, one[0], want)
					}
					checked++
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no pointer checked")
	}
}
