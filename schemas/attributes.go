package schemas

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Attribute lookup: which attribute paths the schema files know, for the
// mapping tables' checks (LookupAttribute, LookupElementAttribute).
//
// The catalogue is built once per process from the schema files as
// written, in the default variant (x-strict ignored): a tree of attribute
// nodes per schema URN, so that a lookup is one map access per path
// segment. Paths use the attribute notation of the mapping tables, which
// is SCIM filter notation going as deep as the schemas do:
//
//	name.givenName
//	emails[type eq "work"].value
//	customData[id eq "custom2"].value
//	report[primary eq true].approver.employeeNumber
//
// A multi-valued attribute is either the last segment (roles,
// entitlements: the attribute as a whole) or selects one element with a
// filter of `sub eq value` terms joined by `and` (the only form the plan
// can match). A filter's sub-attributes must exist in the element and its
// values must fit their type and enumerated values.
//
// Case: RFC 7643 makes attribute names case-insensitive, but UPS reads
// its JSON case-sensitively in practice (givenname is not givenName). So
// names must match exactly, and a name that differs only in case is an
// error whose suggestion is the right spelling; the same holds for
// enumerated filter values (type eq "Work").

// Attribute is what a path names in a UPS schema.
type Attribute struct {
	Schema string // schema URN
	Path   string // the path, as given
	// Types are the JSON types the attribute's value may have ("string",
	// "boolean", "integer", "number", "object", "array", "null"); nil when
	// the schema does not say.
	Types []string
	// Multi is set when the path names a multi-valued attribute as a
	// whole (roles, entitlements), not one element of it.
	Multi bool
	// Complex is set when the attribute (or, for Multi, each element) has
	// sub-attributes, and when the path names a whole element
	// (emails[type eq "work"]).
	Complex bool
	// Enum lists the string values the schema allows, if it lists them
	// (for Multi, those of each element).
	Enum []string
}

// HasType reports whether the attribute's value may have JSON type t, or
// whether the schema does not say.
func (a Attribute) HasType(t string) bool {
	if len(a.Types) == 0 {
		return true
	}
	for _, x := range a.Types {
		if x == t || (t == "integer" && x == "number") {
			return true
		}
	}
	return false
}

// AttributeError is a path (or schema) that the schema files do not know.
type AttributeError struct {
	Schema string // schema URN, as given
	Path   string // the path, as given; "" when the schema is unknown
	// Problem says what is wrong, without schema or path:
	// `no attribute "givenNameTYPO" in name`.
	Problem string
	// Suggest is the closest known path (the whole path, with the rest of
	// the given one), or the closest schema URN for an unknown schema; ""
	// when nothing is close enough.
	Suggest string
	// SuggestSchema is the URN that Suggest belongs to when it is in
	// another schema than Schema ("locale" is in the spend User
	// extension, not in core); "" otherwise.
	SuggestSchema string
	// UnknownSchema is set when Schema itself is not known.
	UnknownSchema bool
}

func (e *AttributeError) Error() string {
	var b strings.Builder
	if e.UnknownSchema {
		b.WriteString("unknown schema " + strconv.Quote(e.Schema))
	} else {
		b.WriteString(e.Schema + ": path " + strconv.Quote(e.Path) + ": " + e.Problem)
	}
	if e.Suggest != "" {
		b.WriteString("; did you mean ")
		if e.SuggestSchema != "" {
			b.WriteString(e.SuggestSchema + " ")
		}
		b.WriteString(e.Suggest + "?")
	}
	return b.String()
}

// attrNode is one attribute of the catalogue.
type attrNode struct {
	name  string
	path  string // dotted from the schema (or element) root, filters left out
	types []string
	enum  []string // string values of enum (of the elements when multi)
	multi bool
	subs  map[string]*attrNode // sub-attributes (of one element when multi)
	names []string             // keys of subs, sorted
}

// catalog is every attribute of every UPS schema.
type catalog struct {
	roots map[string]*attrNode // schema URN → its attributes
	urns  []string             // sorted
}

var attrCatalog = sync.OnceValues(buildCatalog)

const coreURN = "urn:ietf:params:scim:schemas:core:2.0:User"

// maxAttrDepth bounds the walk of the schemas (they nest three deep).
const maxAttrDepth = 8

