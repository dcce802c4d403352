package concur

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/formats/internal/control"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

const (
	// DefaultMaxRecord is the longest record the reader accepts, in bytes.
	// Longer ones are reported and skipped; they bound the reader's memory.
	DefaultMaxRecord = 16 << 20

	bufSize   = 64 << 10 // read buffer
	sniffSize = 1024     // bytes examined to tell text from binary
)

var bom = []byte("\xef\xbb\xbf")

// Reader streams the records of one Concur employee import file. Create it
// with NewReader and call Next until io.EOF.
type Reader struct {
	name      string
	src       source
	br        *bufio.Reader
	cr        *csv.Reader
	maxRecord int64

	lineBase int   // absolute line = csv.Reader line + lineBase
	offBase  int64 // source offset at which cr started reading
	recStart int64 // source offset where the next record (or blank lines before it) starts
	endLine  int   // last line of the previous record

	started  bool
	first    bool // the first record (or bad record) has been seen
	records  int
	bad      int
	err      error // sticky: io.EOF or a fatal error
	last     *RecordType
	settings Settings
	warnings []model.Diagnostic

	comma byte // field separator: ',' unless the first line says otherwise

	// Bare carriage returns read as line ends (source.serve): the first
	// maxCRWarnings get a warning each, the rest one at the end.
	crWarned        int
	crMore          int
	crFirst, crLast int // lines of the first and last of the rest

	plain   string // text of the record just read by readPlain ("" after encoding/csv)
	chunk   string // text of the buffered input from offset chunkAt, up to a line end (chunkText)
	chunkAt int64
	fields  []string // fields of that record, reused
	noPlain bool     // read every record with encoding/csv (tests)

	spare    []*model.Record // recycled records Next fills before allocating
	freeMu   sync.Mutex
	freeList []*model.Record // handed back by Recycle, possibly from another goroutine
}

// NewReader returns a reader of the Concur import file r; name is the file
// name used in positions and errors. The input must be UTF-8 (with or
// without BOM); callers decode other encodings first.
func NewReader(r io.Reader, name string) *Reader {
	rd := &Reader{name: name, maxRecord: DefaultMaxRecord, settings: DefaultSettings(), comma: ','}
	rd.src.r = r
	rd.src.comma = ','
	rd.br = bufio.NewReaderSize(&rd.src, bufSize)
	return rd
}

// Settings returns the file's import settings: those of its 100 record when
// the file starts with one, else the defaults (Present false). They are known
// once Next has returned the first record or error.
func (r *Reader) Settings() Settings { return r.settings }

// ImportSettings returns a copy of the file's settings, as the optional
// interface formats.SettingsReader asks.
func (r *Reader) ImportSettings() model.ImportSettings {
	s := r.settings
	return &s
}

// Warnings returns the warnings about the file as a whole collected so far:
// a missing 100 record, a 100 record that is not the first record, fields
// separated by another character than the comma, lines that end with a
// carriage return alone (source.serve).
func (r *Reader) Warnings() []model.Diagnostic { return slices.Clone(r.warnings) }

// Next returns the next record. At the end of the input it returns io.EOF. A
// bad record yields a *model.ParseError with Fatal false and Next can be
// called again for the records after it; a fatal *model.ParseError ends the
// input. io.EOF and fatal errors are returned again by later calls.
func (r *Reader) Next() (*model.Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.started {
		r.started = true
		if err := r.start(); err != nil {
			r.err = err
			return nil, err
		}
	}
	for {
		fields, line, ok := r.readPlain()
		lastLine, dirty := line, false
		if !ok {
			var err error
			r.plain = ""
			fields, err = r.cr.Read()
			if err != nil {
				return nil, r.readError(err)
			}
			start, end := r.recStart, r.offBase+r.cr.InputOffset()
			dirty = len(r.src.dirty) > 0 && r.src.isDirty(start, end)
			r.noteCRs(end)
			r.recStart = end
			r.src.release(end, r.maxRecord, bufSize)
			line, _ = r.cr.FieldPos(0)
			line += r.lineBase
			lastLine, _ = r.cr.FieldPos(len(fields) - 1)
			lastLine += r.lineBase
			r.endLine = lastLine + strings.Count(fields[len(fields)-1], "\n")
		}
		if blank(fields) {
			continue
		}
		rec, err := r.record(fields, line, lastLine, dirty)
		if err != nil {
			r.bad++
			return nil, err
		}
		r.records++
		return rec, nil
	}
}

