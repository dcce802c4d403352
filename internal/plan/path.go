package plan

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// multiplicity of an attribute.
const (
	single        = 0
	multiComplex  = 1 // array of objects
	multiSimple   = 2 // array of strings or numbers
	misspelledTD  = "temporaryDelegatation"
	temporaryDelg = "temporaryDelegation"
)

// multiValued lists the multi-valued attributes of attributes.csv, keyed by
// schema URN and the dotted attribute names leading to them (filters left
// out). A path segment naming one of them holds an array.
var multiValued = map[string]map[string]int{
	model.SchemaCore: {
		"emails": multiComplex, "phoneNumbers": multiComplex, "addresses": multiComplex,
		"emergencyContacts": multiComplex, "emergencyContacts.phones": multiSimple,
		"emergencyContacts.emails": multiSimple, "entitlements": multiSimple,
	},
	model.SchemaEnterprise: {"leavesOfAbsence": multiComplex},
	model.SchemaSpendUser:  {"customData": multiComplex},
	model.SchemaApprover: {
		"report": multiComplex, "cashAdvance": multiComplex, "request": multiComplex,
		"invoice": multiComplex, "purchaseRequest": multiComplex, "statement": multiComplex,
		"budget": multiComplex,
	},
	model.SchemaApproverLimit: {"authorizedApprover": multiComplex, "costObjectApprover": multiComplex},
	model.SchemaDelegate:      {"expense": multiComplex, "payment": multiComplex, "purchaseRequest": multiComplex},
	model.SchemaRole:          {"roles": multiComplex, "roles.roleGroups": multiSimple},
	model.SchemaTravel:        {"groups": multiSimple, "customFields": multiComplex},
}

// cond is one `key eq value` term of a value filter.
type cond struct {
	key []string // sub-attribute names ("delegate.employeeNumber" → 2)
	val any      // string, bool, json.Number or nil
	h   uint64   // hash of val when it is a string
}

// strHash is the FNV-1a hash of s.
func strHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

// segment is one step of an attribute path: a name, optionally with a value
// filter selecting elements of a multi-valued attribute.
type segment struct {
	name   string
	filter []cond // nil: no filter
	multi  int    // single, multiComplex or multiSimple
	ptr    string // JSON pointer token of name (escaped)
}

// attrPath is a parsed Attr path inside its schema, cached per distinct
// (schema, path).
type attrPath struct {
	rawSchema string // Attr.Schema and Attr.Path as given
	rawPath   string
	schema    string // full URN
	core      bool
	path      string // path inside schema, as given (URN prefix stripped)
	segs      []segment
	patchPath string // PATCH form: path for core, "<urn>:<path>" for extensions
	extPtr    string // "/<urn>" for extensions, "" for core
	mem       memberInfo
	removes   map[string]*string // member → remove path
	err       error
}

// expandSchema turns "" into the core URN and the short tokens of
// spec/notation.csv ("spend:2.0:User") into full URNs.
func expandSchema(s string) string {
	switch {
	case s == "" || s == "core:2.0:User":
		return model.SchemaCore
	case strings.HasPrefix(s, "urn:"):
		return s
	default:
		return "urn:ietf:params:scim:schemas:extension:" + s
	}
}

// parseAttrPath parses path inside schema.
func parseAttrPath(schema, path string) *attrPath {
	ap := &attrPath{rawSchema: schema, rawPath: path, schema: expandSchema(schema)}
	ap.core = ap.schema == model.SchemaCore
	p := strings.TrimPrefix(path, ap.schema+":")
	ap.path = p
	if ap.core {
		ap.patchPath = p
	} else {
		ap.patchPath = ap.schema + ":" + p
		ap.extPtr = "/" + pointerToken(ap.schema)
	}
	segs, err := parseSegments(p)
	if err != nil {
		ap.err = fmt.Errorf("attribute path %q: %w", path, err)
		return ap
	}
	mv := multiValued[ap.schema]
	dotted := ""
	for i := range segs {
		if i > 0 {
			dotted += "."
		}
		dotted += segs[i].name
		segs[i].multi = mv[dotted]
		segs[i].ptr = pointerToken(segs[i].name)
		if segs[i].filter != nil && segs[i].multi == single {
			segs[i].multi = multiComplex
		}
	}
	ap.segs = segs
	ap.mem = ap.memberOf()
	return ap
}

