package target

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/httpstub"
)

const scimRoot = "https://scim.example.test/scim/v2"

func newSCIMStub(t *testing.T, opts SCIMOptions) (*httpstub.Registry, *clock, Target) {
	t.Helper()
	reg := httpstub.New(t)
	c := &clock{}
	if opts.URL == "" {
		opts.URL = scimRoot
	}
	opts.Client, opts.Sleep, opts.Rand = reg.Client(), c.sleep, func() float64 { return 0.5 }
	tg, err := NewSCIM(opts)
	if err != nil {
		t.Fatal(err)
	}
	return reg, c, tg
}

func spc(bulk map[string]any) httpstub.Responder {
	return httpstub.JSONResponse(200, map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"}, "bulk": bulk})
}

// rfcSchemasAnswer is a /Schemas ListResponse of the RFC User schemas.
func rfcSchemasAnswer() httpstub.Responder {
	schema := func(id string, names []string) map[string]any {
		var attrs []any
		for _, n := range names {
			attrs = append(attrs, map[string]any{"name": n, "type": "string"})
		}
		return map[string]any{"id": id, "attributes": attrs}
	}
	return httpstub.JSONResponse(200, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, "totalResults": 2,
		"Resources": []any{schema(coreUserSchema, rfcCoreAttrs), schema(enterpriseSchema, rfcEnterpriseAttrs)}})
}

func TestSCIMPrepare(t *testing.T) {
	tests := []struct {
		name   string
		opts   SCIMOptions
		header string
	}{
		{"bearer", SCIMOptions{Token: "scim-token-secret"}, "Bearer scim-token-secret"},
		{"basic", SCIMOptions{User: "u", Password: "p"}, "Basic dTpw"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg, _, tg := newSCIMStub(t, tt.opts)
			reg.Register(httpstub.REST("GET", "/scim/v2/ServiceProviderConfig").And(httpstub.Header("Authorization", tt.header)),
				spc(map[string]any{"supported": true, "maxOperations": 10, "maxPayloadSize": 1 << 20}))
			reg.Register(httpstub.REST("GET", "/scim/v2/Schemas").And(httpstub.Header("Authorization", tt.header)), rfcSchemasAnswer())
			info, err := tg.Prepare(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if info.BaseURL != scimRoot || info.MaxOps != 10 || info.MaxBytes != DefaultMaxBytes || strings.Join(info.Schemas, ",") != coreUserSchema+","+enterpriseSchema || info.Company != "" {
				t.Errorf("Info = %+v", info)
			}
			if tg.Flavor() != "scim" {
				t.Errorf("Flavor = %q", tg.Flavor())
			}
		})
	}
}

func TestSCIMPrepareRefusals(t *testing.T) {
	t.Run("no bulk", func(t *testing.T) {
		reg, _, tg := newSCIMStub(t, SCIMOptions{})
		reg.Register(httpstub.REST("GET", "/scim/v2/ServiceProviderConfig"), spc(map[string]any{"supported": false}))
		_, err := tg.Prepare(t.Context())
		kindOf(t, err, KindPermanent)
		if !strings.Contains(err.Error(), "does not support /Bulk") {
			t.Errorf("error %q", err)
		}
	})
	t.Run("unauthorized is final", func(t *testing.T) {
		reg, _, tg := newSCIMStub(t, SCIMOptions{Token: "scim-token-secret"})
		reg.Register(httpstub.REST("GET", "/scim/v2/ServiceProviderConfig"), httpstub.JSONResponse(401, map[string]any{"status": "401", "detail": "bad token"}))
		_, err := tg.Prepare(t.Context())
		kindOf(t, err, KindAuth)
		noSecrets(t, "error", err.Error(), "scim-token-secret")
	})
	t.Run("no Schemas endpoint", func(t *testing.T) {
		reg, _, tg := newSCIMStub(t, SCIMOptions{})
		reg.Register(httpstub.REST("GET", "/scim/v2/ServiceProviderConfig"), spc(map[string]any{"supported": true}))
		reg.Register(httpstub.REST("GET", "/scim/v2/Schemas"), httpstub.StatusStringResponse(404, ""))
		info, err := tg.Prepare(t.Context())
		if err != nil || info.Schemas != nil {
			t.Errorf("Prepare = %+v %v, want no schemas", info, err)
		}
	})
}

