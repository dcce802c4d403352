package concur

// rt400 is record type 400, Role Import: 13 fields, from
// spec/records/400.csv.
var rt400 = &RecordType{
	Code: "400",
	Name: "Role Import",
	Fields: []FieldDef{
		{Number: 1, Name: "Transaction Type", Format: "literal", Required: true, Allowed: []string{"400"}},
		{Number: 2, Name: "Employee ID", MaxLen: 48, Format: "employee ID"},
		{Number: 3, Name: "Role Code", Format: "role code"},
		{Number: 4, Name: "Segment 1", Format: "list item code"},
		{Number: 5, Name: "Segment 2", Format: "list item code"},
		{Number: 6, Name: "Segment 3", Format: "list item code"},
		{Number: 7, Name: "Segment 4", Format: "list item code"},
		{Number: 8, Name: "Segment 5", Format: "list item code"},
		{Number: 9, Name: "Segment 6", Format: "list item code"},
		{Number: 10, Name: "Segment 7", Format: "list item code"},
		{Number: 11, Name: "Segment 8", Format: "list item code"},
		{Number: 12, Name: "Segment 9", Format: "list item code"},
		{Number: 13, Name: "Segment 10", Format: "list item code"},
	},
}
