package mapping

import (
	"fmt"
	"strings"
	"sync"

	"github.com/upsmigrate/upsmigrate/spec"
)

// roleInfo is what the engine knows about one spend role code.
type roleInfo struct {
	entitlement string // non-empty: granted only through this core entitlement
	reason      string // non-empty: not provisionable, with the reason
}

// roleCodes are the spend role codes of spec/spend-role-codes.csv, keyed by
// code.
var roleCodes = sync.OnceValue(func() map[string]roleInfo {
	return indexRoleCodes(spec.RoleCodes())
})

// roleCodesFile is the name a mapping directory may not use: the role-code
// list is built in (spec/spend-role-codes.csv) and cannot be overridden.
const roleCodesFile = "role-codes.csv"

// entitlementFields names where each entitlement-only role is granted, for
// the error message.
var entitlementFields = map[string]string{
	"Expense": "305/300 field 63 Expense User",
	"Invoice": "305/300 field 73 Invoice User",
	"Request": "305/300 field 78 Request User",
}

func indexRoleCodes(rows []spec.RoleCode) map[string]roleInfo {
	out := map[string]roleInfo{}
	for _, rc := range rows {
		code := rc.Code
		if code == "" || code == "N/A" {
			continue
		}
		info := roleInfo{entitlement: rc.EntitlementOnly}
		if strings.Contains(rc.Note, "not provisionable") {
			info.reason = rc.DescriptionShort
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
	return out
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
