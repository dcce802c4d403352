package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// StatusNotSubmitted is the status of an operation no journal has reported
// on: the dry run wrote it to a bulk file and nothing more.
const StatusNotSubmitted = "not submitted"

// Withheld replaces the value of a source field named like a password.
const Withheld = "(withheld)"

// Data is everything a report shows, decoded from a convert output
// directory and, when it has one, its journal. Everything but the value
// trace is held in memory; the trace is streamed from plan.jsonl by Trace,
// so a run of any size can be reported.
type Data struct {
	Dir string `json:"dir"`
	// Run describes the submitted run from DIR/journal.db; nil for a dry
	// run (no journal), and then every journal-only field is empty.
	Run     *Run     `json:"run,omitempty"`
	Summary Summary  `json:"summary"`
	Notes   []string `json:"notes,omitempty"` // inconsistencies found while loading
	// Outcomes holds every input record with its final state, in
	// report.json's order (journal only).
	Outcomes []Outcome  `json:"outcomes,omitempty"`
	Files    []File     `json:"files"`
	Rejected []Rejected `json:"rejected"`
	Warnings []Warning  `json:"warnings"`
	// AtSubmit lists the employees outside the run that submit looks up
	// in the target (convert had no --directory), in report.json's order.
	AtSubmit   []AtSubmit  `json:"resolvedAtSubmit,omitempty"`
	Operations []Operation `json:"operations"`
	// Requests holds the journal's Bulk requests by number (journal only).
	Requests []Request `json:"requests,omitempty"`
	// Limits caps what each format shows; the zero value means DefaultLimits.
	Limits Limits `json:"-"`

	planPath string
	opIndex  map[string]int            // Operation.Key → index in Operations
	statuses map[model.Position]string // input record → status
	jr       *journalData              // journal-only loading state
}

// Summary holds the run's totals. Records = Converted + Skipped + Rejected.
type Summary struct {
	Records          int   `json:"records"`
	Converted        int   `json:"converted"`
	Skipped          int   `json:"skipped"`
	Rejected         int   `json:"rejected"`
	Warnings         int   `json:"warnings"` // every entry of Data.Warnings
	Employees        int   `json:"employees"`
	UsersCreated     int   `json:"usersCreated"`
	UsersUpdated     int   `json:"usersUpdated"`
	Renames          int   `json:"renames"`
	Operations       []int `json:"operations"` // per phase 0, 1, 2
	Requests         int   `json:"requests"`
	RequestsPerPhase []int `json:"requestsPerPhase"`
	Bytes            int64 `json:"bytes"`
	TraceRows        int   `json:"traceRows"`
	// LeftOut counts the new users each extension was left out of (UPS
	// requires an attribute with it the input does not give), most first.
	LeftOut []LeftOut `json:"leftOut,omitempty"`
	// AtSubmit is the number of entries of Data.AtSubmit.
	AtSubmit int `json:"resolvedAtSubmit,omitempty"`
	// RecordStates counts the records by final state (journal only): every
	// record state in StateOrder, zeros included, then any unknown state.
	// They add up to Records, or Data.Notes says why not.
	RecordStates []StateCount `json:"recordStates,omitempty"`
	// OperationStates counts the journal's operations of each phase by
	// state (journal only).
	OperationStates []PhaseStates `json:"operationStates,omitempty"`
}

// LeftOut is the number of new users an extension was left out of.
type LeftOut struct {
	Extension string `json:"extension"` // "travel", "spend", else the URN's tail
	Users     int    `json:"users"`
}

// LeftOutText renders the left-out counts as "travel 3, spend 1", "" when
// no extension was left out.
func (s Summary) LeftOutText() string {
	parts := make([]string, len(s.LeftOut))
	for i, l := range s.LeftOut {
		parts[i] = l.Extension + " " + strconv.Itoa(l.Users)
	}
	return strings.Join(parts, ", ")
}

// KindUpdate is the AtSubmit kind of an update of an employee no record of
// the run creates.
const KindUpdate = "update"