// start strips a BOM, refuses input that is not text and sets up the parser.
func (r *Reader) start() error {
	head, _ := r.br.Peek(3)
	switch {
	case bytes.HasPrefix(head, bom):
		r.br.Discard(len(bom))
	case bytes.HasPrefix(head, []byte{0xff, 0xfe}), bytes.HasPrefix(head, []byte{0xfe, 0xff}):
		return r.fatal(1, fmt.Errorf("%w: the file starts with a UTF-16 byte-order mark; expected UTF-8 text (name the encoding, e.g. --encoding utf-16)", ErrNotText))
	}
	head, _ = r.br.Peek(sniffSize)
	if msg := binaryHint(head, r.br.Buffered() >= sniffSize); msg != "" {
		return r.fatal(1, fmt.Errorf("%w: %s; expected a comma-separated Concur import file", ErrNotText, msg))
	}
	if c := sniffSeparator(head); c != ',' {
		r.comma = c
		// The source found the bare CRs of the bytes it served so far
		// with commas for separators: it serves them again.
		r.src.comma = c
		r.src.replayAt(r.src.pos - int64(r.br.Buffered()))
		r.br.Reset(&r.src)
		_, many := sepNames(c)
		r.warn(1, fmt.Sprintf("fields are separated by %s, not commas (spreadsheets write such CSV in some locales): read with %s; Concur's own import accepts commas only", many, many))
	}
	r.newParser(0)
	return nil
}

// newParser starts a csv.Reader at the current position, whose first line
// is line lineBase+1.
func (r *Reader) newParser(lineBase int) {
	r.cr = csv.NewReader(r.br)
	r.cr.FieldsPerRecord = -1
	r.cr.Comma = rune(r.comma)
	r.cr.ReuseRecord = true // record copies the fields it keeps
	r.lineBase = lineBase
	r.endLine = lineBase
	r.offBase = r.src.pos - int64(r.br.Buffered())
	r.recStart = r.offBase
	r.chunk, r.chunkAt = "", 0 // the source may serve its bytes again
	r.src.release(r.recStart, r.maxRecord, bufSize)
}

// resync drops the first line of the record at source offset off (which
// starts on line) and reads again from the line after it: the lines a broken
// multi-line record swallowed become records of their own.
func (r *Reader) resync(off int64, line int) {
	next := r.src.lineAfter(off)
	if next < 0 {
		next = r.src.end()
	}
	r.noteCRs(next)
	r.src.replay(off)
	r.br.Reset(&r.src)
	r.newParser(line)
}

// record checks one row and makes a record of it.
func (r *Reader) record(fields []string, line, lastLine int, dirty bool) (*model.Record, error) {
	code := fields[0]
	rt := r.last
	if rt == nil || rt.Code != code {
		t, ok := Lookup(code)
		if !ok {
			r.seeFirst(nil)
			return nil, r.fieldErr(line, 0, unknownType(code))
		}
		rt, r.last = t, t
	}
	r.seeFirst(rt)
	if n := len(rt.Fields); len(fields) > n {
		return nil, r.fieldErr(line, n, fmt.Errorf("%w: this %s record (%s) has %d fields; expected at most %d", ErrTooManyFields, rt.Code, rt.Name, len(fields), n))
	}
	if dirty {
		for i, f := range fields {
			off, bad, c := badByte(f)
			if bad == byteOK {
				continue
			}
			name := rt.Fields[i].Name
			switch bad {
			case byteNUL:
				return nil, r.fieldErr(line, i, fmt.Errorf("%w at byte %d of %s: expected text without NUL bytes (is the file UTF-16 or binary?)", ErrNUL, off+1, name))
			case byteControl:
				// The character and its place are left out for a
				// password: not one of its characters is shown.
				where := fmt.Sprintf(" %s at byte %d of %s", control.Name(c), off+1, name)
				if secret(name) {
					where = " in " + name
				}
				return nil, r.fieldErr(line, i, fmt.Errorf("%w%s: %s", ErrControl, where, control.Expected(controlAllowed)))
			}
			return nil, r.fieldErr(line, i, fmt.Errorf("%w at byte %d of %s: expected UTF-8 text (if the file uses another encoding, name it, e.g. --encoding windows-1252)", ErrInvalidUTF8, off+1, name))
		}
	}
	rec := r.newRecord(len(fields))
	// A plain line's fields (readPlain) become the record's values as
	// they are: the record takes the slice, and the reader the record's
	// old one to split the next line into, once nothing can fail (an
	// error's column is found in r.fields).
	vals, old := fields, rec.Values[:0]
	plain := len(fields) > 0 && len(r.fields) > 0 && &fields[0] == &r.fields[0]
	if !plain {
		vals = append(old, fields...)
	}
	*rec = model.Record{
		Format: model.FormatConcur,
		Type:   rt.Code,
		Pos:    model.Position{File: r.name, Line: line},
		Keys:   rt.keys,
		Names:  rt.names,
		Values: vals,
	}
	if plain {
		rec.Line, rec.Sep = r.plain, r.comma
	}
	if lastLine != line {
		rec.Lines = make([]int, len(fields))
		for i := range fields {
			l, _ := r.cr.FieldPos(i)
			rec.Lines[i] = l + r.lineBase
		}
	}
	if rt == rt100 {
		if err := r.settingsRecord(rec); err != nil {
			return nil, err
		}
	}
	if plain {
		r.fields = old
	}
	return rec, nil
}

