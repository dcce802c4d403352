package submit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

// instant is a UPS-like target that costs nothing: a Bulk is provisioned
// the moment it is accepted, every operation succeeds with a result per
// schema it wrote, and lookups find the users it created. Submitting to
// it measures what the client alone spends (journal, plan rebuilds,
// encoding, outcomes); it counts the calls of each kind.
type instant struct {
	mu      sync.Mutex
	users   map[string]string // user ids by employee number (lean: the memory benchmark counts them)
	results map[string][]target.OpResult
	seq     atomic.Int64

	sends, statuses, details, lookups atomic.Int64
}

func newInstant() *instant {
	return &instant{users: map[string]string{}, results: map[string][]target.OpResult{}}
}

func (t *instant) Flavor() string { return "ups" }

func (t *instant) Prepare(context.Context) (*target.Info, error) {
	return &target.Info{BaseURL: "instant:", Company: company, MaxOps: target.DefaultMaxOps, MaxBytes: target.DefaultMaxBytes}, nil
}

// bulkOp is what instant reads of an operation.
type bulkOp struct {
	Method string `json:"method"`
	BulkID string `json:"bulkId"`
	Path   string `json:"path"`
	Data   struct {
		Schemas    []string `json:"schemas"`
		Operations []struct {
			Path string `json:"path"`
		} `json:"Operations"`
		Enterprise struct {
			EmployeeNumber string `json:"employeeNumber"`
		} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
	} `json:"data"`
}

func (t *instant) Send(_ context.Context, body []byte, ops int) (*target.Accepted, error) {
	t.sends.Add(1)
	var req struct {
		Operations []bulkOp `json:"Operations"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, &target.Error{Kind: target.KindPermanent, Op: "send", Status: 400, Detail: err.Error()}
	}
	if len(req.Operations) != ops {
		return nil, &target.Error{Kind: target.KindPermanent, Op: "send", Status: 400, Detail: fmt.Sprintf("%d operations, %d announced", len(req.Operations), ops)}
	}
	res := make([]target.OpResult, len(req.Operations))
	t.mu.Lock()
	for i, op := range req.Operations {
		r := target.OpResult{Index: i, BulkID: op.BulkID, Completed: true, Success: true, Code: "200"}
		switch {
		case op.Method == "POST":
			r.Code, r.UserID = "201", uuid()
			emp := op.Data.Enterprise.EmployeeNumber
			if e, ok := plan.EmployeeOfBulkID(op.BulkID); ok && emp == "" {
				emp = e
			}
			t.users[emp] = r.UserID
		default:
			r.UserID = strings.TrimPrefix(op.Path, "/Users/")
		}
		// A result per schema UPS reports, as the sandbox does: success
		// for the schemas the operation wrote, no-op for the others.
		wrote := map[string]bool{}
		for _, s := range op.Data.Schemas {
			wrote[s] = true
		}
		for _, p := range op.Data.Operations {
			if i := strings.LastIndex(p.Path, ":"); strings.HasPrefix(p.Path, "urn:") && i > 0 {
				wrote[p.Path[:i]] = true
			} else {
				wrote[model.SchemaCore] = true
			}
		}
		for _, s := range upsSchemas {
			result := target.ResultNoOp
			if wrote[s] {
				result = target.ResultSuccess
			}
			r.Extensions = append(r.Extensions, target.ExtResult{Schema: s, Result: result, Code: r.Code})
		}
		res[i] = r
	}
	id := fmt.Sprintf("prov-%d", t.seq.Add(1))
	t.results[id] = res
	t.mu.Unlock()
	return &target.Accepted{HTTPStatus: 202, ProvisionID: id, Attempts: 1}, nil
}

func (t *instant) Status(_ context.Context, id string) (*target.ProvisionStatus, error) {
	t.statuses.Add(1)
	t.mu.Lock()
	res, ok := t.results[id]
	t.mu.Unlock()
	if !ok {
		return nil, &target.Error{Kind: target.KindPermanent, Op: "status", Status: 404}
	}
	return &target.ProvisionStatus{ID: id, Completed: true, Success: true, Total: len(res), Succeeded: len(res)}, nil
}

func (t *instant) Operations(_ context.Context, id string) ([]target.OpResult, error) {
	t.details.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	res, ok := t.results[id]
	if !ok {
		return nil, &target.Error{Kind: target.KindPermanent, Op: "status", Status: 404}
	}
	delete(t.results, id)
	return res, nil
}

func (t *instant) LookupEmployees(_ context.Context, emps []string) (map[string]target.User, error) {
	t.lookups.Add(int64((len(emps) + 49) / 50))
	out := map[string]target.User{}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range emps {
		if id, ok := t.users[e]; ok {
			out[e] = target.User{ID: id, EmployeeNumber: e}
		}
	}
	return out, nil
}

func (t *instant) LookupUserNames(context.Context, []string) (map[string]target.User, error) {
	return map[string]target.User{}, nil
}

// upsSchemas are the schemas UPS reports on every operation.
var upsSchemas = []string{
	model.SchemaCore, model.SchemaEnterprise,
	"urn:ietf:params:scim:schemas:extension:spend:2.0:User",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Role",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Delegate",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:UserPreference",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:WorkflowPreference",
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:Payroll",
	"urn:ietf:params:scim:schemas:extension:travel:2.0:User",
}

func uuid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:]
}
