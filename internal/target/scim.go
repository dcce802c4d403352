package target

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// SCIMOptions configure the client of a generic SCIM 2.0 server (RFC 7644
// with a synchronous /Bulk).
type SCIMOptions struct {
	// URL is the SCIM root, e.g. http://127.0.0.1:9000/scim/v2.
	URL string
	// Token is a bearer token; else User and Password authenticate with
	// basic auth; else no Authorization is sent.
	Token          string
	User, Password string
	HTTPOptions
}

const (
	scimJSON = "application/scim+json"
	// scimLookupTerms bounds the terms of a lookup's or-filter (it travels
	// in the URL).
	scimLookupTerms = 20
	scimHintAuth    = "check the SCIM token (or user and password) and its permissions"
)

// staticAuth sends fixed credentials; a 401 is final.
type staticAuth struct{ value string }

func (a staticAuth) authorize(_ context.Context, h http.Header) (string, error) {
	if a.value != "" {
		h.Set("Authorization", a.value)
	}
	return "", nil
}

func (staticAuth) renew(string) bool { return false }

// scimClient is the Target of a SCIM 2.0 server.
type scimClient struct {
	o    SCIMOptions
	h    *httpc
	root string
	auth staticAuth

	mu      sync.Mutex
	info    *Info
	schemas *schemaSet
	single  bool // the server refused or-filters: look up one by one
}

// NewSCIM returns a Target for the SCIM server at opts.URL. Nothing is sent
// until a method is called.
func NewSCIM(opts SCIMOptions) (Target, error) {
	opts.HTTPOptions = opts.HTTPOptions.withDefaults()
	root := strings.TrimRight(opts.URL, "/")
	if err := checkBase(root); err != nil {
		return nil, err
	}
	c := &scimClient{o: opts, h: &httpc{o: opts.HTTPOptions}, root: root}
	switch {
	case opts.Token != "":
		c.auth.value = "Bearer " + opts.Token
	case opts.User != "" || opts.Password != "":
		c.auth.value = "Basic " + base64.StdEncoding.EncodeToString([]byte(opts.User+":"+opts.Password))
	}
	return c, nil
}

func (c *scimClient) Flavor() string { return "scim" }

func (c *scimClient) call(ctx context.Context, op, method, path string, body []byte, idempotent bool) (*request, *response, error) {
	h := http.Header{"Accept": {scimJSON + ", application/json"}}
	if body != nil {
		h.Set("Content-Type", scimJSON)
	}
	r := &request{op: op, method: method, url: c.root + path, body: body, header: h, idempotent: idempotent, auth: c.auth, forbidden: scimHintAuth}
	res, err := c.h.do(ctx, r)
	return r, res, err
}

// Prepare reads /ServiceProviderConfig (bulk must be supported; its limits
// lower the defaults) and /Schemas (the schemas the dialect may send).
func (c *scimClient) Prepare(ctx context.Context) (*Info, error) {
	r, res, err := c.call(ctx, "prepare", http.MethodGet, "/ServiceProviderConfig", nil, true)
	if err != nil {
		return nil, err
	}
	if res.status != http.StatusOK {
		e := permanent(r, res)
		e.Hint = "is --target the SCIM root (the URL /Users and /Bulk are under)?"
		return nil, e
	}
	info := &Info{BaseURL: c.root, MaxOps: DefaultMaxOps, MaxBytes: DefaultMaxBytes}
	if !applyBulkLimits(info, res.body) {
		return nil, &Error{Kind: KindPermanent, Op: "prepare", Method: r.method, URL: r.url, Status: res.status,
			Detail: "the server does not support /Bulk (ServiceProviderConfig bulk.supported is not true)"}
	}
	set, err := c.readSchemas(ctx)
	if err != nil {
		return nil, err
	}
	info.Schemas = set.urns
	c.mu.Lock()
	c.info, c.schemas = info, set
	c.mu.Unlock()
	return info, nil
}

// readSchemas reads /Schemas (a ListResponse or a bare array); a server
// without it is taken to support the RFC 7643 User schemas.
func (c *scimClient) readSchemas(ctx context.Context) (*schemaSet, error) {
	r, res, err := c.call(ctx, "prepare", http.MethodGet, "/Schemas", nil, true)
	if err != nil {
		return nil, err
	}
	set := &schemaSet{attrs: map[string]map[string]bool{}}
	switch {
	case res.status == http.StatusOK:
	case res.status == http.StatusNotFound || res.status == http.StatusNotImplemented:
		return set, nil
	default:
		return nil, permanent(r, res)
	}
	type schemaDoc struct {
		ID         string `json:"id"`
		Attributes []struct {
			Name string `json:"name"`
		} `json:"attributes"`
	}
	var docs []schemaDoc
	var lr struct {
		Resources []schemaDoc `json:"Resources"`
	}
	if json.Unmarshal(res.body, &lr) == nil && lr.Resources != nil {
		docs = lr.Resources
	} else if json.Unmarshal(res.body, &docs) != nil {
		return set, nil
	}
	set.listed = true
	for _, d := range docs {
		if d.ID == "" {
			continue
		}
		set.urns = append(set.urns, d.ID)
		names := map[string]bool{}
		for _, a := range d.Attributes {
			names[strings.ToLower(a.Name)] = true
		}
		set.attrs[strings.ToLower(d.ID)] = names
	}
	return set, nil
}

