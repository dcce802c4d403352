package v1xml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/upsmigrate/upsmigrate/formats/internal/control"
	"github.com/upsmigrate/upsmigrate/formats/internal/diag"
	"github.com/upsmigrate/upsmigrate/formats/internal/textfilter"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Kinds of error, for errors.Is on a *model.ParseError's cause.
var (
	// ErrEmpty: the input holds no XML at all.
	ErrEmpty = errors.New("empty input")
	// ErrNotBatch: the XML is not a Users V1 batch (wrong or missing root,
	// content after </batch>).
	ErrNotBatch = errors.New("not a Users V1 batch")
	// ErrMalformed: the XML is not well-formed; reading stops.
	ErrMalformed = errors.New("malformed XML")
	ErrDoctype   = errors.New("DOCTYPE with entities")
	// ErrEncoding: a byte that is not text (invalid UTF-8, NUL) or a
	// UTF-16 input.
	ErrEncoding = errors.New("not UTF-8 text")
	// ErrControl: a control character (C0 but tab, LF and CR; DEL; C1),
	// as a byte or as a character reference (&#x1B;).
	ErrControl = errors.New("control character")
	// ErrStructure: a UserProfile or batch child that breaks the V1 shape
	// (nested or duplicate field, stray text or element).
	ErrStructure = errors.New("bad Users V1 structure")
)

type state int

const (
	stProlog  state = iota // before <batch>
	stBatch                // inside <batch>
	stTrailer              // after </batch>
)

// Reader streams the UserProfile elements of a Users V1 batch as records.
// It is not safe for concurrent use.
type Reader struct {
	log      diag.Log // file name, sticky io.EOF or fatal error, warnings
	f        *textfilter.Filter
	d        *xml.Decoder
	st       state
	content  bool // anything but whitespace seen before the root
	profiles int
	batch    model.Position
	declared string // non-UTF-8 encoding named by the XML declaration
	profile  int    // line of the UserProfile being read, 0 outside one
	// profileEnd is the line where the last UserProfile read ends.
	profileEnd int
	inSecret   bool   // reading the value of a secret field
	text       []byte // field text buffer, reused
	width      int    // field count of the last record, to size the next
}

// NewReader returns a Reader of the batch XML in r; name is the file name
// used in positions.
func NewReader(r io.Reader, name string) *Reader {
	rd := &Reader{log: diag.Log{Name: name}, f: textfilter.NewXML(r)}
	rd.d = xml.NewDecoder(rd.f)
	// The reader takes UTF-8 (formats.Open transcodes on --encoding); a
	// declared encoding only serves the advice in encoding errors.
	rd.d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-8", "utf8", "us-ascii", "ascii":
		default:
			rd.declared = label
		}
		return in, nil
	}
	return rd
}

// Warnings returns the warnings about the batch as a whole found so far: a
// batch over the V1 limit of 500 UserProfiles, an empty batch, an unexpected
// namespace.
func (r *Reader) Warnings() []model.Diagnostic {
	return r.log.Warnings()
}

// Next returns the next UserProfile as a record. It returns io.EOF after the
// last one; a *model.ParseError with Fatal false for a bad UserProfile (or
// stray content) it skipped; a fatal *model.ParseError when the input cannot
// be read further. io.EOF and fatal errors are sticky.
func (r *Reader) Next() (*model.Record, error) {
	if r.log.End != nil {
		return nil, r.log.End
	}
	for {
		var rec *model.Record
		var err error
		switch r.st {
		case stProlog:
			err = r.prolog()
		case stBatch:
			rec, err = r.batchChild()
		case stTrailer:
			err = r.trailer()
		}
		if rec != nil || err != nil {
			return rec, err
		}
	}
}

// token returns the next token and the line it starts on.
func (r *Reader) token() (xml.Token, int, error) {
	line, _ := r.d.InputPos()
	t, err := r.d.Token()
	return t, line, err
}

// claim returns the first bad byte in the tokens read since the last claim.
func (r *Reader) claim() (textfilter.BadByte, bool) {
	return r.f.Claim(r.d.InputOffset())
}