// newRecord returns a record whose Values has room for n values: a
// recycled one when Recycle handed any back, else a new one.
func (r *Reader) newRecord(n int) *model.Record {
	if len(r.spare) == 0 {
		r.freeMu.Lock()
		r.spare, r.freeList = r.freeList, r.spare[:0]
		r.freeMu.Unlock()
	}
	if k := len(r.spare); k > 0 {
		rec := r.spare[k-1]
		r.spare[k-1] = nil
		r.spare = r.spare[:k-1]
		if cap(rec.Values) >= n {
			return rec
		}
	}
	return &model.Record{Values: make([]string, 0, n)}
}

// Recycle hands back records Next returned once the caller holds on to
// neither them nor their Values slices (the value strings stay valid):
// later records reuse them and their Values arrays. It may be called from another
// goroutine than Next's. Callers that never recycle lose nothing.
func (r *Reader) Recycle(recs []*model.Record) {
	r.freeMu.Lock()
	for _, rec := range recs {
		if rec != nil && rec.Format == model.FormatConcur && cap(rec.Values) > 0 {
			r.freeList = append(r.freeList, rec)
		}
	}
	r.freeMu.Unlock()
}

// settingsRecord checks a 100 record; the first record of a file sets the
// file's settings.
func (r *Reader) settingsRecord(rec *model.Record) error {
	s, field, err := parseSettings(rec.Values, rec.Pos.Line)
	if r.records == 0 && r.bad == 0 {
		r.settings = s
	} else {
		r.warn(rec.Pos.Line, "import settings record (100) is not the first record of the file: its settings are ignored; expected it on the first line only")
	}
	if err == nil {
		return nil
	}
	if field == 0 {
		return r.fieldErr(rec.Pos.Line, -1, fmt.Errorf("%w: %w", ErrSetting, err))
	}
	return r.fieldErr(rec.Pos.Line, field-1, fmt.Errorf("%w: %w", ErrSetting, err))
}

// seeFirst notes the first record of the file: unless it is a 100 record,
// the file has no settings record.
func (r *Reader) seeFirst(rt *RecordType) {
	if r.first {
		return
	}
	r.first = true
	if rt != rt100 {
		r.warn(1, "no import settings record (100) on the first line: using the defaults (existing records UPDATE, language EN, validate expense and payment groups Y)")
	}
}

func (r *Reader) warn(line int, msg string) {
	r.warnings = append(r.warnings, model.Diagnostic{
		Severity: model.SevWarning,
		Source:   model.Source{File: r.name, Line: line},
		Message:  msg,
	})
}

// maxCRWarnings is how many lines ending with a bare CR get a warning of
// their own.
const maxCRWarnings = 10

// noteCRs warns about the bare carriage returns the source served as line
// feeds before offset upTo (see source.serve). The input from recStart on,
// which starts on line endLine+1, is still in the source's buffer.
func (r *Reader) noteCRs(upTo int64) {
	crs := r.src.crs
	if len(crs) == 0 || crs[0] >= upTo {
		return
	}
	raw := r.src.rawFrom(r.recStart)
	line, from := r.endLine+1, r.recStart
	k := 0
	for ; k < len(crs) && crs[k] < upTo; k++ {
		line += bytes.Count(raw[from-r.recStart:crs[k]-r.recStart], nl)
		if r.crWarned < maxCRWarnings {
			r.crWarned++
			r.warn(line, fmt.Sprintf("the line ends with a carriage return alone (CR, not CR LF): read as a line break, so what follows it is line %d, a record of its own (tools that break lines at LF only, such as grep -n, count one line fewer from here on); if the CR belongs inside a value, put that field in quotes", line+1))
		} else {
			if r.crMore == 0 {
				r.crFirst = line
			}
			r.crMore++
			r.crLast = line
		}
		line++
		from = crs[k] + 1
	}
	r.src.crs = append(crs[:0], crs[k:]...)
}

var nl = []byte{'\n'}

