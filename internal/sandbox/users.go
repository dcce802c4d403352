package sandbox

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// initCredentials settles the company, client and secrets: from Config,
// else from the DB, else generated. Only hashes of secrets are stored.
func (s *Server) initCredentials() error {
	c := &s.creds
	if c.CompanyID == "" {
		c.CompanyID = s.setting("company_id")
	}
	if c.CompanyID == "" {
		c.CompanyID = randomUUID()
	}
	if c.ClientID == "" {
		c.ClientID = s.setting("client_id")
	}
	if c.ClientID == "" {
		c.ClientID = randomUUID()
	}
	switch {
	case c.ClientSecret != "":
		s.secretHash = hashToken(c.ClientSecret)
	case s.setting("client_secret_sha256") != "":
		s.secretHash = s.setting("client_secret_sha256")
	default:
		c.ClientSecret = secretToken(20)
		c.GeneratedSecret = true
		s.secretHash = hashToken(c.ClientSecret)
	}
	if k, err := hex.DecodeString(s.setting("signing_key")); err == nil && len(k) >= 32 {
		s.signKey = k
	} else {
		s.signKey, _ = hex.DecodeString(secretToken(32))
	}
	c.AuthToken = secretToken(24)
	if err := s.saveSettings(map[string]string{
		"company_id": c.CompanyID, "client_id": c.ClientID,
		"client_secret_sha256": s.secretHash, "signing_key": hex.EncodeToString(s.signKey),
	}); err != nil {
		return err
	}
	s.mu.Lock()
	c.RefreshToken = s.newRefresh()
	s.flush()
	s.mu.Unlock()
	return nil
}

var (
	seedGiven  = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Margaret", "Niklaus", "Radia", "Dennis"}
	seedFamily = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Hamilton", "Wirth", "Perlman", "Ritchie"}
)

// SeedEmployeeNumber is the employee number of seeded user i (1-based).
func SeedEmployeeNumber(i int) string { return fmt.Sprintf("E%05d", i) }

// seedUsers creates users E00001…En that do not exist yet: identity, a US
// spend profile with the Expense entitlement and the EXP_APPROVER role, so
// they can be looked up, updated and named as approvers or delegates.
func (s *Server) seedUsers(n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	for i := 1; i <= n; i++ {
		emp := SeedEmployeeNumber(i)
		if _, ok := s.st.byEmployeeNumber[strings.ToLower(emp)]; ok {
			continue
		}
		given, family := seedGiven[(i-1)%len(seedGiven)], seedFamily[(i-1)/len(seedGiven)%len(seedFamily)]
		login := fmt.Sprintf("user%05d@sandbox.example.com", i)
		doc := map[string]any{
			"userName":          login,
			"active":            true,
			"name":              map[string]any{"givenName": given, "familyName": family},
			"displayName":       given + " " + family,
			"emails":            []any{map[string]any{"type": "work", "value": login}},
			"entitlements":      []any{"Expense"},
			"preferredLanguage": "en-US",
			"timezone":          "America/New_York",
			urnEnterprise:       map[string]any{"companyId": s.creds.CompanyID, "employeeNumber": emp},
			urnSpend:            map[string]any{"reimbursementCurrency": "USD", "country": "US", "locale": "en-US"},
			urnRole:             map[string]any{"roles": []any{map[string]any{"roleName": "EXP_APPROVER", "roleGroups": []any{}}}},
		}
		s.st.put(&userRec{ID: s.newID(), Doc: doc, Created: now, Modified: now})
	}
	s.flush()
	return nil
}

// ImportUser stores a User (SCIM JSON, extensions included) at once, as if
// it had existed before: the setup step of rehearsals and tests. The body
// may carry an "id" (UUID) to reproduce references to known users; a missing
// enterprise companyId defaults to the sandbox's. It is validated like a
// POST and returns the user id.
func (s *Server) ImportUser(body []byte) (string, error) {
	var data map[string]any
	if err := json.Unmarshal(body, &data); err != nil {
		return "", fmt.Errorf("sandbox: import user: %w", err)
	}
	identity, work, e := splitBody(data)
	if e != nil {
		return "", fmt.Errorf("sandbox: import user: %s", e.Detail)
	}
	if ent := asMap(identity[urnEnterprise]); ent != nil {
		if _, ok := getCI(ent, "companyId"); !ok {
			ent["companyId"] = s.creds.CompanyID
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, _ := getStr(data, "id")
	id = strings.ToLower(id)
	if id != "" && (!uuidRE.MatchString(id) || s.st.users[id] != nil) {
		return "", fmt.Errorf("sandbox: import user: id %q is not a UUID or is taken", id)
	}
	v := &validator{st: s.st, companyID: s.creds.CompanyID}
	r := v.identity(identity, nil)
	if r.failed() {
		return "", fmt.Errorf("sandbox: import user: %s", joinErrors(r))
	}
	if id == "" {
		id = s.newID()
	}
	doc := identity
	for _, w := range work {
		if w.Set != nil {
			doc[w.Schema] = w.Set
		}
	}
	v.selfID = id
	for _, w := range work {
		if r := v.extension(w.Schema, doc, nil); r.failed() {
			return "", fmt.Errorf("sandbox: import user: %s", joinErrors(r))
		}
	}
	now := s.clock()
	s.st.put(&userRec{ID: id, Doc: doc, Created: now, Modified: now})
	s.flush()
	return id, nil
}

func joinErrors(r *vresult) string {
	var parts []string
	for _, m := range r.msgs {
		if m.Type == "error" {
			parts = append(parts, m.Message)
		}
	}
	return strings.Join(parts, "; ")
}
