package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// provision is one provisioning request (a Bulk or a single-user write) and
// its progress: stage 0 queued, 1 identity written, 2 extensions written.
type provision struct {
	ID            string            `json:"id"`
	CorrelationID string            `json:"correlationId"`
	Type          string            `json:"provisionType"` // Bulk or User
	Created       time.Time         `json:"created"`
	Modified      time.Time         `json:"modified"`
	Completed     time.Time         `json:"completed,omitzero"`
	Stage         int               `json:"stage"`
	Due           time.Time         `json:"due"`
	Seq           int64             `json:"seq"`
	BulkIDs       map[string]string `json:"bulkIds,omitempty"`
	Ops           []*operation      `json:"operations"`
}

// operation is one operation of a provision with its outcome.
type operation struct {
	Method  string                `json:"method"`
	Path    string                `json:"path"`
	BulkID  string                `json:"bulkId,omitempty"`
	Data    json.RawMessage       `json:"data,omitempty"`
	Touched []string              `json:"touched,omitempty"` // schemas written
	UserID  string                `json:"userId,omitempty"`
	Work    []extWork             `json:"work,omitempty"` // extension writes left for stage 2
	Done    bool                  `json:"done"`
	Success bool                  `json:"success"`
	Code    string                `json:"code,omitempty"`
	Results map[string]*extResult `json:"results,omitempty"`
}

// extWork is the write of one extension: a whole object (POST, PUT), its
// removal (PUT without it) or PATCH operations.
type extWork struct {
	Schema string         `json:"schema"`
	Set    map[string]any `json:"set,omitempty"`
	Unset  bool           `json:"unset,omitempty"`
	Ops    []patchOp      `json:"ops,omitempty"`
}

type extResult struct {
	Result   string    `json:"result"` // success no-op error processing
	Code     string    `json:"code"`
	Messages []message `json:"messages,omitempty"`
}

func (o *operation) setResult(schema, result string, code int, msgs []message) {
	if o.Results == nil {
		o.Results = map[string]*extResult{}
	}
	o.Results[schema] = &extResult{Result: result, Code: strconv.Itoa(code), Messages: msgs}
}

func okCode(method string) int {
	switch method {
	case http.MethodPost:
		return http.StatusCreated
	case http.MethodDelete:
		return http.StatusNoContent
	}
	return http.StatusOK
}

// failIdentity ends an operation whose identity write failed: the failing
// identity schema reports the error, every other extension is blocked (no-op).
func (o *operation) failIdentity(status int, msgs []message) {
	failed := urnCore
	for _, m := range msgs {
		if m.Type == "error" {
			failed = pathSchema(m.SchemaPath)
			break
		}
	}
	if !identitySchemas[failed] || failed == urnSAP {
		failed = urnCore
	}
	o.setResult(failed, "error", status, msgs)
	o.Done, o.Success, o.Code = true, false, strconv.Itoa(status)
	o.Work, o.Data = nil, nil
}

func (o *operation) touches(schema string) bool {
	for _, t := range o.Touched {
		if t == schema {
			return true
		}
	}
	return false
}

// finish completes an operation after its extension writes.
func (o *operation) finish() {
	o.Done, o.Success, o.Code = true, true, strconv.Itoa(okCode(o.Method))
	for _, e := range extensionOrder {
		if r := o.Results[e.urn]; r != nil && r.Result == "error" {
			o.Success, o.Code = false, r.Code
			break
		}
	}
	o.Work, o.Data = nil, nil
}

// Status documents (status-shapes.json).
type statusDoc struct {
	Schemas         []string       `json:"schemas"`
	ID              string         `json:"id"`
	TotalResults    *int           `json:"totalResults,omitempty"`
	ItemsPerPage    *int           `json:"itemsPerPage,omitempty"`
	StartIndex      *int           `json:"startIndex,omitempty"`
	OperationsCount opCount        `json:"operationsCount"`
	Status          completion     `json:"status"`
	Meta            statusMeta     `json:"meta"`
	Operations      *[]opStatusDoc `json:"operations,omitempty"`
}

type opCount struct {
	Total   int `json:"total"`
	Success int `json:"success"`
	Failed  int `json:"failed"`
	Pending int `json:"pending"`
}

type completion struct {
	Completed bool  `json:"completed"`
	Success   *bool `json:"success"`
}

type statusMeta struct {
	Location      string `json:"location"`
	Created       string `json:"created"`
	LastModified  string `json:"lastModified"`
	Completed     string `json:"completed,omitempty"`
	ProvisionType string `json:"provisionType"`
	ResourceType  string `json:"resourceType"`
	CorrelationID string `json:"correlationId"`
}

type opStatusDoc struct {
	ID         string       `json:"id"`
	BulkID     string       `json:"bulkId,omitempty"`
	Status     opStatus     `json:"status"`
	Resource   *resourceRef `json:"resource,omitempty"`
	Extensions []extDoc     `json:"extensions"`
}

type opStatus struct {
	Completed bool   `json:"completed"`
	Success   *bool  `json:"success"`
	Code      string `json:"code,omitempty"`
}

type resourceRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type extDoc struct {
	Name     string    `json:"name"`
	Status   extStatus `json:"status"`
	Messages []message `json:"messages,omitempty"`
}

