package lineage

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Reader reads a plan one employee at a time, keeping only the
// dictionary. It is not safe for concurrent use.
type Reader struct {
	// File names the plan in errors; FileName unless set.
	File string
	// Shared, when set, gives each line's Attrs and Refs in the Reader's
	// own arrays, valid until the next call of Next: no copy, for a caller
	// that keeps nothing of a line.
	Shared bool

	br     *bufio.Reader
	long   []byte // a line longer than br's buffer
	n      int    // lines read
	header bool

	files []string
	sites []*model.Site
	refs  []refEntry

	pos     []model.Position
	dflt    int // the position of values that name none ("pos")
	version int // the header's
	// first is the number each phase's requests follow (version 4 on:
	// from the header's "requests"); requests is how many each packs.
	first, requests [Phases]int
	origins         []*model.Origin
	attrs           []model.Attr // the current line's, copied out at its end
	refList         []model.Ref
}

// refEntry is a decoded ref dictionary line.
type refEntry struct {
	kind         model.RefKind
	schema, path string
	primary      *bool
	site         *model.Site // field, name and row
}

// NewReader returns a Reader of the plan r.
func NewReader(r io.Reader) *Reader {
	return &Reader{File: FileName, br: bufio.NewReaderSize(r, 1<<20)}
}

// Next returns the next employee, io.EOF after the last. A file without
// the header, or with another version's, is an error wrapping ErrVersion;
// any other error is an *Error at the line and column.
func (r *Reader) Next() (*Line, error) {
	l, _, err := r.NextIf(nil)
	return l, err
}

// NextIf is Next, but an employee line that keep (when not nil) refuses is
// skipped without being decoded: line is then nil and skipped true. keep
// gets the line's text, valid during the call (RefTargets reads it).
func (r *Reader) NextIf(keep func(text []byte) bool) (line *Line, skipped bool, err error) {
	for {
		text, err := r.readLine()
		if err == io.EOF && !r.header {
			return nil, false, r.errorAt(0, versionError("empty: no format header"))
		}
		if err != nil {
			return nil, false, err
		}
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		if keep != nil && r.header && bytes.HasPrefix(text, []byte(`{"emp":`)) && !keep(text) {
			return nil, true, nil
		}
		p := parser{s: string(text)}
		line, err := r.parse(&p)
		if err != nil {
			return nil, false, err
		}
		if line != nil {
			return line, false, nil
		}
	}
}

// readLine returns the next line without its newline; it is valid until
// the next call.
func (r *Reader) readLine() ([]byte, error) {
	b, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.long = append(r.long[:0], b...)
		for errors.Is(err, bufio.ErrBufferFull) {
			b, err = r.br.ReadSlice('\n')
			r.long = append(r.long, b...)
		}
		b = r.long
	}
	if err != nil && err != io.EOF {
		return nil, &Error{File: r.File, Line: r.n + 1, Err: err}
	}
	if err == io.EOF && len(b) == 0 {
		return nil, io.EOF
	}
	r.n++
	return bytes.TrimSuffix(b, []byte{'\n'}), nil
}

func (r *Reader) errorAt(col int, err error) error {
	return &Error{File: r.File, Line: r.n, Col: col, Err: err}
}

// damaged is the error of a line that does not parse.
func (r *Reader) damaged(p *parser) error {
	return r.errorAt(p.errAt+1, fmt.Errorf("%w (the file is damaged: run 'upsmigrate convert' again)", p.err))
}

// parse reads one line: the employee, or nil for the header or a
// dictionary line.
func (r *Reader) parse(p *parser) (*Line, error) {
	p.expect('{')
	key, keyAt := "", p.i
	if p.peek() != '}' {
		keyAt = p.i
		key = p.str()
		p.expect(':')
	}
	if p.err != nil {
		return nil, r.damaged(p)
	}
	if !r.header {
		if key != "plan" {
			if key == "employeeId" {
				return nil, r.errorAt(0, versionError("written by an older upsmigrate (no format header)"))
			}
			return nil, r.errorAt(0, versionError("no format header"))
		}
		return nil, r.parseHeader(p)
	}
	var line *Line
	switch key {
	case "emp":
		line = r.employee(p)
	case "file":
		r.dictionary(p, len(r.files), func(k string) bool {
			if k != "path" {
				return false
			}
			r.files = append(r.files, p.str())
			return true
		})
	case "site":
		s := new(model.Site)
		r.dictionary(p, len(r.sites), func(k string) bool { return readSiteKey(p, s, k) })
		r.sites = append(r.sites, s)
	case "ref":
		e := refEntry{site: new(model.Site)}
		r.dictionary(p, len(r.refs), func(k string) bool {
			switch k {
			case "kind":
				e.kind = model.RefKind(p.str())
			case "schema":
				e.schema = p.str()
			case "path":
				e.path = p.str()
			case "primary":
				b := p.boolean()
				e.primary = &b
			default:
				return readSiteKey(p, e.site, k)
			}
			return true
		})
		r.refs = append(r.refs, e)
	case "plan":
		p.fail("a second header")
	default:
		p.i = keyAt
		p.fail("unknown line %q: want emp, file, site or ref first", key)
	}
	p.end()
	if p.err != nil {
		return nil, r.damaged(p)
	}
	return line, nil
}

