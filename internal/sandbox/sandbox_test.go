package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/golden"
)

func TestTokenGrants(t *testing.T) {
	clock := newFakeClock()
	c := startSandbox(t, Config{ClientID: "cid", ClientSecret: "s3cret", CompanyID: "6F1C4F3C-3C0B-4C2A-9B7A-7D7E5C4A1B20", Clock: clock.Now})
	cr := c.srv.Credentials()
	if cr.CompanyID != "6f1c4f3c-3c0b-4c2a-9b7a-7d7e5c4a1b20" || cr.GeneratedSecret {
		t.Fatalf("credentials: %+v", cr)
	}
	base := url.Values{"client_id": {"cid"}, "client_secret": {"s3cret"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, x := range base {
			v[k] = x
		}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	password := with("grant_type", "password", "username", cr.CompanyID, "password", cr.AuthToken, "credtype", "authtoken")
	errCases := []struct {
		name   string
		form   url.Values
		status int
		code   float64
		kind   string
	}{
		{"no grant", with(), 400, 65, "invalid_request"},
		{"no client id", with("grant_type", "password", "client_id", ""), 400, 62, "invalid_request"},
		{"no secret", with("grant_type", "password", "client_secret", ""), 400, 63, "invalid_request"},
		{"unknown client", with("grant_type", "password", "client_id", "other"), 401, 61, "invalid_client"},
		{"wrong secret", with("grant_type", "password", "client_secret", "nope"), 401, 64, "invalid_client"},
		{"no username", with("grant_type", "password", "password", "x"), 400, 51, "invalid_request"},
		{"no password", with("grant_type", "password", "username", cr.CompanyID), 400, 52, "invalid_request"},
		{"bad credtype", with("grant_type", "password", "username", cr.CompanyID, "password", "x", "credtype", "password"), 400, 120, "invalid_request"},
		{"wrong company", with("grant_type", "password", "username", "someone", "password", cr.AuthToken), 400, 100, "invalid_request"},
		{"wrong auth token", with("grant_type", "password", "username", cr.CompanyID, "password", "wrong"), 400, 5, "invalid_grant"},
		{"no refresh token", with("grant_type", "refresh_token"), 400, 106, "invalid_request"},
		{"bad refresh token", with("grant_type", "refresh_token", "refresh_token", "nope"), 400, 108, "invalid_grant"},
		{"unsupported grant", with("grant_type", "otp"), 400, 60, "invalid_grant"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.form(tc.form)
			if r.status != tc.status || r.json["code"] != tc.code || r.json["error"] != tc.kind || r.json["geolocation"] != c.base {
				t.Errorf("got %d %s, want %d code %v %s", r.status, r.body, tc.status, tc.code, tc.kind)
			}
		})
	}

	r := c.form(password)
	if r.status != 200 || r.json["token_type"] != "Bearer" || r.json["expires_in"] != "3600" || r.json["refresh_token"] == nil || r.json["id_token"] == nil || r.json["geolocation"] != c.base {
		t.Fatalf("password grant: %d %s", r.status, r.body)
	}
	c.token = r.json["access_token"].(string)
	if got := c.do("GET", "/profile/identity/v4/Users", nil); got.status != 200 {
		t.Fatalf("GET with password-grant token: %d %s", got.status, got.body)
	}

	// Refresh tokens rotate: the old one is retired.
	r1 := c.form(with("grant_type", "refresh_token", "refresh_token", cr.RefreshToken))
	if r1.status != 200 || r1.json["refresh_token"] == cr.RefreshToken {
		t.Fatalf("refresh: %d %s", r1.status, r1.body)
	}
	if again := c.form(with("grant_type", "refresh_token", "refresh_token", cr.RefreshToken)); again.status != 400 || again.json["code"] != 108.0 {
		t.Errorf("reused refresh token: %d %s", again.status, again.body)
	}
	if next := c.form(with("grant_type", "refresh_token", "refresh_token", r1.json["refresh_token"].(string))); next.status != 200 {
		t.Errorf("rotated refresh token: %d %s", next.status, next.body)
	}

	// Client credentials give an application token: no user access.
	app := c.form(with("grant_type", "client_credentials"))
	if app.status != 200 || app.json["refresh_token"] != nil {
		t.Fatalf("client_credentials: %d %s", app.status, app.body)
	}
	c.token = app.json["access_token"].(string)
	if got := c.do("GET", "/profile/identity/v4/Users", nil); got.status != 403 {
		t.Errorf("app token on users: %d", got.status)
	}
	if got := c.do("GET", "/profile/v4/Schemas", nil); got.status != 200 {
		t.Errorf("app token on Schemas: %d", got.status)
	}

	// Access tokens last one hour.
	c.token = r.json["access_token"].(string)
	clock.Advance(59 * time.Minute)
	if got := c.do("GET", "/profile/identity/v4/Users", nil); got.status != 200 {
		t.Errorf("token after 59m: %d", got.status)
	}
	clock.Advance(2 * time.Minute)
	got := c.do("GET", "/profile/identity/v4/Users", nil)
	if got.status != 401 || !strings.Contains(string(got.body), "expired") || got.header.Get("WWW-Authenticate") == "" {
		t.Errorf("token after 61m: %d %s", got.status, got.body)
	}
	c.token = "abc.def.ghi"
	if got := c.do("GET", "/profile/identity/v4/Users", nil); got.status != 401 {
		t.Errorf("forged token: %d", got.status)
	}
	c.token = ""
	if got := c.do("GET", "/profile/identity/v4/Users", nil); got.status != 401 || get(got.json, "schemas.0") != urnError {
		t.Errorf("no token: %d %s", got.status, got.body)
	}
}

func TestNoAuth(t *testing.T) {
	c := startSandbox(t, Config{NoAuth: true})
	if r := c.do("GET", "/profile/identity/v4/Users", nil); r.status != 200 {
		t.Fatalf("no-auth GET: %d %s", r.status, r.body)
	}
}

func TestBulkCreateStatusAndLookup(t *testing.T) {
	c := startSandbox(t, Config{})
	co := c.srv.Credentials().CompanyID
	r := c.do("POST", "/profile/v4/Bulk", map[string]any{
		"schemas": []string{urnBulkRequest}, "failOnErrors": 1,
		"Operations": []any{postOp("a", newUser(co, "A1")), postOp("b", newUser(co, "B1"))},
	})
	if r.status != 202 {
		t.Fatalf("bulk: %d %s", r.status, r.body)
	}
	id, _ := r.json["id"].(string)
	if get(r.json, "schemas.0") != urnStatus || get(r.json, "status.completed") != false || r.json["status"].(map[string]any)["success"] != nil ||
		get(r.json, "operationsCount.total") != 2.0 || get(r.json, "operationsCount.pending") != 2.0 ||
		get(r.json, "meta.provisionType") != "Bulk" || get(r.json, "meta.resourceType") != "ProvisionRequest" ||
		get(r.json, "meta.location") != c.base+"/profile/v4/provisions/"+id+"/status" || r.header.Get("Location") == "" {
		t.Errorf("202 body: %s", r.body)
	}
	if !strings.HasSuffix(get(r.json, "meta.created").(string), "+0000") {
		t.Errorf("created timestamp format: %v", get(r.json, "meta.created"))
	}
	st := c.waitDone(id)
	if get(st, "status.success") != true || get(st, "operationsCount.success") != 2.0 || get(st, "totalResults") != 2.0 || get(st, "meta.completed") == nil {
		t.Fatalf("detailed: %v", st)
	}
	op := get(st, "operations.0")
	if get(op, "id") != "1" || get(op, "bulkId") != "a" || get(op, "status.code") != "201" || get(op, "resource.type") != "User" {
		t.Errorf("operation: %v", op)
	}
	var names []string
	for _, e := range toArray(get(op, "extensions")) {
		names = append(names, get(e, "name").(string)+"="+get(e, "status.result").(string))
	}
	want := []string{urnCore + "=success", urnEnterprise + "=success", urnSpend + "=success", urnRole + "=no-op", urnApprover + "=no-op",
		urnDelegate + "=no-op", urnUserPreference + "=no-op", urnWorkflowPreference + "=no-op", urnPayroll + "=no-op", urnTravel + "=no-op"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("extensions:\n got %v\nwant %v", names, want)
	}
	summary := c.do("GET", "/provisioning/v4/provisions/"+id+"/status", nil)
	if summary.status != 200 || summary.json["operations"] != nil || get(summary.json, "status.success") != true {
		t.Errorf("summary: %d %s", summary.status, summary.body)
	}
	uid := get(op, "resource.id").(string)
	for _, q := range []string{`employeeNumber eq "A1"`, `userName eq "a1@example.com"`, `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "a1"`} {
		l := c.do("GET", "/profile/identity/v4/Users?filter="+url.QueryEscape(q), nil)
		if l.status != 200 || get(l.json, "totalResults") != 1.0 || get(l.json, "Resources.0.id") != uid {
			t.Errorf("lookup %s: %d %s", q, l.status, l.body)
		}
	}
	if l := c.do("GET", "/profile/identity/v4/Users?filter="+url.QueryEscape(`title eq "x"`), nil); l.status != 400 {
		t.Errorf("lookup on title: %d", l.status)
	}
	if g := c.do("GET", "/profile/spend/v4.1/Users/"+uid, nil); g.status != 200 || get(g.json, urnSpend+".reimbursementCurrency") != "USD" {
		t.Errorf("spend GET: %d %s", g.status, g.body)
	}
	if g := c.do("GET", "/profile/travel/v4/Users/"+uid, nil); g.status != 404 {
		t.Errorf("travel GET without travel profile: %d", g.status)
	}
	if g := c.do("GET", "/profile/v4/provisions/"+uid+"/status", nil); g.status != 404 {
		t.Errorf("unknown provision: %d", g.status)
	}
	page := c.do("GET", "/profile/v4/provisions/"+id+"/status?attributes=operations&startIndex=2&count=1&state=success", nil)
	if get(page.json, "totalResults") != 2.0 || get(page.json, "itemsPerPage") != 1.0 || get(page.json, "operations.0.bulkId") != "b" {
		t.Errorf("paging: %s", page.body)
	}
	if failed := c.do("GET", "/profile/v4/provisions/"+id+"/status?attributes=operations&state=failed", nil); get(failed.json, "totalResults") != 0.0 || failed.json["operations"] == nil {
		t.Errorf("state=failed: %s", failed.body)
	}
}

func TestStatusTransitions(t *testing.T) {
	clock := newFakeClock()
	c := startSandbox(t, Config{Latency: 20 * time.Minute, Clock: clock.Now})
	co := c.srv.Credentials().CompanyID
	id := c.bulk(postOp("x", newUser(co, "X1")))
	detail := func() map[string]any {
		return c.do("GET", "/profile/v4/provisions/"+id+"/status?attributes=operations", nil).json
	}
	d := detail()
	if get(d, "status.completed") != false || get(d, "operationsCount.pending") != 1.0 || get(d, "operations.0.status.completed") != false {
		t.Fatalf("queued: %v", d)
	}
	if e := extOf(get(d, "operations.0"), urnSpend); get(e, "status.result") != "processing" {
		t.Errorf("queued spend: %v", e)
	}
	clock.Advance(20 * time.Minute)
	d = detail()
	op := get(d, "operations.0")
	if get(d, "status.completed") != false || get(op, "resource.id") == nil || get(extOf(op, urnCore), "status.result") != "success" || get(extOf(op, urnSpend), "status.result") != "processing" {
		t.Fatalf("identity written: %v", d)
	}
	if l := c.do("GET", "/profile/identity/v4/Users?filter="+url.QueryEscape(`employeeNumber eq "X1"`), nil); get(l.json, "totalResults") != 1.0 {
		t.Errorf("identity not readable between stages: %s", l.body)
	}
	clock.Advance(20 * time.Minute)
	d = detail()
	if get(d, "status.completed") != true || get(d, "status.success") != true || get(extOf(get(d, "operations.0"), urnSpend), "status.result") != "success" {
		t.Fatalf("completed: %v", d)
	}
}

func TestUnknownCurrencyLeavesIdentity(t *testing.T) {
	c := startSandbox(t, Config{})
	co := c.srv.Credentials().CompanyID
	body := newUser(co, "CUR1")
	body[urnSpend].(map[string]any)["reimbursementCurrency"] = "XYZ"
	r := c.do("POST", "/profile/v4/Users", body)
	if r.status != 201 || get(r.json, "meta.provisionId") == nil || get(r.json, "meta.statusUrl") == nil || r.json[urnSpend] != nil {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	uid := r.json["id"].(string)
	st := c.waitDone(get(r.json, "meta.provisionId").(string))
	op := get(st, "operations.0")
	spend := extOf(op, urnSpend)
	if get(st, "status.success") != false || get(st, "meta.provisionType") != "User" || get(op, "status.success") != false || get(op, "status.code") != "400" ||
		get(extOf(op, urnCore), "status.result") != "success" || get(spend, "status.result") != "error" || get(spend, "status.code") != "400" ||
		get(spend, "messages.0.code") != "INVALID_VALUE" || get(spend, "messages.0.schemaPath") != urnSpend+":reimbursementCurrency" ||
		get(spend, "messages.0.type") != "error" {
		t.Fatalf("detailed status: %v", op)
	}
	if g := c.do("GET", "/profile/identity/v4/Users/"+uid, nil); g.status != 200 || get(g.json, urnEnterprise+".employeeNumber") != "CUR1" {
		t.Errorf("identity after spend error: %d %s", g.status, g.body)
	}
	if g := c.do("GET", "/profile/spend/v4.1/Users/"+uid, nil); g.status != 404 {
		t.Errorf("spend profile after error: %d %s", g.status, g.body)
	}
	// The client retries the spend part with a PATCH, as UPS recommends.
	p := c.do("PATCH", "/profile/v4/Users/"+uid, patchOpData(map[string]any{"op": "add", "path": urnSpend,
		"value": map[string]any{"reimbursementCurrency": "EUR", "country": "DE", "locale": "de-DE"}}))
	if p.status != 200 {
		t.Fatalf("PATCH: %d %s", p.status, p.body)
	}
	if st := c.waitDone(get(p.json, "meta.provisionId").(string)); get(st, "status.success") != true {
		t.Errorf("retry: %v", st)
	}
}

func TestIdentityFailureBlocksExtensions(t *testing.T) {
	c := startSandbox(t, Config{})
	co := c.srv.Credentials().CompanyID
	bad := newUser(co, "BAD1")
	delete(bad, "userName")
	dup := newUser(co, "DUP1")
	dup2 := newUser(co, "DUP2")
	dup2["userName"] = dup["userName"]
	id := c.bulk(postOp("bad", bad), postOp("dup", dup), postOp("dup2", dup2),
		map[string]any{"method": "PATCH", "path": "/Users/bulkId:bad", "data": patchOpData(map[string]any{"op": "replace", "path": "title", "value": "x"})})
	st := c.waitDone(id)
	if get(st, "operationsCount.failed") != 3.0 || get(st, "operationsCount.success") != 1.0 || get(st, "status.success") != false {
		t.Fatalf("counts: %v", st)
	}
	op := get(st, "operations.0")
	if get(op, "status.code") != "400" || get(op, "resource") != nil || get(extOf(op, urnCore), "status.result") != "error" ||
		get(extOf(op, urnSpend), "status.result") != "no-op" || !strings.Contains(get(extOf(op, urnCore), "messages.0.message").(string), "userName") {
		t.Errorf("missing userName: %v", op)
	}
	if op := get(st, "operations.2"); get(op, "status.code") != "409" || get(extOf(op, urnCore), "status.result") != "error" {
		t.Errorf("duplicate userName: %v", op)
	}
	if op := get(st, "operations.3"); get(op, "status.code") != "409" {
		t.Errorf("PATCH of a failed POST's bulkId: %v", op)
	}
	// Synchronous endpoints answer identity errors directly.
	r := c.do("POST", "/profile/v4/Users", dup2)
	if r.status != 409 || r.json["scimType"] != "uniqueness" || get(r.json, urnConcurError+".messages.0.code") != "INVALID_VALUE" || r.json["status"] != "409" {
		t.Errorf("sync duplicate: %d %s", r.status, r.body)
	}
}

func TestBulkRequestChecks(t *testing.T) {
	c := startSandbox(t, Config{})
	co := c.srv.Credentials().CompanyID
	bulk := func(ops []any) map[string]any {
		return map[string]any{"schemas": []string{urnBulkRequest}, "Operations": ops}
	}
	var many []any
	for i := 0; i < MaxBulkOperations+1; i++ {
		many = append(many, postOp(fmt.Sprint(i), newUser(co, fmt.Sprint("M", i))))
	}
	big := newUser(co, "BIG")
	big["title"] = strings.Repeat("x", MaxBulkBytes)
	cases := []struct {
		name   string
		body   any
		status int
		detail string
	}{
		{"101 operations", bulk(many), 413, "at most 100"},
		{"over 400 KB", bulk([]any{postOp("big", big)}), 413, "400 KB"},
		{"not JSON", "{", 400, "not valid JSON"},
		{"no schemas", map[string]any{"Operations": []any{postOp("a", newUser(co, "S"))}}, 400, "schemas"},
		{"no operations", bulk(nil), 400, "no Operations"},
		{"POST without bulkId", bulk([]any{map[string]any{"method": "POST", "path": "/Users", "data": newUser(co, "N")}}), 400, "bulkId is required"},
		{"duplicate bulkId", bulk([]any{postOp("a", newUser(co, "D1")), postOp("a", newUser(co, "D2"))}), 400, "twice"},
		{"unknown bulkId", bulk([]any{map[string]any{"method": "DELETE", "path": "/Users/bulkId:zz"}}), 400, "not defined"},
		{"bad method", bulk([]any{map[string]any{"method": "GET", "path": "/Users/x"}}), 400, "method"},
		{"bad path", bulk([]any{map[string]any{"method": "POST", "path": "/Groups", "bulkId": "g", "data": newUser(co, "G")}}), 400, "path"},
		{"PATCH without data", bulk([]any{map[string]any{"method": "PATCH", "path": "/Users/x"}}), 400, "data is required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/profile/v4/Bulk", tc.body)
			if r.status != tc.status || !strings.Contains(fmt.Sprint(r.json["detail"]), tc.detail) {
				t.Errorf("got %d %.300s", r.status, r.body)
			}
		})
	}
	// Exactly 100 operations are accepted.
	r := c.do("POST", "/profile/v4/Bulk", bulk(many[:MaxBulkOperations]))
	if r.status != 202 {
		t.Fatalf("100 operations: %d %s", r.status, r.body)
	}
	if st := c.waitDone(r.json["id"].(string)); get(st, "operationsCount.success") != 100.0 {
		t.Errorf("100 operations: %v", get(st, "operationsCount"))
	}
}

