package concur

import (
	"bytes"
	"errors"
	"io"
	"unicode/utf8"
)

// errTooLong is returned by source when the record being read grows past the
// reader's limit.
var errTooLong = errors.New("record too long")

// replayChunk bounds each Read served from already buffered bytes, so that
// a resynchronisation costs the length of a line, not of the read-ahead.
const replayChunk = 512

// span is a byte range [from, to) of the input.
type span struct{ from, to int64 }

// source sits between the input and the CSV parser. It keeps the input bytes
// from the start of the record being parsed on, so that the reader can move
// back and re-read the lines after a broken multi-line record; it bounds the
// size of a record; and it scans each chunk once for NUL bytes and invalid
// UTF-8, so that the per-field checks run only on records that overlap a
// suspicious chunk. Offsets are byte offsets in the input.
type source struct {
	r   io.Reader
	err error // sticky error of r

	buf      []byte // input bytes [bufStart, bufStart+len(buf))
	bufStart int64
	pos      int64 // offset of the next byte to serve
	limit    int64 // pos may not pass limit (0: no limit)
	skipNL   bool  // discard input through the next '\n'

	dirty []span // chunks holding a NUL byte or invalid UTF-8
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
// dirty when it holds a NUL byte or invalid UTF-8. A multi-byte sequence cut
// by a chunk boundary marks the few bytes around the boundary dirty, which
// only sends the record holding them through the exact per-field check.
func (s *source) scan(b []byte) {
	start := s.end()
	end := start + int64(len(b))
	if bytes.IndexByte(b, 0) >= 0 {
		s.markDirty(start, end)
		return
	}
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
	if !utf8.Valid(b[lead:tail]) {
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
