package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// The plan as the report reads it: one planLine per employee. planLines
// and decodePlanLine below are the only code that knows the format of
// plan.jsonl; a new plan format replaces them (planLineOf converts the
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

	rename planRename // storage for Rename
}

// planLineOf converts a change set and its operations to a planLine.
func planLineOf(cs *model.ChangeSet, ops []opRef) *planLine {
	pl := &planLine{EmployeeID: cs.EmployeeID, Creates: cs.Creates, LeaveOut: cs.LeaveOut,
		Records: cs.Records, Operations: ops}
	if r := cs.Rename; r != nil {
		pl.rename = planRename{From: r.From, NewEmployeeID: r.NewEmployeeID, NewLogin: r.NewLogin, Source: sourceOf(r.Source)}
		pl.Rename = &pl.rename
	}
	attr := func(a *model.Attr) planAttr {
		pa := planAttr{Schema: a.Site.Schema, Path: a.Site.Path, Source: sourceOf(a.Source()), Row: a.Site.Row}
		switch {
		case a.Site.Kind == model.AttrMember && a.Bool:
			pa.Value = "add " + a.Member()
		case a.Site.Kind == model.AttrMember:
			pa.Value = "remove " + a.Member()
		case a.Type == model.BoolValue:
			pa.Value = strconv.FormatBool(a.Bool)
		case a.Type == model.StringValue:
			pa.Value = a.Str
		default:
			pa.Value = "null"
		}
		return pa
	}
	for i := range cs.Attrs {
		pl.Attrs = append(pl.Attrs, attr(&cs.Attrs[i]))
	}
	for i := range cs.Refs {
		r := &cs.Refs[i]
		pr := planRef{Kind: string(r.Kind), Schema: r.Schema, Path: r.Path, Target: r.Target, Source: sourceOf(r.Source()), Row: r.Row()}
		if r.Primary != nil {
			pr.Primary = 2
			if *r.Primary {
				pr.Primary = 1
			}
		}
		for j := range r.Attrs {
			pr.Attrs = append(pr.Attrs, attr(&r.Attrs[j]))
		}
		pl.Refs = append(pl.Refs, pr)
	}
	return pl
}

func sourceOf(s model.Source) source {
	return source{File: s.File, Line: s.Line, Field: s.Field, Name: s.Name}
}

// lineDecoder decodes plan.jsonl lines; it is not safe for concurrent use.
type lineDecoder struct {
	s    scanner
	in   *interner
	cbuf bytes.Buffer // compacted non-string values
}

func newLineDecoder() *lineDecoder { return &lineDecoder{in: newInterner()} }

// text is a value string: copied, never interned, valid UTF-8.
func text(b []byte) string {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			if !utf8.Valid(b) {
				return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
			}
			break
		}
	}
	return string(b)
}

// decodePlanLine decodes one line of plan.jsonl into pl, which it resets.
func (d *lineDecoder) decodePlanLine(raw []byte, pl *planLine) error {
	*pl = planLine{LeaveOut: pl.LeaveOut[:0], Attrs: pl.Attrs[:0], Refs: pl.Refs[:0], Records: pl.Records[:0],
		Operations: pl.Operations[:0]}
	s := &d.s
	s.reset(raw)
	s.object(func(k []byte) {
		switch string(k) {
		case "employeeId":
			pl.EmployeeID = text(s.str())
		case "creates":
			pl.Creates = s.boolean()
		case "leaveOut":
			s.array(func() { pl.LeaveOut = append(pl.LeaveOut, d.in.get(s.str())) })
		case "rename":
			if s.null() {
				return
			}
			r := &pl.rename
			s.object(func(k []byte) {
				switch string(k) {
				case "from":
					r.From = text(s.str())
				case "newEmployeeId":
					r.NewEmployeeID = text(s.str())
				case "newLogin":
					r.NewLogin = text(s.str())
				case "source":
					r.Source = d.source()
				default:
					s.skip()
				}
			})
			pl.Rename = r
		case "attrs":
			s.array(func() { pl.Attrs = append(pl.Attrs, d.attr()) })
		case "refs":
			s.array(func() { pl.Refs = append(pl.Refs, d.ref()) })
		case "records":
			s.array(func() {
				var p model.Position
				s.object(func(k []byte) {
					switch string(k) {
					case "file", "File":
						p.File = d.in.get(s.str())
					case "line", "Line":
						p.Line = s.integer()
					default:
						s.skip()
					}
				})
				pl.Records = append(pl.Records, p)
			})
		case "operations":
			s.array(func() {
				var o opRef
				s.object(func(k []byte) {
					switch string(k) {
					case "bulk":
						o.Bulk = d.in.get(s.str())
					case "index":
						o.Index = s.integer()
					case "phase":
						o.Phase = s.integer()
					case "method":
						o.Method = d.in.get(s.str())
					case "path":
						o.Path = text(s.str())
					default:
						s.skip()
					}
				})
				pl.Operations = append(pl.Operations, o)
			})
		default:
			s.skip()
		}
	})
	s.end()
	if s.err != nil {
		return s.err
	}
	if pl.EmployeeID == "" {
		return fmt.Errorf("no employeeId")
	}
	return nil
}