// AtSubmit is an employee outside the run that submit looks up in the
// target: the employee of an update no record of the run creates, or an
// employee a record refers to (Kind is the reference: "report approver",
// "expense delegate", "manager" …, and From the employee who refers). An
// update of an employee the target does not have fails its record; a
// reference to one is not set.
type AtSubmit struct {
	Employee string `json:"employee"`
	Kind     string `json:"kind"`
	From     string `json:"from,omitempty"`
	Source   string `json:"source"` // file:line:field (name) of the record or field it comes from
	File     string `json:"file"`
	Line     int    `json:"line"`
	// RecordState is the final state of the input record it comes from
	// (journal only).
	RecordState string `json:"recordState,omitempty"`

	record model.Position // the input record it comes from, found by Load
}

// What says why the employee is looked up: "update (not created by this
// run)", "report approver of E1".
func (a AtSubmit) What() string {
	switch {
	case a.Kind == KindUpdate:
		return "update (not created by this run)"
	case a.From != "":
		return a.Kind + " of " + a.From
	}
	return a.Kind
}

// referrer is the employee whose change set the entry comes from.
func (a AtSubmit) referrer() string {
	if a.Kind == KindUpdate || a.From == "" {
		return a.Employee
	}
	return a.From
}

// OperationsTotal is the number of operations in all phases.
func (s Summary) OperationsTotal() int {
	n := 0
	for _, v := range s.Operations {
		n += v
	}
	return n
}

// File counts the records of one input file by status.
type File struct {
	Path      string `json:"path"`
	Format    string `json:"format"`
	Records   int    `json:"records"`
	Converted int    `json:"converted"`
	Skipped   int    `json:"skipped"`
	Rejected  int    `json:"rejected"`
	Warnings  int    `json:"warnings"`
	// Settings are the file's import settings (Concur files) in one line.
	Settings string `json:"settings,omitempty"`
}

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// Message is one diagnostic: Text is "file:line:field (name): message [row]".
type Message struct {
	Severity string `json:"severity"`
	Source   string `json:"source"`
	Row      string `json:"row,omitempty"`
	Message  string `json:"message"`
	Text     string `json:"text"`
}

// Rejected is a rejected input record with every message about it.
type Rejected struct {
	Pos        string    `json:"pos"` // file:line
	Format     string    `json:"format"`
	Type       string    `json:"type"`
	EmployeeID string    `json:"employeeId,omitempty"`
	Messages   []Message `json:"messages"`
}

// Warning origins.
const (
	OriginRecord = "record" // a message on a converted or skipped record
	OriginFile   = "file"   // a message about a whole input file
	OriginPlan   = "plan"   // a warning of the planner
	OriginSchema = "schema" // a schema warning on a written operation
)

// Warning is one warning of the run, wherever it came from.
type Warning struct {
	Origin    string `json:"origin"`
	Status    string `json:"status,omitempty"` // the record's status (OriginRecord)
	Employee  string `json:"employee,omitempty"`
	Source    string `json:"source,omitempty"`
	Row       string `json:"row,omitempty"`
	Operation string `json:"operation,omitempty"` // "bulk-0002.json #5" (OriginSchema)
	Message   string `json:"message"`
}

// Operation is one operation of a bulk request. Status is
// StatusNotSubmitted until a provisioning journal fills it in: Load takes
// it, and the fields below it, from the journal's operation of the same
// (Phase, Employee).
type Operation struct {
	Key      string `json:"key"` // "bulk-0002.json #5"
	Bulk     string `json:"bulk"`
	Index    int    `json:"index"` // 0-based, as in the request's Operations array
	Phase    int    `json:"phase"`
	Method   string `json:"method"`
	Path     string `json:"path"`
	Employee string `json:"employee"` // the old employee id for a phase-0 rename
	Status   string `json:"status"`   // StatusNotSubmitted, or the journal's operation state
	// ProvisionID is the provision id of the request that carried it last.
	ProvisionID string      `json:"provisionId,omitempty"`
	RequestID   int64       `json:"requestId,omitempty"` // that request's number in the journal (Data.Requests)
	Code        string      `json:"code,omitempty"`      // HTTP status of the operation ("201")
	UserID      string      `json:"userId,omitempty"`    // the user's UUID in the target
	Attempts    int         `json:"attempts,omitempty"`  // requests it was put into
	Message     string      `json:"message,omitempty"`   // one line: why it failed, is in doubt or was folded
	Extensions  []Extension `json:"extensions,omitempty"`
	Messages    []OpMessage `json:"messages,omitempty"`

	newEmployee string // phase 0: the employee id after the rename
	sentMethod  string // the journal's method for it, when it differs from the plan's (a create sent as an update)
}

