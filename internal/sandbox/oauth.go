package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	accessTokenTTL  = time.Hour
	refreshTokenTTL = 183 * 24 * time.Hour // six months
	tokenScopes     = "user.provision.write user.provision.read identity.user.coreenterprise.writeonly identity.user.externalID.writeonly identity.user.emails.verified.writeonly spend.user.general.writeonly spend.user.general.read travel.user.general.read identity.user.ids.read identity.user.core.read identity.user.enterprise.read user.profile.search.read"
)

// tokenClaims are the claims of a sandbox access token (an HS256 JWT).
type tokenClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Type     string `json:"concur.type"` // company or app
	ClientID string `json:"client_id"`
	Company  string `json:"concur.company,omitempty"`
	Issued   int64  `json:"iat"`
	Expires  int64  `json:"exp"`
	ID       string `json:"jti"`
}

type refreshRec struct {
	ClientID string    `json:"clientId"`
	Expires  time.Time `json:"expires"`
}

var b64 = base64.RawURLEncoding

func (s *Server) signToken(c tokenClaims) string {
	head := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	body, _ := json.Marshal(c)
	unsigned := head + "." + b64.EncodeToString(body)
	mac := hmac.New(sha256.New, s.signKey)
	mac.Write([]byte(unsigned))
	return unsigned + "." + b64.EncodeToString(mac.Sum(nil))
}

func (s *Server) parseToken(tok string) (*tokenClaims, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("malformed access token")
	}
	mac := hmac.New(sha256.New, s.signKey)
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := b64.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return nil, errors.New("access token signature is invalid")
	}
	body, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, errors.New("malformed access token")
	}
	var c tokenClaims
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, errors.New("malformed access token")
	}
	if s.clock().Unix() >= c.Expires {
		return nil, errors.New("access token expired")
	}
	return &c, nil
}

// bearer returns the verified claims of the request's bearer token, or nil
// and why not.
func (s *Server) bearer(r *http.Request) (*tokenClaims, string) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, "missing bearer token: get one at POST /oauth2/v0/token"
	}
	c, err := s.parseToken(strings.TrimSpace(tok))
	if err != nil {
		return nil, err.Error()
	}
	return c, ""
}

// AccessToken mints a company access token valid for an hour, for
// in-process tests that skip the OAuth2 exchange.
func (s *Server) AccessToken() string {
	return s.issueAccess("company").AccessToken
}

