package plan

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
)

func marshalStd(t testing.TB, v any, indent bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestEncoderMatchesEncodingJSON(t *testing.T) {
	tree := map[string]any{
		"z": []any{}, "a": map[string]any{}, "urn:x:User": map[string]any{"b": true, "a": []any{"x", json.Number("-1.5e3"), nil, false}},
		"Operations": []any{map[string]any{"op": "add", "value": []any{map[string]any{"roleName": "R", "roleGroups": []any{}}}}},
		"s":          "quote\" back\\ ctl\x01\x1f tab\t nl\n <&> \u2028\u2029 bad\xff\xfe utf8 é 漢 🙂 long-ascii-run-0123456789",
	}
	for _, indent := range []bool{false, true} {
		got, err := appendValue(nil, tree, indent, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := marshalStd(t, tree, indent); !bytes.Equal(got, want) {
			t.Errorf("indent=%v\n got %s\nwant %s", indent, got, want)
		}
		// The node form encodes the same.
		n := &obj{}
		n.set("s", tree["s"])
		n.set("a", &obj{})
		n.set("z", &arr{})
		n.set("urn:x:User", &obj{keys: []string{"b", "a"}, vals: []any{true, &arr{vals: []any{"x", json.Number("-1.5e3"), nil, false}}}})
		roles := &obj{keys: []string{"roleName", "roleGroups"}, vals: []any{"R", emptyArr}}
		n.set("Operations", &arr{vals: []any{&obj{keys: []string{"value", "op"}, vals: []any{&arr{vals: []any{roles}}, "add"}}}})
		gotN, err := appendValue(nil, n, indent, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(gotN, got) {
			t.Errorf("node encoding differs:\n%s\n%s", gotN, got)
		}
		if conv, _ := appendValue(nil, toAny(n), indent, 0); !bytes.Equal(conv, got) {
			t.Errorf("toAny changes the encoding:\n%s", conv)
		}
	}
	if _, err := appendValue(nil, map[string]any{"x": 3}, false, 0); err == nil {
		t.Error("an int in plan data is accepted")
	}
	if _, err := appendValue(nil, json.Number("01"), false, 0); err == nil {
		t.Error("an invalid json.Number is accepted")
	}
}

func TestValidNumber(t *testing.T) {
	for s, want := range map[string]bool{"0": true, "-0": true, "12": true, "1.5": true, "-1.5e+3": true, "2E-7": true,
		"": false, "-": false, "01": false, "1.": false, ".5": false, "1e": false, "+1": false, "1x": false, "NaN": false} {
		if got := validNumber(s); got != want {
			t.Errorf("validNumber(%q) = %v", s, got)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", "12345678abcdefgh", "a\"b\\c", "\x00\x7f\x80\xff", "\u2028x\u2029", "é漢🙂", "<html>&amp;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		want := marshalStd(t, s, false)
		if !bytes.Equal(got, want) {
			t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestEncoderKeyOrders checks that remembered key orders give the bytes
// encoding/json gives, across more key sets than the encoder remembers (so
// that sets evict each other) and with keys that need escaping.
func TestEncoderKeyOrders(t *testing.T) {
	sets := [][]string{
		{"value", "id"}, {"id", "value"}, {"b", "a", "c"}, {"zz", "a\"q", "é", "\u2028"},
		{"urn:x:User", "schemas", "name"},
	}
	for i := range 3 * keyOrders {
		sets = append(sets, []string{"k" + string(rune('a'+i%26)), strconv.Itoa(i), "x" + strconv.Itoa(i%7)})
	}
	for _, indent := range []bool{false, true} {
		e := encoder{indent: indent, orders: new([keyOrders]*keyOrder)}
		for round := range 2 {
			for i, keys := range sets {
				o := &obj{}
				want := map[string]any{}
				for j, k := range keys {
					v := k + "-" + strconv.Itoa(j)
					o.set(k, &v)
					want[k] = v
				}
				got, err := e.value(nil, o, 1)
				if err != nil {
					t.Fatal(err)
				}
				if std := marshalStd(t, want, indent); !bytes.Equal(reindent(got, indent), std) {
					t.Fatalf("indent %v, round %d, set %d: got %s, want %s", indent, round, i, got, std)
				}
			}
		}
	}
}

// TestEncoderNestedKeyOrders writes objects holding an object whose key
// set takes the same remembered slot as their own: the inner object evicts
// the outer one's order while the outer one is being written (this used to
// write the wrong keys, or panic).
func TestEncoderNestedKeyOrders(t *testing.T) {
	collisions := 0
	e := encoder{orders: new([keyOrders]*keyOrder)}
	for i := range 20 * keyOrders {
		outerKeys := []string{"a" + strconv.Itoa(i), "inner", "z"}
		innerKeys := []string{"p", "q" + strconv.Itoa(i*7), "r" + strconv.Itoa(i%13), "s"}
		if keySlot(outerKeys) == keySlot(innerKeys) {
			collisions++
		}
		inner, outer := &obj{}, &obj{}
		wantInner, want := map[string]any{}, map[string]any{}
		for _, k := range innerKeys {
			v := "v" + k
			inner.set(k, &v)
			wantInner[k] = v
		}
		for _, k := range outerKeys {
			if k == "inner" {
				outer.set(k, inner)
				want[k] = wantInner
				continue
			}
			v := "w" + k
			outer.set(k, &v)
			want[k] = v
		}
		for range 2 { // the second time, from the remembered orders
			got, err := e.value(nil, outer, 0)
			if err != nil {
				t.Fatal(err)
			}
			if std := marshalStd(t, want, false); !bytes.Equal(got, std) {
				t.Fatalf("object %d: got %s, want %s", i, got, std)
			}
		}
	}
	if collisions == 0 {
		t.Fatal("no outer and inner key sets share a slot: the test checks nothing")
	}
}

// reindent turns an object encoded at depth 1 into one encoded at depth 0.
func reindent(b []byte, indent bool) []byte {
	if !indent {
		return b
	}
	return bytes.ReplaceAll(b, []byte("\n  "), []byte("\n"))
}
