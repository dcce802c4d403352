package schemas

import (
	"sort"
	"strings"
	"sync"

	"github.com/upsmigrate/upsmigrate/spec"
)

// format is a named string check used by "format" in the schema files. The
// same checks are registered with jsonschema/v5 and used by the fast path.
type format struct {
	name  string
	check func(string) bool
	// what completes "is not …" in a message: `"en_US" is not a locale in RFC 5646 form like en-US`.
	what string
}

// codeLists holds the reference lists of package spec as sets.
type codeLists struct {
	countries   map[string]bool
	currencies  map[string]bool
	timezones   map[string]bool
	languages   map[string]bool // codes as listed
	langBases   map[string]bool // primary language subtags of the listed codes
	roles       map[string]bool // provisionable role codes
	entitlement map[string]bool // role codes granted through entitlements only
}

// loadLists builds the code lists from package spec, once.
var loadLists = sync.OnceValue(func() *codeLists {
	l := &codeLists{
		countries: setOf(spec.Countries()), currencies: setOf(spec.Currencies()),
		timezones: setOf(spec.TimeZones()), languages: setOf(spec.LanguageCodes()),
		langBases: map[string]bool{}, roles: map[string]bool{}, entitlement: map[string]bool{},
	}
	for code := range l.languages {
		base, _, _ := strings.Cut(code, "-")
		l.langBases[base] = true
	}
	for _, r := range spec.RoleCodes() {
		if !r.Provisionable() {
			continue
		}
		l.roles[r.Code] = true
		if r.EntitlementOnly != "" {
			l.entitlement[r.Code] = true
		}
	}
	return l
})

func setOf(list []string) map[string]bool {
	out := make(map[string]bool, len(list))
	for _, v := range list {
		if v != "" {
			out[v] = true
		}
	}
	return out
}

// userNameForbidden are the characters UPS forbids in userName.
const userNameForbidden = "%[#!*&()~'{^}\\/?><,;:\"+=]|"

// badUserNameByte marks the forbidden characters and the control bytes.
var badUserNameByte = func() (t [256]bool) {
	for i := 0; i < len(userNameForbidden); i++ {
		t[userNameForbidden[i]] = true
	}
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t[0x7f] = true
	return t
}()

func isUserName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if badUserNameByte[s[i]] {
			return false
		}
	}
	return true
}

// buildFormats returns the format checks by name.
func buildFormats(l *codeLists) map[string]*format {
	fs := []*format{
		{name: "country", what: "an ISO 3166-1 alpha-2 country code like US", check: func(s string) bool { return l.countries[s] }},
		{name: "currency", what: "an ISO 4217 currency code like USD", check: func(s string) bool { return l.currencies[s] }},
		{name: "locale", what: "a locale in RFC 5646 form like en-US", check: func(s string) bool {
			return len(s) == 5 && isLower(s[0]) && isLower(s[1]) && s[2] == '-' && l.countries[s[3:]]
		}},
		{name: "language", what: "a UPS language (spec/reference/language-codes.csv) or a region of one, like de-DE", check: func(s string) bool {
			if l.languages[s] {
				return true
			}
			base, region, ok := strings.Cut(s, "-")
			return ok && l.langBases[base] && (l.countries[region] || isDigits(region, 3))
		}},
		{name: "language-listed", what: "a UPS language code (spec/reference/language-codes.csv)", check: func(s string) bool { return l.languages[s] }},
		{name: "timezone", what: "a UPS time zone (spec/reference/timezones.csv) like America/New_York", check: func(s string) bool { return l.timezones[s] }},
		{name: "role-code", what: "a provisionable spend role code (spec/spend-role-codes.csv)", check: func(s string) bool { return l.roles[s] }},
		{name: "role-code-assignable", what: "a spend role code assignable as a role (EXP_USER, REQ_USER and INV_PMT_USER come from entitlements)", check: func(s string) bool {
			return l.roles[s] && !l.entitlement[s]
		}},
		{name: "username", what: "a UPS userName (not empty; none of % [ # ! * & ( ) ~ ' { ^ } \\ / ? > < , ; : \" + = ] |)", check: isUserName},
		{name: "email", what: "an e-mail address", check: isEmail},
		{name: "uuid", what: "a UUID", check: isUUID},
		{name: "user-ref", what: "a user UUID or bulkId:<id>", check: isUserRef},
		{name: "user-path", what: "a user path /Users/<uuid> or /Users/bulkId:<id>", check: func(s string) bool {
			rest, ok := strings.CutPrefix(s, "/Users/")
			return ok && !strings.Contains(rest, "/") && isUserRef(rest)
		}},
		{name: "date", what: "a date YYYY-MM-DD between 1900-01-01 and 2079-06-06", check: func(s string) bool {
			return len(s) == 10 && validDate(s)
		}},
		{name: "date-or-date-time", what: "a date YYYY-MM-DD (optionally with a time) between 1900-01-01 and 2079-06-06", check: func(s string) bool {
			if len(s) == 10 {
				return validDate(s)
			}
			return validDateTime(s, false)
		}},
		{name: "date-time", what: "a date and time YYYY-MM-DDThh:mm:ss between 1900-01-01 and 2079-06-06", check: func(s string) bool {
			return validDateTime(s, false)
		}},
		{name: "date-time-utc", what: "a UTC date and time YYYY-MM-DDThh:mm:ssZ between 1900-01-01 and 2079-06-06", check: func(s string) bool {
			return validDateTime(s, true)
		}},
	}
	out := map[string]*format{}
	for _, f := range fs {
		out[f.name] = f
	}
	return out
}

