package target

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/upsmigrate/upsmigrate/internal/httpstub"
)

func TestGrants(t *testing.T) {
	tests := []struct {
		name     string
		opts     func(*UPSOptions)
		host     string // token host when no URL is given
		form     map[string]string
		noFields []string
	}{
		{
			name: "password with credtype",
			opts: func(o *UPSOptions) {},
			host: "glz.api.concursolutions.com",
			form: map[string]string{"grant_type": "password", "client_id": testClientID, "client_secret": testClientSecret,
				"username": testCompany, "password": testRequestToken, "credtype": "authtoken"},
		},
		{
			name:     "refresh token",
			opts:     func(o *UPSOptions) { o.RequestToken, o.RefreshToken = "", testRefresh },
			host:     "us.api.concursolutions.com",
			form:     map[string]string{"grant_type": "refresh_token", "refresh_token": testRefresh, "client_id": testClientID, "client_secret": testClientSecret},
			noFields: []string{"credtype", "password"},
		},
		{
			name:     "client credentials",
			opts:     func(o *UPSOptions) { o.RequestToken, o.CompanyID = "", "" },
			host:     "us.api.concursolutions.com",
			form:     map[string]string{"grant_type": "client_credentials", "client_id": testClientID, "client_secret": testClientSecret},
			noFields: []string{"credtype", "refresh_token", "username"},
		},
	}
	for _, tt := range tests {
		for _, defaultHost := range []bool{false, true} {
			name := tt.name
			if defaultHost {
				name += "/default host"
			}
			t.Run(name, func(t *testing.T) {
				e := newStubEnv(t)
				tt.opts(&e.opts)
				host := "auth.example.test"
				if defaultHost {
					e.opts.URL = ""
					host = tt.host
				}
				e.reg.Register(tokenStub().And(httpstub.MatchFunc("host "+host, func(r *http.Request) bool { return r.URL.Host == host }),
					httpstub.Form(func(v url.Values) bool {
						for k, want := range tt.form {
							if v.Get(k) != want {
								return false
							}
						}
						for _, k := range tt.noFields {
							if v.Has(k) {
								return false
							}
						}
						return true
					})), tokenAnswer(accessToken(1), "", "https://geo.example.test"))
				e.reg.Register(httpstub.REST("GET", upsConfigPath).And(bearer(accessToken(1))), httpstub.StatusStringResponse(404, ""))
				info, err := e.ups(t).Prepare(t.Context())
				if err != nil {
					t.Fatalf("Prepare: %v", err)
				}
				if info.BaseURL != "https://geo.example.test" || info.Company != testCompany || info.MaxOps != 100 || info.MaxBytes != 400*1024 {
					t.Errorf("Info = %+v", info)
				}
				noSecrets(t, "log", e.log.String(), accessToken(1))
			})
		}
	}
}

