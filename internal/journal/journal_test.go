package journal

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func open(t *testing.T) (*Journal, string) {
	t.Helper()
	dir := t.TempDir()
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j, dir
}

func testOps(phase int, emps ...string) []Op {
	ops := make([]Op, len(emps))
	for i, e := range emps {
		ops[i] = Op{Phase: phase, Employee: e, Method: "POST", Path: "/Users", Kind: "create"}
	}
	return ops
}

func TestOpenCreatesSchema(t *testing.T) {
	j, dir := open(t)
	if j.Path() != filepath.Join(dir, FileName) {
		t.Errorf("Path = %s", j.Path())
	}
	var v int
	if err := j.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != schemaVersion {
		t.Fatalf("user_version = %d, %v", v, err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "synchronous": "1"} {
		var got string
		if err := j.db.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	for _, table := range []string{"run", "requests", "ops", "users", "records"} {
		var n int
		if err := j.db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Errorf("table %s: %v", table, err)
		}
	}
	// Reopening an existing journal keeps it.
	if err := j.SetMeta(Meta{ToolVersion: "v1"}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if m, ok, err := j2.Meta(); err != nil || !ok || m.ToolVersion != "v1" {
		t.Errorf("after reopen: %+v %v %v", m, ok, err)
	}
}

func TestFileModes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing os.FileMode // mode of a journal.db made before Open; 0: none
	}{{"new", 0}, {"existing 0644", 0o644}} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.existing != 0 {
				if err := os.WriteFile(filepath.Join(dir, FileName), nil, tc.existing); err != nil {
					t.Fatal(err)
				}
				os.Chmod(filepath.Join(dir, FileName), tc.existing)
			}
			j, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if err := j.PutOps(testOps(1, "E1")); err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm", LockName} {
				fi, err := os.Stat(filepath.Join(dir, name))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: mode %v, want 0600", name, fi.Mode().Perm())
				}
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("missing dir: %v", err)
	}
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file as dir: %v", err)
	}

	newer := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(newer, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 7"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, o := range []func(string) (*Journal, error){Open, OpenReadOnly} {
		if _, err := o(newer); err == nil || !strings.Contains(err.Error(), "schema version 7") {
			t.Errorf("newer schema: %v", err)
		}
	}

	other := t.TempDir()
	db, _ = sql.Open("sqlite", filepath.Join(other, FileName))
	if _, err := db.Exec("CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(other); err == nil || !strings.Contains(err.Error(), "not an upsmigrate journal") {
		t.Errorf("foreign database: %v", err)
	}

	garbage := t.TempDir()
	os.WriteFile(filepath.Join(garbage, FileName), []byte(strings.Repeat("not a database ", 100)), 0o600)
	_, err = Open(garbage)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(garbage, FileName)) || !strings.Contains(err.Error(), "start over") {
		t.Errorf("garbage: %v", err)
	}
}