// fieldErr is a recoverable error about field index i (0-based; -1 for the
// whole record) of the record just read.
func (r *Reader) fieldErr(line, i int, err error) *model.ParseError {
	pe := &model.ParseError{File: r.name, Line: line, Err: err}
	if i >= 0 {
		pe.Field = strconv.Itoa(i + 1)
		if r.plain != "" {
			pe.Column = plainColumn(r.plain, r.fields, i)
		} else if l, c := r.cr.FieldPos(i); l+r.lineBase == line {
			pe.Column = c
		}
	}
	return pe
}

func (r *Reader) fatal(line int, err error) *model.ParseError {
	return &model.ParseError{File: r.name, Line: line, Err: err, Fatal: true}
}

// readError turns an error of the CSV parser into the reader's error and
// puts the reader back on its feet when it can go on.
func (r *Reader) readError(err error) error {
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		if r.records == 0 && r.bad == 0 {
			r.err = r.fatal(1, fmt.Errorf("%w: no records; expected a 100 import settings record followed by employee records", ErrEmpty))
		} else {
			r.err = io.EOF
		}
		r.noteCRs(math.MaxInt64)
		if r.crMore > 0 {
			r.warn(r.crFirst, fmt.Sprintf("%d more lines end with a carriage return alone (CR, not CR LF), the last on line %d: each is read as a line break, as the warnings before this one say", r.crMore, r.crLast))
		}
		return r.err
	case errors.Is(err, errTooLong):
		off, blanks := r.firstLine()
		line := r.endLine + 1 + blanks
		r.resync(off, line)
		r.bad++
		r.seeFirst(nil)
		return &model.ParseError{File: r.name, Line: line, Err: fmt.Errorf("%w: longer than %d bytes without an end (is a quote not closed?); expected records of at most %d bytes; reading resumes on line %d", ErrRecordTooLong, r.maxRecord, r.maxRecord, line+1)}
	case errors.As(err, &pe):
		r.bad++
		r.seeFirst(nil)
		return r.quoteError(pe)
	default:
		r.err = r.fatal(r.endLine+1, fmt.Errorf("%w: %w", ErrRead, err))
		return r.err
	}
}

// quoteError reports a quoting error of encoding/csv at the record's first
// line, naming the field, and resynchronises after a multi-line record.
func (r *Reader) quoteError(pe *csv.ParseError) error {
	start := pe.StartLine + r.lineBase
	off, _ := r.firstLine()
	q := findQuoteProblem(r.src.rawFrom(off), start, r.comma)
	out := &model.ParseError{File: r.name, Line: start}
	if q.fault != quoteOK {
		out.Field = strconv.Itoa(q.field)
		if q.fline == start {
			out.Column = q.fcol
		}
	}
	resume := ""
	if pe.Line > pe.StartLine {
		resume = fmt.Sprintf("; reading resumes on line %d", start+1)
		r.resync(off, start)
	} else {
		end := r.offBase + r.cr.InputOffset()
		r.noteCRs(end)
		r.endLine = pe.Line + r.lineBase
		r.recStart = end
		r.src.release(r.recStart, r.maxRecord, bufSize)
	}
	var msg string
	sep, _ := sepNames(r.comma)
	switch q.fault {
	case quoteUnterminated:
		msg = fmt.Sprintf("unterminated quoted field: the quote opening field %d at column %d is never closed; expected a closing quote before the end of the file%s", q.field, q.fcol, resume)
	case quoteStray:
		where := fmt.Sprintf("column %d", q.col)
		if q.line != start {
			where = fmt.Sprintf("line %d column %d", q.line, q.col)
		}
		msg = fmt.Sprintf("the quote at %s ends quoted field %d but other text follows it; expected %s or line end after the closing quote, and \"\" for a quote inside the field%s", where, q.field, sep, resume)
	case quoteBare:
		msg = fmt.Sprintf("quote at column %d inside unquoted field %d; expected the whole field in quotes with each inner quote doubled (\"\")%s", q.col, q.field, resume)
	default:
		msg = fmt.Sprintf("%v at line %d, column %d; expected quotes only around whole fields, doubled inside them%s", pe.Err, pe.Line+r.lineBase, pe.Column, resume)
	}
	out.Err = &causeErr{msg: ErrQuote.Error() + ": " + msg, causes: []error{ErrQuote, pe.Err}}
	return out
}

// firstLine skips the blank lines at the start of the record being read and
// returns the source offset of its first line and the number of blank lines.
func (r *Reader) firstLine() (int64, int) {
	off, blanks := r.recStart, 0
	b := r.src.rawFrom(off)
	for {
		switch {
		case len(b) > 0 && b[0] == '\n':
			b, off = b[1:], off+1
		case len(b) > 1 && b[0] == '\r' && b[1] == '\n':
			b, off = b[2:], off+2
		default:
			return off, blanks
		}
		blanks++
	}
}