func TestRefreshRotationWritesTokenFile(t *testing.T) {
	e := newStubEnv(t)
	file := filepath.Join(t.TempDir(), "token.json")
	e.opts.RequestToken, e.opts.RefreshToken, e.opts.TokenFile = "", testRefresh, file
	e.reg.Register(tokenStub().And(httpstub.FormField("refresh_token", testRefresh)), tokenAnswer(accessToken(1), "refresh-token-two", testTarget))
	e.reg.Register(httpstub.REST("GET", upsConfigPath), httpstub.StatusStringResponse(404, ""))
	// The access token is refused once: the client renews with the newest
	// refresh token and retries.
	e.reg.Register(httpstub.REST("POST", upsBulkPath).And(bearer(accessToken(1))), httpstub.StatusStringResponse(401, `{"detail":"expired"}`))
	e.reg.Register(tokenStub().And(httpstub.FormField("refresh_token", "refresh-token-two")), tokenAnswer(accessToken(2), "refresh-token-three", testTarget))
	e.reg.Register(httpstub.REST("POST", upsBulkPath).And(bearer(accessToken(2))), accepted("p1"))
	tg := e.ups(t)
	if _, err := tg.Prepare(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkTokenFile(t, file, "refresh-token-two")
	acc, err := tg.Send(t.Context(), []byte(bulkBody), 1)
	if err != nil {
		t.Fatal(err)
	}
	if acc.ProvisionID != "p1" || acc.Attempts != 2 {
		t.Errorf("Accepted = %+v", acc)
	}
	checkTokenFile(t, file, "refresh-token-three")
	noSecrets(t, "log", e.log.String(), accessToken(1), accessToken(2))
	entries, _ := os.ReadDir(filepath.Dir(file))
	if len(entries) != 1 {
		t.Errorf("token dir holds %d files, want 1 (no temporary left)", len(entries))
	}
}

func checkTokenFile(t *testing.T, file, want string) {
	t.Helper()
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := (&tokenFile{path: file}).load()
	if err != nil || got != want {
		t.Errorf("token file holds %q (%v), want %q", got, err, want)
	}
}

func TestTokenFileTriedBeforeGivenToken(t *testing.T) {
	e := newStubEnv(t)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("refresh-token-two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.opts.RequestToken, e.opts.RefreshToken, e.opts.TokenFile = "", testRefresh, file
	e.reg.Register(tokenStub().And(httpstub.FormField("refresh_token", "refresh-token-two")),
		httpstub.JSONResponse(400, map[string]any{"code": 108, "error": "invalid_grant", "error_description": "refresh token is invalid or expired"}))
	e.reg.Register(tokenStub().And(httpstub.FormField("refresh_token", testRefresh)), tokenAnswer(accessToken(1), "refresh-token-three", testTarget))
	e.reg.Register(httpstub.REST("GET", upsConfigPath), httpstub.StatusStringResponse(404, ""))
	if _, err := e.ups(t).Prepare(t.Context()); err != nil {
		t.Fatal(err)
	}
	checkTokenFile(t, file, "refresh-token-three")
}

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name      string
		opts      func(*UPSOptions)
		responder httpstub.Responder
		times     int
		kind      Kind
		want      []string
	}{
		{"wrong request token", func(*UPSOptions) {},
			httpstub.JSONResponse(400, map[string]any{"code": 5, "error": "invalid_grant", "error_description": "wrong credentials", "geolocation": testTarget}),
			1, KindAuth, []string{"invalid_grant (code 5): wrong credentials", "UPSMIGRATE_CLIENT_SECRET", "UPSMIGRATE_REQUEST_TOKEN"}},
		{"wrong client secret", func(*UPSOptions) {},
			httpstub.JSONResponse(401, map[string]any{"code": 64, "error": "invalid_client", "error_description": "wrong client credentials"}),
			1, KindAuth, []string{"401", "invalid_client (code 64): wrong client credentials", "check UPSMIGRATE_CLIENT_ID and UPSMIGRATE_CLIENT_SECRET"}},
		{"expired refresh token", func(o *UPSOptions) { o.RequestToken, o.RefreshToken = "", testRefresh },
			httpstub.JSONResponse(400, map[string]any{"code": "108", "error": "invalid_grant"}),
			1, KindAuth, []string{"invalid_grant (code 108): refresh token bad or expired", "newest"}},
		{"non-JSON refusal", func(*UPSOptions) {}, httpstub.StatusStringResponse(400, "<html>"+testClientSecret+"</html>"),
			1, KindAuth, []string{"400", "refused"}},
		{"unreachable", func(o *UPSOptions) { o.MaxAttempts = 3 }, httpstub.DialError(),
			3, KindUnreachable, []string{"cannot reach https://auth.example.test", "connection refused", "check --target and the network"}},
		{"token endpoint failing", func(o *UPSOptions) { o.MaxAttempts = 2 }, httpstub.StatusStringResponse(502, ""),
			2, KindRetryable, []string{"502"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newStubEnv(t)
			tt.opts(&e.opts)
			e.reg.Register(tokenStub(), tt.responder).Times(tt.times)
			_, err := e.ups(t).Prepare(t.Context())
			te := kindOf(t, err, tt.kind)
			if te.Op != "token" {
				t.Errorf("Op = %q, want token", te.Op)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			noSecrets(t, "error", err.Error())
			noSecrets(t, "log", e.log.String())
		})
	}
}

func TestGeolocationAndBaseURL(t *testing.T) {
	t.Run("geolocation", func(t *testing.T) {
		e := newStubEnv(t)
		e.reg.Register(tokenStub(), tokenAnswer(accessToken(1), "", "https://eu2.example.test/"))
		e.reg.Register(httpstub.REST("POST", upsBulkPath).And(httpstub.MatchFunc("eu2", func(r *http.Request) bool { return r.URL.Host == "eu2.example.test" })), accepted("p"))
		if _, err := e.ups(t).Send(t.Context(), []byte(bulkBody), 1); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("BaseURL wins", func(t *testing.T) {
		e := newStubEnv(t)
		e.opts.BaseURL = "https://api.example.test"
		e.reg.Register(tokenStub(), tokenAnswer(accessToken(1), "", "https://eu2.example.test"))
		e.reg.Register(httpstub.REST("GET", upsConfigPath).And(httpstub.MatchFunc("api host", func(r *http.Request) bool { return r.URL.Host == "api.example.test" })),
			httpstub.JSONResponse(200, map[string]any{"bulk": map[string]any{"supported": true, "maxOperations": 50, "maxPayloadSize": 1 << 30}}))
		info, err := e.ups(t).Prepare(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if info.BaseURL != "https://api.example.test" || info.MaxOps != 50 || info.MaxBytes != 400*1024 {
			t.Errorf("Info = %+v", info)
		}
	})
}

func TestUnauthorized(t *testing.T) {
	t.Run("renewed once then refused", func(t *testing.T) {
		e := newStubEnv(t)
		e.reg.Register(tokenStub(), tokenAnswer(accessToken(1), "", testTarget))
		e.reg.Register(tokenStub(), tokenAnswer(accessToken(2), "", testTarget))
		e.reg.Register(httpstub.REST("POST", upsBulkPath), httpstub.StatusStringResponse(401, "")).Times(2)
		_, err := e.ups(t).Send(t.Context(), []byte(bulkBody), 1)
		te := kindOf(t, err, KindAuth)
		if te.Attempts != 2 {
			t.Errorf("Attempts = %d, want 2", te.Attempts)
		}
		noSecrets(t, "error", err.Error(), accessToken(1), accessToken(2))
	})
	t.Run("forbidden", func(t *testing.T) {
		e := newStubEnv(t)
		e.reg.Register(tokenStub(), tokenAnswer(accessToken(1), "", testTarget))
		e.reg.Register(httpstub.REST("POST", upsBulkPath), httpstub.JSONResponse(403, map[string]any{"status": "403", "detail": "insufficient scope"}))
		_, err := e.ups(t).Send(t.Context(), []byte(bulkBody), 1)
		kindOf(t, err, KindAuth)
		for _, w := range []string{"403", "insufficient scope", "missing scopes", "user.provision.write"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q lacks %q", err, w)
			}
		}
	})
}

func TestJWTClaim(t *testing.T) {
	if got := jwtClaim(accessToken(1), "concur.company"); got != testCompany {
		t.Errorf("concur.company = %q", got)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a." + "e30" + ".c"} {
		if got := jwtClaim(bad, "concur.company"); got != "" {
			t.Errorf("jwtClaim(%q) = %q", bad, got)
		}
	}
}

func TestNewUPSNeedsCredentials(t *testing.T) {
	for _, o := range []UPSOptions{
		{URL: testTarget},
		{URL: testTarget, ClientID: "c", ClientSecret: "s", RequestToken: "r"},
		{URL: "ftp://x", ClientID: "c", ClientSecret: "s"},
	} {
		if _, err := NewUPS(o); err == nil {
			t.Errorf("NewUPS(%+v) succeeded", o)
		}
	}
}

func TestShortLivedTokensRenewAtHalfLife(t *testing.T) {
	for _, tt := range []struct {
		life, wantValidFor time.Duration
	}{
		{time.Hour, time.Hour - DefaultEarlyRenew},
		{2 * time.Minute, time.Minute},
		{8 * time.Minute, 4 * time.Minute},
		{20 * time.Minute, 15 * time.Minute},
	} {
		src := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "a", Expiry: time.Now().Add(tt.life)})
		tok, err := halfLife{src, DefaultEarlyRenew}.Token()
		if err != nil {
			t.Fatal(err)
		}
		// ReuseTokenSource renews DefaultEarlyRenew before Expiry.
		if got := time.Until(tok.Expiry) - DefaultEarlyRenew; got < tt.wantValidFor-time.Second || got > tt.wantValidFor+time.Second {
			t.Errorf("a token living %s is reused for %s, want %s", tt.life, got, tt.wantValidFor)
		}
	}
}

// TestTokenDropRetried: a password grant whose connection broke after it
// was written is asked again (it spends nothing); a refresh grant is not
// (its refresh token may have been rotated away).
func TestTokenDropRetried(t *testing.T) {
	t.Run("password grant", func(t *testing.T) {
		e := newStubEnv(t)
		e.reg.Register(tokenStub(), httpstub.ConnDrop())
		e.reg.Register(tokenStub(), tokenAnswer(accessToken(1), "", "https://geo.example.test"))
		e.reg.Register(httpstub.REST("GET", upsConfigPath).And(bearer(accessToken(1))), httpstub.StatusStringResponse(404, ""))
		if _, err := e.ups(t).Prepare(t.Context()); err != nil {
			t.Fatalf("Prepare: %v", err)
		}
	})
	t.Run("refresh grant", func(t *testing.T) {
		e := newStubEnv(t)
		e.opts.RequestToken, e.opts.RefreshToken = "", testRefresh
		e.reg.Register(tokenStub(), httpstub.ConnDrop())
		if _, err := e.ups(t).Prepare(t.Context()); err == nil {
			t.Fatal("a refresh grant whose answer was lost was sent again")
		}
	})
}