func TestBulkIDReferences(t *testing.T) {
	c := startSandbox(t, Config{})
	co := c.srv.Credentials().CompanyID
	mgr := newUser(co, "MGR")
	mgr[urnRole] = map[string]any{"roles": []any{map[string]any{"roleName": "EXP_APPROVER"}}}
	emp := newUser(co, "EMP")
	emp[urnApprover] = map[string]any{"report": []any{map[string]any{"approver": map[string]any{"value": "bulkId:mgr"}, "primary": true}}}
	id := c.bulk(postOp("mgr", mgr), postOp("emp", emp),
		map[string]any{"method": "PATCH", "path": "/Users/bulkId:emp", "data": patchOpData(
			map[string]any{"op": "replace", "path": urnEnterprise + ":manager", "value": map[string]any{"value": "bulkId:mgr"}},
			map[string]any{"op": "add", "path": urnSpend + ":customData[id eq \"custom2\"].value", "value": "C2"})})
	st := c.waitDone(id)
	if get(st, "status.success") != true {
		t.Fatalf("bulkId references: %v", st)
	}
	empID := get(st, "operations.1.resource.id").(string)
	if get(st, "operations.2.resource.id") != empID {
		t.Errorf("PATCH resolved to %v, want %s", get(st, "operations.2.resource.id"), empID)
	}
	u := c.do("GET", "/profile/v4/Users/"+empID, nil)
	if get(u.json, urnSpend+".customData.0.value") != "C2" || get(u.json, urnEnterprise+".manager.value") != get(st, "operations.0.resource.id") ||
		get(u.json, urnApprover+".report.0.approver.value") != get(st, "operations.0.resource.id") {
		t.Errorf("user: %s", u.body)
	}
}

