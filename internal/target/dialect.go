package target

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Schema URNs the dialect knows.
const (
	coreUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User"
	patchOpSchema  = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
)

// concurSchemas are the UPS schemas that are not RFC 7643's: removed for a
// server whose /Schemas does not list them (or that publishes no /Schemas).
var concurSchemas = []string{
	"urn:ietf:params:scim:schemas:extension:spend:2.0:User",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:ApproverLimit",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Delegate",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Role",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:UserPreference",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:WorkflowPreference",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:InvoicePreference",
	"urn:ietf:params:scim:schemas:extension:spend:2.0:Payroll",
	"urn:ietf:params:scim:schemas:extension:enterprise:2.0:Payroll",
	"urn:ietf:params:scim:schemas:extension:travel:2.0:User",
	"urn:ietf:params:scim:schemas:extension:sap:2.0:User",
}

// commonAttrs are RFC 7643 §3.1 attributes of every resource, not listed in
// schemas.
var commonAttrs = map[string]bool{"id": true, "externalid": true, "meta": true, "schemas": true}

// schemaSet is what a SCIM server's /Schemas says it supports.
type schemaSet struct {
	// listed is false when the server publishes no /Schemas: only the
	// RFC 7643 User schemas are then assumed.
	listed bool
	urns   []string
	// attrs maps a lower-case URN to its lower-case top-level attribute
	// names; a schema without attributes has none (anything goes).
	attrs map[string]map[string]bool
}

func (s *schemaSet) supports(urn string) bool {
	if s == nil || !s.listed {
		return strings.EqualFold(urn, coreUserSchema) || strings.EqualFold(urn, enterpriseSchema)
	}
	for _, u := range s.urns {
		if strings.EqualFold(u, urn) {
			return true
		}
	}
	return false
}

// hasAttr reports whether the schema urn has the top-level attribute name.
// Attributes of a schema published without attribute lists are all
// accepted, except the enterprise companyId, which is Concur's: it is kept
// only when the server's enterprise schema lists it.
func (s *schemaSet) hasAttr(urn, name string) bool {
	lname := strings.ToLower(name)
	if commonAttrs[lname] && strings.EqualFold(urn, coreUserSchema) {
		return true
	}
	var names map[string]bool
	if s != nil {
		names = s.attrs[strings.ToLower(urn)]
	}
	if len(names) == 0 {
		return !(strings.EqualFold(urn, enterpriseSchema) && lname == "companyid")
	}
	return names[lname]
}

// knownURN returns the schema URN a path or key starts with (the longest
// known one), and the rest after it; ok is false for a path in the core
// schema.
func (s *schemaSet) knownURN(path string) (urn, rest string, ok bool) {
	if !strings.HasPrefix(strings.ToLower(path), "urn:") {
		return "", path, false
	}
	cands := append([]string{coreUserSchema, enterpriseSchema}, concurSchemas...)
	if s != nil {
		cands = append(cands, s.urns...)
	}
	best := ""
	for _, c := range cands {
		if len(path) >= len(c) && strings.EqualFold(path[:len(c)], c) && (len(path) == len(c) || path[len(c)] == ':') && len(c) > len(best) {
			best = c
		}
	}
	if best == "" {
		// An unknown URN: the attribute follows the last colon before any
		// filter.
		head := path
		if i := strings.IndexAny(head, "[."); i >= 0 {
			head = head[:i]
		}
		i := strings.LastIndexByte(head, ':')
		return path[:i], path[i+1:], true
	}
	return path[:len(best)], strings.TrimPrefix(path[len(best):], ":"), true
}

// dialect is the RFC form of a UPS Bulk request for one server.
type dialect struct {
	// body is the request to send; nil when no operation is left.
	body []byte
	// index maps a sent operation's position to its original index.
	index []int
	// bulkIDs are the bulkIds of the sent operations.
	bulkIDs []string
	// methods are the methods of the sent operations.
	methods []string
	// skipped are the final results of the PATCHes left with nothing the
	// server supports (not sent).
	skipped []OpResult
	// dropped lists, by original index, the schemas removed from an
	// operation (reported as not processed).
	dropped map[int][]string
	// droppedAttrs lists, by original index, the attributes removed
	// ("urn:…:companyId").
	droppedAttrs map[int][]string
}

