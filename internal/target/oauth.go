package target

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Token hosts used when no --target is given, from spec/ups-v4/base-uris.csv:
// the US production host appears in all current examples and token
// geolocation samples; the current authentication doc sends the password
// grant with credtype=authtoken (company request tokens) to GLZ, the Global
// Landing Zone. The token's geolocation then names the API host.
var defaultAuthHosts = map[string]string{
	GrantPassword:          "https://glz.api.concursolutions.com",
	GrantRefreshToken:      "https://us.api.concursolutions.com",
	GrantClientCredentials: "https://us.api.concursolutions.com",
}

// TokenPath is the OAuth2 token endpoint under the auth base
// (spec/ups-v4/endpoints.csv).
const TokenPath = "/oauth2/v0/token"

// OAuth2 grants of the UPS client, chosen from what UPSOptions gives.
const (
	// GrantPassword is the company password grant: username = company
	// UUID, password = company request token, credtype=authtoken.
	GrantPassword = "password"
	// GrantRefreshToken refreshes a company token; refresh tokens rotate.
	GrantRefreshToken = "refresh_token"
	// GrantClientCredentials is an application token (it may not read or
	// write users).
	GrantClientCredentials = "client_credentials"
)

// DefaultEarlyRenew is how long before its expiry an access token is
// renewed.
const DefaultEarlyRenew = 5 * time.Minute

// auth hands out access tokens: cached until shortly before expiry
// (oauth2.ReuseTokenSource), renewed once after a 401.
type auth struct {
	grant    string
	tokenURL string
	src      oauth2.TokenSource // fetches a new token on every call
	early    time.Duration
	onToken  func(*oauth2.Token)

	mu          sync.Mutex
	reuse       oauth2.TokenSource
	invalidated string // the access token last discarded after a 401
}

func newAuth(grant, tokenURL string, src oauth2.TokenSource, early time.Duration, onToken func(*oauth2.Token)) *auth {
	a := &auth{grant: grant, tokenURL: tokenURL, src: halfLife{src, early}, early: early, onToken: onToken}
	a.reuse = oauth2.ReuseTokenSourceWithExpiry(nil, src, early)
	return a
}

// token returns a valid access token. ctx bounds the wait; the fetch itself
// is bounded by the HTTP options (timeouts, attempts).
func (a *auth) token(ctx context.Context) (*oauth2.Token, error) {
	a.mu.Lock()
	ts := a.reuse
	a.mu.Unlock()
	type result struct {
		t   *oauth2.Token
		err error
	}
	ch := make(chan result, 1)
	go func() {
		t, err := ts.Token()
		ch <- result{t, err}
	}()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case r := <-ch:
		if r.err != nil {
			return nil, a.classify(r.err)
		}
		if a.onToken != nil {
			a.onToken(r.t)
		}
		return r.t, nil
	}
}

func (a *auth) authorize(ctx context.Context, h http.Header) (string, error) {
	t, err := a.token(ctx)
	if err != nil {
		return "", err
	}
	h.Set("Authorization", "Bearer "+t.AccessToken)
	return t.AccessToken, nil
}

// renew discards the cached token cred (answered 401): the next call
// fetches a new one. Concurrent 401s for the same token renew once.
func (a *auth) renew(cred string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if cred != a.invalidated {
		a.invalidated = cred
		a.reuse = oauth2.ReuseTokenSourceWithExpiry(nil, a.src, a.early)
	}
	return true
}

// halfLife keeps short-lived tokens from being renewed on every call: a
// token living less than twice the early-renewal margin is renewed at half
// its life instead (its Expiry is moved so the margin lands there).
type halfLife struct {
	src   oauth2.TokenSource
	early time.Duration
}

func (h halfLife) Token() (*oauth2.Token, error) {
	t, err := h.src.Token()
	if err != nil || t.Expiry.IsZero() {
		return t, err
	}
	if life := time.Until(t.Expiry); life > 0 && life < 2*h.early {
		c := *t
		c.Expiry = t.Expiry.Add(h.early - life/2)
		return &c, nil
	}
	return t, nil
}