// prolog reads up to and including the root element.
func (r *Reader) prolog() error {
	for {
		t, line, err := r.token()
		if r.f.UTF16() {
			return r.log.Fatal(1, "", ErrEncoding, textfilter.UTF16Message)
		}
		if err == io.EOF {
			if !r.content {
				return r.log.Fatal(1, "", ErrEmpty, "empty file: expected a Users V1 batch (<batch> holding <UserProfile> elements)")
			}
			return r.log.Fatal(line, "", ErrNotBatch, "no root element: expected <batch> holding <UserProfile> elements")
		}
		if err != nil {
			return r.readErr(err)
		}
		bad, hasBad := r.claim()
		switch t := t.(type) {
		case xml.CharData:
			if !isSpace(t) {
				if hasBad {
					return r.log.Fatal(bad.Line(), "", badKind(bad), bad.Describe(false, r.declared))
				}
				return r.log.Fatal(r.textLine(line, t), "", ErrNotBatch, "text before the root element: expected <batch>")
			}
		case xml.StartElement:
			r.content = true
			if t.Name.Local != "batch" {
				hint := ""
				switch t.Name.Local {
				case "UserBatch":
					hint = " (this is a Users V1 password batch; UPS has no password attribute)"
				case "UserProfile":
					hint = " (wrap the UserProfile elements in <batch>)"
				}
				return r.log.Fatal(line, "", ErrNotBatch, fmt.Sprintf("not a Users V1 batch: root element <%s>, expected <batch>%s", t.Name.Local, hint))
			}
			r.batch = model.Position{File: r.log.Name, Line: line}
			r.st = stBatch
			if t.Name.Space != "" && t.Name.Space != Namespace {
				r.log.Warn(line, fmt.Sprintf("<batch> is in namespace %q, expected %q or none; read as a Users V1 batch", t.Name.Space, Namespace))
			}
		case xml.Directive:
			r.content = true
			if bytes.HasPrefix(bytes.TrimSpace(t), []byte("DOCTYPE")) {
				if bytes.Contains(t, []byte("<!ENTITY")) {
					return r.log.Fatal(line, "", ErrDoctype, "the DOCTYPE declares entities: upsmigrate expands no entity but the five of XML (&amp; &lt; &gt; &quot; &apos;) and character references, so that a file cannot make it read other files or grow without bound; remove the DOCTYPE and write the values out")
				}
				r.log.Warn(line, "DOCTYPE ignored: Users V1 batches need no DTD, and none is read")
			}
		default:
			r.content = true
		}
		if hasBad {
			return r.log.Recoverable(bad.Line(), "", badKind(bad), bad.Describe(false, r.declared))
		}
		if r.st != stProlog {
			return nil
		}
	}
}

// batchChild reads one child of <batch>: a UserProfile yields a record;
// anything else but whitespace, comments and processing instructions yields
// a recoverable error. It returns nil, nil when there is nothing to report.
func (r *Reader) batchChild() (*model.Record, error) {
	t, line, err := r.token()
	if err != nil {
		return nil, r.readErr(err)
	}
	bad, hasBad := r.claim()
	switch t := t.(type) {
	case xml.StartElement:
		if t.Name.Local == "UserProfile" {
			r.profiles++
			return r.readProfile(line, bad, hasBad)
		}
		if err := r.skip(); err != nil {
			return nil, err
		}
		return nil, r.log.Recoverable(line, "", ErrStructure, fmt.Sprintf("unexpected element <%s> in <batch>: expected <UserProfile>; element skipped", t.Name.Local))
	case xml.CharData:
		if hasBad {
			return nil, r.log.Recoverable(bad.Line(), "", badKind(bad), bad.Describe(false, r.declared))
		}
		if !isSpace(t) {
			return nil, r.log.Recoverable(r.textLine(line, t), "", ErrStructure, "text directly in <batch>: expected only <UserProfile> elements; text skipped")
		}
		return nil, nil
	case xml.EndElement:
		r.st = stTrailer
		switch {
		case r.profiles == 0:
			r.log.Warn(r.batch.Line, "<batch> holds no <UserProfile> elements")
		case r.profiles > MaxBatch:
			r.log.Warn(r.batch.Line, fmt.Sprintf("<batch> holds %d UserProfile elements: the Users V1 API took at most %d per batch; all are read", r.profiles, MaxBatch))
		}
	}
	if hasBad {
		return nil, r.log.Recoverable(bad.Line(), "", badKind(bad), bad.Describe(false, r.declared))
	}
	return nil, nil
}

