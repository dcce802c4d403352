package concur

// rt550 is record type 550, Enhanced Delegate Import: 18 fields, from
// spec/records/550.csv.
var rt550 = &RecordType{
	Code: "550",
	Name: "Enhanced Delegate Import",
	Fields: []FieldDef{
		{Number: 1, Name: "Transaction Type", Format: "literal", Required: true, Allowed: []string{"550"}},
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
		{Number: 12, Name: "Can Receive Email", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 13, Name: "Can Receive Email Approval", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 14, Name: "Can Use Business Intelligence", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 15, Name: "Can Submit Request", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 16, Name: "Can Preview Report for Approval", Format: "Y/N", Allowed: []string{"Y", "N"}},
		{Number: 17, Name: "Future Use 4"},
		{Number: 18, Name: "Future Use 5"},
	},
}
