package target

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/pool"
)

// Lookup limits of Users/.search (spec/ups-v4/endpoints.csv: payload ≤10 KB,
// count ≤1000, cursor paging).
const (
	searchMaxBytes = 10 * 1024
	searchMaxTerms = 50
	searchCount    = 100
	maxSearchPages = 1000
)

const (
	upsSearchPath = "/profile/identity/v4.1/Users/.search"
	upsUsersPath  = "/profile/identity/v4/Users"
	// concurSearchSchema is the SearchRequest schema of identity v4.1.
	concurSearchSchema = "urn:ietf:params:scim:api:messages:concur:2.0:SearchRequest"
	enterpriseSchema   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	// employeeNumberPath is employeeNumber qualified by its schema (RFC
	// 7644 §3.10): the sandbox, like SCIM servers, resolves a bare name in
	// the core schema, where employeeNumber is not.
	employeeNumberPath = enterpriseSchema + ":employeeNumber"
)

// userDoc is what a lookup reads of a user.
type userDoc struct {
	ID             string `json:"id"`
	UserName       string `json:"userName"`
	EmployeeNumber string `json:"employeeNumber"`
	Enterprise     *struct {
		EmployeeNumber string `json:"employeeNumber"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

func (d *userDoc) user() User {
	u := User{ID: d.ID, UserName: d.UserName, EmployeeNumber: d.EmployeeNumber}
	if d.Enterprise != nil && d.Enterprise.EmployeeNumber != "" {
		u.EmployeeNumber = d.Enterprise.EmployeeNumber
	}
	return u
}

// filterEscaper escapes a SCIM filter string value (RFC 7644 §3.4.2.2:
// a JSON string; only quotes and backslashes need escaping).
var filterEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// filterValue quotes s as a SCIM filter string.
func filterValue(s string) string { return `"` + filterEscaper.Replace(s) + `"` }

// jsonLen is the length of s encoded as a JSON string, without its quotes.
func jsonLen(s string) int {
	b, _ := json.Marshal(s)
	return len(b) - 2
}

// lookupKey says which attribute a lookup matches.
type lookupKey struct {
	path string            // filter path
	of   func(User) string // the attribute of a found user
}

var (
	byEmployeeNumber = lookupKey{employeeNumberPath, func(u User) string { return u.EmployeeNumber }}
	byUserName       = lookupKey{"userName", func(u User) string { return u.UserName }}
)

// dedupe drops empty and repeated (ignoring case) values.
func dedupe(vals []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range vals {
		k := strings.ToLower(v)
		if v == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return out
}

// batches splits vals into or-filters of at most maxTerms terms whose
// rendering (with overhead bytes around it) stays within maxBytes.
func batches(path string, vals []string, maxTerms, maxBytes, overhead int) [][]string {
	var out [][]string
	var cur []string
	size := overhead
	for _, v := range vals {
		// The bytes the term adds to the JSON body (escapes included).
		term := jsonLen(path + " eq " + filterValue(v) + " or ")
		if len(cur) > 0 && (len(cur) >= maxTerms || size+term > maxBytes) {
			out = append(out, cur)
			cur, size = nil, overhead
		}
		cur = append(cur, v)
		size += term
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

func orFilter(path string, vals []string) string {
	terms := make([]string, len(vals))
	for i, v := range vals {
		terms[i] = path + " eq " + filterValue(v)
	}
	return strings.Join(terms, " or ")
}

// collect adds the found users to out under the requested value they match
// (ignoring case).
func collect(out map[string]User, want []string, key lookupKey, found []User) {
	idx := make(map[string]string, len(want))
	for _, w := range want {
		idx[strings.ToLower(w)] = w
	}
	for _, u := range found {
		w, ok := idx[strings.ToLower(key.of(u))]
		if !ok && len(want) == 1 && len(found) == 1 && key.of(u) == "" {
			// The target did not return the attribute: the filter matched.
			w, ok = want[0], true
		}
		if ok && u.ID != "" {
			out[w] = u
		}
	}
}

func (u *upsClient) LookupEmployees(ctx context.Context, employeeNumbers []string) (map[string]User, error) {
	return u.lookup(ctx, employeeNumbers, byEmployeeNumber)
}

func (u *upsClient) LookupUserNames(ctx context.Context, userNames []string) (map[string]User, error) {
	return u.lookup(ctx, userNames, byUserName)
}

func (u *upsClient) lookup(ctx context.Context, vals []string, key lookupKey) (map[string]User, error) {
	out := map[string]User{}
	vals = dedupe(vals)
	u.mu.Lock()
	noSearch := u.noSearch
	u.mu.Unlock()
	if !noSearch && !(isFresh(ctx) && len(vals) <= freshMost) {
		// The request around the filter: schemas, attributes, count, cursor.
		const overhead = 400
		for _, b := range batches(key.path, vals, searchMaxTerms, searchMaxBytes, overhead) {
			found, ok, err := u.search(ctx, orFilter(key.path, b))
			if err != nil {
				return nil, err
			}
			if !ok {
				u.mu.Lock()
				u.noSearch = true
				u.mu.Unlock()
				return u.lookupOneByOne(ctx, vals, key, out)
			}
			collect(out, b, key, found)
		}
		return out, nil
	}
	return u.lookupOneByOne(ctx, vals, key, out)
}

// search runs a SearchRequest with cursor paging; ok is false when the
// endpoint is not served or refuses the filter (400, 404, 405).
func (u *upsClient) search(ctx context.Context, filter string) (found []User, ok bool, err error) {
	cursor := ""
	for range maxSearchPages {
		req := map[string]any{
			"schemas":    []string{concurSearchSchema},
			"filter":     filter,
			"attributes": []string{"id", "userName", employeeNumberPath},
			"count":      searchCount,
		}
		if cursor != "" {
			req["cursor"] = cursor
		}
		body, _ := json.Marshal(req)
		r, res, err := u.call(ctx, "lookup", http.MethodPost, upsSearchPath, body, jsonHeader("application/json"), true)
		if err != nil {
			return nil, false, err
		}
		switch res.status {
		case http.StatusOK:
		case http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed:
			// Not served, or not this filter (the search is a prerelease
			// API): the documented lookup one by one answers instead.
			return nil, false, nil
		default:
			return nil, false, permanent(r, res)
		}
		var lr struct {
			Resources  []userDoc `json:"Resources"`
			NextCursor string    `json:"nextCursor"`
		}
		if err := json.Unmarshal(res.body, &lr); err != nil {
			return nil, false, &Error{Kind: KindPermanent, Op: "lookup", Method: r.method, URL: r.url, Status: res.status, Detail: "the search answer is not a ListResponse: " + err.Error()}
		}
		for i := range lr.Resources {
			found = append(found, lr.Resources[i].user())
		}
		if lr.NextCursor == "" || lr.NextCursor == cursor {
			return found, true, nil
		}
		cursor = lr.NextCursor
	}
	return found, true, nil
}

// lookupOneByOne is GET /profile/identity/v4/Users?filter=attr eq "x" per
// value (the documented lookup by employeeNumber or userName).
func (u *upsClient) lookupOneByOne(ctx context.Context, vals []string, key lookupKey, out map[string]User) (map[string]User, error) {
	attr := key.path
	if attr == employeeNumberPath {
		attr = "employeeNumber" // this endpoint filters on a fixed list of names
	}
	one := func(v string) ([]User, error) {
		q := url.Values{"filter": {attr + " eq " + filterValue(v)}}
		r, res, err := u.get(ctx, "lookup", upsUsersPath+"?"+q.Encode())
		if err != nil {
			return nil, err
		}
		if res.status != http.StatusOK {
			return nil, permanent(r, res)
		}
		var lr struct {
			Resources []userDoc `json:"Resources"`
		}
		if err := json.Unmarshal(res.body, &lr); err != nil {
			return nil, &Error{Kind: KindPermanent, Op: "lookup", Method: r.method, URL: stripQuery(r.url), Status: res.status, Detail: "the answer is not a ListResponse: " + err.Error()}
		}
		var found []User
		for i := range lr.Resources {
			found = append(found, lr.Resources[i].user())
		}
		return found, nil
	}
	// A few at a time: one GET per value, each with its own retries (and
	// ctx: the pool's own context only stops handing out values after the
	// first error, leaving the GETs in flight to finish).
	var mu sync.Mutex
	err := pool.Each(context.Background(), len(vals), lookupWorkers, func(_ context.Context, i int) error {
		found, err := one(vals[i])
		if err != nil {
			return err
		}
		mu.Lock()
		collect(out, []string{vals[i]}, key, found)
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// freshMost is the most values a fresh lookup asks one by one (about a
// request's users); more go through the batched search, lag or not: a
// create sent again meets the target's uniqueness, and is settled anyway.
const freshMost = 100

// lookupWorkers bounds the one-by-one lookups in flight.
const lookupWorkers = 8

type freshKey struct{}

// Fresh marks lookups that must see the target as it is now (settling a
// request in doubt, a conflict): UPS's batched search may lag minutes
// behind (spec/ups-v4/endpoints.csv), so up to freshMost values use the
// documented real-time lookup, one value at a time.
func Fresh(ctx context.Context) context.Context { return context.WithValue(ctx, freshKey{}, true) }

func isFresh(ctx context.Context) bool { v, _ := ctx.Value(freshKey{}).(bool); return v }
