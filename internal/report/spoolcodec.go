package report

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"
)

// The spool's encoding of its two item types: every string with its
// length, in field order, cheaper to write and read back than JSON. A
// string reads back as JSON would give it: each byte of invalid UTF-8
// becomes U+FFFD.

// spoolCodec is an item the spool encodes without JSON.
type spoolCodec interface {
	appendSpool(b []byte) []byte
	readSpool(r *spoolReader) error
}

var errSpoolItem = errors.New("report spool: malformed item")

func appendSpoolString(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		s = jsonUTF8(s)
	}
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// jsonUTF8 replaces each byte of invalid UTF-8 in s by U+FFFD, as
// encoding/json writes it.
func jsonUTF8(s string) string {
	out := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			out = utf8.AppendRune(out, utf8.RuneError)
		} else {
			out = append(out, s[i:i+n]...)
		}
		i += n
	}
	return string(out)
}

// spoolReader reads an item's fields back; the first error sticks.
type spoolReader struct {
	b   []byte
	err error
}

func (r *spoolReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errSpoolItem
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *spoolReader) str() string {
	n := r.uvarint()
	if r.err != nil {
		return ""
	}
	if n > uint64(len(r.b)) {
		r.err = errSpoolItem
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (w *Warning) appendSpool(b []byte) []byte {
	for _, s := range [...]string{w.Origin, w.Status, w.Employee, w.Source, w.Row, w.Operation, w.Message} {
		b = appendSpoolString(b, s)
	}
	return b
}

func (w *Warning) readSpool(r *spoolReader) error {
	*w = Warning{Origin: r.str(), Status: r.str(), Employee: r.str(), Source: r.str(), Row: r.str(), Operation: r.str(), Message: r.str()}
	return r.err
}

func (x *Rejected) appendSpool(b []byte) []byte {
	for _, s := range [...]string{x.Pos, x.Format, x.Type, x.EmployeeID} {
		b = appendSpoolString(b, s)
	}
	n := uint64(0) // nil
	if x.Messages != nil {
		n = uint64(len(x.Messages)) + 1
	}
	b = binary.AppendUvarint(b, n)
	for _, m := range x.Messages {
		for _, s := range [...]string{m.Severity, m.Source, m.Row, m.Message, m.Text} {
			b = appendSpoolString(b, s)
		}
	}
	return b
}

func (x *Rejected) readSpool(r *spoolReader) error {
	*x = Rejected{Pos: r.str(), Format: r.str(), Type: r.str(), EmployeeID: r.str()}
	n := r.uvarint()
	if n > uint64(len(r.b))+1 {
		r.err = errSpoolItem
	}
	if r.err != nil || n == 0 {
		return r.err
	}
	x.Messages = make([]Message, n-1)
	for i := range x.Messages {
		x.Messages[i] = Message{Severity: r.str(), Source: r.str(), Row: r.str(), Message: r.str(), Text: r.str()}
	}
	return r.err
}
