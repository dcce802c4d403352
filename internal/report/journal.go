package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Report titles: a directory with a journal gets a migration report.
const (
	TitleDryRun    = "upsmigrate dry-run report"
	TitleMigration = "Migration report"
)

// Title is TitleMigration when d was loaded with a journal, else
// TitleDryRun.
func (d *Data) Title() string {
	if d.Run != nil {
		return TitleMigration
	}
	return TitleDryRun
}

// StateOrder lists the final states of an input record in report order.
var StateOrder = []string{journal.RecordSuccess, journal.RecordPartial, journal.RecordFailed,
	journal.RecordRejected, journal.RecordSkipped, journal.RecordPending}

// OpStateOrder lists the states of an operation in report order.
var OpStateOrder = []string{journal.OpPlanned, journal.OpSending, journal.OpSent, journal.OpInDoubt,
	journal.OpSuccess, journal.OpPartial, journal.OpFailed, journal.OpSkipped}

// Run describes the submitted run, from the journal's run row. A target URL
// is shown without credentials, query or fragment.
type Run struct {
	Target      string    `json:"target,omitempty"` // base URL, or "sandbox"
	Flavor      string    `json:"flavor,omitempty"` // ups | scim
	Company     string    `json:"company,omitempty"`
	ToolVersion string    `json:"toolVersion,omitempty"`
	Created     time.Time `json:"created,omitzero"` // when the run started
	Updated     time.Time `json:"updated,omitzero"` // when the run description was last written
}

// StateCount is how many records or operations are in one state.
type StateCount struct {
	State string `json:"state"`
	Count int    `json:"count"`
}

// PhaseStates counts the operations of one phase by state: every state of
// OpStateOrder, zeros included, then any state the report does not know.
type PhaseStates struct {
	Phase  int          `json:"phase"`
	States []StateCount `json:"states"`
	Total  int          `json:"total"`
}

// Outcome is the final state of one input record in a submitted run, from
// the journal's record at the same file and line. A record the journal
// does not hold (yet) is rejected or skipped as convert decided, else
// pending.
type Outcome struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Type     string `json:"type"`
	Employee string `json:"employee,omitempty"`
	State    string `json:"state"`            // one of StateOrder
	Reason   string `json:"reason,omitempty"` // one line: the target's message, the rejection reason
}

// Pos is the record's position, "file:line".
func (o Outcome) Pos() string { return model.Position{File: o.File, Line: o.Line}.String() }

// Unsuccessful reports whether the record did not succeed although it was
// meant to be sent: failed, partial, pending, or a state this report does
// not know. Rejected and skipped records are not (the Rejected list and
// the warnings tell about them).
func (o Outcome) Unsuccessful() bool {
	switch o.State {
	case journal.RecordSuccess, journal.RecordRejected, journal.RecordSkipped:
		return false
	}
	return true
}

// Request is one Bulk request of the run, from the journal.
type Request struct {
	ID            int64     `json:"id"`
	Phase         int       `json:"phase"`
	Round         int       `json:"round"`
	Ops           int       `json:"ops"`
	Bytes         int       `json:"bytes"`
	State         string    `json:"state"` // sending, sent, in-doubt, failed, done
	ProvisionID   string    `json:"provisionId,omitempty"`
	CorrelationID string    `json:"correlationId,omitempty"`
	HTTPStatus    int       `json:"httpStatus,omitempty"`
	Attempts      int       `json:"attempts,omitempty"`
	Message       string    `json:"message,omitempty"`
	Created       time.Time `json:"created,omitzero"`
	Sent          time.Time `json:"sent,omitzero"`
	Done          time.Time `json:"done,omitzero"`
}

// Extension is the target's result for one schema of an operation.
type Extension struct {
	Schema   string      `json:"schema"` // short form: "spend:2.0:User"
	Result   string      `json:"result"` // success, no-op, error, not-processed
	Code     string      `json:"code,omitempty"`
	Messages []OpMessage `json:"messages,omitempty"`
}

