package sandbox

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// patchOp is one operation of a SCIM PatchOp (RFC 7644 §3.5.2).
type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

// patchPath is a parsed PATCH path: [schema:]attr[filter][.sub].
type patchPath struct {
	Schema string // canonical URN; urnCore for core attributes
	Attr   string // "" addresses the whole schema (extension object)
	Filter filterNode
	Sub    string
}

// parsePatchPath parses a PATCH path. Besides RFC 7644 it tolerates two forms
// found in Concur's Postman collection: a trailing colon after an extension
// URN ("urn:...:spend:2.0:User:") and a filter without brackets on a
// primitive multi-valued attribute (`entitlements eq "Invoice"`).
func parsePatchPath(p string) (patchPath, error) {
	p = strings.TrimSpace(p)
	schema, rest, ok := splitSchema(p)
	if !ok {
		return patchPath{}, fmt.Errorf("path %q: unknown schema", p)
	}
	pp := patchPath{Schema: schema}
	if rest == "" {
		return pp, nil
	}
	if i := strings.IndexByte(rest, '['); i >= 0 {
		j := scim.ClosingBracket(rest, i)
		if j < 0 {
			return pp, fmt.Errorf("path %q: unbalanced '['", p)
		}
		f, err := parseFilter(rest[i+1 : j])
		if err != nil {
			return pp, fmt.Errorf("path %q: %w", p, err)
		}
		pp.Attr, pp.Filter = rest[:i], f
		after := rest[j+1:]
		if after != "" {
			if after[0] != '.' || !scim.ValidAttrName(after[1:]) {
				return pp, fmt.Errorf("path %q: bad sub-attribute %q", p, after)
			}
			pp.Sub = after[1:]
		}
	} else if name, cond, found := strings.Cut(rest, " "); found {
		f, err := parseFilter("value " + strings.TrimSpace(cond))
		if err != nil {
			return pp, fmt.Errorf("path %q: %w", p, err)
		}
		pp.Attr, pp.Filter = name, f
	} else {
		pp.Attr, pp.Sub, _ = strings.Cut(rest, ".")
		if pp.Sub != "" && !scim.ValidAttrName(pp.Sub) {
			return pp, fmt.Errorf("path %q: bad sub-attribute %q", p, pp.Sub)
		}
	}
	if !scim.ValidAttrName(pp.Attr) {
		return pp, fmt.Errorf("path %q: bad attribute name %q", p, pp.Attr)
	}
	return pp, nil
}

// parsedOp is a validated patch operation ready to apply.
type parsedOp struct {
	op       string // add replace remove
	path     *patchPath
	value    any
	hasValue bool
}

// parsePatchOps checks the syntax of PatchOp operations (RFC 7644 §3.5.2).
func parsePatchOps(ops []patchOp) ([]parsedOp, *scimError) {
	if len(ops) == 0 {
		return nil, badRequest("invalidSyntax", "PatchOp has no Operations")
	}
	out := make([]parsedOp, 0, len(ops))
	for i, o := range ops {
		po := parsedOp{op: strings.ToLower(o.Op)}
		switch po.op {
		case "add", "replace", "remove":
		default:
			return nil, badRequest("invalidSyntax", fmt.Sprintf("Operations[%d]: op %q is not add, replace or remove", i, o.Op))
		}
		if o.Path != "" {
			pp, err := parsePatchPath(o.Path)
			if err != nil {
				return nil, badRequest("invalidPath", fmt.Sprintf("Operations[%d]: %v", i, err))
			}
			po.path = &pp
		}
		if len(o.Value) > 0 {
			if err := json.Unmarshal(o.Value, &po.value); err != nil {
				return nil, badRequest("invalidSyntax", fmt.Sprintf("Operations[%d]: value: %v", i, err))
			}
			po.hasValue = true
		}
		switch {
		case po.op != "remove" && !po.hasValue:
			return nil, badRequest("invalidValue", fmt.Sprintf("Operations[%d]: %s needs a value", i, po.op))
		case po.op == "remove" && po.path == nil:
			return nil, badRequest("noTarget", fmt.Sprintf("Operations[%d]: remove needs a path", i))
		case po.path == nil || po.path.Attr == "":
			if _, ok := po.value.(map[string]any); !ok && po.op != "remove" {
				return nil, badRequest("invalidValue", fmt.Sprintf("Operations[%d]: %s without an attribute path needs an object value", i, po.op))
			}
		}
		out = append(out, po)
	}
	return out, nil
}