// catBuilder decodes the schema files the catalogue needs, when first
// referred to (the plan, bulk and PatchOp schemas are never read).
type catBuilder struct {
	docs map[string]any
	err  error
}

func (b *catBuilder) doc(url string) any {
	if d, ok := b.docs[url]; ok {
		return d
	}
	var d any
	data, err := schemaFS.ReadFile(strings.TrimPrefix(url, BaseURL))
	if err == nil {
		d, err = decodeJSON(data)
	}
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("schemas: %s: %w", url, err)
	}
	b.docs[url] = d
	return d
}

// deref follows $ref from the schema m of document url while m only
// refers on (as pathIndex.deref does), returning the document and schema
// reached.
func (b *catBuilder) deref(url string, m map[string]any) (string, map[string]any) {
	for i := 0; i < 16; i++ {
		ref, ok := m["$ref"].(string)
		_, hasProps := m["properties"]
		_, hasItems := m["items"]
		if !ok || hasProps || hasItems {
			return url, m
		}
		var ptr string
		url, ptr = splitLoc(resolveRef(url, ref))
		raw, _ := pointerGet(b.doc(url), ptr)
		m, _ = raw.(map[string]any)
	}
	return url, nil
}

func buildCatalog() (*catalog, error) {
	b := &catBuilder{docs: map[string]any{}}
	raw, _ := pointerGet(b.doc(LocUser), "/$defs/attributes")
	attrs, _ := raw.(map[string]any)
	if b.err != nil {
		return nil, b.err
	}
	if attrs == nil {
		return nil, fmt.Errorf("schemas: %s has no attributes", LocUserAttributes)
	}
	core := b.node(LocUser, attrs, "", "", 0)
	c := &catalog{roots: map[string]*attrNode{coreURN: core}, urns: []string{coreURN}}
	for name, sub := range core.subs {
		if !strings.HasPrefix(name, "urn:") {
			continue
		}
		delete(core.subs, name)
		sub.name, sub.path = "", ""
		c.roots[name] = sub
		c.urns = append(c.urns, name)
	}
	core.names = sortedNames(core.subs)
	sort.Strings(c.urns)
	if b.err != nil {
		return nil, b.err
	}
	return c, nil
}

// node builds the attribute of schema m (in document url) and, below it,
// its sub-attributes; an extension's sub-attributes have paths relative to
// the extension.
func (b *catBuilder) node(url string, m map[string]any, name, path string, depth int) *attrNode {
	n := &attrNode{name: name, path: path}
	url, m = b.deref(url, m)
	n.types, n.enum = typesOf(m)
	if items, ok := m["items"].(map[string]any); ok {
		n.multi = true
		url, m = b.deref(url, items)
		_, n.enum = typesOf(m)
	}
	props, _ := m["properties"].(map[string]any)
	if len(props) == 0 || depth >= maxAttrDepth {
		return n
	}
	n.subs = make(map[string]*attrNode, len(props))
	for sub, ps := range props {
		p := sub
		if path != "" {
			p = path + "." + sub
		} else if strings.HasPrefix(sub, "urn:") {
			p = ""
		}
		sm, _ := ps.(map[string]any)
		n.subs[sub] = b.node(url, sm, sub, p, depth+1)
	}
	n.names = sortedNames(n.subs)
	return n
}

func sortedNames(m map[string]*attrNode) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// typesOf reads "type" (or, without it, the types of the "enum" values)
// and the string values of "enum".
func typesOf(m map[string]any) (types, enum []string) {
	seen := map[string]bool{}
	addType := func(t string) {
		if !seen[t] {
			seen[t] = true
			types = append(types, t)
		}
	}
	switch t := m["type"].(type) {
	case string:
		addType(t)
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				addType(s)
			}
		}
	}
	_, typed := m["type"]
	for _, e := range asList(m["enum"]) {
		switch x := e.(type) {
		case string:
			enum = append(enum, x)
			if !typed {
				addType("string")
			}
		case nil:
			if !typed {
				addType("null")
			}
		case bool:
			if !typed {
				addType("boolean")
			}
		case json.Number:
			if !typed {
				addType("number")
			}
		}
	}
	return types, enum
}

// SchemaURNs lists the schema URNs the schema files describe, sorted.
func SchemaURNs() ([]string, error) {
	c, err := attrCatalog()
	if err != nil {
		return nil, err
	}
	return append([]string(nil), c.urns...), nil
}