// Failed reports whether the extension was not written (error or
// not-processed).
func (e Extension) Failed() bool { return e.Result == "error" || e.Result == "not-processed" }

// OpMessage is a message about an operation: the target's, or submit's own
// with the input value at fault (Source, file:line:field).
type OpMessage struct {
	Code       string `json:"code,omitempty"`
	Message    string `json:"message"`
	SchemaPath string `json:"schemaPath,omitempty"`
	Type       string `json:"type,omitempty"`
	Source     string `json:"source,omitempty"`

	src jsonSource
}

// Text is the message with its code: "INVALID_VALUE: not a currency".
func (m OpMessage) Text() string {
	switch {
	case m.Code == "" || strings.Contains(m.Message, m.Code):
		return m.Message
	case m.Message == "":
		return m.Code
	}
	return m.Code + ": " + m.Message
}

// journalData is what Load needs while it reads a run directory that has a
// journal.
type journalData struct {
	path     string
	planHash hash.Hash                 // of plan.jsonl, fed by Load's walk
	secrets  map[string][]string       // employee → password values in the plan
	states   map[model.Position]string // input record → final state
	reasons  map[model.Position]string // input record → why it did not succeed
	details  *opDetails                // the operations' extension results and messages
}

// minSecret is the shortest password value redacted from the journal's
// texts; shorter ones would mangle them and protect nothing.
const minSecret = 3

// probeJournal returns the loading state for DIR/journal.db, nil when the
// directory has no journal.
func probeJournal(dir string) (*journalData, error) {
	path := filepath.Join(dir, journal.FileName)
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	return &journalData{path: path, planHash: sha256.New(), secrets: map[string][]string{},
		states: map[model.Position]string{}, reasons: map[model.Position]string{}}, nil
}

// planTee is where the first walk of a run with a journal feeds plan.jsonl
// to hash it; nil otherwise.
func (d *Data) planTee(first bool) io.Writer {
	if !first || d.jr == nil || d.jr.planHash == nil {
		return nil
	}
	return d.jr.planHash
}

// collectSecrets remembers the password values of a plan line, so that a
// target message echoing one is redacted.
func (jd *journalData) collectSecrets(pl *planLine) {
	add := func(a *planAttr) {
		if !isPassword(a.Source.Field, a.Source.Name) {
			return
		}
		v := a.Value
		if len(v) < minSecret {
			return
		}
		jd.secrets[pl.EmployeeID] = append(jd.secrets[pl.EmployeeID], v)
		if pl.Rename != nil && pl.Rename.From != "" && pl.Rename.From != pl.EmployeeID {
			jd.secrets[pl.Rename.From] = append(jd.secrets[pl.Rename.From], v)
		}
	}
	for i := range pl.Attrs {
		add(&pl.Attrs[i])
	}
	for r := range pl.Refs {
		for i := range pl.Refs[r].Attrs {
			add(&pl.Refs[r].Attrs[i])
		}
	}
}

// redact replaces the password values of the employees in s by Withheld.
func (jd *journalData) redact(s string, employees ...string) string {
	if s == "" {
		return s
	}
	for _, e := range employees {
		for _, v := range jd.secrets[e] {
			s = strings.ReplaceAll(s, v, Withheld)
		}
	}
	return s
}

// recordState is the final state of the record at pos.
func (jd *journalData) recordState(pos model.Position) string { return jd.states[pos] }

