package plan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/pool"
	"github.com/upsmigrate/upsmigrate/internal/scim"
)

const schemaBulkRequest = scim.SchemaBulkRequest

// Limits of a UPS v4 Bulk request.
const (
	DefaultMaxOps   = 100
	DefaultMaxBytes = 400 * 1024
)

// Phases.
const (
	PhaseRename   = 0 // ID changes (320)
	PhaseIdentity = 1 // POST new users, PATCH existing ones
	PhaseRefs     = 2 // approvers, delegates, managers
	numPhases     = 3
)

// Options control Build.
type Options struct {
	// CompanyID fills the enterprise companyId of every created user.
	CompanyID string
	// Directory, when set, resolves existing users to their ids offline:
	// their operations get UUID paths, references get "value" UUIDs, and a
	// user it lists is updated, not created.
	Directory *Directory
	// MaxOps and MaxBytes bound each request (defaults 100 and 400 KiB,
	// the UPS limits). MaxBytes counts the bytes Encode writes.
	MaxOps   int
	MaxBytes int
	// Replace sends existing users a full replacement (PUT of the whole
	// user) instead of a PATCH. Attributes the input does not give are
	// then reset by the server.
	Replace bool
	// FailOnErrors, when set, is written as the failOnErrors of every
	// request. Unset, the server processes every operation.
	FailOnErrors *int
	// Indent writes requests indented by two spaces instead of compact.
	Indent bool
	// Workers bounds the goroutines building and encoding operations;
	// 0 means GOMAXPROCS.
	Workers int
	// NewCheck, when set, is called once for each of Build's worker
	// goroutines; the check it returns is called for every operation that
	// worker encodes, once it is encoded, with the operation (Method,
	// BulkID, Path, Employee, Phase and Kind set), its data: the PatchOp or
	// User tree the encoding is made of, and the data's encoding (nil
	// without data), as written in the request (compact, or indented at
	// its depth with Indent). Objects in the tree have the methods Len,
	// KeyAt, ValueAt, Lookup, Members and StableMembers (their keys are
	// strings that never change) and arrays Len, Index and Elements
	// (schemas.Object, Members and StableMembers, schemas.Array and
	// Elements);
	// other values are string, *string, bool,
	// json.Number and nil. The tree is read-only and valid only during the
	// call (its nodes are reused for the next user), and so is the
	// encoding. members, when not empty, holds where the value of each
	// member of the data's root object is within dataJSON: its start and
	// end, two offsets per member in the order of Members (it is empty
	// when a template wrote the data whole, or the data is no object).
	// Each worker calls its own check, so a check may keep state of its
	// own without a lock (a schemas.Session); the checks of different
	// workers run concurrently. done, when not nil, is called once the
	// workers have ended. What check returns is kept as
	// Operation.Flagged (e.g. "has findings") and changes nothing else:
	// the output is the same with or without NewCheck.
	NewCheck func() (check func(op *Operation, data any, dataJSON []byte, members []int32) bool, done func())
	// Slabs, when set, is where Build takes the arrays it encodes the
	// operations into; Plan.Release gives them back once the plan is
	// no longer used.
	Slabs *Slabs
	// Builders, when set, lends Build's workers builders that built
	// earlier plans, and takes them back once this one is built: they
	// keep what they learned (Builders).
	Builders *Builders
	// Requires lists extensions a full User body (a POST, or a PUT with
	// Replace) may only carry with certain of their attributes: the
	// schema check of such a body finds the attribute missing. Build
	// leaves an extension that lacks one out of the body, as it leaves out
	// those of model.ChangeSet.LeaveOut (its values, and a new user's
	// references into it, are not sent), and lists it in Plan.LeftOut, so
	// that the caller records why (mapping.Engine.LeaveOut) without
	// planning again. The core and enterprise schemas are never left out:
	// a user cannot be created without them.
	Requires []Requirement
	// Reuse, when set, offers Build the operations of an earlier plan of
	// the same options: for each change set sets[i] for which Same(i)
	// returns the index j of an equal one among the sets of From's Build
	// (model.ChangeSet.Same), Build takes the operations From built for it
	// (flagged as NewCheck's check found them then) instead of building
	// and checking them again. Build ignores it when the sets rename other
	// employees than From's did. The new plan takes From's slabs: From
	// must not be released, nor used once the new plan is.
	Reuse *Reuse
}