type extStatus struct {
	Completed bool   `json:"completed"`
	Success   *bool  `json:"success"`
	Code      string `json:"code,omitempty"`
	Result    string `json:"result"`
}

const provisionTime = "2006-01-02T15:04:05.000-0700"

func fmtProvTime(t time.Time) string { return t.UTC().Format(provisionTime) }

func boolPtr(b bool) *bool { return &b }

func (p *provision) counts() opCount {
	c := opCount{Total: len(p.Ops)}
	for _, o := range p.Ops {
		switch {
		case !o.Done:
			c.Pending++
		case o.Success:
			c.Success++
		default:
			c.Failed++
		}
	}
	return c
}

func (p *provision) completed() bool { return p.Stage >= 2 }

// statusURL is where the status of provision id is polled.
func statusURL(base, id string) string { return base + "/profile/v4/provisions/" + id + "/status" }

// summary renders the summary status (summary_status_response_200, and the
// Bulk 202 body).
func (p *provision) summary(base string) *statusDoc {
	d := &statusDoc{
		Schemas:         []string{urnStatus},
		ID:              p.ID,
		OperationsCount: p.counts(),
		Meta: statusMeta{
			Location:      statusURL(base, p.ID),
			Created:       fmtProvTime(p.Created),
			LastModified:  fmtProvTime(p.Modified),
			ProvisionType: p.Type,
			ResourceType:  "ProvisionRequest",
			CorrelationID: p.CorrelationID,
		},
	}
	d.Status.Completed = p.completed()
	if d.Status.Completed {
		d.Status.Success = boolPtr(d.OperationsCount.Failed == 0)
	}
	return d
}

// detailed renders the detailed status (?attributes=operations) with paging
// (startIndex 1-based, count) and an optional state filter.
func (p *provision) detailed(base string, startIndex, count int, stateFilter string) *statusDoc {
	d := p.summary(base)
	if d.Status.Completed {
		d.Meta.Completed = fmtProvTime(p.Completed)
	}
	var sel []opStatusDoc
	for i, o := range p.Ops {
		st := "pending"
		if o.Done {
			st = map[bool]string{true: "success", false: "failed"}[o.Success]
		}
		if stateFilter != "" && stateFilter != st {
			continue
		}
		sel = append(sel, o.render(i+1))
	}
	total := len(sel)
	from := min(max(startIndex-1, 0), total)
	to := min(from+count, total)
	page := append([]opStatusDoc{}, sel[from:to]...)
	n := len(page)
	d.TotalResults, d.ItemsPerPage, d.StartIndex = &total, &n, &startIndex
	d.Operations = &page
	return d
}

func (o *operation) render(index int) opStatusDoc {
	od := opStatusDoc{ID: strconv.Itoa(index), BulkID: o.BulkID, Status: opStatus{Completed: o.Done}, Extensions: []extDoc{}}
	if o.Done {
		od.Status.Success = boolPtr(o.Success)
		od.Status.Code = o.Code
	}
	if o.UserID != "" {
		od.Resource = &resourceRef{ID: o.UserID, Type: "User"}
	}
	for _, e := range extensionOrder {
		r := o.Results[e.urn]
		if e.optional && r == nil && !o.touches(e.urn) {
			continue
		}
		var ed extDoc
		ed.Name = e.urn
		switch {
		case r != nil:
			ed.Status = extStatus{Completed: true, Success: boolPtr(r.Result != "error"), Code: r.Code, Result: r.Result}
			ed.Messages = r.Messages
		case !o.Done && o.touches(e.urn):
			ed.Status = extStatus{Result: "processing"}
		case !o.Done:
			continue
		default:
			ed.Status = extStatus{Completed: true, Success: boolPtr(true), Code: "200", Result: "no-op"}
		}
		od.Extensions = append(od.Extensions, ed)
	}
	return od
}

// touchedByBody lists the schemas a POST/PUT User body writes.
func touchedByBody(data map[string]any) []string {
	out := []string{urnCore}
	seen := map[string]bool{urnCore: true}
	for _, k := range sortedKeys(data) {
		if s := canonicalSchema(k); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// touchedByPatch lists the schemas PATCH operations write.
func touchedByPatch(ops []parsedOp) []string {
	var out []string
	seen := map[string]bool{}
	for _, o := range ops {
		for _, s := range o.schemas() {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}

func schemaRank(s string) int {
	for i, e := range extensionOrder {
		if e.urn == s {
			return i
		}
	}
	return len(extensionOrder)
}

func sortWork(w []extWork) {
	sort.SliceStable(w, func(i, j int) bool { return schemaRank(w[i].Schema) < schemaRank(w[j].Schema) })
}

// userPath resolves a Bulk path "/Users/{id}" or "/Users/bulkId:{id}".
func (p *provision) userPath(path string) (string, *scimError) {
	rest, ok := strings.CutPrefix(path, "/Users/")
	if !ok || rest == "" {
		return "", badRequest("invalidPath", fmt.Sprintf("path %q is not /Users/{id}", path))
	}
	if b, isRef := strings.CutPrefix(rest, "bulkId:"); isRef {
		id, found := p.BulkIDs[b]
		if !found {
			return "", &scimError{Status: http.StatusConflict, ScimType: "invalidValue", Detail: fmt.Sprintf("bulkId %q did not resolve: its POST failed", b)}
		}
		return id, nil
	}
	return strings.ToLower(rest), nil
}
