package report

import (
	"strconv"
	"strings"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// StatusNotSubmitted is the status of an operation no journal has reported
// on: the dry run wrote it to a bulk file and nothing more.
const StatusNotSubmitted = "not submitted"

// Withheld replaces the value of a source field named like a password.
const Withheld = "(withheld)"

// Data is everything a report shows, decoded from a convert output
// directory and, when it has one, its journal. What grows with the run is
// never held whole: the value trace is streamed from plan.jsonl, and the
// warnings and rejected records are kept in a spool (memory, then a
// temporary file) indexed by employee. Close releases the spool.
type Data struct {
	Dir string `json:"dir"`
	// Generated and Generator say when and by which upsmigrate the report
	// is written; the caller sets them (zero: not shown).
	Generated time.Time `json:"generated,omitzero"`
	Generator string    `json:"generator,omitempty"`
	// Audit says what made the run: the convert's tool version, company,
	// inputs and mapping tables with their hashes (report.json's audit).
	Audit Audit `json:"audit"`
	// Run describes the submitted run from DIR/journal.db; nil for a dry
	// run (no journal), and then every journal-only field is empty.
	Run     *Run     `json:"run,omitempty"`
	Summary Summary  `json:"summary"`
	Notes   []string `json:"notes,omitempty"` // inconsistencies found while loading
	// Lost lists what the customer loses by migrating: per input field,
	// the values UPS cannot hold, with the reason, most first.
	Lost []Lost `json:"lost"`
	// Outcomes holds every input record with its final state, in
	// report.json's order (journal only).
	Outcomes []Outcome `json:"outcomes,omitempty"`
	Files    []File    `json:"files"`
	// AtSubmit lists the employees outside the run that submit looks up
	// in the target (convert had no --directory), in report.json's order.
	AtSubmit []AtSubmit `json:"resolvedAtSubmit,omitempty"`
	// Operations holds the plan's operations with the journal's outcomes
	// (journal only; a dry run streams them: EachOperation).
	Operations []Operation `json:"-"`
	// Requests holds the journal's Bulk requests by number (journal only).
	Requests []Request `json:"requests,omitempty"`
	// Limits caps what each format shows; the zero value means DefaultLimits.
	Limits Limits `json:"-"`
	// Progress, when set, is told as a walk of the plan (every writer
	// makes one or more) reads plan.jsonl: done bytes of total, from 0
	// again at each walk. An error it returns stops the walk, and the
	// writer fails with it (a command interrupted, say). It is called on
	// the goroutine that reads the plan, not the writer's.
	Progress func(done, total int64) error `json:"-"`

	planPath string
	kinds    []recKind         // distinct (format, type, status) of the records
	recs     map[uint64]uint16 // input record (fileKey) → index in kinds
	fileIdx  map[string]uint32
	warnings *spool[Warning]
	warnFeed *spoolFeed[Warning] // while Load reads report.json: adds to warnings
	rejected *spool[Rejected]
	lost     *lostSet
	mapRows  map[string]mappingRow // the mapping rows messages name (report.json's audit)
	opIndex  map[string]int        // Operation.Key → index in Operations
	walked   bool                  // a walk has counted the plan
	jr       *journalData          // journal-only loading state
}

// recKind is what the report keeps of an input record.
type recKind struct{ format, typ, status string }

// Summary holds the run's totals. Records = Converted + Skipped + Rejected.
type Summary struct {
	Records          int   `json:"records"`
	Converted        int   `json:"converted"`
	Skipped          int   `json:"skipped"`
	Rejected         int   `json:"rejected"`
	Warnings         int   `json:"warnings"` // every warning (Data.EachWarning)
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
	detail      int64  // 1 + the offset of its extensions and messages in the journal data's spool (0: none)
	sentMethod  string // the journal's method for it, when it differs from the plan's (a create sent as an update)
}

// OpKey names operation index of bulk file bulk: "bulk-0002.json #5".
func OpKey(bulk string, index int) string { return bulk + " #" + strconv.Itoa(index) }

// Operation returns the operation with the given key, nil when unknown or
// when the run has no journal (Data.Operations). Load fills in a journal's
// outcome; a caller may change it through the pointer, and every trace row
// shows it. Its Extensions and Messages are read from the spool into it.
func (d *Data) Operation(key string) *Operation {
	o := d.op(key)
	if o != nil && o.Extensions == nil && o.Messages == nil {
		_ = d.fillOp(o) // an error is kept for the walk to return
	}
	return o
}

// op is Operation without its Extensions and Messages read, as a walk
// asks for every operation.
func (d *Data) op(key string) *Operation {
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

// isPassword reports whether a source field is a password field, whose
// value never appears in a report.
func isPassword(field, name string) bool {
	return containsFold(field, "password") || containsFold(name, "password")
}

// containsFold reports whether s contains the lower-case ASCII word w in
// any case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if c := s[i]; c != w[0] && c|0x20 != w[0] {
			continue // the common case, first
		}
		j := 0
		for ; j < len(w); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// Audit says what made the run, from report.json's audit (empty for a run
// converted before it existed).
type Audit struct {
	ToolVersion string `json:"toolVersion,omitempty"` // of the upsmigrate that converted
	CompanyID   string `json:"companyId,omitempty"`
	// Options are convert's options that shape the output, as "name value".
	Options []string `json:"options,omitempty"`
	Inputs  []Input  `json:"inputs"`
	// MappingSHA256 identifies the set of mapping tables: two runs with the
	// same hash used the same tables.
	MappingSHA256 string         `json:"mappingSha256,omitempty"`
	Mapping       []MappingTable `json:"mapping"`
}

// Input is one input file with its size and sha256 when converted.
type Input struct {
	Path   string `json:"path"`
	Format string `json:"format,omitempty"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256,omitempty"`
}

// MappingTable is one mapping table of the run: embedded in upsmigrate, or
// an override file.
type MappingTable struct {
	Name     string `json:"name"`
	File     string `json:"file"`
	Embedded bool   `json:"embedded"`
	Rows     int    `json:"rows"`
	SHA256   string `json:"sha256"`
}

// Overridden lists the tables that do not come embedded in upsmigrate.
func (a Audit) Overridden() []MappingTable {
	var out []MappingTable
	for _, t := range a.Mapping {
		if !t.Embedded {
			out = append(out, t)
		}
	}
	return out
}

// Close releases what Load holds on disk (the spool's temporary file).
func (d *Data) Close() error {
	d.warnings.close()
	d.rejected.close()
	if d.jr != nil {
		d.jr.details.close()
	}
	return nil
}

// EachWarning calls fn with every warning, in report.json's order: the
// input files', the records', the plan's, then the schema's.
func (d *Data) EachWarning(fn func(*Warning) error) error {
	return d.warnings.each(func(w *Warning) error {
		d.readableWarning(w)
		return fn(w)
	})
}

// EachRejected calls fn with every rejected record, in input order.
func (d *Data) EachRejected(fn func(*Rejected) error) error {
	return d.rejected.each(func(r *Rejected) error {
		d.readableRejected(r)
		return fn(r)
	})
}