// safeURL drops credentials, query and fragment from a target URL.
func safeURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = s[:i]
		}
		if i := strings.LastIndex(s, "@"); i >= 0 {
			s = s[i+1:]
		}
		return s
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// loadJournal reads DIR/journal.db read-only and fills in the run, the
// outcomes, the requests, the operations' outcomes and the state counts.
func (d *Data) loadJournal(rep *jsonReport) error {
	jd := d.jr
	j, err := journal.OpenReadOnly(d.Dir)
	if err != nil {
		return err
	}
	defer j.Close()
	meta, described, err := j.Meta()
	if err != nil {
		return err
	}
	recs, err := j.Records()
	if err != nil {
		return err
	}
	reqs, err := j.Requests()
	if err != nil {
		return err
	}

	d.Run = &Run{Target: safeURL(meta.Target), Flavor: meta.Flavor, Company: meta.Company,
		ToolVersion: meta.ToolVersion, Created: meta.Created, Updated: meta.Updated}
	if !described {
		d.Notes = append(d.Notes, "journal.db describes no run yet: submit has not started sending")
	}
	if sum := hex.EncodeToString(jd.planHash.Sum(nil)); meta.PlanHash != "" && meta.PlanHash != sum {
		d.Notes = append(d.Notes, fmt.Sprintf("journal.db belongs to another plan.jsonl (sha256 %s…; this one is %s…): its states may not match these operations",
			shortHash(meta.PlanHash), shortHash(sum)))
	}
	jd.planHash = nil
	if err := d.applyOps(j, reqs); err != nil {
		return err
	}
	d.outcomes(rep, recs)
	return nil
}

type phaseEmp struct {
	phase    int
	employee string
}

// applyOps reads the journal's operations one by one: it sets every plan
// operation's outcome from the journal's operation of the same (phase,
// employee), spools their details, counts them by state, and lists the
// requests.
func (d *Data) applyOps(j *journal.Journal, reqs []journal.Request) error {
	jd := d.jr
	jd.details = newOpDetails()
	byKey := make(map[phaseEmp]int, len(d.Operations))
	// Submit folds the rename of an employee nobody has into the create
	// under the new id: new id → the rename's index.
	folds := map[string]int{}
	for i := range d.Operations {
		o := &d.Operations[i]
		byKey[phaseEmp{o.Phase, o.Employee}] = i
		if o.Phase == 0 && o.newEmployee != "" && o.newEmployee != o.Employee {
			folds[o.newEmployee] = i
		}
	}
	// The employees of each request whose message a report shows, whose
	// password values are redacted from it.
	reqEmps := map[int64][]string{}
	for _, r := range reqs {
		if r.Message != "" {
			reqEmps[r.ID] = nil
		}
	}
	matched := make([]bool, len(d.Operations))
	type foldedOp struct {
		op    journal.Op
		named bool // the plan names it too
	}
	folded := map[int]foldedOp{} // rename index → the create it may be folded into
	var extra []string           // journal operations the plan does not name
	counts := map[int]map[string]int{0: {}, 1: {}, 2: {}}
	bad := 0
	err := j.EachOp(func(jo *journal.Op) error {
		st := jo.State
		if st == "" {
			st = journal.OpPlanned
		}
		if counts[jo.Phase] == nil {
			counts[jo.Phase] = map[string]int{}
		}
		counts[jo.Phase][st]++
		if e, ok := reqEmps[jo.RequestID]; ok && jo.RequestID != 0 {
			reqEmps[jo.RequestID] = append(e, jo.Employee)
		}
		i, ok := byKey[phaseEmp{jo.Phase, jo.Employee}]
		if f, isFold := folds[jo.Employee]; isFold && jo.Phase == 1 && jo.Kind == "create" {
			c := *jo
			c.Extensions, c.Messages = slices.Clone(jo.Extensions), slices.Clone(jo.Messages)
			folded[f] = foldedOp{op: c, named: ok}
			if !ok {
				return nil // extra only when the rename does not use it
			}
		}
		if !ok {
			extra = append(extra, fmt.Sprintf("phase %d %s", jo.Phase, jo.Employee))
			return nil
		}
		matched[i] = true
		good, err := d.applyOp(&d.Operations[i], jo, false)
		if !good {
			bad++
		}
		return err
	})
	if err != nil {
		return err
	}
	for i, f := range folded {
		if matched[i] {
			if !f.named {
				extra = append(extra, fmt.Sprintf("phase %d %s", f.op.Phase, f.op.Employee))
			}
			continue
		}
		good, err := d.applyOp(&d.Operations[i], &f.op, true)
		if err != nil {
			return err
		}
		if !good {
			bad++
		}
	}
	if err := jd.details.spool.done(); err != nil {
		return err
	}
	d.Requests = make([]Request, 0, len(reqs))
	for _, r := range reqs {
		d.Requests = append(d.Requests, Request{ID: r.ID, Phase: r.Phase, Round: r.Round, Ops: r.Ops, Bytes: r.Bytes,
			State: r.State, ProvisionID: r.ProvisionID, CorrelationID: r.CorrelationID, HTTPStatus: r.HTTPStatus,
			Attempts: r.Attempts, Message: jd.redact(r.Message, reqEmps[r.ID]...), Created: r.Created, Sent: r.Sent, Done: r.Done})
	}
	provision := make(map[int64]string, len(reqs))
	for _, r := range reqs {
		provision[r.ID] = r.ProvisionID
	}
	for i := range d.Operations {
		if o := &d.Operations[i]; o.RequestID != 0 {
			o.ProvisionID = provision[o.RequestID]
		}
	}
	if bad > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("journal.db: %s extension results or messages this report cannot read",
			plural(bad, "operation has", "operations have")))
	}
	if len(extra) > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("journal.db holds %s plan.jsonl does not name (first: %s); they are counted by state",
			plural(len(extra), "operation", "operations"), extra[0]))
	}
	d.Summary.OperationStates = phaseStates(counts)
	return nil
}