// Reuse is Options.Reuse. Same is called from Build's workers at once.
type Reuse struct {
	From *Plan
	Same func(i int) (j int, ok bool)
}

// Requirement is an extension schema and the attributes a full User body
// must carry with it (Options.Requires).
type Requirement struct {
	URN   string
	Attrs []string
}

// LeftOut is an extension Build left out of a full User body because the
// body lacks attributes UPS requires with it (Options.Requires).
type LeftOut struct {
	Set      int    // the index of the change set in Build's sets
	Employee string // its Employee ID
	URN      string
	Missing  []string // in the order of Requirement.Attrs
}

// buildBlock is how many change sets a worker of Build takes at a time:
// small, so that the workers end a plan of a partition (about a thousand
// users) at nearly the same time, the last block being the only work
// left to one of them.
const buildBlock = 32

// Recorded are the options that shape a plan's operations, as convert
// records them in report.json, so that submit rebuilds the same
// operations once it knows who exists in the target.
type Recorded struct {
	CompanyID    string `json:"companyId,omitempty"`
	Replace      bool   `json:"replace,omitempty"`
	FailOnErrors *int   `json:"failOnErrors,omitempty"`
	MaxOps       int    `json:"maxOps,omitempty"`
	MaxBytes     int    `json:"maxBytes,omitempty"`
	Strict       bool   `json:"strict,omitempty"`
	// DateOrder is how convert read slash dates: month-first or
	// day-first (empty in reports of versions before the option: month-first).
	DateOrder string `json:"dateOrder,omitempty"`
}

// OpKind says what an operation does.
type OpKind string

// Operation kinds.
const (
	KindRename  OpKind = "rename"  // phase 0 PATCH
	KindCreate  OpKind = "create"  // phase 1 POST
	KindUpdate  OpKind = "update"  // phase 1 PATCH
	KindReplace OpKind = "replace" // phase 1 PUT (Options.Replace)
	KindRefs    OpKind = "refs"    // phase 2 PATCH
)

// Operation is one bulk operation of a plan. Its data is not kept: Build
// encodes it and Data rebuilds it on demand.
type Operation struct {
	Method   string // POST, PATCH or PUT
	BulkID   string // POST only: "emp-<id>"
	Path     string // "/Users", "/Users/bulkId:emp-<id>" or "/Users/<uuid>"
	Employee string // Employee ID the operation is about (after renames; the old ID for a rename)
	Phase    int
	Kind     OpKind

	flagged bool      // what Options.NewCheck's check returned
	encLen  int32     // size of the encoded operation (compact or indented at depth 2)
	encPtr  *byte     // its first byte: not a slice, 16 bytes less per operation of a plan
	data    any       // set in rebuilds only
	lazy    *userLazy // how to rebuild data and lineage
	tracked *lineage  // set by lineage rebuilds only
}

// Data returns the operation's data (the User for POST and PUT, the PatchOp
// for PATCH), made of map[string]any, []any, string, bool and json.Number
// only, with the content that was encoded. Each call builds a fresh tree
// the caller owns.
func (o *Operation) Data() any {
	if o.data != nil {
		return toAny(o.data)
	}
	if o.lazy == nil {
		return nil
	}
	return o.lazy.rebuildData(o.Phase)
}

// BulkOperation returns the operation with a fresh copy of its data.
func (o *Operation) BulkOperation() scim.BulkOperation {
	return scim.BulkOperation{Method: o.Method, BulkID: o.BulkID, Path: o.Path, Data: o.Data()}
}

// Flagged reports what Options.NewCheck's check returned for the
// operation (false without NewCheck).
func (o *Operation) Flagged() bool { return o.flagged }

// Encoded returns the encoded operation as it appears in the request
// (indented for depth 2 when Options.Indent is set). It must not be
// modified.
func (o *Operation) Encoded() []byte {
	if o.encPtr == nil {
		return nil
	}
	return unsafe.Slice(o.encPtr, o.encLen)
}

