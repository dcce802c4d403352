package mapping

import (
	"sort"
	"strings"
)

// fieldRef is one field of the record being mapped: its row and index.
type fieldRef struct {
	cr *crow
	f  int32
}

// refusal counts the records of one table refused by its forbid rows.
type refusal struct {
	records int
	rows    map[uint16]bool // the forbid rows that refused
}

// Refusal counts the records of one table that Add refused because a field
// of a forbid row carried a value (400 segments): UPS cannot hold the value
// and dropping it would change what the record means. Each such record is
// rejected with one error per reason, "a 400 record with Segment 1 is
// refused: <why>", the why being the row's lost column (else its note).
type Refusal struct {
	Table   string   // table name: "400"
	Fields  []string // names of the fields that refused, in table order: "Segment 1"
	Records int      // records refused
}

// Refused lists the records refused by forbid rows, per table in Set.Tables
// order; nil when there are none. A summary can print "3 records of type
// 400 refused for Segment 1" without parsing messages.
func (e *Engine) Refused() []Refusal {
	var out []Refusal
	for _, t := range e.set.Tables() {
		r, ok := e.refused[t]
		if !ok {
			continue
		}
		idx := make([]int, 0, len(r.rows))
		for i := range r.rows {
			idx = append(idx, int(i))
		}
		sort.Ints(idx)
		rf := Refusal{Table: t.Name, Records: r.records}
		for _, i := range idx {
			rf.Fields = append(rf.Fields, t.c.rows[i].name)
		}
		out = append(out, rf)
	}
	return out
}

// refuse rejects the record whose forbid fields are in e.fscr: one error per
// distinct reason, at the first field with that reason, naming all of them.
func (e *Engine) refuse(c *contrib, t *Table) {
	if e.refused == nil {
		e.refused = map[*Table]*refusal{}
	}
	r := e.refused[t]
	if r == nil {
		r = &refusal{rows: map[uint16]bool{}}
		e.refused[t] = r
	}
	r.records++
	done := make([]bool, len(e.fscr))
	for i, fr := range e.fscr {
		if done[i] {
			continue
		}
		why := fr.cr.lost
		var names []string
		for j := i; j < len(e.fscr); j++ {
			if !done[j] && e.fscr[j].cr.lost == why {
				done[j] = true
				names = append(names, e.fscr[j].cr.name)
				r.rows[e.fscr[j].cr.idx] = true
			}
		}
		c.fail(fr.cr, fr.f, "a "+t.Name+" record with "+andList(names)+" is refused: "+why)
	}
}

// andList joins names as "a", "a and b", "a, b and c".
func andList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
