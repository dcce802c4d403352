package sandbox

import (
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// filterNode is a parsed SCIM filter (RFC 7644 §3.4.2.2), as scim.ParseFilter
// reads it.
type filterNode = scim.Filter

// parseFilter parses a SCIM filter expression (scim.ParseFilter).
func parseFilter(s string) (filterNode, error) { return scim.ParseFilter(s) }

// matchDoc evaluates f against a whole user document, where attribute paths
// may carry a schema URN prefix.
func matchDoc(f filterNode, doc map[string]any) bool {
	return eval(f, doc, true)
}

// matchElement evaluates f against one element of a multi-valued attribute.
func matchElement(f filterNode, elem any) bool {
	return eval(f, elem, false)
}

func eval(f filterNode, node any, top bool) bool {
	switch n := f.(type) {
	case scim.Logic:
		if n.And {
			return eval(n.Left, node, top) && eval(n.Right, node, top)
		}
		return eval(n.Left, node, top) || eval(n.Right, node, top)
	case scim.Not:
		return !eval(n.Inner, node, top)
	case scim.ValuePath:
		for _, e := range resolvePath(node, n.Path, top, false) {
			if eval(n.Inner, e, false) {
				return true
			}
		}
		return false
	case scim.Compare:
		vals := resolvePath(node, n.Path, top, true)
		switch n.Op {
		case "pr":
			for _, v := range vals {
				if v != nil && v != "" {
					return true
				}
			}
			return false
		case "ne":
			return !anyCompare(vals, "eq", n.Value)
		}
		return anyCompare(vals, n.Op, n.Value)
	}
	return false
}

func anyCompare(vals []any, op string, lit any) bool {
	if lit == nil {
		return op == "eq" && len(vals) == 0
	}
	for _, v := range vals {
		if compareValue(v, op, lit) {
			return true
		}
	}
	return false
}

func compareValue(v any, op string, lit any) bool {
	switch l := lit.(type) {
	case string:
		s, ok := v.(string)
		if !ok {
			if f, isNum := v.(float64); isNum {
				s = strconv.FormatFloat(f, 'f', -1, 64)
			} else {
				return false
			}
		}
		a, b := strings.ToLower(s), strings.ToLower(l)
		switch op {
		case "eq":
			return a == b
		case "co":
			return strings.Contains(a, b)
		case "sw":
			return strings.HasPrefix(a, b)
		case "ew":
			return strings.HasSuffix(a, b)
		case "gt":
			return a > b
		case "ge":
			return a >= b
		case "lt":
			return a < b
		case "le":
			return a <= b
		}
	case bool:
		b, ok := v.(bool)
		return ok && op == "eq" && b == l
	case float64:
		f, ok := v.(float64)
		if !ok {
			return false
		}
		switch op {
		case "eq":
			return f == l
		case "gt":
			return f > l
		case "ge":
			return f >= l
		case "lt":
			return f < l
		case "le":
			return f <= l
		}
	}
	return false
}

// resolvePath returns the values at a dotted attribute path, flattening
// multi-valued attributes. At the top level the path may start with a schema
// URN. A primitive element answers the sub-attribute "value" with itself.
func resolvePath(node any, path string, top, flattenLast bool) []any {
	if top {
		if schema, rest, ok := splitSchema(path); ok && schema != "" && schema != urnCore {
			m, _ := node.(map[string]any)
			ext, _ := getCI(m, schema)
			if rest == "" {
				return []any{ext}
			}
			return resolveSegs(ext, strings.Split(rest, "."), flattenLast)
		} else if ok {
			path = rest
		}
	}
	return resolveSegs(node, strings.Split(path, "."), flattenLast)
}

func resolveSegs(node any, segs []string, flattenLast bool) []any {
	if node == nil {
		return nil
	}
	if len(segs) == 0 {
		if arr, ok := node.([]any); ok {
			return arr
		}
		return []any{node}
	}
	switch n := node.(type) {
	case []any:
		var out []any
		for _, e := range n {
			out = append(out, resolveSegs(e, segs, flattenLast)...)
		}
		return out
	case map[string]any:
		v, ok := getCI(n, segs[0])
		if !ok {
			return nil
		}
		return resolveSegs(v, segs[1:], flattenLast)
	default:
		if len(segs) == 1 && strings.EqualFold(segs[0], "value") {
			return []any{node}
		}
	}
	return nil
}

// splitSchema splits a path into a schema URN and the rest. ok is false when
// the path starts with "urn:" but names no known schema.
func splitSchema(path string) (schema, rest string, ok bool) {
	if !strings.HasPrefix(strings.ToLower(path), "urn:") {
		return urnCore, path, true
	}
	for _, s := range userSchemas {
		if len(path) >= len(s) && strings.EqualFold(path[:len(s)], s) {
			r := path[len(s):]
			if r == "" || r[0] == ':' {
				return canonicalSchema(s), strings.TrimPrefix(r, ":"), true
			}
		}
	}
	return "", path, false
}

// getCI looks a key up in m, exactly first and then ignoring case (SCIM
// attribute names are case-insensitive).
func getCI(m map[string]any, key string) (any, bool) {
	if m == nil {
		return nil, false
	}
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// keyCI returns the key under which m stores key (any case), or key itself.
func keyCI(m map[string]any, key string) string {
	if _, ok := m[key]; ok {
		return key
	}
	for k := range m {
		if strings.EqualFold(k, key) {
			return k
		}
	}
	return key
}
