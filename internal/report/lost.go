package report

import (
	"path"
	"sort"
	"strings"
)

// Kinds of Lost: why a field's data does not reach UPS.
const (
	LostUnsupported = "not supported"            // a field UPS has no attribute for
	LostPassword    = "password"                 // a password: UPS holds none
	LostValue       = "value UPS cannot hold"    // a value over UPS's limits or outside its list
	LostTooLong     = "too long"                 // a value over the mapping table's max_length
	LostNoRow       = "no mapping row"           // an element or property no table maps
	LostDropped     = "dropped"                  // any other value convert dropped
	LostExtension   = "extension left out"       // an extension left out of new users
	LostRefused     = "record refused"           // a record whose meaning UPS cannot hold
	maxLostExamples = 3                          // examples kept per field
	tableNotePhrase = "see the table note"       // what older messages said instead of the note
	tableNoteLabel  = "table note: "             // what replaces it
	noteLostPrefix  = ": not supported by UPS, " // an unsupported row's warning, before what is lost
)

// Lost is what the customer loses in one input field by migrating: the
// values convert could not carry to UPS there, counted, with the reason.
type Lost struct {
	Kind  string `json:"kind"`            // one of the Lost* kinds
	Table string `json:"table,omitempty"` // the mapping table ("305", "v1"), when known
	Field string `json:"field"`           // the input field: "66 (Integration Administrator)"
	// Target is the UPS attribute a value was meant for, when UPS has one.
	Target string `json:"target,omitempty"`
	Row    string `json:"row,omitempty"` // the mapping row
	// Values counts the values dropped (records for LostRefused, new
	// users for LostExtension).
	Values int    `json:"values"`
	Reason string `json:"reason"`
	// Others counts the values whose reason differs from Reason (a value
	// UPS cannot hold, for a different cause).
	Others   int           `json:"otherReasons,omitempty"`
	Examples []LostExample `json:"examples"`
}

// LostExample is one value that was lost: whose and where.
type LostExample struct {
	Employee string `json:"employee,omitempty"`
	Source   string `json:"source"`
}

type lostKey struct{ kind, table, field, target string }

// lostSet aggregates Lost while report.json is read.
type lostSet struct {
	m     map[lostKey]*Lost
	order []lostKey
}

func newLostSet() *lostSet { return &lostSet{m: map[lostKey]*Lost{}} }

// classify says whether a message is about data convert did not carry to
// UPS, of which kind, for which target, and why.
func classify(msg string) (kind, target, reason string, ok bool) {
	switch {
	case strings.Contains(msg, "a password value was present and dropped"):
		return LostPassword, "", "UPS has no password attribute; the value is never written", true
	case strings.Contains(msg, noteLostPrefix):
		_, why, _ := strings.Cut(msg, noteLostPrefix)
		return LostUnsupported, "", why, true
	case strings.HasPrefix(msg, "UPS cannot hold this value ("):
		inner := strings.TrimPrefix(msg, "UPS cannot hold this value (")
		if i := strings.LastIndex(inner, "): value dropped"); i >= 0 {
			inner = inner[:i]
		}
		attr, why, found := strings.Cut(inner, ": ")
		if !found {
			return LostValue, "", inner, true
		}
		return LostValue, attr, why, true
	case strings.Contains(msg, "characters long; at most") && strings.HasSuffix(msg, ": value dropped"):
		_, most, _ := strings.Cut(msg, "; ")
		return LostTooLong, "", strings.TrimSuffix(most, ": value dropped") + " characters (the mapping table's max_length)", true
	case strings.Contains(msg, "has no row in mapping table") && strings.HasSuffix(msg, ": value dropped"):
		return LostNoRow, "", "no mapping table row maps it", true
	case strings.Contains(msg, " extension left out of new user "):
		ext, rest, _ := strings.Cut(msg, " extension left out of new user ")
		_, why, _ := strings.Cut(rest, ": ")
		if i := strings.IndexAny(why, "(;"); i > 0 { // "; --default …", and " (…" of older forms
			why = strings.TrimSpace(why[:i])
		}
		return LostExtension, ext, why, true
	case strings.HasSuffix(msg, "dropped") || strings.Contains(msg, ": dropped") || strings.Contains(msg, "value dropped"):
		return LostDropped, "", msg, true
	}
	return "", "", "", false
}

