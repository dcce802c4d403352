package report

import (
	"io"
	"os"
	"strconv"

	planfmt "github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// The plan as the report reads it: one planLine per employee. planLines
// below reads plan.jsonl through package lineage, the one reader of its
// format (planLineOf converts the
// change sets and operation refs another reader returns).

// source is a value's input field.
type source struct {
	File  string
	Line  int
	Field string
	Name  string
}

func (s source) String() string {
	return model.Source{File: s.File, Line: s.Line, Field: s.Field, Name: s.Name}.String()
}

// planAttr is one value of a change set: Value is rendered for reading
// (strings as they are, members as "add X" or "remove X").
type planAttr struct {
	Schema string
	Path   string
	Value  string
	Source source
	Row    string
}

// planRef is a reference to another employee (phase 2).
type planRef struct {
	Kind    string
	Schema  string
	Path    string
	Primary int8 // 0 not given, 1 primary, 2 secondary
	Target  string
	Attrs   []planAttr
	Source  source
	Row     string
}

// planRename is a 320 rename folded into the change set.
type planRename struct {
	From          string
	NewEmployeeID string
	NewLogin      string
	Source        source
}

// opRef says where an operation of the employee landed.
type opRef struct {
	Bulk   string
	Index  int
	Phase  int
	Method string
	Path   string
}

// planLine is one employee's change set with the operations it became.
type planLine struct {
	EmployeeID string
	Creates    bool
	LeaveOut   []string // extension URNs left out of the new user
	Rename     *planRename
	Attrs      []planAttr
	Refs       []planRef
	Records    []model.Position
	Operations []opRef

	rename  planRename           // storage for Rename
	members map[memberKey]string // memberValue's memo, kept from line to line
}

// planLineOf converts a change set and its operations to a planLine.
func planLineOf(cs *model.ChangeSet, ops []opRef) *planLine {
	pl := &planLine{}
	pl.set(cs, ops)
	return pl
}

// set makes pl the planLine of a change set and its operations, reusing
// pl's slices: a walk converts every line of the plan into one planLine.
func (pl *planLine) set(cs *model.ChangeSet, ops []opRef) {
	*pl = planLine{EmployeeID: cs.EmployeeID, Creates: cs.Creates, LeaveOut: cs.LeaveOut,
		Records: cs.Records, Operations: ops, Attrs: pl.Attrs[:0], Refs: pl.Refs[:0], members: pl.members}
	if r := cs.Rename; r != nil {
		pl.rename = planRename{From: r.From, NewEmployeeID: r.NewEmployeeID, NewLogin: r.NewLogin, Source: sourceOf(r.Source)}
		pl.Rename = &pl.rename
	}
	for i := range cs.Attrs {
		pl.Attrs = append(pl.Attrs, pl.attrOf(&cs.Attrs[i]))
	}
	for i := range cs.Refs {
		r := &cs.Refs[i]
		var attrs []planAttr
		if n := len(pl.Refs); n < cap(pl.Refs) {
			attrs = pl.Refs[:n+1][n].Attrs[:0]
		}
		pr := planRef{Kind: string(r.Kind), Schema: r.Schema, Path: r.Path, Target: r.Target, Source: sourceOf(r.Source()), Row: r.Row(), Attrs: attrs}
		if r.Primary != nil {
			pr.Primary = 2
			if *r.Primary {
				pr.Primary = 1
			}
		}
		for j := range r.Attrs {
			pr.Attrs = append(pr.Attrs, pl.attrOf(&r.Attrs[j]))
		}
		pl.Refs = append(pl.Refs, pr)
	}
}

// attrOf is the planAttr of a.
func (pl *planLine) attrOf(a *model.Attr) planAttr {
	pa := planAttr{Schema: a.Site.Schema, Path: a.Site.Path, Source: sourceOf(a.Source()), Row: a.Site.Row}
	switch {
	case a.Site.Kind == model.AttrMember:
		pa.Value = pl.memberValue(a.Bool, a.Member())
	case a.Type == model.BoolValue:
		pa.Value = strconv.FormatBool(a.Bool)
	case a.Type == model.StringValue:
		pa.Value = a.Str
	default:
		pa.Value = "null"
	}
	return pa
}

// memberValue is "add member" (add) or "remove member", made once per
// member for the lines pl is set to: roles and entitlements are few, and
// their values many.
func (pl *planLine) memberValue(add bool, member string) string {
	key := memberKey{add, member}
	if v, ok := pl.members[key]; ok {
		return v
	}
	v := "add " + member
	if !add {
		v = "remove " + member
	}
	if pl.members == nil || len(pl.members) >= maxMemberValues {
		pl.members = make(map[memberKey]string)
	}
	// The member may be a substring of the plan's line: the memo keeps
	// its own copy, not the line.
	key.member = v[len(v)-len(member):]
	pl.members[key] = v
	return v
}

type memberKey struct {
	add    bool
	member string
}

// maxMemberValues bounds memberValue's memo.
const maxMemberValues = 1024

func sourceOf(s model.Source) source {
	return source{File: s.File, Line: s.Line, Field: s.Field, Name: s.Name}
}

// planLines streams the plan at path (package lineage's format), calling
// fn with every change set in file order and its line number; pl is valid
// until fn returns. When tee is not nil it receives every byte read. The
// plan is read and parsed on a goroutine of its own, up to planAhead
// lines ahead of fn (below 1: on the caller's, as tests compare); tee is
// written on that goroutine, and done with when planLines returns.
func planLines(path string, tee io.Writer, fn func(pl *planLine, n int) error) error {
	if planAhead < 1 {
		var pl aheadLine
		return readPlan(path, tee, func(l *planfmt.Line) error {
			pl.set(l)
			return fn(&pl.pl, l.N)
		})
	}
	return runAhead(planAhead, func(get func() (*aheadLine, error), put func(*aheadLine) error) error {
		return readPlan(path, tee, func(l *planfmt.Line) error {
			a, err := get()
			if err != nil {
				return err
			}
			a.set(l)
			return put(a)
		})
	}, func(a *aheadLine) error { return fn(&a.pl, a.n) })
}

// planAhead is how many plan lines planLines reads ahead of its caller.
var planAhead = 16

// aheadLine is a plan line with the storage of its operations.
type aheadLine struct {
	pl  planLine
	ops []opRef
	n   int
}

// set makes a the planLine of l.
func (a *aheadLine) set(l *planfmt.Line) {
	a.ops = a.ops[:0]
	for _, o := range l.Operations {
		a.ops = append(a.ops, opRef{Bulk: o.Bulk, Index: o.Index, Phase: o.Phase, Method: o.Method, Path: o.Path})
	}
	a.pl.set(l.ChangeSet, a.ops)
	a.n = l.N
}

// readPlan calls fn with every line of the plan at path, in order; l is
// valid until fn returns.
func readPlan(path string, tee io.Writer, fn func(l *planfmt.Line) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var in io.Reader = f
	if tee != nil {
		in = io.TeeReader(f, tee)
	}
	r := planfmt.NewReader(in)
	r.File = path
	r.Shared = true // set copies what it keeps of a line
	for {
		l, err := r.Next()
		if err == io.EOF {
			if tee != nil {
				_, err = io.Copy(io.Discard, in) // the hash covers the whole file
				return err
			}
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
	}
}
