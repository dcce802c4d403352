package plan

import (
	"encoding/json"
	"io"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// genSets makes n change sets shaped like fully populated 305 rows: every
// mapped field of records/305.csv set, half the role flags Y and half N,
// five approvers and a BI manager.
func genSets(n int) []*model.ChangeSet {
	type f struct {
		schema, path string
		field        int
		flag         bool
	}
	fields := []f{
		{model.SchemaCore, "name.givenName", 2, false}, {model.SchemaCore, "name.middleName", 3, false},
		{model.SchemaCore, "name.familyName", 4, false}, {model.SchemaEnterprise, "employeeNumber", 5, false},
		{model.SchemaCore, "userName", 6, false}, {model.SchemaCore, `emails[type eq "work"].value`, 8, false},
		{model.SchemaSpendUser, "locale", 9, false}, {model.SchemaSpendUser, "country", 10, false},
		{model.SchemaSpendUser, "stateProvince", 11, false}, {model.SchemaSpendUser, "ledgerCode", 12, false},
		{model.SchemaSpendUser, "reimbursementCurrency", 13, false}, {model.SchemaSpendUser, "cashAdvanceAccountCode", 14, false},
		{model.SchemaCore, "active", 15, true},
	}
	for i := 1; i <= 6; i++ {
		fields = append(fields, f{model.SchemaSpendUser, `customData[id eq "orgUnit` + strconv.Itoa(i) + `"].value`, 15 + i, false})
	}
	for i := 1; i <= 22; i++ {
		fields = append(fields, f{model.SchemaSpendUser, `customData[id eq "custom` + strconv.Itoa(i) + `"].value`, 21 + i, false})
	}
	for i, p := range []string{"emailStatusChangeOnCashAdvance", "emailAwaitApprovalOnCashAdvance", "emailStatusChangeOnReport",
		"emailAwaitApprovalOnReport", "promptForApproverOnReportSubmit", "emailStatusChangeOnTravelRequest",
		"emailAwaitApprovalOnTravelRequest", "promptForApproverOnTravelRequestSubmit", "emailStatusChangeOnPayment",
		"emailAwaitApprovalOnPayment", "promptForApproverOnPaymentSubmit"} {
		fields = append(fields, f{model.SchemaWorkflowPreference, p, 43 + i, true})
	}
	for i, p := range []string{"promptForCardTransactionsOnReport", "allowCreditCardTransArrivalEmails", "showInstructHelpPanel", "showImagingIntro"} {
		fields = append(fields, f{model.SchemaUserPreference, p, 54 + i, true})
	}
	fields = append(fields, f{model.SchemaUserPreference, "expenseAuditRequired", 76, false},
		f{model.SchemaSpendUser, "nonEmployee", 89, true}, f{model.SchemaSpendUser, "reimbursementType", 90, false},
		f{model.SchemaPayroll, "adp.employeeFileNumber", 91, false}, f{model.SchemaPayroll, "adp.companyCode", 92, false},
		f{model.SchemaPayroll, "adp.deductionCode", 93, false})
	roles := []string{"EXP_APPROVER", "EXP_CARD_ADMIN", "SHD_IMPORT_EXTRACT_ADMIN", "EXP_RECEIPT_PROCESSOR",
		"EXP_AUTH_REQUEST_APPROVER", "SHD_IMPORT_EXTRACT_ADMIN_RO", "SHD_COMPANY_INFO_ADMIN", "REPORTING_CONFIG_ADMIN",
		"INV_APPROVER", "INV_VENDOR_ADMIN", "REQ_APPROVER", "SHD_TAX_ADMIN", "EXP_FB_TAX_ADMIN", "TRAVEL_USER",
		"SHD_BUDGET_OWNER", "SHD_BUDGET_VIEWER", "SHD_BUDGET_APPROVER", "SHD_BUDGET_ADMIN"}
	ents := []string{"Expense", "Invoice", "Request"}
	t, fl := true, false
	sets := make([]*model.ChangeSet, n)
	for u := range n {
		emp := "E" + strconv.Itoa(100000+u)
		line := u + 2
		cs := &model.ChangeSet{EmployeeID: emp, Creates: true, Records: []model.Position{{File: "big.txt", Line: line}},
			Attrs: make([]model.Attr, 0, len(fields)+len(roles)+len(ents))}
		src := func(field int) model.Source {
			return model.Source{File: "big.txt", Line: line, Field: strconv.Itoa(field)}
		}
		for _, fd := range fields {
			var v any = "value-" + strconv.Itoa(fd.field) + "-" + emp
			switch {
			case fd.flag:
				v = fd.field%2 == 0
			case fd.field == 5:
				v = emp
			}
			cs.Attrs = append(cs.Attrs, model.NewAttr(fd.schema, fd.path, v, src(fd.field), "305.csv:"+strconv.Itoa(fd.field)))
		}
		for i, e := range ents {
			cs.Attrs = append(cs.Attrs, model.NewMember(model.SchemaCore, "entitlements", e, i != 1, src(63+5*i), "305.csv:63"))
		}
		for i, r := range roles {
			cs.Attrs = append(cs.Attrs, model.NewMember(model.SchemaRole, "roles", r, i%2 == 0, src(64+i), "305.csv:64"))
		}
		boss := "E" + strconv.Itoa(100000+u/10)
		for i, typ := range []string{"report", "cashAdvance", "request", "invoice"} {
			cs.Refs = append(cs.Refs, refAt(model.Ref{Kind: model.RefApprover, Schema: model.SchemaApprover, Path: typ, Primary: &t, Target: boss}, src(59+i)))
		}
		cs.Refs = append(cs.Refs, refAt(model.Ref{Kind: model.RefApprover, Schema: model.SchemaApprover, Path: "report", Primary: &fl, Target: boss}, src(80)),
			refAt(model.Ref{Kind: model.RefBIManager, Schema: model.SchemaSpendUser, Path: "biManager", Target: boss}, src(77)))
		sets[u] = cs
	}
	return sets
}

func benchBuild(b *testing.B, n int, o Options) {
	sets := genSets(n)
	b.ReportAllocs()
	b.ResetTimer()
	var bytes int64
	cpu0 := cpuTime()
	for b.Loop() {
		p, err := Build(sets, o)
		if err != nil {
			b.Fatal(err)
		}
		bytes = 0
		for _, r := range p.Requests {
			if err := r.Encode(io.Discard); err != nil {
				b.Fatal(err)
			}
			bytes += int64(r.Size())
		}
	}
	// CPU time of the process (all threads) per user: steadier than wall
	// time on a shared machine; it includes the garbage collector.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/user")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/user")
	b.ReportMetric(float64(bytes)/float64(n), "B/user-json")
}

// BenchmarkBuild measures build + encode of 10k generated full 305 users.
func BenchmarkBuild(b *testing.B) { benchBuild(b, 10000, Options{CompanyID: "c0"}) }

// BenchmarkBuildIndent is BenchmarkBuild with indented output.
func BenchmarkBuildIndent(b *testing.B) { benchBuild(b, 10000, Options{CompanyID: "c0", Indent: true}) }

// BenchmarkBuildOneWorker is BenchmarkBuild on one goroutine.
func BenchmarkBuildOneWorker(b *testing.B) {
	benchBuild(b, 10000, Options{CompanyID: "c0", Workers: 1})
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkMapsEncodingJSON is the straightforward alternative for
// comparison: the same operations built as map[string]any trees and
// encoded with encoding/json (which sorts keys and reflects), kept in
// memory like Build keeps its encoding.
func BenchmarkMapsEncodingJSON(b *testing.B) {
	const n = 10000
	sets := genSets(n)
	opts := Options{CompanyID: "c0"}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	var bytes int64
	for b.Loop() {
		bytes = 0
		bl := newBuilder(&opts, nil)
		bl.keep = true
		var out [][]byte
		for _, cs := range sets {
			res := bl.user(cs)
			for _, op := range res.ops {
				if op == nil {
					continue
				}
				enc, err := json.Marshal(scim.BulkOperation{Method: op.Method, BulkID: op.BulkID, Path: op.Path, Data: toAny(op.data)})
				if err != nil {
					b.Fatal(err)
				}
				out = append(out, enc)
				bytes += int64(len(enc))
			}
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/user")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/user")
	b.ReportMetric(float64(bytes)/float64(n), "B/user-json")
}
