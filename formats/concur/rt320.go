package concur

// rt320 is record type 320, Update ID Information Import: 9 fields, from
// spec/records/320.csv.
var rt320 = &RecordType{
	Code: "320",
	Name: "Update ID Information Import",
	Fields: []FieldDef{
		{Number: 1, Name: "Transaction Type", Format: "literal", Required: true, Allowed: []string{"320"}},
		{Number: 2, Name: "Current Employee ID", MaxLen: 48, Format: "employee ID"},
		{Number: 3, Name: "New Employee ID", MaxLen: 48, Format: "employee ID"},
		{Number: 4, Name: "New Login ID", MaxLen: 128, Format: "user@domain"},
		{Number: 5, Name: "Future Use 1"},
		{Number: 6, Name: "Future Use 2"},
		{Number: 7, Name: "Future Use 3"},
		{Number: 8, Name: "Future Use 4"},
		{Number: 9, Name: "Future Use 5"},
	},
}
