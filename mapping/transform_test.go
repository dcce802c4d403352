package mapping

import (
	"strings"
	"testing"
)

// convCase is one input of a value transform: want is the output, or errs a
// fragment of the error when the input is refused.
type convCase struct {
	in   string
	want string
	errs string
}

func TestValueTransforms(t *testing.T) {
	tests := []struct {
		name  string
		fl    convFlags
		cases []convCase
	}{
		{"text", 0, []convCase{{"Ann", "Ann", ""}, {"R&D-QA", "R&D-QA", ""}}},
		{"login", 0, []convCase{
			{"ann@example.com", "ann@example.com", ""},
			{"ann", "", "user@domain"},
			{"@example.com", "", "user@domain"},
			{"ann@", "", "user@domain"},
			{"ann smith@example.com", "", "contains \" \""},
			{"ann+1@example.com", "", "contains \"+\""},
			{"a|b@example.com", "", "contains \"|\""},
		}},
		{"email", 0, []convCase{
			{"ann@example.com", "ann@example.com", ""},
			{"ann.example.com", "", "local@domain"},
			{"a@b.com; c@d.com", "", "local@domain"},
		}},
		{"locale", 0, []convCase{
			{"en_US", "en-US", ""},
			{"en-US", "en-US", ""},
			{"fr_ca", "fr-CA", ""},
			{"EN_us", "en-US", ""},
			{"english", "", "malformed locale"},
			{"en_USA", "", "malformed locale"},
			{"e1_US", "", "malformed locale"},
		}},
		{"country", 0, []convCase{{"US", "US", ""}, {"de", "DE", ""}, {"USA", "", "alpha-2"}, {"1A", "", "alpha-2"}}},
		{"subdivision", 0, []convCase{
			{"US-WA", "WA", ""},
			{"WA", "WA", ""},
			{"us-wa", "WA", ""},
			{"GB-ENG", "ENG", ""},
			{"CA-ON", "ON", ""},
			{"USA-WA", "", "malformed country sub code"},
			{"US-", "", "malformed country sub code"},
			{"US-WASH", "", "malformed country sub code"},
			{"W A", "", "malformed country sub code"},
		}},
		{"currency", 0, []convCase{{"USD", "USD", ""}, {"eur", "EUR", ""}, {"US", "", "ISO 4217"}, {"U$D", "", "ISO 4217"}}},
		{"expense_audit", 0, []convCase{
			{"REQ", "REQUIRED", ""}, {"ALW", "ALWAYS", ""}, {"NVR", "NEVER", ""}, {"nvr", "NEVER", ""},
			{"REQUIRED", "REQUIRED", ""}, {"SOMETIMES", "", "unknown expense audit code"},
		}},
		{"reimbursement_type", 0, []convCase{
			{"APCHECK", "ACCOUNTS_PAYABLE", ""}, {"ADPPAYR", "ADP_PAYROLL", ""}, {"CNQRPAY", "CONCUR_PAY", ""},
			{"PMTSERV", "OTHER", ""}, {"concur_pay", "CONCUR_PAY", ""}, {"PAY_PAL", "", "unknown reimbursement type"},
		}},
		{"gender", 0, []convCase{{"M", "Male", ""}, {"f", "Female", ""}, {"FEMALE", "Female", ""}, {"X", "", "unknown gender"}}},
		{"date", 0, []convCase{
			{"1980-12-31", "1980-12-31", ""},
			{"12/31/1980", "1980-12-31", ""},
			{"1/31/2024", "2024-01-31", ""},
			{"2/3/2024", "2024-02-03", ""},
			{"02/3/2024", "2024-02-03", ""},
			{"1/31/24", "", "want YYYY-MM-DD"},
			{"123/1/2024", "", "want YYYY-MM-DD"},
			{"1//2024", "", "not a calendar date"},
			{"2/30/2024", "", "not a calendar date"},
			{"2024-02-29", "2024-02-29", ""},
			{"2023-02-29", "", "not a calendar date"},
			{"1900-02-29", "", "not a calendar date"},
			{"13/01/1980", "", "not a calendar date"},
			{"31.12.1980", "", "want YYYY-MM-DD"},
			{"1980-1-31", "", "want YYYY-MM-DD"},
			{"198O-12-31", "", "not a calendar date"},
		}},
		{"datetime", 0, []convCase{
			{"2024-03-01", "2024-03-01T00:00:00Z", ""},
			{"03/01/2024", "2024-03-01T00:00:00Z", ""},
			{"3/1/2024", "2024-03-01T00:00:00Z", ""},
			{"2020-02-19T03:15:00.000Z", "2020-02-19T03:15:00.000Z", ""},
			{"2020-02-19T03:15:00+01:00", "2020-02-19T03:15:00+01:00", ""},
			{"2020-02-19 03:15", "", "malformed date-time"},
			{"2024-02-30", "", "not a calendar date"},
		}},
		{"datetime", cfEndOfDay, []convCase{{"2024-03-01", "2024-03-01T23:59:59Z", ""}}},
		// Day-first: DD/MM/YYYY; ISO dates read the same.
		{"date", cfDayFirst, []convCase{
			{"03/11/1984", "1984-11-03", ""},
			{"31/12/1980", "1980-12-31", ""},
			{"1/2/2024", "2024-02-01", ""},
			{"1984-03-11", "1984-03-11", ""},
			{"12/31/1980", "", "not a calendar date read day-first (DD/MM/YYYY; --date-order day-first); read month-first (MM/DD/YYYY) it is one"},
			{"31/02/1984", "", "not a calendar date read day-first"},
			{"13/25/1984", "", "--date-order day-first"},
			{"1/31/24", "", "want YYYY-MM-DD or DD/MM/YYYY"},
		}},
		{"datetime", cfDayFirst | cfEndOfDay, []convCase{{"31/03/2024", "2024-03-31T23:59:59Z", ""}, {"03/31/2024", "", "read day-first"}}},
		// Month-first: a date only day-first says so and names the flag.
		{"date", 0, []convCase{
			{"03/11/1984", "1984-03-11", ""},
			{"25/12/1984", "", "not a calendar date read month-first (MM/DD/YYYY; --date-order month-first); read day-first (DD/MM/YYYY) it is one: if the file writes dates that way, give --date-order day-first"},
			{"31/02/1984", "", "not a calendar date read month-first"},
		}},
		{"phone", 0, []convCase{
			{"+1 (425) 555-0100", "+1 (425) 555-0100", ""},
			{"1.42555E+10", "", "scientific notation"},
			{"+1 425 555 E+10", "+1 425 555 E+10", ""},
			{"425.555.0100 ext 12", "425.555.0100 ext 12", ""},
			{"call me", "", "malformed phone number"},
			{"()-", "", "no digits"},
		}},
	}
	for _, tt := range tests {
		tf := lookupTransform(tt.name)
		if tf == nil || tf.conv == nil {
			t.Fatalf("%s: not a value transform", tt.name)
		}
		for _, c := range tt.cases {
			got, err := tf.conv(c.in, tt.fl)
			if c.errs != "" {
				if err == nil || !strings.Contains(err.Error(), c.errs) {
					t.Errorf("%s(%q) = %q, %v; want error containing %q", tt.name, c.in, got, err, c.errs)
				}
				continue
			}
			if err != nil || got != c.want {
				t.Errorf("%s(%q) = %q, %v; want %q", tt.name, c.in, got, err, c.want)
			}
		}
	}
}

