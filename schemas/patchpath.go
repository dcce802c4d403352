package schemas

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// pathTarget is what a PATCH path names in the schemas.
type pathTarget struct {
	loc      string // schema of the named attribute (or extension)
	itemsLoc string // schema of one element when the attribute is multi-valued and the path does not select elements
	lenient  bool   // the value check is strict-only (a filter selecting whole elements)
	note     string // a strict-only remark on the path itself
}

// pathIndex resolves PATCH paths against the schema documents.
type pathIndex struct {
	docs docSet
	urns map[string]string // schema URN → location of its attributes
	keys []string          // URNs, longest first

	cache  sync.Map     // resolved paths: string → *pathResult
	cached atomic.Int32 // entries in cache, at most about maxCachedPaths
	recent [64]atomic.Pointer[pathResult]
}

// pathResult is a resolved path, kept so that the paths a plan repeats on
// every user are resolved once.
type pathResult struct {
	p   string
	t   pathTarget
	err error
}

// maxCachedPaths bounds the cache: filters carry values (roleName eq "X"),
// so the set of paths is open.
const maxCachedPaths = 4096

func newPathIndex(docs docSet) (*pathIndex, error) {
	ix := &pathIndex{docs: docs, urns: map[string]string{}}
	const core = "urn:ietf:params:scim:schemas:core:2.0:User"
	ix.urns[core] = LocUserAttributes
	raw, ok := docs.lookup(LocUserAttributes + "/properties")
	if !ok {
		return nil, fmt.Errorf("schemas: %s has no properties", LocUserAttributes)
	}
	for name := range raw.(map[string]any) {
		if strings.HasPrefix(name, "urn:") {
			ix.urns[name] = joinLoc(LocUserAttributes, "/properties/"+escapeToken(name))
		}
	}
	for u := range ix.urns {
		ix.keys = append(ix.keys, u)
	}
	sort.Slice(ix.keys, func(i, j int) bool { return len(ix.keys[i]) > len(ix.keys[j]) })
	return ix, nil
}

// deref follows $ref from loc while the schema there only refers on.
func (ix *pathIndex) deref(loc string) (string, map[string]any) {
	for i := 0; i < 16; i++ {
		raw, _ := ix.docs.lookup(loc)
		m, _ := raw.(map[string]any)
		ref, hasRef := m["$ref"].(string)
		_, hasProps := m["properties"]
		_, hasItems := m["items"]
		if !hasRef || hasProps || hasItems {
			return loc, m
		}
		loc = normLoc(resolveRef(loc, ref))
	}
	return loc, nil
}

// resolve finds the schema of the attribute a PATCH path names:
//
//	userName, name.givenName, emails[type eq "work"].value,
//	urn:…:spend:2.0:User:locale, urn:…:spend:2.0:User (the extension).
func (ix *pathIndex) resolve(p string) (pathTarget, error) {
	// recent is a direct-mapped cache in front of cache, confirmed by
	// comparing the whole path (see recentNodes).
	slot := &ix.recent[recentSlot(p)]
	if r := slot.Load(); r != nil && r.p == p {
		return r.t, r.err
	}
	if r, ok := ix.cache.Load(p); ok {
		r := r.(*pathResult)
		slot.Store(r)
		return r.t, r.err
	}
	t, err := ix.lookupPath(p)
	if ix.cached.Load() < maxCachedPaths {
		p := strings.Clone(p) // the cache outlives the document, whose buffer may be reused
		r := &pathResult{p, t, err}
		if _, loaded := ix.cache.LoadOrStore(p, r); !loaded {
			ix.cached.Add(1)
			slot.Store(r)
		}
	}
	return t, err
}

