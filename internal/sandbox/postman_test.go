package sandbox

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/spec"
)

type pmItem struct {
	Name    string   `json:"name"`
	Item    []pmItem `json:"item"`
	Request *struct {
		Method string          `json:"method"`
		URL    json.RawMessage `json:"url"`
		Auth   *struct {
			Type string `json:"type"`
		} `json:"auth"`
		Header []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"header"`
		Body struct {
			Raw string `json:"raw"`
		} `json:"body"`
	} `json:"request"`
}

func (it pmItem) rawURL() string {
	var s string
	if json.Unmarshal(it.Request.URL, &s) == nil {
		return s
	}
	var u struct {
		Raw string `json:"raw"`
	}
	_ = json.Unmarshal(it.Request.URL, &u)
	return u.Raw
}

// expectation is what Concur's documentation says a request gets.
type expectation struct {
	status    int    // HTTP status with a valid company token
	async     string // "success": the provision must complete successfully
	noAuth401 bool   // the request is sent without auth in the collection
	why       string
}

// postmanExpect lists every request of the collection. Requests that are
// wrong in the collection itself are expected to fail, with the reason.
var postmanExpect = map[string]expectation{
	"Profile (Identity, spend, travel)":                     {status: 201, async: "success"},
	"Identity + Spend Profile":                              {status: 201, async: "success"},
	"Identity + Travel Profile":                             {status: 201, async: "success"},
	"Idenity Only":                                          {status: 201, async: "success"},
	"Identity only on identity endpoint":                    {status: 201},
	"Spend & Travel User":                                   {status: 200, async: "success"},
	"Spend & Travel User Create":                            {status: 200, async: "success"},
	"Name updates":                                          {status: 200, async: "success"},
	"Phone Number updates":                                  {status: 200, async: "success"},
	"Email update (Add and array look up)":                  {status: 200, async: "success"},
	"EmployeeNumber Update":                                 {status: 200, async: "success"},
	"Manager Update":                                        {status: 200, async: "success"},
	"Active Flag false":                                     {status: 200, async: "success"},
	"Active Flag true with term date":                       {status: 200, async: "success"},
	"Start date add":                                        {status: 200, async: "success"},
	"Start date replace":                                    {status: 200},
	"UserName Update":                                       {status: 200, async: "success"},
	"Nickname Replace":                                      {status: 200},
	"Entitlement Removal":                                   {status: 400, why: "body is not valid JSON (an object inside an object without a key)"},
	"Adding Entitlements":                                   {status: 200, async: "success"},
	"Add ApproverLimitConfig":                               {status: 200, async: "success", noAuth401: true},
	"Replace ApproverLimitConfig":                           {status: 405, noAuth401: true, why: "POST on /Users/{id} is not an endpoint (the op inside is a PATCH)"},
	"Remove ApproverLimitConfig":                            {status: 202, async: "success", noAuth401: true},
	"PUT Update Spend User w/ Approver Limit Config":        {status: 400, why: "a BulkRequest body sent to PUT /Users/{id}"},
	"Spend Workflow User preference update":                 {status: 200, async: "success"},
	"Adding Roles to user":                                  {status: 200, async: "success"},
	"Updating Roles to user":                                {status: 200, async: "success"},
	"Removing roles from a user":                            {status: 200, async: "success"},
	"Removing single role for user":                         {status: 200, async: "success"},
	"Updating Spend Custom fields (will remove all others)": {status: 200, async: "success"},
	"Updating Spend Custom value single Copy":               {status: 200, async: "success"},
	"Add Spend Custom value single":                         {status: 200, async: "success"},
	"Removing Spend Custom value single Copy":               {status: 200, async: "success"},
	"Updating Spend User Country & StateProvince":           {status: 200, async: "success"},
	"Adding biManager":                                      {status: 200, async: "success"},
	"Adding biManager with employeeID":                      {status: 200, async: "success"},
	"Updating Spend Locale":                                 {status: 200, async: "success"},
	"Adding Delegate":                                       {status: 200, async: "success"},
	"Adding ledgerCode":                                     {status: 400, why: "add operation without value (ledgerCode sits beside op)"},
	"Adding Apporver":                                       {status: 200, async: "success"},
	"Travel Custom Field Update":                            {status: 200, async: "success"},
	"Adding Groups to Travel":                               {status: 400, why: "same body as Adding ledgerCode: add without value"},
	"Removing Groups to Travel":                             {status: 400, why: "path names no schema (travel:2.0:groups lacks :User)"},
	"Travel Update":                                         {status: 200, async: "success"},
	"Basic idenity":                                         {status: 400, why: "PUT body id differs from the user in the path"},
	"Delete User":                                           {status: 405, why: "DELETE on the Users collection"},
	"Detailed Provisioning Status":                          {status: 200},
	"Basic Provisioning Status":                             {status: 200},
	"Get All identy":                                        {status: 404, why: "{{scim_root}}/Users is not a UPS path"},
	"Get Identity by employeeNumber":                        {status: 200},
	"Get Identity by externalID":                            {status: 200},
	"Get Identity by userName":                              {status: 404, why: "users/lookup is not a UPS endpoint"},
	"Get Identity by UUID and entitlement":                  {status: 200},
	"Get Identity by ID by startIndex":                      {status: 200},
	"Get Identity by ID by count":                           {status: 200},
	"Get Identity by UUID":                                  {status: 200},
	"Get Identity by ID":                                    {status: 200},
	"Get All Spend Users":                                   {status: 404, why: "/spend/v4 lacks the /profile prefix"},
	"Get Spend by ID":                                       {status: 200},
	"Get Spend by Customfield":                              {status: 404, why: "/spend/v4 lacks the /profile prefix"},
	"Get Spend by country":                                  {status: 404, why: "/spend/v4 lacks the /profile prefix"},
	"Get All Travel":                                        {status: 404, why: "/travel/v4 lacks the /profile prefix"},
	"Get Travel by ID":                                      {status: 404, why: "/travel/v4 lacks the /profile prefix"},
	"All Users in Company":                                  {status: 200},
	"User By EmployeeNumber":                                {status: 200},
	"User by Email":                                         {status: 200},
	"Active Users by Email domain":                          {status: 200},
	"Active Users with Invoice Entitlement":                 {status: 200},
	"Users who work in Bellevue":                            {status: 200},
	"Users who have startDate before 2018":                  {status: 200},
	"Get Idenity Schema":                                    {status: 200},
	"Get Profile Schema":                                    {status: 200},
	"Get ServiceProviderConfig":                             {status: 200},
	"Get resourceTypes":                                     {status: 200},
	"Get Profile swagger":                                   {status: 404, why: "{{scim_root}}/Users/{id} is not a UPS path"},
	"Get Identity swagger":                                  {status: 404, why: "the sandbox serves no swagger document"},
	"GET company Entitlements":                              {status: 0, why: "the request has no URL"},
}

var uuidInText = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func TestPostmanReplay(t *testing.T) {
	raw, err := spec.ReadFile("ups-v4/postman-collection.json")
	if err != nil {
		t.Fatal(err)
	}
	var coll struct {
		Item     []pmItem `json:"item"`
		Variable []struct {
			Key   string `json:"key"`
			Value any    `json:"value"`
		} `json:"variable"`
	}
	if err := json.Unmarshal(raw, &coll); err != nil {
		t.Fatal(err)
	}
	const company = "e5756608-5824-4ede-889c-e231245850ef"
	c := startSandbox(t, Config{CompanyID: company})

	// Tenant-specific literals: other company ids become the sandbox's, and
	// every other UUID written in the collection is a user that exists.
	skip := map[string]bool{}
	for _, v := range coll.Variable {
		if s, ok := v.Value.(string); ok {
			skip[strings.ToLower(s)] = true
		}
	}
	companies := map[string]bool{"aa076ada-80a9-4f57-8e98-9300b1c3171d": true, "053c9338-bf2a-49cd-9035-c1f97be858b0": true, company: true}
	seeded := 0
	for _, id := range uuidInText.FindAllString(string(raw), -1) {
		id = strings.ToLower(id)
		if skip[id] || companies[id] || c.srv.st.users[id] != nil {
			continue
		}
		seeded++
		emp := fmt.Sprintf("PM%03d", seeded)
		doc := fmt.Sprintf(`{"id":%q,"schemas":[%q],"userName":"%s@example.com","active":true,"name":{"givenName":"Seed","familyName":%q},
			"emails":[{"type":"work","value":"%s@example.com"}],"entitlements":["Expense"],%q:{"employeeNumber":%q},
			%q:{"reimbursementCurrency":"USD","country":"US","locale":"en-US"},%q:{"roles":[{"roleName":"EXP_APPROVER"}]},%q:{"ruleClass":{"id":1}}}`,
			id, urnCore, emp, emp, emp, urnEnterprise, emp, urnSpend, urnRole, urnTravel)
		if _, err := c.srv.ImportUser([]byte(doc)); err != nil {
			t.Fatalf("seeding %s: %v", id, err)
		}
	}
	if _, err := c.srv.ImportUser([]byte(fmt.Sprintf(`{"schemas":[%q],"userName":"travel.manager@example.com","active":true,"name":{"givenName":"T","familyName":"M"},
		"emails":[{"type":"work","value":"travel.manager@example.com"}],%q:{"employeeNumber":"1662496533_EmployeeNumber@cs-sso-us-prod.com"}}`, urnCore, urnEnterprise))); err != nil {
		t.Fatal(err)
	}

	vars := map[string]string{"scim_root": c.base + "/", "data_center": c.base, "host": c.base, "email_domain": "example.com", "company_id": company}
	stamp := 1700000000
	subst := func(s string) string {
		for strings.Contains(s, "{{$timestamp}}") {
			stamp++
			s = strings.Replace(s, "{{$timestamp}}", fmt.Sprint(stamp), 1)
		}
		for k, v := range vars {
			s = strings.ReplaceAll(s, "{{"+k+"}}", v)
		}
		for co := range companies {
			s = strings.ReplaceAll(s, co, company)
		}
		return s
	}

	// Users first (they create what the reads and the status look at).
	var items []pmItem
	var flatten func([]pmItem)
	flatten = func(in []pmItem) {
		for _, it := range in {
			if it.Request != nil {
				items = append(items, it)
			}
			flatten(it.Item)
		}
	}
	var users, rest []pmItem
	for _, top := range coll.Item {
		if top.Name == "Users" {
			flatten(top.Item)
			users = items
		} else {
			items = nil
			flatten(top.Item)
			rest = append(rest, items...)
		}
		items = nil
	}
	seen := map[string]bool{}
	for _, it := range append(users, rest...) {
		seen[it.Name] = true
		exp, ok := postmanExpect[it.Name]
		if !ok {
			t.Errorf("%s: request not listed in postmanExpect", it.Name)
			continue
		}
		t.Run(it.Name, func(t *testing.T) {
			u := subst(it.rawURL())
			if exp.status == 0 {
				if u != "" {
					t.Fatalf("expected no URL, got %q", u)
				}
				return
			}
			body := subst(it.Request.Body.Raw)
			send := func(auth bool) (int, map[string]any, []byte) {
				req, err := http.NewRequest(it.Request.Method, fixURL(u), strings.NewReader(body))
				if err != nil {
					t.Fatalf("request: %v", err)
				}
				for _, h := range it.Request.Header {
					req.Header.Set(h.Key, subst(h.Value))
				}
				if auth {
					req.Header.Set("Authorization", "Bearer "+c.token)
				}
				res, err := c.hc.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", it.Request.Method, u, err)
				}
				defer res.Body.Close()
				data, _ := io.ReadAll(res.Body)
				var js map[string]any
				_ = json.Unmarshal(data, &js)
				return res.StatusCode, js, data
			}
			noAuth := it.Request.Auth != nil && it.Request.Auth.Type == "noauth"
			if noAuth != exp.noAuth401 {
				t.Fatalf("noauth in collection = %v, expectation says %v", noAuth, exp.noAuth401)
			}
			if noAuth {
				if st, _, data := send(false); st != 401 {
					t.Errorf("without token: %d %s", st, data)
				}
			}
			status, js, data := send(true)
			if status != exp.status {
				t.Fatalf("%s %s: got %d, want %d (%s)\n%.600s", it.Request.Method, u, status, exp.status, exp.why, data)
			}
			if status >= 400 && get(js, "schemas.0") != urnError {
				t.Errorf("error body is not a SCIM error: %s", data)
			}
			if id, ok := js["id"].(string); ok && status == 201 && strings.Contains(strings.Join(it.scriptHints(), " "), "CRUD.user_id") {
				vars["CRUD.user_id"], vars["Concur.user_id"] = id, id
			}
			pid, _ := get(js, "meta.provisionId").(string)
			if it.Request.Method == "POST" && status == 202 {
				pid, _ = js["id"].(string)
			}
			if pid != "" {
				vars["provision_ID"] = pid
			}
			if exp.async == "success" {
				if pid == "" {
					t.Fatalf("no provision id in %s", data)
				}
				st := c.waitDone(pid)
				if get(st, "status.success") != true {
					t.Errorf("provision failed: %v", get(st, "operations"))
				}
			}
			if strings.Contains(u, "/status") && get(js, "id") != vars["provision_ID"] {
				t.Errorf("status of %v, want %s", get(js, "id"), vars["provision_ID"])
			}
		})
	}
	for name := range postmanExpect {
		if !seen[name] {
			t.Errorf("%s: listed but not in the collection", name)
		}
	}
	// The chain of PATCHes left the created user in the state they describe.
	g := c.do("GET", "/profile/v4/Users/"+vars["CRUD.user_id"], nil)
	if get(g.json, urnEnterprise+".employeeNumber") != "John11_3_2" || get(g.json, "emails.0.value") != "Updated@tesing.com" ||
		get(g.json, urnSpend+".customData.0.value") != "Replaced_Value" || get(g.json, "nickName") != nil ||
		get(g.json, urnApprover+".report.0.approver.value") != "4d1b5674-7caf-44ab-a71d-759272eaf3e0" ||
		get(g.json, urnTravel+".manager.value") != "d1eb15c1-ac9b-40d6-b5f7-ea2d2f5ae8a7" {
		t.Errorf("user after the replay: %s", g.body)
	}
}

// scriptHints returns the test-script lines of an item (not parsed: used
// only to see which variables a request sets).
func (it pmItem) scriptHints() []string {
	return []string{postmanScripts[it.Name]}
}

// postmanScripts names the creates whose scripts set CRUD.user_id from the
// response id (the PATCH scripts set it to the provision id, a bug in the
// collection that the replay does not copy).
var postmanScripts = map[string]string{
	"Profile (Identity, spend, travel)": "CRUD.user_id",
	"Identity + Spend Profile":          "CRUD.user_id",
	"Identity + Travel Profile":         "CRUD.user_id",
}

// fixURL percent-encodes the spaces and quotes Postman leaves in queries.
func fixURL(u string) string {
	base, query, ok := strings.Cut(u, "?")
	if !ok {
		return u
	}
	q, err := url.ParseQuery(strings.NewReplacer(" ", "%20", `"`, "%22").Replace(query))
	if err != nil {
		return u
	}
	return base + "?" + q.Encode()
}
