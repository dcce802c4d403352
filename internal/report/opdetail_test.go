package report

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/journal"
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

// TestOpDetailsAlike: operations whose extension results are the same
// bytes and carry no message share the details spooled for the first,
// and read back what decoding each would give; results with a message
// (redacted per operation), messages of the operation, bad JSON and
// results past the bound are decoded and spooled each time.
func TestOpDetailsAlike(t *testing.T) {
	ok := json.RawMessage(`[{"schema":"urn:ietf:params:scim:schemas:core:2.0:User","result":"success","code":"201"},` +
		`{"schema":"urn:ietf:params:scim:schemas:extension:spend:2.0:User","result":"success"}]`)
	withMsg := json.RawMessage(`[{"schema":"urn:ietf:params:scim:schemas:extension:spend:2.0:User","result":"error",` +
		`"messages":[{"code":"INVALID","message":"secret-E1 is wrong"}]}]`)
	opMsgs := json.RawMessage(`[{"code":"X","message":"secret-E1 again"}]`)
	long := json.RawMessage(`[{"schema":"s","result":"success","code":"` + strings.Repeat("x", maxSameLen) + `"}]`)
	ops := []struct {
		emp        string
		exts, msgs json.RawMessage
		shared     int // index of the op whose ref it shares, -1: its own
	}{
		{"E1", ok, nil, -1},
		{"E2", ok, nil, 0},
		{"E1", withMsg, nil, -1},
		{"E2", withMsg, nil, -1}, // same bytes, redacted for another employee
		{"E1", ok, opMsgs, -1},
		{"E2", ok, opMsgs, -1},
		{"E3", json.RawMessage(`[{"schema":`), nil, -1},
		{"E3", json.RawMessage(`[{"schema":`), nil, -1},
		{"E4", long, nil, -1},
		{"E5", long, nil, -1},
		{"E6", ok, nil, 0},
	}
	ds := newOpDetails()
	refs := make([]int64, len(ops))
	for i, o := range ops {
		redact := func(s string) string { return strings.ReplaceAll(s, "secret-"+o.emp, "[redacted]") }
		ref, good, err := ds.add(&journal.Op{Extensions: o.exts, Messages: o.msgs}, redact)
		if err != nil {
			t.Fatal(err)
		}
		refs[i] = ref
		var want opDetail
		var wantOK bool
		want.exts, want.msgs, wantOK = decodeOp(o.exts, o.msgs, redact)
		if good != wantOK {
			t.Errorf("op %d: ok %v, decoding says %v", i, good, wantOK)
		}
		if want.exts == nil && want.msgs == nil {
			if ref != 0 {
				t.Errorf("op %d: ref %d for no details", i, ref)
			}
			continue
		}
		o := Operation{detail: ref}
		d := &Data{jr: &journalData{details: ds}}
		if err := d.fillOp(&o); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(o.Extensions, want.exts) || !reflect.DeepEqual(o.Messages, want.msgs) {
			t.Errorf("op %d reads back %+v %+v, want %+v %+v", i, o.Extensions, o.Messages, want.exts, want.msgs)
		}
	}
	for i, o := range ops {
		if o.shared >= 0 && refs[i] != refs[o.shared] {
			t.Errorf("op %d: ref %d, want op %d's %d", i, refs[i], o.shared, refs[o.shared])
		}
		for j := range i {
			if o.shared < 0 && refs[i] != 0 && refs[i] == refs[j] {
				t.Errorf("op %d shares op %d's details (ref %d)", i, j, refs[i])
			}
		}
	}
	if len(ds.same) != 1 {
		t.Errorf("%d results kept alike, want 1", len(ds.same))
	}
}
