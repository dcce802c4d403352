package sandbox

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &safeBuffer{}
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- Run(ctx, Config{Addr: "127.0.0.1:0", Users: 2}, out) }()
	var url string
	for url == "" {
		if i := strings.Index(out.String(), "http://"); i >= 0 {
			url = strings.Fields(out.String()[i:])[0]
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no banner: %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	res, err := http.Get(url + "/profile/v4/ServiceProviderConfig")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Errorf("unauthenticated request: %d", res.StatusCode)
	}
	for _, want := range []string{"company id", "client secret", "auth token", "refresh token", "2 users", "seed="} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, out.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}
