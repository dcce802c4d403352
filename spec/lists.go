package spec

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// The reference lists code reads at run time, embedded one by one so that a
// binary carries these and not the whole directory.
var (
	//go:embed spend-role-codes.csv
	roleCodesCSV string
	//go:embed reference/language-codes.csv
	languagesCSV string
	//go:embed reference/timezones.csv
	timezonesCSV string
	//go:embed reference/countries.txt
	countriesTxt string
	//go:embed reference/currencies.txt
	currenciesTxt string
	//go:embed ups-v4/attributes.csv
	attributesCSV string
)

// RoleCode is one row of spend-role-codes.csv. A code may have several rows
// (one per product).
type RoleCode struct {
	Code              string // "EXP_USER"; "N/A" for roles that have none
	FullName          string // role_full_name
	Product           string // Expense, Invoice, Request …
	GroupAware        string // Y/N
	SharedProductArea string // Y/N
	EntitlementOnly   string // the core entitlement that grants it ("Expense"); "" for a role
	DescriptionShort  string // what the role does
	Note              string // "exclusive with …", "also needs …", "not provisionable …"
}

// Provisionable reports whether UPS accepts the code as a role at all: it
// has a code and its note does not say "not provisionable". Entitlement-only
// codes are provisionable in this sense.
func (r RoleCode) Provisionable() bool {
	return r.Code != "" && r.Code != "N/A" && !strings.Contains(r.Note, "not provisionable")
}

var roleCodes = sync.OnceValue(func() []RoleCode {
	t := mustTable("spend-role-codes.csv", roleCodesCSV)
	col := func(name string) int {
		i := t.Column(name)
		if i < 0 {
			panic(fmt.Sprintf("spec: spend-role-codes.csv: no column %q", name))
		}
		return i
	}
	idx := []int{col("role_code"), col("role_full_name"), col("product"), col("group_aware"),
		col("shared_product_area"), col("entitlement_only"), col("description_short"), col("note")}
	out := make([]RoleCode, 0, len(t.Rows))
	for _, r := range t.Rows {
		cell := func(k int) string {
			if idx[k] < len(r) {
				return r[idx[k]]
			}
			return ""
		}
		out = append(out, RoleCode{cell(0), cell(1), cell(2), cell(3), cell(4), cell(5), cell(6), cell(7)})
	}
	return out
})

// RoleCodes returns the rows of spend-role-codes.csv in file order, the
// "N/A" and not provisionable ones included.
func RoleCodes() []RoleCode { return append([]RoleCode(nil), roleCodes()...) }

var languageCodes = sync.OnceValue(func() []string { return firstColumn("reference/language-codes.csv", languagesCSV, "code") })

// LanguageCodes returns the UPS language codes ("en-US") of
// reference/language-codes.csv, in file order.
func LanguageCodes() []string { return append([]string(nil), languageCodes()...) }

var timeZones = sync.OnceValue(func() []string { return firstColumn("reference/timezones.csv", timezonesCSV, "timezone") })

// TimeZones returns the Olson names UPS accepts ("America/New_York") of
// reference/timezones.csv, in file order.
func TimeZones() []string { return append([]string(nil), timeZones()...) }

var countries = sync.OnceValue(func() []string { return words(countriesTxt) })

// Countries returns the ISO 3166-1 alpha-2 codes of reference/countries.txt.
func Countries() []string { return append([]string(nil), countries()...) }

var currencies = sync.OnceValue(func() []string { return words(currenciesTxt) })

// Currencies returns the ISO 4217 codes of reference/currencies.txt.
func Currencies() []string { return append([]string(nil), currencies()...) }

var attributes = sync.OnceValue(func() *Table { return mustTable("ups-v4/attributes.csv", attributesCSV) })

// Attributes returns ups-v4/attributes.csv: one row per attribute of the
// UPS v4 schemas (schema_urn, attribute, type, multi_valued, required,
// read_only, allowed_values, format, max_length, default, note, source).
// The table is shared: callers must not change it.
func Attributes() *Table { return attributes() }

// mustTable parses an embedded list; the package's tests make sure every
// one parses, so a failure is a broken build.
func mustTable(name, text string) *Table {
	t, err := parseTable(name, text)
	if err != nil {
		panic(err)
	}
	return t
}

func firstColumn(name, text, header string) []string {
	t := mustTable(name, text)
	if t.Column(header) != 0 {
		panic(fmt.Sprintf("spec: %s: header must start with %q", name, header))
	}
	out := make([]string, 0, len(t.Rows))
	for _, r := range t.Rows {
		out = append(out, r[0])
	}
	return out
}

// words returns the whitespace-separated words of text, leaving out lines
// that start with "#".
func words(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Fields(line)...)
	}
	return out
}