// OpKey names operation index of bulk file bulk: "bulk-0002.json #5".
func OpKey(bulk string, index int) string { return bulk + " #" + strconv.Itoa(index) }

// Operation returns the operation with the given key, nil when unknown.
// Load fills in a journal's outcome; a caller may change it through the
// pointer, and every trace row shows it.
func (d *Data) Operation(key string) *Operation {
	if d.opIndex == nil {
		d.opIndex = make(map[string]int, len(d.Operations))
		for i, op := range d.Operations {
			d.opIndex[op.Key] = i
		}
	}
	i, ok := d.opIndex[key]
	if !ok {
		return nil
	}
	return &d.Operations[i]
}

// ShortSchema shortens a SCIM schema URN to its distinctive tail:
// "urn:ietf:params:scim:schemas:extension:spend:2.0:User" → "spend:2.0:User".
func ShortSchema(urn string) string {
	s := strings.TrimPrefix(urn, "urn:ietf:params:scim:schemas:")
	return strings.TrimPrefix(s, "extension:")
}

// isPassword reports whether a source field is a password field, whose
// value never appears in a report.
func isPassword(field, name string) bool {
	return strings.Contains(strings.ToLower(field), "password") || strings.Contains(strings.ToLower(name), "password")
}

// JSON shapes of report.json, and the shape of a plan.jsonl line (decoded
// by package lineage): only the fields used, so the producers' Go types may
// change freely.
type (
	jsonSource struct {
		File  string `json:"file"`
		Line  int    `json:"line"`
		Field string `json:"field"`
		Name  string `json:"name"`
	}
	jsonDiag struct {
		Severity string     `json:"severity"`
		Source   jsonSource `json:"source"`
		Row      string     `json:"row"`
		Message  string     `json:"message"`
	}
	jsonPos struct {
		File string `json:"file"` // also matches "File"
		Line int    `json:"line"`
	}
	jsonRecord struct {
		Pos        jsonPos    `json:"pos"`
		Format     string     `json:"format"`
		Type       string     `json:"type"`
		EmployeeID string     `json:"employeeId"`
		Status     string     `json:"status"`
		Messages   []jsonDiag `json:"messages"`
	}
	jsonReport struct {
		Totals struct {
			Records   int            `json:"records"`
			Converted int            `json:"converted"`
			Skipped   int            `json:"skipped"`
			Rejected  int            `json:"rejected"`
			LeftOut   map[string]int `json:"leftOut"`
			AtSubmit  int            `json:"resolvedAtSubmit"`
		} `json:"totals"`
		Plan struct {
			UsersCreated     int   `json:"usersCreated"`
			UsersUpdated     int   `json:"usersUpdated"`
			Renames          int   `json:"renames"`
			Operations       []int `json:"operations"`
			Requests         int   `json:"requests"`
			RequestsPerPhase []int `json:"requestsPerPhase"`
			Bytes            int64 `json:"bytes"`
		} `json:"plan"`
		Files []struct {
			Path     string     `json:"path"`
			Format   string     `json:"format"`
			Records  int        `json:"records"`
			Warnings []jsonDiag `json:"warnings"`
			Settings *struct {
				Present                bool   `json:"present"`
				Line                   int    `json:"line"`
				ErrorThreshold         int    `json:"errorThreshold"`
				ExistingRecordHandling string `json:"existingRecordHandling"`
				LanguageCode           string `json:"languageCode"`
				ValidateExpenseGroup   bool   `json:"validateExpenseGroup"`
				ValidatePaymentGroup   bool   `json:"validatePaymentGroup"`
			} `json:"settings"`
		} `json:"files"`
		Records  []jsonRecord `json:"records"`
		Findings []struct {
			Request   int         `json:"request"`
			Operation int         `json:"operation"`
			Employee  string      `json:"employee"`
			Source    *jsonSource `json:"source"`
			Finding   struct {
				Pointer  string `json:"pointer"`
				Message  string `json:"message"`
				Severity string `json:"severity"`
			} `json:"finding"`
		} `json:"findings"`
		Warnings         []jsonDiag `json:"warnings"`
		ResolvedAtSubmit []struct {
			Employee string     `json:"employee"`
			Kind     string     `json:"kind"`
			From     string     `json:"from"`
			Source   jsonSource `json:"source"`
		} `json:"resolvedAtSubmit"`
	}
	// jsonAttr is a value of a plan line, decoded by package lineage.
	jsonAttr struct {
		Schema   string
		Path     string
		IsMember bool   // a member made present or absent in a multi-valued attribute
		Value    string // the value as the trace shows it (not a member's)
		Member   string
		Present  bool
		Source   jsonSource
		Row      string
	}
	// jsonPlanLine is one employee of plan.jsonl.
	jsonPlanLine struct {
		EmployeeID string
		Creates    bool
		// LeaveOut lists the extensions (URNs) left out of the user when
		// it is created.
		LeaveOut   []string
		Rename     *jsonRename
		Attrs      []jsonAttr
		Refs       []jsonRef
		Records    []jsonPos
		Operations []jsonOp
	}
	jsonRename struct {
		From          string
		NewEmployeeID string
		NewLogin      string
		Source        jsonSource
	}
	jsonRef struct {
		Kind    string
		Schema  string
		Path    string
		Primary *bool
		Target  string
		Attrs   []jsonAttr
		Source  jsonSource
		Row     string
	}
	jsonOp struct {
		Bulk   string
		Index  int
		Phase  int
		Method string
		Path   string
	}
)