// separators are the field separators a file may use, with their names in
// messages: the comma, then those sniffSeparator recognises.
var separators = []struct {
	c         byte
	one, many string
}{
	{',', "a comma", "commas"},
	{';', "a semicolon", "semicolons (;)"},
	{'\t', "a tab", "tabs"},
	{'|', "'|'", "'|'"},
}

// sniffSeparator tells the field separator from the first non-blank line of
// head: a record type (three digits, quoted or not) followed by ';', a tab
// or '|' names that separator; anything else means the comma.
func sniffSeparator(head []byte) byte {
	head = bytes.TrimLeft(head, "\r\n")
	n := 3 // where the separator after the record type is
	if len(head) > 0 && head[0] == '"' {
		head, n = head[1:], 4
	}
	if len(head) <= n || n == 4 && head[3] != '"' {
		return ','
	}
	for _, c := range head[:3] {
		if c < '0' || c > '9' {
			return ','
		}
	}
	for _, s := range separators[1:] {
		if head[n] == s.c {
			return s.c
		}
	}
	return ','
}

// sepNames names separator c in a message: one of it, and in the plural.
func sepNames(c byte) (one, many string) {
	for _, s := range separators {
		if s.c == c {
			return s.one, s.many
		}
	}
	return fmt.Sprintf("%q", c), fmt.Sprintf("%q", c)
}

func unknownType(code string) error {
	if t, ok := Lookup(strings.TrimSpace(code)); ok {
		return fmt.Errorf("%w %s: expected exactly %s, without spaces around it", ErrUnknownType, quote(code), t.Code)
	}
	if code == "" {
		return fmt.Errorf("%w: field 1 is empty; expected a record type, one of %s", ErrUnknownType, knownCodes)
	}
	return fmt.Errorf("%w %s: expected one of %s", ErrUnknownType, quote(code), knownCodes)
}

// blank reports whether every field of a row is empty or white space, as in
// the ",,,," rows spreadsheets write; such rows are skipped like blank lines.
func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// byteFault is what is wrong with a byte of a field.
type byteFault int

const (
	byteOK      byteFault = iota
	byteNUL               // a NUL byte
	byteInvalid           // a byte that is not UTF-8
	byteControl           // a control character a value may not hold
)

// controlAllowed says which white space a field may hold, for the messages
// about control characters.
const controlAllowed = "tabs are allowed, and line breaks in quoted fields"

// badByte returns the offset of the first NUL byte, invalid UTF-8 byte or
// control character that a value may not hold (control.Is: C0 but tab, LF
// and CR, DEL, C1) in s and what it is, with the control character itself;
// byteOK when there is none. LF and CR are allowed: the parser leaves them
// only in quoted fields, where they are line breaks of the value.
func badByte(s string) (int, byteFault, rune) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == 0:
				return i, byteNUL, 0
			case c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f:
				return i, byteControl, rune(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return i, byteInvalid, 0
		}
		if control.Is(r) {
			return i, byteControl, r
		}
		i += n
	}
	return -1, byteOK, 0
}

// secret reports whether the field called name holds a value that must
// never be shown, not even in part.
func secret(name string) bool { return name == "Password" }

// binaryHint says why head (the first bytes of a file) is not text, or ""
// when it may be. full says head is a prefix of a longer input.
func binaryHint(head []byte, full bool) string {
	bad := 0
	for i := 0; i < len(head); {
		c := head[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7f {
				bad++
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(head[i:])
		if r == utf8.RuneError && n == 1 {
			if full && !utf8.FullRune(head[i:]) {
				break
			}
			bad++
		}
		i += n
	}
	if len(head) == 0 || bad*100 < len(head)*30 {
		return ""
	}
	msg := fmt.Sprintf("%d of its first %d bytes are NUL, control or invalid UTF-8 bytes", bad, len(head))
	if utf16Like(head) {
		msg += " (UTF-16 text? name the encoding, e.g. --encoding utf-16)"
	}
	return msg
}

// utf16Like reports whether the NUL bytes of head sit at every other
// position, as in UTF-16 text of mostly ASCII characters.
func utf16Like(head []byte) bool {
	var nul [2]int
	for i, c := range head {
		if c == 0 {
			nul[i%2]++
		}
	}
	hi, lo := max(nul[0], nul[1]), min(nul[0], nul[1])
	return len(head) >= 4 && hi*100 >= len(head)/2*80 && lo*10 <= hi
}
