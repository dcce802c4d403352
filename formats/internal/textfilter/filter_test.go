package textfilter

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestFilter(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		out   string
		bad   []BadByte
		utf16 bool
		lines int // line at the end of the output
	}{
		{name: "empty", in: "", out: "", lines: 1},
		{name: "plain", in: "a\tb\r\nc\n", out: "a\tb\r\nc\n", lines: 3},
		{name: "utf8 bom dropped", in: "\xEF\xBB\xBFab", out: "ab", lines: 1},
		{name: "bom only", in: "\xEF\xBB\xBF", out: "", lines: 1},
		{name: "bom not at start kept", in: "a\xEF\xBB\xBF", out: "a\xEF\xBB\xBF", lines: 1},
		{name: "short input", in: "a", out: "a", lines: 1},
		{name: "multibyte kept", in: "é€😀\n", out: "é€😀\n", lines: 2},
		{name: "utf16 le bom", in: "\xFF\xFEa\x00", out: "\xEF\xBF\xBD\xEF\xBF\xBDa\uFFFD", utf16: true, lines: 1,
			bad: []BadByte{{off: 0, line: 1, b: 0xFF}, {off: 3, line: 1, b: 0xFE}, {off: 7, line: 1, b: 0}}},
		{name: "utf16 be bom", in: "\xFE\xFF\x00a", out: "\uFFFD\uFFFD\uFFFDa", utf16: true, lines: 1,
			bad: []BadByte{{off: 0, line: 1, b: 0xFE}, {off: 3, line: 1, b: 0xFF}, {off: 6, line: 1, b: 0}}},
		{name: "nul", in: "a\x00b", out: "a\uFFFDb", lines: 1, bad: []BadByte{{off: 1, line: 1, b: 0}}},
		{name: "control chars", in: "x\n\x01\x1F\x7F", out: "x\n\uFFFD\uFFFD\x7F", lines: 2,
			bad: []BadByte{{off: 2, line: 2, b: 0x01}, {off: 5, line: 2, b: 0x1F}}},
		{name: "latin1 byte", in: "caf\xE9\nz", out: "caf\uFFFD\nz", lines: 2, bad: []BadByte{{off: 3, line: 1, b: 0xE9}}},
		{name: "truncated sequence at end", in: "a\xE2\x82", out: "a\uFFFD\uFFFD", lines: 1,
			bad: []BadByte{{off: 1, line: 1, b: 0xE2}, {off: 4, line: 1, b: 0x82}}},
		{name: "overlong", in: "\xC0\xAF", out: "\uFFFD\uFFFD", lines: 1,
			bad: []BadByte{{off: 0, line: 1, b: 0xC0}, {off: 3, line: 1, b: 0xAF}}},
		{name: "surrogate", in: "\xED\xA0\x80.", out: "\uFFFD\uFFFD\uFFFD.", lines: 1,
			bad: []BadByte{{off: 0, line: 1, b: 0xED}, {off: 3, line: 1, b: 0xA0}, {off: 6, line: 1, b: 0x80}}},
	}
	readers := []struct {
		name string
		wrap func(io.Reader) io.Reader
	}{
		{"whole", func(r io.Reader) io.Reader { return r }},
		{"one byte", iotest.OneByteReader},
		{"data with EOF", iotest.DataErrReader},
	}
	for _, tt := range tests {
		for _, rd := range readers {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				f := New(rd.wrap(strings.NewReader(tt.in)), false)
				got, err := io.ReadAll(f)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.out {
					t.Errorf("output %q, want %q", got, tt.out)
				}
				if !equalBad(f.bad, tt.bad) {
					t.Errorf("bad bytes %+v, want %+v", f.bad, tt.bad)
				}
				if f.UTF16() != tt.utf16 {
					t.Errorf("UTF16() = %v, want %v", f.UTF16(), tt.utf16)
				}
				if f.line != tt.lines {
					t.Errorf("line %d, want %d", f.line, tt.lines)
				}
			})
		}
	}
}

