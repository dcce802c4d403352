package submit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

// Record states: what became of an input record.
const (
	StateSuccess  = "success"  // every value it carried was written
	StatePartial  = "partial"  // the identity was written, an extension (or a reference) failed
	StateFailed   = "failed"   // nothing it carried was written
	StateRejected = "rejected" // convert refused it before anything was sent
	StateSkipped  = "skipped"  // nothing to send (import settings, no value UPS holds)
	StatePending  = "pending"  // not final yet: the run is under way or was stopped
)

// States lists the record states in report order.
var States = []string{StateSuccess, StatePartial, StateFailed, StateRejected, StateSkipped, StatePending}

// Note is a message about an operation, journaled with it: the target's
// messages, or submit's own (an unresolved reference, a user that does not
// exist), with the input value at fault when known.
type Note struct {
	Code       string        `json:"code,omitempty"`
	Text       string        `json:"message"`
	SchemaPath string        `json:"schemaPath,omitempty"`
	Source     *model.Source `json:"source,omitempty"`
}

// ExtOutcome is the journaled result of one extension of an operation.
type ExtOutcome struct {
	Schema   string           `json:"schema"`
	Result   string           `json:"result"`
	Code     string           `json:"code,omitempty"`
	Messages []target.Message `json:"messages,omitempty"`
}

func isIdentity(schema string) bool {
	return schema == model.SchemaCore || schema == model.SchemaEnterprise
}

// shortSchema names a schema URN the way a person reads it: "spend",
// "spend Approver", "travel".
func shortSchema(urn string) string {
	rest, ok := strings.CutPrefix(urn, "urn:ietf:params:scim:schemas:")
	if !ok {
		return urn
	}
	rest = strings.TrimPrefix(rest, "extension:")
	parts := strings.Split(rest, ":")
	if len(parts) == 3 {
		if parts[2] == "User" {
			return parts[0]
		}
		return parts[0] + " " + parts[2]
	}
	return rest
}

// judge turns the target's result for one operation into its state, its
// extension outcomes and notes.
func judge(res target.OpResult) (state string, exts []ExtOutcome, notes []Note) {
	identityFailed, extFailed := false, false
	for _, e := range res.Extensions {
		exts = append(exts, ExtOutcome{Schema: e.Schema, Result: e.Result, Code: e.Code, Messages: e.Messages})
		if e.Result != target.ResultError && e.Result != target.ResultNotProcessed || unsupported(e.Result, e.Messages) {
			continue
		}
		if isIdentity(e.Schema) {
			identityFailed = true
		} else {
			extFailed = true
		}
	}
	for _, m := range res.Messages {
		notes = append(notes, Note{Code: m.Code, Text: m.Text, SchemaPath: m.SchemaPath})
	}
	code, _ := strconv.Atoi(res.Code)
	switch {
	case identityFailed:
		state = journal.OpFailed
	case !res.Success && !extFailed:
		// No extension to blame: the operation failed as a whole.
		state = journal.OpFailed
		if len(notes) == 0 {
			notes = append(notes, Note{Code: res.Code, Text: fmt.Sprintf("the target answered %s for this operation", res.Code)})
		}
	case code >= 400 && !extFailed:
		state = journal.OpFailed
		if len(notes) == 0 {
			notes = append(notes, Note{Code: res.Code, Text: fmt.Sprintf("the target answered %s for this operation", res.Code)})
		}
	case extFailed:
		state = journal.OpPartial
	default:
		state = journal.OpSuccess
	}
	return state, exts, notes
}

func encodeJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return nil
	}
	return b
}

func decodeNotes(raw json.RawMessage) []Note {
	var n []Note
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &n)
	}
	return n
}

// mayFail reports whether journaled extension results may hold an error
// or a not-processed result: when they cannot, they need not be decoded
// (a record's every part would decode them again).
func mayFail(raw json.RawMessage) bool {
	return bytes.Contains(raw, []byte(`"`+target.ResultError+`"`)) || bytes.Contains(raw, []byte(`"`+target.ResultNotProcessed+`"`))
}

func decodeExts(raw json.RawMessage) []ExtOutcome {
	var e []ExtOutcome
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &e)
	}
	return e
}

// part is what one input record contributed to one operation: the
// attributes of one schema (phase 1), one reference (phase 2) or a rename
// (phase 0).
type part struct {
	emp    string
	phase  int
	schema string
	field  string // references: the field of the reference
	newEmp string // renames: the employee after the rename
}

type opKey struct {
	phase int
	emp   string
}

func firstMessage(ds []model.Diagnostic, sev model.Severity) string {
	for _, d := range ds {
		if sev == "" || d.Severity == sev {
			return d.Message
		}
	}
	if len(ds) > 0 {
		return ds[0].Message
	}
	return ""
}

// owner is the record a value came from: the employee's record in the
// value's file that starts last at or before the value's line (a flat-file
// value is on its record's line; an XML or JSON value is inside its
// record's element).
func owner(cs *model.ChangeSet, src model.Source) model.Position {
	best := model.Position{}
	for _, p := range cs.Records {
		if p.File == src.File && p.Line <= src.Line && p.Line >= best.Line {
			best = p
		}
	}
	if best.File == "" && src.File != "" {
		return src.Pos()
	}
	return best
}

