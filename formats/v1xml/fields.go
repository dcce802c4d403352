package v1xml

import "strings"

// Namespace is the XML namespace of a Users V1 batch. It is optional on
// input.
const Namespace = "http://www.concursolutions.com/api/user/2011/02"

// MaxBatch is the Users V1 API limit of UserProfile elements per batch. A
// longer batch is read in full with a warning.
const MaxBatch = 500

// Redacted replaces a non-empty Password value in the records this package
// returns, so that no later stage can echo it.
const Redacted = "********"

// fields are the canonical field keys: the request spellings of the element
// column of spec/legacy/users-v1.csv.
var fields = []string{
	"EmpId", "FeedRecordNumber", "LoginId", "LocaleName", "Active", "Password",
	"FirstName", "LastName", "Mi", "EmailAddress", "LedgerKey",
	"OrgUnit1", "OrgUnit2", "OrgUnit3", "OrgUnit4", "OrgUnit5", "OrgUnit6",
	"Custom1", "Custom2", "Custom3", "Custom4", "Custom5", "Custom6", "Custom7",
	"Custom8", "Custom9", "Custom10", "Custom11", "Custom12", "Custom13", "Custom14",
	"Custom15", "Custom16", "Custom17", "Custom18", "Custom19", "Custom20", "Custom21",
	"CtryCode", "CashAdvanceAccountCode", "CrnKey", "CtrySubCode",
	"ExpenseUser", "ExpenseApprover", "TripUser", "InvoiceUser", "InvoiceApprover",
	"ExpenseApproverEmployeeID", "IsTestEmp", "NewLoginID", "NewEmployeeID",
}

// aliases is THE alias table: every other spelling of a field the Users V1
// documents use (sample XML, GET responses) → its canonical key.
var aliases = map[string]string{
	"EmployeeID": "EmpId",     // sample batch XML, UserInfo/error responses
	"LoginID":    "LoginId",   // sample batch XML, password UserBatch
	"LedgerName": "LedgerKey", // GET response
	"CrnCode":    "CrnKey",    // GET response
}

// exact maps every field and alias, as spelled in the table, to its key;
// byFold does the same for their lower-case forms.
var exact, byFold = func() (map[string]string, map[string]string) {
	e := make(map[string]string, len(fields)+len(aliases))
	l := make(map[string]string, len(fields)+len(aliases))
	for _, f := range fields {
		e[f] = f
		l[strings.ToLower(f)] = f
	}
	for a, f := range aliases {
		e[a] = f
		l[strings.ToLower(a)] = f
	}
	return e, l
}()

// Canonical returns the canonical key of a UserProfile child element and
// whether the element is a documented Users V1 field. Matching is exact for
// the canonical names and the alias table, then case-insensitive
// ("EmployeeId" → "EmpId"). An unknown element is its own key.
func Canonical(element string) (key string, known bool) {
	if k, ok := exact[element]; ok {
		return k, true
	}
	if k, ok := byFold[strings.ToLower(element)]; ok {
		return k, true
	}
	return element, false
}

// Fields returns the canonical keys of the documented Users V1 fields, in
// the order of spec/legacy/users-v1.csv.
func Fields() []string { return append([]string(nil), fields...) }

// Aliases returns a copy of the alias table: other spelling → canonical key.
func Aliases() map[string]string {
	m := make(map[string]string, len(aliases))
	for a, f := range aliases {
		m[a] = f
	}
	return m
}

// secret reports whether the value of a field must never be shown.
func secret(key string) bool { return key == "Password" }
