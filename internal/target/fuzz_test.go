package target

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/spec"
)

// fuzzAnswer is what the fuzz server answers every call but the token
// endpoint.
type fuzzAnswer struct {
	status     int
	body       []byte
	retryAfter string
}

// tokenMarker marks the tokens the fuzz servers issue (secrets too).
const tokenMarker = "SeCrEt"

// fuzzAccess is the access token FuzzUPSAnswers's server issues.
var fuzzAccess = jwt(map[string]any{"concur.company": testCompany, "jti": "fuzz-access-7f3a9c"}) + tokenMarker

// FuzzUPSAnswers runs the UPS client against a server that answers the
// token endpoint properly and every other call (Bulk send, provision
// status, status operation pages, user search and lookup one by one) with
// the fuzzed status (200–599), body and Retry-After. Retries do not wait.
// Every call must end (under a deadline) without panic; every failure
// must be a *Error of a known Kind (a bare context error means the client
// hung); what succeeds must be well-formed (a provision id, operation
// indexes ≥ -1, lookups keyed by the values asked with a user id); and
// no error or log line may hold the client secret, the request token, the
// refresh token or the access token (answers that hold one themselves are
// skipped: a server that echoes them is not the client leaking them).
func FuzzUPSAnswers(f *testing.F) {
	var answer atomic.Pointer[fuzzAnswer]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == TokenPath {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": fuzzAccess, "refresh_token": testRefresh,
				"expires_in": "3600", "token_type": "Bearer", "geolocation": "http://" + r.Host})
			return
		}
		a := answer.Load()
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	f.Cleanup(srv.Close)

	if b, err := spec.ReadFile("ups-v4/status-shapes.json"); err == nil {
		var shapes map[string]json.RawMessage
		if json.Unmarshal(b, &shapes) == nil {
			keys := make([]string, 0, len(shapes))
			for k := range shapes {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				f.Add(uint16(0), []byte(shapes[k]), "")
			}
		}
	}
	for _, s := range []struct {
		status     int
		body, wait string
	}{
		{200, `{"id":"prov-1","operationsCount":{"total":3},"totalResults":3,"operations":[{"id":"1","bulkId":"emp-E1","status":{"completed":true,"success":true,"code":"201"},"resource":{"id":"u-1"}},{"id":2}]}`, ""},
		{200, `{"Resources":[{"id":"u-1","userName":"a@x","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"employeeNumber":"E1"}}],"nextCursor":"c2"}`, ""},
		{200, `{"Resources":[{"id":"u-2"}]}`, ""},
		{202, `{"id":"prov-9","meta":{"correlationId":"c-9"}}`, ""},
		{202, `{"meta":{}}`, ""},
		{200, `{"operations":[{"id":"1"}],"operationsCount":{"total":100000}}`, ""},
		{400, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"invalidSyntax","detail":"bad filter","urn:ietf:params:scim:schemas:extension:concur:2.0:Error":{"messages":[{"code":"X","message":"m"}]}}`, ""},
		{401, `{"detail":"expired"}`, ""}, {403, ``, ""}, {404, `not json`, ""}, {405, ``, ""}, {409, `{"detail":"exists"}`, ""},
		{429, ``, "3"}, {500, `{"detail":"boom"}`, ""}, {503, ``, "Wed, 21 Oct 2015 07:28:00 GMT"}, {503, ``, "-1"},
		{200, `{"Resources":null,"totalResults":"x"}`, ""}, {204, ``, ""}, {299, `[]`, "0"}, {599, "\x00\xff", ""},
	} {
		f.Add(uint16(s.status-200), []byte(s.body), s.wait)
	}
	f.Fuzz(func(t *testing.T, status uint16, body []byte, retryAfter string) {
		secrets := []string{testClientSecret, testRequestToken, testRefresh, fuzzAccess}
		for _, s := range secrets {
			if strings.Contains(string(body), s) || strings.Contains(retryAfter, s) {
				return // the server echoes a secret: not the client's doing
			}
		}
		if !validHeader(retryAfter) {
			retryAfter = ""
		}
		answer.Store(&fuzzAnswer{status: 200 + int(status)%400, body: body, retryAfter: retryAfter})
		log := &logBuf{}
		tg, err := NewUPS(UPSOptions{URL: srv.URL, ClientID: testClientID, ClientSecret: testClientSecret,
			CompanyID: testCompany, RequestToken: testRequestToken,
			HTTPOptions: HTTPOptions{Client: srv.Client(), MaxAttempts: 3, RequestTimeout: 10 * time.Second,
				Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }, Rand: func() float64 { return 0.5 }, Log: log.logf}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		check := func(what string, err error) bool {
			t.Helper()
			if err == nil {
				return true
			}
			if ctx.Err() != nil {
				t.Fatalf("%s did not end within the deadline: %v", what, err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("%s: error %T is not a *target.Error: %v", what, err, err)
			}
			if strings.HasPrefix(e.Kind.String(), "kind(") {
				t.Fatalf("%s: error of unknown kind %d: %v", what, e.Kind, err)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("%s: error leaks a secret: %v", what, err)
				}
			}
			return false
		}

		acc, err := tg.Send(ctx, []byte(bulkBody), 1)
		if check("Send", err) && (acc.ProvisionID == "" || acc.HTTPStatus < 200 || acc.HTTPStatus > 299) {
			t.Fatalf("Send accepted %+v", acc)
		}
		if st, err := tg.Status(ctx, "prov/1?x"); check("Status", err) && st == nil {
			t.Fatal("Status: no status and no error")
		}
		ops, err := tg.Operations(ctx, "prov-1")
		if check("Operations", err) {
			for _, o := range ops {
				if o.Index < -1 {
					t.Fatalf("operation index %d", o.Index)
				}
			}
		}
		want := []string{"E1", "e1", `E"2\`, "a@x"}
		for _, fresh := range []bool{false, true} {
			c := ctx
			if fresh {
				c = Fresh(ctx)
			}
			for name, lookup := range map[string]func(context.Context, []string) (map[string]User, error){
				"LookupEmployees": tg.LookupEmployees, "LookupUserNames": tg.LookupUserNames} {
				found, err := lookup(c, want)
				if !check(name, err) {
					continue
				}
				for k, u := range found {
					if k != "E1" && k != `E"2\` && k != "a@x" || u.ID == "" {
						t.Fatalf("%s found %q → %+v for %q", name, k, u, want)
					}
				}
			}
		}
		if _, err := tg.Prepare(ctx); err != nil {
			check("Prepare", err)
		}
		for _, s := range secrets {
			if strings.Contains(log.String(), s) {
				t.Fatalf("the log leaks a secret: %s", log)
			}
		}
	})
}

// validHeader reports whether v can be sent as a header value.
func validHeader(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// FuzzTokenAnswers runs the UPS client's three grants (company password,
// refresh, client credentials; chosen by grant) against a token endpoint
// answering the fuzzed status (200–599) and body, and an API that accepts
// every Bulk request. Prepare and Send must end without panic; a failure
// must be a *Error of a known Kind; and no error or log line may hold the
// client secret, the request token, the refresh token or a token the
// endpoint issued (answers that hold a secret of the client are skipped).
// An issued token is told from text that may be in an error anyway (a
// URL, a status) by tokenMarker, which the seeded ones hold.
func FuzzTokenAnswers(f *testing.F) {
	var answer atomic.Pointer[fuzzAnswer]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != TokenPath {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(`{"id":"prov-1"}`))
			return
		}
		a := answer.Load()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		_, _ = w.Write(a.body)
	}))
	f.Cleanup(srv.Close)
	for i, s := range []struct {
		status int
		body   string
	}{
		{200, `{"access_token":"` + fuzzAccess + `","refresh_token":"refresh-token-two-` + tokenMarker + `","expires_in":"3600","geolocation":"http://127.0.0.1:1"}`},
		{200, `{"access_token":"abc","expires_in":3600}`},
		{200, `{"access_token":"at-` + tokenMarker + `","refresh_token":"rt-` + tokenMarker + `","expires_in":"10"}`},
		{200, `{"access_token":"` + fuzzAccess + `","expires_in":"1","geolocation":"ftp://x"}`},
		{200, `{"token_type":"Bearer"}`}, {200, `not json`},
		{400, `{"error":"invalid_grant","error_description":"bad token","code":"108"}`},
		{401, `{"code":5}`}, {403, ``}, {429, ``}, {500, `{"error":"server_error"}`}, {503, `<html>`},
		{200, `{"error":"access_denied"}`}, {302, ``},
	} {
		f.Add(uint8(i), uint16(s.status-200), []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, grant uint8, status uint16, body []byte) {
		secrets := []string{testClientSecret, testRequestToken, testRefresh}
		for _, s := range secrets {
			if strings.Contains(string(body), s) {
				return // the endpoint echoes a secret: not the client's doing
			}
		}
		var issued struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		}
		_ = json.Unmarshal(body, &issued)
		for _, s := range []string{issued.Access, issued.Refresh} {
			if strings.Contains(s, tokenMarker) {
				secrets = append(secrets, s)
			}
		}
		answer.Store(&fuzzAnswer{status: 200 + int(status)%400, body: body})
		log := &logBuf{}
		opts := UPSOptions{URL: srv.URL, ClientID: testClientID, ClientSecret: testClientSecret,
			HTTPOptions: HTTPOptions{Client: srv.Client(), MaxAttempts: 2, RequestTimeout: 10 * time.Second,
				Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }, Rand: func() float64 { return 0.5 }, Log: log.logf}}
		switch grant % 3 {
		case 0:
			opts.CompanyID, opts.RequestToken = testCompany, testRequestToken
		case 1:
			opts.RefreshToken = testRefresh
		}
		tg, err := NewUPS(opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, perr := tg.Prepare(ctx)
		_, serr := tg.Send(ctx, []byte(bulkBody), 1)
		for _, err := range []error{perr, serr} {
			if err == nil {
				continue
			}
			if ctx.Err() != nil {
				t.Fatalf("did not end within the deadline: %v", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not a *target.Error: %v", err, err)
			}
			if strings.HasPrefix(e.Kind.String(), "kind(") {
				t.Fatalf("error of unknown kind %d: %v", e.Kind, err)
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error leaks a secret %q: %v", s, err)
				}
			}
		}
		for _, s := range secrets {
			if strings.Contains(log.String(), s) {
				t.Fatalf("the log leaks a secret %q: %s", s, log)
			}
		}
	})
}
