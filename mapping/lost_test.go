package mapping

import (
	"reflect"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// TestLostWarnings: an unsupported value's warning names the field, the
// flag's value and what the user loses (the row's lost column); a forbid
// value refuses the record with the reason itself, once for all its
// fields, and Refused counts the records.
func TestLostWarnings(t *testing.T) {
	person := map[int]string{2: "Ann", 4: "Lee", 5: "E1", 6: "ann@example.com"}
	with := func(extra map[int]string) map[int]string {
		m := map[int]string{}
		for k, v := range person {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		rec  *model.Record
		stat model.Status
		want []string // the record's messages, exactly
	}{
		{"integration administrator", flat("l.csv", 1, "305", with(map[int]string{66: "Y"})), model.StatusConverted, []string{
			"l.csv:1:66 (Integration Administrator (now Import/Extract Administrator)): warning: Y for Integration Administrator (now Import/Extract Administrator): " +
				"not supported by UPS, the user will not get role SHD_IMPORT_EXTRACT_ADMIN (Import/Extract Administrator): it is not in the spend role-code list UPS grants; grant it in Concur [mapping/tables/305.csv:67]"}},
		{"authorization request approver (300)", flat("l.csv", 1, "300", with(map[int]string{68: "Y"})), model.StatusConverted, []string{
			"l.csv:1:68 (Authorization Request Approver): warning: Y for Authorization Request Approver: not supported by UPS, the user will not get role EXP_AUTH_REQUEST_APPROVER (Authorization Request Approver): " +
				"it is not in the spend role-code list UPS grants; grant it in Concur [mapping/tables/300.csv:69]"}},
		{"N stays quiet", flat("l.csv", 1, "305", with(map[int]string{66: "N", 68: "n"})), model.StatusConverted, nil},
		{"text without a flag value", flat("l.csv", 1, "350", map[int]string{2: "E1", 6: "R123", 7: "F"}), model.StatusConverted, []string{
			"l.csv:1:6 (Redress Number): warning: Redress Number: not supported by UPS, the traveller's redress number is not sent: UPS has no attribute for it [mapping/tables/350.csv:7]"}},
		{"no lost text", flat("l.csv", 1, "320", map[int]string{2: "E1", 3: "E2", 5: "x"}), model.StatusConverted, []string{
			"l.csv:1:5 (Future Use 1): warning: Future Use 1: not supported by UPS, the value is dropped [mapping/tables/320.csv:6]"}},
		{"segments", flat("l.csv", 1, "400", map[int]string{2: "E1", 3: "EXP_PROCESSOR", 4: "NWR-US", 6: "Finance"}), model.StatusRejected, []string{
			"l.csv:1:4 (Segment 1): error: a 400 record with Segment 1 and Segment 3 is refused: UPS role assignments have no segments, and dropping the segment would give the role for every segment; " +
				"assign the role without segments, or with its segments in Concur [mapping/tables/400.csv:5]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res := run(t, Options{}, tt.rec)
			var got []string
			for _, m := range res[0].Messages {
				got = append(got, m.String())
			}
			if res[0].Status != tt.stat || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s %q\nwant %s %q", res[0].Status, got, tt.stat, tt.want)
			}
		})
	}
}

func TestRefused(t *testing.T) {
	e := NewEngine(mustDefault(t), Options{})
	e.Add(flat("r.csv", 1, "400", map[int]string{2: "E1", 3: "EXP_PROCESSOR", 4: "NWR-US", 5: "Finance"}))
	e.Add(flat("r.csv", 2, "400", map[int]string{2: "E1", 3: "EXP_APPROVER"}))
	e.Add(flat("r.csv", 3, "400", map[int]string{2: "E2", 3: "EXP_APPROVER", 13: "X"}))
	if e.Refused(); len(NewEngine(mustDefault(t), Options{}).Refused()) != 0 {
		t.Error("a new engine has refusals")
	}
	want := []Refusal{{Table: "400", Fields: []string{"Segment 1", "Segment 2", "Segment 10"}, Records: 2}}
	if got := e.Refused(); !reflect.DeepEqual(got, want) {
		t.Errorf("Refused() = %+v, want %+v", got, want)
	}
	_, res := e.Finish()
	if res[0].Status != model.StatusRejected || res[1].Status != model.StatusConverted || res[2].Status != model.StatusRejected {
		t.Errorf("statuses %s %s %s", res[0].Status, res[1].Status, res[2].Status)
	}
}

// TestForbidWithoutLost: an override table without the lost column refuses
// with the row's note, not a pointer to it.
func TestForbidWithoutLost(t *testing.T) {
	const csv = "source_field,name,target_schema,target_path,transform,args,max_length,note\n" +
		"1,Transaction Type,,,literal,400,,type\n" +
		"2,Employee ID,enterprise:2.0:User,employeeNumber,key,amend,48,key\n" +
		"3,Role Code,spend:2.0:Role,roles,role_code,,,code\n" +
		"4,Segment 1,NOT SUPPORTED,,forbid,,,roles per segment cannot be sent\n"
	tb, err := ParseTable("400", "o/400.csv", strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	e := NewEngine(mustDefault(t).With(tb), Options{})
	e.Add(flat("r.csv", 1, "400", map[int]string{2: "E1", 3: "EXP_PROCESSOR", 4: "X"}))
	_, res := e.Finish()
	if len(res[0].Messages) != 1 || res[0].Messages[0].Message != "a 400 record with Segment 1 is refused: roles per segment cannot be sent" {
		t.Errorf("messages %+v", res[0].Messages)
	}
}
