package v3json

import (
	"fmt"

	"github.com/upsmigrate/upsmigrate/formats/internal/diag"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Reading one element of Items into a record: its properties, its e-mail
// addresses, and the problems that cost a value or the item.

// element reads one element of Items, or the array's end.
func (r *Reader) element() (*model.Record, error) {
	t, line, err := r.token()
	if err != nil {
		return nil, r.readErr(err)
	}
	r.claim()
	switch t {
	case arrayClose:
		r.st = stTop
		return nil, nil
	case objectOpen:
		r.items++
		return r.readItem(line, r.items-1)
	}
	r.items++
	what := "a " + scalarKind(t)
	if t == arrayOpen {
		what = "an array"
		if err := r.skip(arrayOpen); err != nil {
			return nil, err
		}
	} else if t == nil {
		what = "null"
	}
	return nil, r.log.Recoverable(line, "", ErrItem, fmt.Sprintf("Items[%d] is %s: expected a user object; element skipped", r.items-1, what))
}

// readItem reads the rest of the Items element idx whose '{' is on line. A
// bad element is read to its end and reported with its first problem.
func (r *Reader) readItem(line, idx int) (*model.Record, error) {
	r.item = line
	defer func() {
		r.item = 0
		r.itemEnd = r.f.LineAt(r.d.InputOffset())
	}()
	rec := &model.Record{Format: model.FormatV3JSON, Pos: model.Position{File: r.log.Name, Line: line}}
	if idx > 0 && line == r.itemEnd {
		// Another item ends on this line (minified JSON): the index tells
		// the records apart wherever positions are compared.
		rec.Pos.Item = idx + 1
	}
	if r.width > 0 {
		rec.Keys = make([]string, 0, r.width)
		rec.Names = make([]string, 0, r.width)
		rec.Values = make([]string, 0, r.width)
		rec.Lines = make([]int, 0, r.width)
	}
	var perr *model.ParseError
	has31 := false
	emails := 0 // line of Emails
	for {
		t, kline, err := r.token()
		if err != nil {
			return nil, r.readErr(err)
		}
		if t == objectClose {
			break
		}
		raw, prob := r.propName(t, kline)
		key, _ := Canonical(raw)
		if prob.msg != "" && perr == nil {
			perr = r.recoverable(prob, raw)
		}
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		if v.problem.msg != "" && perr == nil {
			perr = r.recoverable(v.problem, raw)
		}
		if key == "CountryCode" || key == "Emails" {
			has31 = true
		}
		if key == "Emails" && !v.null {
			if v.delim != arrayOpen {
				if perr == nil {
					perr = r.log.Recoverable(v.line, raw, ErrItem, fmt.Sprintf("property %s is %s: expected an array of email objects or addresses", raw, v.kind()))
				}
				if err := r.skip(v.delim); err != nil {
					return nil, err
				}
				continue
			}
			if emails > 0 {
				if perr == nil {
					perr = r.log.Recoverable(kline, raw, ErrItem, fmt.Sprintf("duplicate property %s (first on line %d): expected each property once per item", raw, emails))
				}
				if err := r.skip(arrayOpen); err != nil {
					return nil, err
				}
				continue
			}
			emails = kline
			if err := r.readEmails(rec, raw, &perr); err != nil {
				return nil, err
			}
			continue
		}
		if v.delim != 0 {
			if perr == nil {
				perr = r.log.Recoverable(v.line, raw, ErrItem, fmt.Sprintf("property %s is %s: expected a string, number, boolean or null", raw, v.kind()))
			}
			if err := r.skip(v.delim); err != nil {
				return nil, err
			}
			continue
		}
		if v.null {
			continue
		}
		r.add(rec, key, raw, v, &perr)
	}
	if perr != nil {
		diag.Append(perr, fmt.Sprintf("; Items[%d] at line %d skipped", idx, line))
		return nil, perr
	}
	rec.Type = "3.0"
	if has31 || r.v31 != "" {
		rec.Type = "3.1"
	} else {
		r.typed30++
	}
	r.width = max(r.width, len(rec.Keys))
	return rec, nil
}

// add appends a scalar to rec, or notes a duplicate in *perr.
func (r *Reader) add(rec *model.Record, key, raw string, v val, perr **model.ParseError) {
	if i := rec.Index(key); i >= 0 {
		if *perr == nil {
			what := fmt.Sprintf("duplicate property %s (first on line %d)", raw, rec.Lines[i])
			if rec.Names[i] != raw {
				what = fmt.Sprintf("duplicate property %s: %s on line %d is the same property", raw, rec.Names[i], rec.Lines[i])
			}
			*perr = r.log.Recoverable(v.line, raw, ErrItem, what+"; expected each property once per item")
		}
		return
	}
	if len(v.text) > MaxValueBytes {
		if *perr == nil {
			*perr = r.log.Recoverable(v.line, raw, ErrItem, fmt.Sprintf("property %s is %d bytes long: expected at most %d (no UPS attribute holds more than a few thousand characters)", raw, len(v.text), MaxValueBytes))
		}
		return
	}
	rec.Keys = append(rec.Keys, key)
	rec.Names = append(rec.Names, raw)
	rec.Values = append(rec.Values, v.text)
	rec.Lines = append(rec.Lines, v.line)
}

// MaxValueBytes bounds one property's value: an item with a longer one is
// skipped with an error naming the property.
const MaxValueBytes = 64 << 10

// readEmails flattens the Emails array whose '[' was just read: element i
// that is a scalar becomes key "Emails[i]", a property p of an object
// element becomes "Emails[i].p"; nulls are left out.
func (r *Reader) readEmails(rec *model.Record, raw string, perr **model.ParseError) error {
	for i := 0; ; i++ {
		v, err := r.value()
		if err != nil {
			return err
		}
		elem := fmt.Sprintf("[%d]", i)
		if v.problem.msg != "" && *perr == nil {
			*perr = r.recoverable(v.problem, raw+elem)
		}
		switch {
		case v.delim == arrayClose:
			return nil
		case v.null:
		case v.delim == arrayOpen:
			if *perr == nil {
				*perr = r.log.Recoverable(v.line, raw+elem, ErrItem, fmt.Sprintf("%s%s is an array: expected an email object or address", raw, elem))
			}
			if err := r.skip(arrayOpen); err != nil {
				return err
			}
		case v.delim == objectOpen:
			if err := r.readEmail(rec, raw, elem, perr); err != nil {
				return err
			}
		default:
			r.add(rec, "Emails"+elem, raw+elem, v, perr)
		}
	}
}

// readEmail reads the object element elem ("[i]") of Emails.
func (r *Reader) readEmail(rec *model.Record, raw, elem string, perr **model.ParseError) error {
	for {
		t, kline, err := r.token()
		if err != nil {
			return r.readErr(err)
		}
		if t == objectClose {
			return nil
		}
		p, prob := r.propName(t, kline)
		name := raw + elem + "." + p
		if prob.msg != "" && *perr == nil {
			*perr = r.recoverable(prob, name)
		}
		v, err := r.value()
		if err != nil {
			return err
		}
		if v.problem.msg != "" && *perr == nil {
			*perr = r.recoverable(v.problem, name)
		}
		switch {
		case v.delim != 0:
			if *perr == nil {
				*perr = r.log.Recoverable(v.line, name, ErrItem, fmt.Sprintf("property %s is %s: expected a string, number, boolean or null", name, v.kind()))
			}
			if err := r.skip(v.delim); err != nil {
				return err
			}
		case v.null:
		default:
			r.add(rec, "Emails"+elem+"."+p, name, v, perr)
		}
	}
}
