// Package targettest is the conformance suite of target.Target, in the
// manner of golang-migrate's source/testing: Run checks what submit relies
// on, against any target (the UPS client on the sandbox, the SCIM client on
// a fake or a real SCIM server).
package targettest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/target"
)

// Fixture describes the target under test.
type Fixture struct {
	// CompanyID is the enterprise companyId of the users created (UPS
	// requires the token's company); "" leaves it out.
	CompanyID string
	// Prefix starts the employee numbers and userNames the suite creates;
	// "" picks a random one (servers that keep users across runs).
	Prefix string
	// UserNamesIgnoreCase: the target finds a userName in any case (UPS).
	UserNamesIgnoreCase bool
	// PollInterval and Timeout bound the wait for an asynchronous
	// provision (defaults 20 ms and 30 s).
	PollInterval, Timeout time.Duration
}

// Run runs the suite. newTarget is called once per subtest and returns a
// target to test (a fresh server or the same one) and its fixture.
func Run(t *testing.T, newTarget func(t *testing.T) (target.Target, Fixture)) {
	t.Run("Prepare", func(t *testing.T) { testPrepare(t, newTarget) })
	t.Run("CreateThenLookup", func(t *testing.T) { testCreateThenLookup(t, newTarget) })
	t.Run("ResultsPerOperation", func(t *testing.T) { testResultsPerOperation(t, newTarget) })
	t.Run("PatchByUUID", func(t *testing.T) { testPatchByUUID(t, newTarget) })
	t.Run("BadOperationIsAResult", func(t *testing.T) { testBadOperation(t, newTarget) })
	t.Run("LookupUnknown", func(t *testing.T) { testLookupUnknown(t, newTarget) })
}

// env is one subtest's target.
type env struct {
	t   *testing.T
	tg  target.Target
	fx  Fixture
	ctx context.Context
}

func setup(t *testing.T, newTarget func(t *testing.T) (target.Target, Fixture)) *env {
	t.Helper()
	tg, fx := newTarget(t)
	if fx.Prefix == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		fx.Prefix = "T" + strings.ToUpper(hex.EncodeToString(b[:]))
	}
	if fx.PollInterval <= 0 {
		fx.PollInterval = 20 * time.Millisecond
	}
	if fx.Timeout <= 0 {
		fx.Timeout = 30 * time.Second
	}
	e := &env{t: t, tg: tg, fx: fx, ctx: t.Context()}
	if _, err := tg.Prepare(e.ctx); err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return e
}

// person is a user the suite creates.
type person struct {
	emp, login string
}

// seq numbers the people of a test process.
var seq atomic.Int64

func (e *env) newPerson() person {
	emp := fmt.Sprintf("%s-%d", e.fx.Prefix, seq.Add(1))
	return person{emp: emp, login: strings.ToLower(emp) + "@example.com"}
}

// createOp is the POST of p, as convert writes it.
func (e *env) createOp(p person) map[string]any {
	ent := map[string]any{"employeeNumber": p.emp}
	if e.fx.CompanyID != "" {
		ent["companyId"] = e.fx.CompanyID
	}
	return map[string]any{"method": "POST", "path": "/Users", "bulkId": "emp-" + p.emp, "data": map[string]any{
		"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"userName": p.login,
		"active":   true,
		"name":     map[string]any{"givenName": "Given", "familyName": "Family " + p.emp},
		"emails":   []any{map[string]any{"type": "work", "value": p.login}},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": ent,
	}}
}

func patchOp(path string, ops ...map[string]any) map[string]any {
	return map[string]any{"method": "PATCH", "path": path, "data": map[string]any{
		"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"}, "Operations": ops}}
}

// send posts ops and returns the final result of every operation (polling
// an asynchronous target until its provision completes), by index.
func (e *env) send(ops ...map[string]any) map[int]target.OpResult {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}, "Operations": ops})
	if err != nil {
		e.t.Fatal(err)
	}
	acc, err := e.tg.Send(e.ctx, body, len(ops))
	if err != nil {
		e.t.Fatalf("Send: %v", err)
	}
	if acc.Attempts < 1 {
		e.t.Errorf("Accepted.Attempts = %d, want ≥ 1", acc.Attempts)
	}
	results := acc.Results
	if acc.ProvisionID != "" {
		results = e.wait(acc.ProvisionID)
	} else if results == nil {
		e.t.Fatalf("Send answered neither a provision id nor results: %+v", acc)
	}
	out := map[int]target.OpResult{}
	for _, r := range results {
		if _, dup := out[r.Index]; dup {
			e.t.Errorf("two results for operation %d", r.Index)
		}
		if !r.Completed {
			e.t.Errorf("operation %d is not completed: %+v", r.Index, r)
		}
		out[r.Index] = r
	}
	if len(out) != len(ops) {
		e.t.Fatalf("%d results for %d operations: %+v", len(out), len(ops), results)
	}
	return out
}

func (e *env) wait(id string) []target.OpResult {
	e.t.Helper()
	deadline := time.Now().Add(e.fx.Timeout)
	for {
		st, err := e.tg.Status(e.ctx, id)
		if err != nil {
			e.t.Fatalf("Status: %v", err)
		}
		if st.ID != id {
			e.t.Errorf("Status.ID = %q, want %q", st.ID, id)
		}
		if st.Completed {
			ops, err := e.tg.Operations(e.ctx, id)
			if err != nil {
				e.t.Fatalf("Operations: %v", err)
			}
			if len(ops) != st.Total {
				e.t.Errorf("%d operations, status counts %d", len(ops), st.Total)
			}
			return ops
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("provision %s not completed after %s", id, e.fx.Timeout)
		}
		time.Sleep(e.fx.PollInterval)
	}
}

