package concur

import (
	"strings"
	"testing"
)

func TestParseSettings(t *testing.T) {
	def := DefaultSettings()
	def.Present, def.Line = true, 1
	cases := []struct {
		row   string
		want  Settings
		field int    // first bad field, 0 when valid
		msg   string // part of the error text
	}{
		{row: "100", want: def},
		{row: "100,,,,,,", want: def},
		{
			row:  "100,25,LOGINID,REPLACE,en_US,N,Y",
			want: Settings{Present: true, Line: 1, ErrorThreshold: 25, PasswordGeneration: "LOGINID", ExistingRecordHandling: "REPLACE", LanguageCode: "en_US", ValidatePaymentGroup: true},
		},
		{row: "100,+5", want: def, field: 2, msg: `Error Threshold is "+5": expected a whole number of 0 or more`},
		{row: "100,0,sso", want: def, field: 3, msg: `Password Generation is "sso": expected one of EMPID, LOGINID, TEXT, SSO`},
		{row: "100,0,SSO,UPDATE,E N", want: func() Settings { s := def; s.PasswordGeneration = "SSO"; return s }(), field: 5, msg: `Language Code is "E N"`},
		{row: "100,0,,,,Yes,No", want: def, field: 6, msg: `Validate Expense Group is "Yes": expected one of Y, N; Validate Payment Group is "No"`},
	}
	for _, c := range cases {
		t.Run(c.row, func(t *testing.T) {
			got, field, err := parseSettings(strings.Split(c.row, ","), 1)
			if got != c.want {
				t.Errorf("settings %+v, want %+v", got, c.want)
			}
			if field != c.field {
				t.Errorf("bad field %d, want %d (err %v)", field, c.field, err)
			}
			if (err != nil) != (c.msg != "") || err != nil && !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %v, want one containing %q", err, c.msg)
			}
		})
	}
}