func TestFlagAndBool(t *testing.T) {
	flags := []struct {
		in   string
		want bool
		ok   bool
	}{{"Y", true, true}, {"y", true, true}, {"N", false, true}, {"n", false, true},
		{"X", false, false}, {"Yes", false, false}, {"1", false, false}, {"true", false, false}}
	for _, c := range flags {
		got, err := parseFlag(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("flag %q = %v, %v", c.in, got, err)
		}
		if err != nil && !strings.Contains(err.Error(), "flag must be Y or N") {
			t.Errorf("flag %q: error %v", c.in, err)
		}
	}
	bools := []struct {
		in   string
		want bool
		ok   bool
	}{{"true", true, true}, {"TRUE", true, true}, {"false", false, true}, {"Y", false, false}, {"0", false, false}}
	for _, c := range bools {
		got, err := parseBool(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("bool %q = %v, %v", c.in, got, err)
		}
	}
}

func TestProduct(t *testing.T) {
	cases := []convCase{
		{"expense", "expense", ""}, {"EXPENSE", "expense", ""}, {"Payment", "payment", ""},
		{"purchaserequest", "purchaseRequest", ""}, {"EXP", "expense", ""}, {"pmt", "payment", ""},
		{"INV", "payment", ""}, {"INVOICE", "payment", ""}, {"PR", "purchaseRequest", ""},
		{"PURCHREQ", "purchaseRequest", ""}, {"PURCHASE_REQUEST", "purchaseRequest", ""},
		{"REQ", "", "unknown product code"}, {"travel", "", "unknown product code"},
	}
	for _, c := range cases {
		got, err := convProduct(c.in)
		if c.errs != "" {
			if err == nil || !strings.Contains(err.Error(), c.errs) {
				t.Errorf("product(%q) = %q, %v; want error %q", c.in, got, err, c.errs)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("product(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestPhoneExt(t *testing.T) {
	for in, ok := range map[string]bool{"12": true, "0012": true, "": false, "x12": false, "12345678901": false} {
		if err := convPhoneExt(in); (err == nil) != ok {
			t.Errorf("phone_ext(%q) = %v", in, err)
		}
	}
}

func TestRoleCodes(t *testing.T) {
	roles := roleCodes()
	cases := []convCase{
		{"EXP_APPROVER", "EXP_APPROVER", ""},
		{"exp_processor", "EXP_PROCESSOR", ""},
		{"SHD_BUDGET_VIEWER", "SHD_BUDGET_VIEWER", ""},
		{"EXP_USER", "", "only through entitlement Expense (305/300 field 63"},
		{"REQ_USER", "", "entitlement Request"},
		{"INV_PMT_USER", "", "entitlement Invoice"},
		{"REPORTING_CAS_ANALYST", "", "cannot be provisioned (retired)"},
		{"EXP_TRAVEL_AND_EXPENSE_USER", "", "cannot be provisioned"},
		{"N/A", "", "unknown role code"},
		{"BOSS", "", "unknown role code"},
	}
	for _, c := range cases {
		got, err := checkRole(roles, c.in)
		if c.errs != "" {
			if err == nil || !strings.Contains(err.Error(), c.errs) {
				t.Errorf("role(%q) = %q, %v; want error %q", c.in, got, err, c.errs)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("role(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestTransformsListed(t *testing.T) {
	seen := map[string]bool{}
	for _, ti := range Transforms() {
		if ti.Doc == "" || seen[ti.Name] {
			t.Errorf("transform %q: empty doc or listed twice", ti.Name)
		}
		seen[ti.Name] = true
	}
	// Every transform the embedded tables use is in the closed set, and
	// every value transform of the set is used by some table.
	set := mustDefault(t)
	used := map[string]bool{}
	for _, tb := range set.Tables() {
		for _, r := range tb.Rows() {
			used[r.Transform] = true
		}
	}
	for _, ti := range Transforms() {
		if !used[ti.Name] {
			t.Errorf("transform %s is not used by any embedded table", ti.Name)
		}
	}
}

func TestNormalizeIndexes(t *testing.T) {
	for in, want := range map[string]string{
		"Emails[0].Value":   "Emails[*].Value",
		"Emails[12]":        "Emails[*]",
		"a[x].b[3]":         "a[x].b[*]",
		"PrimaryEmail":      "PrimaryEmail",
		"Emails[].Value":    "Emails[].Value",
		"Emails[1].Tags[2]": "Emails[*].Tags[*]",
	} {
		if got := normalizeIndexes(in); got != want {
			t.Errorf("normalizeIndexes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestValidPath(t *testing.T) {
	good := []string{"userName", "name.givenName", `emails[type eq "work"].value`, `customData[id eq "custom2"].value`,
		"adp.employeeFileNumber", `customFields[name eq "Cost [center]"].value`}
	bad := []string{"", ".a", "a.", "a..b", "[x]", "a[b", `a[b eq "x].c`, "a b", "a[[b]]"}
	for _, p := range good {
		if !validPath(p) {
			t.Errorf("validPath(%q) = false", p)
		}
	}
	for _, p := range bad {
		if validPath(p) {
			t.Errorf("validPath(%q) = true", p)
		}
	}
}

func TestSpreadsheetNumber(t *testing.T) {
	for v, want := range map[string]bool{
		"1.23457E+11": true, "4.2E+9": true, "9.9E+0": true,
		"123457": false, "1E+5": false, "12.3E+4": false, "1.2E-3": false, "1.2E+": false, "E1001": false, "1.x3E+4": false, "": false,
	} {
		if got := spreadsheetNumber(v); got != want {
			t.Errorf("spreadsheetNumber(%q) = %v, want %v", v, got, want)
		}
	}
}
