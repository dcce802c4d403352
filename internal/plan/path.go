package plan

import (
	"fmt"
	"strings"
	"unsafe"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/scim"
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
func strHash(s string) uint64 { return fnvAdd(fnvOffset, s) }

// segment is one step of an attribute path: a name, optionally with a value
// filter selecting elements of a multi-valued attribute.
type segment struct {
	name   string
	filter []cond // nil: no filter
	multi  int    // single, multiComplex or multiSimple
	ptr    string // JSON pointer token of name (escaped)
	at     int    // where name was found in its object last (obj.findAt)
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
	extAt     int    // where schema was found in the root last (obj.findAt)
	mem       memberInfo
	removes   map[string]*string // member → remove path
	err       error
}

// parseAttrPath parses path inside schema.
func parseAttrPath(schema, path string) *attrPath {
	ap := &attrPath{rawSchema: schema, rawPath: path, schema: model.ExpandSchema(schema)}
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

// parseSegments splits `a.b[k eq "v"].c` into segments (scim.NextSegment),
// each filter an element selector (scim.ParseSelector).
func parseSegments(p string) ([]segment, error) {
	var segs []segment
	for i := 0; i >= 0; {
		ss, next, err := scim.NextSegment(p, i)
		if err != nil {
			return nil, err
		}
		name := ss.Name
		if name == misspelledTD {
			name = temporaryDelg
		}
		sg := segment{name: name}
		if ss.HasFilter {
			f, err := parseFilter(ss.Filter)
			if err != nil {
				return nil, err
			}
			sg.filter = f
		}
		segs = append(segs, sg)
		i = next
	}
	return segs, nil
}

// parseFilter parses `k eq v [and k2 eq v2 ...]`, the only filter form a
// PATCH path needs to select one element (scim.ParseSelector).
func parseFilter(f string) ([]cond, error) {
	terms, err := scim.ParseSelector(f)
	if err != nil {
		return nil, err
	}
	out := make([]cond, len(terms))
	for i, tm := range terms {
		out[i] = cond{key: tm.Key, val: tm.Value}
		if v, ok := tm.Value.(string); ok {
			out[i].h = strHash(v)
		}
	}
	return out, nil
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
	direct *[siteSlots]sitePath
}

// sitePath is an entry of pathCache.direct, a cache of bySite indexed by
// the Site's address: no hashing, and room for every Site.
type sitePath struct {
	site *model.Site
	ap   *attrPath
}

const (
	siteBits  = 10
	siteSlots = 1 << siteBits
)

// siteSlot is a multiplicative hash of s's address, whose top bits take
// every bit into account: Sites are rows of one array, a stride apart,
// and their addresses' low bits repeat (by address bits 4 to 13, 6% of
// the mixed shape's values missed).
func siteSlot(s *model.Site) int {
	return int(uint64(uintptr(unsafe.Pointer(s))) * 0x9e3779b97f4a7c15 >> (64 - siteBits))
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
	var d *sitePath
	if a.Site != nil {
		if c.direct == nil {
			c.direct = new([siteSlots]sitePath)
		}
		d = &c.direct[siteSlot(a.Site)]
	}
	var ap *attrPath
	if d != nil && d.site == a.Site && model.SameString(d.ap.rawPath, path) && model.SameString(d.ap.rawSchema, schema) {
		ap = d.ap
	} else {
		ap = c.bySite[a.Site]
		if ap == nil || ap.rawPath != path || ap.rawSchema != schema {
			ap = c.get(schema, path)
			if a.Site != nil && len(c.bySite) < maxSites {
				if c.bySite == nil {
					c.bySite = make(map[*model.Site]*attrPath)
				}
				c.bySite[a.Site] = ap
			}
		}
		if d != nil {
			*d = sitePath{a.Site, ap}
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