// toRFC rewrites a UPS Bulk request for a plain RFC 7644 server: bare
// entitlement strings become {"value": …} objects, email types are
// canonical (work, home, other), and schemas (and attributes) the server
// does not list are removed from bodies, schemas arrays and PATCH
// operations. A PATCH left with no operation is not sent.
func toRFC(body []byte, s *schemaSet) (*dialect, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var req map[string]any
	if err := dec.Decode(&req); err != nil {
		return nil, fmt.Errorf("the Bulk request is not valid JSON: %w", err)
	}
	ops, _ := req["Operations"].([]any)
	d := &dialect{dropped: map[int][]string{}, droppedAttrs: map[int][]string{}}
	var kept []any
	for i, o := range ops {
		op, _ := o.(map[string]any)
		if op == nil {
			return nil, fmt.Errorf("Operations[%d] is not an object", i)
		}
		method := strings.ToUpper(str(op["method"]))
		dr := &drops{}
		switch data, _ := op["data"].(map[string]any); {
		case data == nil:
		case method == "PATCH":
			if !rfcPatch(data, s, dr) {
				d.skipped = append(d.skipped, skippedPatch(i, str(op["bulkId"]), dr.list(), dr.attrList()))
				continue
			}
		default:
			rfcResource(data, s, dr)
		}
		if l := dr.list(); len(l) > 0 {
			d.dropped[i] = l
		}
		if l := dr.attrList(); len(l) > 0 {
			d.droppedAttrs[i] = l
		}
		kept = append(kept, op)
		d.index = append(d.index, i)
		d.bulkIDs = append(d.bulkIDs, str(op["bulkId"]))
		d.methods = append(d.methods, method)
	}
	if len(kept) == 0 {
		return d, nil
	}
	req["Operations"] = kept
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(req); err != nil {
		return nil, err
	}
	d.body = bytes.TrimRight(buf.Bytes(), "\n")
	return d, nil
}

// skippedPatch is the result of a PATCH with nothing the server supports.
func skippedPatch(index int, bulkID string, schemas, attrs []string) OpResult {
	msg := []Message{{Code: "NOT_SUPPORTED", Text: "nothing this server supports", Type: "warning"}}
	r := OpResult{Index: index, BulkID: bulkID, Completed: true, Success: true, Code: "200", Messages: msg}
	if len(attrs) > 0 {
		r.Messages = append(r.Messages, droppedAttrsMessage(attrs))
	}
	for _, u := range schemas {
		r.Extensions = append(r.Extensions, ExtResult{Schema: u, Result: ResultNoOp, Code: "200", Messages: msg})
	}
	return r
}

// droppedAttrsMessage tells which attributes were not sent.
func droppedAttrsMessage(attrs []string) Message {
	return Message{Code: "NOT_SUPPORTED", Text: "not sent (not in the server's schemas): " + strings.Join(attrs, ", "), Type: "warning"}
}

// drops collects what was removed from an operation: whole schemas and
// single attributes ("urn:…:companyId").
type drops struct{ urns, attrs []string }

func (d *drops) add(urn string) { d.urns = addFold(d.urns, urn) }

func (d *drops) attr(urn, name string) { d.attrs = addFold(d.attrs, urn+":"+name) }

func addFold(list []string, s string) []string {
	for _, u := range list {
		if strings.EqualFold(u, s) {
			return list
		}
	}
	return append(list, s)
}

func (d *drops) list() []string {
	sort.Strings(d.urns)
	return d.urns
}

func (d *drops) attrList() []string {
	sort.Strings(d.attrs)
	return d.attrs
}

// rfcResource rewrites a User body (POST, PUT, or a PATCH value object).
func rfcResource(data map[string]any, s *schemaSet, dr *drops) {
	for k, v := range data {
		if urn, rest, isURN := s.knownURN(k); isURN {
			switch {
			case rest != "":
				// "urn:…:attr" as a key: an attribute of that schema.
				switch {
				case !s.supports(urn):
					delete(data, k)
					dr.add(urn)
				case !s.hasAttr(urn, topAttr(rest)):
					delete(data, k)
					dr.attr(urn, topAttr(rest))
				}
			case !s.supports(urn):
				delete(data, k)
				dr.add(urn)
			case strings.EqualFold(urn, coreUserSchema):
				if m, ok := v.(map[string]any); ok {
					rfcAttrs(m, coreUserSchema, s, dr)
				}
			default:
				if m, ok := v.(map[string]any); ok {
					rfcAttrs(m, urn, s, dr)
				}
			}
			continue
		}
		if strings.EqualFold(k, "schemas") {
			continue
		}
		if !s.hasAttr(coreUserSchema, k) {
			delete(data, k)
			dr.attr(coreUserSchema, k)
			continue
		}
		data[k] = rfcValue(k, v)
	}
	if list, ok := data["schemas"].([]any); ok {
		out := make([]any, 0, len(list))
		for _, u := range list {
			if s.supports(str(u)) {
				out = append(out, u)
			} else {
				dr.add(str(u))
			}
		}
		data["schemas"] = out
	}
}

