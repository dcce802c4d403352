package schemas

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestValidatePlanOfAnotherFormat: a plan.jsonl of another format (the
// one before version 2, a newer version) gets one finding saying to
// convert again, not a finding per line.
func TestValidatePlanOfAnotherFormat(t *testing.T) {
	v, err := New(Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct{ plan, want string }{
		"before version 2": {strings.Repeat(`{"employeeId":"E1","creates":true,"records":[],"operations":[]}`+"\n", 50),
			"written by an older upsmigrate (no format header); this upsmigrate reads plan formats 2 to 6: run 'upsmigrate convert' again to rewrite it"},
		"newer": {`{"plan":"upsmigrate","version":7}` + "\n" + `{"emp":"E1","records":[],"ops":[],"new":1}` + "\n",
			"plan format 7, of another upsmigrate; this upsmigrate reads plan formats 2 to 6"},
	} {
		fs, err := v.ValidateBytes(KindPlan, []byte(tc.plan))
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].Line != 1 || fs[0].Keyword != "lineage" || !fs[0].IsError() || !strings.Contains(fs[0].Message, tc.want) {
			t.Errorf("%s: %v, want one error at line 1 saying %q", name, fs, tc.want)
		}
	}
}

// TestValidatePlanFileStreams checks that a plan.jsonl validated from its
// file, a batch of lines at a time, gets the findings of the plan validated
// whole: on a plan longer than a batch, with bad lines in several batches,
// a line with a carriage return and no newline at the end.
func TestValidatePlanFileStreams(t *testing.T) {
	v, err := New(Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`{"plan":"upsmigrate","version":2}` + "\n" + `{"file":1,"path":"a.csv"}` + "\n")
	n := planBatch*planChunk*2 + 37
	for i := range n {
		switch {
		case i%1500 == 7:
			b.WriteString("{not json\n")
		case i%2100 == 9:
			b.WriteString(`{"emp":"E","records":[[1,2]],"ops":[["bulk-1.json",-1,5,"POST","/Users"]]}` + "\r\n")
		default:
			fmt.Fprintf(&b, `{"emp":"E%d","records":[[1,%d]],"ops":[["bulk-0001.json",%d,1,"POST","/Users"]]}`+"\n", i, i+2, i%100)
		}
	}
	b.WriteString(`{"emp":"LAST","records":[[1,1]]}`)
	data := []byte(b.String())
	want := v.validatePlan(data)
	path := filepath.Join(t.TempDir(), "plan.jsonl")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	got, kind, err := v.ValidateFile(path)
	if err != nil || kind != KindPlan {
		t.Fatalf("ValidateFile: %v, %v", kind, err)
	}
	if len(want) < 3 {
		t.Fatalf("only %d findings: the test plan should have bad lines in several batches", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("streamed: %d findings, whole: %d\n%v\n%v", len(got), len(want), got, want)
	}
}

// TestIsBulkName: a plan of 10,000 requests or more names bulk files of
// five digits (lineage.BulkName), which are bulk file names too.
func TestIsBulkName(t *testing.T) {
	for name, want := range map[string]bool{
		"bulk-0001.json": true, "bulk-9999.json": true, "bulk-20000.json": true, "bulk-123456.json": true,
		"bulk-001.json": false, "bulk-00a1.json": false, "bulk-0001.jsonl": false, "Bulk-0001.json": false,
		"bulk-.json": false, "0001.json": false, "bulk-0001": false, "": false,
	} {
		if got := isBulkName(name); got != want {
			t.Errorf("isBulkName(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestValidatePlanLinesReference checks the batched, buffer-reusing read
// of plan lines against the lines validated one by one, each from a copy
// of its own: lines longer than the reader's buffer, bad lines whose
// findings quote their values in early batches, good lines after them
// (whose chunks' buffers are reused), no newline at the end.
func TestValidatePlanLinesReference(t *testing.T) {
	v, err := New(Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	long := strings.Repeat("x", 300<<10)
	for i := range planBatch*planChunk*3 + 11 {
		switch {
		case i == 5:
			lines = append(lines, `{"emp":"`+long+`","records":[[1,2]],"ops":[["bulk-1.json",-1,5,"PUT","/Users"]]}`)
		case i == 6:
			lines = append(lines, `{"emp":"`+long+`","records":[[1,2]]}`)
		case i%977 == 3:
			lines = append(lines, fmt.Sprintf(`{"emp":"BAD%d","records":[["one",2]],"ops":[["bulk-0001.json",0,9,"PATCH%d","/Users"]]}`, i, i))
		case i%1301 == 4:
			lines = append(lines, "{not json")
		default:
			lines = append(lines, fmt.Sprintf(`{"emp":"E%d","records":[[1,%d]],"ops":[["bulk-0001.json",%d,1,"POST","/Users"]]}`, i, i+2, i%100))
		}
	}
	var want []Finding
	for i, l := range lines {
		want = v.appendPlanLine(want, []byte(strings.Clone(l)), i+1)
	}
	if len(want) < 10 {
		t.Fatalf("the reference found %d findings: the test's bad lines are not bad", len(want))
	}
	got, err := v.validatePlanLines(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %d findings, the reference %d", len(got), len(want))
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("first difference, finding %d:\n got %+v\nwant %+v", i, got[i], want[i])
				break
			}
		}
	}
}
