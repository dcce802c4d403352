package concur

import "errors"

// Causes wrapped by the reader's *model.ParseError values; test them with
// errors.Is.
var (
	ErrEmpty         = errors.New("empty file")          // no records at all (fatal)
	ErrNotText       = errors.New("not a text file")     // binary or UTF-16 input (fatal)
	ErrRead          = errors.New("read error")          // I/O error from the input (fatal)
	ErrUnknownType   = errors.New("unknown record type") // field 1 names no known record type
	ErrTooManyFields = errors.New("too many fields")     // more fields than the record type has
	ErrQuote         = errors.New("bad quoting")         // unterminated, stray or bare quote
	ErrInvalidUTF8   = errors.New("invalid UTF-8")       // a field is not valid UTF-8
	ErrNUL           = errors.New("NUL byte")            // a field holds a NUL byte
	ErrControl       = errors.New("control character")   // a field holds a control character (see formats/internal/control)
	ErrRecordTooLong = errors.New("record too long")     // a record is longer than the limit
	ErrSetting       = errors.New("invalid import setting")
)

// causeErr is an error whose text is msg and which wraps causes without
// repeating their text.
type causeErr struct {
	msg    string
	causes []error
}

func (e *causeErr) Error() string   { return e.msg }
func (e *causeErr) Unwrap() []error { return e.causes }
