package model

import (
	"encoding/json"

	"github.com/upsmigrate/upsmigrate/internal/jsonw"
)

// The AppendJSON methods write the JSON forms of the lineage types without
// reflection: plan.jsonl holds one ChangeSet per employee with every value's
// lineage, gigabytes for a large run, and encoding/json spent most of the
// write re-compacting what the Marshalers produced. The bytes are those
// encoding/json writes with HTML escaping off; the tests hold the two equal.

// AppendJSON appends p as {"file":…,"line":…}.
func (p Position) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"file":`...)
	dst = jsonw.AppendString(dst, p.File)
	dst = append(dst, `,"line":`...)
	dst = jsonw.AppendInt(dst, p.Line)
	if p.Item != 0 {
		dst = append(dst, `,"item":`...)
		dst = jsonw.AppendInt(dst, p.Item)
	}
	return append(dst, '}')
}

// AppendJSON appends s in its JSON form (field and name only when set).
func (s Source) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"file":`...)
	dst = jsonw.AppendString(dst, s.File)
	return s.appendRest(append(dst, ','))
}

// appendRest appends s from its line on, and the closing brace.
func (s Source) appendRest(dst []byte) []byte {
	dst = append(dst, `"line":`...)
	dst = jsonw.AppendInt(dst, s.Line)
	if s.Item != 0 {
		dst = append(dst, `,"item":`...)
		dst = jsonw.AppendInt(dst, s.Item)
	}
	if s.Field != "" {
		dst = append(dst, `,"field":`...)
		dst = jsonw.AppendString(dst, s.Field)
	}
	if s.Name != "" {
		dst = append(dst, `,"name":`...)
		dst = jsonw.AppendString(dst, s.Name)
	}
	return append(dst, '}')
}

// AppendJSON appends the Attr in the form MarshalJSON writes.
func (a *Attr) AppendJSON(dst []byte) []byte {
	s := a.site()
	dst = append(dst, `{"schema":`...)
	dst = jsonw.AppendString(dst, s.Schema)
	dst = append(dst, `,"path":`...)
	dst = jsonw.AppendString(dst, s.Path)
	if s.Kind != AttrSet {
		dst = append(dst, `,"kind":`...)
		dst = jsonw.AppendInt(dst, int(s.Kind))
	}
	switch a.Type {
	case StringValue:
		dst = append(dst, `,"value":`...)
		dst = jsonw.AppendString(dst, a.Str)
	case BoolValue:
		dst = append(dst, `,"value":`...)
		dst = jsonw.AppendBool(dst, a.Bool)
	}
	if s.Kind == AttrMember {
		if m := a.Member(); m != "" {
			dst = append(dst, `,"member":`...)
			dst = jsonw.AppendString(dst, m)
		}
		if a.Bool {
			dst = append(dst, `,"present":true`...)
		}
	}
	dst = append(dst, `,"source":`...)
	dst = a.Source().AppendJSON(dst)
	if s.Row != "" {
		dst = append(dst, `,"row":`...)
		dst = jsonw.AppendString(dst, s.Row)
	}
	return append(dst, '}')
}

// AppendJSON appends the Ref in the form MarshalJSON writes.
func (r *Ref) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"kind":`...)
	dst = jsonw.AppendString(dst, string(r.Kind))
	dst = append(dst, `,"schema":`...)
	dst = jsonw.AppendString(dst, r.Schema)
	dst = append(dst, `,"path":`...)
	dst = jsonw.AppendString(dst, r.Path)
	if r.Primary != nil {
		dst = append(dst, `,"primary":`...)
		dst = jsonw.AppendBool(dst, *r.Primary)
	}
	dst = append(dst, `,"target":`...)
	dst = jsonw.AppendString(dst, r.Target)
	if len(r.Attrs) > 0 {
		dst = jsonw.AppendArray(append(dst, `,"attrs":`...), r.Attrs, (*Attr).AppendJSON)
	}
	dst = append(dst, `,"source":`...)
	dst = r.Source().AppendJSON(dst)
	if row := r.Row(); row != "" {
		dst = append(dst, `,"row":`...)
		dst = jsonw.AppendString(dst, row)
	}
	return append(dst, '}')
}

// AppendJSON appends the Rename in its JSON form.
func (r *Rename) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"from":`...)
	dst = jsonw.AppendString(dst, r.From)
	if r.NewEmployeeID != "" {
		dst = append(dst, `,"newEmployeeId":`...)
		dst = jsonw.AppendString(dst, r.NewEmployeeID)
	}
	if r.NewLogin != "" {
		dst = append(dst, `,"newLogin":`...)
		dst = jsonw.AppendString(dst, r.NewLogin)
	}
	dst = append(dst, `,"source":`...)
	dst = r.Source.AppendJSON(dst)
	return append(dst, '}')
}