func equalBad(got, want []BadByte) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func TestClaimPending(t *testing.T) {
	// Bad bytes at output offsets 1 (line 1), 6 (line 2) and 11 (line 3).
	f := New(strings.NewReader("a\x01\nb\x02\nc\x03"), false)
	if _, err := io.ReadAll(f); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		op     string // "claim" or "pending"
		arg    int
		found  bool
		b      byte
		line   int
		remain int // unclaimed bad bytes after the step
	}{
		{op: "pending", arg: 0, found: false, remain: 3},
		{op: "pending", arg: 1, found: true, b: 0x01, line: 1, remain: 3},
		{op: "claim", arg: 1, found: false, remain: 3},
		{op: "claim", arg: 7, found: true, b: 0x01, line: 1, remain: 1},
		{op: "pending", arg: 2, found: false, remain: 1},
		{op: "pending", arg: 3, found: true, b: 0x03, line: 3, remain: 1},
		{op: "claim", arg: 11, found: false, remain: 1},
		{op: "claim", arg: 100, found: true, b: 0x03, line: 3, remain: 0},
		{op: "claim", arg: 200, found: false, remain: 0},
		{op: "pending", arg: 100, found: false, remain: 0},
	}
	for i, s := range steps {
		var b BadByte
		var ok bool
		if s.op == "claim" {
			b, ok = f.Claim(int64(s.arg))
		} else {
			b, ok = f.Pending(s.arg)
		}
		if ok != s.found || ok && (b.b != s.b || b.Line() != s.line) {
			t.Errorf("step %d %s(%d) = %+v, %v; want byte %#x line %d, %v", i, s.op, s.arg, b, ok, s.b, s.line, s.found)
		}
		if n := len(f.bad) - f.badHead; n != s.remain {
			t.Errorf("step %d: %d unclaimed, want %d", i, n, s.remain)
		}
	}
}

func TestLineAt(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		trackNL bool
		offs    []int64
		want    []int
	}{
		{name: "tracked", in: "ab\ncd\n\nef", trackNL: true,
			offs: []int64{0, 2, 3, 5, 6, 7, 9, 100}, want: []int{1, 1, 2, 2, 3, 4, 4, 4}},
		{name: "tracked after bad byte", in: "\x01\nx", trackNL: true,
			offs: []int64{3, 4}, want: []int{1, 2}},
		{name: "untracked", in: "a\nb\nc", trackNL: false,
			offs: []int64{0, 4}, want: []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(strings.NewReader(tt.in), tt.trackNL)
			if _, err := io.ReadAll(f); err != nil {
				t.Fatal(err)
			}
			for i, off := range tt.offs {
				if got := f.LineAt(off); got != tt.want[i] {
					t.Errorf("LineAt(%d) = %d, want %d", off, got, tt.want[i])
				}
			}
		})
	}
}

