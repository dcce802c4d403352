package mapping

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// op is what the engine does with a row's value. Every transform name maps
// to one op; value transforms (opSet) also carry a conversion function.
type op uint8

const (
	opLiteral       op = iota + 1 // value must equal args (record type)
	opKey                         // the Employee ID: record key
	opIgnore                      // dropped silently (the note says why)
	opUnsupported                 // dropped; non-empty (other than args) is a warning
	opSecret                      // dropped; non-empty is a warning that never shows the value
	opForbid                      // non-empty rejects the record (the note says why)
	opSet                         // string value through conv
	opFlag                        // Y/N -> bool
	opBool                        // true/false -> bool
	opMember                      // Y/N -> member args present/absent
	opRoleCode                    // value is a role code -> member present
	opPhoneExt                    // appended to the phone of the same target
	opRef                         // reference to another employee
	opProduct                     // delegate product key
	opNewEmployeeID               // 320: new Employee ID
	opNewLogin                    // 320: new Login ID
	opEmailEntry                  // an element of an e-mail array: address and type, to emails[type eq "..."].value
)

// conv converts a trimmed, non-empty input value to its target form. Errors
// may quote the value: conv never runs on secret fields.
type conv func(v string, fl convFlags) (string, error)

// convFlags are what a conversion needs besides the value: the row's
// (cfEndOfDay, cfDate) and the engine's (cfDayFirst). The engine passes
// row | engine flags, so the order of dates costs no lookup per value.
type convFlags uint8

const (
	cfEndOfDay convFlags = 1 << iota // datetime args end: T23:59:59Z
	cfDayFirst                       // slash dates are DD/MM/YYYY (Options.DateOrder DayFirst)
	cfDate                           // the row parses dates (date, datetime): the engine notes its slash dates
)

// transform is one entry of the closed set of named transforms.
type transform struct {
	name string
	op   op
	conv conv
	args string // what args may hold: "" none, "literal", "key", "silent", "member:entitlement", "member:role", "phone", "datetime", "email_types"
	doc  string
}

// transforms is the closed set of transforms a table row may name.
var transforms = []transform{
	{"literal", opLiteral, nil, "literal", "value must equal args (the record type in field 1); not sent"},
	{"key", opKey, nil, "key", "the Employee ID keying the change set; args create | amend | create-if=F1|F2... (create when those fields are all non-blank)"},
	{"ignore", opIgnore, nil, "", "not sent and no warning (the note says why)"},
	{"unsupported", opUnsupported, nil, "silent", "no UPS target: a non-empty value is dropped with a warning naming the field (and a flag's value) and saying what is lost (the lost column); args: a value that is dropped silently, in any case (N for flags)"},
	{"secret", opSecret, nil, "", "no UPS target and a secret (Password): a non-empty value is dropped with a warning that never shows it"},
	{"forbid", opForbid, nil, "", "no UPS target and dropping would change the meaning of the record: a non-empty value rejects the record, saying why (the lost column, else the note)"},
	{"text", opSet, convText, "", "trimmed text (names, codes, custom data via customData[id eq \"...\"].value, address lines)"},
	{"login", opSet, convLogin, "", "login ID: user@domain without the characters UPS forbids"},
	{"email", opSet, convEmail, "", "e-mail address local@domain"},
	{"email_entry", opEmailEntry, nil, "email_types", "an element of an e-mail array (source_field Emails[*]): a string, or an object with EmailAddress (or Value) and Type; " +
		"target core emails; args map the element's types to UPS e-mail types (Work=work|Personal=home); each element goes to emails[type eq \"<UPS type>\"].value " +
		"unless the type is missing or unmapped or another field gives a different address of that type (a warning names the element and its type)"},
	{"flag", opFlag, nil, "", "Y/N -> true/false (y/n accepted); anything else is an error"},
	{"bool", opBool, nil, "", "true/false (JSON boolean) -> true/false"},
	{"entitlement", opMember, nil, "member:entitlement", "Y/N -> args (Expense|Invoice|Request|Travel) present in/absent from core entitlements"},
	{"role", opMember, nil, "member:role", "Y/N -> role code args present in/absent from spend Role roles"},
	{"role_code", opRoleCode, nil, "", "the value is a role code granted in spend Role roles; checked against the spend role-code list"},
	{"locale", opSet, convLocale, "", "en_US -> en-US (RFC 5646); xx-XX accepted"},
	{"country", opSet, convCountry, "", "ISO 3166-1 alpha-2 country code, upper-cased"},
	{"subdivision", opSet, convSubdivision, "", "country sub code US-WA -> WA; a bare WA is kept"},
	{"currency", opSet, convCurrency, "", "ISO 4217 currency code, upper-cased"},
	{"expense_audit", opSet, convExpenseAudit, "", "REQ|ALW|NVR -> REQUIRED|ALWAYS|NEVER (UPS values accepted)"},
	{"reimbursement_type", opSet, convReimbursementType, "", "APCHECK|ADPPAYR|CNQRPAY|PMTSERV -> ACCOUNTS_PAYABLE|ADP_PAYROLL|CONCUR_PAY|OTHER (UPS values accepted)"},
	{"gender", opSet, convGender, "", "M|F|Male|Female -> Male|Female"},
	{"date", opSet, convDate, "", "YYYY-MM-DD or MM/DD/YYYY (also M/D/YYYY, as spreadsheets write it) -> YYYY-MM-DD"},
	{"datetime", opSet, convDateTime, "datetime", "date -> ISO 8601 date-time: args start (T00:00:00Z) or end (T23:59:59Z); an RFC 3339 date-time is kept"},
	{"phone", opSet, convPhone, "phone", "phone number (digits and + - ( ) . / x); args primary also sets the element's primary=true"},
	{"phone_ext", opPhoneExt, nil, "", "extension appended to the phone of an earlier row with the same target as \"<phone> x<ext>\""},
	{"approver", opRef, nil, "", "reference to the approver's Employee ID; target_path <type>[primary eq true|false].approver.employeeNumber"},
	{"manager", opRef, nil, "", "reference to a manager's Employee ID; target_path manager.employeeNumber (travel or enterprise)"},
	{"bi_manager", opRef, nil, "", "reference to the BI manager's Employee ID; target_path biManager.employeeNumber"},
	{"delegate", opRef, nil, "", "reference to the delegate's Employee ID; the record's spend:2.0:Delegate rows become the element's attributes"},
	{"product", opProduct, nil, "", "delegate product: expense|payment|purchaseRequest (any case) or import code EXP|EXPENSE|PMT|PAYMENT|INV|INVOICE|PR|PURCHREQ|PURCHASE_REQUEST"},
	{"new_employee_id", opNewEmployeeID, nil, "", "rename: the employee's new Employee ID (phase 0)"},
	{"new_login", opNewLogin, convLogin, "", "rename: the employee's new login ID (phase 0)"},
}