// applyOp sets a plan operation's outcome from the journal's operation jo
// (folded: the create a rename was folded into) and spools jo's details;
// good is false when they are not the JSON the report reads.
func (d *Data) applyOp(o *Operation, jo *journal.Op, folded bool) (good bool, err error) {
	emps := []string{jo.Employee, o.Employee}
	o.Status = jo.State
	if o.Status == "" {
		o.Status = journal.OpPlanned
	}
	o.RequestID = jo.RequestID
	o.Code, o.UserID, o.Attempts = jo.Code, jo.UserID, jo.Attempts
	if jo.Method != "" && jo.Method != o.Method {
		o.sentMethod = jo.Method
	}
	o.Message = d.jr.redact(jo.Message, emps...)
	if folded {
		o.Message = strings.TrimSuffix(fmt.Sprintf("not sent as a rename: folded into the create of %s (phase 1); %s",
			o.newEmployee, o.Message), "; ")
	}
	o.detail, good, err = d.jr.details.add(jo, func(s string) string { return d.jr.redact(s, emps...) })
	return good, err
}

// JSON shapes of the journal's extensions and messages columns.
type (
	jsonOpMessage struct {
		Code       string      `json:"code"`
		Message    string      `json:"message"`
		SchemaPath string      `json:"schemaPath"`
		Type       string      `json:"type"`
		Source     *jsonSource `json:"source"`
	}
	jsonExtension struct {
		Schema   string          `json:"schema"`
		Result   string          `json:"result"`
		Code     string          `json:"code"`
		Messages []jsonOpMessage `json:"messages"`
	}
)

func (m jsonOpMessage) message(redact func(string) string) OpMessage {
	out := OpMessage{Code: m.Code, Message: redact(m.Message), SchemaPath: m.SchemaPath, Type: m.Type}
	if m.Source != nil && m.Source.File != "" {
		out.src = *m.Source
		out.Source = m.Source.String()
	}
	return out
}