func (d *lineDecoder) source() source {
	var src source
	s := &d.s
	s.object(func(k []byte) {
		switch string(k) {
		case "file":
			src.File = d.in.get(s.str())
		case "line":
			src.Line = s.integer()
		case "field":
			src.Field = d.in.get(s.str())
		case "name":
			src.Name = d.in.get(s.str())
		default:
			s.skip()
		}
	})
	return src
}

// attr decodes an attribute: kind is the number of model.AttrMember or a
// name containing "member"; value any JSON.
func (d *lineDecoder) attr() planAttr {
	var a planAttr
	var member, present bool
	var memberName string
	var value []byte
	var isString bool
	s := &d.s
	s.object(func(k []byte) {
		switch string(k) {
		case "schema":
			a.Schema = d.in.get(s.str())
		case "path":
			a.Path = d.in.get(s.str())
		case "kind":
			if s.peek() == '"' {
				member = bytes.Contains(bytes.ToLower(s.str()), []byte("member"))
			} else {
				n, err := strconv.Atoi(string(s.raw()))
				member = err == nil && model.AttrKind(n) == model.AttrMember
			}
		case "value":
			if s.peek() == '"' {
				a.Value, isString = text(s.str()), true
			} else {
				value = s.raw()
			}
		case "member":
			memberName = text(s.str())
		case "present":
			present = s.boolean()
		case "source":
			a.Source = d.source()
		case "row":
			a.Row = d.in.get(s.str())
		default:
			s.skip()
		}
	})
	switch {
	case member && memberName == "" && isString:
		memberName = a.Value
		fallthrough
	case member:
		if present {
			a.Value = "add " + memberName
		} else {
			a.Value = "remove " + memberName
		}
	case !isString && value != nil && string(value) != "null":
		if bytes.IndexAny(value, " \t\r\n") < 0 {
			a.Value = d.in.get(value) // true, false, a number
			break
		}
		d.cbuf.Reset()
		if json.Compact(&d.cbuf, value) == nil {
			a.Value = d.in.get(d.cbuf.Bytes())
		} else {
			a.Value = string(value)
		}
	}
	return a
}

func (d *lineDecoder) ref() planRef {
	var r planRef
	s := &d.s
	s.object(func(k []byte) {
		switch string(k) {
		case "kind":
			r.Kind = d.in.get(s.str())
		case "schema":
			r.Schema = d.in.get(s.str())
		case "path":
			r.Path = d.in.get(s.str())
		case "primary":
			if !s.null() {
				r.Primary = 2
				if s.boolean() {
					r.Primary = 1
				}
			}
		case "target":
			r.Target = text(s.str())
		case "attrs":
			s.array(func() { r.Attrs = append(r.Attrs, d.attr()) })
		case "source":
			r.Source = d.source()
		case "row":
			r.Row = d.in.get(s.str())
		default:
			s.skip()
		}
	})
	return r
}

