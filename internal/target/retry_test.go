package target

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/httpstub"
)

// sendEnv is a stub env with a token already answered.
func sendEnv(t *testing.T) *stubEnv {
	e := newStubEnv(t)
	e.reg.Register(tokenStub(), tokenAnswer(accessToken(1), "", testTarget))
	return e
}

func bulkStub() httpstub.Matcher { return httpstub.REST("POST", upsBulkPath) }

func TestSendRetries(t *testing.T) {
	s := time.Second
	tests := []struct {
		name      string
		opts      func(*HTTPOptions)
		answers   []httpstub.Responder
		waits     []time.Duration
		throttled int
	}{
		{"Retry-After 0 waits 1s", nil,
			[]httpstub.Responder{httpstub.RetryAfter(429, 0)}, []time.Duration{s}, 1},
		{"Retry-After seconds", nil,
			[]httpstub.Responder{httpstub.RetryAfter(429, 7), httpstub.RetryAfter(429, 2)}, []time.Duration{7 * s, 2 * s}, 2},
		{"Retry-After date", nil,
			[]httpstub.Responder{httpstub.StatusWithHeader(429, "Retry-After", "Mon, 02 Mar 2026 09:00:20 GMT")}, []time.Duration{20 * s}, 1},
		{"Retry-After date in the past", nil,
			[]httpstub.Responder{httpstub.StatusWithHeader(500, "Retry-After", "Mon, 02 Mar 2026 08:00:00 GMT")}, []time.Duration{s}, 0},
		{"429 without Retry-After backs off", nil,
			[]httpstub.Responder{httpstub.StatusStringResponse(429, "")}, []time.Duration{250 * time.Millisecond}, 1},
		{"5xx full jitter", nil,
			[]httpstub.Responder{httpstub.StatusStringResponse(500, ""), httpstub.StatusStringResponse(502, ""), httpstub.StatusStringResponse(504, "")},
			[]time.Duration{250 * time.Millisecond, 500 * time.Millisecond, s}, 0},
		{"backoff capped", func(o *HTTPOptions) { o.MaxDelay = 600 * time.Millisecond },
			[]httpstub.Responder{httpstub.StatusStringResponse(500, ""), httpstub.StatusStringResponse(500, ""), httpstub.StatusStringResponse(500, "")},
			[]time.Duration{250 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}, 0},
		// Without Retry-After a 503 waits MaintenanceDelay; with one, its
		// value (and at least twice the backoff of a 500).
		{"503 is maintenance", nil,
			[]httpstub.Responder{httpstub.StatusStringResponse(503, ""), httpstub.RetryAfter(503, 1), httpstub.RetryAfter(503, 90)},
			[]time.Duration{30 * s, 1 * s, 90 * s}, 0},
		{"503 waits longer than a 500", nil,
			[]httpstub.Responder{httpstub.StatusStringResponse(500, ""), httpstub.StatusStringResponse(500, ""), httpstub.RetryAfter(503, 1), httpstub.RetryAfter(503, 1)},
			[]time.Duration{250 * time.Millisecond, 500 * time.Millisecond, 2 * s, 4 * s}, 0},
		{"waits capped by MaxWait", func(o *HTTPOptions) { o.MaxWait = 45 * s },
			[]httpstub.Responder{httpstub.RetryAfter(503, 3600), httpstub.RetryAfter(429, 3600)}, []time.Duration{45 * s, 45 * s}, 1},
		{"dial error retried", nil,
			[]httpstub.Responder{httpstub.DialError(), httpstub.DialError()}, []time.Duration{250 * time.Millisecond, 500 * time.Millisecond}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sendEnv(t)
			if tt.opts != nil {
				tt.opts(&e.opts.HTTPOptions)
			}
			for _, a := range tt.answers {
				e.reg.Register(bulkStub(), a)
			}
			e.reg.Register(bulkStub().And(httpstub.Header("Content-Type", "application/json")), accepted("p1"))
			acc, err := e.ups(t).Send(t.Context(), []byte(bulkBody), 1)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.clock.got(); !reflect.DeepEqual(got, tt.waits) {
				t.Errorf("waits = %v, want %v", got, tt.waits)
			}
			if acc.Attempts != len(tt.answers)+1 || acc.Throttled != tt.throttled || acc.ProvisionID != "p1" || acc.CorrelationID != "corr-p1" || acc.HTTPStatus != 202 {
				t.Errorf("Accepted = %+v, want %d attempts, %d throttled", acc, len(tt.answers)+1, tt.throttled)
			}
		})
	}
}