// TestLineAtTrim reads an input longer than the read buffer while asking
// for lines as a decoder would, and checks the newline queue stays short.
func TestLineAtTrim(t *testing.T) {
	const lines = 50000
	f := New(strings.NewReader(strings.Repeat("x\n", lines)), true)
	buf := make([]byte, 512)
	var off int64
	maxQueue := 0
	for {
		n, err := f.Read(buf)
		off += int64(n)
		// Newlines stand at the odd offsets: off/2 of them lie before off.
		if got, want := f.LineAt(off), int(off/2)+1; got != want {
			t.Fatalf("LineAt(%d) = %d, want %d", off, got, want)
		}
		maxQueue = max(maxQueue, len(f.nl))
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.LineAt(off); got != lines+1 {
		t.Errorf("LineAt(end) = %d, want %d", got, lines+1)
	}
	if maxQueue > 4*1024+32*1024 {
		t.Errorf("newline queue held %d entries: not trimmed", maxQueue)
	}
	if len(f.nl) > 4096 {
		t.Errorf("newline queue holds %d entries at the end: not trimmed", len(f.nl))
	}
}

func TestReadError(t *testing.T) {
	boom := errors.New("disk on fire")
	f := New(io.MultiReader(strings.NewReader("ab\xE2"), iotest.ErrReader(boom)), false)
	got, err := io.ReadAll(f)
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want %v", err, boom)
	}
	// A failing source ends the input: the incomplete sequence is replaced.
	if string(got) != "ab\uFFFD" {
		t.Errorf("output %q, want %q", got, "ab\uFFFD")
	}
	if want := []BadByte{{off: 2, line: 1, b: 0xE2}}; !equalBad(f.bad, want) {
		t.Errorf("bad bytes %+v, want %+v", f.bad, want)
	}
	if _, err := f.Read(make([]byte, 4)); !errors.Is(err, boom) {
		t.Errorf("second Read error %v, want %v", err, boom)
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name   string
		b      byte
		ref    bool
		secret bool
		enc    string
		want   string
	}{
		{name: "nul", b: 0, want: "NUL byte: expected text (binary data, or UTF-16 text read without --encoding utf-16)"},
		{name: "nul secret", b: 0, secret: true, want: "NUL byte: expected text (binary data, or UTF-16 text read without --encoding utf-16)"},
		{name: "control", b: 0x1B, want: "control character U+001B (ESC): expected text without control characters (tabs and line breaks are allowed); remove it from the source file"},
		{name: "control secret", b: 0x1B, secret: true, want: "control character: expected text without control characters (tabs and line breaks are allowed); remove it from the source file"},
		{name: "reference", b: 0x07, ref: true, want: "control character U+0007 (BEL) written as a character reference: expected text without control characters (tabs and line breaks are allowed); remove it from the source file"},
		{name: "reference to NUL", b: 0, ref: true, want: "control character U+0000 (NUL) written as a character reference: expected text without control characters (tabs and line breaks are allowed); remove it from the source file"},
		{name: "reference secret", b: 0x07, ref: true, secret: true, want: "control character written as a character reference: expected text without control characters (tabs and line breaks are allowed); remove it from the source file"},
		{name: "not utf8", b: 0xE9, want: "byte 0xE9 that is not UTF-8: expected UTF-8 text (give --encoding when the file uses another encoding, e.g. --encoding windows-1252)"},
		{name: "not utf8 declared", b: 0xE9, enc: "ISO-8859-1", want: `byte 0xE9 that is not UTF-8: expected UTF-8 text (the file declares encoding "ISO-8859-1": give --encoding ISO-8859-1)`},
		{name: "not utf8 secret", b: 0xE9, secret: true, want: "byte that is not UTF-8: expected UTF-8 text (give --encoding when the file uses another encoding, e.g. --encoding windows-1252)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bb := BadByte{b: tt.b, line: 7, ref: tt.ref}
			got := bb.Describe(tt.secret, tt.enc)
			if bb.Control() != (tt.ref || tt.b != 0 && tt.b < 0x20) {
				t.Errorf("Control() = %v", bb.Control())
			}
			if got != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
			if tt.secret && (strings.Contains(got, "0x") || strings.Contains(got, "U+")) {
				t.Errorf("secret description shows the byte: %q", got)
			}
		})
	}
}