// tableOf names the table of a mapping row: "305" of
// "mapping/tables/305.csv:67".
func tableOf(row string) string {
	if i := strings.LastIndexByte(row, ':'); i > 0 {
		row = row[:i]
	}
	return strings.TrimSuffix(path.Base(row), ".csv")
}

func fieldOf(s jsonSource) string {
	if s.Name != "" && s.Name != s.Field {
		if s.Field == "" {
			return s.Name
		}
		return s.Field + " (" + s.Name + ")"
	}
	return s.Field
}

func (ls *lostSet) add(kind, target, reason string, m jsonDiag, employee, recordType string) {
	table := tableOf(m.Row)
	if m.Row == "" {
		table = recordType
		if strings.HasPrefix(table, "3.") {
			table = "v" + table // the 3.x JSON tables
		}
	}
	field := fieldOf(m.Source)
	if kind == LostExtension {
		field = ""
	}
	k := lostKey{kind, table, field, target}
	l := ls.m[k]
	if l == nil {
		l = &Lost{Kind: kind, Table: table, Field: field, Target: target, Row: m.Row, Reason: reason, Examples: []LostExample{}}
		ls.m[k] = l
		ls.order = append(ls.order, k)
	} else if reason != l.Reason {
		l.Others++
	}
	l.Values++
	if len(l.Examples) < maxLostExamples {
		src := m.Source
		l.Examples = append(l.Examples, LostExample{Employee: employee, Source: src.String()})
	}
}

func (ls *lostSet) addWarning(w *Warning, m jsonDiag, recordType string) {
	if kind, target, reason, ok := classify(m.Message); ok {
		ls.add(kind, target, reason, m, w.Employee, recordType)
	}
}

// addRejected counts a record refused because a field holds what UPS
// cannot (a forbid row: "… is refused: …", in older runs "… cannot be
// carried to UPS …").
func (ls *lostSet) addRejected(r *Rejected, m jsonDiag) {
	switch {
	case m.Row == "":
	case strings.Contains(m.Message, " is refused: "):
		_, why, _ := strings.Cut(m.Message, " is refused: ")
		ls.add(LostRefused, "", why, m, r.EmployeeID, r.Type)
	case strings.Contains(m.Message, "cannot be carried to UPS"):
		ls.add(LostRefused, "", m.Message, m, r.EmployeeID, r.Type)
	}
}

// list returns the aggregate, most values first, with each reason taken
// from the mapping row's lost column when the audit has it.
func (ls *lostSet) list(d *Data) []Lost {
	out := make([]Lost, 0, len(ls.order))
	for _, k := range ls.order {
		l := *ls.m[k]
		if r, ok := d.mapRows[l.Row]; ok && r.lost != "" && (l.Kind == LostUnsupported || l.Kind == LostRefused) {
			l.Reason = r.lost
		}
		l.Reason = d.readable(l.Reason, l.Row)
		if l.Reason == "" {
			l.Reason = "not carried to UPS"
		}
		out = append(out, l)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Values > out[j].Values })
	return out
}

// LostValues is the number of values the customer loses, all fields
// together (records refused and users left out count once each).
func (d *Data) LostValues() int {
	n := 0
	for _, l := range d.Lost {
		n += l.Values
	}
	return n
}

// mappingRow is what the audit says of a mapping row a message names.
type mappingRow struct{ transform, note, lost string }

// readable makes a message stand on its own: where it says "see the table
// note", the note of its mapping row takes the place of the pointer.
func (d *Data) readable(msg, row string) string {
	if !strings.Contains(msg, tableNotePhrase) {
		return msg
	}
	r, ok := d.mapRows[row]
	if !ok || r.note == "" {
		return msg
	}
	return strings.ReplaceAll(msg, tableNotePhrase, tableNoteLabel+r.note)
}

func (d *Data) readableWarning(w *Warning) { w.Message = d.readable(w.Message, w.Row) }

func (d *Data) readableRejected(r *Rejected) {
	for i := range r.Messages {
		m := &r.Messages[i]
		if t := d.readable(m.Message, m.Row); t != m.Message {
			m.Message = t
			m.Text = m.text()
		}
	}
}