// setEncoded makes enc the encoded operation.
func (o *Operation) setEncoded(enc []byte) {
	if len(enc) == 0 {
		o.encPtr, o.encLen = nil, 0
		return
	}
	o.encPtr, o.encLen = &enc[0], int32(len(enc))
}

// Size is the encoded size of the operation in bytes.
func (o *Operation) Size() int { return int(o.encLen) }

// Request is one Bulk request of a plan: operations of one phase.
type Request struct {
	Seq          int // 1-based position in the plan (bulk-0001.json is Seq 1)
	Phase        int
	FailOnErrors *int
	Operations   []*Operation
	indent       bool
	size         int
}

// Size is the number of bytes Encode writes for the request.
func (r *Request) Size() int { return r.size }

// Body returns the request as a scim.BulkRequest, with fresh copies of
// the operations' data.
func (r *Request) Body() *scim.BulkRequest {
	b := &scim.BulkRequest{Schemas: []string{schemaBulkRequest}, FailOnErrors: r.FailOnErrors,
		Operations: make([]scim.BulkOperation, len(r.Operations))}
	for i, op := range r.Operations {
		b.Operations[i] = op.BulkOperation()
	}
	return b
}

// Tree returns the request as a generic JSON value (map[string]any, []any,
// string, bool, json.Number), for validators; each call builds fresh data.
// A JSON pointer into it is a pointer into the encoded request.
func (r *Request) Tree() map[string]any {
	ops := make([]any, len(r.Operations))
	for i, op := range r.Operations {
		m := map[string]any{"method": op.Method}
		if op.BulkID != "" {
			m["bulkId"] = op.BulkID
		}
		if op.Path != "" {
			m["path"] = op.Path
		}
		if d := op.Data(); d != nil {
			m["data"] = d
		}
		ops[i] = m
	}
	t := map[string]any{"schemas": []any{schemaBulkRequest}, "Operations": ops}
	if r.FailOnErrors != nil {
		t["failOnErrors"] = jsonInt(*r.FailOnErrors)
	}
	return t
}

// Bytes returns the encoded request (what Encode writes, without the final
// newline).
func (r *Request) Bytes() []byte {
	return r.appendTo(make([]byte, 0, r.size))
}

func (r *Request) appendTo(dst []byte) []byte {
	dst = requestHead(dst, r.FailOnErrors, r.indent)
	for i, op := range r.Operations {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = newline(dst, r.indent, 2)
		dst = append(dst, op.Encoded()...)
	}
	return requestTail(dst, r.indent)
}

// MarshalJSON returns the encoded request.
func (r *Request) MarshalJSON() ([]byte, error) { return r.Bytes(), nil }

var bufPool = sync.Pool{New: func() any { return new([]byte) }}

// Encode writes the encoded request followed by a newline, in one Write.
func (r *Request) Encode(w io.Writer) error {
	bp := bufPool.Get().(*[]byte)
	b := append(r.appendTo((*bp)[:0]), '\n')
	_, err := w.Write(b)
	*bp = b
	bufPool.Put(bp)
	return err
}

// SourceAt resolves a JSON pointer into the request body
// ("/Operations/3/data/name/givenName") to the input value that produced
// it, by longest prefix; pointers to an operation but outside its data
// resolve to the record that introduced the employee.
func (r *Request) SourceAt(pointer string) (src model.Source, row string, ok bool) {
	rest, found := strings.CutPrefix(pointer, "/Operations/")
	if !found {
		return model.Source{}, "", false
	}
	idx, rest, _ := strings.Cut(rest, "/")
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 || n >= len(r.Operations) {
		return model.Source{}, "", false
	}
	rel := ""
	if rest == "data" || strings.HasPrefix(rest, "data/") {
		rel = rest[len("data"):]
	}
	return r.Operations[n].SourceAt(rel)
}

