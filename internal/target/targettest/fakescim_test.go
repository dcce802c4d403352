package targettest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

// fakeSCIM is a small, strict RFC 7644 server with a synchronous /Bulk:
// it knows the core User and enterprise schemas only and refuses what a
// strict server refuses (unknown schemas, bare entitlement strings,
// non-canonical email types), so the client's RFC dialect is exercised.
type fakeSCIM struct {
	token string
	mu    sync.Mutex
	users map[string]map[string]any // id → resource
	n     int
}

const (
	fakeRoot   = "/scim/v2"
	coreURN    = "urn:ietf:params:scim:schemas:core:2.0:User"
	entURN     = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	errorURN   = "urn:ietf:params:scim:api:messages:2.0:Error"
	listURN    = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	bulkRespNS = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
)

var coreAttrs = []string{"userName", "name", "displayName", "nickName", "title", "active", "emails", "phoneNumbers", "addresses", "entitlements", "roles", "locale", "timezone", "preferredLanguage"}
var entAttrs = []string{"employeeNumber", "costCenter", "organization", "division", "department", "manager"}

func newFakeSCIM(token string) *fakeSCIM {
	return &fakeSCIM{token: token, users: map[string]map[string]any{}}
}

type scimErr struct {
	status   int
	scimType string
	detail   string
}

func (e *scimErr) body() map[string]any {
	return map[string]any{"schemas": []string{errorURN}, "status": fmt.Sprint(e.status), "scimType": e.scimType, "detail": e.detail}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeSCIM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.token != "" && r.Header.Get("Authorization") != "Bearer "+f.token {
		writeJSON(w, 401, (&scimErr{401, "", "bad token"}).body())
		return
	}
	path := strings.TrimPrefix(r.URL.Path, fakeRoot)
	switch {
	case r.Method == "GET" && path == "/ServiceProviderConfig":
		writeJSON(w, 200, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
			"patch": map[string]any{"supported": true}, "filter": map[string]any{"supported": true, "maxResults": 200},
			"bulk": map[string]any{"supported": true, "maxOperations": 1000, "maxPayloadSize": 1 << 20}})
	case r.Method == "GET" && path == "/Schemas":
		schema := func(id string, names []string) map[string]any {
			var attrs []any
			for _, n := range names {
				attrs = append(attrs, map[string]any{"name": n})
			}
			return map[string]any{"id": id, "attributes": attrs}
		}
		writeJSON(w, 200, map[string]any{"schemas": []string{listURN}, "totalResults": 2, "Resources": []any{schema(coreURN, coreAttrs), schema(entURN, entAttrs)}})
	case r.Method == "GET" && path == "/Users":
		f.list(w, r)
	case r.Method == "POST" && path == "/Bulk":
		f.bulk(w, r)
	default:
		writeJSON(w, 404, (&scimErr{404, "", "no " + r.Method + " " + r.URL.Path}).body())
	}
}

var termRE = regexp.MustCompile(`^(\S+) eq "((?:[^"\\]|\\.)*)"$`)

// list answers GET /Users?filter=a eq "x" or a eq "y" (userName ignoring
// case, enterprise employeeNumber).
func (f *fakeSCIM) list(w http.ResponseWriter, r *http.Request) {
	var found []any
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, term := range strings.Split(r.URL.Query().Get("filter"), " or ") {
		m := termRE.FindStringSubmatch(term)
		if m == nil {
			writeJSON(w, 400, (&scimErr{400, "invalidFilter", "unsupported filter"}).body())
			return
		}
		val := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[2])
		for _, u := range f.users {
			var got string
			switch m[1] {
			case "userName":
				got, _ = u["userName"].(string)
				if strings.EqualFold(got, val) {
					found = append(found, u)
				}
			case entURN + ":employeeNumber":
				ent, _ := u[entURN].(map[string]any)
				got, _ = ent["employeeNumber"].(string)
				if got == val {
					found = append(found, u)
				}
			default:
				writeJSON(w, 400, (&scimErr{400, "invalidFilter", "cannot filter on " + m[1]}).body())
				return
			}
		}
	}
	writeJSON(w, 200, map[string]any{"schemas": []string{listURN}, "totalResults": len(found), "startIndex": 1, "itemsPerPage": len(found), "Resources": found})
}

