package sandbox

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// vresult collects validation messages; status is the HTTP status of the
// first error (400, 404 or 409).
type vresult struct {
	msgs   []message
	status int
}

func (r *vresult) errorf(status int, path, format string, a ...any) {
	r.msgs = append(r.msgs, message{Code: "INVALID_VALUE", Message: fmt.Sprintf(format, a...), SchemaPath: path, Type: "error"})
	if r.status == 0 {
		r.status = status
	}
}

func (r *vresult) warnf(path, format string, a ...any) {
	r.msgs = append(r.msgs, message{Code: "WARNING", Message: fmt.Sprintf(format, a...), SchemaPath: path, Type: "warning"})
}

func (r *vresult) failed() bool { return r.status != 0 }

// errorsFor returns the messages whose schemaPath lies in schema.
func (r *vresult) errorsFor(schema string) (msgs []message, failed bool) {
	for _, m := range r.msgs {
		if pathSchema(m.SchemaPath) == schema {
			msgs = append(msgs, m)
			failed = failed || m.Type == "error"
		}
	}
	return msgs, failed
}

func pathSchema(p string) string {
	s, _, ok := splitSchema(p)
	if !ok {
		return urnCore
	}
	return s
}

func schemaPath(schema, path string) string { return schema + ":" + path }

// validator checks documents against attributes.csv and the rules UPS
// documents (uniqueness, references, code lists).
type validator struct {
	st        *state
	companyID string
	bulkIDs   map[string]string // bulkId → user id, this provision
	selfID    string            // the user being written ("" when created)
}

// checkObject validates every attribute of one schema object generically:
// type, multi-valuedness, canonical values, length, format and the required
// sub-attributes of complex values.
func (v *validator) checkObject(r *vresult, schema string, obj map[string]any) {
	for _, k := range sortedKeys(obj) {
		if schema == urnCore && strings.HasPrefix(strings.ToLower(k), "urn:") {
			continue
		}
		d := lookupDef(schema, k)
		if d == nil || d.ReadOnly {
			continue // unknown attributes are ignored, as UPS does
		}
		v.checkValue(r, schema, k, d, obj[k])
	}
	for _, d := range topAttrs(schema) {
		if !d.Required || d.ReadOnly || strings.EqualFold(d.Path, "schemas") {
			continue
		}
		if val, ok := getCI(obj, d.Path); !ok || val == nil {
			r.errorf(400, schemaPath(schema, d.Path), "%s is required", d.Path)
		}
	}
}

func (v *validator) checkValue(r *vresult, schema, path string, d *attrDef, val any) {
	if val == nil {
		return
	}
	if d.Multi {
		arr, ok := val.([]any)
		if !ok {
			r.errorf(400, schemaPath(schema, path), "%s must be an array", path)
			return
		}
		for i, e := range arr {
			v.checkSingle(r, schema, fmt.Sprintf("%s[%d]", path, i), d, e)
		}
		return
	}
	v.checkSingle(r, schema, path, d, val)
}

func (v *validator) checkSingle(r *vresult, schema, path string, d *attrDef, val any) {
	sp := schemaPath(schema, path)
	switch d.Type {
	case "string":
		s, ok := val.(string)
		if !ok {
			r.errorf(400, sp, "%s must be a string", path)
			return
		}
		v.checkString(r, sp, path, d, s)
	case "boolean":
		if _, ok := val.(bool); !ok {
			r.errorf(400, sp, "%s must be true or false", path)
		}
	case "integer":
		f, ok := val.(float64)
		if !ok || f != math.Trunc(f) {
			r.errorf(400, sp, "%s must be an integer", path)
		}
	case "double":
		if _, ok := val.(float64); !ok {
			r.errorf(400, sp, "%s must be a number", path)
		}
	case "complex":
		m, ok := val.(map[string]any)
		if !ok {
			r.errorf(400, sp, "%s must be an object", path)
			return
		}
		for _, k := range sortedKeys(m) {
			sd := lookupDef(schema, d.Path+"."+k)
			if sd == nil || sd.ReadOnly {
				continue
			}
			v.checkValue(r, schema, path+"."+k, sd, m[k])
		}
		for _, sd := range subAttrsOf(schema, d.Path) {
			if sd == nil || !sd.Required || sd.ReadOnly || strings.HasSuffix(sd.Path, ".roleGroups") {
				continue
			}
			name := sd.Path[strings.LastIndexByte(sd.Path, '.')+1:]
			if x, ok := getCI(m, name); !ok || x == nil {
				r.errorf(400, schemaPath(schema, path+"."+name), "%s.%s is required", path, name)
			}
		}
	}
}

