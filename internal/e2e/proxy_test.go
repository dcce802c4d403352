package e2e

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// startNo503 serves a reverse proxy to sb that answers the sandbox's 503s
// as 500s and passes everything else through: other statuses, headers and
// bodies as they are, and a connection the sandbox closed without an
// answer (--drop-rate, --apply-drop-rate) as a connection closed without
// an answer. It is stopped at t's cleanup. api counts the requests it
// passed on other than to the token endpoint.
//
// Why: the client waits at least 30 s (target.DefaultMaintenanceDelay)
// after any 503, whatever its Retry-After, and its lookups are sequential,
// so the 2.5% of requests --fail-rate 0.1 answers 503 make a 2,000-employee
// run last minutes. A 500 is retried after its backoff.
func startNo503(t *testing.T, sb *sandbox) (proxyURL string, api func() int64) {
	t.Helper()
	to, err := url.Parse(sb.URL)
	if err != nil {
		t.Fatal(err)
	}
	// No keep-alive towards the sandbox: net/http would otherwise re-send
	// a GET whose reused connection broke, hiding the drop from the client.
	tr := &http.Transport{DisableKeepAlives: true}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(to)
			// The sandbox names the API base (the token's geolocation) after
			// the Host asked for: the proxy's, so the client stays on it.
			r.Out.Host = r.In.Host
		},
		Transport: tr,
		ModifyResponse: func(res *http.Response) error {
			if res.StatusCode == http.StatusServiceUnavailable {
				res.StatusCode, res.Status = http.StatusInternalServerError, "500 Internal Server Error"
			}
			return nil
		},
		ErrorHandler: func(http.ResponseWriter, *http.Request, error) {
			// The sandbox closed the connection: close the client's too.
			panic(http.ErrAbortHandler)
		},
	}
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/oauth2/") {
			n.Add(1)
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	return srv.URL, n.Load
}
