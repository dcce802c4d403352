package target

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/httpstub"
)

// Secrets of the stubbed tests: none may appear in errors or logs.
const (
	testClientID     = "client-1"
	testClientSecret = "s3cr3t-client-secret"
	testCompany      = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
	testRequestToken = "r3quest-token-abcdef"
	testRefresh      = "refresh-token-one"
	testTarget       = "https://auth.example.test"
)

// secrets lists what must never leak (access tokens are added per test).
var secrets = []string{testClientSecret, testRequestToken, testRefresh, "refresh-token-two", "refresh-token-three"}

// clock records the waits of a client and answers at once.
type clock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *clock) got() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// logBuf collects the verbose log.
type logBuf struct {
	mu    sync.Mutex
	lines []string
}

func (l *logBuf) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// stubEnv is a UPS client on a stub registry.
type stubEnv struct {
	reg   *httpstub.Registry
	clock *clock
	log   *logBuf
	opts  UPSOptions
}

func newStubEnv(t *testing.T) *stubEnv {
	t.Helper()
	e := &stubEnv{reg: httpstub.New(t), clock: &clock{}, log: &logBuf{}}
	e.opts = UPSOptions{
		URL: testTarget, ClientID: testClientID, ClientSecret: testClientSecret,
		CompanyID: testCompany, RequestToken: testRequestToken,
		HTTPOptions: HTTPOptions{Client: e.reg.Client(), Sleep: e.clock.sleep, Rand: func() float64 { return 0.5 },
			Log: e.log.logf, Now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }},
	}
	return e
}

func (e *stubEnv) ups(t *testing.T) Target {
	t.Helper()
	tg, err := NewUPS(e.opts)
	if err != nil {
		t.Fatalf("NewUPS: %v", err)
	}
	return tg
}

// jwt builds an unsigned JWT with claims.
func jwt(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(b) + ".sig"
}

// accessToken is a company access token numbered n.
func accessToken(n int) string {
	return jwt(map[string]any{"concur.company": testCompany, "jti": fmt.Sprintf("access-%d", n)})
}

// tokenAnswer is a Concur token response (expires_in as a string, as the
// docs show).
func tokenAnswer(access, refresh, geo string) httpstub.Responder {
	m := map[string]any{"expires_in": "3600", "scope": "user.provision.write", "token_type": "Bearer", "access_token": access, "geolocation": geo}
	if refresh != "" {
		m["refresh_token"] = refresh
	}
	return httpstub.JSONResponse(200, m)
}

func tokenStub() httpstub.Matcher { return httpstub.REST("POST", TokenPath) }

func bearer(tok string) httpstub.Matcher { return httpstub.Header("Authorization", "Bearer "+tok) }

// accepted is a Bulk 202 answer.
func accepted(id string) httpstub.Responder {
	return httpstub.JSONResponse(202, map[string]any{"id": id, "meta": map[string]any{"correlationId": "corr-" + id}})
}

// noSecrets fails when a secret appears in s.
func noSecrets(t *testing.T, what, s string, extra ...string) {
	t.Helper()
	for _, sec := range append(append([]string{}, secrets...), extra...) {
		if strings.Contains(s, sec) {
			t.Errorf("%s leaks a secret %q: %s", what, sec, s)
		}
	}
}

// kindOf fails unless err is a *Error of kind k and returns it.
func kindOf(t *testing.T, err error, k Kind) *Error {
	t.Helper()
	var e *Error
	if err == nil || !asError(err, &e) {
		t.Fatalf("error = %v, want a *Error of kind %s", err, k)
	}
	if e.Kind != k {
		t.Fatalf("kind = %s, want %s (%v)", e.Kind, k, err)
	}
	return e
}

func asError(err error, e **Error) bool {
	for err != nil {
		if x, ok := err.(*Error); ok {
			*e = x
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

const bulkBody = `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"emp-1","data":{"userName":"a@example.com"}}]}`