// decodeOp decodes an operation's extension results and messages (the
// journal's columns); ok is false when either is not the JSON the report
// reads.
func decodeOp(extensions, messages json.RawMessage, redact func(string) string) (exts []Extension, msgs []OpMessage, ok bool) {
	ok = true
	var je []jsonExtension
	if hasJSON(extensions) {
		if err := json.Unmarshal(extensions, &je); err != nil {
			ok = false
		}
	}
	for _, e := range je {
		x := Extension{Schema: model.ShortSchema(e.Schema), Result: e.Result, Code: e.Code}
		for _, m := range e.Messages {
			x.Messages = append(x.Messages, m.message(redact))
		}
		exts = append(exts, x)
	}
	var jm []jsonOpMessage
	if hasJSON(messages) {
		if err := json.Unmarshal(messages, &jm); err != nil {
			ok = false
		}
	}
	for _, m := range jm {
		msgs = append(msgs, m.message(redact))
	}
	return exts, msgs, ok
}

// outcomes gives every record of report.json its final state from the
// journal's records, lists the journal's records report.json does not
// have, and counts the states.
func (d *Data) outcomes(rep *jsonReport, recs []journal.Record) {
	jd := d.jr
	byPos := make(map[model.Position]int, len(recs))
	for i, r := range recs {
		pos := model.Position{File: r.File, Line: r.Line}
		if _, dup := byPos[pos]; !dup {
			byPos[pos] = i
		}
	}
	used := make([]bool, len(recs))
	d.Outcomes = make([]Outcome, 0, len(rep.Records)+1)
	for _, r := range rep.Records {
		o := Outcome{File: r.Pos.File, Line: r.Pos.Line, Type: r.Type, Employee: r.EmployeeID}
		if i, ok := byPos[model.Position{File: o.File, Line: o.Line}]; ok && !used[i] {
			used[i] = true
			jr := recs[i]
			o.State, o.Reason = jr.State, jd.redact(jr.Reason, o.Employee, jr.Employee)
			if o.Type == "" {
				o.Type = jr.Type
			}
			if o.Employee == "" {
				o.Employee = jr.Employee
			}
		} else {
			o.State, o.Reason = convertOutcome(&r)
		}
		d.Outcomes = append(d.Outcomes, o)
	}
	var extra []string
	for i, r := range recs {
		if used[i] {
			continue
		}
		o := Outcome{File: r.File, Line: r.Line, Type: r.Type, Employee: r.Employee, State: r.State,
			Reason: jd.redact(r.Reason, r.Employee)}
		extra = append(extra, o.Pos())
		d.Outcomes = append(d.Outcomes, o)
	}
	if len(extra) > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("journal.db holds %s report.json does not list, or holds a position twice (first: %s); they are listed in the outcome and counted",
			plural(len(extra), "record", "records"), extra[0]))
	}

	counts := map[string]int{}
	total := 0
	for _, o := range d.Outcomes {
		pos := model.Position{File: o.File, Line: o.Line}
		jd.states[pos] = o.State
		if o.Unsuccessful() && o.Reason != "" {
			jd.reasons[pos] = o.Reason
		}
		counts[o.State]++
		total++
	}
	d.Summary.RecordStates = stateCounts(StateOrder, counts)
	if total != d.Summary.Records {
		d.Notes = append(d.Notes, fmt.Sprintf("the record states add up to %d, not to the %d records read", total, d.Summary.Records))
	}
	for _, s := range d.Summary.RecordStates {
		if !known(StateOrder, s.State) {
			d.Notes = append(d.Notes, fmt.Sprintf("%s in state %q, which this report does not know", plural(s.Count, "record is", "records are"), s.State))
		}
	}
	if n := counts[journal.RecordPending]; n > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%s no final outcome yet: the run is under way, or stopped before its end (run submit again to finish it)",
			plural(n, "record has", "records have")))
	}
}

// convertOutcome is the state of a record the journal holds no outcome
// for: convert's verdict for a rejected or skipped record, else pending.
func convertOutcome(r *jsonRecord) (state, reason string) {
	first := func(sev string) string {
		for _, m := range r.Messages {
			if sev == "" || m.Severity == sev {
				return m.Message
			}
		}
		return ""
	}
	switch model.Status(r.Status) {
	case model.StatusConverted:
		return journal.RecordPending, "no outcome recorded yet"
	case model.StatusSkipped:
		return journal.RecordSkipped, first("")
	}
	reason = first(string(model.SevError))
	if reason == "" {
		reason = first("")
	}
	return journal.RecordRejected, reason
}

