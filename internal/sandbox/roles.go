package sandbox

import (
	"sort"
	"strings"

	"github.com/upsmigrate/upsmigrate/spec"
)

// roleInfo is what spec/spend-role-codes.csv says about one provisionable role.
type roleInfo struct {
	Code            string
	Name            string
	EntitlementOnly string   // entitlement that assigns it ("Expense"); "" otherwise
	Exclusive       []string // roles it may not be combined with
	AlsoNeeds       []string // roles it is normally combined with
}

// roleTable holds the provisionable role codes (rows with code N/A or marked
// "not provisionable" are left out: UPS rejects them).
var roleTable = loadRoles()

func loadRoles() map[string]*roleInfo {
	out := map[string]*roleInfo{}
	var processorRoles []string
	for _, r := range spec.RoleCodes() {
		code, name, note := r.Code, r.FullName, r.Note
		if !r.Provisionable() {
			continue
		}
		ri := out[code]
		if ri == nil {
			ri = &roleInfo{Code: code, Name: name, EntitlementOnly: r.EntitlementOnly}
			out[code] = ri
		}
		if strings.HasPrefix(name, "Expense Processor") {
			processorRoles = append(processorRoles, code)
		}
		for _, clause := range strings.Split(note, ";") {
			clause = strings.TrimSpace(clause)
			switch {
			case strings.HasPrefix(clause, "exclusive with "):
				for _, f := range strings.Fields(strings.TrimPrefix(clause, "exclusive with ")) {
					if strings.HasSuffix(f, "*") {
						ri.Exclusive = append(ri.Exclusive, "@processor")
					} else if strings.ToUpper(f) == f {
						ri.Exclusive = append(ri.Exclusive, f)
					}
				}
			case strings.Contains(clause, "only one expense processor role"):
				ri.Exclusive = append(ri.Exclusive, "@processor")
			case strings.HasPrefix(clause, "also needs "):
				f := strings.Fields(strings.TrimPrefix(clause, "also needs "))
				if len(f) > 0 {
					ri.AlsoNeeds = append(ri.AlsoNeeds, f[0])
				}
			}
		}
	}
	// "@processor" stands for the other Expense Processor roles.
	for _, ri := range out {
		var ex []string
		for _, e := range ri.Exclusive {
			if e != "@processor" {
				ex = append(ex, e)
				continue
			}
			for _, p := range processorRoles {
				if p != ri.Code {
					ex = append(ex, p)
				}
			}
		}
		sort.Strings(ex)
		ri.Exclusive = compactStrings(ex)
	}
	return out
}

func compactStrings(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
