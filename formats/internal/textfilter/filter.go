package textfilter

import (
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
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
}

// BadByte is one input byte the filter replaced with U+FFFD.
type BadByte struct {
	off  int64 // output offset of the replacement
	line int
	b    byte
}

const replacement = "\uFFFD"

// New returns a Filter reading from r. With trackNL the filter records
// newline offsets for LineAt; without it LineAt always reports line 1.
func New(r io.Reader, trackNL bool) *Filter {
	return &Filter{src: r, raw: make([]byte, 32*1024), line: 1, trackNL: trackNL}
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
}

// filter appends the text of b to out and returns the unfinished UTF-8
// sequence at its end (unless final).
func (f *Filter) filter(b []byte, final bool) []byte {
	i := 0
	for i < len(b) {
		c := b[i]
		if c >= 0x20 && c < utf8.RuneSelf {
			j := i + 1
			for j < len(b) && b[j] >= 0x20 && b[j] < utf8.RuneSelf {
				j++
			}
			f.out = append(f.out, b[i:j]...)
			i = j
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

func (f *Filter) replace(c byte) {
	f.bad = append(f.bad, BadByte{off: f.base + int64(len(f.out)), line: f.line, b: c})
	f.out = append(f.out, replacement...)
}

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

// Describe says what is wrong with the bad byte; the byte's value is left
// out when it belongs to a secret. enc names the encoding the input
// declares, if any, for the advice.
func (b BadByte) Describe(secret bool, enc string) string {
	advice := "give --encoding when the file uses another encoding, e.g. --encoding windows-1252"
	if enc != "" {
		advice = "the file declares encoding " + strconv.Quote(enc) + ": give --encoding " + enc
	}
	switch {
	case b.b == 0:
		return "NUL byte: expected text (binary data, or UTF-16 text read without --encoding utf-16)"
	case b.b < 0x20:
		if secret {
			return "control character: expected text"
		}
		return fmt.Sprintf("control character 0x%02X: expected text (binary data?)", b.b)
	case secret:
		return "byte that is not UTF-8: expected UTF-8 text (" + advice + ")"
	}
	return fmt.Sprintf("byte 0x%02X that is not UTF-8: expected UTF-8 text (%s)", b.b, advice)
}
