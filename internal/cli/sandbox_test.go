package cli

import (
	"context"
	"io"
	"net/http"
	neturl "net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/upsmigrate/upsmigrate/internal/sandbox"
)

func TestFlags(t *testing.T) {
	var got sandbox.Config
	app := &ucli.App{Writer: io.Discard, ErrWriter: io.Discard, Commands: []*ucli.Command{{
		Name: "sandbox", Flags: sandboxFlags(),
		Action: func(c *ucli.Context) error {
			env := map[string]string{"UPSMIGRATE_CLIENT_SECRET": "from-env", "UPSMIGRATE_COMPANY_ID": "env-company"}
			got = sandboxConfig(c, func(k string) string { return env[k] }, io.Discard)
			return nil
		},
	}}}
	err := app.Run([]string{"upsmigrate", "sandbox", "--latency", "2s", "--fail-rate", "0.1", "--throttle-rate", "0.2", "--drop-rate", "0.05",
		"--rate", "50", "--seed", "7", "--throttle-retry-after", "0s", "--maintenance-rate", "0.01", "--maintenance-duration", "3s",
		"--apply-drop-rate", "0.02", "--ext-fail-rate", "0.03", "--client-id", "cid", "--company-id", "flag-company", "--no-auth", "--db", "x.db", "--users", "25", "--response-latency", "5ms"})
	if err != nil {
		t.Fatal(err)
	}
	want := sandbox.Config{Addr: sandbox.DefaultAddr, Latency: 2 * time.Second, ResponseLatency: 5 * time.Millisecond, FailRate: 0.1, ThrottleRate: 0.2, DropRate: 0.05,
		Rate: 50, Seed: 7, ThrottleRetryAfter: new(time.Duration(0)), MaintenanceRate: 0.01, MaintenanceDuration: 3 * time.Second,
		ApplyDropRate: 0.02, ExtFailRate: 0.03, ClientID: "cid", ClientSecret: "from-env", CompanyID: "flag-company", NoAuth: true, DB: "x.db", Users: 25}
	got.Log = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ConfigFromFlags:\n got %+v\nwant %+v", got, want)
	}
}

func TestFlagDefaults(t *testing.T) {
	var got sandbox.Config
	app := &ucli.App{Writer: io.Discard, ErrWriter: io.Discard, Commands: []*ucli.Command{{
		Name: "sandbox", Flags: sandboxFlags(),
		Action: func(c *ucli.Context) error { got = sandboxConfig(c, nil, nil); return nil },
	}}}
	if err := app.Run([]string{"upsmigrate", "sandbox"}); err != nil {
		t.Fatal(err)
	}
	if got.ThrottleRetryAfter == nil || *got.ThrottleRetryAfter != time.Second || got.MaintenanceDuration != 5*time.Second ||
		got.MaintenanceRate != 0 || got.ApplyDropRate != 0 || got.ExtFailRate != 0 {
		t.Errorf("defaults: %+v", got)
	}
}

func TestSandboxHelp(t *testing.T) {
	var out, errb strings.Builder
	c := &CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := c.Run([]string{"upsmigrate", "sandbox", "--help"}); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, flag := range []string{"--fail-rate", "--throttle-rate", "--throttle-retry-after", "--drop-rate", "--maintenance-rate",
		"--maintenance-duration", "--apply-drop-rate", "--ext-fail-rate", "--rate", "--seed"} {
		if !strings.Contains(out.String(), flag+" ") {
			t.Errorf("help lacks %s:\n%s", flag, out.String())
		}
	}
}

const sandboxTestCompany = "6f1c4f3c-3c0b-4c2a-9b7a-7d7e5c4a1b20"

// TestSandboxFaultFlags serves the command with every new fault at 1 and
// checks each is observable over HTTP.
func TestSandboxFaultFlags(t *testing.T) {
	for _, tc := range []struct {
		flags []string
		check func(t *testing.T, url string)
	}{
		{[]string{"--throttle-rate", "1", "--throttle-retry-after", "0"}, func(t *testing.T, url string) {
			res := mustGet(t, url+"/profile/v4/Schemas")
			if res.StatusCode != 429 || res.Header.Get("Retry-After") != "0" {
				t.Errorf("throttle: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
			}
		}},
		{[]string{"--maintenance-rate", "1", "--maintenance-duration", "2s"}, func(t *testing.T, url string) {
			res := mustGet(t, url+"/profile/v4/Schemas")
			if res.StatusCode != 503 || res.Header.Get("Retry-After") != "2" {
				t.Errorf("maintenance: %d Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
			}
		}},
		{[]string{"--apply-drop-rate", "1"}, func(t *testing.T, url string) {
			body := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ad@example.com","active":true,` +
				`"name":{"givenName":"A","familyName":"D"},"emails":[{"type":"work","value":"ad@example.com"}],` +
				`"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"companyId":"` + sandboxTestCompany + `","employeeNumber":"AD1"}}`
			if res, err := http.Post(url+"/profile/v4/Users", "application/scim+json", strings.NewReader(body)); err == nil {
				res.Body.Close()
				t.Errorf("apply-drop: got %d, want a closed connection", res.StatusCode)
			}
			res := mustGet(t, url+`/profile/identity/v4/Users?filter=`+neturl.QueryEscape(`employeeNumber eq "AD1"`))
			if b, _ := io.ReadAll(res.Body); !strings.Contains(string(b), `"totalResults":1`) {
				t.Errorf("apply-drop: the user was not written: %s", b)
			}
		}},
	} {
		t.Run(tc.flags[0], func(t *testing.T) {
			url, stop := runSandbox(t, append([]string{"--no-auth", "--company-id", sandboxTestCompany}, tc.flags...)...)
			defer stop()
			tc.check(t, url)
		})
	}
}

func mustGet(t *testing.T, url string) *http.Response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// runSandbox serves `upsmigrate sandbox` on a free port and returns its URL
// and a function that stops it.
func runSandbox(t *testing.T, flags ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	c := &CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Context: ctx}
	done := make(chan int, 1)
	go func() { done <- c.Run(append([]string{"upsmigrate", "sandbox", "--addr", "127.0.0.1:0"}, flags...)) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if i := strings.Index(out.String(), "http://"); i >= 0 {
			url := strings.Fields(out.String()[i:])[0]
			return url, func() {
				cancel()
				if code := <-done; code != ExitOK {
					t.Errorf("exit %d: %s", code, errb.String())
				}
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no banner: %q (stderr %q)", out.String(), errb.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// lockedBuffer is a goroutine-safe output stream for a running command.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestSandboxCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb lockedBuffer
	c := &CLI{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }, Context: ctx}
	done := make(chan int, 1)
	go func() {
		done <- c.Run([]string{"upsmigrate", "sandbox", "--addr", "127.0.0.1:0", "--no-auth", "--users", "3"})
	}()
	deadline := time.Now().Add(10 * time.Second)
	var url string
	for url == "" {
		if i := strings.Index(out.String(), "http://"); i >= 0 {
			url = strings.Fields(out.String()[i:])[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner on stdout: %q (stderr %q)", out.String(), errb.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	res, err := http.Get(url + `/profile/identity/v4/Users?filter=` + neturl.QueryEscape(`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E00002"`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "E00002") {
		t.Errorf("lookup of a seeded user: %d %s", res.StatusCode, body)
	}
	cancel()
	select {
	case code := <-done:
		if code != ExitOK {
			t.Errorf("exit %d after cancel; stderr %q", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not stop when its context ended")
	}
	if !strings.Contains(errb.String(), "GET /profile/identity/v4/Users") {
		t.Errorf("request not logged on stderr: %q", errb.String())
	}
}
