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
	sameAsJSON(t, "warning", warnings)
	rejected := []Rejected{
		{},
		{Pos: "in.csv:3", Format: "305", Type: "305", EmployeeID: "E2", Messages: []Message{}},
		{Pos: "in\xfe.csv:4", Messages: []Message{{Severity: "error", Source: "in.csv:4:2", Row: "r:1", Message: "m\xff", Text: "t"}, {}}},
	}
	sameAsJSON(t, "rejected", rejected)
	var w Warning
	if err := w.readSpool(&spoolReader{b: []byte{5, 'a'}}); err == nil {
		t.Error("a cut item reads without an error")
	}
}

// sameAsJSON checks that each item comes back from the spool as from a
// JSON round trip.
func sameAsJSON[T any](t *testing.T, what string, items []T) {
	t.Helper()
	for i := range items {
		var got, want T
		jsonRoundTrip(t, &items[i], &want)
		codecRoundTrip(t, &items[i], &got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %d: %+v, want %+v", what, i, got, want)
		}
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
