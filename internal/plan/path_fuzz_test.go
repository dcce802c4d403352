package plan

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// FuzzParseAttrPath parses arbitrary SCIM attribute paths (parseAttrPath,
// parseSegments, and parseFilter on its own) in the schemas of the mapping
// tables. It must not panic and must give the same answer twice. A path
// that parses has non-blank segment names without '.' or '['; it parses
// to the same segments from its canonical form (canonicalPath: filters
// re-encoded, one space around eq and and) whenever its filter keys hold
// no quote, bracket or backslash, and from its PATCH form (patchPath). A
// path naming a multi-valued attribute's members gives remove paths
// (removePath) that parse back to a filter selecting that very member.
func FuzzParseAttrPath(f *testing.F) {
	paths := []string{
		"name.givenName", `emails[type eq "work"].value`, `customData[id eq "custom2"].value`,
		`report[primary eq true].approver.employeeNumber`,
		`authorizedApprover[approvalType eq "report" and level eq 2].approvalLimit`,
		`x[a eq "q\"]"].b`, "temporaryDelegatation.temporaryDelegationToDate", "entitlements", "roles.roleName",
		"roles.roleGroups", "emergencyContacts.phones", "", "name..givenName", `emails[type eq "work"`,
		`emails[type co "w"].value`, `emails[type eq "w" or a eq "b"].value`, `emails[type eq work].value`,
		`emails[type eq "w"]x`, `a[b eq null AND c EQ -1.5e3].d`, `a[ b  eq  "\u00e9\ud83d\ude00" ]`,
		`a[b.c eq false]`, model.SchemaTravel + ":ruleClass.id",
	}
	schemas := []string{"", model.SchemaCore, "spend:2.0:User", model.SchemaSpendUser, model.SchemaApprover, model.SchemaApproverLimit, model.SchemaRole, model.SchemaTravel, model.SchemaEnterprise, elemSchema}
	for i, p := range paths {
		f.Add(schemas[i%len(schemas)], p, "Invoice")
	}
	f.Add(model.SchemaRole, "roles", `EXP "admin"\`)
	f.Fuzz(func(t *testing.T, schema, path, member string) {
		checkFilter(t, path)
		ap := parseAttrPath(schema, path)
		if again := parseAttrPath(schema, path); !sameParse(ap, again) {
			t.Fatalf("two parses of %q differ", path)
		}
		if ap.err != nil {
			if ap.segs != nil {
				t.Fatalf("failed parse of %q has segments", path)
			}
			return
		}
		if len(ap.segs) == 0 {
			t.Fatalf("%q parses to no segment", path)
		}
		plain := true
		for _, sg := range ap.segs {
			if sg.name == "" || strings.ContainsAny(sg.name, ".[") {
				t.Fatalf("%q: segment name %q", path, sg.name)
			}
			if sg.filter != nil && len(sg.filter) == 0 {
				t.Fatalf("%q: empty filter", path)
			}
			for _, c := range sg.filter {
				k := strings.Join(c.key, ".")
				if k == "" || strings.ContainsAny(k, " ") {
					t.Fatalf("%q: filter key %q", path, k)
				}
				plain = plain && !strings.ContainsAny(k, `"[]\`)
				if s, ok := c.val.(string); ok && c.h != strHash(s) {
					t.Fatalf("%q: hash of %q is stale", path, s)
				}
			}
		}
		if plain {
			canon := canonicalPath(ap.segs)
			segs, err := parseSegments(canon)
			if err != nil {
				t.Fatalf("canonical form %q of %q does not parse: %v", canon, path, err)
			}
			if !sameSyntax(segs, ap.segs) {
				t.Fatalf("canonical form %q of %q parses to %+v, want %+v", canon, path, segs, ap.segs)
			}
		}
		if !ap.core || !strings.HasPrefix(ap.path, model.SchemaCore+":") {
			if pp := parseAttrPath(ap.schema, ap.patchPath); pp.err != nil || !sameSegments(pp.segs, ap.segs) {
				t.Fatalf("PATCH form %q of %q parses differently: %v", ap.patchPath, path, pp.err)
			}
		}
		mi := ap.member()
		if mi.err != nil || !utf8.ValidString(member) {
			return
		}
		if mi.n < 1 || mi.n > len(ap.segs) || (!mi.simple && mi.key == "") {
			t.Fatalf("%q: member info %+v", path, mi)
		}
		rp := ap.removePath(member)
		if ap.removePath(member) != rp {
			t.Fatalf("remove path of %q is not cached", member)
		}
		rap := parseAttrPath(ap.schema, *rp)
		if rap.err != nil {
			if plainName(mi.key) {
				t.Fatalf("remove path %q of %q does not parse: %v", *rp, path, rap.err)
			}
			return
		}
		last := rap.segs[len(rap.segs)-1]
		key := mi.key
		if mi.simple {
			key = "value"
		}
		if len(rap.segs) != mi.n || len(last.filter) != 1 || strings.Join(last.filter[0].key, ".") != key || last.filter[0].val != member {
			t.Fatalf("remove path %q of member %q of %q parses to %+v", *rp, member, path, rap.segs)
		}
	})
}