// schemasOf lists the schemas an operation writes, in first-seen order.
func (o parsedOp) schemas() []string {
	if o.path != nil && (o.path.Attr != "" || o.path.Schema != urnCore) {
		return []string{o.path.Schema}
	}
	var out []string
	seen := map[string]bool{}
	m, _ := o.value.(map[string]any)
	for _, k := range sortedKeys(m) {
		s := urnCore
		if strings.HasPrefix(strings.ToLower(k), "urn:") {
			s = canonicalSchema(k)
			if s == "" {
				s = k
			}
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// restrict returns the part of the operation that writes schema.
func (o parsedOp) restrict(schema string) parsedOp {
	if o.path != nil && (o.path.Attr != "" || o.path.Schema != urnCore) {
		return o
	}
	m, _ := o.value.(map[string]any)
	sub := map[string]any{}
	for k, v := range m {
		isURN := strings.HasPrefix(strings.ToLower(k), "urn:")
		switch {
		case schema == urnCore && !isURN:
			sub[k] = v
		case isURN && (canonicalSchema(k) == schema || k == schema):
			sub[k] = v
		}
	}
	return parsedOp{op: o.op, path: o.path, value: sub, hasValue: true}
}

// applyPatch applies one operation to a user document (core attributes at
// the top level, extensions as objects under their URN).
func applyPatch(doc map[string]any, o parsedOp) *scimError {
	if o.path == nil || (o.path.Attr == "" && o.path.Schema == urnCore) {
		for _, k := range sortedKeys(o.value.(map[string]any)) {
			v := o.value.(map[string]any)[k]
			if strings.HasPrefix(strings.ToLower(k), "urn:") {
				s := canonicalSchema(k)
				if s == "" {
					return badRequest("invalidPath", fmt.Sprintf("unknown schema %q", k))
				}
				if s == urnCore {
					vm, ok := v.(map[string]any)
					if !ok {
						return badRequest("invalidValue", fmt.Sprintf("%s must be an object", k))
					}
					if err := applyAll(doc, urnCore, o.op, vm); err != nil {
						return err
					}
					continue
				}
				if err := applyExtRoot(doc, s, o.op, v); err != nil {
					return err
				}
				continue
			}
			if strings.EqualFold(k, "schemas") {
				continue
			}
			if err := applyAttr(doc, urnCore, k, o.op, v); err != nil {
				return err
			}
		}
		return nil
	}
	p := o.path
	if p.Attr == "" {
		if o.op == "remove" {
			delete(doc, keyCI(doc, p.Schema))
			return nil
		}
		return applyExtRoot(doc, p.Schema, o.op, o.value)
	}
	c := doc
	if p.Schema != urnCore {
		k := keyCI(doc, p.Schema)
		ext, _ := doc[k].(map[string]any)
		if ext == nil {
			if o.op == "remove" {
				return nil
			}
			ext = map[string]any{}
			doc[k] = ext
		}
		c = ext
	}
	if isReadOnlyTop(p.Schema, p.Attr) {
		return &scimError{Status: 400, ScimType: "mutability", Detail: fmt.Sprintf("attribute %q is read-only", p.Attr)}
	}
	switch {
	case p.Filter != nil:
		return applyFiltered(c, p, o)
	case p.Sub != "":
		return applySub(c, p, o)
	case o.op == "remove":
		key := keyCI(c, p.Attr)
		if arr, ok := c[key].([]any); ok && o.hasValue && o.value != nil {
			kept := removeValues(p.Schema, p.Attr, arr, toArray(o.value))
			setOrDelete(c, key, kept)
			return nil
		}
		delete(c, key)
		return nil
	default:
		return applyAttr(c, p.Schema, p.Attr, o.op, o.value)
	}
}

func isReadOnlyTop(schema, attr string) bool {
	return schema == urnCore && (strings.EqualFold(attr, "id") || strings.EqualFold(attr, "meta"))
}

func applyExtRoot(doc map[string]any, schema, op string, v any) *scimError {
	k := keyCI(doc, schema)
	if v == nil {
		delete(doc, k)
		return nil
	}
	vm, ok := v.(map[string]any)
	if !ok {
		return badRequest("invalidValue", fmt.Sprintf("value for %s must be an object", schema))
	}
	ext, _ := doc[k].(map[string]any)
	if ext == nil {
		ext = map[string]any{}
		doc[k] = ext
	}
	return applyAll(ext, schema, op, vm)
}

func applyAll(c map[string]any, schema, op string, vals map[string]any) *scimError {
	for _, k := range sortedKeys(vals) {
		if err := applyAttr(c, schema, k, op, vals[k]); err != nil {
			return err
		}
	}
	return nil
}

// applyAttr adds or replaces one attribute of container c. Replacing a
// multi-valued attribute replaces all its values (UPS documents this);
// adding merges them, matching elements by their key (type, id, roleName…).
func applyAttr(c map[string]any, schema, attr, op string, v any) *scimError {
	if isReadOnlyTop(schema, attr) {
		return nil // ignored in request bodies
	}
	key := keyCI(c, attr)
	if v == nil {
		delete(c, key)
		return nil
	}
	old, exists := c[key]
	_, oldArr := old.([]any)
	multi := isMulti(schema, attr) || oldArr
	if multi {
		if op == "replace" || !exists {
			c[key] = dedupe(schema, attr, toArray(v))
		} else {
			c[key] = mergeMulti(schema, attr, toArray(old), toArray(v))
		}
		return nil
	}
	vm, vIsMap := v.(map[string]any)
	om, oIsMap := old.(map[string]any)
	if vIsMap && oIsMap {
		for _, sk := range sortedKeys(vm) {
			if vm[sk] == nil {
				delete(om, keyCI(om, sk))
				continue
			}
			om[keyCI(om, sk)] = vm[sk]
		}
		return nil
	}
	c[key] = v
	return nil
}

func applySub(c map[string]any, p *patchPath, o parsedOp) *scimError {
	key := keyCI(c, p.Attr)
	cur := c[key]
	if _, isArr := cur.([]any); isArr {
		return badRequest("invalidPath", fmt.Sprintf("%s is multi-valued: select elements with a filter, as in %s[type eq \"work\"].%s", p.Attr, p.Attr, p.Sub))
	}
	m, _ := cur.(map[string]any)
	if o.op == "remove" {
		if m != nil {
			delete(m, keyCI(m, p.Sub))
			if len(m) == 0 {
				delete(c, key)
			}
		}
		return nil
	}
	if cur != nil && m == nil {
		return badRequest("invalidPath", fmt.Sprintf("%s is not a complex attribute", p.Attr))
	}
	if m == nil {
		m = map[string]any{}
		c[key] = m
	}
	if o.value == nil {
		delete(m, keyCI(m, p.Sub))
	} else {
		m[keyCI(m, p.Sub)] = o.value
	}
	return nil
}

// applyFiltered handles attr[filter] and attr[filter].sub. Adding or
// replacing through a filter of equality tests that matches nothing creates
// the element (customData[id eq "custom9"].value on a user without custom9).
func applyFiltered(c map[string]any, p *patchPath, o parsedOp) *scimError {
	key := keyCI(c, p.Attr)
	var arr []any
	switch cur := c[key].(type) {
	case nil:
	case []any:
		arr = cur
	default:
		return badRequest("invalidPath", fmt.Sprintf("%s is not multi-valued", p.Attr))
	}
	var hits []int
	for i, e := range arr {
		if matchElement(p.Filter, e) {
			hits = append(hits, i)
		}
	}
	if o.op == "remove" {
		if p.Sub != "" {
			for _, i := range hits {
				if m, ok := arr[i].(map[string]any); ok {
					delete(m, keyCI(m, p.Sub))
				}
			}
			return nil
		}
		var kept []any
		for i, e := range arr {
			if !containsInt(hits, i) {
				kept = append(kept, e)
			}
		}
		setOrDelete(c, key, kept)
		return nil
	}
	if len(hits) == 0 {
		eqs := scim.Equalities(p.Filter)
		if eqs == nil {
			return &scimError{Status: 400, ScimType: "noTarget", Detail: fmt.Sprintf("no %s element matches the filter", p.Attr)}
		}
		var elem any
		if lit, primitive := eqs["value"]; primitive && len(eqs) == 1 && p.Sub == "" && !isComplexMulti(p.Schema, p.Attr) {
			elem = lit
		} else {
			m := map[string]any{}
			for k, v := range eqs {
				m[k] = v
			}
			elem = m
		}
		arr = append(arr, elem)
		hits = []int{len(arr) - 1}
	}
	for _, i := range hits {
		m, isMap := arr[i].(map[string]any)
		switch {
		case p.Sub != "" && isMap:
			if o.value == nil {
				delete(m, keyCI(m, p.Sub))
			} else {
				m[keyCI(m, p.Sub)] = o.value
			}
		case p.Sub != "":
			return badRequest("invalidPath", fmt.Sprintf("%s has no sub-attributes", p.Attr))
		case isMap:
			if vm, ok := o.value.(map[string]any); ok {
				if o.op == "replace" {
					for k := range m {
						if _, keep := vm[k]; !keep && !isFilterKey(p.Filter, k) {
							delete(m, k)
						}
					}
				}
				for k, v := range vm {
					m[keyCI(m, k)] = v
				}
			} else {
				// Concur sends emails[type eq "work"] with a bare string: it is the value.
				m[keyCI(m, "value")] = o.value
			}
		default:
			arr[i] = o.value
		}
	}
	c[key] = arr
	return nil
}

func isComplexMulti(schema, attr string) bool {
	d := lookupDef(schema, attr)
	return d != nil && d.Type == "complex"
}

func isFilterKey(f filterNode, k string) bool {
	_, ok := scim.Equalities(f)[k]
	return ok
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func setOrDelete(c map[string]any, key string, arr []any) {
	if len(arr) == 0 {
		delete(c, key)
		return
	}
	c[key] = arr
}

func toArray(v any) []any {
	if a, ok := v.([]any); ok {
		return a
	}
	if v == nil {
		return nil
	}
	return []any{v}
}

// elementKey names the sub-attribute that identifies an element of a
// multi-valued attribute ("" when elements are matched by equality).
func elementKey(schema, attr string) string {
	switch strings.ToLower(attr) {
	case "emails", "addresses", "phonenumbers":
		if schema == urnCore {
			return "type"
		}
	case "customdata":
		return "id"
	case "customfields":
		return "name"
	case "roles":
		return "roleName"
	}
	return ""
}

func sameElement(schema, attr string, a, b any) bool {
	if sa, ok := a.(string); ok {
		sb, ok := b.(string)
		return ok && strings.EqualFold(sa, sb)
	}
	key := elementKey(schema, attr)
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if key != "" && okA && okB {
		ka, _ := getCI(ma, key)
		kb, _ := getCI(mb, key)
		sa, _ := ka.(string)
		sb, _ := kb.(string)
		// Several mobile phones are allowed; other phone types are unique.
		if strings.EqualFold(attr, "phoneNumbers") && strings.EqualFold(sa, "mobile") {
			return reflect.DeepEqual(a, b)
		}
		if sa != "" && strings.EqualFold(sa, sb) {
			return true
		}
		if sa != "" || sb != "" {
			return false
		}
	}
	return reflect.DeepEqual(a, b)
}

func mergeMulti(schema, attr string, old, add []any) []any {
	out := append([]any(nil), old...)
	for _, a := range add {
		replaced := false
		for i := range out {
			if sameElement(schema, attr, out[i], a) {
				if _, primitive := a.(string); !primitive {
					out[i] = a
				}
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, a)
		}
	}
	return out
}

func dedupe(schema, attr string, vals []any) []any {
	if elementKey(schema, attr) != "" {
		// Keyed lists keep what the client sent: validation reports duplicates.
		var out []any
		for _, v := range vals {
			dup := false
			for _, o := range out {
				if reflect.DeepEqual(o, v) {
					dup = true
					break
				}
			}
			if !dup {
				out = append(out, v)
			}
		}
		return out
	}
	return mergeMulti(schema, attr, nil, vals)
}

func removeValues(schema, attr string, arr, del []any) []any {
	var kept []any
	for _, e := range arr {
		drop := false
		for _, d := range del {
			if sameElement(schema, attr, e, d) {
				drop = true
				break
			}
		}
		if !drop {
			kept = append(kept, e)
		}
	}
	return kept
}
