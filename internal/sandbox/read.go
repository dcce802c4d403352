package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/scim"
)

type view int

const (
	viewIdentity view = iota // core + enterprise (+ SAP)
	viewFull                 // every schema
	viewSpend                // spend extensions
	viewTravel               // travel extension
)

const userTime = "2006-01-02T15:04:05.000Z"

func userMeta(u *userRec, base string) map[string]any {
	return map[string]any{
		"resourceType": "User",
		"created":      u.Created.UTC().Format(userTime),
		"lastModified": u.Modified.UTC().Format(userTime),
		"version":      u.Version,
		"location":     base + "/profile/identity/v4/Users/" + u.ID,
	}
}

// identityView renders the identity User. Entitlements are request-only in
// UPS: they are returned only when asked for in attributes.
func identityView(u *userRec, base string, attrs, excluded []string) map[string]any {
	out := map[string]any{}
	schemas := []string{urnCore}
	for k, v := range u.Doc {
		switch {
		case !strings.HasPrefix(strings.ToLower(k), "urn:"):
			out[k] = cloneValue(v)
		case identitySchemas[canonicalSchema(k)]:
			out[k] = cloneValue(v)
			schemas = append(schemas, canonicalSchema(k))
		}
	}
	if !containsFold(attrs, "entitlements") {
		delete(out, keyCI(out, "entitlements"))
	}
	return finishView(out, u, base, schemas, attrs, excluded)
}

func fullView(u *userRec, base string, attrs, excluded []string) map[string]any {
	out := cloneDoc(u.Doc)
	schemas := []string{urnCore}
	for _, k := range sortedKeys(u.Doc) {
		if s := canonicalSchema(k); s != "" && s != urnCore {
			schemas = append(schemas, s)
		}
	}
	return finishView(out, u, base, schemas, attrs, excluded)
}

// extView renders the given extensions only (spend, travel); nil when the
// user has none of them.
func extView(u *userRec, base string, urns []string) map[string]any {
	out := map[string]any{}
	var schemas []string
	for _, s := range urns {
		if v, ok := u.Doc[s]; ok {
			out[s] = cloneValue(v)
			schemas = append(schemas, s)
		}
	}
	if len(schemas) == 0 {
		return nil
	}
	return finishView(out, u, base, schemas, nil, nil)
}

var spendSchemas = []string{urnSpend, urnRole, urnApprover, urnApproverLimit, urnDelegate, urnUserPreference, urnWorkflowPreference, urnInvoicePreference, urnPayroll}

func finishView(out map[string]any, u *userRec, base string, schemas, attrs, excluded []string) map[string]any {
	if len(attrs) > 0 {
		out = project(out, attrs)
	}
	for _, e := range excluded {
		removePath(out, e)
	}
	out["schemas"] = schemas
	out["id"] = u.ID
	out["meta"] = userMeta(u, base)
	return out
}

// project keeps only the listed attribute paths (id, schemas, meta are
// always returned).
func project(doc map[string]any, attrs []string) map[string]any {
	out := map[string]any{}
	for _, a := range attrs {
		schema, rest, ok := splitSchema(strings.TrimSpace(a))
		if !ok {
			continue
		}
		src, dst := doc, out
		if schema != urnCore {
			k := keyCI(doc, schema)
			ext, _ := doc[k].(map[string]any)
			if ext == nil {
				continue
			}
			if rest == "" {
				out[k] = ext
				continue
			}
			d, _ := out[k].(map[string]any)
			if d == nil {
				d = map[string]any{}
				out[k] = d
			}
			src, dst = ext, d
		}
		top, sub, hasSub := strings.Cut(rest, ".")
		v, ok := getCI(src, top)
		if !ok {
			continue
		}
		key := keyCI(src, top)
		if !hasSub {
			dst[key] = v
			continue
		}
		if m, isMap := v.(map[string]any); isMap {
			d, _ := dst[key].(map[string]any)
			if d == nil {
				d = map[string]any{}
				dst[key] = d
			}
			if sv, found := getCI(m, sub); found {
				d[keyCI(m, sub)] = sv
			}
		} else {
			dst[key] = v
		}
	}
	return out
}