func TestStaleWALRemoved(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.PutOps(testOps(1, "E1", "E2")); err != nil {
		t.Fatal(err)
	}
	wal, err := os.ReadFile(j.Path() + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	// The user removes journal.db to start over; a -wal of the old one stays.
	os.Remove(filepath.Join(dir, FileName))
	os.WriteFile(filepath.Join(dir, FileName+"-wal"), wal, 0o600)
	j, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if ops, err := j.Ops(-1); err != nil || len(ops) != 0 {
		t.Errorf("new journal has %d ops (%v)", len(ops), err)
	}
}

func TestMeta(t *testing.T) {
	j, _ := open(t)
	if _, ok, err := j.Meta(); ok || err != nil {
		t.Fatalf("new journal: ok=%v err=%v", ok, err)
	}
	created := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	m := Meta{ToolVersion: "v0.3.0", InputHash: "in", PlanHash: "plan", Target: "sandbox", Flavor: "ups", Company: "c1",
		Created: created, Updated: created.Add(time.Minute)}
	if err := j.SetMeta(m); err != nil {
		t.Fatal(err)
	}
	got, ok, err := j.Meta()
	if err != nil || !ok || got != m {
		t.Fatalf("Meta = %+v, %v, %v; want %+v", got, ok, err, m)
	}
	// Zero times: Created is kept, Updated is now; empty strings stay empty.
	before := time.Now().Add(-time.Second)
	if err := j.SetMeta(Meta{ToolVersion: "v0.4.0", PlanHash: "plan2"}); err != nil {
		t.Fatal(err)
	}
	got, _, _ = j.Meta()
	if got.ToolVersion != "v0.4.0" || got.PlanHash != "plan2" || got.Target != "" || !got.Created.Equal(created) || got.Updated.Before(before) {
		t.Errorf("second SetMeta: %+v", got)
	}
}

func TestCheck(t *testing.T) {
	stored := Meta{ToolVersion: "v1", InputHash: "aaaaaaaaaaaaaaaaaaaa", PlanHash: "pppppppppppppppppp", Target: "https://us.api.concursolutions.com/", Flavor: "ups"}
	for _, tc := range []struct {
		name    string
		m       Meta
		changed []string
		msg     []string
	}{
		{"same", stored, nil, nil},
		{"empty fields are not compared", Meta{}, nil, nil},
		{"other tool version", Meta{ToolVersion: "v2"}, nil, nil},
		{"trailing slash", Meta{Target: "https://us.api.concursolutions.com"}, nil, nil},
		{"target", Meta{Target: "sandbox"}, []string{"target"}, []string{"target changed from https://us.api.concursolutions.com to sandbox"}},
		{"flavor", Meta{Flavor: "scim"}, []string{"flavor"}, []string{"flavor changed from ups to scim"}},
		{"plan", Meta{PlanHash: "qqqqqqqqqqqqqqqqqq"}, []string{"plan"}, []string{"plan changed (hash qqqqqqqqqqqq, was pppppppppppp)"}},
		{"inputs", Meta{InputHash: "b"}, []string{"inputs"}, []string{"inputs changed"}},
		{"several", Meta{InputHash: "b", PlanHash: "c", Flavor: "scim"}, []string{"flavor", "plan", "inputs"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j, dir := open(t)
			if err := j.Check(tc.m); err != nil {
				t.Fatalf("new journal: %v", err)
			}
			if err := j.SetMeta(stored); err != nil {
				t.Fatal(err)
			}
			err := j.Check(tc.m)
			if tc.changed == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ce *ChangedError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *ChangedError", err)
			}
			var fields []string
			for _, c := range ce.Changes {
				fields = append(fields, c.Field)
			}
			if !reflect.DeepEqual(fields, tc.changed) {
				t.Errorf("changes %v, want %v", fields, tc.changed)
			}
			msg := err.Error()
			want := append(tc.msg, filepath.Join(dir, FileName), "use a new --out directory, or remove "+filepath.Join(dir, FileName)+" to start over")
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", msg, w)
				}
			}
		})
	}

	// A stored empty input hash (submit) is not compared.
	j, _ := open(t)
	j.SetMeta(Meta{PlanHash: "p"})
	if err := j.Check(Meta{PlanHash: "p", InputHash: "x"}); err != nil {
		t.Error(err)
	}
}

