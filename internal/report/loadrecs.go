package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf16"
	"unicode/utf8"
)

// report.json's records are most of it (one per input record), and
// encoding/json decodes them at a few tens of MB/s. When the file has the
// layout convert writes (writeReport: the array after a top-level
// "records" key, one record a line, from "[\n" to "\n  ]"), the records
// are read line by line by parseRecord, which takes the form
// RecordResult.AppendJSON writes and nothing else; any other line goes to
// encoding/json, the reference, so either way a record decodes the same
// (TestParseRecordSame, FuzzParseRecord). The rest of the file is decoded
// by encoding/json with the array left out (recordsCut).

// recordsKey begins the records array of a report.json as convert lays it
// out: a top-level key (indented by two spaces; a newline in a JSON string
// is escaped, so this is structure) before a non-empty array.
var recordsKey = []byte("\n  \"records\": [\n")

// recordsEnd ends that array.
var recordsEnd = []byte("\n  ]")

// recordsHeadMax bounds how far into the file the records key is looked
// for: what comes before it (totals, plan, files, options, audit) is small.
const recordsHeadMax = 4 << 20

// recordsCut is where a report.json's records array is: from its '[' at
// start to end, just after its ']'.
type recordsCut struct{ start, end int64 }

// findRecords finds the records array of f laid out as convert writes it,
// or says there is none such (ok false: the whole file is decoded by
// encoding/json).
func findRecords(f *os.File) (cut recordsCut, ok bool, err error) {
	head := make([]byte, recordsHeadMax)
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return cut, false, err
	}
	i := bytes.Index(head[:n], recordsKey)
	if i < 0 {
		return cut, false, nil
	}
	cut.start = int64(i + len(recordsKey) - 2) // the '['
	if i+len(recordsKey) >= n || head[i+len(recordsKey)] != '{' {
		return cut, false, nil // not convert's: its records are not indented
	}
	// The end: the first "\n  ]" after the '[' (no record holds a newline).
	const chunk = 1 << 20
	buf := make([]byte, chunk+len(recordsEnd))
	at := cut.start
	for {
		n, err := f.ReadAt(buf, at)
		if j := bytes.Index(buf[:n], recordsEnd); j >= 0 {
			cut.end = at + int64(j+len(recordsEnd))
			return cut, true, nil
		}
		if err == io.EOF || n < len(recordsEnd) {
			return cut, false, nil
		}
		if err != nil {
			return cut, false, err
		}
		at += int64(n - len(recordsEnd) + 1)
	}
}

// reader is f with the records array replaced by "[]", for encoding/json.
func (c recordsCut) reader(f *os.File) io.Reader {
	return io.MultiReader(io.NewSectionReader(f, 0, c.start), bytes.NewReader([]byte("[]")), io.NewSectionReader(f, c.end, 1<<62))
}

// fileOffset is the offset in the file of offset off of reader.
func (c recordsCut) fileOffset(off int64) int64 {
	if off > c.start+1 {
		return off + (c.end - c.start - 2)
	}
	return off
}

// eachRecord reads the records of the array at c in f, in order: each
// line by parseRecord, or encoding/json when it does not take it. An error
// is at the record's offset in the file.
func (c recordsCut) eachRecord(f *os.File, in *interner, visit func(*jsonRecord) error) error {
	off := c.start + 2 // after "[\n"
	br := bufio.NewReaderSize(io.NewSectionReader(f, off, c.end-int64(len(recordsEnd))-off), 1<<20)
	var long []byte
	for {
		line, rerr := br.ReadSlice('\n')
		if rerr == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for rerr == bufio.ErrBufferFull {
				line, rerr = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if rerr != nil && rerr != io.EOF {
			return &recordError{Off: off, Err: rerr}
		}
		n := len(line)
		entry := bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte(","))
		if len(bytes.TrimSpace(entry)) > 0 {
			var r jsonRecord
			if !parseRecord(entry, &r, in) {
				r = jsonRecord{}
				if err := json.Unmarshal(entry, &r); err != nil {
					return &recordError{Off: off, Err: err}
				}
			}
			if err := visit(&r); err != nil {
				return err
			}
		}
		off += int64(n)
		if rerr == io.EOF {
			return nil
		}
	}
}

// interner keeps one copy of the strings records repeat (paths, formats,
// types, statuses, severities).
type interner map[string]string

func (in *interner) str(b []byte) string {
	if s, ok := (*in)[string(b)]; ok {
		return s
	}
	if len(*in) >= 1<<12 {
		return string(b)
	}
	s := string(b)
	(*in)[s] = s
	return s
}

// recParser reads the bytes of one record as RecordResult.AppendJSON
// writes them; a failure says only that they are in another form.
type recParser struct {
	b   []byte
	i   int
	ok  bool
	esc []byte // unescape's buffer
}

