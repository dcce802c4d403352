package schemas

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// jsonCases are documents the fast decoder must decode as decodeJSON does,
// or leave to it: plain, escaped, non-ASCII, invalid UTF-8, numbers at the
// edges of the grammar, duplicate keys, damaged and trailing data.
var jsonCases = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `1.5e+10`, `-12.0E-3`, `true`, `false`, `null`,
	` { "a" : [ 1 , 2 , { } , [ ] ] , "b" : null } `,
	`{"a":1,"a":2}`, `{"k":"v\"q\\ \u00e9 \ud83d\ude00 \ud800"}`, "{\"k\":\"caf\xc3\xa9 \xff\"}",
	"{\"Zo\xc3\xab\":\"\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"}", "[\"\xed\xa0\x80\"]", // valid UTF-8; an encoded surrogate
	`{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"emp-1","data":{"userName":"a@b","active":true}}]}`,
	`01`, `1.`, `.5`, `1e`, `-`, `+1`, `tru`, `nul`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{"a":1}x`, `{"a":1} {}`,
	"\"a\tb\"", `"\`, `"abc`, `{"a":[`, `{1:2}`, "\n\r\t[1]\n", strings.Repeat("[", 300) + strings.Repeat("]", 300),
}

// TestDecodeDocMatchesEncodingJSON holds the fast decoder equal to the
// reference on the cases above, on every document of the corpus, and on
// each line of the corpus's plans.
func TestDecodeDocMatchesEncodingJSON(t *testing.T) {
	docs := append([]string{}, jsonCases...)
	for _, dir := range []string{"testdata/valid", "testdata/invalid"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.json*"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no corpus (%v)", dir, err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			docs = append(docs, string(data))
			if strings.HasSuffix(f, ".jsonl") {
				sc := bufio.NewScanner(bytes.NewReader(data))
				sc.Buffer(nil, 1<<20)
				for sc.Scan() {
					docs = append(docs, sc.Text())
				}
			}
		}
	}
	for _, d := range docs {
		checkDecodeDoc(t, []byte(d))
	}
}

func checkDecodeDoc(t *testing.T, data []byte) {
	t.Helper()
	want, werr := decodeJSON(data)
	got, gerr := decodeDoc(data)
	if (werr == nil) != (gerr == nil) || werr != nil && werr.Error() != gerr.Error() {
		t.Fatalf("%.80q: error %v, encoding/json's %v", data, gerr, werr)
	}
	if !reflect.DeepEqual(plainValue(got), want) {
		t.Fatalf("%.80q: decoded %#v, encoding/json %#v", data, got, want)
	}
}

// TestDecodeDocReused: documents decoded one after another into the same
// arenas (each released before the next, large and small in turn, damaged
// ones among them) decode as encoding/json decodes them; a tree kept past
// its release is what reuse must never allow, so none is.
func TestDecodeDocReused(t *testing.T) {
	docs := append([]string{}, jsonCases...)
	for _, f := range []string{"testdata/valid/bulk-phases.json", "testdata/valid/patch-user.json"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data), `{"a":[1,2]}`)
	}
	for round := range 3 {
		for i, d := range docs {
			want, werr := decodeJSON([]byte(d))
			got, release, gerr := decodeDocReused([]byte(d), i%2 == 0)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("round %d, document %d: error %v, encoding/json's %v", round, i, gerr, werr)
			}
			if werr == nil && !reflect.DeepEqual(plainValue(got), want) {
				t.Fatalf("round %d, document %d %.60q: decoded %#v, encoding/json %#v", round, i, d, plainValue(got), want)
			}
			release()
		}
	}
}

// TestDecodeDocFast checks that the fast path does decode plain documents
// itself rather than leave everything to the reference.
func TestDecodeDocFast(t *testing.T) {
	data, err := os.ReadFile("testdata/valid/bulk-phases.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{string(data), "{\"name\":\"Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac\"}"} {
		p := fastJSON{s: doc}
		p.value(0)
		if p.err != nil {
			t.Fatalf("the fast parser left %.40q to encoding/json: %v", doc, p.err)
		}
	}
}

func FuzzDecodeDoc(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkDecodeDoc(t, data) })
}