// parseSegments splits `a.b[k eq "v"].c` into segments.
func parseSegments(p string) ([]segment, error) {
	if p == "" {
		return nil, fmt.Errorf("empty path")
	}
	var segs []segment
	i := 0
	for {
		start := i
		for i < len(p) && p[i] != '.' && p[i] != '[' {
			i++
		}
		name := p[start:i]
		if name == "" {
			return nil, fmt.Errorf("empty attribute name at offset %d", start)
		}
		if name == misspelledTD {
			name = temporaryDelg
		}
		sg := segment{name: name}
		if i < len(p) && p[i] == '[' {
			end, err := closingBracket(p, i)
			if err != nil {
				return nil, err
			}
			f, err := parseFilter(p[i+1 : end])
			if err != nil {
				return nil, err
			}
			sg.filter = f
			i = end + 1
		}
		segs = append(segs, sg)
		if i == len(p) {
			return segs, nil
		}
		if p[i] != '.' {
			return nil, fmt.Errorf("unexpected %q at offset %d", p[i], i)
		}
		i++
	}
}

// closingBracket returns the index of the ']' that closes the '[' at open,
// skipping quoted strings.
func closingBracket(p string, open int) (int, error) {
	inStr := false
	for j := open + 1; j < len(p); j++ {
		switch c := p[j]; {
		case inStr && c == '\\':
			j++
		case c == '"':
			inStr = !inStr
		case !inStr && c == ']':
			return j, nil
		}
	}
	return 0, fmt.Errorf("unclosed filter at offset %d", open)
}