func TestUserEndpoints(t *testing.T) {
	c := startSandbox(t, Config{})
	co := c.srv.Credentials().CompanyID
	r := c.do("POST", "/profile/v4/Users/", newUser(co, "U1"))
	if r.status != 201 || r.json["schemas"] == nil || get(r.json, "meta.resourceType") != "User" || get(r.json, "meta.version") != 0.0 ||
		get(r.json, "meta.location") != c.base+"/profile/identity/v4/Users/"+r.json["id"].(string) {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	uid := r.json["id"].(string)
	c.waitDone(get(r.json, "meta.provisionId").(string))

	// PUT must repeat the id; omitted extensions are removed.
	put := newUser(co, "U1")
	put["title"] = "Engineer"
	if r := c.do("PUT", "/profile/v4/Users/"+uid, put); r.status != 400 || !strings.Contains(string(r.body), "repeat the user id") {
		t.Errorf("PUT without id: %d %s", r.status, r.body)
	}
	put["id"] = uid
	delete(put, urnSpend)
	r = c.do("PUT", "/profile/v4/Users/"+uid, put)
	if r.status != 200 || r.json["title"] != "Engineer" {
		t.Fatalf("PUT: %d %s", r.status, r.body)
	}
	st := c.waitDone(get(r.json, "meta.provisionId").(string))
	if get(extOf(get(st, "operations.0"), urnSpend), "status.result") != "success" {
		t.Errorf("PUT status: %v", st)
	}
	if g := c.do("GET", "/profile/spend/v4.1/Users/"+uid, nil); g.status != 404 {
		t.Errorf("spend after PUT without it: %d", g.status)
	}
	// Identity-only endpoint: extensions are not written and no provision.
	io := newUser(co, "ID1")
	r = c.do("POST", "/profile/identity/v4.1/Users", io)
	if r.status != 201 || get(r.json, "meta.provisionId") != nil {
		t.Fatalf("identity POST: %d %s", r.status, r.body)
	}
	if g := c.do("GET", "/profile/spend/v4.1/Users/"+r.json["id"].(string), nil); g.status != 404 {
		t.Errorf("identity endpoint wrote spend: %d", g.status)
	}
	// Entitlements are returned only on request.
	ent := newUser(co, "ENT1")
	ent["entitlements"] = []any{"Expense"}
	r = c.do("POST", "/profile/v4/Users", ent)
	eid := r.json["id"].(string)
	if r.json["entitlements"] != nil {
		t.Errorf("entitlements returned unasked: %s", r.body)
	}
	if g := c.do("GET", "/profile/identity/v4/Users/"+eid+"?attributes=entitlements", nil); get(g.json, "entitlements.0") != "Expense" || g.json["userName"] != nil {
		t.Errorf("entitlements on request: %s", g.body)
	}
	// DELETE, then 404.
	if r := c.do("DELETE", "/profile/v4/Users/"+eid, nil); r.status != 204 {
		t.Errorf("DELETE: %d %s", r.status, r.body)
	}
	if r := c.do("GET", "/profile/identity/v4.1/Users/"+eid, nil); r.status != 404 {
		t.Errorf("GET after DELETE: %d", r.status)
	}
	if r := c.do("PATCH", "/profile/v4/Users/"+eid, patchOpData(map[string]any{"op": "replace", "path": "title", "value": "x"})); r.status != 404 {
		t.Errorf("PATCH after DELETE: %d", r.status)
	}
	if r := c.do("POST", "/profile/v4/Users/"+uid, newUser(co, "Z")); r.status != 405 || r.header.Get("Allow") == "" {
		t.Errorf("POST on a user: %d", r.status)
	}
	if r := c.do("GET", "/no/such/endpoint", nil); r.status != 404 {
		t.Errorf("unknown endpoint: %d", r.status)
	}
}

func TestSearch(t *testing.T) {
	c := startSandbox(t, Config{Users: 25})
	co := c.srv.Credentials().CompanyID
	inv := newUser(co, "INV1")
	inv["entitlements"] = []any{"Invoice"}
	inv[urnEnterprise].(map[string]any)["startDate"] = "2015-12-11T19:28:30.45Z"
	if r := c.do("POST", "/profile/v4/Users", inv); r.status != 201 {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	cases := []struct {
		filter string
		total  float64
	}{
		{``, 26},
		{`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E00007"`, 1},
		{`emails.value eq "user00003@sandbox.example.com"`, 1},
		{`active eq true and emails.value ew "@sandbox.example.com"`, 25},
		{`active eq true and entitlements eq "invoice"`, 1},
		{`active eq true and urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:startDate le 2018-12-31`, 1},
		{`name.givenName sw "ad" or name.givenName eq "Grace"`, 5},
		{`not (active eq true)`, 0},
		{`emails[type eq "work" and value co "00001"]`, 1},
	}
	for _, tc := range cases {
		body := map[string]any{"schemas": []string{urnConcurSearch}}
		if tc.filter != "" {
			body["filter"] = tc.filter
		}
		r := c.do("POST", "/profile/identity/v4.1/Users/.search", body)
		if r.status != 200 || get(r.json, "totalResults") != tc.total {
			t.Errorf("%s: %d total %v %.200s", tc.filter, r.status, get(r.json, "totalResults"), r.body)
		}
	}
	r := c.do("POST", "/profile/identity/v4.1/Users/.search", map[string]any{"schemas": []string{urnConcurSearch}, "count": 10, "attributes": []string{"active", urnEnterprise + ":employeeNumber"}})
	if get(r.json, "itemsPerPage") != 10.0 || r.json["nextCursor"] == nil || get(r.json, "Resources.0.userName") != nil || get(r.json, "Resources.0.active") != true ||
		get(r.json, "Resources.0."+urnEnterprise+".employeeNumber") != "E00001" {
		t.Fatalf("page 1: %.400s", r.body)
	}
	r2 := c.do("POST", "/profile/identity/v4.1/Users/.search", map[string]any{"schemas": []string{urnConcurSearch}, "count": 10, "cursor": r.json["nextCursor"]})
	if get(r2.json, "Resources.0."+urnEnterprise+".employeeNumber") != "E00011" {
		t.Errorf("page 2: %.300s", r2.body)
	}
	full := c.do("POST", "/profile/v4/Users/.search", map[string]any{"schemas": []string{urnSearchRequest}, "filter": `userName eq "user00002@sandbox.example.com"`})
	if get(full.json, "total") != 1.0 || get(full.json, "Resources.0."+urnSpend+".country") != "US" {
		t.Errorf("/profile/v4/Users/.search: %s", full.body)
	}
	for _, bad := range []string{`userName eq`, `urn:x:y eq "1"`, `(active eq true`} {
		if r := c.do("POST", "/profile/identity/v4.1/Users/.search", map[string]any{"schemas": []string{urnConcurSearch}, "filter": bad}); r.status != 400 || get(r.json, urnConcurError+".messages.0.code") != "INVALID_INPUT" {
			t.Errorf("bad filter %q: %d %s", bad, r.status, r.body)
		}
	}
	list := c.do("GET", "/profile/identity/v4.1/Users?count=5", nil)
	if get(list.json, "itemsPerPage") != 5.0 || list.json["nextCursor"] == nil {
		t.Errorf("v4.1 list: %.200s", list.body)
	}
	spend := c.do("GET", "/profile/spend/v4.1/Users?filter="+url.QueryEscape(`country eq "US"`)+"&count=3", nil)
	if spend.status != 200 || get(spend.json, "totalResults") != 26.0 || get(spend.json, "itemsPerPage") != 3.0 {
		t.Errorf("spend list: %d %.300s", spend.status, spend.body)
	}
}

func TestMetaEndpoints(t *testing.T) {
	c := startSandbox(t, Config{})
	r := c.do("GET", "/profile/v4/Schemas", nil)
	if r.status != 200 || get(r.json, "totalResults") != float64(len(allUserSchemas)) {
		t.Fatalf("Schemas: %d %.300s", r.status, r.body)
	}
	core := get(r.json, "Resources.0")
	found := false
	for _, a := range toArray(get(core, "attributes")) {
		if get(a, "name") == "userName" && get(a, "required") == true && get(a, "uniqueness") == "server" {
			found = true
		}
	}
	if get(core, "id") != urnCore || !found {
		t.Errorf("core schema: %v", core)
	}
	approver := c.do("GET", "/profile/v4/Schemas/"+urnApprover, nil)
	if get(approver.json, "attributes.0.name") != "report" || get(approver.json, "attributes.0.subAttributes.0.name") != "approver" {
		t.Errorf("approver schema: %.400s", approver.body)
	}
	if id := c.do("GET", "/profile/identity/v4/Schemas/", nil); get(id.json, "totalResults") != 2.0 {
		t.Errorf("identity Schemas: %.200s", id.body)
	}
	rt := c.do("GET", "/profile/v4/ResourceTypes/", nil)
	if get(rt.json, "Resources.0.schemaExtensions.0.schema") != urnEnterprise || get(rt.json, "Resources.0.schemaExtensions.0.required") != true ||
		get(rt.json, "Resources.0.schemaExtensions.1.required") != false {
		t.Errorf("ResourceTypes: %.300s", rt.body)
	}
	spc := c.do("GET", "/provisioning/v4/ServiceProviderConfig", nil)
	if get(spc.json, "bulk.maxOperations") != 100.0 || get(spc.json, "bulk.maxPayloadSize") != float64(MaxBulkBytes) || get(spc.json, "patch.supported") != true {
		t.Errorf("ServiceProviderConfig: %s", spc.body)
	}
	if r := c.do("POST", "/profile/v4/Schemas", "{}"); r.status != 405 {
		t.Errorf("POST Schemas: %d", r.status)
	}
}

func TestSeedUsersAndImport(t *testing.T) {
	c := startSandbox(t, Config{Users: 3, Seed: 42})
	l := c.do("GET", "/profile/identity/v4/Users?filter="+url.QueryEscape(`employeeNumber eq "E00003"`), nil)
	if get(l.json, "totalResults") != 1.0 || get(l.json, "Resources.0.userName") != "user00003@sandbox.example.com" {
		t.Fatalf("seeded lookup: %s", l.body)
	}
	id, err := c.srv.ImportUser([]byte(`{"id":"90F836A5-EA9D-4FEC-BCC0-0C621F946C58","schemas":["` + urnCore + `"],"userName":"approver@example.com","active":true,
		"name":{"givenName":"A","familyName":"B"},"emails":[{"type":"work","value":"approver@example.com"}],
		"` + urnEnterprise + `":{"employeeNumber":"APP1"},"` + urnSpend + `":{"reimbursementCurrency":"USD","country":"US","locale":"en-US"}}`))
	if err != nil || id != "90f836a5-ea9d-4fec-bcc0-0c621f946c58" {
		t.Fatalf("ImportUser: %q %v", id, err)
	}
	if _, err := c.srv.ImportUser([]byte(`{"id":"` + id + `","schemas":["` + urnCore + `"],"userName":"x@y.z","active":true,"name":{"givenName":"A","familyName":"B"},"emails":[{"value":"x@y.z"}],"` + urnEnterprise + `":{"employeeNumber":"APP2"}}`)); err == nil {
		t.Error("ImportUser accepted a taken id")
	}
	if _, err := c.srv.ImportUser([]byte(`{"schemas":["` + urnCore + `"],"userName":"bad@y.z","active":true,"name":{"givenName":"A","familyName":"B"},"emails":[{"value":"bad@y.z"}],"` + urnEnterprise + `":{"employeeNumber":"APP3"},"` + urnSpend + `":{"reimbursementCurrency":"EURO","country":"US","locale":"en-US"}}`)); err == nil || !strings.Contains(err.Error(), "reimbursementCurrency") {
		t.Errorf("ImportUser with bad currency: %v", err)
	}
	// The same seed gives the same generated ids.
	other := startSandbox(t, Config{Users: 3, Seed: 42})
	l2 := other.do("GET", "/profile/identity/v4/Users?filter="+url.QueryEscape(`employeeNumber eq "E00003"`), nil)
	if get(l2.json, "Resources.0.id") != get(l.json, "Resources.0.id") {
		t.Errorf("seeded ids differ: %v vs %v", get(l2.json, "Resources.0.id"), get(l.json, "Resources.0.id"))
	}
}

func TestLogLinesHoldNoSecrets(t *testing.T) {
	var buf safeBuffer
	c := startSandbox(t, Config{Log: &buf, ClientSecret: "very-secret-value"})
	cr := c.srv.Credentials()
	r := c.form(url.Values{"grant_type": {"password"}, "client_id": {cr.ClientID}, "client_secret": {"very-secret-value"}, "username": {cr.CompanyID}, "password": {cr.AuthToken}, "credtype": {"authtoken"}})
	if r.status != 200 {
		t.Fatalf("token: %d %s", r.status, r.body)
	}
	c.do("GET", "/profile/identity/v4/Users?filter="+url.QueryEscape(`userName eq "x"`), nil)
	c.token = ""
	c.do("GET", "/profile/identity/v4/Users", nil)
	logs := buf.String()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "POST /oauth2/v0/token 200") || !strings.Contains(lines[1], "GET /profile/identity/v4/Users 200") ||
		!strings.Contains(lines[1], "client="+cr.ClientID) || !strings.Contains(lines[2], " 401 ") {
		t.Errorf("log lines:\n%s", logs)
	}
	for _, secret := range []string{"very-secret-value", cr.AuthToken, cr.RefreshToken, c.srv.AccessToken()[:40], r.json["access_token"].(string)[:40], r.json["refresh_token"].(string)} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains a secret")
		}
	}
	var banner bytes.Buffer
	c.srv.WriteBanner(&banner, c.base)
	if strings.Contains(banner.String(), "very-secret-value") || !strings.Contains(banner.String(), "(as given)") || !strings.Contains(banner.String(), cr.CompanyID) {
		t.Errorf("banner:\n%s", banner.String())
	}
	gen := startSandbox(t, Config{})
	banner.Reset()
	gen.srv.WriteBanner(&banner, gen.base)
	if !strings.Contains(banner.String(), gen.srv.Credentials().ClientSecret) {
		t.Errorf("generated secret not printed:\n%s", banner.String())
	}
}