// TransformInfo describes one transform of the closed set.
type TransformInfo struct {
	Name string
	Doc  string
}

// Transforms lists the closed set of transforms a table row may name.
func Transforms() []TransformInfo {
	out := make([]TransformInfo, len(transforms))
	for i, t := range transforms {
		out[i] = TransformInfo{t.name, t.doc}
	}
	return out
}

func lookupTransform(name string) *transform {
	for i := range transforms {
		if transforms[i].name == name {
			return &transforms[i]
		}
	}
	return nil
}

func transformNames() string {
	names := make([]string, len(transforms))
	for i, t := range transforms {
		names[i] = t.name
	}
	return strings.Join(names, ", ")
}

func convText(v string, _ convFlags) (string, error) { return v, nil }

// loginForbidden are the characters UPS does not accept in userName.
const loginForbidden = "%[#!*&()~'{^}\\/?><,;:\"+=]| \t"

func convLogin(v string, _ convFlags) (string, error) {
	if i := strings.IndexAny(v, loginForbidden); i >= 0 {
		return "", fmt.Errorf("login ID %q contains %q, which UPS does not accept", v, v[i:i+1])
	}
	at := strings.IndexByte(v, '@')
	if at <= 0 || at == len(v)-1 {
		return "", fmt.Errorf("login ID %q must have the form user@domain", v)
	}
	return v, nil
}

func convEmail(v string, _ convFlags) (string, error) {
	at := strings.LastIndexByte(v, '@')
	if at <= 0 || at == len(v)-1 || strings.ContainsAny(v, " \t,;<>") {
		return "", fmt.Errorf("e-mail address %q must have the form local@domain", v)
	}
	return v, nil
}

// parseFlag reads a Y/N flag.
func parseFlag(v string) (bool, error) {
	if len(v) == 1 {
		switch v[0] {
		case 'Y', 'y':
			return true, nil
		case 'N', 'n':
			return false, nil
		}
	}
	return false, fmt.Errorf("flag must be Y or N, got %q", v)
}

