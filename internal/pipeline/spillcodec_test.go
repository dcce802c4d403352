package pipeline

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// flatKeys are shared by the flat records of the tests, as a reader
// shares them per record type.
var flatKeys = []string{"1", "2", "3", "4", "5"}

func TestRecordRoundTrip(t *testing.T) {
	recs := []struct {
		ord, hash uint64
		rec       model.Record
	}{
		{0, 0, model.Record{Format: model.FormatConcur, Type: "305", Pos: model.Position{File: "a.csv", Line: 2},
			Keys: flatKeys, Values: []string{"305", "Ann", "", "Lee", "E1"}}},
		{1, 1<<64 - 1, model.Record{Format: model.FormatConcur, Type: "350", Pos: model.Position{File: "a.csv", Line: 3},
			Keys: flatKeys[:2], Values: []string{"350", "multi\nline, \"quoted\" é"}}},
		{300, 42, model.Record{Format: model.FormatV1XML, Type: "v1", Pos: model.Position{File: "u.xml", Line: 9},
			Keys: []string{"EmployeeID", "FirstName"}, Names: []string{"Employee ID", "First name"}, Values: []string{"V1", "Vi"},
			Lines: []int{10, 11}}},
		{1 << 40, 7, model.Record{Format: model.FormatV3JSON, Type: "3.1", Pos: model.Position{File: "u.json", Line: 1}}},
		// Given as their line (model.Record.Line): written as it, split
		// again when read.
		{8, 9, model.Record{Format: model.FormatConcur, Type: "305", Pos: model.Position{File: "a.csv", Line: 4},
			Keys: flatKeys, Values: []string{"305", "Ann", "", "Lee", "E1"}, Line: "305,Ann,,Lee,E1", Sep: ','}},
		{10, 11, model.Record{Format: model.FormatConcur, Type: "350", Pos: model.Position{File: "b.csv", Line: 5},
			Keys: flatKeys, Values: []string{"350", "", "é;x", "", ""}, Line: "350||é;x||", Sep: '|'}},
		{12, 13, model.Record{Format: model.FormatConcur, Type: "305", Pos: model.Position{File: "a.csv", Line: 6},
			Keys: flatKeys[:1], Values: []string{""}, Line: "", Sep: ','}},
		{16, 17, model.Record{Format: model.FormatConcur, Type: "305", Pos: model.Position{File: "a.csv", Line: 8},
			Keys: flatKeys[:4], Values: []string{"305", "Note, kept", "", "x"}, Line: `305,"Note, kept","",x`, Sep: ','}},
	}
	// A line that does not add up to the values (a reader's slip) is not
	// trusted: the values are written each, and read back without it.
	slip := model.Record{Format: model.FormatConcur, Type: "305", Pos: model.Position{File: "a.csv", Line: 7},
		Keys: flatKeys[:2], Values: []string{"305", "Ann"}, Line: "305,Anne", Sep: ','}
	recs = append(recs, struct {
		ord, hash uint64
		rec       model.Record
	}{14, 15, slip})
	for _, interned := range []bool{true, false} {
		c := newRecordCodec()
		if !interned {
			for i := range maxInterned { // tables full: everything inline
				c.appendStr(nil, strings.Repeat("x", i+1))
				c.appendList(nil, []string{"x"})
			}
		}
		var buf []byte
		for i := range recs {
			buf = c.appendRecord(buf, recs[i].ord, recs[i].hash, &recs[i].rec)
		}
		d := dec[string]{s: string(buf)}
		var r spilledRecord
		for i := range recs {
			payload := d.raw()
			ord, hash, err := recordHead(payload)
			if err != nil || ord != recs[i].ord || hash != recs[i].hash {
				t.Fatalf("interned %v: record %d: head %d %d %v, want %d %d", interned, i, ord, hash, err, recs[i].ord, recs[i].hash)
			}
			if err := c.readRecord(payload, &r); err != nil {
				t.Fatalf("interned %v: record %d: %v", interned, i, err)
			}
			want := recs[i].rec
			if !asLine(&want) {
				want.Line, want.Sep = "", 0
			}
			if len(want.Values) == 0 {
				want.Values = r.rec.Values[:0] // reused: empty, not nil
			}
			if r.ord != recs[i].ord || r.hash != recs[i].hash || !reflect.DeepEqual(r.rec, want) {
				t.Errorf("interned %v: record %d: got %+v, want %+v", interned, i, r.rec, want)
			}
		}
		if err := d.done(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRecordDecodeCorrupt: every truncation of an entry fails to decode
// with errCorrupt, never panics.
func TestRecordDecodeCorrupt(t *testing.T) {
	c := newRecordCodec()
	var r spilledRecord
	for _, rec := range []model.Record{
		{Format: model.FormatV1XML, Type: "v1", Pos: model.Position{File: "u.xml", Line: 9},
			Keys: []string{"EmployeeID"}, Values: []string{"V1"}, Lines: []int{10}},
		{Format: model.FormatConcur, Type: "305", Pos: model.Position{File: "a.csv", Line: 2},
			Keys: flatKeys[:3], Values: []string{"305", "Ann", "Lee"}, Line: "305,Ann,Lee", Sep: ','},
	} {
		entry := c.appendRecord(nil, 5, 6, &rec)
		d := dec[string]{s: string(entry)}
		payload := d.raw()
		for n := 0; n < len(payload); n++ {
			if err := c.readRecord(payload[:n], &r); !errors.Is(err, errCorrupt) {
				t.Errorf("%s payload cut at %d of %d: error %v, want errCorrupt", rec.Type, n, len(payload), err)
			}
		}
		if err := c.readRecord(payload+"x", &r); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: a byte too many: error %v", rec.Type, err)
		}
	}
	// A uvarint longer than 64 bits.
	bad := string(binary.AppendUvarint(nil, 1<<63)) + "\xff"
	if err := c.readRecord(strings.Repeat("\xff", 10)+"\x02"+bad, &r); !errors.Is(err, errCorrupt) {
		t.Errorf("overlong uvarint: error %v", err)
	}
}

func FuzzRecordDecode(f *testing.F) {
	c := newRecordCodec()
	for _, rec := range []model.Record{
		{Format: model.FormatConcur, Type: "305", Pos: model.Position{File: "a.csv", Line: 2}, Keys: flatKeys, Values: []string{"305", "Ann"}},
		{Format: model.FormatV1XML, Type: "v1", Pos: model.Position{File: "u.xml", Line: 9}, Keys: []string{"EmployeeID"},
			Names: []string{"Employee ID"}, Values: []string{"V1"}, Lines: []int{10}},
		{Format: model.FormatConcur, Type: "305", Pos: model.Position{File: "a.csv", Line: 3}, Keys: flatKeys[:3],
			Values: []string{"305", "", "Lee"}, Line: "305,,Lee", Sep: ','},
	} {
		entry := c.appendRecord(nil, 3, 4, &rec)
		d := dec[string]{s: string(entry)}
		f.Add(d.raw())
	}
	f.Fuzz(func(t *testing.T, payload string) {
		var r spilledRecord
		if err := c.readRecord(payload, &r); err != nil {
			if !errors.Is(err, errCorrupt) {
				t.Fatalf("error %v is not errCorrupt", err)
			}
			return
		}
		// What decodes encodes back to the same payload.
		entry := c.appendRecord(nil, r.ord, r.hash, &r.rec)
		d := dec[string]{s: string(entry)}
		if again := d.raw(); again != payload && len(again) > len(payload) {
			t.Fatalf("re-encoded payload is longer: %q, was %q", again, payload)
		}
	})
}

// TestAppendInPlace holds appendInPlace to appendBytes for lengths on
// both sides of each uvarint size, after something and after nothing.
func TestAppendInPlace(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 129, 16383, 16384, 2097151, 2097152} {
		b := bytes.Repeat([]byte{'x'}, n)
		for i := range b {
			b[i] = byte('a' + i%26)
		}
		for _, prefix := range [][]byte{nil, []byte("head")} {
			want := appendBytes(slices.Clone(prefix), b)
			got := appendInPlace(slices.Clone(prefix), func(dst []byte) []byte { return append(dst, b...) })
			if !bytes.Equal(got, want) {
				t.Fatalf("%d bytes after %q: got %d bytes, want %d", n, prefix, len(got), len(want))
			}
		}
	}
}

// TestAppendRecordResultJSON: the record's JSON in a spilled result is
// report.json's entry for it, HTML characters as themselves.
func TestAppendRecordResultJSON(t *testing.T) {
	r := model.RecordResult{Pos: model.Position{File: "in/<a&b>.csv", Line: 7}, Status: model.StatusConverted, EmployeeID: "E<1>",
		Messages: []model.Diagnostic{{Severity: model.SevWarning, Message: "value <x> & more dropped"}}}
	enc := appendRecordResult(nil, recKey{file: 1, line: 7, ord: 3}, &r, &kindMemo{})
	want, err := reportEntry(&r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(enc, want) || !bytes.Contains(want, []byte(`"E<1>"`)) {
		t.Fatalf("spilled result %q does not end with the report's entry %q", enc, want)
	}
	d := dec[[]byte]{s: enc[len(enc)-len(want)-2:]}
	if l := d.uvarint(); int(l) != len(want) {
		t.Fatalf("length prefix %d, want %d", l, len(want))
	}
}