// fold decides a record's state from its parts.
func fold(parts []part, ops *opTable, pos model.Position) (state, reason string) {
	if len(parts) == 0 {
		return StateSkipped, "no value of this record needed sending"
	}
	var ok, failed, pending int
	var done, why []string
	for _, p := range parts {
		good, wait, msg := judgePart(p, ops, pos)
		switch {
		case wait:
			pending++
			if msg != "" {
				why = appendOnce(why, msg)
			}
		case good:
			ok++
			done = appendOnce(done, msg)
		default:
			failed++
			why = appendOnce(why, msg)
		}
	}
	switch {
	case pending > 0:
		return StatePending, strings.Join(append(why, "not final yet"), "; ")
	case failed == 0:
		return StateSuccess, strings.Join(done, "; ")
	case ok == 0:
		return StateFailed, strings.Join(why, "; ")
	}
	return StatePartial, strings.Join(append(done, why...), "; ")
}

func appendOnce(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// judgePart says whether one part was written (good), is not final yet
// (wait), and why.
func judgePart(p part, ops *opTable, pos model.Position) (good, wait bool, msg string) {
	op := ops.get(p.phase, p.emp)
	if op == nil && p.phase == 0 {
		// No rename was sent: the employee did not exist, so the rename
		// folded into the create under the new ID.
		op = ops.get(1, p.newEmp)
		p = part{emp: p.newEmp, phase: 1, schema: model.SchemaCore}
	}
	if op == nil {
		return true, false, ""
	}
	switch op.State {
	case journal.OpPlanned, journal.OpSending, journal.OpSent, journal.OpInDoubt:
		if op.State == journal.OpInDoubt {
			return false, true, "outcome in doubt: settled by lookup on the next run"
		}
		return false, true, ""
	case journal.OpSkipped:
		return true, false, ""
	case journal.OpFailed:
		return false, false, describeFailure(op, p)
	}
	for _, n := range decodeNotes(op.Messages) {
		if n.Source != nil && n.Source.File == pos.File && n.Source.Line == pos.Line &&
			(p.field == "" || n.Source.Field == p.field) && p.phase == op.Phase {
			return false, false, n.Text
		}
	}
	if !mayFail(op.Extensions) {
		return true, false, verb(op)
	}
	for _, e := range decodeExts(op.Extensions) {
		if e.Schema != p.schema {
			continue
		}
		if unsupported(e.Result, e.Messages) {
			return true, false, shortSchema(e.Schema) + " not sent: the target does not support it"
		}
		if e.Result == target.ResultError || e.Result == target.ResultNotProcessed {
			return false, false, extFailure(e)
		}
	}
	return true, false, verb(op)
}

func verb(op *journal.Op) string {
	switch op.Kind {
	case "rename":
		return "renamed"
	case "create":
		return "identity created"
	case "refs":
		return "references set"
	}
	return "updated"
}

// unsupported reports whether an extension was left out because the
// target does not support its schema (a generic SCIM server without the
// Concur extensions): by design, not a failure.
func unsupported(result string, msgs []target.Message) bool {
	if result != target.ResultNotProcessed || len(msgs) == 0 {
		return false
	}
	for _, m := range msgs {
		if m.Code != target.CodeNotSupported {
			return false
		}
	}
	return true
}

// extFailure words a failed extension: "spend failed: INVALID_VALUE
// reimbursementCurrency".
func extFailure(e ExtOutcome) string {
	s := shortSchema(e.Schema) + " " + e.Result
	if e.Result == target.ResultError {
		s = shortSchema(e.Schema) + " failed"
	}
	var bits []string
	for _, m := range e.Messages {
		b := m.Code
		if m.SchemaPath != "" {
			attr := m.SchemaPath
			if i := strings.LastIndex(attr, ":"); i >= 0 {
				attr = attr[i+1:]
			}
			b = strings.TrimSpace(b + " " + attr)
		}
		if b == "" {
			b = m.Text
		}
		bits = append(bits, b)
	}
	if len(bits) > 0 {
		s += ": " + strings.Join(bits, ", ")
	}
	return s
}

func describeFailure(op *journal.Op, p part) string {
	var bits []string
	for _, e := range decodeExts(op.Extensions) {
		if e.Result == target.ResultError || e.Result == target.ResultNotProcessed {
			bits = append(bits, extFailure(e))
		}
	}
	for _, n := range decodeNotes(op.Messages) {
		t := n.Text
		if n.Code != "" && !strings.Contains(t, n.Code) {
			t = n.Code + ": " + t
		}
		if n.Source != nil && n.Source.File != "" {
			t = n.Source.String() + ": " + t
		}
		bits = append(bits, t)
	}
	if op.Message != "" {
		bits = append(bits, op.Message) // the request's fate: refused, timed out
	}
	if len(bits) == 0 {
		bits = append(bits, "failed")
		if op.Code != "" {
			bits[0] = "failed with status " + op.Code
		}
	}
	return fmt.Sprintf("%s %s: %s", phaseName(op.Phase), op.Kind, strings.Join(bits, "; "))
}

func phaseName(p int) string { return "phase " + strconv.Itoa(p) }

// Counts of operations per phase and state.
type PhaseCounts struct {
	Phase  int            `json:"phase"`
	States map[string]int `json:"states"`
	Total  int            `json:"total"`
}

// CountOps counts the journal's operations per phase and state.
func CountOps(ops []journal.Op) []PhaseCounts {
	var out [3]PhaseCounts
	for i := range out {
		out[i] = PhaseCounts{Phase: i, States: map[string]int{}}
	}
	for _, op := range ops {
		if op.Phase < 0 || op.Phase > 2 {
			continue
		}
		out[op.Phase].States[op.State]++
		out[op.Phase].Total++
	}
	return out[:]
}

// FormatCounts words a count map, "22 success, 1 partial": in order when
// given, else by key.
func FormatCounts(m map[string]int, order []string) string {
	if order == nil {
		order = slices.Sorted(maps.Keys(m))
	}
	parts := make([]string, 0, len(order))
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	return strings.Join(parts, ", ")
}