func (c *scimClient) prepared(ctx context.Context) (*schemaSet, error) {
	c.mu.Lock()
	s := c.schemas
	c.mu.Unlock()
	if s != nil {
		return s, nil
	}
	if _, err := c.Prepare(ctx); err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.schemas, nil
}

// Send rewrites the request into the RFC dialect for this server, posts it
// to /Bulk and returns every operation's outcome.
func (c *scimClient) Send(ctx context.Context, body []byte, ops int) (*Accepted, error) {
	set, err := c.prepared(ctx)
	if err != nil {
		return nil, err
	}
	d, err := toRFC(body, set)
	if err != nil {
		return nil, &Error{Kind: KindPermanent, Op: "send", Detail: err.Error()}
	}
	if d.body == nil {
		return &Accepted{HTTPStatus: http.StatusOK, Results: sortResults(d.skipped)}, nil
	}
	r, res, err := c.call(ctx, "send", http.MethodPost, "/Bulk", d.body, false)
	if err != nil {
		return nil, err
	}
	if res.status < 200 || res.status > 299 {
		return nil, permanent(r, res)
	}
	var br scim.BulkResponse
	if err := json.Unmarshal(res.body, &br); err != nil {
		return nil, &Error{Kind: KindInDoubt, Op: "send", Method: r.method, URL: r.url, Status: res.status, Attempts: res.attempts,
			Detail: "the BulkResponse is not valid JSON: " + err.Error(), Hint: "it is not sent again; look its users up"}
	}
	acc := &Accepted{HTTPStatus: res.status, Throttled: res.throttled, Attempts: res.attempts,
		CorrelationID: res.header.Get("X-Request-Id"), Results: bulkResults(d, &br)}
	return acc, nil
}

// bulkResults maps a BulkResponse onto the original operations: by bulkId
// first (POST), then the others in order (the next unanswered operation of
// the same method). Operations the server did not answer (it stopped at
// failOnErrors) failed unprocessed; PATCHes not sent are no-ops.
func bulkResults(d *dialect, br *scim.BulkResponse) []OpResult {
	used := make([]bool, len(d.index))
	pos := make([]int, len(br.Operations))
	for i := range br.Operations {
		ro := &br.Operations[i]
		pos[i] = -1
		if ro.BulkID == "" {
			continue
		}
		for j, b := range d.bulkIDs {
			if !used[j] && b == ro.BulkID {
				pos[i], used[j] = j, true
				break
			}
		}
	}
	for i := range br.Operations {
		if pos[i] >= 0 {
			continue
		}
		m := strings.ToUpper(br.Operations[i].Method)
		for j := range used {
			if !used[j] && (m == "" || m == d.methods[j]) {
				pos[i], used[j] = j, true
				break
			}
		}
	}
	out := append([]OpResult(nil), d.skipped...)
	for i := range br.Operations {
		if pos[i] >= 0 {
			out = append(out, opResult(d, pos[i], &br.Operations[i]))
		}
	}
	for j, u := range used {
		if !u {
			out = append(out, OpResult{Index: d.index[j], BulkID: d.bulkIDs[j], Completed: true,
				Messages: []Message{{Code: "NOT_PROCESSED", Text: "the server returned no result for this operation (it stopped after errors)", Type: "error"}}})
		}
	}
	return sortResults(out)
}

func opResult(d *dialect, pos int, ro *scim.BulkOperationResponse) OpResult {
	idx := d.index[pos]
	r := OpResult{Index: idx, BulkID: d.bulkIDs[pos], Completed: true, Success: ro.Status.OK(), Code: itoa(int(ro.Status))}
	if loc := strings.TrimRight(ro.Location, "/"); loc != "" {
		r.UserID = loc[strings.LastIndexByte(loc, '/')+1:]
	} else if r.Success {
		var doc struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(ro.Response, &doc)
		r.UserID = doc.ID
	}
	if se, ok := ro.Error(); ok {
		code := se.ScimType
		if code == "" {
			code = strconv.Itoa(int(ro.Status))
		}
		r.Messages = append(r.Messages, Message{Code: code, Text: se.Detail, Type: "error"})
		r.Messages = append(r.Messages, scimMessages(se)...)
	} else if !r.Success {
		r.Messages = append(r.Messages, Message{Code: r.Code, Text: "the server answered " + r.Code, Type: "error"})
	}
	for _, u := range d.dropped[idx] {
		r.Extensions = append(r.Extensions, ExtResult{Schema: u, Result: ResultNotProcessed,
			Messages: []Message{{Code: "NOT_SUPPORTED", Text: "not sent: the server does not support this schema", Type: "warning"}}})
	}
	if attrs := d.droppedAttrs[idx]; len(attrs) > 0 {
		r.Messages = append(r.Messages, droppedAttrsMessage(attrs))
	}
	return r
}