func removePath(doc map[string]any, p string) {
	schema, rest, ok := splitSchema(strings.TrimSpace(p))
	if !ok {
		return
	}
	c := doc
	if schema != urnCore {
		k := keyCI(doc, schema)
		if rest == "" {
			delete(doc, k)
			return
		}
		c, _ = doc[k].(map[string]any)
	}
	if c == nil {
		return
	}
	top, sub, hasSub := strings.Cut(rest, ".")
	if !hasSub {
		delete(c, keyCI(c, top))
		return
	}
	if m, isMap := c[keyCI(c, top)].(map[string]any); isMap {
		delete(m, keyCI(m, sub))
	}
}

func splitList(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// handleGetUser reads one user in the given view.
func (s *Server) handleGetUser(w http.ResponseWriter, r *http.Request, base, id string, v view) {
	q := r.URL.Query()
	attrs, excluded := splitList(q.Get("attributes")), splitList(q.Get("excludedAttributes"))
	s.mu.Lock()
	s.drain(s.clock())
	u := s.st.users[strings.ToLower(id)]
	var doc map[string]any
	if u != nil {
		switch v {
		case viewIdentity:
			doc = identityView(u, base, attrs, excluded)
		case viewFull:
			doc = fullView(u, base, attrs, excluded)
		case viewSpend:
			doc = extView(u, base, spendSchemas)
		case viewTravel:
			doc = extView(u, base, []string{urnTravel})
		}
	}
	s.mu.Unlock()
	switch {
	case u == nil:
		writeError(w, notFound(fmt.Sprintf("user %s not found", id)))
	case doc == nil:
		writeError(w, notFound(fmt.Sprintf("user %s has no %s profile", id, map[view]string{viewSpend: "spend", viewTravel: "travel"}[v])))
	default:
		writeSCIM(w, http.StatusOK, doc)
	}
}

// lookupFilterAttrs are the attributes GET /profile/identity/v4/Users filters on.
var lookupFilterAttrs = map[string]string{
	"username":       "userName",
	"externalid":     "externalId",
	"employeenumber": "employeeNumber",
	strings.ToLower(urnEnterprise + ":employeeNumber"): "employeeNumber",
}

// selectUsers returns the users matching f (nil = all) in creation order,
// using the unique indexes for a plain equality on a key attribute.
func (s *Server) selectUsers(f filterNode) []*userRec {
	if c, ok := f.(scim.Compare); ok && c.Op == "eq" {
		if attr, key := lookupFilterAttrs[strings.ToLower(c.Path)]; key {
			val, _ := c.Value.(string)
			idx := map[string]map[string]string{"userName": s.st.byUserName, "externalId": s.st.byExternalID, "employeeNumber": s.st.byEmployeeNumber}[attr]
			if id, found := idx[strings.ToLower(val)]; found {
				return []*userRec{s.st.users[id]}
			}
			return nil
		}
	}
	var out []*userRec
	for _, u := range s.st.sortedUsers() {
		if f == nil || matchDoc(f, u.Doc) {
			out = append(out, u)
		}
	}
	return out
}

// checkFilterPaths rejects filters on unknown schemas; allowed, when not
// nil, restricts the attributes that may be filtered on.
func checkFilterPaths(f filterNode, allowed map[string]string) error {
	var walk func(filterNode) error
	walk = func(n filterNode) error {
		switch x := n.(type) {
		case scim.Logic:
			if err := walk(x.Left); err != nil {
				return err
			}
			return walk(x.Right)
		case scim.Not:
			return walk(x.Inner)
		case scim.ValuePath:
			if _, _, ok := splitSchema(x.Path); !ok {
				return fmt.Errorf("unknown schema in %q", x.Path)
			}
		case scim.Compare:
			if _, _, ok := splitSchema(x.Path); !ok {
				return fmt.Errorf("unknown schema in %q", x.Path)
			}
			if allowed != nil {
				if _, ok := allowed[strings.ToLower(x.Path)]; !ok || x.Op != "eq" {
					return fmt.Errorf("only userName, employeeNumber and externalId can be filtered on here, with eq")
				}
			}
		}
		return nil
	}
	return walk(f)
}

func parseCount(v string, def, maxCount int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("count %q is not a non-negative integer", v)
	}
	return min(n, maxCount), nil
}