// readProfile reads the rest of a UserProfile that starts on line. A bad
// UserProfile is read to its end and reported with its first problem.
func (r *Reader) readProfile(line int, bad textfilter.BadByte, hasBad bool) (*model.Record, error) {
	r.profile = line
	defer func() {
		r.profile = 0
		r.profileEnd, _ = r.d.InputPos()
	}()
	rec := &model.Record{
		Format: model.FormatV1XML,
		Type:   "v1",
		Pos:    model.Position{File: r.log.Name, Line: line},
	}
	if r.profileEnd == line {
		// Another UserProfile ends on this line (minified XML): its index
		// tells the records apart wherever positions are compared.
		rec.Pos.Item = r.profiles
	}
	if r.width > 0 {
		rec.Keys = make([]string, 0, r.width)
		rec.Names = make([]string, 0, r.width)
		rec.Values = make([]string, 0, r.width)
		rec.Lines = make([]int, 0, r.width)
	}
	var perr *model.ParseError
	if hasBad {
		perr = r.log.Recoverable(bad.Line(), "", badKind(bad), bad.Describe(false, r.declared))
	}
	for {
		t, tline, err := r.token()
		if err != nil {
			return nil, r.readErr(err)
		}
		bad, hasBad := r.claim()
		if hasBad && perr == nil {
			perr = r.log.Recoverable(bad.Line(), "", badKind(bad), bad.Describe(false, r.declared))
		}
		switch t := t.(type) {
		case xml.StartElement:
			if err := r.readField(rec, t, tline, &perr); err != nil {
				return nil, err
			}
		case xml.CharData:
			if perr == nil && !isSpace(t) {
				perr = r.log.Recoverable(r.textLine(tline, t), "", ErrStructure, "text directly in <UserProfile>: expected field elements such as <EmpId>")
			}
		case xml.EndElement:
			if perr != nil {
				diag.Append(perr, fmt.Sprintf("; UserProfile at line %d skipped", line))
				return nil, perr
			}
			r.width = max(r.width, len(rec.Keys))
			return rec, nil
		}
	}
}

// readField reads one field element of a UserProfile into rec; problems go
// to *perr unless it holds one already. Only fatal errors are returned.
func (r *Reader) readField(rec *model.Record, start xml.StartElement, line int, perr **model.ParseError) error {
	raw := start.Name.Local
	key, _ := Canonical(raw)
	sec := secret(key)
	r.inSecret = sec
	defer func() { r.inSecret = false }()
	text := r.text[:0]
	for done := false; !done; {
		t, tline, err := r.token()
		if err != nil {
			return r.readErr(err)
		}
		if bad, hasBad := r.claim(); hasBad && *perr == nil {
			*perr = r.log.Recoverable(bad.Line(), raw, badKind(bad), bad.Describe(sec, r.declared))
		}
		switch t := t.(type) {
		case xml.CharData:
			text = append(text, t...)
		case xml.StartElement:
			if *perr == nil {
				*perr = r.log.Recoverable(tline, raw, ErrStructure, fmt.Sprintf("nested element <%s> in <%s>: expected text only (UserProfile fields are flat)", t.Name.Local, raw))
			}
			if err := r.skip(); err != nil {
				return err
			}
		case xml.EndElement:
			done = true
		}
	}
	if i := rec.Index(key); i >= 0 {
		if *perr == nil {
			what := fmt.Sprintf("duplicate field <%s> (first given on line %d)", raw, rec.Lines[i])
			if rec.Names[i] != raw {
				what = fmt.Sprintf("duplicate field <%s>: <%s> on line %d is the same field", raw, rec.Names[i], rec.Lines[i])
			}
			*perr = r.log.Recoverable(line, raw, ErrStructure, what+"; expected each field once per UserProfile")
		}
		return nil
	}
	r.text = text
	value := string(bytes.Trim(text, " \t\r\n"))
	if i, c := control.Index(value); i >= 0 && *perr == nil {
		// The filter took the C0 control bytes and references; DEL and C1
		// characters are XML text, and so are references to them.
		*perr = r.log.Recoverable(line, raw, ErrControl, control.Found(c, sec)+": "+control.Expected(textfilter.ControlAllowed))
	}
	if sec && value != "" {
		value = Redacted
	}
	rec.Keys = append(rec.Keys, key)
	rec.Names = append(rec.Names, raw)
	rec.Values = append(rec.Values, value)
	rec.Lines = append(rec.Lines, line)
	return nil
}

