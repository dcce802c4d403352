package target

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/sandbox"
)

func TestUPSSandboxSmoke(t *testing.T) {
	s, err := sandbox.New(sandbox.Config{Users: 3})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer s.Close()
	defer hs.Close()
	c := s.Credentials()
	tg, err := NewUPS(UPSOptions{URL: hs.URL, ClientID: c.ClientID, ClientSecret: c.ClientSecret, CompanyID: c.CompanyID, RequestToken: c.AuthToken,
		HTTPOptions: HTTPOptions{Log: t.Logf}})
	if err != nil {
		t.Fatal(err)
	}
	info, err := tg.Prepare(t.Context())
	if err != nil {
		t.Fatalf("%v", err)
	}
	_ = info
	m, err := tg.LookupEmployees(t.Context(), []string{"E00001", "E00002", "nope"})
	if err != nil {
		t.Fatalf("%v", err)
	}
	_ = m
	body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"b1","data":{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"x1@example.com","active":true,"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"companyId":"` + c.CompanyID + `","employeeNumber":"X1"}}},{"method":"PATCH","path":"/Users/nope","data":{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}}]}`
	acc, err := tg.Send(t.Context(), []byte(body), 2)
	if err != nil {
		t.Fatalf("%v", err)
	}
	_ = acc
	time.Sleep(200 * time.Millisecond)
	st, err := tg.Status(t.Context(), acc.ProvisionID)
	if err != nil {
		t.Fatalf("%v", err)
	}
	_ = st
	ops, err := tg.Operations(t.Context(), acc.ProvisionID)
	if err != nil {
		t.Fatalf("%v", err)
	}
	_ = ops
	m, err = tg.LookupUserNames(t.Context(), []string{"X1@example.com"})
	if err != nil {
		t.Fatalf("%v", err)
	}
	_ = m
}
