package v3json

import (
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// itemFields are the canonical property names of a user in Items[]: the
// field column of spec/legacy/users-v3.csv (3.0 and 3.1 items).
var itemFields = []string{
	"ID", "Active", "CountryCode", "CellPhoneNumber", "PrimaryEmail", "EmployeeID",
	"OrganizationUnit", "FirstName", "MiddleName", "LastName", "LoginID", "URI", "Emails",
}

// topFields are the canonical top-level property names of a response.
var topFields = []string{"Items", "NextPage", "total", "offset", "limit", "company"}

var itemFold, topFold = fold(itemFields), fold(topFields)

func fold(names []string) map[string]string {
	m := make(map[string]string, 2*len(names))
	for _, n := range names {
		m[n] = n
		m[strings.ToLower(n)] = n
	}
	return m
}

// Canonical returns the canonical key of an Items[] property and whether it
// is a documented 3.0/3.1 user property. Names match case-insensitively
// ("employeeId" → "EmployeeID"), as encoding/json matches them; an unknown
// property is its own key.
func Canonical(property string) (key string, known bool) {
	return lookup(itemFold, property)
}

// Fields returns the canonical keys of the documented user properties.
func Fields() []string { return append([]string(nil), itemFields...) }

func lookup(m map[string]string, name string) (string, bool) {
	if k, ok := m[name]; ok {
		return k, true
	}
	if k, ok := m[strings.ToLower(name)]; ok {
		return k, true
	}
	return name, false
}

// Company is the file-level company object of a 3.1 response. It describes
// the Concur company, not a user, and has no per-user UPS target.
type Company struct {
	Pos                                      model.Position // where the object starts
	Name, Address, City, State, Zip, Country string
}

// Paging is the paging metadata of a response, values as written ("" when
// absent): NextPage (3.0) and total, offset, limit (3.1).
type Paging struct {
	NextPage             string
	Total, Offset, Limit string
}
