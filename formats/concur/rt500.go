package concur

// rt500 is record type 500, Delegate Import: 11 fields, from
// spec/records/500.csv.
var rt500 = &RecordType{
	Code:   "500",
	Name:   "Delegate Import",
	Fields: concatFields([]FieldDef{{Number: 1, Name: "Transaction Type", Format: "literal", Required: true, Allowed: []string{"500"}}}, delegateFields),
}

// delegateFields are fields 2-11, the same in 500 and 550 records (both
// spec/records/500.csv and 550.csv list them identically).
var delegateFields = []FieldDef{
	{Number: 2, Name: "Employee ID", MaxLen: 48, Format: "employee ID"},
	{Number: 3, Name: "Delegate ID", MaxLen: 48, Format: "employee ID"},
	{Number: 4, Name: "Product Code", Format: "code"},
	{Number: 5, Name: "Can Prepare Reports", Format: "Y/N", Allowed: []string{"Y", "N"}},
	{Number: 6, Name: "Can Submit Reports", Format: "Y/N", Allowed: []string{"Y", "N"}},
	{Number: 7, Name: "Can Approve Reports", Format: "Y/N", Allowed: []string{"Y", "N"}},
	{Number: 8, Name: "Can Temporarily Approve Reports", Format: "Y/N", Allowed: []string{"Y", "N"}},
	{Number: 9, Name: "Temporary Approval Delegation From Date", Format: "date"},
	{Number: 10, Name: "Temporary Approval Delegation To Date", Format: "date"},
	{Number: 11, Name: "Can View Receipt Images", Format: "Y/N", Allowed: []string{"Y", "N"}},
}
