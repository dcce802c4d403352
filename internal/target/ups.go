package target

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// UPSOptions configure the SAP Concur UPS v4 client. The grant follows from
// what is given: RequestToken → the company password grant
// (credtype=authtoken); else RefreshToken, or one stored in TokenFile → the
// refresh grant; else client credentials.
type UPSOptions struct {
	// URL is --target: the auth base (token endpoint URL+TokenPath), and
	// the API base until a token names its geolocation. "" uses the default
	// host of the grant (spec/ups-v4/base-uris.csv).
	URL string
	// BaseURL, when set, is the API base for every call (the token's
	// geolocation is ignored).
	BaseURL string
	// ClientID and ClientSecret identify the app (all grants).
	ClientID, ClientSecret string
	// CompanyID (the company UUID) and RequestToken (the company request
	// token, valid 24 hours) for the password grant.
	CompanyID, RequestToken string
	// RefreshToken for the refresh grant. A token stored in TokenFile is
	// tried first (it is newer after a rotation), then this one.
	RefreshToken string
	// TokenFile, when set, receives the newest refresh token each time the
	// token endpoint issues one (written atomically, mode 0600).
	TokenFile string
	// NoAuth sends no token (a sandbox started with --no-auth).
	NoAuth bool
	// EarlyRenew renews an access token this long before it expires
	// (DefaultEarlyRenew when 0).
	EarlyRenew time.Duration
	HTTPOptions
}

// UPS paths (spec/ups-v4/endpoints.csv).
const (
	upsBulkPath   = "/profile/v4/Bulk"
	upsConfigPath = "/profile/v4/ServiceProviderConfig"
	upsStatusPath = "/profile/v4/provisions/"
)

// hintScopes is the hint of a 403 from UPS.
const hintScopes = "missing scopes: the app needs user.provision.write, user.provision.read, identity.user.ids.read, identity.user.core.read, identity.user.enterprise.read and user.profile.search.read, and a company token (password or refresh grant)"

// upsClient is the Target of a UPS v4 company.
type upsClient struct {
	o        UPSOptions
	h        *httpc
	auth     *auth // nil with NoAuth
	grant    string
	authBase string

	mu          sync.Mutex
	geolocation string
	company     string
	noSearch    bool // Users/.search answered 404/405: look up one by one
}