var (
	localeRE = regexp.MustCompile(`^([a-z]{2})-([A-Z]{2})$`)
	uuidRE   = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	rangeRE  = regexp.MustCompile(`^([A-Za-z]+)(\d+)\.\.([A-Za-z]+)(\d+)$`)
)

func (v *validator) checkString(r *vresult, sp, path string, d *attrDef, s string) {
	if d.MaxLen > 0 && utf8.RuneCountInString(s) > d.MaxLen {
		r.errorf(400, sp, "%s %q is longer than %d characters", path, s, d.MaxLen)
		return
	}
	if len(d.Allowed) > 0 && !containsFold(d.Allowed, s) {
		r.errorf(400, sp, "%s %q is not one of %s", path, s, strings.Join(d.Allowed, ", "))
		return
	}
	switch {
	case strings.Contains(d.AllowedRef, "spend-role-codes"):
		if roleTable[s] == nil {
			r.errorf(400, sp, "%s %q is not a provisionable spend role code", path, s)
		}
	case strings.Contains(d.AllowedRef, "language-codes"):
		if !validLanguage(s) {
			r.errorf(400, sp, "%s %q is not a supported language code", path, s)
		}
	case strings.Contains(d.AllowedRef, "timezones"):
		if !validTimezone(s) {
			r.errorf(400, sp, "%s %q is not a supported time zone", path, s)
		}
	case strings.Contains(d.AllowedRef, ".."):
		if !inRanges(d.AllowedRef, s) {
			r.errorf(400, sp, "%s %q is not one of %s", path, s, d.AllowedRef)
		}
	}
	f := d.Format
	switch {
	case f == "UUID":
		if !uuidRE.MatchString(s) && !strings.HasPrefix(s, "bulkId:") {
			r.errorf(400, sp, "%s %q is not a UUID", path, s)
		}
	case f == "email" || f == "user@domain":
		if !validEmail(s) {
			r.errorf(400, sp, "%s %q is not of the form user@domain", path, s)
		}
	case f == "YYYY-MM-DD":
		if _, ok := parseDateTime(s); !ok {
			r.errorf(400, sp, "%s %q is not a date (YYYY-MM-DD)", path, s)
		}
	case strings.HasPrefix(f, "YYYY-MM-DD'T'"):
		t, ok := parseDateTime(s)
		if !ok {
			r.errorf(400, sp, "%s %q is not a date-time (YYYY-MM-DDThh:mm:ssZ)", path, s)
		} else if t.Before(minDate) || t.After(maxDate) {
			r.errorf(400, sp, "%s %q is outside 1900-01-01..2079-06-06", path, s)
		}
	case f == "ISO 8601 date-time":
		if _, ok := parseDateTime(s); !ok {
			r.errorf(400, sp, "%s %q is not an ISO 8601 date-time", path, s)
		}
	case strings.HasPrefix(f, "ISO 4217"):
		if !currencyCodes[s] {
			r.errorf(400, sp, "%s %q is not an ISO 4217 currency code", path, s)
		}
	case strings.HasPrefix(f, "ISO 3166"):
		if !countryCodes[s] {
			r.errorf(400, sp, "%s %q is not an ISO 3166-1 alpha-2 country code", path, s)
		}
	case strings.HasPrefix(f, "RFC5646"):
		if m := localeRE.FindStringSubmatch(s); m == nil || !countryCodes[m[2]] {
			r.errorf(400, sp, "%s %q is not a locale of the form language-REGION (en-US)", path, s)
		}
	}
}

var (
	minDate = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(2079, 6, 6, 23, 59, 59, 0, time.UTC)
)