func TestStatusGolden(t *testing.T) {
	clock := newFakeClock()
	s, err := New(Config{Seed: 7, Clock: clock.Now, CompanyID: "11111111-2222-4333-8444-555555555555", NoAuth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	co := s.Credentials().CompanyID
	okUser := newUser(co, "G1")
	okUser[urnRole] = map[string]any{"roles": []any{map[string]any{"roleName": "EXP_PROCESSOR"}, map[string]any{"roleName": "EXP_PROCESSOR_ADMIN"}}}
	okUser[urnTravel] = map[string]any{"ruleClass": map[string]any{"name": "Default"}}
	badCountry := newUser(co, "G2")
	badCountry[urnSpend].(map[string]any)["country"] = "XX"
	body, _ := json.Marshal(map[string]any{"schemas": []string{urnBulkRequest}, "Operations": []any{postOp("g1", okUser), postOp("g2", badCountry)}})
	req := newRequest("POST", "/profile/v4/Bulk", body)
	req.Header.Set("concur-correlationid", "golden-run")
	rec := serve(s, req)
	var accepted map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &accepted)
	rec = serve(s, newRequest("GET", "/profile/v4/provisions/"+accepted["id"].(string)+"/status?attributes=operations", nil))
	var pretty bytes.Buffer
	_ = json.Indent(&pretty, rec.Body.Bytes(), "", "  ")
	golden.Check(t, filepath.Join("testdata", "status-detailed.golden.json"), pretty.Bytes())
}
