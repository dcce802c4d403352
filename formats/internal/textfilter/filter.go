package textfilter

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/formats/internal/control"
)

// Filter is an io.Reader that passes the text of its source on and replaces
// bytes that cannot be text with U+FFFD; see the package documentation.
// Offsets taken by its methods are offsets in the filtered output, as a
// decoder reading from the Filter reports them.
type Filter struct {
	src     io.Reader
	raw     []byte // read buffer; raw[:keep] carries an incomplete UTF-8 sequence over
	keep    int
	out     []byte // filtered bytes not yet handed out: out[op:]
	op      int
	base    int64 // output offset of out[0]
	line    int   // line at the end of out
	started bool
	srcErr  error
	utf16   bool // input starts with a UTF-16 byte order mark

	trackNL bool
	nl      []int64 // offsets of newlines at or after the last LineAt query
	nlHead  int
	nlPast  int // newlines dropped from nl

	bad     []BadByte // bad bytes not yet claimed
	badHead int
	tooMany bool // more than MaxPending bad bytes unclaimed: input stops

	xml bool     // replace character references to control characters (NewXML)
	xst xmlState // where the input stands in the XML markup
}

// xmlState is where an XML input stands, as far as the filter needs to know:
// character references count in text and attribute values, not in comments,
// CDATA sections and processing instructions.
type xmlState uint8

const (
	xmlText    xmlState = iota // text, tags and attribute values
	xmlComment                 // after <!--
	xmlCDATA                   // after <![CDATA[
	xmlPI                      // after <?
)

// xmlStop are the bytes that may change the state or start a character
// reference, by state; xmlEnd the markup that ends each state but text.
var (
	xmlStop = [...]string{xmlText: "<&", xmlComment: "-", xmlCDATA: "]", xmlPI: "?"}
	xmlEnd  = [...]string{xmlComment: "-->", xmlCDATA: "]]>", xmlPI: "?>"}
)

// plainRun marks the bytes the filter passes on as they are, in runs:
// printable ASCII. xmlRun does the same for XML input, by state, leaving
// out the bytes of xmlStop.
var plainRun, xmlRun = func() (p [256]bool, x [len(xmlStop)][256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		p[c] = true
	}
	for st, stop := range xmlStop {
		x[st] = p
		for i := 0; i < len(stop); i++ {
			x[st][stop[i]] = false
		}
	}
	return p, x
}()

// BadByte is one input byte the filter replaced with U+FFFD, or a
// character reference to a control character (NewXML).
type BadByte struct {
	off  int64 // output offset of the replacement
	line int
	b    byte
	ref  bool // b was written as a character reference (&#27;, &#x1B;)
}

const replacement = "\uFFFD"

// ControlAllowed says which white space the values of the legacy formats
// may hold, for the messages about control characters.
const ControlAllowed = "tabs and line breaks are allowed"

// New returns a Filter reading from r. With trackNL the filter records
// newline offsets for LineAt; without it LineAt always reports line 1.
func New(r io.Reader, trackNL bool) *Filter {
	return &Filter{src: r, raw: make([]byte, 32*1024), line: 1, trackNL: trackNL}
}

// NewXML returns a Filter of the XML input in r (LineAt always reports line
// 1). It also replaces each character reference to a C0 control character
// other than tab, LF and CR (&#27;, &#x1B;) with U+FFFD, as a bad byte: XML
// 1.0 allows no such character, even as a reference, so the decoder would
// stop the whole read on it, where the reader can reject the one record
// holding it. References in comments, CDATA sections and processing
// instructions are text, and left alone.
func NewXML(r io.Reader) *Filter {
	f := New(r, false)
	f.xml = true
	return f
}

// Read implements io.Reader on the filtered stream.
func (f *Filter) Read(p []byte) (int, error) {
	for f.op == len(f.out) {
		if f.srcErr != nil {
			return 0, f.srcErr
		}
		f.fill()
	}
	n := copy(p, f.out[f.op:])
	f.op += n
	return n, nil
}

// UTF16 reports whether the input starts with a UTF-16 byte order mark
// (either byte order). It is known once the first bytes have been read.
func (f *Filter) UTF16() bool { return f.utf16 }

// UTF16Message is what a reader reports when UTF16 is true: the readers
// take UTF-8 only and formats.Open transcodes on --encoding.
const UTF16Message = "UTF-16 byte order mark: expected UTF-8 text (give --encoding utf-16)"

