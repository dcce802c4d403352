package concur

// rt310 is record type 310, User Primary Field Addendum Import: 24 fields, from
// spec/records/310.csv.
var rt310 = &RecordType{
	Code: "310",
	Name: "User Primary Field Addendum Import",
	Fields: []FieldDef{
		{Number: 1, Name: "Transaction Type", Format: "literal", Required: true, Allowed: []string{"310"}},
		{Number: 2, Name: "Employee ID", MaxLen: 48, Format: "employee ID"},
		{Number: 3, Name: "Login ID", MaxLen: 128, Format: "user@domain"},
		{Number: 4, Name: "First Name", MaxLen: 32, Format: "text"},
		{Number: 5, Name: "Middle Name", Format: "text"},
		{Number: 6, Name: "Last Name", MaxLen: 32, Format: "text"},
		{Number: 7, Name: "Email Address", MaxLen: 255, Format: "email"},
		{Number: 8, Name: "Password", Format: "text"},
		{Number: 9, Name: "Locale Code", MaxLen: 5, Format: "xx_XX (e.g. en_US)"},
		{Number: 10, Name: "Expense User", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 11, Name: "Expense Approver", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 12, Name: "Invoice User", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 13, Name: "Invoice Approver", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 14, Name: "Travel User", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 15, Name: "Active", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 16, Name: "No Middle Name", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 17, Name: "Locate and Alert", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 18, Name: "ExpenseIt User", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 19, Name: "Future Use 1"},
		{Number: 20, Name: "Future Use 2"},
		{Number: 21, Name: "Future Use 3"},
		{Number: 22, Name: "Future Use 4"},
		{Number: 23, Name: "Future Use 5"},
		{Number: 24, Name: "Future Use 6"},
	},
}