// classify turns a token fetch failure into a *Error: KindAuth for refusals
// (with Concur's code and a hint), the transport's kind otherwise.
func (a *auth) classify(err error) error {
	e := &Error{Kind: KindAuth, Op: "token", Method: http.MethodPost, URL: a.tokenURL, Err: err}
	var re *oauth2.RetrieveError
	var te *Error
	switch {
	case errors.As(err, &te):
		c := *te
		c.Op = "token"
		if c.Kind == KindInDoubt {
			c.Kind = KindUnreachable
		}
		return &c
	case errors.As(err, &re):
		var body struct {
			Code        json.RawMessage `json:"code"`
			Error       string          `json:"error"`
			Description string          `json:"error_description"`
		}
		_ = json.Unmarshal(re.Body, &body)
		code := strings.Trim(string(body.Code), `"`)
		kind := firstNonEmpty(body.Error, re.ErrorCode)
		desc := firstNonEmpty(body.Description, re.ErrorDescription, tokenCodeMeaning[code])
		if re.Response != nil {
			e.Status = re.Response.StatusCode
		}
		e.Code = firstNonEmpty(code, kind)
		switch {
		case kind != "" && code != "":
			e.Detail = fmt.Sprintf("%s (code %s): %s", kind, code, desc)
		case kind != "":
			e.Detail = strings.TrimSuffix(kind+": "+desc, ": ")
		default:
			e.Detail = "the token endpoint refused the request"
		}
		e.Hint = tokenHint(a.grant, code, kind)
		e.Err = nil // RetrieveError.Error() may quote the raw body
	default:
		e.Detail = "no usable token: " + err.Error()
	}
	return e
}

// tokenCodeMeaning words Concur's token error codes
// (spec/ups-v4/error-codes.csv) when the answer has no description.
var tokenCodeMeaning = map[string]string{
	"5": "wrong credentials", "10": "account disabled", "11": "account disabled",
	"12": "logon denied", "13": "logon denied", "14": "account locked",
	"16": "user in another geolocation", "19": "wrong credentials", "20": "logon denied (IP restriction)",
	"51": "username missing", "52": "password missing", "53": "company not enabled for client",
	"54": "scope beyond grant", "59": "client disabled", "60": "wrong grant", "61": "unknown client",
	"62": "client_id missing", "63": "client_secret missing", "64": "wrong client credentials",
	"65": "grant_type missing", "100": "username unknown", "105": "grant issued to other client",
	"106": "refresh_token missing", "107": "refresh not allowed for app", "108": "refresh token bad or expired",
	"120": "bad credtype", "123": "principal disabled", "134": "company under maintenance",
	"136": "authtoken not issued to caller",
}

const (
	hintClient  = "check UPSMIGRATE_CLIENT_ID and UPSMIGRATE_CLIENT_SECRET"
	hintCompany = "check UPSMIGRATE_COMPANY_ID and the company request token (UPSMIGRATE_REQUEST_TOKEN; valid 24 hours), and UPSMIGRATE_CLIENT_SECRET"
	hintRefresh = "the refresh token is invalid or expired (they rotate: the newest is in the token file); get a new company request token"
)

// tokenHint says what to check for a token error.
func tokenHint(grant, code, kind string) string {
	switch code {
	case "5", "19", "12", "13", "20":
		if grant == GrantPassword {
			return hintCompany
		}
		return hintClient
	case "51", "100":
		return "check UPSMIGRATE_COMPANY_ID (the company UUID)"
	case "52":
		return "give the company request token (UPSMIGRATE_REQUEST_TOKEN)"
	case "53":
		return "the company has not enabled this app: ask its administrator to connect it in App Center"
	case "16":
		return "give --target with the company's data center (base-uris.csv)"
	case "59", "61", "62", "63", "64":
		return hintClient
	case "105", "136":
		return "the token was issued to another client: check UPSMIGRATE_CLIENT_ID"
	case "106", "108":
		return hintRefresh
	case "107":
		return "the app may not use refresh tokens: give a company request token"
	case "134":
		return "the company is under maintenance: try again later"
	}
	switch kind {
	case "invalid_client", "access_denied":
		return hintClient
	case "invalid_grant":
		if grant == GrantRefreshToken {
			return hintRefresh
		}
		return hintCompany
	case "invalid_scope":
		return "the app lacks the requested scopes"
	}
	return "check the credentials and --target"
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// companySource fetches company tokens: the password grant with
// credtype=authtoken (x/oauth2 cannot add credtype) and the refresh grant
// (x/oauth2). After a first token every renewal uses the newest refresh
// token, falling back to the request token when it is refused. Rotated
// refresh tokens are saved to the token file.
type companySource struct {
	ctx          context.Context // carries the oauth2.HTTPClient
	cfg          *oauth2.Config
	companyID    string
	requestToken string
	store        *tokenFile // nil: rotated tokens are kept in memory only
	log          func(string, ...any)

	mu        sync.Mutex
	refresh   string // newest refresh token
	fallback  string // another refresh token to try when refresh is refused
	triedPass bool
	warned    bool
}

// Token implements oauth2.TokenSource.
func (s *companySource) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t *oauth2.Token
	var err error
	switch {
	case s.requestToken != "" && (!s.triedPass || s.refresh == ""):
		s.triedPass = true
		t, err = s.password()
	default:
		t, err = s.refreshGrant(s.refresh)
		if isInvalidGrant(err) && s.fallback != "" && s.fallback != s.refresh {
			alt := s.fallback
			s.fallback = ""
			t, err = s.refreshGrant(alt)
		}
		if isInvalidGrant(err) && s.requestToken != "" {
			t, err = s.password()
		}
	}
	if err != nil {
		return nil, err
	}
	if t.RefreshToken != "" && t.RefreshToken != s.refresh {
		rotated := s.refresh != ""
		s.refresh = t.RefreshToken
		switch {
		case s.store != nil:
			if err := s.store.save(t.RefreshToken); err != nil {
				return nil, &Error{Kind: KindAuth, Op: "token", Detail: "cannot save the new refresh token: " + err.Error(),
					Hint: "the previous one is retired: make the token file writable and get a new company request token"}
			}
		case rotated && !s.warned:
			s.warned = true
			s.log("warning: the refresh token rotated and no token file was named: the new one is lost when upsmigrate exits")
		}
	}
	return t, nil
}

