package target

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/httpstub"
)

// searchAnswer answers a SearchRequest with a user for every employeeNumber
// of its filter that known accepts; pages holds further answers by cursor.
func searchAnswer(t *testing.T, known func(string) bool) httpstub.Responder {
	term := regexp.MustCompile(regexp.QuoteMeta(employeeNumberPath) + ` eq "((?:[^"\\]|\\.)*)"`)
	return func(r *http.Request) (*http.Response, error) {
		var req struct {
			Schemas    []string `json:"schemas"`
			Filter     string   `json:"filter"`
			Attributes []string `json:"attributes"`
			Cursor     string   `json:"cursor"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("search body: %v", err)
		}
		var res []any
		for _, m := range term.FindAllStringSubmatch(req.Filter, -1) {
			v := strings.NewReplacer(`\"`, `"`, `\\`, `\`).Replace(m[1])
			if known(v) {
				res = append(res, map[string]any{"id": "id-" + v, "userName": strings.ToLower(v) + "@x.test",
					enterpriseSchema: map[string]any{"employeeNumber": v}})
			}
		}
		return httpstub.JSONResponse(200, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:ListResponse"}, "totalResults": len(res), "Resources": res})(r)
	}
}

func TestLookupEmployeesBatched(t *testing.T) {
	e := sendEnv(t)
	var nums []string
	for i := range 230 {
		nums = append(nums, fmt.Sprintf("EMP-%04d-%s", i, strings.Repeat("x", 120)))
	}
	nums = append(nums, `quo"te`, `back\slash`, "EMP-0000-"+strings.Repeat("x", 120)) // a repeat
	var batches int
	e.reg.Register(httpstub.REST("POST", upsSearchPath).And(httpstub.MatchFunc("a valid SearchRequest", func(r *http.Request) bool {
		b := make([]byte, 64<<10)
		n, _ := r.Body.Read(b)
		if n >= searchMaxBytes {
			t.Errorf("search payload of %d bytes", n)
		}
		var req struct {
			Schemas    []string `json:"schemas"`
			Filter     string   `json:"filter"`
			Attributes []string `json:"attributes"`
		}
		if err := json.Unmarshal(b[:n], &req); err != nil {
			t.Errorf("search body: %v", err)
			return false
		}
		if terms := strings.Count(req.Filter, " eq "); terms > searchMaxTerms {
			t.Errorf("%d terms in a filter", terms)
		}
		batches++
		return len(req.Schemas) == 1 && req.Schemas[0] == concurSearchSchema && strings.Join(req.Attributes, ",") == "id,userName,"+employeeNumberPath
	})), searchAnswer(t, func(v string) bool { return !strings.HasPrefix(v, "EMP-0001") })).Always()
	got, err := e.ups(t).LookupEmployees(t.Context(), nums)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 231 { // 232 distinct, one unknown
		t.Errorf("found %d users, want 231", len(got))
	}
	if u := got[`quo"te`]; u.ID != `id-quo"te` {
		t.Errorf(`quo"te = %+v`, u)
	}
	if u := got[`back\slash`]; u.ID != `id-back\slash` || u.EmployeeNumber != `back\slash` {
		t.Errorf(`back\slash = %+v`, u)
	}
	if batches < 5 {
		t.Errorf("%d batches, want ≥5 (≤50 terms each)", batches)
	}
}

func TestLookupEscapesFilter(t *testing.T) {
	if got, want := orFilter("userName", []string{`a"b`, `c\d`}), `userName eq "a\"b" or userName eq "c\\d"`; got != want {
		t.Errorf("orFilter = %s, want %s", got, want)
	}
}

func TestLookupCursorPaging(t *testing.T) {
	e := sendEnv(t)
	e.reg.Register(httpstub.REST("POST", upsSearchPath).And(httpstub.JSONBody(func(v any) bool { return v.(map[string]any)["cursor"] == nil })),
		httpstub.JSONResponse(200, map[string]any{"Resources": []any{map[string]any{"id": "1", "userName": "A@x.test"}}, "nextCursor": "c2"}))
	e.reg.Register(httpstub.REST("POST", upsSearchPath).And(httpstub.JSONBody(func(v any) bool { return v.(map[string]any)["cursor"] == "c2" })),
		httpstub.JSONResponse(200, map[string]any{"Resources": []any{map[string]any{"id": "2", "userName": "b@x.test"}}}))
	got, err := e.ups(t).LookupUserNames(t.Context(), []string{"a@x.test", "B@X.TEST", "c@x.test"})
	if err != nil {
		t.Fatal(err)
	}
	if got["a@x.test"].ID != "1" || got["B@X.TEST"].ID != "2" || len(got) != 2 {
		t.Errorf("found %+v", got)
	}
}

func TestLookupFallsBackToGet(t *testing.T) {
	for _, status := range []int{400, 404, 405} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			e := sendEnv(t)
			e.reg.Register(httpstub.REST("POST", upsSearchPath), httpstub.StatusStringResponse(status, ""))
			e.reg.Register(httpstub.REST("GET", upsUsersPath).And(httpstub.Query("filter", `employeeNumber eq "E\"1"`)),
				httpstub.JSONResponse(200, map[string]any{"Resources": []any{map[string]any{"id": "u1", "userName": "a@x.test", enterpriseSchema: map[string]any{"employeeNumber": `E"1`}}}}))
			e.reg.Register(httpstub.REST("GET", upsUsersPath).And(httpstub.Query("filter", `employeeNumber eq "E2"`)),
				httpstub.JSONResponse(200, map[string]any{"Resources": []any{}}))
			tg := e.ups(t)
			got, err := tg.LookupEmployees(t.Context(), []string{`E"1`, "E2"})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[`E"1`].ID != "u1" {
				t.Errorf("found %+v", got)
			}
			// The fallback is remembered: no second search.
			e.reg.Register(httpstub.REST("GET", upsUsersPath).And(httpstub.Query("filter", `employeeNumber eq "E3"`)), httpstub.JSONResponse(200, map[string]any{"Resources": []any{}}))
			if _, err := tg.LookupEmployees(t.Context(), []string{"E3"}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLookupFresh: a fresh lookup (settling a request in doubt) uses the
// real-time GET, never the search, which may lag.
func TestLookupFresh(t *testing.T) {
	e := sendEnv(t)
	e.reg.Register(httpstub.REST("GET", upsUsersPath).And(httpstub.Query("filter", `employeeNumber eq "E1"`)),
		httpstub.JSONResponse(200, map[string]any{"Resources": []any{map[string]any{"id": "u1", "userName": "a@x.test", enterpriseSchema: map[string]any{"employeeNumber": "E1"}}}}))
	got, err := e.ups(t).LookupEmployees(Fresh(t.Context()), []string{"E1"})
	if err != nil || got["E1"].ID != "u1" {
		t.Fatalf("found %+v, %v", got, err)
	}
}

func TestLookupForbidden(t *testing.T) {
	e := sendEnv(t)
	e.reg.Register(httpstub.REST("POST", upsSearchPath), httpstub.JSONResponse(403, map[string]any{"status": "403", "detail": "a company access token is required"}))
	_, err := e.ups(t).LookupEmployees(t.Context(), []string{"E1"})
	kindOf(t, err, KindAuth)
	if !strings.Contains(err.Error(), "identity.user.ids.read") {
		t.Errorf("error %q lacks the scopes", err)
	}
}

func TestLookupNothingSendsNothing(t *testing.T) {
	var reg httpstub.Registry // any request fails
	tg, err := NewUPS(UPSOptions{URL: testTarget, ClientID: testClientID, ClientSecret: testClientSecret, HTTPOptions: HTTPOptions{Client: reg.Client()}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tg.LookupEmployees(t.Context(), []string{"", ""})
	if err != nil || len(got) != 0 {
		t.Errorf("LookupEmployees of nothing = %v %v", got, err)
	}
	reg.Verify(t)
}