func (ix *pathIndex) lookupPath(p string) (pathTarget, error) {
	var t pathTarget
	base, rest := LocUserAttributes, p
	if strings.HasPrefix(p, "urn:") {
		found := false
		for _, u := range ix.keys {
			if p == u || strings.HasPrefix(p, u+":") {
				base, rest, found = ix.urns[u], strings.TrimPrefix(p[len(u):], ":"), true
				if p == u+":" {
					t.note = "path ends with \":\"; name the extension without it"
				}
				break
			}
		}
		if !found {
			return t, fmt.Errorf("path %q names no schema UPS knows", p)
		}
	}
	if rest == "" {
		t.loc = base
		return t, nil
	}
	attr, filter, sub, err := splitPath(rest)
	if err != nil {
		return t, fmt.Errorf("path %q: %w", p, err)
	}
	loc, err := ix.property(base, attr)
	if err != nil {
		return t, fmt.Errorf("path %q: %w", p, err)
	}
	itemsLoc, multi := ix.items(loc)
	switch {
	case filter && !multi:
		return t, fmt.Errorf("path %q: %s is single-valued and cannot take a filter", p, attr)
	case filter && sub == "":
		t.loc, t.lenient = itemsLoc, true
	case filter:
		if t.loc, err = ix.property(itemsLoc, sub); err != nil {
			return t, fmt.Errorf("path %q: %w", p, err)
		}
	case sub != "" && multi:
		return t, fmt.Errorf("path %q: %s is multi-valued; select elements with a filter: %s[…].%s", p, attr, attr, sub)
	case sub != "":
		if t.loc, err = ix.property(loc, sub); err != nil {
			return t, fmt.Errorf("path %q: %w", p, err)
		}
	default:
		t.loc = loc
		if multi {
			t.itemsLoc = itemsLoc
		}
	}
	return t, nil
}

// property returns the location of attribute name in the object at loc.
func (ix *pathIndex) property(loc, name string) (string, error) {
	dloc, m := ix.deref(loc)
	props, _ := m["properties"].(map[string]any)
	if _, ok := props[name]; !ok {
		return "", fmt.Errorf("unknown attribute %q", name)
	}
	return joinLoc(dloc, "/properties/"+escapeToken(name)), nil
}

// items returns the location of one element when loc is multi-valued.
func (ix *pathIndex) items(loc string) (string, bool) {
	dloc, m := ix.deref(loc)
	if _, ok := m["items"]; !ok {
		return "", false
	}
	return joinLoc(dloc, "/items"), true
}

// splitPath splits attr[filter].sub; the filter itself is only checked for
// balance.
func splitPath(s string) (attr string, filter bool, sub string, err error) {
	i := strings.IndexAny(s, "[.")
	if i < 0 {
		return s, false, "", checkName(s)
	}
	attr = s[:i]
	if err := checkName(attr); err != nil {
		return "", false, "", err
	}
	rest := s[i:]
	if rest[0] == '[' {
		end, err := filterEnd(rest)
		if err != nil {
			return "", false, "", err
		}
		filter, rest = true, rest[end+1:]
		if rest == "" {
			return attr, true, "", nil
		}
		if rest[0] != '.' {
			return "", false, "", fmt.Errorf("unexpected %q after the filter", rest)
		}
	}
	sub = rest[1:]
	return attr, filter, sub, checkName(sub)
}

// filterEnd returns the index of the ']' that closes the filter s opens
// with '[' (scim.ClosingBracket); an empty filter is an error.
func filterEnd(s string) (int, error) {
	i := scim.ClosingBracket(s, 0)
	if i < 0 {
		return 0, fmt.Errorf("filter without closing ]")
	}
	if strings.TrimSpace(s[1:i]) == "" {
		return 0, fmt.Errorf("empty filter")
	}
	return i, nil
}

// checkName checks that s is an attribute name (scim.NameChar).
func checkName(s string) error {
	if s == "" {
		return fmt.Errorf("empty attribute name")
	}
	for i := 0; i < len(s); i++ {
		if !scim.NameChar(s[i]) {
			return fmt.Errorf("%q is not an attribute name", s)
		}
	}
	return nil
}

// joinLoc appends a JSON pointer to a schema location.
func joinLoc(loc, rel string) string {
	doc, ptr := splitLoc(loc)
	return doc + "#" + ptr + rel
}
