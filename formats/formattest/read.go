package formattest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Open adapts a reader constructor such as v1xml.NewReader to the function
// type that Harness.New, Fuzz and BenchRead take.
func Open[R Reader](newReader func(r io.Reader, name string) R) func(io.Reader, string) Reader {
	return func(r io.Reader, name string) Reader { return newReader(r, name) }
}

// Warner is a reader that reports warnings about its input as a whole.
type Warner interface {
	Warnings() []model.Diagnostic
}

// Event is one result of Next before the end of a read: a record, or an
// error that is a *model.ParseError.
type Event struct {
	Record *model.Record
	Err    error
	Fatal  bool // Err is fatal: the last event
}

// Events reads r until io.EOF or a fatal error. It fails when an error is no
// *model.ParseError, when Next returns neither a record nor an error, or
// when the reader does not end.
func Events(r Reader) ([]Event, error) {
	var evs []Event
	for i := 0; i < maxCalls; i++ {
		rec, err := r.Next()
		if err == io.EOF {
			return evs, nil
		}
		if err != nil {
			var pe *model.ParseError
			if !errors.As(err, &pe) {
				return evs, fmt.Errorf("error is not a *model.ParseError: %T %v", err, err)
			}
			evs = append(evs, Event{Err: err, Fatal: pe.Fatal})
			if pe.Fatal {
				return evs, nil
			}
			continue
		}
		if rec == nil {
			return evs, errors.New("nil record without error")
		}
		evs = append(evs, Event{Record: rec})
	}
	return evs, errors.New("reader never returned io.EOF")
}

// Field is the golden form of one record field; Name is set only when it
// differs from Key.
type Field struct {
	Key   string `json:"key"`
	Name  string `json:"name,omitempty"`
	Value string `json:"value"`
	Line  int    `json:"line"`
}

// Record is the golden form of a record.
type Record struct {
	Pos    string  `json:"pos"`
	Type   string  `json:"type"`
	Fields []Field `json:"fields"`
}

// Read is the golden form of a whole read: the records, the recoverable
// errors and the fatal error (if any) as text, and the reader's warnings.
type Read struct {
	Records  []Record
	Errors   []string
	Fatal    string
	Warnings []string
}

// ReadAll reads r to its end (see Events) into a Read; the warnings are
// taken when r is a Warner.
func ReadAll(r Reader) (Read, error) {
	var d Read
	evs, err := Events(r)
	if err != nil {
		return d, err
	}
	for _, ev := range evs {
		switch {
		case ev.Fatal:
			d.Fatal = ev.Err.Error()
		case ev.Err != nil:
			d.Errors = append(d.Errors, ev.Err.Error())
		default:
			rec := ev.Record
			dr := Record{Pos: rec.Pos.String(), Type: rec.Type}
			for i, k := range rec.Keys {
				f := Field{Key: k, Value: rec.Values[i], Line: rec.Lines[i]}
				if rec.Names[i] != k {
					f.Name = rec.Names[i]
				}
				dr.Fields = append(dr.Fields, f)
			}
			d.Records = append(d.Records, dr)
		}
	}
	if w, ok := r.(Warner); ok {
		for _, diag := range w.Warnings() {
			d.Warnings = append(d.Warnings, diag.String())
		}
	}
	return d, nil
}

// Section is a named value that Read.JSON writes after the warnings.
type Section struct {
	Name  string
	Value any
}

// JSON renders d as a JSON object with one record, error or warning a line:
// "records", "errors", "warnings", then the extra sections, then "fatal".
func (d Read) JSON(extra ...Section) ([]byte, error) {
	var b bytes.Buffer
	var encErr error
	enc := func(v any) string {
		var buf bytes.Buffer
		e := json.NewEncoder(&buf)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil && encErr == nil {
			encErr = err
		}
		return strings.TrimSuffix(buf.String(), "\n")
	}
	list := func(name string, n int, item func(int) any) {
		fmt.Fprintf(&b, "  %q: [", name)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n    " + enc(item(i)))
		}
		if n > 0 {
			b.WriteString("\n  ")
		}
		b.WriteString("],\n")
	}
	b.WriteString("{\n")
	list("records", len(d.Records), func(i int) any { return d.Records[i] })
	list("errors", len(d.Errors), func(i int) any { return d.Errors[i] })
	list("warnings", len(d.Warnings), func(i int) any { return d.Warnings[i] })
	for _, s := range extra {
		fmt.Fprintf(&b, "  %q: %s,\n", s.Name, enc(s.Value))
	}
	fmt.Fprintf(&b, "  \"fatal\": %s\n}\n", enc(d.Fatal))
	return b.Bytes(), encErr
}

// Dump reads r to its end and renders the read with Read.JSON.
func Dump(r Reader) ([]byte, error) {
	d, err := ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.JSON()
}
