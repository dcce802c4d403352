package concur

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/formats/internal/control"
)

// errTooLong is returned by source when the record being read grows past the
// reader's limit.
var errTooLong = errors.New("record too long")

// replayChunk bounds each Read served from already buffered bytes, so that
// a resynchronisation costs the length of a line, not of the read-ahead.
const replayChunk = 512

// span is a byte range [from, to) of the input.
type span struct{ from, to int64 }

// Masks for reading eight bytes as one word: every byte 0x01, every byte
// 0x80.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// textual reports whether b is text a value may hold: valid UTF-8 without
// NUL bytes or other control characters but tab, LF and CR (see
// formats/internal/control). It is the one pass over every input byte, so
// it reads eight bytes at a time: for a word w of ASCII bytes (no byte
// reaches 0x80, so no sum carries into the next byte), the high bit of byte
// i of (w + 0x60…) ^ (w + 0x01…) is set exactly when byte i is printable
// (0x20–0x7E). Words of printable ASCII are passed 32 bytes at a time; in
// an ASCII word with a line end only the bytes that are not printable are
// looked at; a word with other bytes is decoded rune by rune.
func textual(b []byte) bool {
	const add20, add01 = lsb * 0x60, lsb
	i := 0
	for i+8 <= len(b) {
		if i+32 <= len(b) {
			w := b[i : i+32 : i+32]
			x0 := binary.LittleEndian.Uint64(w)
			x1 := binary.LittleEndian.Uint64(w[8:])
			x2 := binary.LittleEndian.Uint64(w[16:])
			x3 := binary.LittleEndian.Uint64(w[24:])
			ok := ((x0 + add20) ^ (x0 + add01)) & ((x1 + add20) ^ (x1 + add01)) & ((x2 + add20) ^ (x2 + add01)) & ((x3 + add20) ^ (x3 + add01))
			if ok&^(x0|x1|x2|x3)&msb == msb {
				i += 32
				continue
			}
		}
		w := b[i : i+8 : i+8]
		x := binary.LittleEndian.Uint64(w)
		if x&msb == 0 {
			for m := ^((x + add20) ^ (x + add01)) & msb; m != 0; m &= m - 1 {
				switch w[bits.TrailingZeros64(m)>>3] {
				case '\t', '\n', '\r':
				default:
					return false
				}
			}
			i += 8
			continue
		}
		if i = textRunes(b, i, i+8); i < 0 {
			return false
		}
	}
	return textRunes(b, i, len(b)) >= 0
}

