package report

import (
	"reflect"
	"testing"
)

// TestOpDetailCodec round-trips an operation's details through the
// spool's encoding, nil and empty lists kept apart, and checks that a
// truncated item reads back as an error, never a panic or a wrong value
// taken for a right one.
func TestOpDetailCodec(t *testing.T) {
	msg := OpMessage{Code: "INVALID", Message: "not a currency: «XYZ»", SchemaPath: "spend:2.0:User:reimbursementCurrency",
		Type: "error", Source: "a.csv:3:field 12 (currency)", src: jsonSource{File: "a.csv", Line: 3, Field: "12", Name: "currency"}}
	for _, x := range []opDetail{
		{},
		{exts: []Extension{}, msgs: []OpMessage{}},
		{exts: []Extension{{Schema: "core:2.0:User", Result: "success", Code: "201"}}},
		{exts: []Extension{{Schema: "spend:2.0:User", Result: "error", Code: "400", Messages: []OpMessage{msg, {}}}}, msgs: []OpMessage{msg}},
	} {
		b := x.appendSpool(nil)
		var got opDetail
		if err := got.readSpool(&spoolReader{b: b}); err != nil {
			t.Fatalf("%+v: %v", x, err)
		}
		if !reflect.DeepEqual(got, x) {
			t.Errorf("read back %+v, wrote %+v", got, x)
		}
		for n := 0; n < len(b); n++ {
			var cut opDetail
			if err := cut.readSpool(&spoolReader{b: b[:n]}); err == nil && reflect.DeepEqual(cut, x) {
				t.Errorf("%d of %d bytes read back as the whole item", n, len(b))
			}
		}
	}
}

// FuzzOpDetailDecode: reading any bytes back as an operation's details
// ends in an error or in details that encode and read back the same,
// never in a panic.
func FuzzOpDetailDecode(f *testing.F) {
	f.Add((&opDetail{exts: []Extension{{Schema: "core:2.0:User", Result: "error", Messages: []OpMessage{{Code: "X"}}}}}).appendSpool(nil))
	f.Add([]byte{0, 0})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, b []byte) {
		var x opDetail
		if err := x.readSpool(&spoolReader{b: b}); err != nil {
			return
		}
		enc := x.appendSpool(nil)
		var y opDetail
		if err := y.readSpool(&spoolReader{b: enc}); err != nil || !reflect.DeepEqual(x, y) {
			t.Errorf("%x read back as %+v, which encodes to %x, read back as %+v (%v)", b, x, enc, y, err)
		}
	})
}
