package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the sandbox's state file

	"github.com/upsmigrate/upsmigrate/internal/journal"
)

// statusReport is what `upsmigrate status --json` prints (the fields the
// tests read).
type statusReport struct {
	Totals   map[string]int    `json:"totals"`
	Records  int               `json:"records"`
	Requests []journal.Request `json:"requests"`
	Detail   []journal.Record  `json:"recordStates"`
}

// finalRecordStates are the states a record may end in.
var finalRecordStates = map[string]bool{journal.RecordSuccess: true, journal.RecordPartial: true,
	journal.RecordFailed: true, journal.RecordRejected: true, journal.RecordSkipped: true}

// status runs `upsmigrate status --json dir`, which exits 0, or 1 when a
// record did not succeed.
func status(t *testing.T, dir string) *statusReport {
	t.Helper()
	cmd := exec.Command(bin, "status", "--json", dir)
	cmd.Env = childEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
		t.Fatalf("status --json %s: exit %d (%v): %s", dir, code, err, stderr.String())
	}
	var st statusReport
	if err := json.Unmarshal(stdout.Bytes(), &st); err != nil {
		t.Fatalf("status --json %s: %v: %.500s", dir, err, stdout.String())
	}
	return &st
}

// checkFinal checks that the run in dir is over: every record final (none
// pending, the counts add up), every operation of the journal final and no
// request left sending or sent.
func checkFinal(t *testing.T, dir string) *statusReport {
	t.Helper()
	st := status(t, dir)
	if n := st.Totals[journal.RecordPending]; n > 0 {
		t.Errorf("status: %d records pending after the final run", n)
	}
	sum := 0
	for _, n := range st.Totals {
		sum += n
	}
	if sum != st.Records || st.Records != len(st.Detail) || st.Records == 0 {
		t.Errorf("status: totals %v add up to %d, records %d, %d record states", st.Totals, sum, st.Records, len(st.Detail))
	}
	bad := 0
	for _, r := range st.Detail {
		if !finalRecordStates[r.State] {
			if bad++; bad <= 10 {
				t.Errorf("record %s:%d (%s) is %q, not final: %s", r.File, r.Line, r.Employee, r.State, r.Reason)
			}
		}
	}
	for _, r := range st.Requests {
		if r.State == journal.RequestSending || r.State == journal.RequestSent {
			t.Errorf("request %d (phase %d) is still %s after the final run", r.ID, r.Phase, r.State)
		}
	}
	j, err := journal.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	ops, err := j.Ops(-1)
	if err != nil {
		t.Fatal(err)
	}
	bad = 0
	for _, o := range ops {
		switch o.State {
		case journal.OpSuccess, journal.OpPartial, journal.OpFailed, journal.OpSkipped:
		default:
			if bad++; bad <= 10 {
				t.Errorf("journal: operation %d/%s is %s after the final run (request %d, %d attempts): %s", o.Phase, o.Employee, o.State, o.RequestID, o.Attempts, o.Message)
			}
		}
	}
	return st
}

// checkAllSucceeded checks that no record failed or was only partly
// written: with faults that are all retryable or settled by lookup (no
// --ext-fail-rate), every record convert accepted must succeed.
func checkAllSucceeded(t *testing.T, st *statusReport) {
	t.Helper()
	bad := 0
	for _, r := range st.Detail {
		if r.State == journal.RecordFailed || r.State == journal.RecordPartial {
			if bad++; bad <= 10 {
				t.Errorf("record %s:%d (%s) ended %s: %s", r.File, r.Line, r.Employee, r.State, r.Reason)
			}
		}
	}
	if bad > 10 {
		t.Errorf("… %d records failed or partial in all", bad)
	}
}

// target is the state of a sandbox after a run: its users and the
// operations of every provision it accepted.
type target struct {
	byEmp map[string][]string       // employee number → user ids
	docs  map[string]string         // employee number → normalized document
	ops   map[string][]provisionOp  // employee number → operations addressing it
	raw   map[string]map[string]any // employee number → document as served
}