func TestRequestLifecycle(t *testing.T) {
	j, _ := open(t)
	ops := testOps(1, "E3", "E1", "E2")
	ops[1].UserID = "uuid-1"
	ops[1].Method, ops[1].Path, ops[1].Kind = "PATCH", "/Users/uuid-1", "update"
	r := &Request{Phase: 1, Round: 2, Bytes: 1234}
	before := time.Now().Add(-time.Second)
	if err := j.BeginRequest(r, ops); err != nil {
		t.Fatal(err)
	}
	if r.ID != 1 || r.State != RequestSending || r.Ops != 3 || r.Created.Before(before) {
		t.Fatalf("request after BeginRequest: %+v", r)
	}
	got, err := j.Request(r.ID)
	if err != nil || !reflect.DeepEqual(got, *r) {
		t.Fatalf("Request = %+v, %v; want %+v", got, err, *r)
	}
	stored, err := j.OpsOfRequest(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored, ops) {
		t.Fatalf("OpsOfRequest =\n%+v\nwant\n%+v", stored, ops)
	}
	for i, o := range stored {
		if o.State != OpSending || o.Index != i || o.RequestID != r.ID || o.Attempts != 1 {
			t.Errorf("op %d: %+v", i, o)
		}
	}

	if err := j.MarkSent(r.ID, 202, "prov-1", "corr-1", 2); err != nil {
		t.Fatal(err)
	}
	got, _ = j.Request(r.ID)
	if got.State != RequestSent || got.HTTPStatus != 202 || got.ProvisionID != "prov-1" || got.CorrelationID != "corr-1" || got.Attempts != 2 || got.Sent.IsZero() || !got.Done.IsZero() {
		t.Errorf("after MarkSent: %+v", got)
	}
	stored, _ = j.OpsOfRequest(r.ID)
	for _, o := range stored {
		if o.State != OpSent {
			t.Errorf("op %s after MarkSent: %s", o.Employee, o.State)
		}
	}

	// Results for two ops; the third has none when the request is closed.
	stored[0].State, stored[0].Code, stored[0].UserID = OpSuccess, "201", "uuid-3"
	stored[1].State, stored[1].Code = OpPartial, "200"
	stored[1].Extensions = json.RawMessage(`[{"schema":"urn:travel","result":"error"}]`)
	stored[1].Messages = json.RawMessage(`[{"message":"bad"}]`)
	if err := j.PutOps(stored[:2]); err != nil {
		t.Fatal(err)
	}
	if err := j.MarkRequest(r.ID, RequestDone, 0, "no outcome for 1 operation", OpFailed); err != nil {
		t.Fatal(err)
	}
	got, _ = j.Request(r.ID)
	if got.State != RequestDone || got.HTTPStatus != 202 || got.Message != "no outcome for 1 operation" || got.Done.IsZero() {
		t.Errorf("after MarkRequest: %+v", got)
	}
	final, _ := j.OpsOfRequest(r.ID)
	want := []struct{ state, msg string }{{OpSuccess, ""}, {OpPartial, ""}, {OpFailed, "no outcome for 1 operation"}}
	for i, o := range final {
		if o.State != want[i].state || o.Message != want[i].msg {
			t.Errorf("op %s: %s %q, want %s %q", o.Employee, o.State, o.Message, want[i].state, want[i].msg)
		}
	}
	if string(final[1].Extensions) != `[{"schema":"urn:travel","result":"error"}]` || string(final[1].Messages) != `[{"message":"bad"}]` || final[0].UserID != "uuid-3" {
		t.Errorf("results lost: %+v", final[:2])
	}
}

func TestResend(t *testing.T) {
	j, _ := open(t)
	if err := j.PutOps(testOps(2, "A", "B")); err != nil {
		t.Fatal(err)
	}
	ops := testOps(2, "A")
	r1 := &Request{Phase: 2}
	if err := j.BeginRequest(r1, ops); err != nil {
		t.Fatal(err)
	}
	if err := j.MarkRequest(r1.ID, RequestInDoubt, 0, "connection reset", OpInDoubt); err != nil {
		t.Fatal(err)
	}
	got, _ := j.Request(r1.ID)
	if got.State != RequestInDoubt || got.HTTPStatus != 0 || !got.Done.IsZero() || got.Message != "connection reset" {
		t.Errorf("in doubt: %+v", got)
	}
	if o, _ := j.OpsOfRequest(r1.ID); len(o) != 1 || o[0].State != OpInDoubt || o[0].Message != "connection reset" {
		t.Errorf("ops in doubt: %+v", o)
	}
	if err := j.MarkRequest(r1.ID, RequestFailed, 0, "", ""); err != nil {
		t.Fatal(err)
	}
	ops = testOps(2, "A", "B")
	r2 := &Request{Phase: 2}
	if err := j.BeginRequest(r2, ops); err != nil {
		t.Fatal(err)
	}
	if r2.ID != r1.ID+1 || ops[0].Attempts != 2 || ops[1].Attempts != 1 || ops[0].RequestID != r2.ID || ops[1].Index != 1 {
		t.Errorf("resend: r2 %+v ops %+v", r2, ops)
	}
	if o, _ := j.OpsOfRequest(r1.ID); len(o) != 0 {
		t.Errorf("the first request still has %d ops", len(o))
	}
	if o, _ := j.OpsOfRequest(r2.ID); len(o) != 2 || o[0].Message != "" {
		t.Errorf("ops of the second request: %+v", o)
	}

	for _, tc := range []struct {
		states []string
		want   []int64
	}{
		{nil, []int64{1, 2}},
		{[]string{RequestFailed}, []int64{1}},
		{[]string{RequestSending, RequestFailed}, []int64{1, 2}},
		{[]string{RequestInDoubt}, nil},
	} {
		rs, err := j.Requests(tc.states...)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		if !reflect.DeepEqual(ids, tc.want) {
			t.Errorf("Requests(%v) = %v, want %v", tc.states, ids, tc.want)
		}
	}
}