// LookupAttribute finds the attribute that path names in the schema
// schemaURN: "name.givenName" in core, "locale" in the spend User
// extension, `emails[type eq "work"].value`,
// `report[primary eq true].approver.employeeNumber`. An unknown schema or
// attribute, a case-only misspelling, a filter on a single-valued
// attribute, a multi-valued attribute crossed without a filter, or a filter
// naming an unknown sub-attribute or a value the schema does not allow is
// an *AttributeError, with the closest known path as Suggest when one is
// close enough. The error is only about the schema files when it is not
// an *AttributeError.
func LookupAttribute(schemaURN, path string) (Attribute, error) {
	c, err := attrCatalog()
	if err != nil {
		return Attribute{}, err
	}
	root, err := c.root(schemaURN)
	if err != nil {
		return Attribute{}, err
	}
	return c.lookup(schemaURN, root, path)
}

// LookupElementAttribute is LookupAttribute for a path relative to one
// element of the multi-valued attribute multi of the schema: the mapping
// tables address the delegate element of the Delegate extension so
// ("canPrepare", "delegate.employeeNumber" in an element of expense).
func LookupElementAttribute(schemaURN, multi, path string) (Attribute, error) {
	c, err := attrCatalog()
	if err != nil {
		return Attribute{}, err
	}
	root, err := c.root(schemaURN)
	if err != nil {
		return Attribute{}, err
	}
	elem := root.subs[multi]
	if elem == nil || !elem.multi {
		return Attribute{}, fmt.Errorf("schemas: %s has no multi-valued attribute %q", schemaURN, multi)
	}
	return c.lookup(schemaURN, elem, path)
}

func (c *catalog) root(urn string) (*attrNode, error) {
	if r, ok := c.roots[urn]; ok {
		return r, nil
	}
	return nil, &AttributeError{Schema: urn, UnknownSchema: true, Problem: "unknown schema", Suggest: Suggest(urn, c.urns)}
}

var objectType = []string{"object"}

// attribute describes n as named by path: as a whole, or (not whole, after
// a filter) as the one element a filter selects.
func (n *attrNode) attribute(urn, path string, whole bool) Attribute {
	a := Attribute{Schema: urn, Path: path, Types: n.types, Multi: n.multi && whole, Complex: n.subs != nil, Enum: n.enum}
	if n.multi && !whole {
		// A filter selected one element.
		a.Types, a.Multi, a.Complex = objectType, false, true
	}
	return a
}

// lookup walks path from root, one segment (name, optional filter) at a
// time.
func (c *catalog) lookup(urn string, root *attrNode, path string) (Attribute, error) {
	fail := func(problem string) (Attribute, error) {
		return Attribute{}, &AttributeError{Schema: urn, Path: path, Problem: problem}
	}
	if path == "" {
		return fail("empty path")
	}
	node := root
	pos := 0
	for {
		rest := path[pos:]
		end := strings.IndexAny(rest, "[.")
		if end < 0 {
			end = len(rest)
		}
		name := rest[:end]
		if err := checkName(name); err != nil {
			return fail(err.Error())
		}
		child := node.subs[name]
		if child == nil {
			return Attribute{}, c.unknown(urn, root, node, path, pos, pos+end)
		}
		pos += end
		filtered := false
		if pos < len(path) && path[pos] == '[' {
			fend, err := filterEnd(path[pos:])
			if err != nil {
				return fail(err.Error())
			}
			if !child.multi {
				return fail(fmt.Sprintf("%s is single-valued and cannot take a filter", child.path))
			}
			if err := c.checkFilter(urn, child, path, pos+1, pos+fend); err != nil {
				return Attribute{}, err
			}
			filtered = true
			pos += fend + 1
		}
		if pos == len(path) {
			return child.attribute(urn, path, !filtered), nil
		}
		if path[pos] != '.' {
			return fail(fmt.Sprintf("unexpected %q after the filter", path[pos:]))
		}
		if child.multi && !filtered {
			return fail(fmt.Sprintf("%s is multi-valued; select an element with a filter: %s[…]%s", child.path, name, path[pos:]))
		}
		if child.subs == nil {
			return fail(fmt.Sprintf("%s has no sub-attributes", child.path))
		}
		pos++
		node = child
	}
}