func TestSendFailures(t *testing.T) {
	tests := []struct {
		name     string
		opts     func(*HTTPOptions)
		answer   httpstub.Responder
		times    int
		kind     Kind
		attempts int
		want     []string
	}{
		{"connection dropped after write is in doubt", nil, httpstub.ConnDrop(), 1, KindInDoubt, 1, []string{"outcome is unknown", "not sent again"}},
		{"timeout after write is in doubt", func(o *HTTPOptions) { o.RequestTimeout = 20 * time.Millisecond }, httpstub.Hang(), 1, KindInDoubt, 1, []string{"no answer within 20ms"}},
		{"dial errors exhausted", func(o *HTTPOptions) { o.MaxAttempts = 3 }, httpstub.DialError(), 3, KindUnreachable, 3, []string{"cannot reach https://auth.example.test", "connection refused"}},
		{"5xx exhausted", func(o *HTTPOptions) { o.MaxAttempts = 4 }, httpstub.StatusStringResponse(500, `{"status":"500","detail":"boom"}`), 4, KindRetryable, 4, []string{"500", "boom", "after 4 attempts"}},
		{"429 exhausted", func(o *HTTPOptions) { o.MaxAttempts = 2 }, httpstub.RetryAfter(429, 1), 2, KindRetryable, 2, []string{"429"}},
		{"4xx permanent with detail", nil, httpstub.JSONResponse(413, map[string]any{
			"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:Error"}, "status": "413", "scimType": "tooLarge", "detail": "a Bulk request may not exceed 409600 bytes",
			"urn:ietf:params:scim:api:messages:concur:2.0:Error": map[string]any{"messages": []any{map[string]any{"code": "INVALID_INPUT", "message": "too big", "type": "error"}}}}),
			1, KindPermanent, 1, []string{"413", "may not exceed 409600 bytes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sendEnv(t)
			if tt.opts != nil {
				tt.opts(&e.opts.HTTPOptions)
			}
			e.reg.Register(bulkStub(), tt.answer).Times(tt.times)
			_, err := e.ups(t).Send(t.Context(), []byte(bulkBody), 1)
			te := kindOf(t, err, tt.kind)
			if te.Attempts != tt.attempts {
				t.Errorf("Attempts = %d, want %d", te.Attempts, tt.attempts)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			bulks := 0
			for _, r := range e.reg.Requests() {
				if r.URL.Path == upsBulkPath {
					bulks++
				}
			}
			if bulks != tt.attempts {
				t.Errorf("%d Bulk requests sent, want %d", bulks, tt.attempts)
			}
			if te.Kind == KindPermanent && (te.Code != "tooLarge" || len(te.Messages) != 1 || te.Messages[0].Code != "INVALID_INPUT") {
				t.Errorf("permanent error = %+v", te)
			}
			noSecrets(t, "error", err.Error(), accessToken(1))
		})
	}
}

func TestGetRetriedAfterConnDrop(t *testing.T) {
	e := sendEnv(t)
	e.reg.Register(httpstub.REST("GET", upsStatusPath+"p1/status"), httpstub.ConnDrop())
	e.reg.Register(httpstub.REST("GET", upsStatusPath+"p1/status"), httpstub.JSONResponse(200, map[string]any{"id": "p1", "status": map[string]any{"completed": false}}))
	st, err := e.ups(t).Status(t.Context(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	if st.ID != "p1" || st.Completed {
		t.Errorf("Status = %+v", st)
	}
}

func TestCancelDuringWait(t *testing.T) {
	e := sendEnv(t)
	e.opts.Sleep = nil // the real timer
	e.reg.Register(bulkStub(), httpstub.RetryAfter(503, 3600))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		time.Sleep(30 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	_, err := e.ups(t).Send(ctx, []byte(bulkBody), 1)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send returned after %s", d)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false}, {"0", 0, true}, {"5", 5 * time.Second, true}, {"-1", 0, false}, {"soon", 0, false},
		{"Mon, 02 Mar 2026 09:01:00 GMT", time.Minute, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v %v, want %v %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestLogLines(t *testing.T) {
	e := sendEnv(t)
	e.reg.Register(bulkStub(), httpstub.StatusStringResponse(500, ""))
	e.reg.Register(bulkStub(), accepted("p"))
	if _, err := e.ups(t).Send(t.Context(), []byte(bulkBody), 1); err != nil {
		t.Fatal(err)
	}
	log := e.log.String()
	for _, w := range []string{"POST /oauth2/v0/token 200", "POST /profile/v4/Bulk 500", "attempt 1", "POST /profile/v4/Bulk 202", "attempt 2"} {
		if !strings.Contains(log, w) {
			t.Errorf("log lacks %q:\n%s", w, log)
		}
	}
	noSecrets(t, "log", log, accessToken(1), "a@example.com", http.CanonicalHeaderKey("authorization"))
}