func TestNotFound(t *testing.T) {
	j, _ := open(t)
	for name, err := range map[string]error{
		"Request":     func() error { _, err := j.Request(42); return err }(),
		"MarkSent":    j.MarkSent(42, 202, "p", "c", 1),
		"MarkRequest": j.MarkRequest(42, RequestDone, 0, "", OpFailed),
	} {
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), j.Path()) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestInvalid(t *testing.T) {
	j, _ := open(t)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"op state", j.PutOps([]Op{{Phase: 1, Employee: "E", State: "done"}}), `unknown operation state "done"`},
		{"op without employee", j.PutOps([]Op{{Phase: 1}}), "without an employee"},
		{"op JSON", j.PutOps([]Op{{Phase: 1, Employee: "E", Messages: json.RawMessage("{")}}), "not JSON"},
		{"phase mismatch", j.BeginRequest(&Request{Phase: 1}, testOps(2, "E")), "not of the request's phase 1"},
		{"bad JSON in begin", j.BeginRequest(&Request{Phase: 1}, []Op{{Phase: 1, Employee: "E", Extensions: json.RawMessage("x")}}), "not JSON"},
		{"employee twice in a request", j.BeginRequest(&Request{Phase: 1}, testOps(1, "E", "F", "E")), "an employee is twice in it"},
		{"request state", j.MarkRequest(1, "gone", 0, "", ""), `unknown request state "gone"`},
		{"op state in MarkRequest", j.MarkRequest(1, RequestDone, 0, "", "gone"), `unknown operation state "gone"`},
		{"record state", j.PutRecords([]Record{{File: "f", Line: 1, State: "ok"}}), `unknown record state "ok"`},
		{"record JSON", j.PutRecords([]Record{{File: "f", Line: 1, State: RecordFailed, Messages: json.RawMessage("[")}}), "not JSON"},
		{"user source", j.PutUsers([]User{{EmployeeNumber: "E", ID: "u", Source: "guess"}}), `unknown user source "guess"`},
		{"user without id", j.PutUsers([]User{{EmployeeNumber: "E", Source: SourceLookup}}), "needs an employee number and an id"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) || !strings.Contains(tc.err.Error(), j.Path()) {
			t.Errorf("%s: %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	if rs, _ := j.Requests(); len(rs) != 0 {
		t.Errorf("a failed BeginRequest left %d requests", len(rs))
	}
	if ops, _ := j.Ops(-1); len(ops) != 0 {
		t.Errorf("failed writes left %d ops", len(ops))
	}
}

func TestOps(t *testing.T) {
	j, _ := open(t)
	ops := []Op{
		{Phase: 2, Employee: "B", Method: "PATCH", Path: "/Users/bulkId:emp-B", Kind: "refs"},
		{Phase: 1, Employee: "B", Method: "POST", Path: "/Users", Kind: "create", State: OpSuccess, Attempts: 1, RequestID: 0,
			UserID: "u-b", Code: "201", Message: "ok", Extensions: json.RawMessage(`{"x":1}`), Messages: json.RawMessage(`[]`)},
		{Phase: 0, Employee: "OLD", Method: "PATCH", Path: "/Users/u-old", Kind: "rename", State: OpSkipped},
		{Phase: 1, Employee: "A", Method: "PUT", Path: "/Users/u-a", Kind: "replace"},
	}
	if err := j.PutOps(ops); err != nil {
		t.Fatal(err)
	}
	if ops[0].State != OpPlanned || ops[0].Updated.IsZero() {
		t.Errorf("PutOps did not set State/Updated: %+v", ops[0])
	}
	all, err := j.Ops(-1)
	if err != nil {
		t.Fatal(err)
	}
	want := []Op{ops[2], ops[3], ops[1], ops[0]}
	if !reflect.DeepEqual(all, want) {
		t.Errorf("Ops(-1) =\n%+v\nwant\n%+v", all, want)
	}
	p1, _ := j.Ops(1)
	if !reflect.DeepEqual(p1, []Op{ops[3], ops[1]}) {
		t.Errorf("Ops(1) = %+v", p1)
	}
	// Upsert replaces every column.
	ops[1].State, ops[1].Code, ops[1].Extensions, ops[1].Message = OpFailed, "409", nil, ""
	if err := j.PutOps(ops[1:2]); err != nil {
		t.Fatal(err)
	}
	p1, _ = j.Ops(1)
	if len(p1) != 2 || !reflect.DeepEqual(p1[1], ops[1]) {
		t.Errorf("after upsert: %+v", p1)
	}
}

