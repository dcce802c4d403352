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
// size of a record; and it scans each chunk once for NUL bytes, invalid
// UTF-8 and control characters, so that the per-field checks run only on
// records that overlap a suspicious chunk. Offsets are byte offsets in the input.
type source struct {
	r   io.Reader
	err error // sticky error of r

	buf      []byte // input bytes [bufStart, bufStart+len(buf))
	bufStart int64
	pos      int64 // offset of the next byte to serve
	limit    int64 // pos may not pass limit (0: no limit)
	skipNL   bool  // discard input through the next '\n'

	dirty []span // chunks holding a NUL byte, invalid UTF-8 or a control character
}

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
				continue
			}
			n := copy(p[:min(len(p), replayChunk)], b)
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
		s.pos += int64(n)
		return n, err
	}
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

// replay moves back to the line after the one starting at offset off: the
// bytes after it are served again. When that line is not complete in the
// buffer, the rest of it is skipped.
func (s *source) replay(off int64) {
	if i := bytes.IndexByte(s.rawFrom(off), '\n'); i >= 0 {
		s.pos = off + int64(i) + 1
	} else {
		s.pos = s.end()
		s.skipNL = true
	}
	s.limit = 0
}
