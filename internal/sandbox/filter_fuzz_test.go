package sandbox

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// FuzzFilter parses arbitrary SCIM filters (scim.Tokens, scim.ParseFilter, through the sandbox's parseFilter). It must
// not panic. The tokens lie in the filter, in order, and an unquoted one is
// the text at its offset. A filter that does not tokenize or parse is
// refused with an error quoting it. A filter that parses evaluates without
// panic against a sample user and each of its multi-valued elements; its
// printed form (scim.FilterString) parses to a filter that prints the same and
// matches the same, and wrapping it as an unbalanced or dangling filter
// ("(f", "f)", "f and", "f eq") is refused.
func FuzzFilter(f *testing.F) {
	for _, s := range []string{
		`userName eq "U@EXAMPLE.COM"`, `userName ne "u@example.com"`, `emails[type eq "home" and value sw "h@"]`,
		`emails.value co "old"`, `nickName pr and not (title pr)`, `title eq null`,
		`urn:ietf:params:scim:schemas:extension:travel:2.0:User:groups eq 2`,
		`urn:ietf:params:scim:schemas:extension:travel:2.0:User:groups gt 3`,
		`urn:ietf:params:scim:schemas:extension:spend:2.0:User:customData[id eq "custom2"]`,
		`(userName eq "x" or nickName eq "nick") and entitlements eq "invoice"`,
		`userName eq "x" or`, `userName zz "x"`, `userName eq "x`, `emails[type eq "work"`, `"x" eq userName`,
		`meta.lastModified gt 2011-05-13T04:42:34Z`, `a eq "q\"\\"`, "a\teq\r\n1e3", `not(a pr)`, `a[b[c pr]]`,
		`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "E1"`, `x eq TRUE or y le -0.5`,
	} {
		f.Add(s)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(patchBase), &doc); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks, terr := scim.Tokens(s)
		last := -1
		for _, tk := range toks {
			if tk.Pos <= last || tk.Pos >= len(s) {
				t.Fatalf("token %q at offset %d after %d (filter of %d bytes)", tk.Text, tk.Pos, last, len(s))
			}
			last = tk.Pos
			if tk.Quoted && s[tk.Pos] != '"' {
				t.Fatalf("quoted token at offset %d does not start with a quote", tk.Pos)
			}
			if !tk.Quoted && (tk.Text == "" || !strings.HasPrefix(s[tk.Pos:], tk.Text)) {
				t.Fatalf("token %q is not the text at offset %d", tk.Text, tk.Pos)
			}
		}
		fn, err := parseFilter(s)
		if terr != nil && err == nil {
			t.Fatalf("%q does not tokenize (%v) but parses", s, terr)
		}
		if err != nil {
			if fn != nil {
				t.Fatalf("%q: a filter and an error", s)
			}
			if !strings.HasPrefix(err.Error(), "filter ") {
				t.Fatalf("error %q does not quote the filter", err)
			}
			return
		}
		want := evalAll(fn, doc)
		printed := scim.FilterString(fn)
		g, err := parseFilter(printed)
		if err != nil {
			t.Fatalf("printed form %q of %q does not parse: %v", printed, s, err)
		}
		if again := scim.FilterString(g); again != printed {
			t.Fatalf("printed form %q of %q prints as %q", printed, s, again)
		}
		if got := evalAll(g, doc); got != want {
			t.Fatalf("printed form %q of %q matches %s, the filter %s", printed, s, got, want)
		}
		for _, bad := range []string{"(" + printed, printed + ")", printed + " and", printed + " eq"} {
			if _, err := parseFilter(bad); err == nil {
				t.Fatalf("malformed filter %q parses", bad)
			}
		}
	})
}

// evalAll evaluates f against doc and every element of its multi-valued
// attributes, extensions included, and returns the results as a string of
// 0 and 1.
func evalAll(f filterNode, doc map[string]any) string {
	var b strings.Builder
	bit := func(ok bool) {
		if ok {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	bit(matchDoc(f, doc))
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				bit(matchElement(f, e))
				walk(e)
			}
		}
	}
	walk(doc)
	return b.String()
}