func TestUsers(t *testing.T) {
	j, _ := open(t)
	users := []User{
		{EmployeeNumber: "E2", ID: "u2", UserName: "two@example.com", Source: SourceCreated},
		{EmployeeNumber: "E1", ID: "u1", Source: SourceDirectory},
	}
	if err := j.PutUsers(users); err != nil {
		t.Fatal(err)
	}
	users[1].ID, users[1].Source = "u1b", SourceLookup
	if err := j.PutUsers(users[1:]); err != nil {
		t.Fatal(err)
	}
	got, err := j.Users()
	if err != nil || !reflect.DeepEqual(got, []User{users[1], users[0]}) {
		t.Errorf("Users = %+v, %v", got, err)
	}
}

func TestRecords(t *testing.T) {
	j, _ := open(t)
	if err := j.PutRecords([]Record{{File: "old.txt", Line: 1, Type: "305", State: RecordPending}}); err != nil {
		t.Fatal(err)
	}
	recs := []Record{
		{File: "b.txt", Line: 2, Type: "350", Employee: "E1", State: RecordPartial, Reason: "travel: bad value", Messages: json.RawMessage(`["x"]`)},
		{File: "a.json", Line: 1, Type: "v3", Employee: "E2", State: RecordSuccess},
		{File: "a.json", Line: 1, Type: "v3", Employee: "E3", State: RecordRejected, Reason: "segment role"},
		{File: "b.txt", Line: 1, Type: "305", State: RecordSkipped},
	}
	if err := j.PutRecords(recs); err != nil {
		t.Fatal(err)
	}
	got, err := j.Records()
	if err != nil || !reflect.DeepEqual(got, []Record{recs[1], recs[2], recs[3], recs[0]}) {
		t.Errorf("Records = %+v, %v", got, err)
	}
}

// TestSQLiteView checks what a user of the sqlite3 CLI sees: NULL for what
// is unknown, RFC 3339 UTC timestamps that sort as text.
func TestSQLiteView(t *testing.T) {
	j, _ := open(t)
	j.PutOps(testOps(1, "A"))
	r := &Request{Phase: 1}
	j.BeginRequest(r, testOps(1, "B"))
	var nulls int
	j.db.QueryRow(`SELECT (SELECT count(*) FROM ops WHERE request_id IS NULL AND idx IS NULL AND user_id IS NULL AND extensions IS NULL)
		+ (SELECT count(*) FROM requests WHERE provision_id IS NULL AND http_status IS NULL AND sent IS NULL AND done IS NULL)`).Scan(&nulls)
	if nulls != 2 {
		t.Errorf("%d rows with NULLs for the unknown, want 2", nulls)
	}
	var created, updated string
	j.db.QueryRow(`SELECT r.created, o.updated FROM requests r JOIN ops o ON o.request_id = r.id`).Scan(&created, &updated)
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	if !re.MatchString(created) || !re.MatchString(updated) {
		t.Errorf("timestamps %q %q", created, updated)
	}
}

func TestReadOnly(t *testing.T) {
	dir := t.TempDir()
	if _, err := OpenReadOnly(dir); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), filepath.Join(dir, FileName)) {
		t.Fatalf("missing journal: %v", err)
	}
	w, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := w.PutOps(testOps(1, "A")); err != nil {
		t.Fatal(err)
	}
	r, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if ops, err := r.Ops(-1); err != nil || len(ops) != 1 {
		t.Fatalf("reader sees %d ops, %v", len(ops), err)
	}
	if err := r.PutOps(testOps(1, "B")); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("write through reader: %v", err)
	}

	// The reader sees whole transactions while the writer goes on.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 50; i++ {
			ops := testOps(1, "X", "Y", "Z")
			if err := w.BeginRequest(&Request{Phase: 1}, ops); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := 0; i < 50; i++ {
		rs, err := r.Requests()
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) > 0 {
			ops, err := r.OpsOfRequest(rs[len(rs)-1].ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ops) != 3 && len(ops) != 0 { // 0: a later request took them
				t.Fatalf("request %d has %d ops", rs[len(rs)-1].ID, len(ops))
			}
		}
	}
	wg.Wait()
	if rs, _ := r.Requests(); len(rs) != 50 {
		t.Errorf("reader sees %d requests, want 50", len(rs))
	}

	// With the writer gone (its -wal and -shm removed), the reader still reads.
	w.Close()
	r.Close()
	r2, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if rs, err := r2.Requests(); err != nil || len(rs) != 50 {
		t.Errorf("after the writer closed: %d requests, %v", len(rs), err)
	}
}