func encodeCursor(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func decodeCursor(c string) (int, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if n, ok := strings.CutPrefix(string(b), "o:"); ok {
			if off, err := strconv.Atoi(n); err == nil && off >= 0 {
				return off, nil
			}
		}
	}
	return 0, fmt.Errorf("cursor %q is invalid", c)
}

// handleListIdentity is GET /profile/identity/v4/Users?filter= (startIndex
// paging, count ≤100, default 10) and GET /profile/identity/v4.1/Users
// (cursor paging, count ≤1000, default 100).
func (s *Server) handleListIdentity(w http.ResponseWriter, r *http.Request, base string, v41 bool) {
	q := r.URL.Query()
	var f filterNode
	if fs := q.Get("filter"); fs != "" {
		var err error
		if f, err = parseFilter(fs); err == nil {
			err = checkFilterPaths(f, lookupFilterAttrs)
		}
		if err != nil {
			writeError(w, badRequest("invalidFilter", err.Error()))
			return
		}
	}
	def, maxCount := 10, 100
	if v41 {
		def, maxCount = 100, 1000
	}
	count, err := parseCount(q.Get("count"), def, maxCount)
	if err != nil {
		writeError(w, badRequest("invalidValue", err.Error()))
		return
	}
	offset := 0
	if v41 {
		offset, err = decodeCursor(q.Get("cursor"))
	} else if si := q.Get("startIndex"); si != "" {
		var n int
		n, err = strconv.Atoi(si)
		if err == nil && n < 1 {
			err = fmt.Errorf("startIndex must be >= 1")
		}
		offset = n - 1
	}
	if err != nil {
		writeError(w, badRequest("invalidValue", err.Error()))
		return
	}
	attrs, excluded := splitList(q.Get("attributes")), splitList(q.Get("excludedAttributes"))
	s.listResponse(w, base, f, offset, count, v41, "totalResults", func(u *userRec) map[string]any {
		return identityView(u, base, attrs, excluded)
	})
}

func (s *Server) listResponse(w http.ResponseWriter, base string, f filterNode, offset, count int, cursor bool, totalKey string, render func(*userRec) map[string]any) {
	s.mu.Lock()
	s.drain(s.clock())
	users := s.selectUsers(f)
	total := len(users)
	from := min(offset, total)
	to := min(from+count, total)
	res := make([]map[string]any, 0, to-from)
	for _, u := range users[from:to] {
		res = append(res, render(u))
	}
	s.mu.Unlock()
	out := map[string]any{
		"schemas":      []string{urnListResponse},
		totalKey:       total,
		"itemsPerPage": len(res),
		"Resources":    res,
	}
	if cursor {
		if to < total {
			out["nextCursor"] = encodeCursor(to)
		}
	} else {
		out["startIndex"] = offset + 1
	}
	writeSCIM(w, http.StatusOK, out)
}

type searchRequest struct {
	Schemas            []string `json:"schemas"`
	Filter             string   `json:"filter"`
	Attributes         []string `json:"attributes"`
	ExcludedAttributes []string `json:"excludedAttributes"`
	Count              *int     `json:"count"`
	Cursor             string   `json:"cursor"`
	StartIndex         *int     `json:"startIndex"`
}

