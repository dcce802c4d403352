package v3json

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/formats/internal/control"
	"github.com/upsmigrate/upsmigrate/formats/internal/diag"
	"github.com/upsmigrate/upsmigrate/formats/internal/textfilter"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Kinds of error, for errors.Is on a *model.ParseError's cause.
var (
	// ErrEmpty: the input holds no JSON value at all.
	ErrEmpty = errors.New("empty input")
	// ErrNotResponse: the JSON is not a Users 3.x response: not an object,
	// no Items array, a second Items, or a second top-level value.
	ErrNotResponse = errors.New("not a Users 3.x response")
	// ErrMalformed: the JSON is not well-formed; reading stops.
	ErrMalformed = errors.New("malformed JSON")
	// ErrEncoding: a byte that is not text (invalid UTF-8, NUL) or a
	// UTF-16 input.
	ErrEncoding = errors.New("not UTF-8 text")
	// ErrControl: a control character (C0 but tab, LF and CR; DEL; C1) in
	// a string or a property name, as a byte or escaped ("\u001b").
	ErrControl = errors.New("control character")
	// ErrItem: an Items[] element or a top-level value of the wrong shape.
	ErrItem = errors.New("bad Users 3.x item")
)

type state int

const (
	stStart state = iota // before the top-level value
	stTop                // in the top-level object, between properties
	stItems              // in the Items array, between elements
	stAfter              // after the top-level object
)

const (
	objectOpen  = json.Delim('{')
	objectClose = json.Delim('}')
	arrayOpen   = json.Delim('[')
	arrayClose  = json.Delim(']')
)

// Reader streams the Items[] elements of a Users 3.0/3.1 response as
// records. It is not safe for concurrent use.
type Reader struct {
	log       diag.Log // file name, sticky io.EOF or fatal error, warnings
	f         *textfilter.Filter
	d         *json.Decoder
	st        state
	topLine   int
	props     []string // the first top-level property names, as written
	nprops    int      // number of top-level properties
	itemsLine int      // line of the Items property, 0 before it
	items     int      // Items elements read
	item      int      // line of the element being read, 0 outside one
	itemEnd   int      // line where the last element read ends
	v31       string   // the first 3.1 top-level property seen
	typed30   int      // items typed 3.0
	company   *Company
	paging    Paging
	pageLine  int // line of NextPage
	totalLine int // line of total
	width     int // field count of the last record, to size the next
}

// NewReader returns a Reader of the JSON response in r; name is the file
// name used in positions.
func NewReader(r io.Reader, name string) *Reader {
	rd := &Reader{log: diag.Log{Name: name}, f: textfilter.New(r, true)}
	rd.d = json.NewDecoder(rd.f)
	rd.d.UseNumber()
	return rd
}

// Company returns the response's company object, nil when there is none.
// A company that follows Items in the file is known only once Next has
// returned io.EOF.
func (r *Reader) Company() *Company {
	if r.company == nil {
		return nil
	}
	c := *r.company
	return &c
}

// Paging returns the paging metadata read so far.
func (r *Reader) Paging() Paging { return r.paging }

// Warnings returns the warnings about the response as a whole found so far:
// further pages not in the file, unknown or ill-typed top-level properties,
// 3.1 properties after Items.
func (r *Reader) Warnings() []model.Diagnostic {
	return r.log.Warnings()
}

// Next returns the next Items[] element as a record. It returns io.EOF
// after the last one; a *model.ParseError with Fatal false for a bad element
// (or a bad top-level value) it skipped; a fatal *model.ParseError when the
// input cannot be read further. io.EOF and fatal errors are sticky.
func (r *Reader) Next() (*model.Record, error) {
	if r.log.End != nil {
		return nil, r.log.End
	}
	for {
		var rec *model.Record
		var err error
		switch r.st {
		case stStart:
			err = r.start()
		case stTop:
			err = r.topProperty()
		case stItems:
			rec, err = r.element()
		case stAfter:
			err = r.after()
		}
		if rec != nil || err != nil {
			return rec, err
		}
	}
}

// token returns the next token and the line it ends on (a token holds no
// newline).
func (r *Reader) token() (json.Token, int, error) {
	t, err := r.d.Token()
	if err != nil {
		return nil, 0, err
	}
	return t, r.f.LineAt(r.d.InputOffset()), nil
}