// rfcAttrs drops the attributes of an extension object its schema lacks.
func rfcAttrs(m map[string]any, urn string, s *schemaSet, dr *drops) {
	for k, v := range m {
		if !s.hasAttr(urn, k) {
			delete(m, k)
			dr.attr(urn, k)
			continue
		}
		if strings.EqualFold(urn, coreUserSchema) {
			m[k] = rfcValue(k, v)
		}
	}
}

// rfcValue rewrites the value of a core attribute: entitlements as
// objects, canonical email types.
func rfcValue(attr string, v any) any {
	switch strings.ToLower(attr) {
	case "entitlements":
		return entitlements(v)
	case "emails":
		if list, ok := v.([]any); ok {
			for _, e := range list {
				if m, ok := e.(map[string]any); ok {
					if t, has := m["type"]; has {
						m["type"] = emailType(str(t))
					}
				}
			}
		}
	}
	return v
}

// entitlements turns UPS's bare strings into RFC 7643 §4.1.2 objects.
func entitlements(v any) any {
	list, ok := v.([]any)
	if !ok {
		if s, isStr := v.(string); isStr {
			return []any{map[string]any{"value": s}}
		}
		return v
	}
	out := make([]any, len(list))
	for i, e := range list {
		if s, isStr := e.(string); isStr {
			out[i] = map[string]any{"value": s}
		} else {
			out[i] = e
		}
	}
	return out
}

// emailType is the RFC 7643 canonical email type (work, home, other).
func emailType(t string) string {
	switch l := strings.ToLower(strings.TrimSpace(t)); l {
	case "work", "home", "other":
		return l
	}
	return "other"
}

var emailTypeFilter = regexp.MustCompile(`(?i)^(emails\[\s*type\s+eq\s+)"((?:[^"\\]|\\.)*)"`)

// rfcPatch rewrites a PatchOp; false when no operation is left.
func rfcPatch(data map[string]any, s *schemaSet, dr *drops) bool {
	ops, _ := data["Operations"].([]any)
	var kept []any
	for _, o := range ops {
		op, _ := o.(map[string]any)
		if op == nil {
			kept = append(kept, o)
			continue
		}
		if rfcPatchOp(op, s, dr) {
			kept = append(kept, op)
		}
	}
	data["Operations"] = kept
	return len(kept) > 0
}

// rfcPatchOp rewrites one PATCH operation; false to drop it.
func rfcPatchOp(op map[string]any, s *schemaSet, dr *drops) bool {
	path := str(op["path"])
	if path == "" {
		v, ok := op["value"].(map[string]any)
		if !ok {
			return true
		}
		rfcResource(v, s, dr)
		delete(v, "schemas")
		return len(v) > 0
	}
	urn, rest, isURN := s.knownURN(path)
	rest = strings.TrimPrefix(rest, ":")
	if isURN && strings.EqualFold(urn, coreUserSchema) {
		isURN, path = false, rest
	}
	if isURN {
		if !s.supports(urn) {
			dr.add(urn)
			return false
		}
		if rest == "" {
			if m, ok := op["value"].(map[string]any); ok {
				rfcAttrs(m, urn, s, dr)
				return len(m) > 0 || str(op["op"]) == "remove"
			}
			return true
		}
		if !s.hasAttr(urn, topAttr(rest)) {
			dr.attr(urn, topAttr(rest))
			return false
		}
		return true
	}
	top := topAttr(path)
	if !s.hasAttr(coreUserSchema, top) {
		dr.attr(coreUserSchema, top)
		return false
	}
	if m := emailTypeFilter.FindStringSubmatch(path); m != nil {
		path = m[1] + `"` + emailType(m[2]) + `"` + path[len(m[0]):]
	}
	op["path"] = path
	if v, has := op["value"]; has && !strings.ContainsAny(path, "[.") {
		op["value"] = rfcValue(top, v)
	}
	return true
}

// topAttr is the top-level attribute of a path ("emails[type eq …].value"
// → "emails", "name.givenName" → "name").
func topAttr(path string) string {
	if i := strings.IndexAny(path, "[."); i >= 0 {
		return path[:i]
	}
	return path
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
