package concur

// rt100 is record type 100, Import Settings: 7 fields, from
// spec/records/100.csv.
var rt100 = &RecordType{
	Code: "100",
	Name: "Import Settings",
	Fields: []FieldDef{
		{Number: 1, Name: "Transaction Type", Format: "literal", Required: true, Allowed: []string{"100"}},
		{Number: 2, Name: "Error Threshold", Format: "integer"},
		{Number: 3, Name: "Password Generation", Format: "code", Allowed: []string{"EMPID", "LOGINID", "TEXT", "SSO"}},
		{Number: 4, Name: "Existing Record Handling", Format: "code", Allowed: []string{"REPLACE", "UPDATE", "WARN", "IGNORE"}},
		{Number: 5, Name: "Language Code", Format: "language code"},
		{Number: 6, Name: "Validate Expense Group", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 7, Name: "Validate Payment Group", Format: "Y/N", Allowed: []string{"Y", "N"}},
	},
}