// checkFilter parses f as a filter on its own (parseFilter): a filter
// that parses with plain keys parses the same from its canonical form.
func checkFilter(t *testing.T, f string) {
	t.Helper()
	conds, err := parseFilter(f)
	if err != nil {
		if conds != nil {
			t.Fatalf("filter %q: conditions and an error", f)
		}
		return
	}
	if len(conds) == 0 {
		t.Fatalf("filter %q parses to nothing", f)
	}
	for _, c := range conds {
		if !plainName(strings.Join(c.key, ".")) {
			return
		}
	}
	canon := canonicalPath([]segment{{name: "x", filter: conds}})
	canon = canon[2 : len(canon)-1] // x[…]
	again, err := parseFilter(canon)
	if err != nil || !reflect.DeepEqual(again, conds) {
		t.Fatalf("canonical form %q of filter %q parses to %+v (%v), want %+v", canon, f, again, err, conds)
	}
}

// plainName reports whether a name can stand as a filter key (no space,
// quote, bracket or backslash).
func plainName(s string) bool { return s != "" && !strings.ContainsAny(s, " \t\n\r\"[]\\") }

// canonicalPath prints segments in the form parseSegments reads.
func canonicalPath(segs []segment) string {
	var b []byte
	for i, sg := range segs {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, sg.name...)
		if sg.filter == nil {
			continue
		}
		b = append(b, '[')
		for j, c := range sg.filter {
			if j > 0 {
				b = append(b, " and "...)
			}
			b = append(b, strings.Join(c.key, ".")...)
			b = append(b, " eq "...)
			switch v := c.val.(type) {
			case nil:
				b = append(b, "null"...)
			case bool:
				if v {
					b = append(b, "true"...)
				} else {
					b = append(b, "false"...)
				}
			case string:
				b = appendString(b, v)
			case json.Number:
				b = append(b, v...)
			}
		}
		b = append(b, ']')
	}
	return string(b)
}

// sameSegments compares what two parses found (names, filters, kinds).
func sameSegments(a, b []segment) bool {
	if !sameSyntax(a, b) {
		return false
	}
	for i := range a {
		if a[i].multi != b[i].multi || a[i].ptr != b[i].ptr {
			return false
		}
	}
	return true
}

// sameSyntax compares the names and filters of segments (what
// parseSegments fills in).
func sameSyntax(a, b []segment) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.name != y.name || (x.filter == nil) != (y.filter == nil) || len(x.filter) != len(y.filter) {
			return false
		}
		for j := range x.filter {
			if !reflect.DeepEqual(x.filter[j], y.filter[j]) {
				return false
			}
		}
	}
	return true
}

func sameParse(a, b *attrPath) bool {
	if (a.err == nil) != (b.err == nil) || (a.err != nil && a.err.Error() != b.err.Error()) {
		return false
	}
	if a.schema != b.schema || a.path != b.path || a.patchPath != b.patchPath || a.extPtr != b.extPtr || a.core != b.core {
		return false
	}
	if (a.mem.err == nil) != (b.mem.err == nil) || a.mem.key != b.mem.key || a.mem.base != b.mem.base || a.mem.n != b.mem.n {
		return false
	}
	return sameSegments(a.segs, b.segs)
}