// provisionOp is one operation of a provision as the sandbox stores it.
type provisionOp struct {
	Provision string `json:"-"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	BulkID    string `json:"bulkId"`
	UserID    string `json:"userId"`
	Done      bool   `json:"done"`
	Success   bool   `json:"success"`
	Code      string `json:"code"`
}

// inspect stops sb, reads the provisions from its SQLite file, then
// serves the same file from a sandbox without faults and reads every
// user.
func inspect(t *testing.T, sb *sandbox) *target {
	t.Helper()
	sb.stop()
	provs := readProvisions(t, sb.DB)
	clean := startSandbox(t, sb.DB, 1)
	defer clean.stop()
	tg := &target{byEmp: map[string][]string{}, docs: map[string]string{}, ops: map[string][]provisionOp{}, raw: map[string]map[string]any{}}
	tok := clean.token(t)
	ids := map[string]string{} // user id → employee number
	for cursor := ""; ; {
		var page struct {
			Resources  []map[string]any `json:"Resources"`
			NextCursor string           `json:"nextCursor"`
		}
		u := clean.URL + "/profile/identity/v4.1/Users?count=1000"
		if cursor != "" {
			u += "&cursor=" + url.QueryEscape(cursor)
		}
		clean.call(t, tok, "GET", u, nil, &page)
		for _, r := range page.Resources {
			id, _ := r["id"].(string)
			emp := employeeNumber(r)
			tg.byEmp[emp] = append(tg.byEmp[emp], id)
			ids[strings.ToLower(id)] = emp
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	// Whole documents (every schema) by POST /profile/v4/Users/.search.
	for cursor := ""; ; {
		var page struct {
			Resources  []map[string]any `json:"Resources"`
			NextCursor string           `json:"nextCursor"`
		}
		body := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:concur:2.0:SearchRequest"}, "count": 1000}
		if cursor != "" {
			body["cursor"] = cursor
		}
		clean.call(t, tok, "POST", clean.URL+"/profile/v4/Users/.search", body, &page)
		for _, r := range page.Resources {
			emp := employeeNumber(r)
			tg.raw[emp] = r
			tg.docs[emp] = normalize(r, clean.URL, ids)
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	for _, o := range provs {
		emp := ""
		switch {
		case strings.HasPrefix(o.BulkID, "emp-"):
			emp, _ = url.PathUnescape(strings.TrimPrefix(o.BulkID, "emp-"))
		case o.UserID != "":
			emp = ids[strings.ToLower(o.UserID)]
		case strings.HasPrefix(o.Path, "/Users/"):
			emp = ids[strings.ToLower(strings.TrimPrefix(o.Path, "/Users/"))]
		}
		tg.ops[emp] = append(tg.ops[emp], o)
	}
	return tg
}

// readProvisions reads every operation of every provision from the
// sandbox's SQLite file (table provisions, one JSON status per row).
func readProvisions(t *testing.T, db string) []provisionOp {
	t.Helper()
	d, err := sql.Open("sqlite", "file:"+filepath.ToSlash(db)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.Query("SELECT status FROM provisions")
	if err != nil {
		t.Fatalf("sandbox DB %s: %v", db, err)
	}
	defer rows.Close()
	var out []provisionOp
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var p struct {
			ID  string        `json:"id"`
			Ops []provisionOp `json:"operations"`
		}
		if err := json.Unmarshal([]byte(raw), &p); err != nil {
			t.Fatalf("sandbox DB %s: provision: %v", db, err)
		}
		for _, o := range p.Ops {
			o.Provision = p.ID
			out = append(out, o)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// employeeNumber reads a user's employee number (enterprise schema, or
// top level).
func employeeNumber(r map[string]any) string {
	if ent, ok := r["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any); ok {
		if s, ok := ent["employeeNumber"].(string); ok && s != "" {
			return s
		}
	}
	s, _ := r["employeeNumber"].(string)
	return s
}

var uuidRE = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

// normalize is a user document with what differs between two sandboxes
// holding the same users taken out: its id and meta, the base URL, and
// user ids (replaced by "emp:" and the employee number).
func normalize(doc map[string]any, base string, ids map[string]string) string {
	d := map[string]any{}
	for k, v := range doc {
		if k != "id" && k != "meta" {
			d[k] = v
		}
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
			return x
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
			return x
		case string:
			x = strings.ReplaceAll(x, base, "BASE")
			return uuidRE.ReplaceAllStringFunc(x, func(id string) string {
				if emp, ok := ids[strings.ToLower(id)]; ok {
					return "emp:" + emp
				}
				return id
			})
		}
		return v
	}
	b, _ := json.Marshal(walk(d))
	return string(b)
}

// token gets an access token by the company password grant.
func (sb *sandbox) token(t *testing.T) string {
	t.Helper()
	form := url.Values{"grant_type": {"password"}, "credtype": {"authtoken"}, "username": {companyID},
		"password": {sb.AuthToken}, "client_id": {clientID}, "client_secret": {clientSecret}}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	sb.do(t, "POST", sb.URL+"/oauth2/v0/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), "", &tok)
	if tok.AccessToken == "" {
		t.Fatal("sandbox token endpoint answered no access_token")
	}
	return tok.AccessToken
}

// call sends a JSON request with a bearer token and decodes the answer.
func (sb *sandbox) call(t *testing.T, tok, method, u string, body any, out any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	sb.do(t, method, u, "application/json", r, tok, out)
}

// do sends a request, retrying network errors, 5xx and 429 for a while,
// and decodes a 2xx answer into out.
func (sb *sandbox) do(t *testing.T, method, u, ctype string, body io.Reader, tok string, out any) {
	t.Helper()
	var payload []byte
	if body != nil {
		payload, _ = io.ReadAll(body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(method, u, bytes.NewReader(payload))
		req.Header.Set("Content-Type", ctype)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		var data []byte
		if err == nil {
			data, err = io.ReadAll(res.Body)
			res.Body.Close()
		}
		switch {
		case err == nil && res.StatusCode/100 == 2:
			if err := json.Unmarshal(data, out); err != nil {
				t.Fatalf("%s %s: %v: %.300s", method, u, err, data)
			}
			return
		case err == nil && res.StatusCode != 429 && res.StatusCode < 500:
			t.Fatalf("%s %s: %d: %.500s", method, u, res.StatusCode, data)
		case time.Now().After(deadline):
			t.Fatalf("%s %s: no answer within 30s: %v", method, u, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// reference is the end state of an input migrated into a fresh sandbox
// without faults or kills: what every crashed or chaotic run must end
// with too.
type reference struct {
	once   sync.Once
	err    string
	target *target
	status *statusReport
}

var (
	refMu sync.Mutex
	refs  = map[string]*reference{}
)

// referenceRun migrates in once per test binary and returns its end
// state.
func referenceRun(t *testing.T, in input) (*target, *statusReport) {
	t.Helper()
	key := strings.Join(slices.Concat(in.sandbox, []string{"--"}, in.extra, in.files), "\x00")
	refMu.Lock()
	r := refs[key]
	if r == nil {
		r = &reference{}
		refs[key] = r
	}
	refMu.Unlock()
	r.once.Do(func() {
		r.err = "the reference run failed (see the test that made it)"
		dir := tempDir(t)
		sb := startSandbox(t, filepath.Join(dir, "sandbox.db"), 1, in.sandbox...)
		c := newClient(t, sb, filepath.Join(dir, "out"), in)
		start := time.Now()
		c.runToEnd(0, 1)
		r.status = checkFinal(t, c.out)
		r.target = inspect(t, sb)
		t.Logf("reference run of %d records: %s, %d users", r.status.Records, time.Since(start).Round(time.Millisecond), len(r.target.byEmp))
		r.err = ""
	})
	if r.err != "" {
		t.Fatal(r.err)
	}
	return r.target, r.status
}

// checkTarget checks the sandbox's users after a run against the run's
// records and the reference end state: each employee exactly once, every
// employee written present, the same employees and documents as the
// reference (checkNoRecreate checks the creates).
func checkTarget(t *testing.T, got *target, st *statusReport, ref *target) {
	t.Helper()
	var dups []string
	for emp, ids := range got.byEmp {
		if len(ids) != 1 {
			dups = append(dups, fmt.Sprintf("%s ×%d", emp, len(ids)))
		}
	}
	sort.Strings(dups)
	if len(dups) > 0 {
		t.Errorf("%d employees are in the sandbox more than once: %s", len(dups), strings.Join(first(dups, 20), ", "))
	}
	var missing []string
	seen := map[string]bool{}
	for _, r := range st.Detail {
		if (r.State == journal.RecordSuccess || r.State == journal.RecordPartial) && r.Employee != "" && !seen[r.Employee] {
			seen[r.Employee] = true
			if len(got.byEmp[r.Employee]) == 0 {
				missing = append(missing, fmt.Sprintf("%s (%s:%d %s)", r.Employee, r.File, r.Line, r.State))
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("%d employees with records that succeeded are not in the sandbox: %s", len(missing), strings.Join(first(missing, 20), ", "))
	}
	if ref != nil {
		var onlyRef, onlyGot, differ []string
		for emp := range ref.byEmp {
			if _, ok := got.byEmp[emp]; !ok {
				onlyRef = append(onlyRef, emp)
			}
		}
		for emp := range got.byEmp {
			if _, ok := ref.byEmp[emp]; !ok {
				onlyGot = append(onlyGot, emp)
			} else if got.docs[emp] != ref.docs[emp] {
				differ = append(differ, emp)
			}
		}
		sort.Strings(onlyRef)
		sort.Strings(onlyGot)
		sort.Strings(differ)
		if len(onlyRef) > 0 {
			t.Errorf("%d employees the reference run wrote are not in the sandbox: %s", len(onlyRef), strings.Join(first(onlyRef, 20), ", "))
		}
		if len(onlyGot) > 0 {
			t.Errorf("%d employees are in the sandbox but not in the reference run's: %s", len(onlyGot), strings.Join(first(onlyGot, 20), ", "))
		}
		if len(differ) > 0 {
			t.Errorf("%d users differ from the reference run's: %s", len(differ), strings.Join(first(differ, 20), ", "))
			for _, emp := range first(differ, 3) {
				t.Logf("%s:\n  got  %s\n  want %s", emp, got.docs[emp], ref.docs[emp])
			}
		}
	}
}

// checkNoRecreate checks that no create (POST with bulkId emp-…) met an
// existing user (409): that is what re-sending a request blindly after
// its answer was lost looks like, and each employee is created once.
func checkNoRecreate(t *testing.T, got *target) {
	t.Helper()
	if bad := recreated(got); len(bad) > 0 {
		t.Errorf("%d creates were sent for employees who already existed (answered 409): %s", len(bad), strings.Join(first(bad, 10), ", "))
	}
	for emp, ops := range got.ops {
		created := 0
		for _, o := range ops {
			if o.Method == "POST" && o.Code == "201" {
				created++
			}
		}
		if created > 1 {
			t.Errorf("employee %s was created %d times", emp, created)
		}
	}
}

// recreated lists the creates the sandbox answered 409.
func recreated(got *target) []string {
	var out []string
	for emp, ops := range got.ops {
		for _, o := range ops {
			if o.Method == "POST" && o.Code == "409" {
				out = append(out, fmt.Sprintf("%s (provision %s)", emp, o.Provision))
			}
		}
	}
	sort.Strings(out)
	return out
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("… %d more", len(s)-n))
	}
	return s
}

// sendCounts counts the operations the sandbox accepted per employee and
// method, for the logs.
func sendCounts(tg *target) string {
	hist := map[int]int{}
	for _, ops := range tg.ops {
		hist[len(ops)]++
	}
	keys := make([]int, 0, len(hist))
	for k := range hist {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d employees ×%d", hist[k], k))
	}
	return strings.Join(parts, ", ")
}