// parseBool reads a JSON boolean rendered as text.
func parseBool(v string) (bool, error) {
	switch {
	case strings.EqualFold(v, "true"):
		return true, nil
	case strings.EqualFold(v, "false"):
		return false, nil
	}
	return false, fmt.Errorf("boolean must be true or false, got %q", v)
}

func isLetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

func lower(c byte) byte { return c | 0x20 }
func upper(c byte) byte { return c &^ 0x20 }

func convLocale(v string, _ convFlags) (string, error) {
	if len(v) != 5 || !isLetter(v[0]) || !isLetter(v[1]) || (v[2] != '_' && v[2] != '-') || !isLetter(v[3]) || !isLetter(v[4]) {
		return "", fmt.Errorf("malformed locale %q: want language_COUNTRY such as en_US", v)
	}
	if v[2] == '-' && v[0] == lower(v[0]) && v[1] == lower(v[1]) && v[3] == upper(v[3]) && v[4] == upper(v[4]) {
		return v, nil
	}
	b := [5]byte{lower(v[0]), lower(v[1]), '-', upper(v[3]), upper(v[4])}
	return string(b[:]), nil
}

// upperLetters checks that v is n ASCII letters and returns it upper-cased
// (without allocating when it already is).
func upperLetters(v string, n int) (string, bool) {
	if len(v) != n {
		return "", false
	}
	isUpper := true
	for i := 0; i < n; i++ {
		if !isLetter(v[i]) {
			return "", false
		}
		if v[i] != upper(v[i]) {
			isUpper = false
		}
	}
	if isUpper {
		return v, true
	}
	return strings.ToUpper(v), true
}

func convCountry(v string, _ convFlags) (string, error) {
	if out, ok := upperLetters(v, 2); ok {
		return out, nil
	}
	return "", fmt.Errorf("malformed country code %q: want ISO 3166-1 alpha-2 such as US", v)
}

func convCurrency(v string, _ convFlags) (string, error) {
	if out, ok := upperLetters(v, 3); ok {
		return out, nil
	}
	return "", fmt.Errorf("malformed currency code %q: want ISO 4217 such as USD", v)
}

func convSubdivision(v string, _ convFlags) (string, error) {
	sub := v
	if i := strings.IndexByte(v, '-'); i >= 0 {
		if _, ok := upperLetters(v[:i], 2); !ok {
			return "", fmt.Errorf("malformed country sub code %q: want COUNTRY-SUB such as US-WA", v)
		}
		sub = v[i+1:]
	}
	if len(sub) == 0 || len(sub) > 3 {
		return "", fmt.Errorf("malformed country sub code %q: want COUNTRY-SUB such as US-WA", v)
	}
	isUpper := true
	for i := 0; i < len(sub); i++ {
		c := sub[i]
		if !isLetter(c) && !isDigit(c) {
			return "", fmt.Errorf("malformed country sub code %q: want COUNTRY-SUB such as US-WA", v)
		}
		if isLetter(c) && c != upper(c) {
			isUpper = false
		}
	}
	if isUpper {
		return sub, nil
	}
	return strings.ToUpper(sub), nil
}

// codeMap converts import codes (and the target values themselves) case-
// insensitively. Results are constants: no allocation.
type codeEntry struct{ in, out string }

func mapCode(v string, codes []codeEntry) (string, bool) {
	for _, c := range codes {
		if strings.EqualFold(v, c.in) {
			return c.out, true
		}
	}
	return "", false
}

var expenseAuditCodes = []codeEntry{
	{"REQ", "REQUIRED"}, {"ALW", "ALWAYS"}, {"NVR", "NEVER"},
	{"REQUIRED", "REQUIRED"}, {"ALWAYS", "ALWAYS"}, {"NEVER", "NEVER"},
}

func convExpenseAudit(v string, _ convFlags) (string, error) {
	if out, ok := mapCode(v, expenseAuditCodes); ok {
		return out, nil
	}
	return "", fmt.Errorf("unknown expense audit code %q: want REQ, ALW or NVR", v)
}

var reimbursementCodes = []codeEntry{
	{"APCHECK", "ACCOUNTS_PAYABLE"}, {"ADPPAYR", "ADP_PAYROLL"}, {"CNQRPAY", "CONCUR_PAY"}, {"PMTSERV", "OTHER"},
	{"ACCOUNTS_PAYABLE", "ACCOUNTS_PAYABLE"}, {"ADP_PAYROLL", "ADP_PAYROLL"}, {"CONCUR_PAY", "CONCUR_PAY"}, {"OTHER", "OTHER"},
}