func (r *Reader) parseHeader(p *parser) error {
	format := p.str()
	version := -1
	var requests [Phases]int
	counted := false
	for p.more(1, '}') {
		k := p.str()
		p.expect(':')
		switch k {
		case "version":
			version = p.num()
		case "requests":
			counted = true
			p.expect('[')
			for ph := range requests {
				if ph > 0 {
					p.expect(',')
				}
				if requests[ph] = p.num(); requests[ph] < 0 && p.err == nil {
					p.fail("%d requests in phase %d", requests[ph], ph+1)
				}
			}
			p.expect(']')
		default:
			p.skip()
		}
	}
	p.end()
	switch {
	case p.err != nil:
		return r.damaged(p)
	case format != Format:
		return r.errorAt(0, versionError(fmt.Sprintf("not an upsmigrate plan (format %q)", format)))
	case version == -1:
		return r.errorAt(0, versionError("a format header without a version"))
	case version < OldestVersion || version > Version:
		return r.errorAt(0, versionError("plan format "+strconv.Itoa(version)+", of another upsmigrate"))
	case version >= 4 && !counted:
		return r.errorAt(0, errors.New(`the header has no "requests" (the file is damaged: run 'upsmigrate convert' again)`))
	}
	r.header, r.version = true, version
	r.requests, r.first = requests, firsts(requests)
	return nil
}

// dictionary reads the rest of a dictionary line after its number: have
// entries are defined, so the number must be have+1; fn reads the value
// of each key it knows and reports whether it did.
func (r *Reader) dictionary(p *parser, have int, fn func(key string) bool) {
	at := p.i
	if n := p.num(); p.err == nil && n != have+1 {
		p.i = at
		p.fail("entry %d where %d comes next", n, have+1)
	}
	for p.more(1, '}') {
		k := p.str()
		p.expect(':')
		if p.err == nil && !fn(k) {
			p.skip()
		}
	}
}

// readSiteKey reads the value of key k of a site line into s.
func readSiteKey(p *parser, s *model.Site, k string) bool {
	switch k {
	case "schema":
		s.Schema = p.str()
	case "path":
		s.Path = p.str()
	case "kind":
		s.Kind = model.AttrKind(p.num())
		if s.Kind != model.AttrSet && s.Kind != model.AttrMember {
			p.fail("unknown kind %d", s.Kind)
		}
	case "member":
		s.Member = p.str()
	case "field":
		s.Field = p.str()
	case "name":
		s.Name = p.str()
	case "row":
		s.Row = p.str()
	default:
		return false
	}
	return true
}

// employee reads the rest of an employee line.
func (r *Reader) employee(p *parser) *Line {
	p.ws()
	at := p.i
	// The ID is a copy: callers keep IDs (in maps, for links) long after
	// the line, whose other strings share its memory, is gone.
	cs := &model.ChangeSet{EmployeeID: strings.Clone(p.str())}
	line := &Line{ChangeSet: cs, N: r.n}
	if cs.EmployeeID == "" && p.err == nil {
		p.i = at
		p.fail("an employee without an ID")
	}
	r.pos, r.dflt = r.pos[:0], 0
	valued := false // attrs or refs read: "pos" comes before them
	clear(r.origins)
	r.origins = r.origins[:0]
	for p.more(1, '}') {
		k := p.str()
		p.expect(':')
		switch k {
		case "creates":
			cs.Creates = p.boolean()
		case "rename":
			cs.Rename = r.rename(p)
		case "records":
			if p.null() {
				break
			}
			cs.Records = r.positions(p, []model.Position{})
			r.pos = append(r.pos, cs.Records...)
		case "at":
			r.pos = r.positions(p, r.pos)
		case "pos":
			at := p.i
			r.dflt = p.num()
			if p.err == nil && (valued || r.dflt < 0 || r.dflt >= len(r.pos)) {
				p.i = at
				if valued {
					p.fail("\"pos\" after the values it is the position of")
				} else {
					p.fail("position %d is not among the %d of the employee", r.dflt, len(r.pos))
				}
			}
		case "attrs":
			valued = true
			r.attrs = r.values(p, r.attrs[:0])
			cs.Attrs = r.attrs
			if !r.Shared {
				cs.Attrs = slices.Clone(r.attrs)
			}
		case "refs":
			valued = true
			r.refList = r.refList[:0]
			p.array(func(int) {
				r.refList = append(r.refList, model.Ref{})
				r.ref(p, &r.refList[len(r.refList)-1])
			})
			cs.Refs = r.refList
			if !r.Shared {
				cs.Refs = slices.Clone(r.refList)
			}
		case "leaveOut":
			p.array(func(int) { cs.LeaveOut = append(cs.LeaveOut, model.ExpandSchema(p.str())) })
		case "ops":
			line.Operations = []OpRef{}
			p.array(func(int) { line.Operations = append(line.Operations, r.op(p, cs.EmployeeID)) })
		default:
			p.skip()
		}
	}
	return line
}

