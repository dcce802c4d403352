package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConvertDateOrder converts a file that writes dates day first:
// without --date-order the date only day-first rejects its record and the
// file gets the hint; with --date-order day-first every date converts and
// report.json records the order.
func TestConvertDateOrder(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "feed.csv")
	feed := "100,0,SSO,UPDATE,EN,N,N\n" +
		"305,Ann,,Lee,E1,ann@example.com,,ann@example.com,en_US,US,US-WA,L1,USD,,Y\n" +
		"305,Bo,,Ek,E2,bo@example.com,,bo@example.com,en_US,US,,L1,USD,,Y\n" +
		"350,E1,,,,,,25/12/1984\n" +
		"350,E2,,,,,,03/11/1984\n"
	if err := os.WriteFile(in, []byte(feed), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		flags     []string
		code      int
		stdout    []string // fragments of stdout
		notStdout string
		dob       map[string]string // employee -> dateOfBirth in the bulk
		order     string            // report.json options.dateOrder
	}{
		{name: "default month-first", code: ExitRejected,
			stdout: []string{
				"1 rejected",
				in + ":4:8 (Date of Birth): error: malformed date \"25/12/1984\": not a calendar date read month-first (MM/DD/YYYY; --date-order month-first); read day-first (DD/MM/YYYY) it is one: if the file writes dates that way, give --date-order day-first",
				in + ":4: warning: the dates of this file read as day-first dates (DD/MM/YYYY): 1 of its 2 slash dates",
				"convert it with --date-order day-first",
			},
			dob: map[string]string{"E2": "1984-03-11"}, order: "month-first"},
		{name: "day-first", flags: []string{"--date-order", "day-first"}, code: ExitOK,
			stdout: []string{"0 rejected"}, notStdout: "--date-order",
			dob: map[string]string{"E1": "1984-12-25", "E2": "1984-11-03"}, order: "day-first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"convert", "--company-id", "053c9338-bf2a-49cd-9035-c1f97be858b0", "--out", out}, tt.flags...)
			code, stdout, stderr := run(t, "", append(args, in)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			for _, frag := range tt.stdout {
				if !strings.Contains(stdout, frag) {
					t.Errorf("stdout lacks %q:\n%s", frag, stdout)
				}
			}
			if tt.notStdout != "" && strings.Contains(stdout, tt.notStdout) {
				t.Errorf("stdout has %q:\n%s", tt.notStdout, stdout)
			}
			b, err := os.ReadFile(filepath.Join(out, "bulk-0001.json"))
			if err != nil {
				t.Fatal(err)
			}
			var bulk struct {
				Operations []struct {
					Data struct {
						DateOfBirth string `json:"dateOfBirth"`
						Ent         struct {
							EmployeeNumber string `json:"employeeNumber"`
						} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
					} `json:"data"`
				} `json:"Operations"`
			}
			if err := json.Unmarshal(b, &bulk); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, op := range bulk.Operations {
				if op.Data.DateOfBirth != "" {
					got[op.Data.Ent.EmployeeNumber] = op.Data.DateOfBirth
				}
			}
			for emp, want := range tt.dob {
				if got[emp] != want {
					t.Errorf("%s dateOfBirth %q, want %q (all: %v)", emp, got[emp], want, got)
				}
			}
			if len(got) != len(tt.dob) {
				t.Errorf("dates of birth %v, want %v", got, tt.dob)
			}
			var rep struct {
				Options struct {
					DateOrder string `json:"dateOrder"`
				} `json:"options"`
			}
			b, _ = os.ReadFile(filepath.Join(out, "report.json"))
			if err := json.Unmarshal(b, &rep); err != nil || rep.Options.DateOrder != tt.order {
				t.Errorf("report.json options.dateOrder %q (%v), want %q", rep.Options.DateOrder, err, tt.order)
			}
		})
	}
	code, _, stderr := run(t, "", "convert", "--out", t.TempDir(), "--date-order", "year-first", in)
	if code != ExitUsage || !strings.Contains(stderr, `--date-order "year-first": expected month-first (MM/DD/YYYY, the default) or day-first (DD/MM/YYYY)`) {
		t.Errorf("bad --date-order: exit %d, stderr %s", code, stderr)
	}
}

// TestMigrateDateOrder: migrate takes --date-order like convert and refuses
// a bad value before touching its directory.
func TestMigrateDateOrder(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "feed.csv")
	if err := os.WriteFile(in, []byte("305,Ann,,Lee,E1,ann@example.com,,ann@example.com\n350,E1,,,,,,25/12/1984\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, stderr := run(t, "", "migrate", "--sandbox", "--dry-run", "--out", out, "--date-order", "ymd", in)
	if code != ExitUsage || !strings.Contains(stderr, "--date-order \"ymd\"") {
		t.Errorf("bad --date-order: exit %d, stderr %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("migrate created its directory before refusing the flag")
	}
	code, stdout, stderr := run(t, "", "migrate", "--sandbox", "--dry-run", "--out", out, "--date-order", "day-first", in)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil || !strings.Contains(string(b), `"dateOrder": "day-first"`) && !strings.Contains(string(b), `"dateOrder":"day-first"`) {
		t.Errorf("report.json does not record the order (%v)", err)
	}
}