// planBatch is a run of plan.jsonl lines, decoded by a worker. Batches
// are recycled, so the lines' slices keep their capacity.
type planBatch struct {
	first int    // line number of the first line
	data  []byte // the lines
	ends  []int  // the end of each line in data
	pls   []planLine
	err   error // the first decoding error, at line errAt
	errAt int
	done  chan struct{}
}

// A batch holds up to planBatchLines lines, or planBatchBytes bytes.
const (
	planBatchLines = 256
	planBatchBytes = 1 << 20
)

var decoders = sync.Pool{New: func() any { return newLineDecoder() }}

func (b *planBatch) decode(path string) {
	defer close(b.done)
	d := decoders.Get().(*lineDecoder)
	defer decoders.Put(d)
	if cap(b.pls) < len(b.ends) {
		b.pls = append(b.pls[:cap(b.pls)], make([]planLine, len(b.ends)-cap(b.pls))...)
	}
	b.pls = b.pls[:len(b.ends)]
	start := 0
	for k, end := range b.ends {
		raw := b.data[start:end]
		start = end
		if len(bytes.TrimSpace(raw)) == 0 {
			b.pls[k].EmployeeID = ""
			continue
		}
		if err := d.decodePlanLine(raw, &b.pls[k]); err != nil {
			n := b.first + k
			b.err, b.errAt = fmt.Errorf("%s:%d: %w", path, n, err), n
			return
		}
	}
}

// planLines streams the plan at path, calling fn with every change set in
// file order and its line number; pl is valid until fn returns. When tee is
// not nil it receives every byte read. Lines are read on one goroutine and
// decoded on all cores; at most a few batches are in memory.
func planLines(path string, tee io.Writer, fn func(pl *planLine, n int) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	workers := runtime.GOMAXPROCS(0)
	order := make(chan *planBatch, 2*workers)
	// A fixed set of batches goes round: the reader takes a free one, the
	// consumer gives it back, so their buffers are allocated once.
	free := make(chan *planBatch, 2*workers+2)
	for i := 0; i < cap(free); i++ {
		free <- &planBatch{}
	}
	stop := make(chan struct{})
	readErr := make(chan error, 1)
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		for b := range order { // let the reader finish
			<-b.done
		}
		wg.Wait()
	}()
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		var in io.Reader = f
		if tee != nil {
			in = io.TeeReader(f, tee)
		}
		br := bufio.NewReaderSize(in, 1<<20)
		next := func(first int) *planBatch {
			var b *planBatch
			select {
			case b = <-free:
			case <-stop:
				return nil
			}
			b.first, b.data, b.ends, b.err, b.errAt, b.done = first, b.data[:0], b.ends[:0], nil, 0, make(chan struct{})
			return b
		}
		b := next(1)
		if b == nil {
			return
		}
		send := func() bool {
			select {
			case order <- b:
			case <-stop:
				return false
			}
			wg.Add(1)
			go func(b *planBatch) { defer wg.Done(); b.decode(path) }(b)
			return true
		}
		for n := 1; ; n++ {
			var rerr error
			for {
				var line []byte
				line, rerr = br.ReadSlice('\n')
				b.data = append(b.data, line...)
				if rerr != bufio.ErrBufferFull {
					break
				}
			}
			if rerr != nil && rerr != io.EOF {
				readErr <- fmt.Errorf("%s:%d: %w", path, n, rerr)
				return
			}
			if len(b.data) > 0 && (len(b.ends) == 0 || b.ends[len(b.ends)-1] < len(b.data)) {
				b.ends = append(b.ends, len(b.data))
			}
			if rerr == io.EOF {
				if len(b.ends) > 0 {
					send()
				}
				return
			}
			if len(b.ends) == planBatchLines || len(b.data) >= planBatchBytes {
				if !send() {
					return
				}
				if b = next(n + 1); b == nil {
					return
				}
			}
		}
	}()
	for b := range order {
		<-b.done
		for k := range b.pls {
			n := b.first + k
			if b.err != nil && n == b.errAt {
				return b.err
			}
			pl := &b.pls[k]
			if pl.EmployeeID == "" {
				continue // a blank line
			}
			if err := fn(pl, n); err != nil {
				return err
			}
		}
		free <- b
	}
	select {
	case err := <-readErr:
		return err
	default:
		return nil
	}
}
