package sandbox

import (
	"fmt"
	"net/http"
	"strings"
)

var allUserSchemas = []string{urnCore, urnEnterprise, urnSpend, urnRole, urnApprover, urnApproverLimit, urnDelegate,
	urnUserPreference, urnWorkflowPreference, urnInvoicePreference, urnPayroll, urnTravel, urnSAP}

// routeMeta serves Schemas, ResourceTypes and ServiceProviderConfig.
func (s *Server) routeMeta(w http.ResponseWriter, r *http.Request, base string, rest, restRaw []string, schemas []string) bool {
	if len(rest) == 0 || len(rest) > 2 {
		return false
	}
	switch rest[0] {
	case "schemas", "resourcetypes", "serviceproviderconfig":
	default:
		return false
	}
	if r.Method != http.MethodGet {
		methodNotAllowed(w, http.MethodGet)
		return true
	}
	switch {
	case rest[0] == "schemas" && len(rest) == 1:
		var res []any
		for _, u := range schemas {
			res = append(res, schemaResource(u, base))
		}
		writeSCIM(w, http.StatusOK, listOf(res))
	case rest[0] == "schemas":
		u := canonicalSchema(restRaw[1])
		if u == "" || !containsFold(schemas, u) {
			writeError(w, notFound(fmt.Sprintf("schema %s not found", restRaw[1])))
			return true
		}
		writeSCIM(w, http.StatusOK, schemaResource(u, base))
	case rest[0] == "resourcetypes" && (len(rest) == 1 || rest[1] == "user"):
		rt := resourceType(base, schemas)
		if len(rest) == 2 {
			writeSCIM(w, http.StatusOK, rt)
		} else {
			writeSCIM(w, http.StatusOK, listOf([]any{rt}))
		}
	case rest[0] == "serviceproviderconfig" && len(rest) == 1:
		writeSCIM(w, http.StatusOK, serviceProviderConfig(base))
	default:
		writeError(w, notFound("no such resource"))
	}
	return true
}

func listOf(res []any) map[string]any {
	return map[string]any{"schemas": []string{urnListResponse}, "totalResults": len(res), "itemsPerPage": len(res), "startIndex": 1, "Resources": res}
}

func schemaName(u string) string {
	i := strings.LastIndex(u, ":")
	name := u[i+1:]
	if j := strings.LastIndex(u[:i], ":"); j >= 0 && i-j > 0 {
		name = fmt.Sprintf("%s %s", u[strings.LastIndex(u[:j], ":")+1:j], name)
	}
	return name
}

// schemaResource renders one SCIM Schema (RFC 7643 §7) from attributes.csv.
func schemaResource(u, base string) map[string]any {
	var attrs []any
	for _, d := range topAttrs(u) {
		attrs = append(attrs, attributeResource(u, d))
	}
	return map[string]any{
		"schemas":     []string{"urn:ietf:params:scim:schemas:core:2.0:Schema"},
		"id":          u,
		"name":        schemaName(u),
		"description": "UPS v4 " + schemaName(u) + " (from SAP Concur's documentation)",
		"attributes":  attrs,
		"meta":        map[string]any{"resourceType": "Schema", "location": base + "/profile/v4/Schemas/" + u},
	}
}

func attributeResource(schema string, d *attrDef) map[string]any {
	name := d.Path[strings.LastIndexByte(d.Path, '.')+1:]
	typ := map[string]string{"double": "decimal", "any": "string"}[d.Type]
	if typ == "" {
		typ = d.Type
	}
	mut := "readWrite"
	switch {
	case d.ReadOnly:
		mut = "readOnly"
	case strings.Contains(d.Note, "immutable"):
		mut = "immutable"
	}
	uniq := "none"
	if strings.Contains(d.Note, "unique") {
		uniq = "server"
	}
	a := map[string]any{
		"name": name, "type": typ, "multiValued": d.Multi, "required": d.Required,
		"caseExact": false, "mutability": mut, "returned": "default", "uniqueness": uniq,
	}
	if name == "entitlements" {
		a["returned"] = "request"
	}
	if d.Note != "" {
		a["description"] = d.Note
	}
	if len(d.Allowed) > 0 {
		a["canonicalValues"] = d.Allowed
	}
	if d.Type == "complex" {
		subs := subAttrsOf(schema, d.Path)
		var sa []any
		for _, sd := range subs {
			if sd != nil {
				sa = append(sa, attributeResource(schema, sd))
			}
		}
		if len(sa) > 0 {
			a["subAttributes"] = sa
		}
	}
	return a
}

func resourceType(base string, schemas []string) map[string]any {
	var ext []any
	for _, u := range schemas {
		if u != urnCore {
			ext = append(ext, map[string]any{"schema": u, "required": u == urnEnterprise})
		}
	}
	return map[string]any{
		"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
		"id":               "User",
		"name":             "User",
		"endpoint":         "/Users",
		"description":      "SAP Concur user (identity, spend and travel profiles)",
		"schema":           urnCore,
		"schemaExtensions": ext,
		"meta":             map[string]any{"resourceType": "ResourceType", "location": base + "/profile/v4/ResourceTypes/User"},
	}
}

func serviceProviderConfig(base string) map[string]any {
	return map[string]any{
		"schemas":          []string{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": "https://developer.concur.com/api-reference/user-provisioning/v4.user-provisioning.html",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": true, "maxOperations": MaxBulkOperations, "maxPayloadSize": MaxBulkBytes},
		"filter":           map[string]any{"supported": true, "maxResults": 1000},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": false},
		"authenticationSchemes": []any{map[string]any{
			"type": "oauthbearertoken", "name": "OAuth Bearer Token", "primary": true,
			"description": "Company JWT from POST /oauth2/v0/token",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": base + "/profile/v4/ServiceProviderConfig"},
	}
}
