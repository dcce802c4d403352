package mapping

import (
	"fmt"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// dateStats counts the slash dates of one input file in the date fields
// (date and datetime rows), to tell a file written in the other order.
type dateStats struct {
	file  string
	n     int          // slash dates
	only  int          // calendar dates only in the other order
	bad   int          // not calendar dates in the other order
	first model.Source // the first of only
	value string       // its value
}

// noteDate counts slash date v (field f of c, row cr) in its file's stats.
func (e *Engine) noteDate(c *contrib, cr *crow, f int32, v string) {
	a, b, y, ok := slashDate(v)
	if !ok {
		return
	}
	s := e.curDates
	if s == nil || s.file != c.pos.File {
		s = nil
		for _, d := range e.dates {
			if d.file == c.pos.File {
				s = d
				break
			}
		}
		if s == nil {
			s = &dateStats{file: c.pos.File}
			e.dates = append(e.dates, s)
		}
		e.curDates = s
	}
	o := e.opts.DateOrder
	s.n++
	if !slashValid(a, b, y, o.other()) {
		s.bad++
		return
	}
	if !slashValid(a, b, y, o) {
		if s.only == 0 {
			s.first, s.value = c.source(cr, f), v
		}
		s.only++
	}
}

// DateHints returns the file-level warnings about the dates of file (as
// named in the records' positions): at most one, when some slash date of
// the file is a calendar date only in the other order (25/12/1984 read
// month-first) and every slash date of the file is one in the other order.
// The warning suggests the --date-order that reads the file. Records whose
// dates are not calendar dates in the chosen order are rejected anyway,
// each with its own error; ambiguous dates (both parts 12 or less) give no
// hint.
func (e *Engine) DateHints(file string) []model.Diagnostic {
	for _, s := range e.dates {
		if s.file != file || s.only == 0 || s.bad > 0 {
			continue
		}
		o := e.opts.DateOrder
		src := s.first
		src.Field, src.Name = "", ""
		return []model.Diagnostic{{Severity: model.SevWarning, Source: src, Message: fmt.Sprintf(
			"the dates of this file read as %s dates (%s): %d of its %d slash dates are not calendar dates read %s "+
				"(the first: %q at %s) and all of them are read %s; if the file writes dates %s, convert it with --date-order %s",
			o.other(), o.other().layout(), s.only, s.n, o, s.value, s.first, o.other(), o.other(), o.other())}}
	}
	return nil
}
