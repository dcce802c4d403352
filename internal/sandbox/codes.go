package sandbox

import "github.com/upsmigrate/upsmigrate/spec"

// countryCodes lists ISO 3166-1 alpha-2 codes (spec/reference/countries.txt).
var countryCodes = setOf(spec.Countries())

// currencyCodes lists ISO 4217 codes of circulating currencies
// (spec/reference/currencies.txt).
var currencyCodes = setOf(spec.Currencies())

// languageCodes are the UPS preferredLanguage codes
// (spec/reference/language-codes.csv).
var languageCodes = setOf(spec.LanguageCodes())

// timezoneNames are the Olson names UPS lists (spec/reference/timezones.csv).
var timezoneNames = setOf(spec.TimeZones())

func setOf(list []string) map[string]bool {
	m := make(map[string]bool, len(list))
	for _, v := range list {
		m[v] = true
	}
	return m
}