type tokenResponse struct {
	ExpiresIn    string `json:"expires_in"`
	Scope        string `json:"scope"`
	TokenType    string `json:"token_type"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Geolocation  string `json:"geolocation"`
}

func (s *Server) issueAccess(typ string) tokenResponse {
	now := s.clock()
	c := tokenClaims{Issuer: "upsmigrate-sandbox", Subject: s.creds.CompanyID, Type: typ, ClientID: s.creds.ClientID,
		Issued: now.Unix(), Expires: now.Add(accessTokenTTL).Unix(), ID: randomUUID()}
	if typ == "company" {
		c.Company = s.creds.CompanyID
	} else {
		c.Subject = s.creds.ClientID
	}
	resp := tokenResponse{ExpiresIn: strconv.Itoa(int(accessTokenTTL.Seconds())), Scope: tokenScopes, TokenType: "Bearer", AccessToken: s.signToken(c)}
	if typ == "company" {
		idc := c
		idc.ID = randomUUID()
		resp.IDToken = s.signToken(idc)
	}
	return resp
}

// newRefresh issues a refresh token; callers hold s.mu.
func (s *Server) newRefresh() string {
	tok := secretToken(24)
	h := hashToken(tok)
	s.st.refresh[h] = refreshRec{ClientID: s.creds.ClientID, Expires: s.clock().Add(refreshTokenTTL)}
	s.st.dirtyToks[h] = true
	return tok
}

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

type oauthError struct {
	status int
	code   int
	kind   string
	desc   string
}

func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, e oauthError) {
	writeJSON(w, e.status, "application/json", map[string]any{
		"code": e.code, "error": e.kind, "error_description": e.desc, "geolocation": baseURL(r),
	})
}

func invalidRequest(code int, desc string) oauthError {
	return oauthError{http.StatusBadRequest, code, "invalid_request", desc}
}

func invalidGrant(code int, desc string) oauthError {
	return oauthError{http.StatusBadRequest, code, "invalid_grant", desc}
}

func invalidClient(code int, desc string) oauthError {
	return oauthError{http.StatusUnauthorized, code, "invalid_client", desc}
}

// handleToken is POST /oauth2/v0/token: password (credtype=authtoken),
// refresh_token (rotating) and client_credentials grants, with the error
// codes of Concur's authentication documentation.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		methodNotAllowed(w, http.MethodPost)
		return
	}
	if err := r.ParseForm(); err != nil {
		s.writeOAuthError(w, r, invalidRequest(135, "unsupported request format: send application/x-www-form-urlencoded"))
		return
	}
	f := r.PostForm
	clientID, secret := f.Get("client_id"), f.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok && clientID == "" {
		clientID, secret = u, p
	}
	grant := f.Get("grant_type")
	var e *oauthError
	fail := func(x oauthError) { e = &x }
	switch {
	case grant == "":
		fail(invalidRequest(65, "grant_type is missing"))
	case clientID == "":
		fail(invalidRequest(62, "client_id is missing"))
	case secret == "":
		fail(invalidRequest(63, "client_secret is missing"))
	case clientID != s.creds.ClientID:
		fail(invalidClient(61, "unknown client"))
	case subtle.ConstantTimeCompare([]byte(hashToken(secret)), []byte(s.secretHash)) != 1:
		fail(invalidClient(64, "wrong client credentials"))
	}
	if e != nil {
		s.writeOAuthError(w, r, *e)
		return
	}
	var resp tokenResponse
	switch grant {
	case "password":
		user, pass, cred := f.Get("username"), f.Get("password"), f.Get("credtype")
		switch {
		case user == "":
			fail(invalidRequest(51, "username is missing"))
		case pass == "":
			fail(invalidRequest(52, "password is missing"))
		case cred != "" && cred != "authtoken":
			fail(invalidRequest(120, "credtype must be authtoken: the sandbox has no user logins"))
		case !strings.EqualFold(user, s.creds.CompanyID):
			fail(invalidRequest(100, "username is unknown: use the company id"))
		case subtle.ConstantTimeCompare([]byte(pass), []byte(s.creds.AuthToken)) != 1:
			fail(invalidGrant(5, "wrong credentials"))
		}
		if e == nil {
			resp = s.issueAccess("company")
			s.mu.Lock()
			resp.RefreshToken = s.newRefresh()
			s.flush()
			s.mu.Unlock()
		}
	case "refresh_token":
		rt := f.Get("refresh_token")
		if rt == "" {
			fail(invalidRequest(106, "refresh_token is missing"))
			break
		}
		s.mu.Lock()
		h := hashToken(rt)
		rec, ok := s.st.refresh[h]
		switch {
		case !ok || s.clock().After(rec.Expires):
			fail(invalidGrant(108, "refresh token is invalid or expired"))
		case rec.ClientID != clientID:
			fail(invalidGrant(105, "refresh token was issued to another client"))
		default:
			delete(s.st.refresh, h)
			s.st.dirtyToks[h] = true
			resp = s.issueAccess("company")
			resp.RefreshToken = s.newRefresh()
		}
		s.flush()
		s.mu.Unlock()
	case "client_credentials":
		resp = s.issueAccess("app")
	default:
		fail(invalidGrant(60, "grant_type "+strconv.Quote(grant)+" is not supported by the sandbox (use password, refresh_token or client_credentials)"))
	}
	if e != nil {
		s.writeOAuthError(w, r, *e)
		return
	}
	resp.Geolocation = baseURL(r)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, "application/json", resp)
}