func (f *Filter) fill() {
	f.base += int64(len(f.out))
	f.out, f.op = f.out[:0], 0
	n, err := f.src.Read(f.raw[f.keep:])
	data := f.raw[:f.keep+n]
	if !f.started {
		// Wait for enough bytes to recognise a byte order mark.
		if len(data) < 3 && err == nil {
			f.keep = len(data)
			return
		}
		f.started = true
		switch {
		case len(data) >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF:
			data = data[3:]
		case len(data) >= 2 && (data[0] == 0xFF && data[1] == 0xFE || data[0] == 0xFE && data[1] == 0xFF):
			f.utf16 = true
		}
	}
	rest := f.filter(data, err != nil)
	f.keep = copy(f.raw, rest)
	if err != nil {
		f.srcErr = err
	}
	if f.tooMany && f.srcErr == nil {
		f.srcErr = ErrNotText
	}
}

// filter appends the text of b to out and returns the unfinished UTF-8
// sequence at its end (unless final).
func (f *Filter) filter(b []byte, final bool) []byte {
	i := 0
	for i < len(b) {
		c := b[i]
		run := &plainRun
		if f.xml {
			run = &xmlRun[f.xst]
		}
		if run[c] {
			j := i + 1
			for j < len(b) && run[b[j]] {
				j++
			}
			f.out = append(f.out, b[i:j]...)
			i = j
			continue
		}
		if f.xml && c >= 0x20 && c < utf8.RuneSelf { // a byte of xmlStop
			n := f.markup(b[i:], final)
			if n == 0 {
				return b[i:]
			}
			i += n
			continue
		}
		switch {
		case c == '\n':
			if f.trackNL {
				f.nl = append(f.nl, f.base+int64(len(f.out)))
			}
			f.out = append(f.out, c)
			f.line++
			i++
		case c == '\t' || c == '\r':
			f.out = append(f.out, c)
			i++
		case c < 0x20:
			f.replace(c)
			i++
		default:
			if !final && !utf8.FullRune(b[i:]) {
				return b[i:]
			}
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				f.replace(c)
				i++
				continue
			}
			f.out = append(f.out, b[i:i+size]...)
			i += size
		}
	}
	return nil
}

// markup passes on the markup or character reference that starts b (at a
// byte of xmlStop) and returns how many bytes of b it took: 0 when b may be
// the beginning of a longer piece of markup and more input will tell
// (never when final).
func (f *Filter) markup(b []byte, final bool) int {
	// more reports whether b is a proper prefix of m that more input may
	// complete.
	more := func(m string) bool { return !final && len(b) < len(m) && m[:len(b)] == string(b) }
	if f.xst != xmlText {
		end := xmlEnd[f.xst]
		if more(end) {
			return 0
		}
		n := 1
		if bytes.HasPrefix(b, []byte(end)) {
			n, f.xst = len(end), xmlText
		}
		f.out = append(f.out, b[:n]...)
		return n
	}
	if b[0] == '<' {
		if len(b) > 1 && b[1] != '!' && b[1] != '?' {
			f.out = append(f.out, '<') // a tag: the common case
			return 1
		}
		for _, m := range []struct {
			s  string
			st xmlState
		}{{"<!--", xmlComment}, {"<![CDATA[", xmlCDATA}, {"<?", xmlPI}} {
			if more(m.s) {
				return 0
			}
			if bytes.HasPrefix(b, []byte(m.s)) {
				f.out = append(f.out, m.s...)
				f.xst = m.st
				return len(m.s)
			}
		}
		f.out = append(f.out, '<')
		return 1
	}
	n, c, ok := controlRef(b)
	if n == 0 && !final {
		return 0
	}
	if !ok {
		f.out = append(f.out, '&')
		return 1
	}
	f.bad = append(f.bad, BadByte{off: f.base + int64(len(f.out)), line: f.line, b: c, ref: true})
	f.out = append(f.out, replacement...)
	return n
}

// maxRef bounds the length of a character reference the filter reads:
// longer ones (leading zeros) are left to the decoder.
const maxRef = 16

