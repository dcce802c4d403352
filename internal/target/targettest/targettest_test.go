package targettest_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/sandbox"
	"github.com/upsmigrate/upsmigrate/internal/target"
	"github.com/upsmigrate/upsmigrate/internal/target/targettest"
)

// startSandbox serves a sandbox for the duration of t.
func startSandbox(t *testing.T) (*sandbox.Server, string) {
	t.Helper()
	s, err := sandbox.New(sandbox.Config{Users: 2})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		if err := s.Close(); err != nil {
			t.Errorf("sandbox Close: %v", err)
		}
	})
	return s, hs.URL
}

// logTo logs the client's HTTP lines to t.
func logTo(t *testing.T) func(string, ...any) {
	return func(format string, args ...any) { t.Logf(format, args...) }
}

func TestUPSOnSandbox(t *testing.T) {
	grants := []struct {
		name string
		opts func(c sandbox.Credentials, tokenFile string) target.UPSOptions
	}{
		{"password", func(c sandbox.Credentials, _ string) target.UPSOptions {
			return target.UPSOptions{CompanyID: c.CompanyID, RequestToken: c.AuthToken}
		}},
		// Refresh tokens rotate: every client after the first reads the
		// newest from the shared token file.
		{"refresh", func(c sandbox.Credentials, tokenFile string) target.UPSOptions {
			return target.UPSOptions{RefreshToken: c.RefreshToken, TokenFile: tokenFile}
		}},
	}
	for _, g := range grants {
		t.Run(g.name, func(t *testing.T) {
			s, url := startSandbox(t)
			c := s.Credentials()
			tokenFile := filepath.Join(t.TempDir(), "refresh-token")
			targettest.Run(t, func(t *testing.T) (target.Target, targettest.Fixture) {
				o := g.opts(c, tokenFile)
				o.URL, o.ClientID, o.ClientSecret = url, c.ClientID, c.ClientSecret
				o.Log = logTo(t)
				tg, err := target.NewUPS(o)
				if err != nil {
					t.Fatal(err)
				}
				return tg, targettest.Fixture{CompanyID: c.CompanyID, UserNamesIgnoreCase: true}
			})
			if g.name == "refresh" {
				b, err := os.ReadFile(tokenFile)
				if err != nil || strings.Contains(string(b), c.RefreshToken) {
					t.Errorf("token file %q (%v) does not hold a rotated token", b, err)
				}
			}
		})
	}
}

// The sandbox's client-credentials token is an application token: it may
// read the ServiceProviderConfig but no users.
func TestUPSClientCredentialsOnSandbox(t *testing.T) {
	s, url := startSandbox(t)
	c := s.Credentials()
	tg, err := target.NewUPS(target.UPSOptions{URL: url, ClientID: c.ClientID, ClientSecret: c.ClientSecret, HTTPOptions: target.HTTPOptions{Log: logTo(t)}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := tg.Prepare(t.Context())
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	if info.Company != "" {
		t.Errorf("an application token has company %q", info.Company)
	}
	_, err = tg.LookupEmployees(t.Context(), []string{"E00001"})
	if !target.IsKind(err, target.KindAuth) || !strings.Contains(err.Error(), "missing scopes") {
		t.Errorf("lookup with an application token: %v, want KindAuth naming the scopes", err)
	}
	_, err = tg.Send(t.Context(), []byte(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"DELETE","path":"/Users/x"}]}`), 1)
	if !target.IsKind(err, target.KindAuth) {
		t.Errorf("Send with an application token: %v, want KindAuth", err)
	}
}

func TestUPSWrongSecretOnSandbox(t *testing.T) {
	s, url := startSandbox(t)
	c := s.Credentials()
	tg, err := target.NewUPS(target.UPSOptions{URL: url, ClientID: c.ClientID, ClientSecret: "wrong-" + c.ClientSecret, CompanyID: c.CompanyID, RequestToken: c.AuthToken})
	if err != nil {
		t.Fatal(err)
	}
	_, err = tg.Prepare(t.Context())
	if !target.IsKind(err, target.KindAuth) || !strings.Contains(err.Error(), "invalid_client (code 64)") {
		t.Errorf("Prepare with a wrong secret: %v", err)
	}
	for _, secret := range []string{c.ClientSecret, c.AuthToken} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error leaks a secret: %v", err)
		}
	}
}

func TestSCIMOnFake(t *testing.T) {
	const token = "fake-scim-token"
	hs := httptest.NewServer(newFakeSCIM(token))
	t.Cleanup(hs.Close)
	targettest.Run(t, func(t *testing.T) (target.Target, targettest.Fixture) {
		tg, err := target.NewSCIM(target.SCIMOptions{URL: hs.URL + fakeRoot, Token: token, HTTPOptions: target.HTTPOptions{Log: logTo(t)}})
		if err != nil {
			t.Fatal(err)
		}
		return tg, targettest.Fixture{CompanyID: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9", UserNamesIgnoreCase: true}
	})
}

// TestSCIMOnSCIMMY runs the suite against the SCIMMY server of
// scripts/scimmy when UPSMIGRATE_SCIMMY_URL names it.
func TestSCIMOnSCIMMY(t *testing.T) {
	url := os.Getenv("UPSMIGRATE_SCIMMY_URL")
	if url == "" {
		t.Skip("UPSMIGRATE_SCIMMY_URL is not set (scripts/scimmy/run.sh start)")
	}
	token := os.Getenv("UPSMIGRATE_SCIMMY_TOKEN")
	targettest.Run(t, func(t *testing.T) (target.Target, targettest.Fixture) {
		tg, err := target.NewSCIM(target.SCIMOptions{URL: url, Token: token, HTTPOptions: target.HTTPOptions{Log: logTo(t)}})
		if err != nil {
			t.Fatal(err)
		}
		// SCIMMY compares userNames case-sensitively.
		return tg, targettest.Fixture{CompanyID: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"}
	})
}
