package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// Bulk limits (UPS: at most 100 operations and 400 KB per request).
const (
	MaxBulkOperations = 100
	MaxBulkBytes      = 400 * 1024
	maxBodyBytes      = 1 << 20
)

var errTooLarge = errors.New("request body too large")

func readBody(r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

type bulkRequest struct {
	Schemas      []string `json:"schemas"`
	FailOnErrors *int     `json:"failOnErrors"`
	Operations   []bulkOp `json:"Operations"`
}

type bulkOp struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	BulkID string          `json:"bulkId"`
	Data   json.RawMessage `json:"data"`
}

// handleBulk is POST /profile/v4/Bulk: the request is checked and accepted
// with 202 and a provision status; its operations run in the background.
func (s *Server) handleBulk(w http.ResponseWriter, r *http.Request, base string) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !jsonMediaType(ct) {
		writeError(w, unsupportedMedia(fmt.Sprintf("Content-Type %q", ct)))
		return
	}
	body, err := readBody(r, MaxBulkBytes)
	if errors.Is(err, errTooLarge) {
		writeError(w, &scimError{Status: http.StatusRequestEntityTooLarge, ScimType: "tooLarge", Detail: fmt.Sprintf("a Bulk request may not exceed %d bytes (400 KB)", MaxBulkBytes)})
		return
	}
	if err != nil {
		writeError(w, badRequest("invalidSyntax", "reading body: "+err.Error()))
		return
	}
	var req bulkRequest
	if err := json.Unmarshal(body, &req); err != nil {
		if ct == "" && !json.Valid(body) {
			writeError(w, unsupportedMedia("a body without Content-Type that is not JSON"))
			return
		}
		writeError(w, badRequest("invalidSyntax", "BulkRequest is not valid JSON: "+err.Error()))
		return
	}
	if !containsFold(req.Schemas, urnBulkRequest) {
		writeError(w, badRequest("invalidValue", "schemas must list "+urnBulkRequest))
		return
	}
	switch n := len(req.Operations); {
	case n == 0:
		writeError(w, badRequest("invalidValue", "BulkRequest has no Operations"))
		return
	case n > MaxBulkOperations:
		writeError(w, &scimError{Status: http.StatusRequestEntityTooLarge, ScimType: "tooMany", Detail: fmt.Sprintf("a Bulk request may hold at most %d operations (got %d)", MaxBulkOperations, n)})
		return
	}
	if req.FailOnErrors != nil && *req.FailOnErrors < 0 {
		writeError(w, badRequest("invalidValue", "failOnErrors must not be negative"))
		return
	}
	p := &provision{Type: "Bulk", CorrelationID: correlationID(r)}
	defined := map[string]bool{}
	for i, bo := range req.Operations {
		op, e := checkBulkOp(i, bo, defined)
		if e != nil {
			writeError(w, e)
			return
		}
		p.Ops = append(p.Ops, op)
	}
	s.mu.Lock()
	now := s.clock()
	s.drain(now)
	p.ID, p.Created, p.Modified, p.Due = s.newID(), now, now, now.Add(s.cfg.Latency)
	s.st.seq++
	p.Seq = s.st.seq
	s.st.putProvision(p)
	s.st.enqueue(p)
	s.flush()
	doc := p.summary(base)
	s.mu.Unlock()
	s.kick()
	w.Header().Set("Location", statusURL(base, p.ID))
	writeSCIM(w, http.StatusAccepted, doc)
}

func correlationID(r *http.Request) string {
	if c := r.Header.Get("concur-correlationid"); c != "" {
		return c
	}
	return randomUUID()
}