// textRunes checks the runes of b that start in b[i:end] as textual does
// and returns the offset after the last one, or -1 when one of them is not
// text a value may hold.
func textRunes(b []byte, i, end int) int {
	for i < end {
		c := b[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
				return -1
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 || control.Is(r) {
			return -1
		}
		i += n
	}
	return i
}

// source sits between the input and the CSV parser. It keeps the input bytes
// from the start of the record being parsed on, so that the reader can move
// back and re-read the lines after a broken multi-line record; it bounds the
// size of a record; it scans each chunk once for NUL bytes, invalid UTF-8
// and control characters, so that the per-field checks run only on records
// that overlap a suspicious chunk; and it serves each carriage return that
// is not followed by a line feed and stands outside quotes as a line feed
// (see serve). Offsets are byte offsets in the input.
type source struct {
	r   io.Reader
	err error // sticky error of r

	buf      []byte // input bytes [bufStart, bufStart+len(buf))
	bufStart int64
	pos      int64 // offset of the next byte to serve
	limit    int64 // pos may not pass limit (0: no limit)
	skipNL   bool  // discard input through the next '\n'

	dirty []span // chunks holding a NUL byte, invalid UTF-8 or a control character

	// Bare carriage returns (see serve).
	comma byte     // field separator, for the quote scan
	lx    lexState // quote state at offset lxOff: that of the parser
	lxOff int64
	crs   []int64 // bare CRs served as LF that the reader has not noted yet
}

// lexState is where the quote scan stands in a record, as encoding/csv
// reads it (RFC 4180, quotes not lazy).
type lexState uint8

const (
	lxField  lexState = iota // at the start of a field (or of a line)
	lxText                   // in an unquoted field
	lxQuoted                 // in a quoted field
	lxQuote                  // after a quote in a quoted field: its end, or the first of a doubled quote
)

func (s *source) end() int64 { return s.bufStart + int64(len(s.buf)) }

func (s *source) Read(p []byte) (int, error) {
	if s.limit > 0 {
		if s.pos >= s.limit {
			return 0, errTooLong
		}
		if room := s.limit - s.pos; int64(len(p)) > room {
			p = p[:room]
		}
	}
	for {
		if end := s.end(); s.pos < end {
			// Serve bytes again after a move back.
			b := s.buf[s.pos-s.bufStart:]
			if s.skipNL {
				i := bytes.IndexByte(b, '\n')
				if i < 0 {
					s.pos = end
					continue
				}
				s.skipNL = false
				s.pos += int64(i + 1)
				s.lexFrom(s.pos)
				continue
			}
			if len(b) == 1 && b[0] == '\r' && s.err == nil {
				s.more() // serve needs the byte after the CR
				continue
			}
			n := s.serve(p[:copy(p[:min(len(p), replayChunk)], b)])
			s.pos += int64(n)
			return n, nil
		}
		if s.err != nil {
			return 0, s.err
		}
		n, err := s.r.Read(p)
		if err != nil {
			s.err = err
		}
		if s.skipNL && n > 0 {
			// Nothing before pos is needed any more: drop the buffer.
			i := bytes.IndexByte(p[:n], '\n')
			if i < 0 {
				s.pos += int64(n)
				s.buf, s.bufStart = s.buf[:0], s.pos
				continue
			}
			s.skipNL = false
			s.pos += int64(i + 1)
			s.buf, s.bufStart = s.buf[:0], s.pos
			s.lexFrom(s.pos)
			n = copy(p, p[i+1:n])
		}
		if n == 0 {
			if err != nil {
				return 0, err
			}
			continue
		}
		s.scan(p[:n])
		s.buf = append(s.buf, p[:n]...)
		if n = s.serve(p[:n]); n == 0 {
			continue // a CR alone, held back by serve
		}
		s.pos += int64(n)
		return n, err
	}
}

// more reads input into the buffer without serving it.
func (s *source) more() {
	var b [replayChunk]byte
	n, err := s.r.Read(b[:])
	if err != nil {
		s.err = err
	}
	if n > 0 {
		s.scan(b[:n])
		s.buf = append(s.buf, b[:n]...)
	}
}

// serve prepares p, the input bytes from pos on (also held in the buffer),
// to be served, and returns how many of them may be: all of them but a CR
// at the end whose next byte has not been read yet.
//
// A carriage return not followed by a line feed (a bare CR) outside quotes
// is served as a line feed, so the parser ends the record there; in the
// buffer too, so that the reader's own scans of the raw input (blank lines,
// quoting faults) see the same line ends. A CR inside a quoted field is
// data, as encoding/csv keeps it, and a CRLF is a line end as always.
//
// Why a bare CR ends the record rather than staying in the value:
// encoding/csv keeps it in an unquoted field, which merges the two records
// around it into one without a word ("305,…,Org1\r305,…" gives one employee
// whose org unit is "Org1\r305", and the second employee is gone); Excel,
// LibreOffice, Python's csv module and Apache Commons CSV all read a bare CR
// as a line end, as this reader reads files whose lines all end with a CR
// (formats.NewInput); and a CR meant as data in an unquoted field (which a
// spreadsheet would have quoted) is still not lost in silence: its record
// ends there with a warning naming the line (Reader.noteCRs), and the text
// after it is a record of its own, read or rejected with its own line.
// Lines are counted with the CR as a line end, as the parser counts them,
// so every record keeps a line of its own.
//
// Whether a CR stands outside quotes is known from the quote state at
// lxOff, a point where the parser's state is known (the start of the record
// being parsed, or of the line it resumes on after a move back), and a scan
// of the bytes from there. The scan follows encoding/csv's rules, so it
// agrees with the parser on every record the parser accepts and on where a
// record it rejects for its quotes ends (the line end after the fault, or a
// move back for a record of several lines).
func (s *source) serve(p []byte) int {
	for k := 0; ; k++ {
		i := bytes.IndexByte(p[k:], '\r')
		if i < 0 {
			return len(p)
		}
		k += i
		c := s.pos + int64(k)
		next := -1 // none: the CR is the last byte of the input
		switch {
		case k+1 < len(p):
			next = int(p[k+1])
		case c+1 < s.end():
			next = int(s.buf[c+1-s.bufStart])
		case s.err == nil:
			return k // the next byte is not read yet
		}
		if next == '\n' || s.quoted(c) {
			continue
		}
		p[k] = '\n'
		s.buf[c-s.bufStart] = '\n'
		if next >= 0 {
			s.crs = append(s.crs, c)
		}
	}
}

// quoted reports whether offset c (not before lxOff) is inside a quoted
// field, scanning the buffer from lxOff on.
func (s *source) quoted(c int64) bool {
	st := s.lx
	comma := s.comma
	for _, b := range s.buf[s.lxOff-s.bufStart : c-s.bufStart] {
		switch st {
		case lxField:
			switch b {
			case '"':
				st = lxQuoted
			case comma, '\n':
			default:
				st = lxText
			}
		case lxText:
			if b == comma || b == '\n' {
				st = lxField
			}
		case lxQuoted:
			if b == '"' {
				st = lxQuote
			}
		case lxQuote:
			switch b {
			case '"':
				st = lxQuoted
			case comma, '\n':
				st = lxField
			default:
				st = lxText // a stray quote: the parser rejects the record
			}
		}
	}
	s.lx, s.lxOff = st, c
	return st == lxQuoted
}

// lexFrom says that the parser starts a record at off: no quote is open.
func (s *source) lexFrom(off int64) {
	s.lx, s.lxOff = lxField, off
}

// undoCRs turns the bare CRs served as LF from offset off on back into CRs,
// to be looked at again when they are served again.
func (s *source) undoCRs(off int64) {
	k := len(s.crs)
	for k > 0 && s.crs[k-1] >= off {
		k--
		s.buf[s.crs[k]-s.bufStart] = '\r'
	}
	s.crs = s.crs[:k]
}

// scan marks a fresh chunk (about to be appended at the buffer's end) as
// dirty when it holds a NUL byte, invalid UTF-8 or a control character a
// value may not hold. A multi-byte sequence cut by a chunk boundary marks
// the few bytes around the boundary dirty, which only sends the record
// holding them through the exact per-field check.
func (s *source) scan(b []byte) {
	start := s.end()
	end := start + int64(len(b))
	lead := 0
	for lead < len(b) && lead < utf8.UTFMax && !utf8.RuneStart(b[lead]) {
		lead++
	}
	tail := len(b)
	if tail > lead && b[tail-1] >= utf8.RuneSelf {
		for i := tail - 1; i >= lead && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					tail = i
				}
				break
			}
		}
	}
	if !textual(b[lead:tail]) {
		s.markDirty(start, end)
		return
	}
	if lead > 0 {
		s.markDirty(start, start+int64(lead))
	}
	if tail < len(b) {
		s.markDirty(start+int64(tail), end)
	}
}

