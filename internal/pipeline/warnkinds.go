package pipeline

import (
	"sort"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// WarningKind counts the record warnings of one kind, for a summary that
// shows what the warnings are about without listing them all.
type WarningKind struct {
	Kind   string   // "not supported by UPS, not sent"
	Count  int      // warnings of the kind
	Fields []string // the input fields they name, first seen first (at most maxKindFields)
	More   int      // further distinct fields not in Fields
}

// maxKindFields is the number of field names a WarningKind keeps.
const maxKindFields = 4

// warningKinds classify warnings by what their message says, in order: the
// first rule whose text the message contains names the kind. The messages
// come from the mapping engine, the plan and the readers; a message no
// rule knows is "other".
var warningKinds = []struct{ text, kind string }{
	{"extension left out of new user", "extension left out of a new user (UPS requires a value the input does not give)"},
	{"UPS cannot hold this value", "value UPS cannot hold, dropped (the rest of the record is sent)"},
	{"password value", "password dropped (UPS has no password attribute)"},
	{"not supported by UPS", "field not supported by UPS, not sent"},
	{"has no row in mapping table", "field without a mapping row, not sent"},
	{"no field carries a value", "record with nothing to change"},
	{"is created and renamed", "create and rename folded into one create"},
	{"given a new login by this record", "create and new login folded into one create"},
	{"refers to the old Employee ID", "reference to a renamed employee, follows the rename"},
	{"not in the directory", "employee not in the directory, resolved at submit"},
	{"dropped", "value dropped"},
	{"ignored", "value ignored"},
}

// kindOf names the kind of a warning message.
func kindOf(msg string) string { return kindName(kindIndex(msg)) }

// kindIndex is the index in warningKinds of the kind of a warning
// message, len(warningKinds) for "other".
func kindIndex(msg string) int {
	for i, k := range warningKinds {
		if strings.Contains(msg, k.text) {
			return i
		}
	}
	return len(warningKinds)
}

// kindMemo remembers the kind of the last message it was asked about: a
// run's warnings repeat a few texts (every record of a feed with one
// overlong field says the same), and kindIndex tries every rule in turn.
type kindMemo struct {
	msg string
	idx int
	ok  bool
}

// index is kindIndex(msg).
func (m *kindMemo) index(msg string) int {
	if !m.ok || msg != m.msg {
		m.msg, m.idx, m.ok = msg, kindIndex(msg), true
	}
	return m.idx
}

// kindName is the kind at index i of warningKinds ("other" past its end).
func kindName(i int) string {
	if i >= 0 && i < len(warningKinds) {
		return warningKinds[i].kind
	}
	return "other"
}

// WarningKinds counts the warnings of the records by kind, the most
// frequent first (ties by name).
func WarningKinds(records []model.RecordResult) []WarningKind {
	var c kindCounter
	for _, r := range records {
		for _, m := range r.Messages {
			if m.Severity == model.SevWarning {
				c.add(kindOf(m.Message), warningField(m))
			}
		}
	}
	return c.kinds()
}

// warningField is the input field a warning names, for WarningKind.Fields.
func warningField(m model.Diagnostic) string {
	if m.Source.Name != "" {
		return m.Source.Name
	}
	return m.Source.Field
}

// kindCounter counts warnings by kind, one at a time, in record order.
type kindCounter struct {
	byKind map[string]*WarningKind
	seen   map[string]map[string]bool
	// last is the kind and field of the warning counted last: a run's
	// warnings mostly repeat it.
	last     *WarningKind
	lastName string
}

// addName is add for a field name read from the spill, copied only when
// it is new to its kind.
func (c *kindCounter) addName(kind string, name []byte) {
	if wk := c.last; wk != nil && wk.Kind == kind && c.lastName == string(name) {
		wk.Count++
		return
	}
	if wk := c.byKind[kind]; wk != nil && (len(name) == 0 || c.seen[kind][string(name)]) {
		wk.Count++
		c.last, c.lastName = wk, string(name)
		return
	}
	c.add(kind, string(name))
	c.last, c.lastName = c.byKind[kind], string(name)
}

// add counts a warning of kind about field name ("" when none).
func (c *kindCounter) add(kind, name string) {
	if c.byKind == nil {
		c.byKind, c.seen = map[string]*WarningKind{}, map[string]map[string]bool{}
	}
	wk := c.byKind[kind]
	if wk == nil {
		wk = &WarningKind{Kind: kind}
		c.byKind[kind] = wk
		c.seen[kind] = map[string]bool{}
	}
	wk.Count++
	if name == "" || c.seen[kind][name] {
		return
	}
	c.seen[kind][name] = true
	if len(wk.Fields) < maxKindFields {
		wk.Fields = append(wk.Fields, name)
	} else {
		wk.More++
	}
}

// kinds lists the kinds counted, the most frequent first (ties by name).
func (c *kindCounter) kinds() []WarningKind {
	out := make([]WarningKind, 0, len(c.byKind))
	for _, wk := range c.byKind {
		out = append(out, *wk)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}
