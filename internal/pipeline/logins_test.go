package pipeline

import (
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

func TestConvertDuplicateLogins(t *testing.T) {
	dir, err := plan.NewDirectory([]plan.DirEntry{
		{EmployeeNumber: "D1", ID: "11111111-1111-4111-8111-111111111111", UserName: "zoe@example.com", Pos: model.Position{File: "dir.csv", Line: 2}},
		{EmployeeNumber: "D2", ID: "22222222-2222-4222-8222-222222222222", UserName: "yan@example.com", Pos: model.Position{File: "dir.csv", Line: 3}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		rows     []string
		dir      *plan.Directory
		rejected map[string]string // employee → message fragment; others converted
	}{
		{name: "distinct logins", rows: []string{
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil),
			row305("Bea", "Lee", "E2", "en_US", "US", "", "USD", nil),
		}},
		{name: "same login, later employee rejected", rows: []string{
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil),
			row305("Ann", "Kim", "E2", "en_US", "US", "", "USD", nil),
		}, rejected: map[string]string{"E2": `in.csv:3:6 (Login ID): error: Login ID "ann@example.com" is already the login of employee E1 (`}},
		{name: "logins compare ignoring case", rows: []string{
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil),
			row305("Bea", "Kim", "E2", "en_US", "US", "", "USD", map[int]string{6: "ANN@Example.com"}),
		}, rejected: map[string]string{"E2": "in.csv:2:6"}},
		{name: "one employee twice is no duplicate", rows: []string{
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil),
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", nil),
		}},
		{name: "login of another employee in the directory", dir: dir, rows: []string{
			row305("Zoe", "Lee", "E3", "en_US", "US", "", "USD", nil),
		}, rejected: map[string]string{"E3": "employee D1 (directory dir.csv:2)"}},
		{name: "directory login of the same employee", dir: dir, rows: []string{
			row305("Zoe", "Lee", "D1", "en_US", "US", "", "USD", nil),
		}},
		{name: "login changed by an update is still taken in this run", dir: dir, rows: []string{
			row305("Yan", "Lee", "E4", "en_US", "US", "", "USD", nil),
			row305("Yannick", "Lee", "D2", "en_US", "US", "", "USD", nil),
		}, rejected: map[string]string{"E4": "employee D2 (directory dir.csv:3)"}},
		{name: "login freed by a 320 of its directory owner", dir: dir, rows: []string{
			row305("Yan", "Lee", "E4", "en_US", "US", "", "USD", nil),
			"320,D2,,yannick@example.com",
		}},
		{name: "logins swapped by updates", dir: dir, rows: []string{
			row305("Zoe", "Lee", "D2", "en_US", "US", "", "USD", nil),
			row305("Yan", "Lee", "D1", "en_US", "US", "", "USD", nil),
		}, rejected: map[string]string{"D2": "employee D1 (directory dir.csv:2)", "D1": "employee D2 (directory dir.csv:3)"}},
		{name: "the earlier holder rejected for another reason", rows: []string{
			row305("Ann", "Lee", "E1", "en_US", "US", "", "USD", map[int]string{15: "maybe"}),
			row305("Ann", "Kim", "E2", "en_US", "US", "", "USD", nil),
		}, rejected: map[string]string{"E1": "flag"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			paths := write(t, map[string]string{"in.csv": "100,0,SSO,UPDATE,EN,N,N\n" + strings.Join(tt.rows, "\n") + "\n"})
			res, err := Convert(paths, Options{Options: plan.Options{CompanyID: companyID, Directory: tt.dir}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range res.Records {
				if r.Status != model.StatusRejected {
					continue
				}
				var msgs []string
				for _, m := range r.Messages {
					msgs = append(msgs, m.String())
				}
				got[r.EmployeeID] = strings.Join(msgs, "\n")
			}
			if len(got) != len(tt.rejected) {
				t.Fatalf("rejected %v, want %v", got, tt.rejected)
			}
			for emp, frag := range tt.rejected {
				if !strings.Contains(got[emp], frag) {
					t.Errorf("%s: messages %q lack %q", emp, got[emp], frag)
				}
			}
			if res.Totals.Records != res.Totals.Converted+res.Totals.Skipped+res.Totals.Rejected {
				t.Errorf("totals do not add up: %+v", res.Totals)
			}
			for _, req := range res.Plan.Requests {
				for _, op := range req.Operations {
					if op.Method != "POST" {
						continue
					}
					if _, rej := tt.rejected[op.Employee]; rej {
						t.Errorf("rejected employee %s is still created", op.Employee)
					}
				}
			}
		})
	}
}
