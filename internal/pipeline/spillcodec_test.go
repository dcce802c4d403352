package pipeline

import (
	"encoding/binary"
	"errors"
	"reflect"
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
	}
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
	rec := model.Record{Format: model.FormatV1XML, Type: "v1", Pos: model.Position{File: "u.xml", Line: 9},
		Keys: []string{"EmployeeID"}, Values: []string{"V1"}, Lines: []int{10}}
	entry := c.appendRecord(nil, 5, 6, &rec)
	d := dec[string]{s: string(entry)}
	payload := d.raw()
	var r spilledRecord
	for n := 0; n < len(payload); n++ {
		if err := c.readRecord(payload[:n], &r); !errors.Is(err, errCorrupt) {
			t.Errorf("payload cut at %d of %d: error %v, want errCorrupt", n, len(payload), err)
		}
	}
	if err := c.readRecord(payload+"x", &r); !errors.Is(err, errCorrupt) {
		t.Errorf("a byte too many: error %v", err)
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
