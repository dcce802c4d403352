package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
)

//go:embed *.json
var schemaFS embed.FS

// BaseURL is the base of every schema's $id.
const BaseURL = "https://upsmigrate.local/schemas/"

// Schema locations of the documents the validators start from.
const (
	LocUser           = BaseURL + "user.json"
	LocUserAttributes = BaseURL + "user.json#/$defs/attributes"
	LocPatchOp        = BaseURL + "patch-op.json"
	LocBulkRequest    = BaseURL + "bulk-request.json"
	LocBulkOperation  = BaseURL + "bulk-request.json#/$defs/operation"
	LocPlanLine       = BaseURL + "plan-line.json"
)

// strictKey is the annotation that holds keywords applying only in strict
// mode. "required" and "properties" inside it add to the schema's own; the
// other keywords replace the schema's own.
const strictKey = "x-strict"

// variant says which form of the schemas is meant.
type variant int

const (
	variantDefault variant = iota // x-strict removed, objects open
	variantStrict                 // x-strict merged, objects closed
)

// docSet is the decoded schema documents by URL (without fragment).
type docSet map[string]any

// loadSources decodes the embedded schema files as written.
func loadSources() (docSet, error) {
	entries, err := schemaFS.ReadDir(".")
	if err != nil {
		return nil, fmt.Errorf("schemas: read embedded files: %w", err)
	}
	docs := docSet{}
	for _, e := range entries {
		data, err := schemaFS.ReadFile(e.Name())
		if err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", e.Name(), err)
		}
		doc, err := decodeJSON(data)
		if err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", e.Name(), err)
		}
		m, ok := doc.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("schemas: %s: not a JSON object", e.Name())
		}
		if id, _ := m["$id"].(string); id != BaseURL+e.Name() {
			return nil, fmt.Errorf("schemas: %s: $id is %q, want %q", e.Name(), id, BaseURL+e.Name())
		}
		docs[BaseURL+e.Name()] = doc
	}
	return docs, nil
}

// decodeJSON decodes one JSON value with json.Number for numbers.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON value at byte %d", dec.InputOffset())
	}
	return v, nil
}

// makeVariant returns a deep copy of the documents in the given variant.
func makeVariant(src docSet, vr variant) docSet {
	out := docSet{}
	for url, doc := range src {
		out[url] = transformSchema(doc, vr)
	}
	return out
}

// transformSchema rewrites one schema (and its subschemas) for a variant.
func transformSchema(s any, vr variant) any {
	m, ok := s.(map[string]any)
	if !ok {
		return s // boolean schema
	}
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		switch k {
		case strictKey:
			continue
		case "properties", "$defs":
			sub := map[string]any{}
			for name, ps := range v.(map[string]any) {
				sub[name] = transformSchema(ps, vr)
			}
			out[k] = sub
		case "items", "additionalProperties", "if", "then", "else", "not":
			out[k] = transformSchema(v, vr)
		case "allOf", "anyOf", "oneOf":
			var list []any
			for _, ps := range v.([]any) {
				list = append(list, transformSchema(ps, vr))
			}
			out[k] = list
		default:
			out[k] = v
		}
	}
	if vr != variantStrict {
		return out
	}
	if x, ok := m[strictKey].(map[string]any); ok {
		for k, v := range x {
			switch k {
			case "required":
				seen := map[string]bool{}
				var req []any
				for _, r := range append(asList(out["required"]), asList(v)...) {
					if !seen[r.(string)] {
						seen[r.(string)] = true
						req = append(req, r)
					}
				}
				out["required"] = req
			case "properties":
				props, _ := out["properties"].(map[string]any)
				if props == nil {
					props = map[string]any{}
				}
				for name, ps := range v.(map[string]any) {
					props[name] = transformSchema(ps, vr)
				}
				out["properties"] = props
			default:
				out[k] = v
			}
		}
	}
	if closable(out) {
		out["additionalProperties"] = false
	}
	return out
}

// closable reports whether strict mode closes an object schema: it declares
// type object and properties, and says nothing about additional properties.
func closable(m map[string]any) bool {
	if _, ok := m["properties"]; !ok {
		return false
	}
	if _, ok := m["additionalProperties"]; ok {
		return false
	}
	switch t := m["type"].(type) {
	case string:
		return t == "object"
	case []any:
		for _, x := range t {
			if x == "object" {
				return true
			}
		}
	}
	return false
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// splitLoc splits a schema location into document URL and JSON pointer.
func splitLoc(loc string) (string, string) {
	if i := strings.IndexByte(loc, '#'); i >= 0 {
		return loc[:i], loc[i+1:]
	}
	return loc, ""
}

// resolveRef makes a $ref absolute against the location of its document.
func resolveRef(base, ref string) string {
	doc, _ := splitLoc(base)
	if strings.HasPrefix(ref, "#") {
		return doc + ref
	}
	if strings.Contains(ref, "://") {
		return ref
	}
	return BaseURL + path.Clean(ref)
}

// lookup returns the raw schema at a location.
func (d docSet) lookup(loc string) (any, bool) {
	url, ptr := splitLoc(loc)
	doc, ok := d[url]
	if !ok {
		return nil, false
	}
	return pointerGet(doc, ptr)
}

// urls returns the document URLs in order.
func (d docSet) urls() []string {
	var out []string
	for u := range d {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// pointerGet follows a JSON pointer into a decoded value.
func pointerGet(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	if ptr[0] != '/' {
		return nil, false
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = UnescapeToken(tok)
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, false
			}
		case []any:
			i, ok := atoi(tok)
			if !ok || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func atoi(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// escapeToken escapes a JSON pointer reference token (RFC 6901).
func escapeToken(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if s[i] == '~' || s[i] == '/' {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	s = strings.ReplaceAll(s, "~", "~0")
	return strings.ReplaceAll(s, "/", "~1")
}

// UnescapeToken undoes the escapes of one JSON pointer token (RFC 6901:
// "~1" is "/", "~0" is "~").
func UnescapeToken(s string) string {
	if !strings.Contains(s, "~") {
		return s
	}
	s = strings.ReplaceAll(s, "~1", "/")
	return strings.ReplaceAll(s, "~0", "~")
}