// create creates people and returns their user ids.
func (e *env) create(ps ...person) []string {
	e.t.Helper()
	var ops []map[string]any
	for _, p := range ps {
		ops = append(ops, e.createOp(p))
	}
	res := e.send(ops...)
	ids := make([]string, len(ps))
	for i, p := range ps {
		r := res[i]
		if !r.Success || r.UserID == "" {
			e.t.Fatalf("create %s: %+v (%s)", p.emp, r, messages(r))
		}
		ids[i] = r.UserID
	}
	return ids
}

// messages are all messages of a result, its extensions' included.
func messages(r target.OpResult) []target.Message {
	out := append([]target.Message(nil), r.Messages...)
	for _, x := range r.Extensions {
		out = append(out, x.Messages...)
	}
	return out
}

func testPrepare(t *testing.T, newTarget func(t *testing.T) (target.Target, Fixture)) {
	tg, _ := newTarget(t)
	info, err := tg.Prepare(t.Context())
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if info.BaseURL == "" || info.MaxOps < 1 || info.MaxOps > target.DefaultMaxOps || info.MaxBytes < 1 || info.MaxBytes > target.DefaultMaxBytes {
		t.Errorf("Info = %+v", info)
	}
	if f := tg.Flavor(); f != "ups" && f != "scim" {
		t.Errorf("Flavor = %q", f)
	}
}

func testCreateThenLookup(t *testing.T, newTarget func(t *testing.T) (target.Target, Fixture)) {
	e := setup(t, newTarget)
	p := e.newPerson()
	id := e.create(p)[0]
	byEmp, err := e.tg.LookupEmployees(e.ctx, []string{p.emp})
	if err != nil {
		t.Fatalf("LookupEmployees: %v", err)
	}
	if u, ok := byEmp[p.emp]; !ok || u.ID != id {
		t.Errorf("LookupEmployees(%s) = %+v, want id %s", p.emp, byEmp, id)
	}
	login := p.login
	if e.fx.UserNamesIgnoreCase {
		login = strings.ToUpper(login)
	}
	byLogin, err := e.tg.LookupUserNames(e.ctx, []string{login})
	if err != nil {
		t.Fatalf("LookupUserNames: %v", err)
	}
	if u, ok := byLogin[login]; !ok || u.ID != id || !strings.EqualFold(u.UserName, p.login) {
		t.Errorf("LookupUserNames(%s) = %+v, want id %s", login, byLogin, id)
	}
}

func testResultsPerOperation(t *testing.T, newTarget func(t *testing.T) (target.Target, Fixture)) {
	e := setup(t, newTarget)
	ps := []person{e.newPerson(), e.newPerson(), e.newPerson()}
	ids := e.create(ps...)
	seen := map[string]bool{}
	for i, id := range ids {
		if seen[id] {
			t.Errorf("user id %s given to two operations", id)
		}
		seen[id] = true
		got, err := e.tg.LookupEmployees(e.ctx, []string{ps[i].emp})
		if err != nil {
			t.Fatal(err)
		}
		if got[ps[i].emp].ID != id {
			t.Errorf("operation %d: user id %s, lookup finds %+v", i, id, got)
		}
	}
}

func testPatchByUUID(t *testing.T, newTarget func(t *testing.T) (target.Target, Fixture)) {
	e := setup(t, newTarget)
	p := e.newPerson()
	id := e.create(p)[0]
	res := e.send(patchOp("/Users/"+id, map[string]any{"op": "replace", "path": "name.familyName", "value": "Patched"}))
	r := res[0]
	if !r.Success {
		t.Fatalf("PATCH by id: %+v (%s)", r, messages(r))
	}
	if r.UserID != "" && r.UserID != id {
		t.Errorf("PATCH result user id %s, want %s", r.UserID, id)
	}
}

func testBadOperation(t *testing.T, newTarget func(t *testing.T) (target.Target, Fixture)) {
	e := setup(t, newTarget)
	p := e.newPerson()
	missing := "00000000-0000-4000-8000-" + strings.Repeat("0", 11) + "1"
	res := e.send(e.createOp(p), patchOp("/Users/"+missing, map[string]any{"op": "replace", "path": "active", "value": false}))
	if !res[0].Success {
		t.Errorf("the good operation failed: %+v (%s)", res[0], messages(res[0]))
	}
	bad := res[1]
	if bad.Success {
		t.Fatalf("PATCH of a missing user succeeded: %+v", bad)
	}
	if bad.Code == "" || bad.Code[0] != '4' {
		t.Errorf("failed operation code %q, want 4xx", bad.Code)
	}
	if len(messages(bad)) == 0 {
		t.Errorf("failed operation has no message: %+v", bad)
	}
}

func testLookupUnknown(t *testing.T, newTarget func(t *testing.T) (target.Target, Fixture)) {
	e := setup(t, newTarget)
	p := e.newPerson()
	got, err := e.tg.LookupEmployees(e.ctx, []string{p.emp, p.emp + "-2"})
	if err != nil || len(got) != 0 {
		t.Errorf("LookupEmployees of unknown numbers = %v, %v; want nothing", got, err)
	}
	got, err = e.tg.LookupUserNames(e.ctx, []string{p.login})
	if err != nil || len(got) != 0 {
		t.Errorf("LookupUserNames of an unknown login = %v, %v; want nothing", got, err)
	}
	if got, err := e.tg.LookupEmployees(e.ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("LookupEmployees(nil) = %v, %v", got, err)
	}
}