func (s jsonSource) String() string {
	return model.Source{File: s.File, Line: s.Line, Field: s.Field, Name: s.Name}.String()
}

func (d jsonDiag) message() Message {
	m := Message{Severity: d.Severity, Source: d.Source.String(), Row: d.Row, Message: d.Message}
	m.Text = m.Source + ": " + m.Message
	if m.Row != "" {
		m.Text += " [" + m.Row + "]"
	}
	return m
}

// Load reads DIR/report.json and DIR/plan.jsonl, and DIR/journal.db when it
// exists (read-only, without its lock: a run may be writing it). plan.jsonl
// is read once here to check it and count it, and again by every Trace
// call. Without a journal the report is a dry run's; with one, Run,
// Outcomes, Requests, the summary's state counts and the operations'
// outcomes are filled in from it.
func Load(dir string) (*Data, error) {
	d := &Data{Dir: dir, planPath: filepath.Join(dir, "plan.jsonl")}
	rep, err := readReport(filepath.Join(dir, "report.json"))
	if err != nil {
		return nil, err
	}
	d.fromReport(rep)
	if d.jr, err = probeJournal(dir); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	atSubmit := d.atSubmitByReferrer()
	err = d.scanPlan(nil, func(line *jsonPlanLine, _ int) error {
		d.Summary.Employees++
		for _, i := range atSubmit[line.EmployeeID] {
			a := &d.AtSubmit[i]
			if pos, ok := recordPos(line, jsonSource{File: a.File, Line: a.Line}, d.statuses); ok {
				a.record = pos
			}
		}
		if d.jr != nil {
			d.jr.collectSecrets(line)
		}
		for _, o := range line.Operations {
			k := OpKey(o.Bulk, o.Index)
			if seen[k] {
				continue
			}
			seen[k] = true
			emp := line.EmployeeID
			if o.Phase == 0 && line.Rename != nil && line.Rename.From != "" {
				emp = line.Rename.From
			}
			d.Operations = append(d.Operations, Operation{Key: k, Bulk: o.Bulk, Index: o.Index, Phase: o.Phase,
				Method: o.Method, Path: o.Path, Employee: emp, Status: StatusNotSubmitted, newEmployee: line.EmployeeID})
		}
		d.Summary.TraceRows += rowCount(line)
		return nil
	}, nil)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(d.Operations, func(i, j int) bool {
		a, b := d.Operations[i], d.Operations[j]
		if a.Bulk != b.Bulk {
			return a.Bulk < b.Bulk
		}
		return a.Index < b.Index
	})
	if d.Operations == nil {
		d.Operations = []Operation{}
	}
	if n := len(d.Operations); n != d.Summary.OperationsTotal() {
		d.Notes = append(d.Notes, fmt.Sprintf("report.json counts %d operations, plan.jsonl names %d", d.Summary.OperationsTotal(), n))
	}
	if d.jr != nil {
		if err := d.loadJournal(rep); err != nil {
			return nil, err
		}
		for i := range d.AtSubmit {
			d.AtSubmit[i].RecordState = d.jr.recordState(d.AtSubmit[i].record)
		}
	}
	return d, nil
}