type bulkOp struct {
	Method string         `json:"method"`
	Path   string         `json:"path"`
	BulkID string         `json:"bulkId"`
	Data   map[string]any `json:"data"`
}

// bulk runs the operations in order and answers a BulkResponse.
func (f *fakeSCIM) bulk(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Operations []bulkOp `json:"Operations"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeJSON(w, 400, (&scimErr{400, "invalidSyntax", err.Error()}).body())
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []any
	for _, op := range req.Operations {
		res := map[string]any{"method": op.Method}
		if op.BulkID != "" {
			res["bulkId"] = op.BulkID
		}
		id, e := f.apply(op)
		if e != nil {
			res["status"] = fmt.Sprint(e.status)
			res["response"] = e.body()
		} else {
			res["status"] = map[string]string{"POST": "201", "PATCH": "200", "DELETE": "204"}[op.Method]
			res["location"] = "http://fake" + fakeRoot + "/Users/" + id
		}
		out = append(out, res)
	}
	writeJSON(w, 200, map[string]any{"schemas": []string{bulkRespNS}, "Operations": out})
}

func (f *fakeSCIM) apply(op bulkOp) (string, *scimErr) {
	switch op.Method {
	case "POST":
		if err := checkResource(op.Data); err != nil {
			return "", err
		}
		name, _ := op.Data["userName"].(string)
		for _, u := range f.users {
			if strings.EqualFold(u["userName"].(string), name) {
				return "", &scimErr{409, "uniqueness", "userName is taken"}
			}
		}
		f.n++
		id := fmt.Sprintf("fake-%04d", f.n)
		op.Data["id"] = id
		f.users[id] = op.Data
		return id, nil
	case "PATCH":
		id := strings.TrimPrefix(op.Path, "/Users/")
		u := f.users[id]
		if u == nil {
			return "", &scimErr{404, "", "Resource " + id + " not found"}
		}
		ops, _ := op.Data["Operations"].([]any)
		for _, o := range ops {
			po, _ := o.(map[string]any)
			path, _ := po["path"].(string)
			top, sub, _ := strings.Cut(path, ".")
			if !contains(coreAttrs, top) && !strings.HasPrefix(path, entURN+":") {
				return "", &scimErr{400, "invalidPath", "unknown path " + path}
			}
			if sub != "" {
				m, _ := u[top].(map[string]any)
				if m == nil {
					m = map[string]any{}
					u[top] = m
				}
				m[sub] = po["value"]
			} else {
				u[top] = po["value"]
			}
		}
		return id, nil
	case "DELETE":
		id := strings.TrimPrefix(op.Path, "/Users/")
		if f.users[id] == nil {
			return "", &scimErr{404, "", "Resource " + id + " not found"}
		}
		delete(f.users, id)
		return id, nil
	}
	return "", &scimErr{400, "invalidSyntax", "method " + op.Method}
}

// checkResource refuses what a strict RFC server refuses.
func checkResource(d map[string]any) *scimErr {
	if name, _ := d["userName"].(string); name == "" {
		return &scimErr{400, "invalidValue", "userName is required"}
	}
	for k := range d {
		if strings.HasPrefix(k, "urn:") && k != entURN {
			return &scimErr{400, "invalidSyntax", "unknown schema " + k}
		}
	}
	if list, ok := d["schemas"].([]any); ok {
		for _, s := range list {
			if s != coreURN && s != entURN {
				return &scimErr{400, "invalidSyntax", fmt.Sprintf("unknown schema %v", s)}
			}
		}
	}
	if ents, ok := d["entitlements"].([]any); ok {
		for _, e := range ents {
			if _, isObj := e.(map[string]any); !isObj {
				return &scimErr{400, "invalidValue", "entitlements must be objects"}
			}
		}
	}
	if emails, ok := d["emails"].([]any); ok {
		for _, e := range emails {
			m, _ := e.(map[string]any)
			if t, _ := m["type"].(string); t != "" && !contains([]string{"work", "home", "other"}, t) {
				return &scimErr{400, "invalidValue", "email type " + t + " is not canonical"}
			}
		}
	}
	if ent, ok := d[entURN].(map[string]any); ok {
		for k := range ent {
			if !contains(entAttrs, k) {
				return &scimErr{400, "invalidSyntax", "unknown enterprise attribute " + k}
			}
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