// claim returns the first bad byte in the tokens read since the last claim.
func (r *Reader) claim() (textfilter.BadByte, bool) {
	return r.f.Claim(r.d.InputOffset())
}

// val is one value: a scalar as text, null, or the delimiter of a container
// (opened, for the caller to read or skip) or of an enclosing array's end.
type val struct {
	text     string
	null     bool
	delim    json.Delim
	kindName string // of a scalar or null
	line     int
	problem  problem // what is wrong with the token's text
}

// problem is what is wrong with a token, if anything: a message, its line
// and its kind of error.
type problem struct {
	msg  string // "" when nothing is wrong
	line int
	kind error
}

// badProblem is the problem of a bad byte the filter replaced.
func badProblem(b textfilter.BadByte) problem {
	kind := ErrEncoding
	if b.Control() {
		kind = ErrControl
	}
	return problem{b.Describe(false, ""), b.Line(), kind}
}

// controlProblem is the problem of a string on line that holds a control
// character, or none; inName says the string is a property name.
func controlProblem(s string, line int, inName bool) problem {
	i, c := control.Index(s)
	if i < 0 {
		return problem{}
	}
	msg := control.Found(c, false) + ": " + control.Expected(textfilter.ControlAllowed)
	if inName {
		msg += " (in a property name)"
	}
	return problem{msg, line, ErrControl}
}

// recoverable is the recoverable error of p about field.
func (r *Reader) recoverable(p problem, field string) *model.ParseError {
	return r.log.Recoverable(p.line, field, p.kind, p.msg)
}

// propName returns the property name t and the problem with it: a bad
// byte the filter replaced, or a control character. A name with a control
// character is returned with it escaped (\u001b), so that no message or
// record shows it as it is.
func (r *Reader) propName(t json.Token, line int) (string, problem) {
	name := t.(string)
	if bad, ok := r.claim(); ok {
		p := badProblem(bad)
		p.msg += " (in a property name)"
		return name, p
	}
	p := controlProblem(name, line, true)
	if p.msg != "" {
		name = control.Escape(name)
	}
	return name, p
}

// kind names the value's JSON type with its article: "a string", "null".
func (v val) kind() string {
	switch v.delim {
	case objectOpen:
		return "an object"
	case arrayOpen:
		return "an array"
	}
	return v.kindName
}

func (r *Reader) value() (val, error) {
	t, line, err := r.token()
	if err != nil {
		return val{}, r.readErr(err)
	}
	v := val{line: line}
	if bad, ok := r.claim(); ok {
		v.problem = badProblem(bad)
	}
	switch t := t.(type) {
	case string:
		v.text, v.kindName = t, "a string"
		if v.problem.msg == "" {
			// Escaped ("\u001b") or not a C0 byte (DEL, C1): the filter
			// let it through.
			v.problem = controlProblem(t, line, false)
		}
	case json.Number:
		v.text, v.kindName = t.String(), "a number"
	case bool:
		v.text, v.kindName = strconv.FormatBool(t), "a boolean"
	case nil:
		v.null, v.kindName = true, "null"
	case json.Delim:
		v.delim = t
	}
	return v, nil
}

// skip reads the rest of the container opened by open.
func (r *Reader) skip(open json.Delim) error {
	if open != objectOpen && open != arrayOpen {
		return nil
	}
	for depth := 1; depth > 0; {
		t, err := r.d.Token()
		if err != nil {
			return r.readErr(err)
		}
		switch t {
		case objectOpen, arrayOpen:
			depth++
		case objectClose, arrayClose:
			depth--
		}
	}
	r.claim()
	return nil
}

func (r *Reader) start() error {
	t, line, err := r.token()
	if r.f.UTF16() {
		return r.log.Fatal(1, "", ErrEncoding, textfilter.UTF16Message)
	}
	if err == io.EOF {
		return r.log.Fatal(1, "", ErrEmpty, "empty file: expected a Users 3.0/3.1 JSON response (an object with an Items array)")
	}
	if err != nil {
		return r.readErr(err)
	}
	if bad, ok := r.claim(); ok {
		p := badProblem(bad)
		return r.log.Fatal(p.line, "", p.kind, p.msg)
	}
	switch t {
	case objectOpen:
		r.topLine = line
		r.st = stTop
		return nil
	case arrayOpen:
		return r.log.Fatal(line, "", ErrNotResponse, `top-level JSON array: expected an object with an Items array (the Users 3.0/3.1 response shape; wrap the users as {"Items": [...]})`)
	}
	return r.log.Fatal(line, "", ErrNotResponse, fmt.Sprintf("top-level JSON %s: expected an object with an Items array (a Users 3.0/3.1 response)", scalarKind(t)))
}