// checkBulkOp checks one Bulk operation (method, path, bulkId, data).
func checkBulkOp(i int, bo bulkOp, defined map[string]bool) (*operation, *scimError) {
	where := fmt.Sprintf("Operations[%d]", i)
	method := strings.ToUpper(bo.Method)
	path := strings.TrimSuffix(bo.Path, "/")
	op := &operation{Method: method, Path: path, BulkID: bo.BulkID}
	hasData := len(bo.Data) > 0 && string(bo.Data) != "null"
	switch method {
	case http.MethodPost:
		if !strings.EqualFold(path, "/Users") {
			return nil, badRequest("invalidPath", fmt.Sprintf("%s: POST path must be /Users (got %q)", where, bo.Path))
		}
		if bo.BulkID == "" {
			return nil, badRequest("invalidValue", where+": bulkId is required for POST")
		}
		if defined[bo.BulkID] {
			return nil, badRequest("uniqueness", fmt.Sprintf("%s: bulkId %q is used twice", where, bo.BulkID))
		}
		defined[bo.BulkID] = true
		op.Path = "/Users"
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		rest, ok := cutPrefixFold(path, "/Users/")
		if !ok || rest == "" || strings.Contains(rest, "/") {
			return nil, badRequest("invalidPath", fmt.Sprintf("%s: %s path must be /Users/{id} (got %q)", where, method, bo.Path))
		}
		if b, isRef := strings.CutPrefix(rest, "bulkId:"); isRef && !defined[b] {
			return nil, badRequest("invalidValue", fmt.Sprintf("%s: bulkId %q is not defined by an earlier POST of this request", where, b))
		}
		op.Path = "/Users/" + rest
	default:
		return nil, badRequest("invalidValue", fmt.Sprintf("%s: method %q is not POST, PUT, PATCH or DELETE", where, bo.Method))
	}
	if method != http.MethodDelete && !hasData {
		return nil, badRequest("invalidValue", where+": data is required for "+method)
	}
	if hasData {
		var data map[string]any
		if err := json.Unmarshal(bo.Data, &data); err != nil {
			return nil, badRequest("invalidSyntax", fmt.Sprintf("%s: data must be an object: %v", where, err))
		}
		op.Data = bo.Data
		if method == http.MethodPatch {
			if ops, err := decodePatch(bo.Data); err == nil {
				op.Touched = touchedByPatch(ops)
			} else {
				op.Touched = []string{urnCore}
			}
		} else {
			op.Touched = touchedByBody(data)
		}
	}
	if method == http.MethodDelete {
		op.Touched = []string{urnCore, urnEnterprise}
	}
	return op, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// handleUserWrite is POST/PATCH/PUT/DELETE on /profile/v4/Users: the
// identity is written at once (201/200 with the identity User, its
// provisionId and statusUrl), the extensions in the background. identityOnly
// serves /profile/identity/v4[.1]/Users, which writes the identity only.
func (s *Server) handleUserWrite(w http.ResponseWriter, r *http.Request, base, id string, identityOnly bool) {
	method := r.Method
	var body []byte
	if method != http.MethodDelete {
		var err error
		body, err = readBody(r, maxBodyBytes)
		if err != nil {
			writeError(w, &scimError{Status: http.StatusRequestEntityTooLarge, ScimType: "tooLarge", Detail: err.Error()})
			return
		}
	}
	op := &operation{Method: method, Path: "/Users"}
	if id != "" {
		op.Path = "/Users/" + id
	}
	switch method {
	case http.MethodPatch:
		ops, e := decodePatch(body)
		if e != nil {
			writeError(w, e)
			return
		}
		op.Touched = touchedByPatch(ops)
	case http.MethodPost, http.MethodPut:
		var data map[string]any
		if err := json.Unmarshal(body, &data); err != nil || data == nil {
			writeError(w, badRequest("invalidSyntax", "body must be a User object"))
			return
		}
		op.Touched = touchedByBody(data)
	case http.MethodDelete:
		op.Touched = []string{urnCore, urnEnterprise}
	}
	if identityOnly {
		var kept []string
		for _, t := range op.Touched {
			if identitySchemas[t] {
				kept = append(kept, t)
			}
		}
		op.Touched = kept
	}
	op.Data = body
	p := &provision{Type: "User", CorrelationID: correlationID(r)}

	s.mu.Lock()
	defer s.kick()
	defer s.mu.Unlock()
	now := s.clock()
	s.drain(now)
	s.runIdentity(p, op, now)
	if op.Done && !op.Success {
		writeError(w, opError(op))
		return
	}
	if method == http.MethodDelete {
		s.flush()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	u := s.st.users[op.UserID]
	if identityOnly {
		op.Work = nil
		s.flush()
		writeSCIM(w, okCode(method), identityView(u, base, nil, nil))
		return
	}
	p.ID, p.Created, p.Modified, p.Stage, p.Due = s.newID(), now, now, 1, now.Add(s.cfg.Latency)
	s.st.seq++
	p.Seq = s.st.seq
	p.Ops = []*operation{op}
	s.st.putProvision(p)
	s.st.enqueue(p)
	s.flush()
	doc := identityView(u, base, nil, nil)
	meta := doc["meta"].(map[string]any)
	meta["statusUrl"] = statusURL(base, p.ID)
	meta["provisionId"] = p.ID
	writeSCIM(w, okCode(method), doc)
}

// opError turns a failed operation into the synchronous error response.
func opError(op *operation) *scimError {
	status, _ := strconv.Atoi(op.Code)
	e := &scimError{Status: status}
	for _, ex := range extensionOrder {
		if res := op.Results[ex.urn]; res != nil && res.Result == "error" {
			e.Messages = res.Messages
			break
		}
	}
	for _, m := range e.Messages {
		if m.Type == "error" {
			e.Detail = m.Message
			break
		}
	}
	switch status {
	case http.StatusConflict:
		e.ScimType = "uniqueness"
	case http.StatusBadRequest:
		e.ScimType = "invalidValue"
	}
	return e
}

// handleStatus is GET /profile/v4/provisions/{id}/status[?attributes=operations].
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request, base, id string) {
	q := r.URL.Query()
	detailed := false
	for _, a := range strings.Split(q.Get("attributes"), ",") {
		if strings.EqualFold(strings.TrimSpace(a), "operations") {
			detailed = true
		}
	}
	startIndex, count := 1, MaxBulkOperations
	var err error
	if v := q.Get("startIndex"); v != "" {
		if startIndex, err = strconv.Atoi(v); err != nil || startIndex < 1 {
			writeError(w, badRequest("invalidValue", "startIndex must be an integer >= 1"))
			return
		}
	}
	if v := q.Get("count"); v != "" {
		if count, err = strconv.Atoi(v); err != nil || count < 0 {
			writeError(w, badRequest("invalidValue", "count must be a non-negative integer"))
			return
		}
	}
	state := strings.ToLower(q.Get("state"))
	if state != "" && state != "pending" && state != "success" && state != "failed" {
		writeError(w, badRequest("invalidValue", "state must be pending, success or failed"))
		return
	}
	s.mu.Lock()
	s.drain(s.clock())
	p := s.st.provisions[strings.ToLower(id)]
	var doc *statusDoc
	if p != nil {
		if detailed {
			doc = p.detailed(base, startIndex, count, state)
		} else {
			doc = p.summary(base)
		}
	}
	s.mu.Unlock()
	if doc == nil {
		writeError(w, notFound(fmt.Sprintf("provision %s not found (statuses are kept 7 days)", id)))
		return
	}
	writeSCIM(w, http.StatusOK, doc)
}

// unsupportedMedia is the 415 for a Bulk request that is not JSON.
func unsupportedMedia(what string) *scimError {
	return &scimError{Status: http.StatusUnsupportedMediaType, ScimType: "invalidSyntax",
		Detail: what + ": a Bulk request is JSON (Content-Type application/json or application/scim+json)"}
}

// jsonMediaType reports whether a Content-Type names JSON: application/json,
// application/scim+json or another +json type, with any parameters.
func jsonMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}
