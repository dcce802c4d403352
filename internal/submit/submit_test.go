package submit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/pipeline"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/sandbox"
	"github.com/upsmigrate/upsmigrate/internal/target"
	"github.com/upsmigrate/upsmigrate/mapping"
)

const company = "053c9338-bf2a-49cd-9035-c1f97be858b0"

// converted converts the samples (or files) into a fresh directory.
func converted(t *testing.T, files ...string) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		for _, pat := range []string{"samples/concur/*.csv", "samples/legacy/*.xml", "samples/legacy/*.json"} {
			m, _ := filepath.Glob(filepath.Join(root, pat))
			files = append(files, m...)
		}
		sort.Strings(files)
	}
	set, err := mapping.LoadDir(filepath.Join(root, "samples/mapping"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := pipeline.Convert(files, pipeline.Options{Options: plan.Options{CompanyID: company}, Mapping: set})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := res.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// rig is a sandbox behind a real HTTP server and a UPS client to it that
// never really sleeps.
type rig struct {
	sb  *sandbox.Server
	url string
	t   target.Target
}

func newRig(t testing.TB, cfg sandbox.Config) *rig {
	t.Helper()
	if cfg.CompanyID == "" {
		cfg.CompanyID = company
	}
	sb, err := sandbox.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sb)
	t.Cleanup(func() { ts.Close(); sb.Close() })
	cr := sb.Credentials()
	tg, err := target.NewUPS(target.UPSOptions{URL: ts.URL, BaseURL: ts.URL, ClientID: cr.ClientID,
		ClientSecret: cr.ClientSecret, CompanyID: cr.CompanyID, RequestToken: cr.AuthToken,
		HTTPOptions: target.HTTPOptions{Sleep: fastSleep, MaxAttempts: 12, RequestTimeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return &rig{sb: sb, url: ts.URL, t: tg}
}

// fastSleep waits a little so that asynchronous provisions progress.
func fastSleep(ctx context.Context, d time.Duration) error {
	return target.Sleep(ctx, min(d, 5*time.Millisecond))
}

// submitDir submits dir with test options.
func (r *rig) submitDir(t *testing.T, ctx context.Context, dir string, tweak func(*Options)) (*Result, error) {
	t.Helper()
	run, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	o := Options{Target: r.t, Journal: j, Meta: journal.Meta{Target: "sandbox", Flavor: "ups"},
		PollInterval: time.Millisecond, Sleep: fastSleep, MaxCreates: -1, MaxDeactivations: -1}
	if tweak != nil {
		tweak(&o)
	}
	return Submit(ctx, run, o)
}

// users lists the sandbox's users by employee number.
func (r *rig) users(t *testing.T) map[string]int {
	t.Helper()
	var res *http.Response
	for try := 0; ; try++ { // through the injected faults
		req, _ := http.NewRequest("GET", r.url+"/profile/identity/v4.1/Users?count=1000", nil)
		req.Header.Set("Authorization", "Bearer "+r.sb.AccessToken())
		var err error
		res, err = http.DefaultClient.Do(req)
		if err == nil && res.StatusCode == 200 {
			break
		}
		if err == nil {
			res.Body.Close()
		}
		if try == 200 {
			t.Fatalf("listing the sandbox's users: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	defer res.Body.Close()
	var list struct {
		Resources []map[string]json.RawMessage `json:"Resources"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, u := range list.Resources {
		var ent struct {
			EmployeeNumber string `json:"employeeNumber"`
		}
		_ = json.Unmarshal(u[model.SchemaEnterprise], &ent)
		out[ent.EmployeeNumber]++
	}
	return out
}

// checkEnd asserts every record final, counts adding up, and each created
// employee in the sandbox exactly once.
func checkEnd(t *testing.T, r *rig, dir string, res *Result) {
	t.Helper()
	run, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	total, records, shown := 0, 0, 0
	for _, n := range res.Counts {
		total += n
	}
	if err := run.eachRecord(func(*model.RecordResult) error { records++; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{StateFailed, StatePartial, StatePending} {
		shown += res.Counts[st]
	}
	if total != records || len(res.Records) != shown {
		t.Errorf("counts %v add up to %d for %d records; %d records listed, want %d", res.Counts, total, records, len(res.Records), shown)
	}
	j, err := journal.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if recs, err := j.Records(); err != nil || len(recs) != records {
		t.Errorf("the journal holds %d records (%v), want %d", len(recs), err, records)
	}
	sets, err := run.allSets()
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts[StatePending] > 0 {
		for _, rec := range res.Records {
			if rec.State == StatePending {
				t.Errorf("pending: %s:%d %s", rec.File, rec.Line, rec.Reason)
			}
		}
	}
	users := r.users(t)
	for emp, n := range users {
		if n != 1 {
			t.Errorf("employee %s is %d times in the sandbox", emp, n)
		}
	}
	for _, cs := range sets {
		if cs.Creates && users[cs.EmployeeID] == 0 {
			failed := false
			for _, rec := range res.Records {
				if rec.Employee == cs.EmployeeID && rec.State == StateFailed {
					failed = true
				}
			}
			if !failed {
				t.Errorf("employee %s is not in the sandbox and none of its records failed", cs.EmployeeID)
			}
		}
	}
}

func TestSubmitSamples(t *testing.T) {
	dir := converted(t)
	r := newRig(t, sandbox.Config{})
	res, err := r.submitDir(t, context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkEnd(t, r, dir, res)
	if res.Counts[StateFailed]+res.Counts[StatePartial] != 0 {
		for _, rec := range res.Records {
			if rec.State == StateFailed || rec.State == StatePartial {
				t.Errorf("%s:%d: %s: %s", rec.File, rec.Line, rec.State, rec.Reason)
			}
		}
	}
	if res.Counts[StateSuccess] < 40 {
		t.Errorf("only %d records succeeded: %v", res.Counts[StateSuccess], res.Counts)
	}
	if res.Preview.Creates == 0 || res.Preview.Operations[1] == 0 {
		t.Errorf("preview %+v", res.Preview)
	}
	// A re-run sends nothing and ends the same.
	again, err := r.submitDir(t, context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Requests != 0 || again.Preview.Done == 0 {
		t.Errorf("re-run sent %d requests (preview %+v)", again.Requests, again.Preview)
	}
	if fmt.Sprint(again.Counts) != fmt.Sprint(res.Counts) {
		t.Errorf("re-run counts %v, first %v", again.Counts, res.Counts)
	}
}

func ptr[T any](v T) *T { return &v }

// TestSubmitFaults runs the samples through every fault the sandbox
// injects: each record ends final and each employee is there once.
func TestSubmitFaults(t *testing.T) {
	tests := []struct {
		name    string
		cfg     sandbox.Config
		partial bool // extension failures expected
	}{
		{"5xx", sandbox.Config{FailRate: 0.3, Seed: 1}, false},
		{"429 with Retry-After 0", sandbox.Config{ThrottleRate: 0.3, ThrottleRetryAfter: ptr(time.Duration(0)), Seed: 2}, false},
		{"dropped connections", sandbox.Config{DropRate: 0.2, Seed: 3}, false},
		{"applied, answer dropped", sandbox.Config{ApplyDropRate: 0.4, Seed: 4}, false},
		{"maintenance", sandbox.Config{MaintenanceRate: 0.2, MaintenanceDuration: 20 * time.Millisecond, Seed: 5}, false},
		{"extension failures", sandbox.Config{ExtFailRate: 0.3, Seed: 6}, true},
		{"slow provisioning", sandbox.Config{Latency: 20 * time.Millisecond, Seed: 7}, false},
		{"everything", sandbox.Config{FailRate: 0.1, ThrottleRate: 0.1, DropRate: 0.05, ApplyDropRate: 0.05, Seed: 8}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := converted(t)
			r := newRig(t, tt.cfg)
			res, err := r.submitDir(t, context.Background(), dir, func(o *Options) { o.MaxAttempts = 8 })
			if err != nil {
				t.Fatal(err)
			}
			checkEnd(t, r, dir, res)
			if tt.partial {
				if res.Counts[StatePartial] == 0 {
					t.Errorf("no partial record: %v", res.Counts)
				}
				for _, rec := range res.Records {
					if rec.State == StatePartial && !strings.Contains(rec.Reason, "failed: INVALID_VALUE") {
						t.Errorf("partial %s:%d reason %q", rec.File, rec.Line, rec.Reason)
					}
				}
				return
			}
			if res.Counts[StateFailed]+res.Counts[StatePartial] != 0 {
				for _, rec := range res.Records {
					if rec.State == StateFailed || rec.State == StatePartial {
						t.Errorf("%s:%d: %s: %s", rec.File, rec.Line, rec.State, rec.Reason)
					}
				}
			}
		})
	}
}

// TestSubmitExistingUsers: employees already in the target are updated,
// never created twice.
func TestSubmitExistingUsers(t *testing.T) {
	dir := converted(t)
	r := newRig(t, sandbox.Config{})
	for _, emp := range []string{"E1001", "E1002", "L101"} {
		body := fmt.Sprintf(`{"schemas":[%q,%q],"userName":"old.%s@example.com","active":true,"name":{"givenName":"Old","familyName":"User"},
			"emails":[{"type":"work","value":"old.%s@example.com"}],%q:{"employeeNumber":%q,"companyId":%q}}`,
			model.SchemaCore, model.SchemaEnterprise, strings.ToLower(emp), strings.ToLower(emp), model.SchemaEnterprise, emp, company)
		if _, err := r.sb.ImportUser([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := r.submitDir(t, context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkEnd(t, r, dir, res)
	if res.Preview.Updates < 3 {
		t.Errorf("preview %+v: want the 3 existing users updated", res.Preview)
	}
	if res.Counts[StateFailed] != 0 {
		t.Errorf("counts %v", res.Counts)
	}
}

// TestSubmitInterrupted: a run cancelled mid-way resumes to the same end.
func TestSubmitInterrupted(t *testing.T) {
	dir := converted(t)
	r := newRig(t, sandbox.Config{Latency: 30 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	first := true
	_, err := r.submitDir(t, ctx, dir, func(o *Options) {
		o.Log = func(format string, args ...any) {
			if first && strings.Contains(fmt.Sprintf(format, args...), "accepted") {
				first = false
				cancel()
			}
		}
	})
	if err == nil {
		t.Fatal("the cancelled run reported no error")
	}
	res, err := r.submitDir(t, context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkEnd(t, r, dir, res)
	if res.Counts[StateFailed] != 0 {
		t.Errorf("counts %v", res.Counts)
	}
}

// TestSubmitGuardrails: limits and a wrong company stop before sending.
func TestSubmitGuardrails(t *testing.T) {
	dir := converted(t)
	r := newRig(t, sandbox.Config{})
	for _, tweak := range []func(*Options){
		func(o *Options) { o.MaxCreates = 1 },
		func(o *Options) { o.CompanyID = "11111111-2222-3333-4444-555555555555" },
	} {
		_, err := r.submitDir(t, context.Background(), dir, tweak)
		if _, ok := err.(*GuardrailError); !ok {
			t.Errorf("got %v, want a GuardrailError", err)
		}
	}
	if n := len(r.users(t)); n != 0 {
		t.Errorf("%d users created by stopped runs", n)
	}
}

// TestSubmitCanary: when most of the first request fails, nothing more
// is sent.
func TestSubmitCanary(t *testing.T) {
	dir := converted(t)
	r := newRig(t, sandbox.Config{})
	run, _ := Load(dir)
	sets, err := run.allSets()
	if err != nil {
		t.Fatal(err)
	}
	// Every login of the run is taken by someone else: every create fails.
	n := 0
	for _, cs := range sets {
		for i := range cs.Attrs {
			if a := &cs.Attrs[i]; a.Schema() == model.SchemaCore && a.Path() == "userName" {
				n++
				body := fmt.Sprintf(`{"schemas":[%q,%q],"userName":%q,"active":true,"name":{"givenName":"X","familyName":"Y"},
					"emails":[{"type":"work","value":"x%d@example.com"}],%q:{"employeeNumber":"OTHER%d","companyId":%q}}`,
					model.SchemaCore, model.SchemaEnterprise, a.Str, n, model.SchemaEnterprise, n, company)
				if _, err := r.sb.ImportUser([]byte(body)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	res, err := r.submitDir(t, context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped == "" || !strings.Contains(res.Stopped, "canary") {
		t.Fatalf("not stopped: %+v", res.Counts)
	}
	if res.Requests != 1 {
		t.Errorf("%d requests sent, want only the canary", res.Requests)
	}
	if res.Counts[StatePending] == 0 {
		t.Errorf("counts %v: the records not sent must stay pending", res.Counts)
	}
}

// TestSubmitDeactivationGuard: an existing user the input sets inactive is
// a deactivation (creating an inactive user is not); --max-deactivations
// stops the run before anything is sent.
func TestSubmitDeactivationGuard(t *testing.T) {
	dir := converted(t)
	r := newRig(t, sandbox.Config{})
	body := fmt.Sprintf(`{"schemas":[%q,%q],"userName":"l123.old@example.com","active":true,"name":{"givenName":"Old","familyName":"User"},
		"emails":[{"type":"work","value":"l123.old@example.com"}],%q:{"employeeNumber":"L123","companyId":%q}}`,
		model.SchemaCore, model.SchemaEnterprise, model.SchemaEnterprise, company)
	if _, err := r.sb.ImportUser([]byte(body)); err != nil {
		t.Fatal(err)
	}
	_, err := r.submitDir(t, context.Background(), dir, func(o *Options) {
		o.MaxDeactivations = 0
		o.OnPreview = func(p Preview) {
			if p.Deactivations != 1 {
				t.Errorf("preview counts %d deactivations, want 1 (L123; L133 is created inactive)", p.Deactivations)
			}
		}
	})
	if ge, ok := err.(*GuardrailError); !ok || !strings.Contains(ge.Msg, "deactivates 1") {
		t.Fatalf("got %v, want the deactivation guardrail", err)
	}
	if n := len(r.users(t)); n != 1 {
		t.Errorf("%d users after a stopped run, want the 1 imported", n)
	}
}

// refusing is a target that refuses its second Send with a 4xx.
type refusing struct {
	target.Target
	sends int
}

func (r *refusing) Send(ctx context.Context, body []byte, ops int) (*target.Accepted, error) {
	if r.sends++; r.sends == 2 {
		return nil, &target.Error{Kind: target.KindPermanent, Op: "send", Status: 400, Detail: "the request is not a BulkRequest"}
	}
	return r.Target.Send(ctx, body, ops)
}

// TestSubmitRequestRefused: a request the target refuses as a whole (4xx)
// fails its operations with the target's words; the other requests go on.
func TestSubmitRequestRefused(t *testing.T) {
	dir := converted(t)
	r := newRig(t, sandbox.Config{})
	r.t = &refusing{Target: r.t}
	res, err := r.submitDir(t, context.Background(), dir, nil) // the canary goes, the next is refused
	if err != nil {
		t.Fatal(err)
	}
	if res.Counts[StatePending] != 0 || res.Counts[StateFailed] == 0 {
		t.Fatalf("counts %v: the refused request's records must fail, nothing stay pending", res.Counts)
	}
	for _, rec := range res.Records {
		if rec.State == StateFailed && !strings.Contains(rec.Reason, "not a BulkRequest") && !strings.Contains(rec.Reason, "was not created") {
			t.Errorf("%s:%d failed without the target's words: %s", rec.File, rec.Line, rec.Reason)
		}
	}
	if res.Counts[StateSuccess] == 0 {
		t.Errorf("counts %v: the other requests must go on", res.Counts)
	}
}