func scalarKind(t json.Token) string {
	switch t.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

// topProperty reads one property of the top-level object, or its end.
func (r *Reader) topProperty() error {
	t, line, err := r.token()
	if err != nil {
		return r.readErr(err)
	}
	if t == objectClose {
		r.st = stAfter
		if r.itemsLine == 0 {
			return r.log.Fatal(r.topLine, "", ErrNotResponse, r.missingItems())
		}
		r.pageWarnings()
		return nil
	}
	raw, prob := r.propName(t, line)
	r.nprops++
	if len(r.props) < 10 {
		r.props = append(r.props, raw)
	}
	key, known := lookup(topFold, raw)
	if key == "Items" {
		v, err := r.value()
		if err != nil {
			return err
		}
		if r.itemsLine != 0 {
			return r.log.Fatal(line, raw, ErrNotResponse, fmt.Sprintf("second Items property: expected one Items array (the first is on line %d)", r.itemsLine))
		}
		if v.delim != arrayOpen {
			return r.log.Fatal(v.line, raw, ErrNotResponse, fmt.Sprintf("Items is %s: expected an array of user objects", v.kind()))
		}
		r.itemsLine = line
		r.st = stItems
		return nil
	}
	if !known {
		r.log.Warn(line, fmt.Sprintf("unknown top-level property %q ignored: expected Items, NextPage (3.0) or total, offset, limit, company (3.1)", raw))
	}
	if key == "total" || key == "offset" || key == "limit" || key == "company" {
		r.mark31(raw, line)
	}
	v, err := r.value()
	if err != nil {
		return err
	}
	if prob.msg == "" {
		prob = v.problem
	}
	switch {
	case key == "company" && v.delim == objectOpen:
		cbad, err := r.readCompany(v.line)
		if err != nil {
			return err
		}
		if cbad != nil && prob.msg == "" {
			return cbad
		}
	case v.delim != 0:
		if known {
			r.log.Warn(v.line, fmt.Sprintf("top-level %s is %s: expected %s; ignored", raw, v.kind(), expectTop(key)))
		}
		if err := r.skip(v.delim); err != nil {
			return err
		}
	case v.null || !known:
	case key == "NextPage":
		r.paging.NextPage, r.pageLine = v.text, v.line
	case key == "company":
		r.log.Warn(v.line, fmt.Sprintf("top-level %s is %s: expected an object; ignored", raw, v.kind()))
	default:
		if _, err := strconv.Atoi(v.text); err != nil {
			r.log.Warn(v.line, fmt.Sprintf("top-level %s is %q: expected a whole number; ignored", raw, v.text))
			break
		}
		switch key {
		case "total":
			r.paging.Total, r.totalLine = v.text, v.line
		case "offset":
			r.paging.Offset = v.text
		case "limit":
			r.paging.Limit = v.text
		}
	}
	if prob.msg != "" {
		return r.recoverable(prob, raw)
	}
	return nil
}

func expectTop(key string) string {
	switch key {
	case "NextPage":
		return "a string"
	case "company":
		return "an object"
	}
	return "a number"
}

func (r *Reader) missingItems() string {
	if len(r.props) == 0 {
		return "no Items array: the top-level object is empty; expected a Users 3.0/3.1 response with an Items array"
	}
	names := make([]string, len(r.props))
	for i, p := range r.props {
		names[i] = strconv.Quote(p)
	}
	more := ""
	if r.nprops > len(r.props) {
		more = fmt.Sprintf(" and %d more", r.nprops-len(r.props))
	}
	return fmt.Sprintf("no Items array in the top-level object (found %s%s): expected a Users 3.0/3.1 response with an Items array", strings.Join(names, ", "), more)
}

// mark31 notes a 3.1 top-level property.
func (r *Reader) mark31(raw string, line int) {
	if r.v31 != "" {
		return
	}
	r.v31 = raw
	if r.typed30 > 0 {
		r.log.Warn(line, fmt.Sprintf("%s marks a Users 3.1 response but comes after Items: %d item(s) before it without 3.1 fields were typed 3.0", raw, r.typed30))
	}
}

// readCompany reads the company object whose '{' is on line. Problems with
// its values are warnings; a bad byte is returned as a recoverable error.
func (r *Reader) readCompany(line int) (*model.ParseError, error) {
	c := &Company{Pos: model.Position{File: r.log.Name, Line: line}}
	var perr *model.ParseError
	for {
		t, kline, err := r.token()
		if err != nil {
			return nil, r.readErr(err)
		}
		if t == objectClose {
			break
		}
		raw, prob := r.propName(t, kline)
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		if prob.msg == "" {
			prob = v.problem
		}
		if prob.msg != "" && perr == nil {
			perr = r.recoverable(prob, "company."+raw)
		}
		if v.delim != 0 {
			r.log.Warn(v.line, fmt.Sprintf("company.%s is %s: expected text; ignored", raw, v.kind()))
			if err := r.skip(v.delim); err != nil {
				return nil, err
			}
			continue
		}
		var dst *string
		switch strings.ToLower(raw) {
		case "name":
			dst = &c.Name
		case "address":
			dst = &c.Address
		case "city":
			dst = &c.City
		case "state":
			dst = &c.State
		case "zip":
			dst = &c.Zip
		case "country":
			dst = &c.Country
		default:
			r.log.Warn(kline, fmt.Sprintf("unknown company property %q ignored: expected name, address, city, state, zip, country", raw))
			continue
		}
		*dst = v.text
	}
	r.company = c
	return perr, nil
}

// after reads what follows the top-level object: nothing may.
func (r *Reader) after() error {
	t, line, err := r.token()
	if err == io.EOF {
		r.log.End = io.EOF
		return io.EOF
	}
	if err != nil {
		return r.readErr(err)
	}
	return r.log.Fatal(line, "", ErrNotResponse, fmt.Sprintf("second JSON value (%s) after the top-level object: expected the end of the file", tokenKind(t)))
}

func tokenKind(t json.Token) string {
	switch t {
	case objectOpen:
		return "an object"
	case arrayOpen:
		return "an array"
	}
	return "a " + scalarKind(t)
}

// pageWarnings warns when the response says it has further pages.
func (r *Reader) pageWarnings() {
	if r.paging.NextPage != "" {
		r.log.Warn(r.pageLine, fmt.Sprintf("NextPage is set: the response has further pages that are not in this file; only its %d item(s) are read", r.items))
	}
	total, err := strconv.Atoi(r.paging.Total)
	if err != nil {
		return
	}
	offset, _ := strconv.Atoi(r.paging.Offset)
	if total > offset+r.items {
		r.log.Warn(r.totalLine, fmt.Sprintf("total is %d but this file holds %d item(s) from offset %d: users on other pages are not in this file", total, r.items, offset))
	}
}

// readErr turns an error of the JSON decoder into a fatal ParseError. A bad
// byte at or before the failure is the likelier cause and is named instead.
func (r *Reader) readErr(err error) error {
	if r.f.UTF16() {
		return r.log.Fatal(1, "", ErrEncoding, textfilter.UTF16Message)
	}
	line := r.errLine()
	if b, ok := r.f.Pending(line); ok {
		p := badProblem(b)
		return r.log.Fatal(p.line, "", p.kind, p.msg+r.stopped())
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		expect := "well-formed JSON (a Users 3.0/3.1 response)"
		if r.st == stAfter {
			expect = "the end of the file after the top-level object"
		}
		return r.log.Fatal(line, "", ErrMalformed, "malformed JSON: "+se.Error()+": expected "+expect+r.stopped())
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return r.log.Fatal(line, "", ErrMalformed, "malformed JSON: unexpected end of file: expected the rest of the top-level object"+r.stopped())
	}
	return r.log.ReadFailed(line, err)
}

// errLine is the line where the decoder failed: the start of the token it
// could not read, just after the last good one.
func (r *Reader) errLine() int {
	line := r.f.LineAt(r.d.InputOffset())
	rest := r.d.Buffered()
	var b [1]byte
	for {
		if n, _ := rest.Read(b[:]); n == 0 {
			return line
		}
		switch b[0] {
		case '\n':
			line++
		case ' ', '\t', '\r', ',', ':':
		default:
			return line
		}
	}
}

// stopped says which item was lost when reading stops.
func (r *Reader) stopped() string {
	if r.item > 0 {
		return fmt.Sprintf("; reading stopped in Items[%d] at line %d", r.items-1, r.item)
	}
	return "; reading stopped"
}