func (s *source) markDirty(from, to int64) {
	if n := len(s.dirty); n > 0 && s.dirty[n-1].to >= from {
		s.dirty[n-1].to = max(s.dirty[n-1].to, to)
		return
	}
	s.dirty = append(s.dirty, span{from, to})
}

// isDirty reports whether [from, to) overlaps a dirty chunk.
func (s *source) isDirty(from, to int64) bool {
	for _, d := range s.dirty {
		if d.from < to && from < d.to {
			return true
		}
	}
	return false
}

// release says that the next record starts at off and that the bytes before
// it will not be needed again; a record may then grow to maxRecord bytes
// (plus the parser's read-ahead window).
func (s *source) release(off int64, maxRecord int64, window int) {
	s.limit = off + maxRecord + int64(window)
	if off > s.lxOff {
		s.lexFrom(off)
	}
	if len(s.crs) > 0 && s.crs[0] < off {
		// The reader notes them before it moves on; drop any it did not.
		k := 0
		for k < len(s.crs) && s.crs[k] < off {
			k++
		}
		s.crs = append(s.crs[:0], s.crs[k:]...)
	}
	if len(s.dirty) > 0 && s.dirty[0].to <= off {
		i := 0
		for i < len(s.dirty) && s.dirty[i].to <= off {
			i++
		}
		s.dirty = append(s.dirty[:0], s.dirty[i:]...)
	}
	d := off - s.bufStart
	if d < 256<<10 || d > int64(len(s.buf)) {
		return
	}
	tail := s.buf[d:]
	if cap(s.buf) > 4<<20 && len(tail) < 1<<20 {
		s.buf = append(make([]byte, 0, 512<<10), tail...)
	} else {
		s.buf = s.buf[:copy(s.buf, tail)]
	}
	s.bufStart = off
}

// rawFrom returns the buffered input from offset off on (nil when it is no
// longer held).
func (s *source) rawFrom(off int64) []byte {
	d := off - s.bufStart
	if d < 0 || d > int64(len(s.buf)) {
		return nil
	}
	return s.buf[d:]
}

// lineAfter returns the offset of the line after the one starting at
// offset off, or -1 when that line does not end in the buffer.
func (s *source) lineAfter(off int64) int64 {
	if i := bytes.IndexByte(s.rawFrom(off), '\n'); i >= 0 {
		return off + int64(i) + 1
	}
	return -1
}

// replay moves back to the line after the one starting at offset off: the
// bytes after it are served again. When that line is not complete in the
// buffer, the rest of it is skipped.
func (s *source) replay(off int64) {
	if next := s.lineAfter(off); next >= 0 {
		s.replayAt(next)
		return
	}
	s.undoCRs(off)
	s.pos = s.end()
	s.skipNL = true
	s.limit = 0
}

// replayAt moves back to offset off, where the parser starts a record: the
// bytes from off on are served again.
func (s *source) replayAt(off int64) {
	s.undoCRs(off)
	s.pos = off
	s.skipNL = false
	s.lexFrom(off)
	s.limit = 0
}