func sortResults(rs []OpResult) []OpResult {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Index < rs[j].Index })
	return rs
}

var errSynchronous = errors.New("a SCIM target answers Bulk requests synchronously: it has no provisions to poll")

func (c *scimClient) Status(context.Context, string) (*ProvisionStatus, error) {
	return nil, &Error{Kind: KindPermanent, Op: "status", Detail: errSynchronous.Error(), Err: errSynchronous}
}

func (c *scimClient) Operations(context.Context, string) ([]OpResult, error) {
	return nil, &Error{Kind: KindPermanent, Op: "status", Detail: errSynchronous.Error(), Err: errSynchronous}
}

func (c *scimClient) LookupEmployees(ctx context.Context, employeeNumbers []string) (map[string]User, error) {
	return c.lookup(ctx, employeeNumbers, byEmployeeNumber)
}

func (c *scimClient) LookupUserNames(ctx context.Context, userNames []string) (map[string]User, error) {
	return c.lookup(ctx, userNames, byUserName)
}

// lookup is GET /Users?filter= with or-filters of up to 20 terms, startIndex
// paging. A batch the server refuses (400) is asked one value at a time;
// when it had no quote or backslash the server refuses or-filters and the
// client asks one by one from then on. A single value refused (SCIMMY
// cannot filter on an escaped quote) is not found: the verbose log says so.
func (c *scimClient) lookup(ctx context.Context, vals []string, key lookupKey) (map[string]User, error) {
	out := map[string]User{}
	vals = dedupe(vals)
	for len(vals) > 0 {
		c.mu.Lock()
		n := scimLookupTerms
		if c.single {
			n = 1
		}
		c.mu.Unlock()
		batch := vals[:min(n, len(vals))]
		vals = vals[len(batch):]
		found, err := c.query(ctx, orFilter(key.path, batch))
		if isBadRequest(err) && len(batch) > 1 {
			if !strings.ContainsAny(strings.Join(batch, ""), `"\`) {
				c.mu.Lock()
				c.single = true
				c.mu.Unlock()
			}
			for _, v := range batch {
				f, err := c.query(ctx, orFilter(key.path, []string{v}))
				if isBadRequest(err) {
					c.o.Log("lookup: the server refused the filter of one %s value (400): taken as not found", key.path)
					continue
				}
				if err != nil {
					return nil, err
				}
				collect(out, []string{v}, key, f)
			}
			continue
		}
		if isBadRequest(err) {
			c.o.Log("lookup: the server refused the filter of one %s value (400): taken as not found", key.path)
			continue
		}
		if err != nil {
			return nil, err
		}
		collect(out, batch, key, found)
	}
	return out, nil
}

func isBadRequest(err error) bool {
	var te *Error
	return errors.As(err, &te) && te.Kind == KindPermanent && te.Status == http.StatusBadRequest
}

func (c *scimClient) query(ctx context.Context, filter string) ([]User, error) {
	var found []User
	start := 1
	for range maxSearchPages {
		q := url.Values{"filter": {filter}, "startIndex": {strconv.Itoa(start)}, "count": {strconv.Itoa(scimLookupTerms * 2)}}
		r, res, err := c.call(ctx, "lookup", http.MethodGet, "/Users?"+q.Encode(), nil, true)
		if err != nil {
			return nil, err
		}
		if res.status != http.StatusOK {
			return nil, permanent(r, res)
		}
		var lr struct {
			TotalResults int       `json:"totalResults"`
			Resources    []userDoc `json:"Resources"`
		}
		if err := json.Unmarshal(res.body, &lr); err != nil {
			return nil, &Error{Kind: KindPermanent, Op: "lookup", Method: r.method, URL: stripQuery(r.url), Status: res.status, Detail: "the answer is not a ListResponse: " + err.Error()}
		}
		for i := range lr.Resources {
			found = append(found, lr.Resources[i].user())
		}
		if len(lr.Resources) == 0 || start-1+len(lr.Resources) >= lr.TotalResults {
			return found, nil
		}
		start += len(lr.Resources)
	}
	return found, nil
}