func (s *companySource) refreshGrant(rt string) (*oauth2.Token, error) {
	return s.cfg.TokenSource(s.ctx, &oauth2.Token{RefreshToken: rt}).Token()
}

func (s *companySource) password() (*oauth2.Token, error) {
	form := url.Values{
		"grant_type":    {GrantPassword},
		"client_id":     {s.cfg.ClientID},
		"client_secret": {s.cfg.ClientSecret},
		"username":      {s.companyID},
		"password":      {s.requestToken},
		"credtype":      {"authtoken"},
	}
	return postToken(s.ctx, s.cfg.Endpoint.TokenURL, form)
}

func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && (re.ErrorCode == "invalid_grant" || re.ErrorCode == "invalid_request" && re.Response != nil && re.Response.StatusCode < 500)
}

// postToken is a token request x/oauth2 cannot make (extra form fields).
// It answers like x/oauth2: *oauth2.RetrieveError on refusal, the token
// with its raw fields (geolocation) as Extra.
func postToken(ctx context.Context, tokenURL string, form url.Values) (*oauth2.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc, _ := ctx.Value(oauth2.HTTPClient).(*http.Client)
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("oauth2: cannot fetch token: %w", err)
	}
	var tj struct {
		AccessToken  string          `json:"access_token"`
		TokenType    string          `json:"token_type"`
		RefreshToken string          `json:"refresh_token"`
		ExpiresIn    json.RawMessage `json:"expires_in"`
		Error        string          `json:"error"`
		Description  string          `json:"error_description"`
	}
	jerr := json.Unmarshal(body, &tj)
	if res.StatusCode < 200 || res.StatusCode > 299 || tj.Error != "" {
		return nil, &oauth2.RetrieveError{Response: res, Body: body, ErrorCode: tj.Error, ErrorDescription: tj.Description}
	}
	if jerr != nil || tj.AccessToken == "" {
		return nil, errors.New("oauth2: the token answer holds no access_token")
	}
	t := &oauth2.Token{AccessToken: tj.AccessToken, TokenType: tj.TokenType, RefreshToken: tj.RefreshToken}
	if n, err := strconv.ParseInt(strings.Trim(string(tj.ExpiresIn), `"`), 10, 64); err == nil && n > 0 {
		t.Expiry = time.Now().Add(time.Duration(n) * time.Second)
	}
	var raw map[string]any
	_ = json.Unmarshal(body, &raw)
	return t.WithExtra(raw), nil
}

// ccSource fetches a new client-credentials token on every call (caching is
// auth's).
type ccSource struct {
	ctx context.Context
	cfg *clientcredentials.Config
}

func (s ccSource) Token() (*oauth2.Token, error) { return s.cfg.Token(s.ctx) }

// tokenTransport sends token requests through the retry policy (never
// re-sending a refresh grant that was written: its refresh token may have
// been spent).
type tokenTransport struct{ h *httpc }

func (t tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	// A password or client-credentials grant may be asked again after a
	// connection broke: it spends nothing. A refresh grant may not: the
	// token it spent may have been rotated away.
	form, _ := url.ParseQuery(string(body))
	again := form.Get("grant_type") != GrantRefreshToken
	res, err := t.h.do(req.Context(), &request{op: "token", method: req.Method, url: req.URL.String(), body: body,
		header: req.Header, idempotent: again})
	if err != nil {
		return nil, err
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", res.status, http.StatusText(res.status)), StatusCode: res.status,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: res.header,
		Body: io.NopCloser(strings.NewReader(string(res.body))), ContentLength: int64(len(res.body)), Request: req,
	}, nil
}

// jwtClaim returns a string claim of a JWT's payload (not verified: the
// token came from the token endpoint over TLS).
func jwtClaim(token, claim string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return ""
	}
	var claims map[string]any
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	s, _ := claims[claim].(string)
	return s
}