// handleSearch is POST …/Users/.search with a SCIM SearchRequest.
// /profile/v4/Users/.search (maxBody 10 KB) returns identity and spend data
// and counts in "total", as in UPS's sample.
func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request, base string, v view, maxBody int64) {
	if maxBody == 0 {
		maxBody = maxBodyBytes
	}
	body, err := readBody(r, maxBody)
	if err != nil {
		writeError(w, &scimError{Status: http.StatusRequestEntityTooLarge, ScimType: "tooLarge", Detail: fmt.Sprintf("a search request may not exceed %d bytes", maxBody)})
		return
	}
	var req searchRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, badRequest("invalidSyntax", "SearchRequest is not valid JSON: "+err.Error()))
		return
	}
	if !containsFold(req.Schemas, urnSearchRequest) && !containsFold(req.Schemas, urnConcurSearch) {
		writeError(w, badRequest("invalidValue", "schemas must list "+urnConcurSearch))
		return
	}
	var f filterNode
	if req.Filter != "" {
		if f, err = parseFilter(req.Filter); err == nil {
			err = checkFilterPaths(f, nil)
		}
		if err != nil {
			writeError(w, &scimError{Status: http.StatusBadRequest, ScimType: "invalidFilter", Detail: err.Error(),
				Messages: []message{{Code: "INVALID_INPUT", Message: err.Error(), SchemaPath: "filter", Type: "error"}}})
			return
		}
	}
	count := 100
	if req.Count != nil {
		if *req.Count < 0 || *req.Count > 1000 {
			writeError(w, badRequest("invalidValue", "count must be between 0 and 1000"))
			return
		}
		count = *req.Count
	}
	offset, err := decodeCursor(req.Cursor)
	if err != nil {
		writeError(w, badRequest("invalidValue", err.Error()))
		return
	}
	totalKey := "totalResults"
	if v == viewFull {
		totalKey = "total"
	}
	s.listResponse(w, base, f, offset, count, true, totalKey, func(u *userRec) map[string]any {
		if v == viewFull {
			return fullView(u, base, req.Attributes, req.ExcludedAttributes)
		}
		return identityView(u, base, req.Attributes, req.ExcludedAttributes)
	})
}

// handleListSpend is GET /profile/spend/v4.1/Users?filter=&startIndex=&count=.
func (s *Server) handleListSpend(w http.ResponseWriter, r *http.Request, base string) {
	q := r.URL.Query()
	f := filterNode(scim.Compare{Path: urnSpend, Op: "pr"})
	if fs := q.Get("filter"); fs != "" {
		user, err := parseFilter(fs)
		if err != nil {
			writeError(w, badRequest("invalidFilter", err.Error()))
			return
		}
		f = scim.Logic{And: true, Left: f, Right: prefixFilter(user, urnSpend)}
	}
	count, err := parseCount(q.Get("count"), 100, 100)
	if err == nil && count < 1 {
		err = fmt.Errorf("count must be between 1 and 100")
	}
	offset := 0
	if si := q.Get("startIndex"); si != "" && err == nil {
		var n int
		if n, err = strconv.Atoi(si); err == nil && n < 1 {
			err = fmt.Errorf("startIndex must be >= 1")
		}
		offset = n - 1
	}
	if err != nil {
		writeError(w, badRequest("invalidValue", err.Error()))
		return
	}
	s.listResponse(w, base, f, offset, count, false, "totalResults", func(u *userRec) map[string]any {
		return extView(u, base, spendSchemas)
	})
}

// prefixFilter qualifies bare attribute paths with schema.
func prefixFilter(f filterNode, schema string) filterNode {
	switch x := f.(type) {
	case scim.Logic:
		return scim.Logic{And: x.And, Left: prefixFilter(x.Left, schema), Right: prefixFilter(x.Right, schema)}
	case scim.Not:
		return scim.Not{Inner: prefixFilter(x.Inner, schema)}
	case scim.ValuePath:
		if !strings.HasPrefix(strings.ToLower(x.Path), "urn:") {
			x.Path = schema + ":" + x.Path
		}
		return x
	case scim.Compare:
		if !strings.HasPrefix(strings.ToLower(x.Path), "urn:") {
			x.Path = schema + ":" + x.Path
		}
		return x
	}
	return f
}