func convReimbursementType(v string, _ convFlags) (string, error) {
	if out, ok := mapCode(v, reimbursementCodes); ok {
		return out, nil
	}
	return "", fmt.Errorf("unknown reimbursement type %q: want APCHECK, ADPPAYR, CNQRPAY or PMTSERV", v)
}

var genderCodes = []codeEntry{{"M", "Male"}, {"F", "Female"}, {"MALE", "Male"}, {"FEMALE", "Female"}}

func convGender(v string, _ convFlags) (string, error) {
	if out, ok := mapCode(v, genderCodes); ok {
		return out, nil
	}
	return "", fmt.Errorf("unknown gender %q: want M, F, Male or Female", v)
}

var productCodes = []codeEntry{
	{"expense", "expense"}, {"payment", "payment"}, {"purchaseRequest", "purchaseRequest"},
	{"EXP", "expense"}, {"PMT", "payment"}, {"INV", "payment"}, {"INVOICE", "payment"},
	{"PR", "purchaseRequest"}, {"PURCHREQ", "purchaseRequest"}, {"PURCHASE_REQUEST", "purchaseRequest"},
}

func convProduct(v string) (string, error) {
	if out, ok := mapCode(v, productCodes); ok {
		return out, nil
	}
	return "", fmt.Errorf("unknown product code %q: want expense, payment or purchaseRequest (import codes EXP, PMT or INV, PR)", v)
}

// digits parses n ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, len(s) > 0
}

var errDate = errors.New("malformed date")

// DateOrder says how a slash date such as 03/11/1984 is read: the import
// specification documents no order. ISO dates (YYYY-MM-DD) read the same in
// both orders.
type DateOrder uint8

const (
	// MonthFirst reads MM/DD/YYYY (03/11/1984 is March 11): the default,
	// as Concur's US-centric examples write dates.
	MonthFirst DateOrder = iota
	// DayFirst reads DD/MM/YYYY (03/11/1984 is 3 November).
	DayFirst
)

// String is the order's name as the --date-order flag spells it.
func (o DateOrder) String() string {
	if o == DayFirst {
		return "day-first"
	}
	return "month-first"
}

// ParseDateOrder reads month-first or day-first (also MDY and DMY, any
// case); the empty string is MonthFirst.
func ParseDateOrder(s string) (DateOrder, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "month-first", "mdy":
		return MonthFirst, nil
	case "day-first", "dmy":
		return DayFirst, nil
	}
	return MonthFirst, fmt.Errorf("date order %q: want month-first or day-first", s)
}

func (o DateOrder) layout() string {
	if o == DayFirst {
		return "DD/MM/YYYY"
	}
	return "MM/DD/YYYY"
}

func (o DateOrder) other() DateOrder { return 1 - o }

func orderOf(fl convFlags) DateOrder {
	if fl&cfDayFirst != 0 {
		return DayFirst
	}
	return MonthFirst
}

// slashDate splits a slash date a/b/yyyy (a and b of one or two digits, as
// spreadsheets write dates back to CSV). ok is false when v has another
// form; the parts are not checked against the calendar.
func slashDate(v string) (a, b, y int, ok bool) {
	as, rest, found := strings.Cut(v, "/")
	if !found || len(as) == 0 || len(as) > 2 {
		return 0, 0, 0, false
	}
	bs, ys, found := strings.Cut(rest, "/")
	if !found || len(bs) == 0 || len(bs) > 2 || len(ys) != 4 {
		return 0, 0, 0, false
	}
	var ok1, ok2, ok3 bool
	a, ok1 = digits(as)
	b, ok2 = digits(bs)
	y, ok3 = digits(ys)
	return a, b, y, ok1 && ok2 && ok3
}

// calendarDate reports whether y-m-d is a date this tool accepts.
func calendarDate(y, m, d int) bool {
	return m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m) && y >= 1900
}

// slashValid reports whether the slash date a/b/y is a calendar date read
// in order o.
func slashValid(a, b, y int, o DateOrder) bool {
	if o == DayFirst {
		return calendarDate(y, b, a)
	}
	return calendarDate(y, a, b)
}