func (r *Reader) rename(p *parser) *model.Rename {
	rn := new(model.Rename)
	p.object(func(k string) {
		switch k {
		case "from":
			rn.From = p.str()
		case "newEmployeeId":
			rn.NewEmployeeID = p.str()
		case "newLogin":
			rn.NewLogin = p.str()
		case "source":
			p.object(func(k string) {
				switch k {
				case "file":
					rn.Source.File = r.file(p)
				case "line":
					rn.Source.Line = p.num()
				case "item":
					rn.Source.Item = p.num()
				case "field":
					rn.Source.Field = p.str()
				case "name":
					rn.Source.Name = p.str()
				default:
					p.skip()
				}
			})
		default:
			p.skip()
		}
	})
	return rn
}

// positions appends the [file, line] or [file, line, item] positions of an
// array to dst.
func (r *Reader) positions(p *parser, dst []model.Position) []model.Position {
	p.array(func(int) {
		var pos model.Position
		p.expect('[')
		pos.File = r.file(p)
		p.expect(',')
		pos.Line = p.num()
		if p.peek() == ',' {
			p.expect(',')
			pos.Item = p.num() // a record sharing its line (minified input)
		}
		p.expect(']')
		dst = append(dst, pos)
	})
	return dst
}

// file reads a file number.
func (r *Reader) file(p *parser) string {
	at := p.i
	n := p.num()
	if p.err == nil && (n < 1 || n > len(r.files)) {
		p.i = at
		p.fail("file %d is not defined above", n)
		return ""
	}
	if n < 1 {
		return ""
	}
	return r.files[n-1]
}

// origin reads an optional position number (the default position, the
// line's "pos", when the list ends first) and returns it with its Origin.
func (r *Reader) origin(p *parser) (*model.Origin, int) {
	i := r.dflt
	if p.peek() == ',' {
		p.i++
		at := p.i
		if i = p.num(); p.err == nil && (i < 0 || i >= len(r.pos)) {
			p.i = at
			p.fail("position %d is not among the %d of the employee", i, len(r.pos))
			return nil, 0
		}
	}
	return r.originAt(p, i), i
}

// originAt is the Origin of position i of the line.
func (r *Reader) originAt(p *parser, i int) *model.Origin {
	if p.err != nil {
		return nil
	}
	if i >= len(r.pos) {
		p.fail("a value without a position (no records or at before it)")
		return nil
	}
	for len(r.origins) <= i {
		r.origins = append(r.origins, nil)
	}
	if r.origins[i] == nil {
		r.origins[i] = &model.Origin{Pos: r.pos[i]}
	}
	return r.origins[i]
}

// entry reads the number of a dictionary entry of the kind named, of
// which there are defined, and returns its index; -1 after an error.
func entry(p *parser, kind string, defined int) int {
	at := p.i
	n := p.num()
	if p.err == nil && (n < 1 || n > defined) {
		p.i = at
		p.fail("%s %d is not defined above", kind, n)
	}
	if p.err != nil {
		return -1
	}
	return n - 1
}