func TestSCIMSendBulkResponse(t *testing.T) {
	reg, _, tg := newSCIMStub(t, SCIMOptions{})
	reg.Register(httpstub.REST("GET", "/scim/v2/ServiceProviderConfig"), spc(map[string]any{"supported": true}))
	reg.Register(httpstub.REST("GET", "/scim/v2/Schemas"), rfcSchemasAnswer())
	body, err := os.ReadFile("testdata/dialect/in-mixed.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := toRFC(body, dialectSchemas["rfc"])
	if err != nil {
		t.Fatal(err)
	}
	// The server answers 503 once, then a BulkResponse whose POST comes
	// last (matched by bulkId) and whose PATCH failed.
	reg.Register(httpstub.REST("POST", "/scim/v2/Bulk"), httpstub.RetryAfter(503, 2))
	reg.Register(httpstub.REST("POST", "/scim/v2/Bulk").And(httpstub.Header("Content-Type", scimJSON), httpstub.MatchFunc("the RFC dialect", func(r *http.Request) bool {
		var got, exp any
		if json.NewDecoder(r.Body).Decode(&got) != nil || json.Unmarshal(want.body, &exp) != nil {
			return false
		}
		a, _ := json.Marshal(got)
		b, _ := json.Marshal(exp)
		return string(a) == string(b)
	})), httpstub.JSONResponse(200, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkResponse"],"Operations":[
		{"method":"PATCH","status":"400","response":{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"scimType":"invalidPath","detail":"no such attribute","status":"400"}},
		{"method":"DELETE","status":204,"location":"https://scim.example.test/scim/v2/Users/5b7c"},
		{"method":"POST","bulkId":"emp-E1","status":"201","location":"https://scim.example.test/scim/v2/Users/new-id-1/"}]}`))
	acc, err := tg.Send(t.Context(), body, 4)
	if err != nil {
		t.Fatal(err)
	}
	if acc.HTTPStatus != 200 || acc.Attempts != 2 || acc.ProvisionID != "" || len(acc.Results) != 4 {
		t.Fatalf("Accepted = %+v", acc)
	}
	r := acc.Results
	if r[0].Index != 0 || r[0].BulkID != "emp-E1" || !r[0].Success || r[0].Code != "201" || r[0].UserID != "new-id-1" {
		t.Errorf("POST result = %+v", r[0])
	}
	if len(r[0].Extensions) != 2 || r[0].Extensions[0].Result != ResultNotProcessed {
		t.Errorf("POST extensions = %+v, want spend and travel not processed", r[0].Extensions)
	}
	if r[1].Index != 1 || r[1].Success || r[1].Code != "400" || len(r[1].Messages) == 0 || r[1].Messages[0].Code != "invalidPath" || r[1].Messages[0].Text != "no such attribute" {
		t.Errorf("PATCH result = %+v", r[1])
	}
	if r[2].Index != 2 || !r[2].Success || r[2].Extensions[0].Result != ResultNoOp {
		t.Errorf("skipped PATCH result = %+v", r[2])
	}
	if r[3].Index != 3 || !r[3].Success || r[3].Code != "204" {
		t.Errorf("DELETE result = %+v", r[3])
	}
}

func TestSCIMSendStoppedEarly(t *testing.T) {
	reg, _, tg := newSCIMStub(t, SCIMOptions{})
	reg.Register(httpstub.REST("GET", "/scim/v2/ServiceProviderConfig"), spc(map[string]any{"supported": true}))
	reg.Register(httpstub.REST("GET", "/scim/v2/Schemas"), httpstub.StatusStringResponse(404, ""))
	reg.Register(httpstub.REST("POST", "/scim/v2/Bulk"), httpstub.JSONResponse(200, `{"Operations":[{"method":"POST","bulkId":"b2","status":"409","response":{"detail":"userName taken","status":"409","scimType":"uniqueness"}}]}`))
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"failOnErrors":1,"Operations":[
		{"method":"POST","path":"/Users","bulkId":"b1","data":{"userName":"a"}},{"method":"POST","path":"/Users","bulkId":"b2","data":{"userName":"b"}}]}`
	acc, err := tg.Send(t.Context(), []byte(body), 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.Results) != 2 {
		t.Fatalf("Results = %+v", acc.Results)
	}
	if r := acc.Results[0]; r.Index != 0 || r.Success || !r.Completed || r.Messages[0].Code != "NOT_PROCESSED" {
		t.Errorf("unanswered result = %+v", r)
	}
	if r := acc.Results[1]; r.Index != 1 || r.Success || r.Code != "409" || r.Messages[0].Code != "uniqueness" {
		t.Errorf("conflict result = %+v", r)
	}
}

func TestSCIMLookup(t *testing.T) {
	reg, _, tg := newSCIMStub(t, SCIMOptions{})
	filter := employeeNumberPath + ` eq "E1" or ` + employeeNumberPath + ` eq "E\"2"`
	reg.Register(httpstub.REST("GET", "/scim/v2/Users").And(httpstub.Query("filter", filter)),
		httpstub.JSONResponse(200, map[string]any{"totalResults": 1, "Resources": []any{map[string]any{"id": "u2", "userName": "x", enterpriseSchema: map[string]any{"employeeNumber": `E"2`}}}}))
	got, err := tg.LookupEmployees(t.Context(), []string{"E1", `E"2`})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[`E"2`].ID != "u2" {
		t.Errorf("found %+v", got)
	}
	// A server refusing or-filters is asked one by one.
	reg.Register(httpstub.REST("GET", "/scim/v2/Users").And(httpstub.Query("filter", `userName eq "a" or userName eq "b"`)), httpstub.JSONResponse(400, map[string]any{"status": "400", "scimType": "invalidFilter"}))
	reg.Register(httpstub.REST("GET", "/scim/v2/Users").And(httpstub.Query("filter", `userName eq "a"`)), httpstub.JSONResponse(200, map[string]any{"totalResults": 1, "Resources": []any{map[string]any{"id": "ua", "userName": "A"}}}))
	reg.Register(httpstub.REST("GET", "/scim/v2/Users").And(httpstub.Query("filter", `userName eq "b"`)), httpstub.JSONResponse(200, map[string]any{"totalResults": 0, "Resources": []any{}}))
	got, err = tg.LookupUserNames(t.Context(), []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got["a"].ID != "ua" {
		t.Errorf("found %+v", got)
	}
}

func TestSCIMHasNoProvisions(t *testing.T) {
	_, _, tg := newSCIMStub(t, SCIMOptions{})
	_, err := tg.Status(t.Context(), "p")
	kindOf(t, err, KindPermanent)
	_, err = tg.Operations(t.Context(), "p")
	kindOf(t, err, KindPermanent)
}
