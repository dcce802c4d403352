package scim

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestBulkRequestWire(t *testing.T) {
	one := 1
	req := BulkRequest{Schemas: []string{SchemaBulkRequest}, FailOnErrors: &one, Operations: []BulkOperation{
		{Method: MethodPost, BulkID: "emp-1", Path: "/Users", Data: map[string]any{"userName": "a@x"}},
		{Method: MethodPatch, Path: "/Users/bulkId:emp-1", Data: PatchOp{Schemas: []string{SchemaPatchOp},
			Operations: []PatchOperation{{Op: OpReplace, Path: "title", Value: "T"}, {Op: OpRemove, Path: `entitlements[value eq "Invoice"]`}}}},
		{Method: MethodDelete, Path: "/Users/u1"},
	}}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,"Operations":[` +
		`{"method":"POST","bulkId":"emp-1","path":"/Users","data":{"userName":"a@x"}},` +
		`{"method":"PATCH","path":"/Users/bulkId:emp-1","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"title","value":"T"},{"op":"remove","path":"entitlements[value eq \"Invoice\"]"}]}},` +
		`{"method":"DELETE","path":"/Users/u1"}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	req.FailOnErrors = nil
	if b, _ := json.Marshal(req); strings.Contains(string(b), "failOnErrors") {
		t.Errorf("failOnErrors written when unset: %s", b)
	}
}

// TestBulkResponse decodes the RFC 7644 section 3.7.3 example shape with
// both string and numeric statuses.
func TestBulkResponse(t *testing.T) {
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],"Operations":[
	 {"location":"https://example.com/v2/Users/92b7","method":"POST","bulkId":"qwerty","version":"W/\"oY4m4wn58tkVjJxK\"","status":"201"},
	 {"method":"PATCH","status":400,"response":{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"noTarget","detail":"no match","status":"400"}},
	 {"method":"DELETE","status":"204","response":null}]}`
	var r BulkResponse
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Operations) != 3 || r.Operations[0].Status != 201 || r.Operations[1].Status != 400 || r.Operations[2].Status != 204 {
		t.Fatalf("decoded %+v", r.Operations)
	}
	if r.Operations[0].BulkID != "qwerty" || r.Operations[0].Location == "" || r.Operations[0].Version == "" {
		t.Errorf("operation 0: %+v", r.Operations[0])
	}
	if _, isErr := r.Operations[0].Error(); isErr {
		t.Error("a 201 is an error")
	}
	e, isErr := r.Operations[1].Error()
	if !isErr || e.ScimType != "noTarget" || e.Status != 400 {
		t.Errorf("error %+v, %v", e, isErr)
	}
	b, err := json.Marshal(r.Operations[1].Status)
	if err != nil || string(b) != `"400"` {
		t.Errorf("status encodes as %s, %v", b, err)
	}
}

func TestStatusCode(t *testing.T) {
	for in, want := range map[string]StatusCode{`"200"`: 200, `201`: 201, `" 409 "`: 409, `null`: 0, `""`: 0} {
		var s StatusCode
		if err := json.Unmarshal([]byte(in), &s); err != nil || s != want {
			t.Errorf("%s: %d, %v; want %d", in, s, err, want)
		}
	}
	for _, bad := range []string{`"OK"`, `true`, `2.5`} {
		var s StatusCode
		if err := json.Unmarshal([]byte(bad), &s); err == nil {
			t.Errorf("%s decodes to %d", bad, s)
		}
	}
	if !StatusCode(204).OK() || StatusCode(302).OK() || StatusCode(0).OK() {
		t.Error("OK is wrong")
	}
}

func TestErrorAndListResponse(t *testing.T) {
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error","urn:ietf:params:scim:api:messages:concur:2.0:Error"],
	 "status":"400","scimType":"invalidValue","detail":"bad request",
	 "urn:ietf:params:scim:api:messages:concur:2.0:Error":{"messages":[{"code":"INVALID_INPUT","message":"locale unknown","schemaPath":"urn:ietf:params:scim:schemas:extension:spend:2.0:User:locale","type":"error"}]}}`
	var e Error
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatal(err)
	}
	var err error = &e
	want := "scim error 400 (invalidValue): bad request; INVALID_INPUT at urn:ietf:params:scim:schemas:extension:spend:2.0:User:locale: locale unknown"
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}

	var l ListResponse
	if err := json.Unmarshal([]byte(`{"schemas":["`+SchemaListResponse+`"],"total":2,"Resources":[{"id":"a"},{"id":"b"}]}`), &l); err != nil {
		t.Fatal(err)
	}
	if l.Count() != 2 || len(l.Resources) != 2 {
		t.Errorf("UPS list: count %d, %d resources", l.Count(), len(l.Resources))
	}
	l = ListResponse{}
	if err := json.Unmarshal([]byte(`{"totalResults":5,"itemsPerPage":1,"startIndex":1,"Resources":[{}]}`), &l); err != nil || l.Count() != 5 {
		t.Errorf("RFC list: count %d, %v", l.Count(), err)
	}
}