// trailer reads what follows </batch>: only whitespace, comments and
// processing instructions may.
func (r *Reader) trailer() error {
	for {
		t, line, err := r.token()
		if err == io.EOF {
			r.log.End = io.EOF
			return io.EOF
		}
		if err != nil {
			return r.readErr(err)
		}
		bad, hasBad := r.claim()
		switch t := t.(type) {
		case xml.StartElement:
			return r.log.Fatal(line, "", ErrNotBatch, fmt.Sprintf("element <%s> after </batch>: expected the end of the file (one <batch> per file)", t.Name.Local))
		case xml.CharData:
			if !isSpace(t) && !hasBad {
				return r.log.Fatal(r.textLine(line, t), "", ErrNotBatch, "text after </batch>: expected the end of the file")
			}
		}
		if hasBad {
			return r.log.Recoverable(bad.Line(), "", badKind(bad), bad.Describe(false, r.declared))
		}
	}
}

// skip skips the rest of the element whose start was just read.
func (r *Reader) skip() error {
	err := r.d.Skip()
	r.claim()
	if err != nil {
		return r.readErr(err)
	}
	return nil
}

// readErr turns an error of the XML decoder into a fatal ParseError. A bad
// byte at or before the failure is the likelier cause and is named instead.
func (r *Reader) readErr(err error) error {
	line, _ := r.d.InputPos()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line = se.Line
	}
	if r.f.UTF16() {
		return r.log.Fatal(1, "", ErrEncoding, textfilter.UTF16Message)
	}
	if b, ok := r.f.Pending(line); ok {
		return r.log.Fatal(b.Line(), "", badKind(b), b.Describe(r.inSecret, r.declared)+r.stopped())
	}
	if se == nil {
		return r.log.ReadFailed(line, err)
	}
	msg := se.Msg
	if r.inSecret {
		msg = "error inside a Password value (details withheld)"
	} else if strings.HasPrefix(msg, "invalid character entity") {
		msg += " (entities are not supported: only &amp; &lt; &gt; &quot; &apos; and character references such as &#233;)"
	}
	return r.log.Fatal(line, "", ErrMalformed, "malformed XML: "+msg+": expected a well-formed Users V1 batch"+r.stopped())
}

// stopped says which UserProfile was lost when reading stops.
func (r *Reader) stopped() string {
	if r.profile > 0 {
		return fmt.Sprintf("; reading stopped in the UserProfile at line %d", r.profile)
	}
	return "; reading stopped"
}

// badKind is the kind of error of a bad byte.
func badKind(b textfilter.BadByte) error {
	if b.Control() {
		return ErrControl
	}
	return ErrEncoding
}

func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// textLine is the line of the first non-space byte of the text just read,
// which started on line. The decoder turns a lone CR into LF in text but
// counts only LF as a line end, hence the bound by the current line.
func (r *Reader) textLine(line int, text []byte) int {
	end, _ := r.d.InputPos()
	for _, c := range text {
		switch c {
		case '\n':
			line++
		case ' ', '\t', '\r':
		default:
			return min(line, end)
		}
	}
	return min(line, end)
}