// values reads an array of values, appending them to dst. From version
// 5 on the array is flat (Writer.appendAttrs): a site's number, then the
// value of that site, each further value being of the site after the one
// before it, and at the position of the one before it (the first at the
// default, r.dflt) unless written [value, position]; before, each value
// was [site, value] or [site, value, position].
func (r *Reader) values(p *parser, dst []model.Attr) []model.Attr {
	if r.version < 5 {
		p.array(func(int) {
			dst = append(dst, model.Attr{})
			r.attr(p, &dst[len(dst)-1])
		})
		return dst
	}
	next := -1        // the index of the next value's site; -1: none named yet
	numbered := false // the element before was a site's number
	cur := r.dflt     // the position of a value without one
	p.array(func(int) {
		if c := p.peek(); c == '-' || c >= '0' && c <= '9' {
			if numbered {
				p.fail("two site numbers in a row: a site's number is followed by its value")
				return
			}
			next, numbered = entry(p, "site", len(r.sites)), true
			return
		}
		numbered = false
		switch {
		case next < 0:
			p.fail("a value before any site number: the values start with the number of the first one's site")
			return
		case next >= len(r.sites):
			p.fail("site %d (the one after the value before) is not defined above", next+1)
			return
		}
		dst = append(dst, model.Attr{Site: r.sites[next]})
		a := &dst[len(dst)-1]
		next++
		if p.peek() != '[' {
			r.value(p, a)
			a.Origin = r.originAt(p, cur)
			return
		}
		p.i++
		r.value(p, a)
		if p.peek() != ',' {
			p.fail("expected the value's position after it, found %s", p.what())
			return
		}
		a.Origin, cur = r.origin(p)
		p.expect(']')
	})
	if numbered {
		p.fail("a site number without a value at the end of the values")
	}
	return dst
}

// attr reads [site, value] or [site, value, position] into a, a zero Attr
// (before version 5).
func (r *Reader) attr(p *parser, a *model.Attr) {
	p.expect('[')
	n := entry(p, "site", len(r.sites))
	if n < 0 {
		return
	}
	a.Site = r.sites[n]
	p.expect(',')
	r.value(p, a)
	a.Origin, _ = r.origin(p)
	p.expect(']')
}

// value reads the value of a, whose Site is set: true or false for a
// member, else a string, true, false or null.
func (r *Reader) value(p *parser, a *model.Attr) {
	switch c := p.peek(); {
	case a.Site.Kind == model.AttrMember:
		a.Bool = p.boolean()
	case c == '"':
		a.Type, a.Str = model.StringValue, p.str()
	case c == 't' || c == 'f':
		a.Type, a.Bool = model.BoolValue, p.boolean()
	case !p.null():
		p.fail("expected a string, true, false or null, found %s", p.what())
	}
}

// ref reads [ref, target], optionally followed by the position and the
// element's attrs, into ref, a zero Ref.
func (r *Reader) ref(p *parser, ref *model.Ref) {
	p.expect('[')
	n := entry(p, "ref", len(r.refs))
	if n < 0 {
		return
	}
	e := &r.refs[n]
	ref.Kind, ref.Schema, ref.Path, ref.Primary, ref.Site = e.kind, e.schema, e.path, e.primary, e.site
	p.expect(',')
	ref.Target = p.str()
	var at int
	ref.Origin, at = r.origin(p)
	if p.peek() == ',' {
		p.i++
		dflt := r.dflt
		if r.version >= 3 {
			r.dflt = at // the element's values default to the ref's position
		}
		ref.Attrs = r.values(p, nil)
		r.dflt = dflt
	}
	p.expect(']')
}

// op reads [bulk, index, phase, method, path] with an optional bulkId, or
// [bulk, index, phase, method] for the usual address of emp
// (usualAddress); bulk is a name or the number of one: from version 4 on,
// its number within its phase (see AppendOps), before, within the run.
func (r *Reader) op(p *parser, emp string) OpRef {
	var o OpRef
	p.expect('[')
	n, nAt := 0, -1
	if c := p.peek(); c >= '0' && c <= '9' {
		nAt = p.i
		if n = p.num(); n < 1 && p.err == nil {
			p.i = nAt
			p.fail("bulk %d: bulk files are numbered from 1", n)
		}
	} else {
		o.Bulk = p.str()
	}
	p.expect(',')
	o.Index = p.num()
	p.expect(',')
	phaseAt := p.i
	o.Phase = p.num()
	if nAt >= 0 && p.err == nil {
		switch {
		case r.version < 4:
			o.Bulk = BulkName(n)
		case o.Phase < 0 || o.Phase >= Phases:
			p.i = phaseAt
			p.fail("phase %d: a plan has phases 0 to %d", o.Phase, Phases-1)
		case n > r.requests[o.Phase]:
			p.i = nAt
			p.fail("request %d of phase %d: the header counts %d", n, o.Phase, r.requests[o.Phase])
		default:
			o.Bulk = BulkName(r.first[o.Phase] + n)
		}
	}
	p.expect(',')
	o.Method = p.str()
	if p.peek() == ',' {
		p.i++
		o.Path = p.str()
		if p.peek() == ',' {
			p.i++
			o.BulkID = p.str()
		}
	} else {
		o.Path, o.BulkID = usualAddress(emp, o.Method)
	}
	p.expect(']')
	return o
}