// NewUPS returns a UPS v4 Target. Nothing is sent until a method is called.
func NewUPS(opts UPSOptions) (Target, error) {
	opts.HTTPOptions = opts.HTTPOptions.withDefaults()
	if opts.EarlyRenew <= 0 {
		opts.EarlyRenew = DefaultEarlyRenew
	}
	u := &upsClient{o: opts, h: &httpc{o: opts.HTTPOptions}, company: strings.ToLower(opts.CompanyID)}
	if opts.NoAuth {
		u.authBase = strings.TrimRight(opts.URL, "/")
		if u.authBase == "" && opts.BaseURL == "" {
			return nil, errors.New("ups: NoAuth needs a URL")
		}
		return u, nil
	}
	if opts.ClientID == "" || opts.ClientSecret == "" {
		return nil, &Error{Kind: KindAuth, Op: "ups", Detail: "no client id or secret", Hint: hintClient}
	}
	var store *tokenFile
	stored := ""
	if opts.TokenFile != "" {
		store = &tokenFile{path: opts.TokenFile}
		var err error
		if stored, err = store.load(); err != nil {
			return nil, &Error{Kind: KindAuth, Op: "ups", Detail: err.Error(), Hint: "fix or remove the token file"}
		}
	}
	switch {
	case opts.RequestToken != "":
		if opts.CompanyID == "" {
			return nil, &Error{Kind: KindAuth, Op: "ups", Detail: "a company request token needs the company id", Hint: "give UPSMIGRATE_COMPANY_ID"}
		}
		u.grant = GrantPassword
	case opts.RefreshToken != "" || stored != "":
		u.grant = GrantRefreshToken
	default:
		u.grant = GrantClientCredentials
	}
	u.authBase = strings.TrimRight(opts.URL, "/")
	if u.authBase == "" {
		u.authBase = defaultAuthHosts[u.grant]
	}
	if err := checkBase(u.authBase); err != nil {
		return nil, err
	}
	tokenURL := u.authBase + TokenPath
	tokenClient := &http.Client{Transport: tokenTransport{h: u.h}}
	octx := context.WithValue(context.Background(), oauth2.HTTPClient, tokenClient)
	var src oauth2.TokenSource
	if u.grant == GrantClientCredentials {
		src = ccSource{ctx: octx, cfg: &clientcredentials.Config{ClientID: opts.ClientID, ClientSecret: opts.ClientSecret,
			TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	} else {
		cs := &companySource{ctx: octx, companyID: opts.CompanyID, requestToken: opts.RequestToken, store: store, log: u.o.Log,
			cfg: &oauth2.Config{ClientID: opts.ClientID, ClientSecret: opts.ClientSecret,
				Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}}
		cs.refresh = firstNonEmpty(stored, opts.RefreshToken)
		if stored != "" && opts.RefreshToken != stored {
			cs.fallback = opts.RefreshToken
		}
		src = cs
	}
	u.auth = newAuth(u.grant, tokenURL, src, opts.EarlyRenew, u.onToken)
	return u, nil
}

func checkBase(base string) error {
	p, err := url.Parse(base)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return &Error{Kind: KindPermanent, Op: "ups", Detail: fmt.Sprintf("target %q is not an http(s) URL", base), Hint: "check --target"}
	}
	return nil
}

// onToken learns the geolocation and company of a new token.
func (u *upsClient) onToken(t *oauth2.Token) {
	geo, _ := t.Extra("geolocation").(string)
	company := jwtClaim(t.AccessToken, "concur.company")
	u.mu.Lock()
	defer u.mu.Unlock()
	if geo = strings.TrimRight(geo, "/"); geo != "" && checkBase(geo) == nil {
		u.geolocation = geo
	}
	if company != "" {
		u.company = company
	}
}

func (u *upsClient) Flavor() string { return "ups" }

// base returns the API base: BaseURL, else the token's geolocation, else
// the auth base. It fetches a token when none was.
func (u *upsClient) base(ctx context.Context) (string, error) {
	if u.o.BaseURL != "" {
		return strings.TrimRight(u.o.BaseURL, "/"), nil
	}
	if u.auth != nil {
		if _, err := u.auth.token(ctx); err != nil {
			return "", err
		}
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	return firstNonEmpty(u.geolocation, u.authBase), nil
}

// call sends one request to the API.
func (u *upsClient) call(ctx context.Context, op, method, path string, body []byte, header http.Header, idempotent bool) (*request, *response, error) {
	base, err := u.base(ctx)
	if err != nil {
		return nil, nil, err
	}
	r := &request{op: op, method: method, url: base + path, body: body, header: header, idempotent: idempotent, forbidden: hintScopes}
	if u.auth != nil {
		r.auth = u.auth
	}
	res, err := u.h.do(ctx, r)
	return r, res, err
}

func (u *upsClient) get(ctx context.Context, op, path string) (*request, *response, error) {
	return u.call(ctx, op, http.MethodGet, path, nil, http.Header{"Accept": {"application/json"}}, true)
}

// Prepare gets a token and reads the ServiceProviderConfig (bulk limits)
// when served.
func (u *upsClient) Prepare(ctx context.Context) (*Info, error) {
	r, res, err := u.get(ctx, "prepare", upsConfigPath)
	if err != nil {
		return nil, err
	}
	info := &Info{MaxOps: DefaultMaxOps, MaxBytes: DefaultMaxBytes}
	switch {
	case res.status == http.StatusOK:
		applyBulkLimits(info, res.body)
	case res.status == http.StatusNotFound:
	default:
		return nil, permanent(r, res)
	}
	base, _ := u.base(ctx)
	u.mu.Lock()
	info.BaseURL, info.Company = base, u.company
	u.mu.Unlock()
	return info, nil
}

// applyBulkLimits lowers info's limits to a ServiceProviderConfig's.
func applyBulkLimits(info *Info, body []byte) (supported bool) {
	var spc struct {
		Bulk struct {
			Supported      bool `json:"supported"`
			MaxOperations  int  `json:"maxOperations"`
			MaxPayloadSize int  `json:"maxPayloadSize"`
		} `json:"bulk"`
	}
	if json.Unmarshal(body, &spc) != nil {
		return false
	}
	if n := spc.Bulk.MaxOperations; n > 0 && n < info.MaxOps {
		info.MaxOps = n
	}
	if n := spc.Bulk.MaxPayloadSize; n > 0 && n < info.MaxBytes {
		info.MaxBytes = n
	}
	return spc.Bulk.Supported
}

// Send posts one Bulk request; 202 answers the provision id to poll.
func (u *upsClient) Send(ctx context.Context, body []byte, ops int) (*Accepted, error) {
	corr := newUUID()
	h := jsonHeader("application/json")
	h.Set("concur-correlationid", corr)
	r, res, err := u.call(ctx, "send", http.MethodPost, upsBulkPath, body, h, false)
	if err != nil {
		return nil, err
	}
	if res.status < 200 || res.status > 299 {
		return nil, permanent(r, res)
	}
	var st struct {
		ID   string `json:"id"`
		Meta struct {
			CorrelationID string `json:"correlationId"`
		} `json:"meta"`
	}
	_ = json.Unmarshal(res.body, &st)
	acc := &Accepted{HTTPStatus: res.status, ProvisionID: st.ID, Throttled: res.throttled, Attempts: res.attempts,
		CorrelationID: firstNonEmpty(st.Meta.CorrelationID, res.header.Get("concur-correlationid"), corr)}
	if st.ID == "" {
		return nil, &Error{Kind: KindInDoubt, Op: "send", Method: r.method, URL: r.url, Status: res.status, Attempts: res.attempts,
			Detail: fmt.Sprintf("the request of %d operations was accepted without a provision id", ops), Hint: "it is not sent again; look its users up"}
	}
	return acc, nil
}

// newUUID returns a random version 4 UUID (correlation ids).
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
