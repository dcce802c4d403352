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
		"--rate", "50", "--seed", "7", "--client-id", "cid", "--company-id", "flag-company", "--no-auth", "--db", "x.db", "--users", "25", "--response-latency", "5ms"})
	if err != nil {
		t.Fatal(err)
	}
	want := sandbox.Config{Addr: sandbox.DefaultAddr, Latency: 2 * time.Second, ResponseLatency: 5 * time.Millisecond, FailRate: 0.1, ThrottleRate: 0.2, DropRate: 0.05,
		Rate: 50, Seed: 7, ClientID: "cid", ClientSecret: "from-env", CompanyID: "flag-company", NoAuth: true, DB: "x.db", Users: 25}
	got.Log = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ConfigFromFlags:\n got %+v\nwant %+v", got, want)
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