// unknown explains the unknown name path[start:end] under node and looks
// for what was meant: the same name in another case, a close name among
// the siblings, the same name elsewhere in the schema (or element), then
// in another schema.
func (c *catalog) unknown(urn string, root, node *attrNode, path string, start, end int) error {
	name := path[start:end]
	e := &AttributeError{Schema: urn, Path: path}
	where := ""
	if node != root {
		where = " in " + node.path
	}
	e.Problem = fmt.Sprintf("no attribute %q%s", name, where)
	if s := Suggest(name, node.names); s != "" {
		e.Suggest = path[:start] + s + path[end:]
		if strings.EqualFold(s, name) {
			e.Problem += " (attribute names are case-sensitive in UPS)"
		}
		return e
	}
	if n := find(root, name, node); n != nil {
		e.Suggest = n.path + path[end:]
		return e
	}
	if start == 0 && root == c.roots[urn] {
		for _, u := range c.urns {
			if u == urn || strings.HasSuffix(u, ":spend:2.0:Payroll") {
				continue
			}
			if n := find(c.roots[u], name, nil); n != nil {
				e.Suggest, e.SuggestSchema = n.path+path[end:], u
				return e
			}
		}
	}
	return e
}

// find returns the first attribute named name (in any case) under n, not
// counting the children of skip and not going through multi-valued
// attributes (a suggestion cannot invent their filter), breadth first.
func find(n *attrNode, name string, skip *attrNode) *attrNode {
	level := []*attrNode{n}
	for len(level) > 0 {
		var next []*attrNode
		for _, p := range level {
			if p != skip {
				for _, k := range p.names {
					if strings.EqualFold(k, name) {
						return p.subs[k]
					}
				}
			}
			for _, k := range p.names {
				if ch := p.subs[k]; ch.subs != nil && !ch.multi {
					next = append(next, ch)
				}
			}
		}
		level = next
	}
	return nil
}

// checkFilter checks the filter path[from:to] (inside the brackets) of
// the multi-valued attribute n: `sub eq value` terms joined by `and`, each
// sub a sub-attribute of the element and each value of its type and among
// its enumerated values.
func (c *catalog) checkFilter(urn string, n *attrNode, path string, from, to int) error {
	fail := func(problem string) error {
		return &AttributeError{Schema: urn, Path: path, Problem: "filter of " + n.path + ": " + problem}
	}
	i := from
	skip := func() {
		for i < to && path[i] == ' ' {
			i++
		}
	}
	word := func() (int, int) {
		skip()
		s := i
		for i < to && path[i] != ' ' {
			i++
		}
		return s, i
	}
	for {
		ks, ke := word()
		if ks == ke {
			return fail("want `attribute eq value`")
		}
		key := path[ks:ke]
		sub, err := c.filterKey(urn, n, path, ks, ke)
		if err != nil {
			return err
		}
		ops, ope := word()
		if !strings.EqualFold(path[ops:ope], "eq") {
			if ops == ope {
				return fail(fmt.Sprintf("%s without a comparison: want %s eq value", key, key))
			}
			return fail(fmt.Sprintf("operator %q: only eq selects an element", path[ops:ope]))
		}
		skip()
		vs := i
		if i < to && path[i] == '"' {
			for i++; i < to && path[i] != '"'; i++ {
				if path[i] == '\\' {
					i++
				}
			}
			if i >= to {
				return fail("unterminated string")
			}
			i++
		} else {
			for i < to && path[i] != ' ' {
				i++
			}
		}
		if vs == i {
			return fail(fmt.Sprintf("%s eq without a value", key))
		}
		if err := checkFilterValue(urn, sub, path, vs, i); err != nil {
			return err
		}
		skip()
		if i == to {
			return nil
		}
		as, ae := word()
		if !strings.EqualFold(path[as:ae], "and") {
			return fail(fmt.Sprintf("%q: only and joins terms", path[as:ae]))
		}
	}
}