// Plan is the phased list of Bulk requests for a set of change sets.
type Plan struct {
	Requests []*Request
	Stats    Stats
	// Warnings are about values the plan dropped or could not resolve.
	Warnings []model.Diagnostic
	// WarningSets holds, for each of Warnings, the index in Build's sets
	// of the change set it is about.
	WarningSets []int
	// Rejected lists the employees left out of the plan, with the reason.
	Rejected []*UserError
	// LeftOut lists the extensions left out of full User bodies for
	// lacking an attribute (Options.Requires), in the order of the sets.
	LeftOut []LeftOut

	slabs *planSlabs // with Options.Slabs: what Release gives back
	// results are what each change set of Build's sets gave, and renamed
	// the renames among them: what a later Build may reuse (Options.Reuse).
	results []userResult
	renamed map[string]string
}

// SourceAt resolves a JSON pointer into the body of Requests[req] (0-based)
// to the input value that produced it (see Request.SourceAt).
func (p *Plan) SourceAt(req int, pointer string) (model.Source, bool) {
	if req < 0 || req >= len(p.Requests) {
		return model.Source{}, false
	}
	s, _, ok := p.Requests[req].SourceAt(pointer)
	return s, ok
}

// Stats counts what a plan does.
type Stats struct {
	UsersCreated     int            `json:"usersCreated"`     // POSTs
	UsersUpdated     int            `json:"usersUpdated"`     // existing users with a phase 1 or 2 operation
	Renames          int            `json:"renames"`          // phase 0 operations
	Operations       [numPhases]int `json:"operations"`       // per phase
	Requests         int            `json:"requests"`         // all phases
	RequestsPerPhase [numPhases]int `json:"requestsPerPhase"` // per phase
	Bytes            int64          `json:"bytes"`            // sum of request sizes
}

// userResult is what one change set contributes to a plan.
type userResult struct {
	ops      [numPhases]*Operation
	created  bool
	existing bool
	warns    []model.Diagnostic
	leftOut  []LeftOut
	err      error
}

