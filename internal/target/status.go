package target

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// statusPageSize is the count of a detailed status page.
const statusPageSize = 100

// maxStatusPages bounds the pages read for one provision (a server that
// ignored startIndex would otherwise answer the same page forever).
const maxStatusPages = 1000

// statusDoc is a provision status (spec/ups-v4/status-shapes.json:
// bulk_post_response_202, summary_status_response_200 and
// detailed_status_response_200).
type statusDoc struct {
	ID              string `json:"id"`
	TotalResults    *int   `json:"totalResults"`
	ItemsPerPage    *int   `json:"itemsPerPage"`
	StartIndex      *int   `json:"startIndex"`
	OperationsCount struct {
		Total   int `json:"total"`
		Success int `json:"success"`
		Failed  int `json:"failed"`
		Pending int `json:"pending"`
	} `json:"operationsCount"`
	Status struct {
		Completed bool  `json:"completed"`
		Success   *bool `json:"success"`
	} `json:"status"`
	Meta struct {
		Created       string `json:"created"`
		LastModified  string `json:"lastModified"`
		CorrelationID string `json:"correlationId"`
	} `json:"meta"`
	Operations []opDoc `json:"operations"`
}

type opDoc struct {
	ID     json.RawMessage `json:"id"` // "3" (documented) or 3
	BulkID string          `json:"bulkId"`
	Status struct {
		Completed bool   `json:"completed"`
		Success   *bool  `json:"success"`
		Code      string `json:"code"`
	} `json:"status"`
	Resource *struct {
		ID string `json:"id"`
	} `json:"resource"`
	Extensions []struct {
		Name   string `json:"name"`
		Status struct {
			Completed bool   `json:"completed"`
			Success   *bool  `json:"success"`
			Code      string `json:"code"`
			Result    string `json:"result"`
		} `json:"status"`
		Messages []Message `json:"messages"`
	} `json:"extensions"`
	Messages []Message `json:"messages"`
}

// provisionTimes are the layouts of provision timestamps ("+0000" offsets
// per status-shapes.json; RFC 3339 accepted too).
var provisionTimes = []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700", time.RFC3339Nano}

func parseProvisionTime(s string) time.Time {
	for _, l := range provisionTimes {
		if t, err := time.Parse(l, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

func (d *statusDoc) summary() *ProvisionStatus {
	ps := &ProvisionStatus{ID: d.ID, Completed: d.Status.Completed,
		Total: d.OperationsCount.Total, Succeeded: d.OperationsCount.Success, Failed: d.OperationsCount.Failed, Pend: d.OperationsCount.Pending,
		Created: parseProvisionTime(d.Meta.Created), LastModified: parseProvisionTime(d.Meta.LastModified)}
	if d.Status.Success != nil {
		ps.Success = *d.Status.Success
	}
	return ps
}

// result decodes one operation: its id is its 1-based position in the
// request.
func (o *opDoc) result() OpResult {
	r := OpResult{Index: -1, BulkID: o.BulkID, Completed: o.Status.Completed, Code: o.Status.Code, Messages: o.Messages}
	if n, err := strconv.Atoi(strings.Trim(string(o.ID), `"`)); err == nil {
		r.Index = n - 1
	}
	if o.Status.Success != nil {
		r.Success = *o.Status.Success
	}
	if o.Resource != nil {
		r.UserID = o.Resource.ID
	}
	for _, e := range o.Extensions {
		r.Extensions = append(r.Extensions, ExtResult{Schema: e.Name, Result: e.Status.Result, Code: e.Status.Code, Messages: e.Messages})
	}
	return r
}

func (u *upsClient) statusPath(id string) string {
	return upsStatusPath + url.PathEscape(id) + "/status"
}

// Status reads the summary status of a provision.
func (u *upsClient) Status(ctx context.Context, provisionID string) (*ProvisionStatus, error) {
	d, err := u.readStatus(ctx, u.statusPath(provisionID))
	if err != nil {
		return nil, err
	}
	return d.summary(), nil
}

func (u *upsClient) readStatus(ctx context.Context, path string) (*statusDoc, error) {
	r, res, err := u.get(ctx, "status", path)
	if err != nil {
		return nil, err
	}
	if res.status != http.StatusOK {
		e := permanent(r, res)
		if res.status == http.StatusNotFound {
			e.Hint = "UPS keeps provision statuses 7 days"
		}
		return nil, e
	}
	var d statusDoc
	if err := json.Unmarshal(res.body, &d); err != nil {
		return nil, &Error{Kind: KindPermanent, Op: "status", Method: r.method, URL: stripQuery(r.url), Status: res.status,
			Detail: "the provision status is not valid JSON: " + err.Error()}
	}
	return &d, nil
}

// Operations reads every operation of a provision: the failed ones first
// (state=failed pages), then all the others, deduplicated by operation id.
func (u *upsClient) Operations(ctx context.Context, provisionID string) ([]OpResult, error) {
	var out []OpResult
	seen := map[string]bool{}
	for _, state := range []string{"failed", ""} {
		err := u.pages(ctx, provisionID, state, func(o *opDoc) {
			key := strings.Trim(string(o.ID), `"`)
			if key == "" {
				key = fmt.Sprintf("bulkId:%s#%d", o.BulkID, len(out))
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, o.result())
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pages reads the detailed status page by page (startIndex/count), with a
// state filter when state is not "".
func (u *upsClient) pages(ctx context.Context, id, state string, each func(*opDoc)) error {
	start := 1
	for range maxStatusPages {
		q := url.Values{"attributes": {"operations"}, "startIndex": {strconv.Itoa(start)}, "count": {strconv.Itoa(statusPageSize)}}
		if state != "" {
			q.Set("state", state)
		}
		d, err := u.readStatus(ctx, u.statusPath(id)+"?"+q.Encode())
		if err != nil {
			return err
		}
		for i := range d.Operations {
			each(&d.Operations[i])
		}
		n := len(d.Operations)
		total := d.OperationsCount.Total
		if d.TotalResults != nil {
			total = *d.TotalResults
		}
		if n == 0 || start-1+n >= total {
			return nil
		}
		start += n
	}
	return &Error{Kind: KindPermanent, Op: "status", Detail: fmt.Sprintf("provision %s: more than %d status pages", id, maxStatusPages)}
}
