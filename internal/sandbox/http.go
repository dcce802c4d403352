package sandbox

import (
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

// statusWriter records the status of an answer. When applyDrop is armed
// (--apply-drop-rate), a 2xx answer is swallowed instead of sent, and
// ServeHTTP then closes the connection: the request was applied, its answer
// dropped.
type statusWriter struct {
	http.ResponseWriter
	status    int
	applyDrop bool // drop a 2xx answer
	swallowed bool // a 2xx answer was held back
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		w.swallowed = w.applyDrop && code >= 200 && code < 300
	}
	if !w.swallowed {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.swallowed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// ServeHTTP answers one request: optional response latency, injected faults
// (decided before anything changes), the per-client rate limit,
// authentication, the UPS v4 routes and, last, the apply-drop of a write
// (after its change is committed). Every request is logged on one line
// (method, path, status, duration, client id).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	client := ""
	defer func() { s.logRequest(r, sw, time.Since(start), client) }()

	claims, tokErr := s.bearer(r)
	if claims != nil {
		client = claims.ClientID
	}
	kind := classify(r)
	isToken := kind == kindToken
	if isToken {
		_ = r.ParseForm()
		client = r.PostFormValue("client_id")
	}
	if d := s.cfg.ResponseLatency; d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	if s.injectFault(sw, kind) {
		return
	}
	if !s.allow(sw, r, client) {
		return
	}
	if isToken {
		s.handleToken(sw, r)
		return
	}
	if !s.cfg.NoAuth && claims == nil {
		writeError(sw, &scimError{Status: http.StatusUnauthorized, Detail: tokErr})
		return
	}
	s.route(sw, r, claims)
	if sw.swallowed {
		// The change is committed (handlers flush before answering); close
		// the connection without the answer.
		panic(http.ErrAbortHandler)
	}
}

// allow enforces --rate per client (client id, else remote address).
func (s *Server) allow(w *statusWriter, r *http.Request, client string) bool {
	if s.cfg.Rate <= 0 {
		return true
	}
	key := client
	if key == "" {
		key, _, _ = net.SplitHostPort(r.RemoteAddr)
	}
	s.limMu.Lock()
	lim := s.limiters[key]
	if lim == nil {
		lim = rate.NewLimiter(rate.Limit(s.cfg.Rate), max(1, int(math.Ceil(s.cfg.Rate))))
		s.limiters[key] = lim
	}
	now := s.clock()
	res := lim.ReserveN(now, 1)
	delay := res.DelayFrom(now)
	if delay > 0 {
		res.CancelAt(now)
	}
	s.limMu.Unlock()
	if delay <= 0 {
		return true
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(delay.Seconds()))))
	writeError(w, &scimError{Status: http.StatusTooManyRequests, ScimType: "tooMany", Detail: fmt.Sprintf("rate limit of %g requests per second exceeded", s.cfg.Rate)})
	return false
}

func (s *Server) logRequest(r *http.Request, sw *statusWriter, d time.Duration, client string) {
	if s.cfg.Log == nil {
		return
	}
	st := strconv.Itoa(sw.status)
	if sw.status == 0 {
		st = "dropped"
	}
	if client == "" {
		client = "-"
	}
	note := ""
	if sw.swallowed {
		note = " applied, answer dropped"
	}
	// What the client sent is escaped: a decoded %0a or a raw ESC in the
	// path must not start a forged line or drive the terminal.
	line := fmt.Sprintf("%s %s %s %s %s client=%s%s\n", s.clock().UTC().Format(time.RFC3339), logSafe(r.Method), r.URL.EscapedPath(), st, d.Round(time.Microsecond), logSafe(client), note)
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = io.WriteString(s.cfg.Log, line)
}

func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func methodNotAllowed(w http.ResponseWriter, allowed ...string) {
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, &scimError{Status: http.StatusMethodNotAllowed, Detail: "method not allowed; use " + strings.Join(allowed, ", ")})
}