// Build turns change sets into phased Bulk requests: phase 0 renames, phase
// 1 creates and updates, phase 2 references between users. Operations keep
// the order of sets within a phase; a request holds operations of one phase
// only, at most MaxOps of them and at most MaxBytes encoded. Output is the
// same for the same input and options.
func Build(sets []*model.ChangeSet, opts Options) (*Plan, error) {
	if opts.MaxOps <= 0 {
		opts.MaxOps = DefaultMaxOps
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	seen := make(map[string]int, len(sets))
	renamed := make(map[string]string)
	for i, cs := range sets {
		if cs == nil {
			return nil, fmt.Errorf("plan: change set %d is nil", i)
		}
		if cs.EmployeeID == "" {
			return nil, fmt.Errorf("plan: %s: change set without an employee ID", FirstPos(cs))
		}
		if j, dup := seen[cs.EmployeeID]; dup {
			return nil, fmt.Errorf("plan: %s: employee %q has two change sets (the other starts at %s)", FirstPos(cs), cs.EmployeeID, FirstPos(sets[j]))
		}
		seen[cs.EmployeeID] = i
		if cs.Rename != nil && cs.Rename.From != "" && cs.Rename.From != cs.EmployeeID {
			renamed[cs.EmployeeID] = cs.Rename.From
		}
	}

	results := make([]userResult, len(sets))
	reuse := opts.Reuse
	if reuse != nil && !maps.Equal(renamed, reuse.From.renamed) {
		reuse = nil
	}
	// The lineage and data rebuilds of this plan's operations reuse
	// builders (their parsed paths, their arenas): one rebuild per
	// operation with findings must not parse every path again.
	rebuilders := new(sync.Pool)
	var (
		mu       sync.Mutex
		builders []*builder
	)
	_ = pool.Run(context.Background(), len(sets), pool.Options{Workers: opts.Workers, Block: buildBlock}, func() func(context.Context, int, int) error {
		b := opts.Builders.take(&opts, renamed)
		b.rebuilders = rebuilders
		if opts.NewCheck != nil {
			b.check, b.checkDone = opts.NewCheck()
		}
		mu.Lock()
		builders = append(builders, b)
		mu.Unlock()
		return func(_ context.Context, lo, hi int) error {
			for i := lo; i < hi; i++ {
				if reuse != nil {
					if j, ok := reuse.Same(i); ok && j >= 0 && j < len(reuse.From.results) {
						results[i] = reuse.From.results[j]
						continue
					}
				}
				results[i] = b.user(sets[i])
			}
			return nil
		}
	})

	for _, b := range builders {
		if b.checkDone != nil {
			b.checkDone()
		}
	}
	p, err := assemble(sets, opts, results, builders)
	if p != nil {
		p.renamed = renamed
		if opts.Reuse != nil && opts.Reuse.From.slabs != nil && p.slabs != nil {
			p.slabs.used = append(p.slabs.used, opts.Reuse.From.slabs.used...)
			opts.Reuse.From.slabs = nil
		}
	}
	for _, b := range builders {
		opts.Builders.give(b)
	}
	return p, err
}

// assemble makes the plan of what Build's workers built.
func assemble(sets []*model.ChangeSet, opts Options, results []userResult, builders []*builder) (*Plan, error) {
	p := &Plan{}
	if opts.Slabs != nil {
		p.slabs = &planSlabs{from: opts.Slabs}
		for _, b := range builders {
			p.slabs.used = append(p.slabs.used, b.slabs...)
		}
	}
	frame := frameSize(opts.FailOnErrors, opts.Indent)
	for i := range results {
		res := &results[i]
		for _, op := range res.ops {
			if res.err == nil && op != nil && frame+opCost(op, opts.Indent, true) > opts.MaxBytes {
				res.err = &UserError{Source: recordSource(sets[i]), Employee: op.Employee,
					Err: fmt.Errorf("%s operation is %d bytes, a request holds at most %d", op.Kind, op.Size(), opts.MaxBytes)}
			}
		}
		if res.err == nil {
			continue
		}
		var ue *UserError
		if !errors.As(res.err, &ue) {
			return nil, res.err
		}
		p.Rejected = append(p.Rejected, ue)
		*res = userResult{err: res.err}
	}
	p.results = results
	pk := NewPacker(opts)
	var cur *Request
	for phase := range numPhases {
		for i := range results {
			res := &results[i]
			op := res.ops[phase]
			if op == nil {
				continue
			}
			p.Stats.Operations[phase]++
			if seq, index := pk.Add(phase, op.Size()); index == 0 {
				cur = &Request{Seq: seq, Phase: phase, FailOnErrors: opts.FailOnErrors, indent: opts.Indent}
				p.Requests = append(p.Requests, cur)
				p.Stats.RequestsPerPhase[phase]++
			}
			cur.size = pk.Size()
			cur.Operations = append(cur.Operations, op)
		}
	}
	for i := range results {
		res := &results[i]
		if res.created {
			p.Stats.UsersCreated++
		} else if res.existing && (res.ops[PhaseIdentity] != nil || res.ops[PhaseRefs] != nil) {
			p.Stats.UsersUpdated++
		}
		if res.ops[PhaseRename] != nil {
			p.Stats.Renames++
		}
		p.Warnings = append(p.Warnings, res.warns...)
		for range res.warns {
			p.WarningSets = append(p.WarningSets, i)
		}
		for _, lo := range res.leftOut {
			lo.Set = i
			p.LeftOut = append(p.LeftOut, lo)
		}
	}
	p.Stats.Requests = len(p.Requests)
	for _, r := range p.Requests {
		p.Stats.Bytes += int64(r.size)
	}
	return p, nil
}

// frameSize is the size of a request without operations, final newline
// included.
func frameSize(failOnErrors *int, indent bool) int {
	var buf [256]byte
	b := requestHead(buf[:0], failOnErrors, indent)
	b = requestTail(b, indent)
	return len(b) + 1
}

// opCost is what adding op to a request adds to its size.
func opCost(op *Operation, indent, first bool) int {
	n := int(op.encLen)
	if !first {
		n++ // comma
	}
	if indent {
		n += 5 // newline and two levels of indentation
	}
	return n
}

// FirstPos is where a change set starts, for messages: its rename's
// position, else its first record's, else its employee.
func FirstPos(cs *model.ChangeSet) string {
	if cs.Rename != nil && cs.Rename.Source.File != "" {
		return cs.Rename.Source.Pos().String()
	}
	if len(cs.Records) > 0 {
		return cs.Records[0].String()
	}
	return "employee " + cs.EmployeeID
}