// AppendJSON appends the change set as encoding/json writes it: the form
// of one plan.jsonl line without its "operations".
func (cs *ChangeSet) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"employeeId":`...)
	dst = jsonw.AppendString(dst, cs.EmployeeID)
	dst = append(dst, `,"creates":`...)
	dst = jsonw.AppendBool(dst, cs.Creates)
	if cs.Rename != nil {
		dst = append(dst, `,"rename":`...)
		dst = cs.Rename.AppendJSON(dst)
	}
	if len(cs.Attrs) > 0 {
		dst = jsonw.AppendArray(append(dst, `,"attrs":`...), cs.Attrs, (*Attr).AppendJSON)
	}
	if len(cs.Refs) > 0 {
		dst = jsonw.AppendArray(append(dst, `,"refs":`...), cs.Refs, (*Ref).AppendJSON)
	}
	dst = append(dst, `,"records":`...)
	if cs.Records == nil {
		dst = append(dst, "null"...)
	} else {
		dst = jsonw.AppendArray(dst, cs.Records, (*Position).AppendJSON)
	}
	if len(cs.LeaveOut) > 0 {
		dst = append(dst, `,"leaveOut":[`...)
		for i, u := range cs.LeaveOut {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonw.AppendString(dst, u)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// AppendJSON appends d in its JSON form.
func (d *Diagnostic) AppendJSON(dst []byte) []byte { return d.appendJSON(dst, nil) }

// appendJSON appends d in its JSON form; the source's file is left out
// when it is *file (a message of a record of that file).
func (d *Diagnostic) appendJSON(dst []byte, file *string) []byte {
	dst = append(dst, `{"severity":`...)
	dst = jsonw.AppendString(dst, string(d.Severity))
	dst = append(dst, `,"source":`...)
	if file != nil && d.Source.File == *file {
		dst = d.Source.appendRest(append(dst, '{'))
	} else {
		dst = d.Source.AppendJSON(dst)
	}
	if d.Row != "" {
		dst = append(dst, `,"row":`...)
		dst = jsonw.AppendString(dst, d.Row)
	}
	dst = append(dst, `,"message":`...)
	dst = jsonw.AppendString(dst, d.Message)
	return append(dst, '}')
}

// AppendJSON appends r in its JSON form. A message's source leaves out
// its file when it is the record's (most messages are about the record
// itself or one of its fields): report.json has an entry for every input
// record, and repeating the path in each of its messages made a run whose
// records all have a warning write a tenth more. UnmarshalJSON reads it
// back whole.
func (r *RecordResult) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"pos":`...)
	dst = r.Pos.AppendJSON(dst)
	dst = append(dst, `,"format":`...)
	dst = jsonw.AppendString(dst, r.Format)
	dst = append(dst, `,"type":`...)
	dst = jsonw.AppendString(dst, r.Type)
	if r.EmployeeID != "" {
		dst = append(dst, `,"employeeId":`...)
		dst = jsonw.AppendString(dst, r.EmployeeID)
	}
	dst = append(dst, `,"status":`...)
	dst = jsonw.AppendString(dst, string(r.Status))
	if len(r.Messages) > 0 {
		dst = append(dst, `,"messages":[`...)
		for i := range r.Messages {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = r.Messages[i].appendJSON(dst, &r.Pos.File)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// MarshalJSON writes r as AppendJSON does.
func (r *RecordResult) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

// UnmarshalJSON reads the form AppendJSON writes: a message's source
// without a file is of the record's file.
func (r *RecordResult) UnmarshalJSON(b []byte) error {
	type plain RecordResult
	var aux struct {
		plain
		Messages []struct {
			Diagnostic
			Source struct {
				Source
				File *string `json:"file"`
			} `json:"source"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*r = RecordResult(aux.plain)
	r.Messages = nil
	if aux.Messages != nil {
		r.Messages = make([]Diagnostic, len(aux.Messages))
	}
	for i, m := range aux.Messages {
		d := m.Diagnostic
		d.Source = m.Source.Source
		d.Source.File = r.Pos.File
		if m.Source.File != nil {
			d.Source.File = *m.Source.File
		}
		r.Messages[i] = d
	}
	return nil
}
