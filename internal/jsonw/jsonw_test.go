package jsonw

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// reference is what encoding/json writes for s with HTML escaping off.
func reference(t testing.TB, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'})
}

var stringCases = []string{
	"",
	"plain ascii value 0123456789",
	`quote " and backslash \`,
	"controls \x00\x01\b\f\n\r\t\x1f end",
	"html <b>&amp;</b> stays as is",
	"ünïcödé 日本語 👍",
	"line\u2028para\u2029sep",
	"bad utf8 \xff\xfe and \xc3",
	"exactly8",
	"sixteen bytes!!!\"",
	"\x7f del",
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range stringCases {
		got := AppendString([]byte("prefix:"), s)
		want := append([]byte("prefix:"), reference(t, s)...)
		if !bytes.Equal(got, want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestPlainPrefix(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"abcdefgh", 8},
		{"abcdefghij\"k", 10},
		{"abcdefgh\x00", 8},
		{"ab\\", 2},
		{"abcdefgé", 7},
	}
	for _, tt := range tests {
		if got := PlainPrefix(tt.in); got != tt.want {
			t.Errorf("PlainPrefix(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestAppendScalars(t *testing.T) {
	got := string(AppendKey(nil, "a", true))
	got = string(AppendBool([]byte(got), true))
	got = string(AppendKey([]byte(got), "b", false))
	got = string(AppendInt([]byte(got), -42))
	got = string(AppendKey([]byte(got), "c", false))
	got = string(AppendBool([]byte(got), false))
	if want := `"a":true,"b":-42,"c":false`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestAppendArray(t *testing.T) {
	quoted := func(s *string, dst []byte) []byte { return AppendString(dst, *s) }
	tests := []struct {
		in   []string
		want string
	}{
		{nil, `[]`},
		{[]string{"a"}, `["a"]`},
		{[]string{"a", "b\"", ""}, `["a","b\"",""]`},
	}
	for _, tt := range tests {
		if got := string(AppendArray([]byte("x:"), tt.in, quoted)); got != "x:"+tt.want {
			t.Errorf("AppendArray(%q) = %s, want x:%s", tt.in, got, tt.want)
		}
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range stringCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := AppendString(nil, s), reference(t, s); !bytes.Equal(got, want) {
			t.Fatalf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}

// TestEscapeHTMLMatchesMarshal: AppendString then EscapeHTML writes what
// json.Marshal writes (HTML escaping on), and leaves what comes before
// start alone.
func TestEscapeHTMLMatchesMarshal(t *testing.T) {
	for _, s := range append(stringCases, "<<&&>>", "a<b", "&", "x>") {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		got := EscapeHTML(AppendString([]byte("<p>"), s), 3)
		if !bytes.Equal(got, append([]byte("<p>"), want...)) {
			t.Errorf("EscapeHTML(AppendString(%q)) = %s, want <p>%s", s, got, want)
		}
	}
}

func FuzzEscapeHTML(f *testing.F) {
	for _, s := range stringCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := EscapeHTML(AppendString(nil, s), 0); !bytes.Equal(got, want) {
			t.Fatalf("EscapeHTML(AppendString(%q)) = %s, want %s", s, got, want)
		}
	})
}

// TestPlainPrefixWords holds PlainPrefix to plainPrefixRef for every
// length up to 40 and every place of a byte to escape (each kind of
// them), so that each word, the overlapping tail words and the byte loop
// all meet one.
func TestPlainPrefixWords(t *testing.T) {
	for n := 0; n <= 40; n++ {
		plain := strings.Repeat("a", n)
		if got := PlainPrefix(plain); got != n {
			t.Fatalf("PlainPrefix of %d plain bytes = %d", n, got)
		}
		for at := 0; at < n; at++ {
			for _, c := range []string{"\"", "\\", "\x00", "\x1f", "\x7f", "\x80", "é"} {
				s := plain[:at] + c + plain[at+1:]
				if got, want := PlainPrefix(s), plainPrefixRef(s); got != want {
					t.Fatalf("PlainPrefix(%q) = %d, want %d", s, got, want)
				}
			}
		}
	}
}

func FuzzPlainPrefix(f *testing.F) {
	for _, s := range stringCases {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := PlainPrefix(s), plainPrefixRef(s); got != want {
			t.Fatalf("PlainPrefix(%q) = %d, want %d", s, got, want)
		}
	})
}