func readReport(path string) (*jsonReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rep jsonReport
	if err := json.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(&rep); err != nil {
		var off int64 = -1
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			off = se.Offset
		case errors.As(err, &te):
			off = te.Offset
		}
		if off >= 0 {
			if line, lerr := lineAt(path, off); lerr == nil {
				return nil, fmt.Errorf("%s:%d: %w", path, line, err)
			}
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rep, nil
}

// lineAt returns the 1-based line of byte offset off in the file.
func lineAt(path string, off int64) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	line := 1
	buf := make([]byte, 64*1024)
	r := io.LimitReader(f, off)
	for {
		n, err := r.Read(buf)
		line += bytes.Count(buf[:n], []byte{'\n'})
		if err == io.EOF {
			return line, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

func (d *Data) fromReport(rep *jsonReport) {
	s := &d.Summary
	p := rep.Plan
	s.UsersCreated, s.UsersUpdated, s.Renames = p.UsersCreated, p.UsersUpdated, p.Renames
	s.Operations = phases(p.Operations)
	s.Requests, s.RequestsPerPhase, s.Bytes = p.Requests, phases(p.RequestsPerPhase), p.Bytes

	files := map[string]*File{}
	var order []string
	file := func(path string) *File {
		if f, ok := files[path]; ok {
			return f
		}
		files[path] = &File{Path: path}
		order = append(order, path)
		return files[path]
	}
	for _, f := range rep.Files {
		ff := file(f.Path)
		ff.Format, ff.Records = f.Format, f.Records
		if st := f.Settings; st != nil {
			where := "defaults (no 100 record)"
			if st.Present {
				where = fmt.Sprintf("100 record on line %d", st.Line)
			}
			ff.Settings = fmt.Sprintf("%s: existing records %s, language %s, error threshold %d, validate expense group %s, payment group %s; applied, not sent to UPS",
				where, st.ExistingRecordHandling, st.LanguageCode, st.ErrorThreshold, yn(st.ValidateExpenseGroup), yn(st.ValidatePaymentGroup))
		}
		for _, w := range f.Warnings {
			ff.Warnings++
			d.Warnings = append(d.Warnings, Warning{Origin: OriginFile, Source: w.Source.String(), Row: w.Row, Message: w.Message})
		}
	}
	counted := map[string]int{}
	for _, r := range rep.Records {
		s.Records++
		ff := file(r.Pos.File)
		counted[r.Pos.File]++
		if ff.Format == "" {
			ff.Format = r.Format
		}
		switch model.Status(r.Status) {
		case model.StatusConverted:
			s.Converted++
			ff.Converted++
		case model.StatusSkipped:
			s.Skipped++
			ff.Skipped++
		default: // rejected, or a status this report does not know: never lose it
			s.Rejected++
			ff.Rejected++
			rj := Rejected{Pos: model.Position{File: r.Pos.File, Line: r.Pos.Line}.String(), Format: r.Format,
				Type: r.Type, EmployeeID: r.EmployeeID, Messages: []Message{}}
			for _, m := range r.Messages {
				rj.Messages = append(rj.Messages, m.message())
			}
			if r.Status != string(model.StatusRejected) {
				d.Notes = append(d.Notes, fmt.Sprintf("%s: unknown record status %q counted as rejected", rj.Pos, r.Status))
			}
			d.Rejected = append(d.Rejected, rj)
			continue
		}
		for _, m := range r.Messages {
			if m.Severity == string(model.SevInfo) {
				continue // the reason of a skipped 100 record: the file's Settings
			}
			ff.Warnings++
			d.Warnings = append(d.Warnings, Warning{Origin: OriginRecord, Status: r.Status, Employee: r.EmployeeID,
				Source: m.Source.String(), Row: m.Row, Message: m.Message})
		}
	}
	for _, w := range rep.Warnings {
		d.Warnings = append(d.Warnings, Warning{Origin: OriginPlan, Source: w.Source.String(), Row: w.Row, Message: w.Message})
	}
	for _, f := range rep.Findings {
		w := Warning{Origin: OriginSchema, Employee: f.Employee, Operation: OpKey(fmt.Sprintf("bulk-%04d.json", f.Request), f.Operation),
			Message: f.Finding.Message}
		if f.Finding.Pointer != "" {
			w.Message = f.Finding.Pointer + ": " + w.Message
		}
		if f.Source != nil {
			w.Source = f.Source.String()
		}
		d.Warnings = append(d.Warnings, w)
	}
	for _, path := range order {
		f := files[path]
		if n := counted[path]; n != f.Records {
			d.Notes = append(d.Notes, fmt.Sprintf("%s: report.json counts %d records, lists %d", path, f.Records, n))
			f.Records = n
		}
		d.Files = append(d.Files, *f)
	}
	t := rep.Totals
	if t.Records != s.Records || t.Converted != s.Converted || t.Skipped != s.Skipped || t.Rejected != s.Rejected {
		d.Notes = append(d.Notes, fmt.Sprintf("report.json totals (%d read, %d converted, %d skipped, %d rejected) differ from its record list; the list is shown",
			t.Records, t.Converted, t.Skipped, t.Rejected))
	}
	s.Warnings = len(d.Warnings)
	for ext, n := range t.LeftOut {
		s.LeftOut = append(s.LeftOut, LeftOut{Extension: ext, Users: n})
	}
	sort.Slice(s.LeftOut, func(i, j int) bool {
		a, b := s.LeftOut[i], s.LeftOut[j]
		if a.Users != b.Users {
			return a.Users > b.Users
		}
		return a.Extension < b.Extension
	})
	for _, a := range rep.ResolvedAtSubmit {
		d.AtSubmit = append(d.AtSubmit, AtSubmit{Employee: a.Employee, Kind: a.Kind, From: a.From,
			Source: a.Source.String(), File: a.Source.File, Line: a.Source.Line,
			record: model.Position{File: a.Source.File, Line: a.Source.Line}})
	}
	s.AtSubmit = len(d.AtSubmit)
	if t.AtSubmit != s.AtSubmit {
		d.Notes = append(d.Notes, fmt.Sprintf("report.json counts %d employees resolved at submit, lists %d; the list is shown", t.AtSubmit, s.AtSubmit))
	}
	if d.Files == nil {
		d.Files = []File{}
	}
	if d.Rejected == nil {
		d.Rejected = []Rejected{}
	}
	if d.Warnings == nil {
		d.Warnings = []Warning{}
	}
	d.statuses = map[model.Position]string{}
	for _, r := range rep.Records {
		d.statuses[model.Position{File: r.Pos.File, Line: r.Pos.Line}] = r.Status
	}
}

// atSubmitByReferrer indexes Data.AtSubmit by the employee whose change set
// each entry comes from.
func (d *Data) atSubmitByReferrer() map[string][]int {
	if len(d.AtSubmit) == 0 {
		return nil
	}
	m := make(map[string][]int, len(d.AtSubmit))
	for i, a := range d.AtSubmit {
		m[a.referrer()] = append(m[a.referrer()], i)
	}
	return m
}

func phases(v []int) []int {
	out := make([]int, 3)
	copy(out, v)
	return out
}