func isoDate(y, m, d int) string {
	b := [10]byte{byte('0' + y/1000%10), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

// parseDate accepts YYYY-MM-DD and a slash date in order o (MM/DD/YYYY or
// DD/MM/YYYY, with one-digit parts too: 1/31/2024) and returns YYYY-MM-DD.
// A slash date whose parts are both 12 or less is read in order o without
// a word: nothing in the value tells the orders apart. A slash date that is
// not a calendar date in order o is an error that names the order and, when
// the other order reads it, the --date-order flag.
func parseDate(v string, o DateOrder) (string, error) {
	if len(v) == 10 && v[4] == '-' && v[7] == '-' {
		y, ok1 := digits(v[:4])
		m, ok2 := digits(v[5:7])
		d, ok3 := digits(v[8:])
		if !ok1 || !ok2 || !ok3 || !calendarDate(y, m, d) {
			return "", fmt.Errorf("%w %q: not a calendar date (YYYY-MM-DD)", errDate, v)
		}
		return v, nil
	}
	a, b, y, ok := slashDate(v)
	if !ok {
		if strings.Count(v, "/") == 2 && len(v) <= 10 {
			return "", fmt.Errorf("%w %q: not a calendar date (want YYYY-MM-DD or %s)", errDate, v, o.layout())
		}
		return "", fmt.Errorf("%w %q: want YYYY-MM-DD or %s", errDate, v, o.layout())
	}
	m, d := a, b
	if o == DayFirst {
		m, d = b, a
	}
	if !calendarDate(y, m, d) {
		err := fmt.Errorf("%w %q: not a calendar date read %s (%s; --date-order %s)", errDate, v, o, o.layout(), o)
		if slashValid(a, b, y, o.other()) {
			err = fmt.Errorf("%w; read %s (%s) it is one: if the file writes dates that way, give --date-order %s", err, o.other(), o.other().layout(), o.other())
		}
		return "", err
	}
	return isoDate(y, m, d), nil
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func convDate(v string, fl convFlags) (string, error) { return parseDate(v, orderOf(fl)) }

func convDateTime(v string, fl convFlags) (string, error) {
	if len(v) > 10 {
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			return "", fmt.Errorf("malformed date-time %q: want YYYY-MM-DD, %s or RFC 3339", v, orderOf(fl).layout())
		}
		return v, nil
	}
	d, err := parseDate(v, orderOf(fl))
	if err != nil {
		return "", err
	}
	if fl&cfEndOfDay != 0 {
		return d + "T23:59:59Z", nil
	}
	return d + "T00:00:00Z", nil
}

func convPhone(v string, _ convFlags) (string, error) {
	if err := checkSpreadsheetNumber(v); err != nil {
		return "", err
	}
	nd := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isDigit(c):
			nd++
		case c == ' ' || c == '+' || c == '-' || c == '(' || c == ')' || c == '.' || c == '/':
		case c == 'x' || c == 'X' || c == 'e' || c == 'E' || c == 't' || c == 'T':
		default:
			return "", fmt.Errorf("malformed phone number %q: only digits, spaces, + - ( ) . / and an x or ext extension", v)
		}
	}
	if nd == 0 {
		return "", fmt.Errorf("malformed phone number %q: no digits", v)
	}
	return v, nil
}

// spreadsheetNumber reports whether v is a number in the scientific
// notation spreadsheets display long numbers in (1.23457E+11): written
// back to CSV that way, the number has lost its digits.
func spreadsheetNumber(v string) bool {
	mant, exp, ok := strings.Cut(v, "E+")
	if !ok || len(mant) < 3 || mant[1] != '.' || !isDigit(mant[0]) {
		return false
	}
	_, okM := digits(mant[2:])
	_, okE := digits(exp)
	return okM && okE
}

// checkSpreadsheetNumber refuses an identifier or phone number that a
// spreadsheet turned into scientific notation.
func checkSpreadsheetNumber(v string) error {
	if spreadsheetNumber(v) {
		return fmt.Errorf("%q is a number in the scientific notation a spreadsheet writes for long numbers: its digits are lost; expected the original value (format the column as text before saving the CSV)", v)
	}
	return nil
}

func convPhoneExt(v string) error {
	if _, ok := digits(v); !ok || len(v) > 10 {
		return fmt.Errorf("malformed phone extension %q: want 1 to 10 digits", v)
	}
	return nil
}

// unsupportedMsg is the warning of an unsupported row that drops v: the
// field's name, the value of a flag (a row with a silent value), and what
// is lost (the row's lost column) or that the value is dropped.
func unsupportedMsg(cr *crow, v string) string {
	what := cr.name
	if cr.silent != "" {
		what = v + " for " + cr.name
	}
	if cr.lost != "" {
		return what + ": not supported by UPS, " + cr.lost
	}
	return what + ": not supported by UPS, the value is dropped"
}