// filterKey resolves the (dotted) sub-attribute path[start:end] of a
// filter in the element of n.
func (c *catalog) filterKey(urn string, n *attrNode, path string, start, end int) (*attrNode, error) {
	node := n
	for s := start; ; {
		e := strings.IndexByte(path[s:end], '.')
		if e < 0 {
			e = end
		} else {
			e += s
		}
		name := path[s:e]
		if err := checkName(name); err != nil {
			return nil, &AttributeError{Schema: urn, Path: path, Problem: "filter of " + n.path + ": " + err.Error()}
		}
		child := node.subs[name]
		if child == nil {
			ae := &AttributeError{Schema: urn, Path: path,
				Problem: fmt.Sprintf("filter of %s: no sub-attribute %q", n.path, name)}
			if sg := Suggest(name, node.names); sg != "" {
				ae.Suggest = path[:s] + sg + path[e:]
				if strings.EqualFold(sg, name) {
					ae.Problem += " (attribute names are case-sensitive in UPS)"
				}
			}
			return nil, ae
		}
		if e == end {
			return child, nil
		}
		if child.subs == nil || child.multi {
			return nil, &AttributeError{Schema: urn, Path: path,
				Problem: fmt.Sprintf("filter of %s: %s has no sub-attributes to compare", n.path, child.path)}
		}
		node, s = child, e+1
	}
}

// checkFilterValue checks the JSON literal path[start:end] against the
// attribute it is compared with.
func checkFilterValue(urn string, n *attrNode, path string, start, end int) error {
	lit := path[start:end]
	fail := func(problem, suggest string) error {
		return &AttributeError{Schema: urn, Path: path, Problem: "filter value " + lit + ": " + problem, Suggest: suggest}
	}
	var (
		typ string
		str string
		isS bool
	)
	switch {
	case len(lit) >= 2 && lit[0] == '"' && lit[len(lit)-1] == '"' && !strings.ContainsAny(lit[1:len(lit)-1], "\\\""):
		typ, str, isS = "string", lit[1:len(lit)-1], true // the usual case, without decoding
	case lit == "true" || lit == "false":
		typ = "boolean"
	default:
		var v any
		if err := json.Unmarshal([]byte(lit), &v); err != nil {
			return fail("not a JSON string, number, true, false or null", "")
		}
		switch x := v.(type) {
		case string:
			typ, str, isS = "string", x, true
		case float64:
			typ = "number"
			if x == float64(int64(x)) {
				typ = "integer"
			}
		case nil:
			return fail("null selects nothing", "")
		default:
			typ = "boolean"
		}
	}
	if isS && len(n.enum) > 0 && !contains(n.enum, str) {
		s := Suggest(str, n.enum)
		if s == "" {
			return fail(fmt.Sprintf("%s takes one of %s", n.path, quoteList(n.enum)), "")
		}
		msg := "not a value of " + n.path
		if strings.EqualFold(s, str) {
			msg += " (values are case-sensitive)"
		}
		return fail(msg, path[:start]+strconv.Quote(s)+path[end:])
	}
	if n.multi {
		return fail(fmt.Sprintf("%s is multi-valued and cannot be compared", n.path), "")
	}
	if a := n.attribute(urn, path, true); !a.HasType(typ) {
		return fail(fmt.Sprintf("%s is %s, not %s", n.path, strings.Join(a.Types, " or "), typ), "")
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func quoteList(list []string) string {
	q := make([]string, len(list))
	for i, s := range list {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// Suggest returns the candidate closest to name, or "" when none is close
// enough to be what was meant: a candidate equal to name in another case
// first, then the one at the smallest edit distance (insertions,
// deletions, substitutions and swaps of adjacent characters, ignoring
// case), if that distance is at most a third of name's length (at least
// 1, at most 4) and leaves more than half of the candidate; ties go to the
// earlier candidate.
func Suggest(name string, candidates []string) string {
	for _, c := range candidates {
		if strings.EqualFold(c, name) {
			return c
		}
	}
	limit := len(name) / 3
	if limit < 1 {
		limit = 1
	}
	if limit > 4 {
		limit = 4
	}
	best, bestD := "", limit+1
	ln := strings.ToLower(name)
	for _, c := range candidates {
		if d := editDistance(ln, strings.ToLower(c), bestD); d < bestD && 2*d < len(c) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b
// (bytes), or any value >= max once it is known to reach max.
func editDistance(a, b string, max int) int {
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := prev[j-1] + cost
			if x := prev[j] + 1; x < d {
				d = x
			}
			if x := cur[j-1] + 1; x < d {
				d = x
			}
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				if x := prev2[j-2] + 1; x < d {
					d = x
				}
			}
			cur[j] = d
			if d < rowMin {
				rowMin = d
			}
		}
		if rowMin >= max {
			return max
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