// plural is "1 record" or "2 records".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func known(order []string, s string) bool {
	for _, o := range order {
		if o == s {
			return true
		}
	}
	return false
}

// stateCounts lists counts in order, zeros included, then the states order
// does not name, sorted.
func stateCounts(order []string, counts map[string]int) []StateCount {
	out := make([]StateCount, 0, len(order))
	for _, s := range order {
		out = append(out, StateCount{s, counts[s]})
	}
	var more []string
	for s := range counts {
		if !known(order, s) {
			more = append(more, s)
		}
	}
	sort.Strings(more)
	for _, s := range more {
		out = append(out, StateCount{s, counts[s]})
	}
	return out
}

// phaseStates lists the operations of phases 0, 1, 2 (and any other)
// counted by state (phase → state → count); every phase lists the same
// states.
func phaseStates(byPhase map[int]map[string]int) []PhaseStates {
	all := map[string]int{}
	for _, c := range byPhase {
		for st, n := range c {
			all[st] += n
		}
	}
	phases := make([]int, 0, len(byPhase))
	for p := range byPhase {
		phases = append(phases, p)
	}
	sort.Ints(phases)
	out := make([]PhaseStates, 0, len(phases))
	for _, p := range phases {
		ps := PhaseStates{Phase: p, States: stateCounts(OpStateOrder, all)}
		for i := range ps.States {
			ps.States[i].Count = byPhase[p][ps.States[i].State]
			ps.Total += ps.States[i].Count
		}
		out = append(out, ps)
	}
	return out
}

// valueResult is the target's result for a trace row's value in its
// operation: the result of the value's schema, and the message about the
// value (by schema path or input field), else the first message of its
// failed extension, else why a failed or in-doubt operation is so.
func valueResult(op *Operation, r *TraceRow) (result, message string) {
	for _, e := range op.Extensions {
		if e.Schema != r.Schema {
			continue
		}
		result = e.Result
		for _, m := range e.Messages {
			if pathMatches(m.SchemaPath, r) {
				return result, m.Text()
			}
		}
		if e.Failed() && len(e.Messages) > 0 {
			message = e.Messages[0].Text()
		}
		break
	}
	for _, m := range op.Messages {
		bySource := m.src.File != "" && m.src.File == r.File && m.src.Line == r.Line && (m.src.Field == "" || m.src.Field == r.Field)
		if bySource || pathMatches(m.SchemaPath, r) {
			return result, m.Text()
		}
	}
	if message == "" && (op.Status == journal.OpFailed || op.Status == journal.OpInDoubt) {
		// Nothing about the value: why the whole operation failed.
		message = op.Message
		if message == "" && len(op.Messages) > 0 {
			message = op.Messages[0].Text()
		}
	}
	return result, message
}

// pathMatches reports whether a SCIM schema path ("urn:…:spend:2.0:User:
// reimbursementCurrency", or a bare attribute) names the row's attribute.
func pathMatches(schemaPath string, r *TraceRow) bool {
	if schemaPath == "" {
		return false
	}
	sp := model.ShortSchema(schemaPath)
	rest, ok := strings.CutPrefix(sp, r.Schema+":")
	if !ok {
		if strings.Contains(sp, ":") {
			return false
		}
		rest = sp
	}
	return strings.EqualFold(topAttr(rest), topAttr(r.Path))
}

// topAttr is the top-level attribute of a path: "name" of "name.givenName",
// "customData" of `customData[id eq "x"].value`.
func topAttr(p string) string {
	if i := strings.IndexAny(p, ".["); i >= 0 {
		return p[:i]
	}
	return p
}
