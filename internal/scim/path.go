package scim

import (
	"encoding/json"
	"fmt"
	"strings"
)

// This file holds the lexical side of SCIM attribute paths (RFC 7644
// section 3.5.2 and 3.10): the segments of `name[filter].sub`, the bracket
// that closes a value filter, attribute names, and the element selector
// (`key eq value [and …]`), the one filter form a PATCH path needs to name
// one element. The full filter expression grammar is in filter.go.

// ClosingBracket returns the index of the ']' that closes the '[' at
// s[open], skipping double-quoted strings (in which a backslash escapes the
// next byte), or -1 when there is none.
func ClosingBracket(s string, open int) int {
	inStr := false
	for i := open + 1; i < len(s); i++ {
		switch c := s[i]; {
		case inStr && c == '\\':
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && c == ']':
			return i
		}
	}
	return -1
}

// Segment is one step of an attribute path: a name, with the text of its
// value filter when one follows in brackets.
type Segment struct {
	Name      string
	Filter    string // the text between the brackets
	HasFilter bool
	Offset    int // of Name in the path
	// FilterOffset is the offset of the '[' when HasFilter.
	FilterOffset int
}

// NextSegment reads the segment of path p that starts at offset i, and
// returns it with the offset of the next segment, -1 after the last one. A name runs up to the next '.' or '['; a '[' opens a value filter
// that runs to its ClosingBracket; a '.' separates segments. The filter
// text is not parsed: ParseSelector and ParseFilter read it.
//
// Errors: "empty path", "empty attribute name at offset N", "unclosed
// filter at offset N", "unexpected 'c' at offset N".
func NextSegment(p string, i int) (Segment, int, error) {
	if p == "" {
		return Segment{}, 0, fmt.Errorf("empty path")
	}
	start := i
	for i < len(p) && p[i] != '.' && p[i] != '[' {
		i++
	}
	sg := Segment{Name: p[start:i], Offset: start}
	if sg.Name == "" {
		return Segment{}, 0, fmt.Errorf("empty attribute name at offset %d", start)
	}
	if i < len(p) && p[i] == '[' {
		end := ClosingBracket(p, i)
		if end < 0 {
			return Segment{}, 0, fmt.Errorf("unclosed filter at offset %d", i)
		}
		sg.Filter, sg.HasFilter, sg.FilterOffset = p[i+1:end], true, i
		i = end + 1
	}
	if i == len(p) {
		return sg, -1, nil
	}
	if p[i] != '.' {
		return Segment{}, 0, fmt.Errorf("unexpected %q at offset %d", p[i], i)
	}
	return sg, i + 1, nil
}

// SplitPath splits `a.b[k eq "v"].c` into its segments (see NextSegment).
func SplitPath(p string) ([]Segment, error) {
	var segs []Segment
	for i := 0; i >= 0; {
		sg, next, err := NextSegment(p, i)
		if err != nil {
			return nil, err
		}
		segs = append(segs, sg)
		i = next
	}
	return segs, nil
}

// NameChar reports whether c may appear in an attribute name as the UPS
// schemas spell them: ASCII letters and digits, '_', '-' and '$'.
func NameChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '$'
}

// ValidAttrName reports whether s is an attribute name by RFC 7643 ATTRNAME
// (a letter, then letters, digits, '_' and '-'), '$' allowed anywhere
// ($ref).
func ValidAttrName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alpha := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !(alpha || c == '$' || i > 0 && (c >= '0' && c <= '9' || c == '_' || c == '-')) {
			return false
		}
	}
	return true
}

// Term is one `key eq value` term of an element selector.
type Term struct {
	Key   []string // sub-attribute names ("delegate.employeeNumber" → 2)
	Value any      // string, bool, json.Number or nil
}

// ParseSelector parses the element selector f, `key eq value [and key eq
// value …]`: single spaces or more between words, "eq" and "and" in any
// case, each value a JSON literal (string, number, true, false, null). It
// is the strict subset of the filter grammar (ParseFilter) that selects one
// element of a multi-valued attribute in a PATCH path; the terms come in
// the order written.
func ParseSelector(f string) ([]Term, error) {
	var out []Term
	rest := strings.TrimSpace(f)
	for {
		sp := strings.IndexByte(rest, ' ')
		if sp <= 0 {
			return nil, fmt.Errorf("filter %q: want `attr eq value`", f)
		}
		key := rest[:sp]
		rest = strings.TrimLeft(rest[sp:], " ")
		if len(rest) < 3 || !strings.EqualFold(rest[:2], "eq") || rest[2] != ' ' {
			return nil, fmt.Errorf("filter %q: only `eq` comparisons select an element", f)
		}
		rest = strings.TrimLeft(rest[3:], " ")
		val, n, err := jsonLiteral(rest)
		if err != nil {
			return nil, fmt.Errorf("filter %q: %w", f, err)
		}
		out = append(out, Term{Key: strings.Split(key, "."), Value: val})
		rest = strings.TrimLeft(rest[n:], " ")
		if rest == "" {
			return out, nil
		}
		if len(rest) < 4 || !strings.EqualFold(rest[:3], "and") || rest[3] != ' ' {
			return nil, fmt.Errorf("filter %q: only `and` joins terms", f)
		}
		rest = strings.TrimLeft(rest[4:], " ")
	}
}

// jsonLiteral reads a JSON literal at the start of s and returns it with
// its length.
func jsonLiteral(s string) (any, int, error) {
	if s == "" {
		return nil, 0, fmt.Errorf("missing value")
	}
	if s[0] == '"' {
		j := 1
		for ; j < len(s); j++ {
			if s[j] == '\\' {
				j++
				continue
			}
			if s[j] == '"' {
				break
			}
		}
		if j >= len(s) {
			return nil, 0, fmt.Errorf("unterminated string")
		}
		var v string
		if err := json.Unmarshal([]byte(s[:j+1]), &v); err != nil {
			return nil, 0, fmt.Errorf("bad string %s: %w", s[:j+1], err)
		}
		return v, j + 1, nil
	}
	n := strings.IndexAny(s, " ]")
	if n < 0 {
		n = len(s)
	}
	lit := s[:n]
	switch lit {
	case "true":
		return true, n, nil
	case "false":
		return false, n, nil
	case "null":
		return nil, n, nil
	}
	if !ValidNumber(lit) {
		return nil, 0, fmt.Errorf("bad literal %q", lit)
	}
	return json.Number(lit), n, nil
}

// ValidNumber reports whether s is a JSON number (RFC 8259 section 6).
func ValidNumber(s string) bool {
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