func TestConcurrentWrites(t *testing.T) {
	j, _ := open(t)
	var wg sync.WaitGroup
	ids := make([]int64, 8)
	for g := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := &Request{Phase: 1}
			if err := j.BeginRequest(r, testOps(1, string(rune('A'+g)))); err != nil {
				t.Error(err)
			}
			ids[g] = r.ID
			if err := j.MarkSent(r.ID, 202, "p", "", 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, id := range ids {
		if id == 0 || seen[id] {
			t.Errorf("ids %v", ids)
		}
		seen[id] = true
	}
	if rs, _ := j.Requests(RequestSent); len(rs) != len(ids) {
		t.Errorf("%d sent requests, want %d", len(rs), len(ids))
	}
	if j.Elapsed() <= 0 {
		t.Errorf("Elapsed = %v", j.Elapsed())
	}
}

func TestElapsed(t *testing.T) {
	j, _ := open(t)
	e0 := j.Elapsed()
	j.PutOps(testOps(1, "A"))
	e1 := j.Elapsed()
	j.Ops(-1)
	if e1 <= e0 || j.Elapsed() != e1 {
		t.Errorf("Elapsed %v → %v → %v: writes count, reads do not", e0, e1, j.Elapsed())
	}
}

// TestSchemaDocumented fails when a column is missing from its table's
// section in doc.go or SCHEMA.md.
func TestSchemaDocumented(t *testing.T) {
	j, _ := open(t)
	docs := []struct{ file, heading, next string }{
		{"doc.go", "// # Table %s\n", "\n// # "},
		{"SCHEMA.md", "### `%s`", "\n### "},
	}
	rows, err := j.db.Query(`SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		n++
		for _, d := range docs {
			b, err := os.ReadFile(d.file)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			i := strings.Index(text, fmt.Sprintf(d.heading, table))
			if i < 0 {
				t.Errorf("%s: no section for table %s", d.file, table)
				continue
			}
			section := text[i+1:]
			if k := strings.Index(section, d.next); k >= 0 {
				section = section[:k]
			}
			if !strings.Contains(section, "`"+col+"`") {
				t.Errorf("%s: column %s.%s is not documented", d.file, table, col)
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d columns", n)
	}
}

func TestComplete(t *testing.T) {
	j, _ := open(t)
	r := &Request{Phase: 1}
	if err := j.BeginRequest(r, testOps(1, "E1", "E2")); err != nil {
		t.Fatal(err)
	}
	ops, err := j.OpsOfRequest(r.ID)
	if err != nil {
		t.Fatal(err)
	}
	ops[0].State, ops[1].State = OpSuccess, OpFailed
	if err := j.Complete(r.ID, ops, []User{{EmployeeNumber: "E1", ID: "u-1", Source: SourceCreated}}, "1 of 2 operations failed"); err != nil {
		t.Fatal(err)
	}
	got, err := j.Request(r.ID)
	if err != nil || got.State != RequestDone || got.Message != "1 of 2 operations failed" || got.Done.IsZero() {
		t.Errorf("request %+v, %v", got, err)
	}
	after, _ := j.OpsOfRequest(r.ID)
	if after[0].State != OpSuccess || after[1].State != OpFailed {
		t.Errorf("ops %+v", after)
	}
	if users, _ := j.Users(); len(users) != 1 || users[0].ID != "u-1" {
		t.Errorf("users %+v", users)
	}
	if err := j.Complete(r.ID, nil, []User{{EmployeeNumber: "E3", Source: SourceLookup}}, ""); err == nil {
		t.Error("a user without an id was accepted")
	}
	if err := j.Complete(999, nil, nil, ""); err == nil {
		t.Error("an unknown request was completed")
	}
}
