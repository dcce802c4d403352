package schemas

import (
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
			"written by an older upsmigrate (no format header); this upsmigrate reads plan format 2: run 'upsmigrate convert' again to rewrite it"},
		"newer": {`{"plan":"upsmigrate","version":3}` + "\n" + `{"emp":"E1","records":[],"ops":[],"new":1}` + "\n",
			"plan format 3, of another upsmigrate; this upsmigrate reads plan format 2"},
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
