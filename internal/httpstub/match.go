package httpstub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Matcher decides whether a stub answers a request. Combine matchers with
// And.
type Matcher struct {
	desc string
	fn   func(r *http.Request, body []byte) bool
}

// MatchFunc makes a Matcher from a predicate; desc names it in failures.
// The request's body can be read (each matcher gets its own copy).
func MatchFunc(desc string, fn func(*http.Request) bool) Matcher {
	return Matcher{desc: desc, fn: func(r *http.Request, body []byte) bool {
		c := r.Clone(r.Context())
		c.Body = io.NopCloser(bytes.NewReader(body))
		return fn(c)
	}}
}

// String describes the matcher.
func (m Matcher) String() string { return m.desc }

func (m Matcher) match(r *http.Request, body []byte) bool { return m.fn == nil || m.fn(r, body) }

// And matches when m and every one of more match.
func (m Matcher) And(more ...Matcher) Matcher {
	all := append([]Matcher{m}, more...)
	descs := make([]string, 0, len(all))
	for _, x := range all {
		descs = append(descs, x.desc)
	}
	return Matcher{desc: strings.Join(descs, " "), fn: func(r *http.Request, body []byte) bool {
		for _, x := range all {
			if !x.match(r, body) {
				return false
			}
		}
		return true
	}}
}

// Any matches every request.
func Any() Matcher { return Matcher{desc: "any request"} }

// REST matches the method (any case) and the URL path, ignoring a trailing
// slash and the query.
func REST(method, path string) Matcher {
	want := strings.TrimSuffix(path, "/")
	return Matcher{desc: strings.ToUpper(method) + " " + path, fn: func(r *http.Request, _ []byte) bool {
		return strings.EqualFold(r.Method, method) && strings.TrimSuffix(r.URL.Path, "/") == want
	}}
}

// Query matches requests whose query has key=value (one of its values).
func Query(key, value string) Matcher {
	return Matcher{desc: fmt.Sprintf("?%s=%s", key, value), fn: func(r *http.Request, _ []byte) bool {
		for _, v := range r.URL.Query()[key] {
			if v == value {
				return true
			}
		}
		return false
	}}
}

// NoQuery matches requests whose query lacks key.
func NoQuery(key string) Matcher {
	return Matcher{desc: "without ?" + key, fn: func(r *http.Request, _ []byte) bool {
		return !r.URL.Query().Has(key)
	}}
}

// Header matches requests with the header key set to value.
func Header(key, value string) Matcher {
	return Matcher{desc: fmt.Sprintf("[%s: %s]", key, value), fn: func(r *http.Request, _ []byte) bool {
		return r.Header.Get(key) == value
	}}
}

// JSONBody matches requests whose body decodes as JSON into a value fn
// accepts (objects are map[string]any, numbers float64).
func JSONBody(fn func(body any) bool) Matcher {
	return Matcher{desc: "with JSON body", fn: func(_ *http.Request, b []byte) bool {
		var v any
		if json.Unmarshal(b, &v) != nil {
			return false
		}
		return fn(v)
	}}
}

// Form matches url-encoded form bodies fn accepts.
func Form(fn func(url.Values) bool) Matcher {
	return Matcher{desc: "with form body", fn: func(_ *http.Request, b []byte) bool {
		v, err := url.ParseQuery(string(b))
		return err == nil && fn(v)
	}}
}

// FormField matches form bodies with key=value.
func FormField(key, value string) Matcher {
	m := Form(func(v url.Values) bool { return v.Get(key) == value })
	m.desc = fmt.Sprintf("form %s=%s", key, value)
	return m
}
