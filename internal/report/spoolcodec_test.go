package report

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestSpoolCodec: an item reads back from the spool as a JSON round trip
// gives it, invalid UTF-8 and nil or empty lists included.
func TestSpoolCodec(t *testing.T) {
	warnings := []Warning{
		{},
		{Origin: OriginRecord, Status: "converted", Employee: "E1", Source: "in.csv:2:12 (Ledger Code)", Row: "mapping/tables/305.csv:13",
			Operation: "bulk-0001.json #2", Message: "value <dropped> & \"quoted\" 'x'\n\tü€😀"},
		{Employee: "bad\xffutf8\xc3", Message: "\xed\xa0\x80 surrogate, \x00 nul, \u2028 line"},
	}
	for i, w := range warnings {
		var got, want Warning
		jsonRoundTrip(t, &w, &want)
		codecRoundTrip(t, &w, &got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("warning %d: %+v, want %+v", i, got, want)
		}
	}
	rejected := []Rejected{
		{},
		{Pos: "in.csv:3", Format: "305", Type: "305", EmployeeID: "E2", Messages: []Message{}},
		{Pos: "in\xfe.csv:4", Messages: []Message{{Severity: "error", Source: "in.csv:4:2", Row: "r:1", Message: "m\xff", Text: "t"}, {}}},
	}
	for i, r := range rejected {
		var got, want Rejected
		jsonRoundTrip(t, &r, &want)
		codecRoundTrip(t, &r, &got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rejected %d: %+v, want %+v", i, got, want)
		}
	}
	var w Warning
	if err := w.readSpool(&spoolReader{b: []byte{5, 'a'}}); err == nil {
		t.Error("a cut item reads without an error")
	}
}

func jsonRoundTrip[T any](t *testing.T, in, out *T) {
	t.Helper()
	b, err := json.Marshal(in)
	must(t, err)
	must(t, json.Unmarshal(b, out))
}

func codecRoundTrip[T any](t *testing.T, in, out *T) {
	t.Helper()
	s := newSpool[T]()
	defer s.close()
	must(t, s.add(in))
	must(t, s.done())
	must(t, s.at(0, out))
}
