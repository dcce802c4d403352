package plan

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// The encoder writes the closed set of types plan data is made of
// (map[string]any, []any, string, bool, json.Number, nil, and the obj and
// arr nodes Build uses) with sorted object keys, byte for byte as encoding/json does with HTML escaping off:
// compact, or indented by two spaces as json.MarshalIndent(v, "", "  ").

const hexDigits = "0123456789abcdef"

// appendValue appends v; depth is the indentation level of v's line when
// indent is on.
func appendValue(dst []byte, v any, indent bool, depth int) ([]byte, error) {
	switch x := v.(type) {
	case string:
		return appendString(dst, x), nil
	case *string:
		return appendString(dst, *x), nil
	case *obj:
		return appendObj(dst, x, indent, depth)
	case *arr:
		return appendArray(dst, x.vals, indent, depth)
	case map[string]any:
		return appendObject(dst, x, indent, depth)
	case []any:
		return appendArray(dst, x, indent, depth)
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case json.Number:
		if !validNumber(string(x)) {
			return dst, fmt.Errorf("invalid number %q", string(x))
		}
		return append(dst, x...), nil
	case nil:
		return append(dst, "null"...), nil
	case []string:
		// Accepted for convenience (schemas lists built by callers).
		if len(x) == 0 {
			return append(dst, "[]"...), nil
		}
		dst = append(dst, '[')
		for i, s := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = newline(dst, indent, depth+1)
			dst = appendString(dst, s)
		}
		dst = newline(dst, indent, depth)
		return append(dst, ']'), nil
	}
	return dst, fmt.Errorf("unsupported type %T in plan data", v)
}

func newline(dst []byte, indent bool, depth int) []byte {
	if !indent {
		return dst
	}
	dst = append(dst, '\n')
	for range depth {
		dst = append(dst, ' ', ' ')
	}
	return dst
}

func appendObject(dst []byte, m map[string]any, indent bool, depth int) ([]byte, error) {
	if len(m) == 0 {
		return append(dst, "{}"...), nil
	}
	var buf [24]string
	keys := buf[:0]
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	dst = append(dst, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = newline(dst, indent, depth+1)
		dst = appendString(dst, k)
		dst = append(dst, ':')
		if indent {
			dst = append(dst, ' ')
		}
		if dst, err = appendValue(dst, m[k], indent, depth+1); err != nil {
			return dst, err
		}
	}
	dst = newline(dst, indent, depth)
	return append(dst, '}'), nil
}

func appendObj(dst []byte, o *obj, indent bool, depth int) ([]byte, error) {
	n := len(o.keys)
	if n == 0 {
		return append(dst, "{}"...), nil
	}
	// Sort an index of the keys (insertion sort: objects are small).
	var buf [32]int
	order := buf[:0]
	if n > len(buf) {
		order = make([]int, 0, n)
	}
	for i := range n {
		j := len(order)
		order = append(order, i)
		for ; j > 0 && o.keys[order[j-1]] > o.keys[i]; j-- {
			order[j] = order[j-1]
		}
		order[j] = i
	}
	dst = append(dst, '{')
	var err error
	for i, oi := range order {
		k := o.keys[oi]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = newline(dst, indent, depth+1)
		dst = appendString(dst, k)
		dst = append(dst, ':')
		if indent {
			dst = append(dst, ' ')
		}
		if dst, err = appendValue(dst, o.vals[oi], indent, depth+1); err != nil {
			return dst, err
		}
	}
	dst = newline(dst, indent, depth)
	return append(dst, '}'), nil
}

func appendArray(dst []byte, a []any, indent bool, depth int) ([]byte, error) {
	if len(a) == 0 {
		return append(dst, "[]"...), nil
	}
	dst = append(dst, '[')
	var err error
	for i, v := range a {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = newline(dst, indent, depth+1)
		if dst, err = appendValue(dst, v, indent, depth+1); err != nil {
			return dst, err
		}
	}
	dst = newline(dst, indent, depth)
	return append(dst, ']'), nil
}

// sortStrings sorts small key sets by insertion, larger ones with slices.Sort.
func sortStrings(s []string) {
	if len(s) > 12 {
		slices.Sort(s)
		return
	}
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// safe[c] is true for ASCII bytes that need no escaping in a JSON string.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// appendString appends s as a JSON string the way encoding/json does with
// HTML escaping off: invalid UTF-8 becomes U+FFFD, U+2028 and U+2029 are
// escaped.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip eight plain ASCII bytes at a time: no byte < 0x20, none
		// '"' or '\\', none >= 0x80.
		for i+8 <= len(s) {
			x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
				uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
			const lo, hi = 0x0101010101010101, 0x8080808080808080
			q, bs := x^(lo*'"'), x^(lo*'\\')
			if ((x-lo*0x20)&^x|(q-lo)&^q|(bs-lo)&^bs|x)&hi != 0 {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	if i == len(s) {
		return false
	}
	switch {
	case s[i] == '0':
		i++
	case s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(s)
}

// appendOperation appends one bulk operation in scim.BulkOperation field
// order (method, bulkId, path, data) at depth 2 of a request.
func appendOperation(dst []byte, op *Operation, indent bool) ([]byte, error) {
	const depth = 2
	dst = append(dst, '{')
	dst = newline(dst, indent, depth+1)
	dst = appendKey(dst, "method", indent)
	dst = appendString(dst, op.Method)
	if op.BulkID != "" {
		dst = append(dst, ',')
		dst = newline(dst, indent, depth+1)
		dst = appendKey(dst, "bulkId", indent)
		dst = appendString(dst, op.BulkID)
	}
	if op.Path != "" {
		dst = append(dst, ',')
		dst = newline(dst, indent, depth+1)
		dst = appendKey(dst, "path", indent)
		dst = appendString(dst, op.Path)
	}
	if op.data != nil {
		dst = append(dst, ',')
		dst = newline(dst, indent, depth+1)
		dst = appendKey(dst, "data", indent)
		var err error
		if dst, err = appendValue(dst, op.data, indent, depth+1); err != nil {
			return dst, err
		}
	}
	dst = newline(dst, indent, depth)
	return append(dst, '}'), nil
}

func appendKey(dst []byte, k string, indent bool) []byte {
	dst = appendString(dst, k)
	if indent {
		return append(dst, ':', ' ')
	}
	return append(dst, ':')
}

// requestHead and requestTail frame the encoded operations of a request.
func requestHead(dst []byte, failOnErrors *int, indent bool) []byte {
	dst = append(dst, '{')
	dst = newline(dst, indent, 1)
	dst = appendKey(dst, "schemas", indent)
	dst = append(dst, '[')
	dst = newline(dst, indent, 2)
	dst = appendString(dst, schemaBulkRequest)
	dst = newline(dst, indent, 1)
	dst = append(dst, ']', ',')
	if failOnErrors != nil {
		dst = newline(dst, indent, 1)
		dst = appendKey(dst, "failOnErrors", indent)
		dst = strconv.AppendInt(dst, int64(*failOnErrors), 10)
		dst = append(dst, ',')
	}
	dst = newline(dst, indent, 1)
	dst = appendKey(dst, "Operations", indent)
	dst = append(dst, '[')
	return dst
}

func requestTail(dst []byte, indent bool) []byte {
	dst = newline(dst, indent, 1)
	dst = append(dst, ']')
	dst = newline(dst, indent, 0)
	return append(dst, '}')
}