// controlRef reads the character reference at the start of b (which starts
// with '&'): its length and the control character it refers to, ok when
// that is a C0 control character other than tab, LF and CR. n is 0 when b
// ends before the reference does.
func controlRef(b []byte) (n int, c byte, ok bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	if b[1] != '#' {
		return 1, 0, false
	}
	i, base := 2, 10
	if i < len(b) && b[i] == 'x' {
		i, base = 3, 16
	}
	v, digits := 0, 0
	for ; i < len(b) && i < maxRef; i++ {
		d := hexDigit(b[i])
		switch {
		case b[i] == ';':
			if digits == 0 || v >= 0x20 || v == '\t' || v == '\n' || v == '\r' {
				return i + 1, 0, false
			}
			return i + 1, byte(v), true
		case d < 0 || d >= base:
			return i, 0, false
		}
		if v < 0x20 {
			v = v*base + d
		}
		digits++
	}
	if i == len(b) {
		return 0, 0, false
	}
	return i, 0, false
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func (f *Filter) replace(c byte) {
	f.bad = append(f.bad, BadByte{off: f.base + int64(len(f.out)), line: f.line, b: c})
	f.out = append(f.out, replacement...)
	if len(f.bad)-f.badHead > MaxPending {
		f.tooMany = true
	}
}

// MaxPending bounds the bad bytes the filter keeps unclaimed: beyond it the
// input is not text (binary data, a NUL-padded tail, /dev/zero) and the
// filter ends its output with ErrNotText, so that memory stays bounded; the
// reader then reports the first bad byte with its line.
const MaxPending = 1 << 16

// ErrNotText ends a filtered stream that holds more than MaxPending bad
// bytes no record claimed.
var ErrNotText = errors.New("more than 65536 bytes that cannot be text (NUL, invalid UTF-8 or control characters): binary data, or UTF-16 without a byte order mark (give --encoding utf-16)")

// Claim returns the first bad byte before output offset off that was not
// claimed yet, and marks every bad byte before off as claimed.
func (f *Filter) Claim(off int64) (BadByte, bool) {
	var first BadByte
	found := false
	for f.badHead < len(f.bad) && f.bad[f.badHead].off < off {
		if !found {
			first, found = f.bad[f.badHead], true
		}
		f.badHead++
	}
	if f.badHead == len(f.bad) {
		f.bad, f.badHead = f.bad[:0], 0
	}
	return first, found
}

// Pending returns the first unclaimed bad byte on or before line, without
// claiming it.
func (f *Filter) Pending(line int) (BadByte, bool) {
	if f.badHead < len(f.bad) && f.bad[f.badHead].line <= line {
		return f.bad[f.badHead], true
	}
	return BadByte{}, false
}

// LineAt returns the 1-based line of output offset off. Offsets passed in
// must not decrease from one call to the next.
func (f *Filter) LineAt(off int64) int {
	for f.nlHead < len(f.nl) && f.nl[f.nlHead] < off {
		f.nlHead++
		f.nlPast++
	}
	if f.nlHead > 1024 && f.nlHead*2 > len(f.nl) {
		f.nl = f.nl[:copy(f.nl, f.nl[f.nlHead:])]
		f.nlHead = 0
	}
	return f.nlPast + 1
}

// Line returns the 1-based line the bad byte stood on.
func (b BadByte) Line() int { return b.line }

// Control reports whether the bad byte is a control character other than
// NUL (whose message suspects binary or UTF-16 input), or a character
// reference to any control character.
func (b BadByte) Control() bool { return b.b < 0x20 && (b.b != 0 || b.ref) }

// Describe says what is wrong with the bad byte; the byte's value is left
// out when it belongs to a secret. enc names the encoding the input
// declares, if any, for the advice.
func (b BadByte) Describe(secret bool, enc string) string {
	advice := "give --encoding when the file uses another encoding, e.g. --encoding windows-1252"
	if enc != "" {
		advice = "the file declares encoding " + strconv.Quote(enc) + ": give --encoding " + enc
	}
	switch {
	case b.Control():
		found := control.Found(rune(b.b), secret)
		if b.ref {
			found += " written as a character reference"
		}
		return found + ": " + control.Expected(ControlAllowed)
	case b.b == 0:
		return "NUL byte: expected text (binary data, or UTF-16 text read without --encoding utf-16)"
	case secret:
		return "byte that is not UTF-8: expected UTF-8 text (" + advice + ")"
	}
	return fmt.Sprintf("byte 0x%02X that is not UTF-8: expected UTF-8 text (%s)", b.b, advice)
}