// parseFilter parses `k eq v [and k2 eq v2 ...]`, the only filter form a
// PATCH path needs to select one element.
func parseFilter(f string) ([]cond, error) {
	var out []cond
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
		val, n, err := filterValue(rest)
		if err != nil {
			return nil, fmt.Errorf("filter %q: %w", f, err)
		}
		c := cond{key: strings.Split(key, "."), val: val}
		if v, ok := val.(string); ok {
			c.h = strHash(v)
		}
		out = append(out, c)
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

// filterValue reads a JSON literal at the start of s and returns it with
// its length.
func filterValue(s string) (any, int, error) {
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
	if !validNumber(lit) {
		return nil, 0, fmt.Errorf("bad literal %q", lit)
	}
	return json.Number(lit), n, nil
}

// pointerToken escapes a JSON pointer reference token (RFC 6901).
func pointerToken(s string) string {
	if !strings.ContainsAny(s, "~/") {
		return s
	}
	s = strings.ReplaceAll(s, "~", "~0")
	return strings.ReplaceAll(s, "/", "~1")
}

// pathCache caches parsed paths per schema and path; one per worker. The
// attributes of successive change sets tend to come in the same order with
// the same strings (the mapping table's), so the path last seen at an
// attribute index is tried first: comparing strings that share their
// bytes is immediate. Otherwise the attribute's Site, which the mapping
// engine shares between all values of a table row, finds the path without
// hashing strings.
type pathCache struct {
	byKey  map[string]map[string]*attrPath
	bySite map[*model.Site]*attrPath
	hint   []*attrPath
	names  map[string]string // interned names
}

// maxSites bounds bySite: attributes made one by one (decoded, say) have
// sites of their own, which would only fill the map.
const maxSites = 4096

// at returns the parsed path of a, the attribute at index i of a change set.
func (c *pathCache) at(i int, a *model.Attr) *attrPath {
	schema, path := a.Schema(), a.Path()
	if i < len(c.hint) {
		if h := c.hint[i]; h != nil && h.rawPath == path && h.rawSchema == schema {
			return h
		}
	}
	ap := c.bySite[a.Site]
	if ap == nil || ap.rawPath != path || ap.rawSchema != schema {
		ap = c.get(schema, path)
		if a.Site != nil && len(c.bySite) < maxSites {
			if c.bySite == nil {
				c.bySite = make(map[*model.Site]*attrPath)
			}
			c.bySite[a.Site] = ap
		}
	}
	if i < 1024 {
		for len(c.hint) <= i {
			c.hint = append(c.hint, nil)
		}
		c.hint[i] = ap
	}
	return ap
}

func (c *pathCache) get(schema, path string) *attrPath {
	if c.byKey == nil {
		c.byKey = make(map[string]map[string]*attrPath)
	}
	m := c.byKey[schema]
	if m == nil {
		m = make(map[string]*attrPath)
		c.byKey[schema] = m
	}
	ap := m[path]
	if ap == nil {
		ap = parseAttrPath(schema, path)
		c.internPath(ap)
		m[path] = ap
	}
	return ap
}

// internPath makes the names of ap share their bytes with the equal names
// of the paths parsed before (and the schema URNs with the model's
// constants): nodes get their keys from paths, and keys that share their
// bytes compare by address.
func (c *pathCache) internPath(ap *attrPath) {
	ap.schema = c.intern(ap.schema)
	for i := range ap.segs {
		sg := &ap.segs[i]
		sg.name = c.intern(sg.name)
		for j := range sg.filter {
			cd := &sg.filter[j]
			for k := range cd.key {
				cd.key[k] = c.intern(cd.key[k])
			}
			if v, ok := cd.val.(string); ok {
				cd.val = c.intern(v)
			}
		}
	}
	ap.mem.key = c.intern(ap.mem.key)
}

func (c *pathCache) intern(s string) string {
	if u, ok := boxedURNs[s]; ok {
		return u.(string)
	}
	if c.names == nil {
		c.names = make(map[string]string)
	}
	if t, ok := c.names[s]; ok {
		return t
	}
	c.names[s] = s
	return s
}

// memberInfo says where the members of an AttrMember path live.
type memberInfo struct {
	n      int    // segments up to and including the array
	key    string // element key of complex arrays ("roleName"); "" for simple arrays
	base   string // PATCH path of the array ("entitlements", "urn:…:Role:roles")
	roles  bool   // elements carry roleGroups
	simple bool
	err    error
}

// member returns where the members of the path live.
func (ap *attrPath) member() memberInfo {
	if ap.err != nil {
		return memberInfo{err: ap.err}
	}
	return ap.mem
}

// memberOf derives the memberInfo of a path: either the array itself
// ("entitlements", "roles") or array.key ("roles.roleName").
func (ap *attrPath) memberOf() memberInfo {
	var mi memberInfo
	segs := ap.segs
	last := segs[len(segs)-1]
	switch {
	case last.filter == nil && last.multi == multiSimple:
		mi.n, mi.simple = len(segs), true
	case last.filter == nil && last.multi == multiComplex:
		mi.n, mi.key = len(segs), "value"
		if last.name == "roles" {
			mi.key = "roleName"
		}
	case len(segs) >= 2 && segs[len(segs)-2].multi == multiComplex && segs[len(segs)-2].filter == nil && last.filter == nil:
		mi.n, mi.key = len(segs)-1, last.name
	default:
		return memberInfo{err: fmt.Errorf("attribute path %q does not name a multi-valued attribute for a member", ap.path)}
	}
	for i := range segs[:mi.n] {
		if segs[i].filter != nil {
			return memberInfo{err: fmt.Errorf("attribute path %q: a member path takes no filter", ap.path)}
		}
	}
	name := ""
	for i, s := range segs[:mi.n] {
		if i > 0 {
			name += "."
		}
		name += s.name
	}
	mi.roles = segs[mi.n-1].name == "roles"
	if ap.core {
		mi.base = name
	} else {
		mi.base = ap.schema + ":" + name
	}
	return mi
}

// removePath is the filtered path that removes one member
// (`entitlements[value eq "Invoice"]`, `…:roles[roleName eq "X"]`), cached
// per member.
func (ap *attrPath) removePath(member string) *string {
	if p, ok := ap.removes[member]; ok {
		return p
	}
	key := ap.mem.key
	if ap.mem.simple {
		key = "value"
	}
	p := new(string)
	*p = ap.mem.base + "[" + key + " eq " + string(appendString(nil, member)) + "]"
	if ap.removes == nil {
		ap.removes = make(map[string]*string)
	}
	ap.removes[member] = p
	return p
}
