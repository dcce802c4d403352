package sandbox

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// try sends a request like do but returns transport errors (a dropped
// connection) instead of failing the test; safe from any goroutine.
func (c *tclient) try(method, path string, body any) (resp, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return resp{}, err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return resp{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return resp{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, body: data}
	_ = json.Unmarshal(data, &r.json)
	return r, err
}

// userID looks a user up by employee number with the identity filter a
// client uses; "" when not found.
func (c *tclient) userID(emp string) string {
	c.t.Helper()
	l := c.do("GET", "/profile/identity/v4/Users?filter="+url.QueryEscape(`employeeNumber eq "`+emp+`"`), nil)
	if l.status != 200 {
		c.t.Fatalf("lookup %s: %d %s", emp, l.status, l.body)
	}
	id, _ := get(l.json, "Resources.0.id").(string)
	return id
}

// waitUser polls the identity lookup until emp exists (or not, when gone).
func (c *tclient) waitUser(emp string, exists bool) string {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		id := c.userID(emp)
		if (id != "") == exists {
			return id
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("user %s exists=%v never reached", emp, exists)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func approverData(emp string) map[string]any {
	return map[string]any{"report": []any{map[string]any{"approver": map[string]any{"employeeNumber": emp}, "primary": true}}}
}

func TestResourceIDInStatus(t *testing.T) {
	c := startSandbox(t, Config{Users: 3})
	co := c.srv.Credentials().CompanyID
	e1, e2, e3 := c.userID("E00001"), c.userID("E00002"), c.userID("E00003")
	badSpend := newUser(co, "RB2")
	badSpend[urnSpend].(map[string]any)["reimbursementCurrency"] = "XYZ"
	put := newUser(co, "E00001")
	put["id"] = e1
	id := c.bulk(postOp("a", newUser(co, "RB1")), postOp("b", badSpend),
		map[string]any{"method": "PATCH", "path": "/Users/bulkId:a", "data": patchOpData(map[string]any{"op": "replace", "path": "title", "value": "T"})},
		map[string]any{"method": "PUT", "path": "/Users/" + e1, "data": put},
		map[string]any{"method": "DELETE", "path": "/Users/" + e2})
	st := c.waitDone(id)
	rb1, rb2 := c.userID("RB1"), c.userID("RB2")
	for i, want := range []string{rb1, rb2, rb1, e1, e2} {
		op := get(st, "operations."+string(rune('0'+i)))
		if want == "" || get(op, "resource.id") != want || get(op, "resource.type") != "User" || get(op, "status.completed") != true {
			t.Errorf("bulk operation %d: resource %v, want %q: %v", i, get(op, "resource"), want, op)
		}
	}
	if op := get(st, "operations.1"); get(op, "status.success") != false || get(extOf(op, urnSpend), "status.result") != "error" {
		t.Errorf("invalid currency did not fail the spend extension: %v", op)
	}

	// Single-user writes: POST, PATCH and PUT each have a provision whose
	// one operation names the user.
	single := func(name, method, path string, body any, want string) {
		t.Helper()
		r := c.do(method, path, body)
		if r.status/100 != 2 {
			t.Fatalf("%s: %d %s", name, r.status, r.body)
		}
		if want == "" {
			want = r.json["id"].(string)
		}
		st := c.waitDone(get(r.json, "meta.provisionId").(string))
		if got := get(st, "operations.0.resource.id"); got != want {
			t.Errorf("%s: resource.id %v, want %s: %v", name, got, want, st)
		}
	}
	single("POST", "POST", "/profile/v4/Users", newUser(co, "RS1"), "")
	single("POST with a failing extension", "POST", "/profile/v4/Users", badSpendUser(co, "RS2"), "")
	single("PATCH", "PATCH", "/profile/v4/Users/"+e3, patchOpData(map[string]any{"op": "add", "path": urnApprover, "value": approverData("E00001")}), e3)
	put3 := newUser(co, "E00003")
	put3["id"] = e3
	single("PUT", "PUT", "/profile/v4/Users/"+e3, put3, e3)

	// An injected extension failure keeps resource.id too.
	f := startSandbox(t, Config{ExtFailRate: 1})
	r := f.do("POST", "/profile/v4/Users", newUser(f.srv.Credentials().CompanyID, "RF1"))
	st = f.waitDone(get(r.json, "meta.provisionId").(string))
	if get(st, "operations.0.resource.id") != r.json["id"] || get(st, "operations.0.status.success") != false {
		t.Errorf("POST with an injected extension failure: %v", st)
	}
}

func badSpendUser(co, emp string) map[string]any {
	u := newUser(co, emp)
	u[urnSpend].(map[string]any)["reimbursementCurrency"] = "XYZ"
	return u
}

func TestExtFailRate(t *testing.T) {
	c := startSandbox(t, Config{ExtFailRate: 1, Users: 1})
	co := c.srv.Credentials().CompanyID
	u := newUser(co, "EF1")
	u[urnApprover] = approverData("E00001")
	st := c.waitDone(c.bulk(postOp("ef1", u)))
	op := get(st, "operations.0")
	uid := c.userID("EF1")
	if uid == "" {
		t.Fatal("the identity was not written")
	}
	if get(st, "status.completed") != true || get(st, "status.success") != false || get(st, "operationsCount.failed") != 1.0 ||
		get(op, "status.completed") != true || get(op, "status.success") != false || get(op, "status.code") != "400" || get(op, "resource.id") != uid {
		t.Fatalf("status: %v", st)
	}
	for _, urn := range []string{urnCore, urnEnterprise} {
		if e := extOf(op, urn); get(e, "status.result") != "success" || get(e, "status.success") != true {
			t.Errorf("%s: %v", urn, e)
		}
	}
	for urn, attr := range map[string]string{urnSpend: "country", urnApprover: "report"} {
		e := extOf(op, urn)
		if get(e, "status.result") != "error" || get(e, "status.success") != false || get(e, "status.code") != "400" ||
			get(e, "messages.0.code") != "INVALID_VALUE" || get(e, "messages.0.message") != "injected extension failure (--ext-fail-rate)" ||
			get(e, "messages.0.schemaPath") != urn+":"+attr || get(e, "messages.0.type") != "error" {
			t.Errorf("%s: %v", urn, e)
		}
	}
	if e := extOf(op, urnRole); get(e, "status.result") != "no-op" {
		t.Errorf("an extension not written failed: %v", e)
	}
	if g := c.do("GET", "/profile/spend/v4.1/Users/"+uid, nil); g.status != 404 {
		t.Errorf("spend profile after an injected failure: %d %s", g.status, g.body)
	}
	// A PATCH names the attribute of its path.
	p := c.do("PATCH", "/profile/v4/Users/"+uid, patchOpData(map[string]any{"op": "add", "path": urnApprover + ":report", "value": approverData("E00001")["report"]}))
	if p.status != 200 {
		t.Fatalf("PATCH: %d %s", p.status, p.body)
	}
	st = c.waitDone(get(p.json, "meta.provisionId").(string))
	if e := extOf(get(st, "operations.0"), urnApprover); get(e, "messages.0.schemaPath") != urnApprover+":report" || get(st, "operations.0.resource.id") != uid {
		t.Errorf("PATCH status: %v", st)
	}

	// At 0.5 the draws come from the extension stream of the seed: pick a
	// seed whose first draw keeps spend and whose second fails approver.
	seed := int64(1)
	for ; ; seed++ {
		rng := newRng(seed, streamExtension)
		if rng.Float64() >= 0.5 && rng.Float64() < 0.5 {
			break
		}
	}
	h := startSandbox(t, Config{ExtFailRate: 0.5, Seed: seed, Users: 1})
	u = newUser(h.srv.Credentials().CompanyID, "EF2")
	u[urnApprover] = approverData("E00001")
	st = h.waitDone(h.bulk(postOp("ef2", u)))
	op = get(st, "operations.0")
	if get(extOf(op, urnSpend), "status.result") != "success" || get(extOf(op, urnApprover), "status.result") != "error" || get(op, "status.success") != false {
		t.Fatalf("seed %d: %v", seed, op)
	}
	uid = h.userID("EF2")
	full := h.do("GET", "/profile/v4/Users/"+uid, nil)
	if full.status != 200 || get(full.json, urnSpend+".country") != "US" || full.json[urnApprover] != nil {
		t.Errorf("user after a partial failure: %d %s", full.status, full.body)
	}
}

func TestApplyDrop(t *testing.T) {
	var logs safeBuffer
	dbPath := filepath.Join(t.TempDir(), "sandbox.db")
	c := startSandbox(t, Config{ApplyDropRate: 1, Users: 3, DB: dbPath, Log: &logs})
	co := c.srv.Credentials().CompanyID
	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	inDB := func(emp string) int {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM users WHERE employee_number = ?", strings.ToLower(emp)).Scan(&n); err != nil {
			t.Fatalf("query: %v", err)
		}
		return n
	}
	dropped := func(what, method, path string, body any) {
		t.Helper()
		if r, err := c.try(method, path, body); err == nil {
			t.Fatalf("%s: got %d %s, want a closed connection", what, r.status, r.body)
		}
	}

	dropped("POST /Users", "POST", "/profile/v4/Users", newUser(co, "AD1"))
	if inDB("AD1") != 1 {
		t.Error("POST: the user is not committed to the DB when the answer is dropped")
	}
	if c.userID("AD1") == "" {
		t.Error("POST: the user does not exist")
	}
	dropped("Bulk", "POST", "/profile/v4/Bulk", map[string]any{"schemas": []string{urnBulkRequest}, "Operations": []any{postOp("x", newUser(co, "AD2"))}})
	c.srv.mu.Lock()
	queued := len(c.srv.st.provisions)
	c.srv.mu.Unlock()
	if queued != 2 { // the POST's and the Bulk's
		t.Errorf("provisions after the dropped Bulk: %d, want 2", queued)
	}
	c.waitUser("AD2", true)
	e1 := c.userID("E00001")
	dropped("PATCH", "PATCH", "/profile/v4/Users/"+e1, patchOpData(map[string]any{"op": "replace", "path": "title", "value": "Dropped"}))
	if g := c.do("GET", "/profile/identity/v4/Users/"+e1, nil); g.json["title"] != "Dropped" {
		t.Errorf("PATCH not applied: %s", g.body)
	}
	put := newUser(co, "E00002")
	e2 := c.userID("E00002")
	put["id"], put["title"] = e2, "Put"
	dropped("PUT", "PUT", "/profile/v4/Users/"+e2, put)
	if g := c.do("GET", "/profile/identity/v4/Users/"+e2, nil); g.json["title"] != "Put" {
		t.Errorf("PUT not applied: %s", g.body)
	}
	dropped("DELETE", "DELETE", "/profile/v4/Users/"+c.userID("E00003"), nil)
	if c.userID("E00003") != "" || inDB("E00003") != 0 {
		t.Error("DELETE not applied")
	}
	dropped("identity POST", "POST", "/profile/identity/v4.1/Users", newUser(co, "AD3"))
	if c.userID("AD3") == "" {
		t.Error("identity POST not applied")
	}
	// Errors and reads are answered.
	if r, err := c.try("POST", "/profile/v4/Users", newUser(co, "AD1")); err != nil || r.status != 409 {
		t.Errorf("duplicate POST: %v %d", err, r.status)
	}
	if r, err := c.try("POST", "/profile/identity/v4.1/Users/.search", map[string]any{"schemas": []string{urnConcurSearch}, "filter": `active eq true`}); err != nil || r.status != 200 {
		t.Errorf(".search: %v %d", err, r.status)
	}
	if !strings.Contains(logs.String(), "POST /profile/v4/Users 201 ") || !strings.Contains(logs.String(), "POST /profile/v4/Bulk 202 ") ||
		strings.Count(logs.String(), "applied, answer dropped") != 6 {
		t.Errorf("log:\n%s", logs.String())
	}
}

// TestFaultsBeforeStateChange checks that drop, maintenance, 5xx and 429
// answer before the write happens, so a client may retry them.
func TestFaultsBeforeStateChange(t *testing.T) {
	for name, cfg := range map[string]Config{
		"drop": {DropRate: 1}, "fail": {FailRate: 1}, "throttle": {ThrottleRate: 1}, "maintenance": {MaintenanceRate: 1},
	} {
		t.Run(name, func(t *testing.T) {
			cfg.ApplyDropRate, cfg.ExtFailRate = 1, 1 // never reached
			c := startSandbox(t, cfg)
			co := c.srv.Credentials().CompanyID
			r1, err1 := c.try("POST", "/profile/v4/Users", newUser(co, "F1"))
			r2, err2 := c.try("POST", "/profile/v4/Bulk", map[string]any{"schemas": []string{urnBulkRequest}, "Operations": []any{postOp("x", newUser(co, "F2"))}})
			if name == "drop" {
				if err1 == nil || err2 == nil {
					t.Errorf("answers %d %d, want closed connections", r1.status, r2.status)
				}
			} else if err1 != nil || err2 != nil || (r1.status != 429 && r1.status < 500) || (r2.status != 429 && r2.status < 500) {
				t.Errorf("answers %d %v, %d %v", r1.status, err1, r2.status, err2)
			}
			time.Sleep(5 * time.Millisecond) // a queued provision would run now
			c.srv.mu.Lock()
			users, provs := len(c.srv.st.users), len(c.srv.st.provisions)
			c.srv.mu.Unlock()
			if users != 0 || provs != 0 {
				t.Errorf("state changed: %d users, %d provisions", users, provs)
			}
		})
	}
}