// route dispatches the UPS v4 endpoints. Paths are matched ignoring case and
// a trailing slash; /provisioning/v4 is an alias of /profile/v4 (Postman).
func (s *Server) route(w http.ResponseWriter, r *http.Request, claims *tokenClaims) {
	raw := strings.Trim(r.URL.Path, "/")
	var segs, lower []string
	if raw != "" {
		segs = strings.Split(raw, "/")
	}
	for _, p := range segs {
		lower = append(lower, strings.ToLower(p))
	}
	base := baseURL(r)
	company := s.cfg.NoAuth || claims == nil || claims.Type == "company"
	needCompany := func() bool {
		if !company {
			writeError(w, &scimError{Status: http.StatusForbidden, Detail: "a company access token is required (password or refresh_token grant); client_credentials tokens cannot read or write users"})
		}
		return company
	}
	at := func(prefix ...string) bool {
		if len(lower) < len(prefix) {
			return false
		}
		for i, p := range prefix {
			if lower[i] != p {
				return false
			}
		}
		return true
	}
	switch {
	case at("profile", "v4") || at("provisioning", "v4"):
		rest, restRaw := lower[2:], segs[2:]
		switch {
		case len(rest) == 1 && rest[0] == "bulk":
			if r.Method != http.MethodPost {
				methodNotAllowed(w, http.MethodPost)
			} else if needCompany() {
				s.handleBulk(w, r, base)
			}
			return
		case len(rest) == 1 && rest[0] == "users":
			if r.Method != http.MethodPost {
				methodNotAllowed(w, http.MethodPost)
			} else if needCompany() {
				s.handleUserWrite(w, r, base, "", false)
			}
			return
		case len(rest) == 2 && rest[0] == "users" && rest[1] == ".search":
			if r.Method != http.MethodPost {
				methodNotAllowed(w, http.MethodPost)
			} else if needCompany() {
				s.handleSearch(w, r, base, viewFull, 10*1024)
			}
			return
		case len(rest) == 2 && rest[0] == "users":
			switch r.Method {
			case http.MethodPatch, http.MethodPut, http.MethodDelete:
				if needCompany() {
					s.handleUserWrite(w, r, base, restRaw[1], false)
				}
			case http.MethodGet:
				if needCompany() {
					s.handleGetUser(w, r, base, restRaw[1], viewFull)
				}
			default:
				methodNotAllowed(w, http.MethodGet, http.MethodPatch, http.MethodPut, http.MethodDelete)
			}
			return
		case len(rest) == 3 && rest[0] == "provisions" && rest[2] == "status":
			if r.Method != http.MethodGet {
				methodNotAllowed(w, http.MethodGet)
			} else if needCompany() {
				s.handleStatus(w, r, base, restRaw[1])
			}
			return
		}
		if s.routeMeta(w, r, base, rest, restRaw, allUserSchemas) {
			return
		}
	case at("profile", "identity") && len(lower) >= 3 && (lower[2] == "v4" || lower[2] == "v4.1"):
		v41 := lower[2] == "v4.1"
		rest, restRaw := lower[3:], segs[3:]
		switch {
		case len(rest) == 1 && rest[0] == "users":
			switch r.Method {
			case http.MethodGet:
				if needCompany() {
					s.handleListIdentity(w, r, base, v41)
				}
			case http.MethodPost:
				if needCompany() {
					s.handleUserWrite(w, r, base, "", true)
				}
			default:
				methodNotAllowed(w, http.MethodGet, http.MethodPost)
			}
			return
		case len(rest) == 2 && rest[0] == "users" && rest[1] == ".search":
			if r.Method != http.MethodPost {
				methodNotAllowed(w, http.MethodPost)
			} else if needCompany() {
				s.handleSearch(w, r, base, viewIdentity, 0)
			}
			return
		case len(rest) == 2 && rest[0] == "users":
			switch r.Method {
			case http.MethodGet:
				if needCompany() {
					s.handleGetUser(w, r, base, restRaw[1], viewIdentity)
				}
			case http.MethodPatch, http.MethodPut:
				if needCompany() {
					s.handleUserWrite(w, r, base, restRaw[1], true)
				}
			default:
				methodNotAllowed(w, http.MethodGet, http.MethodPatch, http.MethodPut)
			}
			return
		}
		if s.routeMeta(w, r, base, rest, restRaw, []string{urnCore, urnEnterprise}) {
			return
		}
	case at("profile", "spend", "v4", "users") || at("profile", "spend", "v4.1", "users"):
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		if !needCompany() {
			return
		}
		switch len(lower) {
		case 4:
			s.handleListSpend(w, r, base)
			return
		case 5:
			s.handleGetUser(w, r, base, segs[4], viewSpend)
			return
		}
	case at("profile", "travel", "v4", "users") && len(lower) == 5:
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
		} else if needCompany() {
			s.handleGetUser(w, r, base, segs[4], viewTravel)
		}
		return
	}
	writeError(w, notFound(fmt.Sprintf("no UPS v4 endpoint at %s %s", r.Method, r.URL.Path)))
}

// logSafe escapes what is not printable in s (control characters, invalid
// UTF-8, spaces) as Go escapes, for one line of the request log.
func logSafe(s string) string {
	for _, c := range s {
		if c <= ' ' || c == 0x7f || c == utf8.RuneError || !unicode.IsPrint(c) {
			q := strconv.Quote(s)
			return q[1 : len(q)-1]
		}
	}
	return s
}
