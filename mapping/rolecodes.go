package mapping

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
)

// roleInfo is what the engine knows about one spend role code.
type roleInfo struct {
	entitlement string // non-empty: granted only through this core entitlement
	reason      string // non-empty: not provisionable, with the reason
}

// roleCodes are the spend role codes of tables/role-codes.csv (a copy of
// spec/spend-role-codes.csv), keyed by code.
var roleCodes = sync.OnceValues(func() (map[string]roleInfo, error) {
	data, err := tablesFS.ReadFile("tables/" + roleCodesFile)
	if err != nil {
		return nil, err
	}
	return parseRoleCodes(data)
})

const roleCodesFile = "role-codes.csv"

// entitlementFields names where each entitlement-only role is granted, for
// the error message.
var entitlementFields = map[string]string{
	"Expense": "305/300 field 63 Expense User",
	"Invoice": "305/300 field 73 Invoice User",
	"Request": "305/300 field 78 Request User",
}

func parseRoleCodes(data []byte) (map[string]roleInfo, error) {
	r := csv.NewReader(bytes.NewReader(data))
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("mapping/tables/%s: %w", roleCodesFile, err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("mapping/tables/%s: no role codes", roleCodesFile)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	for _, need := range []string{"role_code", "entitlement_only", "note", "description_short"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("mapping/tables/%s: missing column %q", roleCodesFile, need)
		}
	}
	out := map[string]roleInfo{}
	for _, rec := range recs[1:] {
		code := rec[col["role_code"]]
		if code == "" || code == "N/A" {
			continue
		}
		info := roleInfo{entitlement: rec[col["entitlement_only"]]}
		if note := rec[col["note"]]; strings.Contains(note, "not provisionable") {
			info.reason = rec[col["description_short"]]
		}
		// A code listed for several products keeps the strictest entry.
		if old, ok := out[code]; ok {
			if info.entitlement == "" {
				info.entitlement = old.entitlement
			}
			if info.reason == "" {
				info.reason = old.reason
			}
		}
		out[code] = info
	}
	return out, nil
}

// checkRole returns the canonical (upper-case) role code or why it cannot be
// granted as a role.
func checkRole(roles map[string]roleInfo, v string) (string, error) {
	code := v
	if strings.ToUpper(v) != v {
		code = strings.ToUpper(v)
	}
	info, ok := roles[code]
	switch {
	case !ok:
		return "", fmt.Errorf("unknown role code %q: not in the spend role-code list", v)
	case info.entitlement != "":
		where := entitlementFields[info.entitlement]
		if where == "" {
			where = "the core entitlements"
		}
		return "", fmt.Errorf("role %s is granted only through entitlement %s (%s), not as a role", code, info.entitlement, where)
	case info.reason != "":
		return "", fmt.Errorf("role %s cannot be provisioned (%s)", code, info.reason)
	}
	return code, nil
}
