package scim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitPath(t *testing.T) {
	for _, tt := range []struct{ path, want, err string }{
		{"name.givenName", "name|givenName", ""},
		{`emails[type eq "work"].value`, `emails[type eq "work"]|value`, ""},
		{`x[a eq "q\"]"].b`, `x[a eq "q\"]"]|b`, ""},
		{"", "", "empty path"},
		{"name..givenName", "", "empty attribute name at offset 5"},
		{"name.", "", "empty attribute name at offset 5"},
		{`emails[type eq "work"`, "", "unclosed filter at offset 6"},
		{`emails[type eq "w"]x`, "", "unexpected 'x' at offset 19"},
	} {
		segs, err := SplitPath(tt.path)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("SplitPath(%q): error %v, want %q", tt.path, err, tt.err)
			}
			continue
		}
		var parts []string
		for _, s := range segs {
			p := s.Name
			if s.HasFilter {
				p += "[" + s.Filter + "]"
				if tt.path[s.FilterOffset] != '[' {
					t.Errorf("%q: FilterOffset %d", tt.path, s.FilterOffset)
				}
			}
			if !strings.HasPrefix(tt.path[s.Offset:], s.Name) {
				t.Errorf("%q: Offset %d", tt.path, s.Offset)
			}
			parts = append(parts, p)
		}
		if got := strings.Join(parts, "|"); err != nil || got != tt.want {
			t.Errorf("SplitPath(%q) = %q, %v; want %q", tt.path, got, err, tt.want)
		}
	}
}

// TestSelectorAgainstFilter is the compatibility table of the two entry
// points: the element selector plan emits and reads (ParseSelector) and the
// filter expression the sandbox reads (ParseFilter), which accepts more.
// Where both accept, they read the same terms (checked by sameTerms).
func TestSelectorAgainstFilter(t *testing.T) {
	for _, tt := range []struct {
		f                  string
		selector, filterOK bool
	}{
		{`type eq "work"`, true, true},
		{`approvalType eq "report" and level eq 2`, true, true},
		{`a eq null AND c EQ -1.5e3`, true, true},
		{` b  eq  "é" `, true, true},
		{`delegate.employeeNumber eq "E1"`, true, true},
		{`primary eq true`, true, true},
		// The filter grammar only.
		{`type co "w"`, false, true},
		{`type eq "w" or a eq "b"`, false, true},
		{`type eq work`, false, true}, // a bare word is a string to the sandbox
		{`primary eq TRUE`, false, true},
		{"type\teq \"w\"", false, true},
		{`type eq"w"`, false, true},
		{`(type eq "w")`, false, true},
		{`not (type eq "w")`, false, true},
		{`type pr`, false, true},
		// The selector only: a key that is no filter attribute, a JSON escape.
		{`a(b eq 1`, true, false},
		{`not eq 1`, true, false},
		{`a eq "\x"`, false, true},
		// Neither.
		{`type eq`, false, false},
		{`eq "w"`, false, false},
		{`type eq "w" and`, false, false},
	} {
		terms, serr := ParseSelector(tt.f)
		fl, ferr := ParseFilter(tt.f)
		if (serr == nil) != tt.selector || (ferr == nil) != tt.filterOK {
			t.Errorf("%q: selector error %v, filter error %v; want selector ok %v, filter ok %v", tt.f, serr, ferr, tt.selector, tt.filterOK)
			continue
		}
		if serr == nil && ferr == nil {
			if d := sameTerms(terms, fl); d != "" {
				t.Errorf("%q: %s", tt.f, d)
			}
		}
	}
}

// sameTerms says how the selector's terms differ from filter f ("" when
// they are the same): f must be the eq comparisons of the terms, in order,
// joined by and, with equal values.
func sameTerms(terms []Term, f Filter) string {
	var cmps []Compare
	var walk func(Filter) bool
	walk = func(n Filter) bool {
		switch x := n.(type) {
		case Logic:
			return x.And && walk(x.Left) && walk(x.Right)
		case Compare:
			cmps = append(cmps, x)
			return true
		}
		return false
	}
	if !walk(f) {
		return fmt.Sprintf("filter %s is not an and of comparisons", FilterString(f))
	}
	if len(cmps) != len(terms) {
		return fmt.Sprintf("%d terms, %d comparisons", len(terms), len(cmps))
	}
	for i, tm := range terms {
		c := cmps[i]
		if c.Op != "eq" || c.Path != strings.Join(tm.Key, ".") {
			return fmt.Sprintf("term %d: %v eq, filter %s %s", i, tm.Key, c.Path, c.Op)
		}
		if !sameValue(tm.Value, c.Value) {
			return fmt.Sprintf("term %d: value %#v, filter %#v", i, tm.Value, c.Value)
		}
	}
	return ""
}

// sameValue compares a selector value with a filter value: numbers are
// json.Number in one, float64 (or the text, out of range) in the other.
func sameValue(sel, fil any) bool {
	if n, ok := sel.(json.Number); ok {
		switch v := fil.(type) {
		case float64:
			f, err := strconv.ParseFloat(string(n), 64)
			return err == nil && f == v
		case string:
			return v == string(n)
		}
		return false
	}
	return sel == fil
}

// FuzzSelectorFilter is the differential test of the two grammars: a
// selector (ParseSelector) whose keys are attribute paths, none of them a
// keyword of the filter grammar, and whose text is valid UTF-8 (JSON
// decoding replaces bad bytes) with no backslash (the sandbox takes the
// byte after one as it is, JSON decodes escapes) is a filter (ParseFilter)
// of the same terms. Neither parser panics.
func FuzzSelectorFilter(f *testing.F) {
	for _, s := range []string{`type eq "work"`, `approvalType eq "report" and level eq 2`, `a eq null AND c EQ -1.5e3`,
		` b  eq  "é" `, `d.e eq 1e999`, `a eq "x"and b eq false`, `type eq work`, `a(b eq 1`, `x eq "]"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, serr := ParseSelector(s)
		fl, ferr := ParseFilter(s)
		if serr != nil || strings.ContainsAny(s, "\\\t\r\n") || !utf8.ValidString(s) {
			return
		}
		for _, tm := range terms {
			for _, k := range tm.Key {
				if !ValidAttrName(k) {
					return
				}
			}
			if k := strings.ToLower(strings.Join(tm.Key, ".")); k == "not" || k == "and" || k == "or" {
				return
			}
		}
		if ferr != nil {
			t.Fatalf("selector %q is no filter: %v", s, ferr)
		}
		if d := sameTerms(terms, fl); d != "" {
			t.Fatalf("%q: %s", s, d)
		}
	})
}