// parseDateTime accepts YYYY-MM-DD optionally followed by a time with or
// without fraction and zone, as Concur's own examples vary.
func parseDateTime(s string) (time.Time, bool) {
	if len(s) < 10 {
		return time.Time{}, false
	}
	d, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return time.Time{}, false
	}
	if len(s) == 10 {
		return d, true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func validEmail(s string) bool {
	user, domain, ok := strings.Cut(s, "@")
	return ok && user != "" && domain != "" && !strings.ContainsAny(s, " \t\r\n") && !strings.Contains(domain, "@")
}

// validLanguage accepts the UPS language codes, and language-REGION forms
// whose language is listed (de-DE for de).
func validLanguage(s string) bool {
	if languageCodes[s] {
		return true
	}
	m := localeRE.FindStringSubmatch(s)
	return m != nil && countryCodes[m[2]] && (languageCodes[m[1]] || hasLanguage(m[1]))
}

func hasLanguage(lang string) bool {
	for c := range languageCodes {
		if strings.HasPrefix(c, lang+"-") {
			return true
		}
	}
	return false
}

func validTimezone(s string) bool {
	if timezoneNames[s] {
		return true
	}
	if !strings.Contains(s, "/") {
		return false
	}
	_, err := time.LoadLocation(s)
	return err == nil
}

// inRanges checks s against "custom1..custom22|orgUnit1..orgUnit6".
func inRanges(spec, s string) bool {
	for _, part := range strings.Split(spec, "|") {
		m := rangeRE.FindStringSubmatch(part)
		if m == nil {
			if part == s {
				return true
			}
			continue
		}
		lo, _ := strconv.Atoi(m[2])
		hi, _ := strconv.Atoi(m[4])
		if !strings.HasPrefix(s, m[1]) {
			continue
		}
		n, err := strconv.Atoi(s[len(m[1]):])
		if err == nil && n >= lo && n <= hi && strconv.Itoa(n) == s[len(m[1]):] {
			return true
		}
	}
	return false
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

const forbiddenUserNameChars = `%[#!*&()~'{^}\/?><,;:"+=]|`

// identity validates the identity part (core, enterprise, SAP) of a user
// document. old is the stored document (nil on create).
func (v *validator) identity(doc, old map[string]any) *vresult {
	r := &vresult{}
	v.checkObject(r, urnCore, doc)
	ent, _ := getCI(doc, urnEnterprise)
	entMap, _ := ent.(map[string]any)
	if entMap == nil {
		r.errorf(400, urnEnterprise, "the enterprise extension (companyId, employeeNumber) is required")
	} else {
		v.checkObject(r, urnEnterprise, entMap)
	}
	if r.failed() {
		return r
	}
	un, _ := doc["userName"].(string)
	if un == "" {
		un, _ = getStr(doc, "userName")
	}
	if i := strings.IndexAny(un, forbiddenUserNameChars); i >= 0 {
		r.errorf(400, schemaPath(urnCore, "userName"), "userName %q contains the forbidden character %q", un, un[i:i+1])
	}
	if id, ok := v.st.byUserName[strings.ToLower(un)]; ok && id != v.selfID {
		r.errorf(http.StatusConflict, schemaPath(urnCore, "userName"), "userName %q is already used by another user", un)
	}
	if ext, _ := getStr(doc, "externalId"); ext != "" {
		if id, ok := v.st.byExternalID[strings.ToLower(ext)]; ok && id != v.selfID {
			r.errorf(http.StatusConflict, schemaPath(urnCore, "externalId"), "externalId %q is already used by another user", ext)
		}
	}
	emp, _ := getStr(entMap, "employeeNumber")
	if id, ok := v.st.byEmployeeNumber[strings.ToLower(emp)]; ok && id != v.selfID {
		r.errorf(http.StatusConflict, schemaPath(urnEnterprise, "employeeNumber"), "employeeNumber %q is already used by another user", emp)
	}
	if cid, _ := getStr(entMap, "companyId"); !strings.EqualFold(cid, v.companyID) {
		r.errorf(400, schemaPath(urnEnterprise, "companyId"), "companyId %q is not the company of the access token", cid)
	}
	if old != nil {
		oldEnt, _ := getCI(old, urnEnterprise)
		oc, _ := getStr(asMap(oldEnt), "companyId")
		nc, _ := getStr(entMap, "companyId")
		if oc != "" && !strings.EqualFold(oc, nc) {
			r.errorf(400, schemaPath(urnEnterprise, "companyId"), "companyId is immutable")
		}
	}
	uniqueTypes(r, doc, "emails", false)
	uniqueTypes(r, doc, "phoneNumbers", true)
	uniqueTypes(r, doc, "addresses", false)
	if ec, _ := getCI(doc, "emergencyContacts"); len(toArray(ec)) > 1 {
		r.errorf(400, schemaPath(urnCore, "emergencyContacts"), "only one emergency contact is allowed")
	}
	for i, c := range toArray(mustGet(doc, "emergencyContacts")) {
		if n, _ := getStr(asMap(c), "name"); n == "" {
			r.errorf(400, schemaPath(urnCore, fmt.Sprintf("emergencyContacts[%d].name", i)), "emergencyContacts.name is required when a contact is sent")
		}
	}
	for i, p := range toArray(mustGet(doc, "phoneNumbers")) {
		if n, _ := getStr(asMap(p), "value"); n == "" {
			r.errorf(400, schemaPath(urnCore, fmt.Sprintf("phoneNumbers[%d].value", i)), "phoneNumbers.value is required when a phone is sent")
		}
	}
	if mgr, ok := getCI(entMap, "manager"); ok && mgr != nil {
		v.checkRef(r, urnEnterprise, "manager", mgr)
	}
	return r
}

func uniqueTypes(r *vresult, doc map[string]any, attr string, mobileRepeats bool) {
	seen := map[string]bool{}
	for _, e := range toArray(mustGet(doc, attr)) {
		t, _ := getStr(asMap(e), "type")
		t = strings.ToLower(t)
		if t == "" || mobileRepeats && t == "mobile" {
			continue
		}
		if seen[t] {
			r.errorf(400, schemaPath(urnCore, attr), "%s has more than one entry of type %q", attr, t)
			return
		}
		seen[t] = true
	}
}

// checkRef checks that a UserReference ({value} and/or {employeeNumber})
// names an existing user; value wins when both are given.
func (v *validator) checkRef(r *vresult, schema, path string, ref any) {
	m := asMap(ref)
	sp := schemaPath(schema, path)
	if m == nil {
		r.errorf(400, sp, "%s must be an object with value or employeeNumber", path)
		return
	}
	val, _ := getStr(m, "value")
	emp, _ := getStr(m, "employeeNumber")
	switch {
	case val != "":
		if _, ok := v.resolveID(val); !ok {
			r.errorf(400, sp, "%s: no user with id %q", path, val)
		}
	case emp != "":
		if _, ok := v.st.byEmployeeNumber[strings.ToLower(emp)]; !ok {
			r.errorf(400, sp, "%s: no user with employeeNumber %q", path, emp)
		}
	default:
		r.errorf(400, sp, "%s needs value (user id) or employeeNumber", path)
	}
}

func (v *validator) resolveID(val string) (string, bool) {
	if b, ok := strings.CutPrefix(val, "bulkId:"); ok {
		id, found := v.bulkIDs[b]
		return id, found && v.st.users[id] != nil
	}
	u := v.st.users[strings.ToLower(val)]
	if u == nil {
		return "", false
	}
	return u.ID, true
}

// primaryOnly are the approver types that accept only a primary approver.
var primaryOnly = map[string]bool{"cashadvance": true, "invoice": true, "purchaserequest": true, "statement": true, "budget": true}

// extension validates one extension object of the resulting document.
func (v *validator) extension(schema string, doc, old map[string]any) *vresult {
	r := &vresult{}
	ext := asMap(mustGet(doc, schema))
	if ext == nil {
		return r // removed
	}
	v.checkObject(r, schema, ext)
	if schema != urnSpend && schema != urnTravel && asMap(mustGet(doc, urnSpend)) == nil {
		r.errorf(400, schema, "the user has no spend profile: send %s (reimbursementCurrency, country, locale) first", urnSpend)
		return r
	}
	switch schema {
	case urnSpend:
		for _, a := range []string{"reimbursementCurrency", "country", "locale"} {
			if s, _ := getStr(ext, a); s == "" {
				r.errorf(400, schemaPath(schema, a), "%s is required whenever the spend User extension is sent", a)
			}
		}
		if oldExt := asMap(mustGet(old, urnSpend)); oldExt != nil {
			was, hadOld := getCI(oldExt, "testEmployee")
			now, _ := getCI(ext, "testEmployee")
			if hadOld && was != nil && !reflect.DeepEqual(was, now) {
				r.errorf(400, schemaPath(schema, "testEmployee"), "testEmployee can only be set when the user is created")
			}
		}
		if bm, ok := getCI(ext, "biManager"); ok && bm != nil {
			v.checkRef(r, schema, "biManager", bm)
		}
	case urnRole:
		v.checkRoles(r, doc, ext)
	case urnApprover:
		for _, typ := range sortedKeys(ext) {
			for i, e := range toArray(ext[typ]) {
				m := asMap(e)
				if ref, ok := getCI(m, "approver"); ok {
					v.checkRef(r, schema, fmt.Sprintf("%s[%d].approver", typ, i), ref)
				}
				if p, _ := getCI(m, "primary"); p == false && primaryOnly[strings.ToLower(typ)] {
					r.errorf(400, schemaPath(schema, fmt.Sprintf("%s[%d].primary", typ, i)), "%s accepts only a primary approver", typ)
				}
			}
		}
	case urnDelegate:
		for _, prod := range sortedKeys(ext) {
			for i, e := range toArray(ext[prod]) {
				if ref, ok := getCI(asMap(e), "delegate"); ok && ref != nil {
					v.checkRef(r, schema, fmt.Sprintf("%s[%d].delegate", prod, i), ref)
				}
			}
		}
	case urnPayroll:
		if adp := asMap(mustGet(ext, "adp")); adp != nil {
			for _, a := range []string{"companyCode", "deductionCode", "employeeFileNumber"} {
				if s, _ := getStr(adp, a); s == "" {
					r.errorf(400, schemaPath(schema, "adp."+a), "adp.%s is required when the Payroll extension is sent", a)
				}
			}
			if rt, _ := getStr(asMap(mustGet(doc, urnSpend)), "reimbursementType"); rt != "ADP_PAYROLL" {
				r.warnf(schema, "Payroll data is used only when reimbursementType is ADP_PAYROLL (it is %q)", rt)
			}
		}
	case urnTravel:
		rc := asMap(mustGet(ext, "ruleClass"))
		id, _ := getCI(rc, "id")
		name, _ := getStr(rc, "name")
		if rc == nil || id == nil && name == "" {
			r.errorf(400, schemaPath(schema, "ruleClass"), "ruleClass (id or name) is required whenever the travel extension is sent")
		}
		if mgr, ok := getCI(ext, "manager"); ok && mgr != nil {
			v.checkRef(r, schema, "manager", mgr)
		}
	}
	return r
}

func (v *validator) checkRoles(r *vresult, doc, ext map[string]any) {
	have := map[string]any{}
	for _, e := range toArray(mustGet(ext, "roles")) {
		if n, _ := getStr(asMap(e), "roleName"); n != "" {
			have[n] = true
		}
	}
	ents := map[string]bool{}
	for _, e := range toArray(mustGet(doc, "entitlements")) {
		if s, ok := e.(string); ok {
			ents[strings.ToLower(s)] = true
		}
	}
	reported := map[string]bool{}
	for _, code := range sortedKeys(have) {
		ri := roleTable[code]
		if ri == nil {
			continue // reported by the generic check
		}
		sp := schemaPath(urnRole, fmt.Sprintf("roles[roleName eq %q]", code))
		if ri.EntitlementOnly != "" && !ents[strings.ToLower(ri.EntitlementOnly)] {
			r.warnf(sp, "%s is granted through the %q entitlement, not as a role", code, ri.EntitlementOnly)
		}
		for _, x := range ri.Exclusive {
			pair := min(code, x) + "+" + max(code, x)
			if have[x] != nil && !reported[pair] {
				reported[pair] = true
				r.errorf(400, sp, "role %s cannot be combined with %s", code, x)
			}
		}
		for _, n := range ri.AlsoNeeds {
			if have[n] == nil {
				r.warnf(sp, "role %s is normally assigned together with %s", code, n)
			}
		}
	}
}

func getStr(m map[string]any, key string) (string, bool) {
	v, ok := getCI(m, key)
	s, isStr := v.(string)
	return s, ok && isStr
}

func mustGet(m map[string]any, key string) any {
	v, _ := getCI(m, key)
	return v
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
