package concur

// rt550 is record type 550, Enhanced Delegate Import: 18 fields, from
// spec/records/550.csv: the 500 layout (delegateFields) and fields 12-18.
var rt550 = &RecordType{
	Code: "550",
	Name: "Enhanced Delegate Import",
	Fields: concatFields(
		[]FieldDef{{Number: 1, Name: "Transaction Type", Format: "literal", Required: true, Allowed: []string{"550"}}},
		delegateFields,
		[]FieldDef{
			{Number: 12, Name: "Can Receive Email", Format: "Y/N", Allowed: []string{"Y", "N"}},
			{Number: 13, Name: "Can Receive Email Approval", Format: "Y/N", Allowed: []string{"Y", "N"}},
			{Number: 14, Name: "Can Use Business Intelligence", Format: "Y/N", Allowed: []string{"Y", "N"}},
			{Number: 15, Name: "Can Submit Request", Format: "Y/N", Allowed: []string{"Y", "N"}},
			{Number: 16, Name: "Can Preview Report for Approval", Format: "Y/N", Allowed: []string{"Y", "N"}},
			{Number: 17, Name: "Future Use 4"},
			{Number: 18, Name: "Future Use 5"},
		}),
}