var formatsMap = sync.OnceValue(func() map[string]*format { return buildFormats(loadLists()) })

// formatTable returns the format checks, built once. The error is always
// nil: the lists behind them are embedded and checked by package spec.
func formatTable() (map[string]*format, error) {
	return formatsMap(), nil
}

// FormatNames lists the formats the schema files may use.
func FormatNames() []string {
	fs, err := formatTable()
	if err != nil {
		return nil
	}
	var out []string
	for n := range fs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHex(s[i]) {
				return false
			}
		}
	}
	return true
}

func isUserRef(s string) bool {
	if id, ok := strings.CutPrefix(s, "bulkId:"); ok {
		return id != "" && !hasControl(id)
	}
	return isUUID(s)
}

func isEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return false
		}
	}
	dom := s[at+1:]
	dot := strings.LastIndexByte(dom, '.')
	return dot > 0 && dot < len(dom)-1
}

// validDate checks YYYY-MM-DD in s[:10], a real calendar day in the range
// UPS stores (1900-01-01 .. 2079-06-06).
func validDate(s string) bool {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' || !isDigits(s[:4], 4) || !isDigits(s[5:7], 2) || !isDigits(s[8:10], 2) {
		return false
	}
	y := int(s[0]-'0')*1000 + int(s[1]-'0')*100 + int(s[2]-'0')*10 + int(s[3]-'0')
	m := int(s[5]-'0')*10 + int(s[6]-'0')
	d := int(s[8]-'0')*10 + int(s[9]-'0')
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return false
	}
	if y < 1900 || y > 2079 {
		return false
	}
	return y < 2079 || m < 6 || m == 6 && d <= 6
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validDateTime checks YYYY-MM-DDThh:mm[:ss[.f…]][zone]. With utc the
// seconds and a Z zone are required; without, the zone is optional and may
// be Z or ±hh:mm.
func validDateTime(s string, utc bool) bool {
	if len(s) < 16 || !validDate(s) || s[10] != 'T' {
		return false
	}
	t := s[11:]
	if !twoDigits(t, 0, 23) || t[2] != ':' || !twoDigits(t[3:], 0, 59) {
		return false
	}
	t = t[5:]
	if len(t) >= 3 && t[0] == ':' {
		if !twoDigits(t[1:], 0, 60) {
			return false
		}
		t = t[3:]
		if len(t) > 0 && t[0] == '.' {
			n := 1
			for n < len(t) && t[n] >= '0' && t[n] <= '9' {
				n++
			}
			if n == 1 {
				return false
			}
			t = t[n:]
		}
	} else if utc {
		return false
	}
	switch {
	case t == "Z":
		return true
	case utc:
		return false
	case t == "":
		return true
	case len(t) == 6 && (t[0] == '+' || t[0] == '-') && t[3] == ':':
		return twoDigits(t[1:], 0, 23) && twoDigits(t[4:], 0, 59)
	}
	return false
}

func twoDigits(s string, lo, hi int) bool {
	if len(s) < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return false
	}
	n := int(s[0]-'0')*10 + int(s[1]-'0')
	return n >= lo && n <= hi
}
