package pipeline

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

func TestWarningKinds(t *testing.T) {
	warn := func(name, msg string) model.Diagnostic {
		return model.Diagnostic{Severity: model.SevWarning, Source: model.Source{File: "f.csv", Line: 2, Field: "9", Name: name}, Message: msg}
	}
	records := []model.RecordResult{
		{Messages: []model.Diagnostic{
			warn("ExpenseIt User", "Y for ExpenseIt User: not supported by UPS, the user will not get the ExpenseIt entitlement"),
			warn("Password", "a password value was present and dropped: UPS has no password attribute (the value is never written)"),
			{Severity: model.SevError, Message: "not supported by UPS"}, // errors are not warnings
		}},
		{Messages: []model.Diagnostic{
			warn("Custom 1", "Custom 1: not supported by UPS, the value is not sent"),
			warn("ExpenseIt User", "Y for ExpenseIt User: not supported by UPS, the user will not get the ExpenseIt entitlement"),
			warn("", "travel extension left out of new user L121: UPS requires ruleClass with it"),
			warn("Zip", "something nobody classified"),
		}},
	}
	for i := range 5 {
		records = append(records, model.RecordResult{Messages: []model.Diagnostic{warn("Custom "+string(rune('2'+i)), "not supported by UPS")}})
	}
	got := WarningKinds(records)
	want := []WarningKind{
		{Kind: "field not supported by UPS, not sent", Count: 8, Fields: []string{"ExpenseIt User", "Custom 1", "Custom 2", "Custom 3"}, More: 3},
		{Kind: "extension left out of a new user (UPS requires a value the input does not give)", Count: 1, Fields: []string{"9"}},
		{Kind: "other", Count: 1, Fields: []string{"Zip"}},
		{Kind: "password dropped (UPS has no password attribute)", Count: 1, Fields: []string{"Password"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WarningKinds:\n got %+v\nwant %+v", got, want)
	}
	total := 0
	for _, k := range got {
		total += k.Count
	}
	if c := count(records); total != c.Warnings {
		t.Errorf("kinds count %d warnings, Totals %d", total, c.Warnings)
	}
}

// TestKindCounterAddName holds addName, with its memo of the last kind
// and field, to add over runs of repeated, alternating, empty and new
// names, past maxKindFields.
func TestKindCounterAddName(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	kinds := []string{"dropped", "trimmed", "other"}
	var byAdd, byName kindCounter
	for i := range 5000 {
		kind := kinds[r.IntN(len(kinds))]
		name := ""
		switch n := r.IntN(10); {
		case n < 5: // a run of one field
			name = "Custom 4"
		case n < 8:
			name = fmt.Sprintf("Field %d", r.IntN(3*maxKindFields))
		}
		if i%100 < 50 { // long runs of one warning, as real runs give
			kind, name = "dropped", "Custom 4"
		}
		byAdd.add(kind, name)
		byName.addName(kind, []byte(name))
	}
	if got, want := byName.kinds(), byAdd.kinds(); !reflect.DeepEqual(got, want) {
		t.Fatalf("addName counted %+v\nadd counted %+v", got, want)
	}
}
