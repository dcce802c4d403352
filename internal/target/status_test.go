package target

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/httpstub"
	"github.com/upsmigrate/upsmigrate/spec"
)

// shape returns a shape of spec/ups-v4/status-shapes.json with its
// placeholders filled in.
func shape(t *testing.T, name string) []byte {
	t.Helper()
	b, err := spec.ReadFile("ups-v4/status-shapes.json")
	if err != nil {
		t.Fatal(err)
	}
	filled := strings.NewReplacer(
		`"<provisionId uuid>"`, `"prov-1"`,
		`"<operation index as string>"`, `"3"`,
		`"<bulkId>"`, `"emp-E1"`,
		`"<user uuid>"`, `"user-1"`,
		`"<http status string>"`, `"400"`,
		`"<timestamp +0000>"`, `"2026-03-02T09:00:01.500+0000"`,
		`"<MESSAGE_CODE e.g. INVALID_VALUE>"`, `"INVALID_VALUE"`,
		`"<text>"`, `"bad currency"`,
		`"<urn:...:attribute>"`, `"urn:ietf:params:scim:schemas:extension:spend:2.0:User:reimbursementCurrency"`,
		`"error|warning|user"`, `"error"`,
	).Replace(string(b))
	var all map[string]json.RawMessage
	if err := json.Unmarshal([]byte(filled), &all); err != nil {
		t.Fatal(err)
	}
	return all[name]
}

func TestStatusDecode(t *testing.T) {
	e := sendEnv(t)
	e.reg.Register(httpstub.REST("GET", upsStatusPath+"prov-1/status").And(httpstub.NoQuery("attributes")), httpstub.JSONResponse(200, shape(t, "summary_status_response_200")))
	st, err := e.ups(t).Status(t.Context(), "prov-1")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 1, 500e6, time.UTC)
	if st.ID != "prov-1" || !st.Completed || !st.Success || st.Total != 0 || !st.Created.Equal(at) || !st.LastModified.Equal(at) {
		t.Errorf("Status = %+v", st)
	}
}

func TestOperationsDecode(t *testing.T) {
	e := sendEnv(t)
	detailed := shape(t, "detailed_status_response_200")
	var doc map[string]any
	_ = json.Unmarshal(detailed, &doc)
	doc["totalResults"] = 1
	e.reg.Register(httpstub.REST("GET", upsStatusPath+"prov-1/status").And(httpstub.Query("state", "failed"), httpstub.Query("attributes", "operations")), httpstub.JSONResponse(200, doc))
	e.reg.Register(httpstub.REST("GET", upsStatusPath+"prov-1/status").And(httpstub.NoQuery("state")), httpstub.JSONResponse(200, doc))
	ops, err := e.ups(t).Operations(t.Context(), "prov-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1 {
		t.Fatalf("%d operations, want 1 (deduplicated)", len(ops))
	}
	op := ops[0]
	if op.Index != 2 || op.BulkID != "emp-E1" || !op.Completed || op.Success || op.Code != "400" || op.UserID != "user-1" {
		t.Errorf("operation = %+v", op)
	}
	if len(op.Extensions) != 10 {
		t.Fatalf("%d extensions, want 10", len(op.Extensions))
	}
	spend := op.Extensions[2]
	wantSpend := ExtResult{Schema: "urn:ietf:params:scim:schemas:extension:spend:2.0:User", Result: ResultError, Code: "400",
		Messages: []Message{{Code: "INVALID_VALUE", Text: "bad currency", SchemaPath: "urn:ietf:params:scim:schemas:extension:spend:2.0:User:reimbursementCurrency", Type: "error"}}}
	if !reflect.DeepEqual(spend, wantSpend) {
		t.Errorf("spend = %+v, want %+v", spend, wantSpend)
	}
	if r := op.Extensions[3]; r.Result != ResultNoOp || r.Code != "200" {
		t.Errorf("role = %+v", r)
	}
}

// opsPage answers a detailed status page of the operations ids (1-based),
// failed when in failed, out of total.
func opsPage(ids []int, failed map[int]bool, total int) httpstub.Responder {
	var ops []any
	for _, id := range ids {
		ok := !failed[id]
		code := "201"
		if !ok {
			code = "400"
		}
		ops = append(ops, map[string]any{"id": strconv.Itoa(id), "bulkId": fmt.Sprintf("emp-%d", id),
			"status":   map[string]any{"completed": true, "success": ok, "code": code},
			"resource": map[string]any{"id": fmt.Sprintf("u-%d", id), "type": "User"}, "extensions": []any{}})
	}
	return httpstub.JSONResponse(200, map[string]any{"id": "p", "totalResults": total, "itemsPerPage": len(ids), "operations": ops,
		"operationsCount": map[string]any{"total": 150, "failed": len(failed)}, "status": map[string]any{"completed": true, "success": false}})
}

func span(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

func TestOperationsPagedFailedFirst(t *testing.T) {
	e := sendEnv(t)
	failed := map[int]bool{2: true, 140: true}
	path := upsStatusPath + "p/status"
	page := func(state, start string) httpstub.Matcher {
		m := httpstub.REST("GET", path).And(httpstub.Query("attributes", "operations"), httpstub.Query("startIndex", start), httpstub.Query("count", "100"))
		if state == "" {
			return m.And(httpstub.NoQuery("state"))
		}
		return m.And(httpstub.Query("state", state))
	}
	e.reg.Register(page("failed", "1"), opsPage([]int{2, 140}, failed, 2))
	e.reg.Register(page("", "1"), opsPage(span(1, 100), failed, 150))
	e.reg.Register(page("", "101"), opsPage(span(101, 150), failed, 150))
	ops, err := e.ups(t).Operations(t.Context(), "p")
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 150 {
		t.Fatalf("%d operations, want 150", len(ops))
	}
	if ops[0].Index != 1 || ops[1].Index != 139 || ops[0].Success || ops[1].Success {
		t.Errorf("first operations = %+v %+v, want the failed ones (index 1, 139)", ops[0], ops[1])
	}
	seen := map[int]bool{}
	for _, o := range ops {
		if seen[o.Index] {
			t.Errorf("operation %d twice", o.Index)
		}
		seen[o.Index] = true
		if o.UserID != fmt.Sprintf("u-%d", o.Index+1) {
			t.Errorf("operation %d UserID %q", o.Index, o.UserID)
		}
	}
}

func TestStatusNotFound(t *testing.T) {
	e := sendEnv(t)
	e.reg.Register(httpstub.REST("GET", upsStatusPath+"gone/status"), httpstub.JSONResponse(http.StatusNotFound, map[string]any{"status": "404", "detail": "provision gone not found"}))
	_, err := e.ups(t).Status(t.Context(), "gone")
	kindOf(t, err, KindPermanent)
	if !strings.Contains(err.Error(), "7 days") {
		t.Errorf("error %q lacks the 7-day hint", err)
	}
}
