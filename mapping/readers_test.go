package mapping

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/concur"
	"github.com/upsmigrate/upsmigrate/formats/v1xml"
	"github.com/upsmigrate/upsmigrate/formats/v3json"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

type nexter interface {
	Next() (*model.Record, error)
}

func readAll(t *testing.T, r nexter) []*model.Record {
	t.Helper()
	var out []*model.Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reader: %v", err)
		}
		out = append(out, rec)
	}
}

// TestThroughReaders maps records as the three readers produce them: keys,
// names and lines come from the readers.
func TestThroughReaders(t *testing.T) {
	flatFile := "100,0,SSO,UPDATE,EN,Y,Y\n" +
		"305,Ann,,Lee,E1,ann@example.com,pw,ann@example.com,en_US,US,US-WA,DEFAULT,USD,,Y\n" +
		"350,E1,,,,,F\n"
	v1 := `<?xml version="1.0"?>
<batch xmlns="http://www.concursolutions.com/api/user/2011/02">
  <UserProfile>
    <EmployeeID>V1</EmployeeID>
    <LoginID>v1@example.com</LoginID>
    <FirstName>Vi</FirstName>
    <Active>Y</Active>
  </UserProfile>
</batch>`
	v3 := `{"total": 1, "offset": 0, "limit": 100, "Items": [
  {"EmployeeID": "V3", "LoginID": "v3@example.com", "Active": true,
   "Emails": [{"Type": "Work", "EmailAddress": "v3@example.com"}]}
]}`
	var recs []*model.Record
	recs = append(recs, readAll(t, concur.NewReader(strings.NewReader(flatFile), "feed.txt"))...)
	recs = append(recs, readAll(t, v1xml.NewReader(strings.NewReader(v1), "users.xml"))...)
	recs = append(recs, readAll(t, v3json.NewReader(strings.NewReader(v3), "users.json"))...)
	css, res := run(t, Options{}, recs...)
	got := map[string]string{}
	for _, r := range res {
		var msgs []string
		for _, m := range r.Messages {
			msgs = append(msgs, m.String())
		}
		got[r.Pos.String()] = string(r.Status) + " " + strings.Join(msgs, "; ")
	}
	want := map[string]string{
		"feed.txt:1":   "skipped",
		"feed.txt:2":   "converted feed.txt:2:7 (Password): warning: a password value",
		"feed.txt:3":   "converted",
		"users.xml:3":  "converted",
		"users.json:2": "converted",
	}
	for pos, w := range want {
		if !strings.HasPrefix(got[pos], w) {
			t.Errorf("%s: %q, want prefix %q", pos, got[pos], w)
		}
	}
	if len(res) != len(want) || len(css) != 3 {
		t.Errorf("results %v, %d change sets", got, len(css))
	}
	if a := findAttr(findCS(css, "E1"), model.SchemaTravel+":gender"); a == nil || a.Value() != "Female" || a.Source().String() != "feed.txt:3:7 (Gender)" {
		t.Errorf("gender = %+v", a)
	}
	if a := findAttr(findCS(css, "V1"), model.SchemaCore+":userName"); a == nil || a.Source().Line != 5 {
		t.Errorf("V1 userName = %+v", a)
	}
	if a := findAttr(findCS(css, "V3"), model.SchemaCore+":active"); a == nil || a.Value() != true {
		t.Errorf("V3 active = %+v", a)
	}
	if a := findAttr(findCS(css, "V3"), model.SchemaCore+`:emails[type eq "work"].value`); a == nil || a.Value() != "v3@example.com" || a.Source().String() != "users.json:3:Emails[0].EmailAddress" {
		t.Errorf("V3 work e-mail = %+v", a)
	}
}