// TestXMLReferences: NewXML replaces character references to control
// characters XML forbids, wherever the reads cut them, and nothing else.
func TestXMLReferences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		out  string
		bad  []BadByte
	}{
		{name: "hex", in: "<a>x&#x1B;y</a>", out: "<a>x\uFFFDy</a>", bad: []BadByte{{off: 4, line: 1, b: 0x1b, ref: true}}},
		{name: "decimal, upper-case hex, leading zeros", in: "&#7;\n&#X1B;&#x00001f;",
			out: "\uFFFD\n&#X1B;\uFFFD", bad: []BadByte{{off: 0, line: 1, b: 7, ref: true}, {off: 10, line: 2, b: 0x1f, ref: true}}},
		{name: "NUL", in: "a&#0;", out: "a\uFFFD", bad: []BadByte{{off: 1, line: 1, b: 0, ref: true}}},
		{name: "allowed and other references", in: "&#9;&#10;&#xD;&#65;&#x7F;&#x85;&amp;&lt;&#32;", out: "&#9;&#10;&#xD;&#65;&#x7F;&#x85;&amp;&lt;&#32;"},
		{name: "not references", in: "&#;&#x;&#1b;&#x1G;&#27 &#x1B", out: "&#;&#x;&#1b;&#x1G;&#27 &#x1B"},
		{name: "too long", in: "&#x000000000000001B;", out: "&#x000000000000001B;"},
		{name: "comment, CDATA, processing instruction", in: "<!-- &#27; - -><!-- --><![CDATA[&#27;]]]&#27;]]><?pi &#27;?&#27;?>&#27;",
			out: "<!-- &#27; - -><!-- --><![CDATA[&#27;]]]&#27;]]><?pi &#27;?&#27;?>\uFFFD", bad: []BadByte{{off: 66, line: 1, b: 27, ref: true}}},
		{name: "markup that is not a comment", in: "<!DOCTYPE x><!-x>&#27;<![CDAT>&#27;", out: "<!DOCTYPE x><!-x>\uFFFD<![CDAT>\uFFFD",
			bad: []BadByte{{off: 17, line: 1, b: 27, ref: true}, {off: 28, line: 1, b: 27, ref: true}}},
		{name: "at the end", in: "x&#27", out: "x&#27"},
		{name: "markup at the end", in: "x<!-", out: "x<!-"},
		{name: "raw control bytes still", in: "<a>\x1b&#x1b;</a>", out: "<a>\uFFFD\uFFFD</a>",
			bad: []BadByte{{off: 3, line: 1, b: 0x1b}, {off: 6, line: 1, b: 0x1b, ref: true}}},
	}
	for _, tt := range tests {
		for _, rd := range []struct {
			name string
			wrap func(io.Reader) io.Reader
		}{
			{"whole", func(r io.Reader) io.Reader { return r }},
			{"one byte", iotest.OneByteReader},
			{"halves", iotest.HalfReader},
		} {
			t.Run(tt.name+"/"+rd.name, func(t *testing.T) {
				f := NewXML(rd.wrap(strings.NewReader(tt.in)))
				got, err := io.ReadAll(f)
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tt.out {
					t.Errorf("output %q, want %q", got, tt.out)
				}
				if !equalBad(f.bad, tt.bad) {
					t.Errorf("bad bytes %+v, want %+v", f.bad, tt.bad)
				}
			})
		}
	}
	// Without NewXML references are text.
	f := New(strings.NewReader("&#27;"), false)
	if got, _ := io.ReadAll(f); string(got) != "&#27;" || len(f.bad) != 0 {
		t.Errorf("New: %q, %v", got, f.bad)
	}
}

// TestFilterBoundsBadBytes: a stream of bytes that cannot be text (a NUL
// tail, /dev/zero) ends with ErrNotText once MaxPending are unclaimed,
// instead of growing without bound; what came before is passed on.
func TestFilterBoundsBadBytes(t *testing.T) {
	for _, name := range []string{"plain", "xml"} {
		t.Run(name, func(t *testing.T) {
			src := io.MultiReader(strings.NewReader("<batch>ok</batch>\n"), zeros{})
			f := New(src, true)
			if name == "xml" {
				f = NewXML(src)
			}
			out, err := io.ReadAll(f)
			if !errors.Is(err, ErrNotText) {
				t.Fatalf("err = %v, want ErrNotText", err)
			}
			if !strings.HasPrefix(string(out), "<batch>ok</batch>\n") {
				t.Errorf("text before the bad bytes lost: %.40q", out)
			}
			if n := len(f.bad) - f.badHead; n > MaxPending+32*1024 {
				t.Errorf("%d bad bytes kept, want at most %d", n, MaxPending+32*1024)
			}
			b, ok := f.Pending(2)
			if !ok || b.Line() != 2 {
				t.Errorf("first pending bad byte %+v, %v; want one on line 2", b, ok)
			}
		})
	}
}

// zeros is an endless stream of NUL bytes, as /dev/zero.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