// parseRecord decodes b into r when it is in the form AppendJSON writes
// (keys in its order, no escapes, valid UTF-8), as encoding/json would;
// false otherwise (r is then partly set).
func parseRecord(b []byte, r *jsonRecord, in *interner) bool {
	p := recParser{b: b, ok: true}
	p.lit(`{"pos":`)
	var pos jsonSource // a Position is a Source without field and name
	p.source(&pos, in, nil)
	r.Pos.File, r.Pos.Line = pos.File, pos.Line
	p.lit(`,"format":`)
	r.Format = p.istr(in)
	p.lit(`,"type":`)
	r.Type = p.istr(in)
	if p.maybe(`,"employeeId":`) {
		r.EmployeeID = p.str()
	}
	p.lit(`,"status":`)
	r.Status = p.istr(in)
	if p.maybe(`,"messages":[`) {
		for p.ok {
			var m jsonDiag
			p.lit(`{"severity":`)
			m.Severity = p.istr(in)
			p.lit(`,"source":`)
			p.source(&m.Source, in, &r.Pos.File)
			if p.maybe(`,"row":`) {
				m.Row = p.istr(in)
			}
			p.lit(`,"message":`)
			m.Message = p.str()
			p.lit(`}`)
			r.Messages = append(r.Messages, m)
			if !p.maybe(`,`) {
				break
			}
		}
		p.lit(`]`)
	}
	p.lit(`}`)
	return p.ok && p.i == len(p.b)
}

func (p *recParser) lit(s string) {
	if p.ok && !bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		p.ok = false
	}
	if p.ok {
		p.i += len(s)
	}
}

func (p *recParser) maybe(s string) bool {
	if p.ok && bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		p.i += len(s)
		return true
	}
	return false
}

// raw reads a string and returns its bytes, escapes decoded (into p.esc
// when it has any: valid until the next string with escapes). A string
// encoding/json would read otherwise (invalid UTF-8, a lone surrogate)
// fails.
func (p *recParser) raw() []byte {
	if !p.ok || p.i >= len(p.b) || p.b[p.i] != '"' {
		p.ok = false
		return nil
	}
	start := p.i + 1
	ascii := true
	for j := start; j < len(p.b); j++ {
		c := p.b[j]
		if c == '"' {
			s := p.b[start:j]
			if !ascii && !utf8.Valid(s) { // encoding/json replaces invalid bytes
				p.ok = false
				return nil
			}
			p.i = j + 1
			return s
		}
		if c == '\\' {
			return p.unescape(start, j)
		}
		if c < 0x20 {
			p.ok = false
			return nil
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	p.ok = false
	return nil
}

// unescape reads the rest of the string begun at start, whose first
// escape is at j (report.json escapes <, > and & as encoding/json does,
// so most messages naming a placeholder have one).
func (p *recParser) unescape(start, j int) []byte {
	buf := append(p.esc[:0], p.b[start:j]...)
	fail := func() []byte {
		p.ok = false
		return nil
	}
	for j < len(p.b) {
		c := p.b[j]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				return fail()
			}
			p.i, p.esc = j+1, buf
			return buf
		case c < 0x20:
			return fail()
		case c != '\\':
			buf = append(buf, c)
			j++
			continue
		}
		if j+1 >= len(p.b) {
			return fail()
		}
		switch e := p.b[j+1]; e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := hex4(p.b, j+2)
			if !ok || utf16.IsSurrogate(r) { // pairs are rare: encoding/json's
				return fail()
			}
			buf = utf8.AppendRune(buf, r)
			j += 6
			continue
		default:
			return fail()
		}
		j += 2
	}
	return fail()
}

// hex4 reads the 4 hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

func (p *recParser) str() string {
	if b := p.raw(); p.ok {
		return string(b)
	}
	return ""
}

func (p *recParser) istr(in *interner) string {
	if b := p.raw(); p.ok {
		return in.str(b)
	}
	return ""
}

// num reads a non-negative integer of at most 15 digits.
func (p *recParser) num() int {
	if !p.ok {
		return 0
	}
	start, n := p.i, 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' && p.i-start < 15 {
		n = n*10 + int(p.b[p.i]-'0')
		p.i++
	}
	switch {
	case p.i == start, p.i-start > 1 && p.b[start] == '0':
		p.ok = false
	case p.i < len(p.b) && (p.b[p.i] >= '0' && p.b[p.i] <= '9' || p.b[p.i] == '.' || p.b[p.i] == 'e' || p.b[p.i] == 'E'):
		p.ok = false
	}
	return n
}

// source reads a Source as Source.AppendJSON writes it (its item is not
// kept: the report's sources have none), or, when file is not nil, as a
// record's message has it: without its file when it is *file
// (RecordResult.AppendJSON).
func (p *recParser) source(s *jsonSource, in *interner, file *string) {
	switch {
	case p.maybe(`{"file":`):
		s.File = p.istr(in)
		p.lit(`,"line":`)
	case file != nil:
		p.lit(`{"line":`)
		s.File = *file
	default:
		p.ok = false
	}
	s.Line = p.num()
	if p.maybe(`,"item":`) {
		p.num()
	}
	if p.maybe(`,"field":`) {
		s.Field = p.istr(in)
	}
	if p.maybe(`,"name":`) {
		s.Name = p.istr(in)
	}
	p.lit(`}`)
}

// errNotLaidOut says a report.json's records are not one a line after
// all: Load reads it again, all by encoding/json, which says where it is
// damaged if it is.
var errNotLaidOut = errors.New("report.json: the records are not one a line")

// recordError is an error of the record at Off in the file.
type recordError struct {
	Off int64
	Err error
}

func (e *recordError) Error() string { return fmt.Sprintf("at byte %d: %v", e.Off, e.Err) }
func (e *recordError) Unwrap() error { return e.Err }
