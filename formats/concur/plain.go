package concur

import (
	"bytes"
	"math/bits"
	"strings"
)

// readPlain reads the next record straight from the read buffer when it is
// a plain one: a single line complete in the buffer, after any blank lines,
// with no CR but its CRLF end, in no chunk the source flagged for NUL bytes
// or invalid UTF-8, and quoted (if at all) only around whole fields that
// hold no quote. Such a line means the same to encoding/csv, which reads
// everything else: readPlain then consumes nothing and reports false. The
// fields are substrings of the line's text, as encoding/csv makes them, and
// the text a substring of the buffer's (chunkText).
func (r *Reader) readPlain() (fields []string, line int, ok bool) {
	n := r.br.Buffered()
	if n == 0 || r.noPlain {
		return nil, 0, false
	}
	buf, _ := r.br.Peek(n)
	p, lines, at := 0, 0, 0
	var body []byte
	for {
		i := bytes.IndexByte(buf[p:], '\n')
		if i < 0 {
			return nil, 0, false
		}
		body, at = buf[p:p+i], p
		p += i + 1
		lines++
		if k := len(body); k > 0 && body[k-1] == '\r' {
			body = body[:k-1]
		}
		if len(body) > 0 {
			break
		}
	}
	if bytes.IndexByte(body, '\r') >= 0 {
		return nil, 0, false
	}
	start, end := r.recStart, r.recStart+int64(p)
	if len(r.src.dirty) > 0 && r.src.isDirty(start, end) {
		return nil, 0, false
	}
	text := r.chunkText(buf, at, len(body))
	fields, ok = splitLine(text, r.comma, r.fields[:0])
	if !ok {
		return nil, 0, false
	}
	r.br.Discard(p)
	r.fields, r.plain = fields, text
	r.lineBase += lines
	r.offBase += int64(p)
	if len(r.src.crs) > 0 {
		r.noteCRs(end)
	}
	r.recStart = end
	r.src.release(end, r.maxRecord, bufSize)
	r.endLine += lines
	return fields, r.endLine, true
}

// chunkText is the text of the line of n bytes at buf[at:], buf being
// the buffered input from recStart on: a substring of r.chunk, the text
// of the buffer from that line to the buffer's last line end, made
// afresh once the line is past it. A buffer of lines costs one
// allocation rather than one a line; a record kept keeps its chunk.
func (r *Reader) chunkText(buf []byte, at, n int) string {
	from := r.recStart + int64(at)
	if from < r.chunkAt || from+int64(n) > r.chunkAt+int64(len(r.chunk)) {
		last := bytes.LastIndexByte(buf, '\n') // at+n or after
		r.chunk, r.chunkAt = string(buf[at:last]), from
	}
	off := int(from - r.chunkAt)
	return r.chunk[off : off+n]
}

// SplitLine appends to dst the fields of s, a line without its line end,
// separated by sep and quoted (if at all) only around whole fields that
// hold no quote: the Values of a record read as a plain line, from its
// model.Record.Line and Sep. It reports false for any other line.
func SplitLine(s string, sep byte, dst []string) ([]string, bool) {
	return splitLine(s, sep, dst)
}

// splitLine appends the fields of the one-line record s (without its line
// end), separated by comma, to dst. It reports false when s holds a quote that is not the start
// or end of a quoted field, a doubled quote or a quoted field that does not
// end on this line.
func splitLine(s string, comma byte, dst []string) ([]string, bool) {
	q := strings.IndexByte(s, '"')
	if q < 0 {
		return splitPlain(s, comma, dst), true
	}
	from := 0
	for {
		if q > len(s) { // no quote left: the rest is plain
			return splitPlain(s[from:], comma, dst), true
		}
		if from == q {
			j := strings.IndexByte(s[from+1:], '"')
			if j < 0 {
				return dst, false
			}
			end := from + 1 + j
			dst = append(dst, s[from+1:end])
			if end+1 == len(s) {
				return dst, true
			}
			if s[end+1] != comma {
				return dst, false
			}
			from = end + 2
			if q = strings.IndexByte(s[from:], '"'); q < 0 {
				q = len(s) + 1
			} else {
				q += from
			}
			continue
		}
		// The plain fields before the next quote, which must begin a
		// field: split as a plain line is (a quoted field in the middle
		// of a line no longer sends its first fields through a search of
		// their own each).
		if s[q-1] != comma {
			return dst, false
		}
		dst = splitPlain(s[from:q-1], comma, dst)
		from = q
	}
}

// splitPlain appends the fields of s, which holds no quote. It looks for
// the separator eight bytes at a time: a 305 line is about 140 fields in
// 420 bytes, and splitting lines was a third of the reading goroutine's
// time, the busiest of the read pass. splitPlainRef is the reference.
func splitPlain(s string, comma byte, dst []string) []string {
	from, i := 0, 0
	pat := uint64(comma) * lows
	for ; i+8 <= len(s); i += 8 {
		t := s[i : i+8]
		x := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		for m := zeroBytes(x ^ pat); m != 0; m &= m - 1 {
			j := i + bits.TrailingZeros64(m)/8
			dst = append(dst, s[from:j])
			from = j + 1
		}
	}
	for ; i < len(s); i++ {
		if s[i] == comma {
			dst = append(dst, s[from:i])
			from = i + 1
		}
	}
	return append(dst, s[from:])
}

const (
	lows  = 0x0101010101010101
	highs = 0x8080808080808080
)

// zeroBytes has the high bit of each byte of x that is 0 set, and no
// other bit (exact: no borrow runs from one byte into the next).
func zeroBytes(x uint64) uint64 {
	const low7 = ^uint64(highs)
	return ^((x&low7 + low7) | x | low7)
}

// splitPlainRef is splitPlain a byte at a time.
func splitPlainRef(s string, comma byte, dst []string) []string {
	from := 0
	for i := 0; i < len(s); i++ {
		if s[i] == comma {
			dst = append(dst, s[from:i])
			from = i + 1
		}
	}
	return append(dst, s[from:])
}

// plainColumn is the 1-based byte column at which field i of the plain
// record s, split into fields, starts (at its opening quote when quoted).
func plainColumn(s string, fields []string, i int) int {
	off := 0
	for _, f := range fields[:i] {
		if off < len(s) && s[off] == '"' {
			off += 2
		}
		off += len(f) + 1
	}
	return off + 1
}
