package schemas

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/dropbehind"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/pool"
)

// Options configure a Validator.
type Options struct {
	// Strict makes unknown attributes (and the other strict-only rules of
	// the schema files, written under x-strict) errors; by default they are
	// warnings.
	Strict bool
	// Fast runs every check of the Validator, files and directories
	// included, on the compiled fast path instead of jsonschema/v5. The
	// findings are the same (a differential test holds them equal over the
	// golden corpus and random mutations of it) at a fraction of the cost.
	Fast bool
	// Progress, when set, is told how many files of a directory are
	// checked (ValidateDir), on the calling goroutine.
	Progress func(done, total int)
}

// Validator checks UPS v4 payloads with santhosh-tekuri/jsonschema/v5, the
// reference implementation of the schema files. It is safe for concurrent
// use.
type Validator struct {
	opts Options
	c    checker
	fast *FastValidator
}

// FastValidator checks the same payloads against the same schema files,
// compiled into Go checks that walk decoded values directly. It gives the
// same findings as the Validator it came from (FuzzDifferential holds it to
// that) at a fraction of the cost. It is safe for concurrent use.
type FastValidator struct {
	c checker
	// idle are the memos of the Sessions closed (opmemo.go).
	idleMu sync.Mutex
	idle   []*dataMemo
}

// ErrUnknownKind is returned for a file that is neither a bulk request, a
// User or PatchOp body nor a plan.
var ErrUnknownKind = errors.New("not a bulk request, User, PatchOp or plan file")

// state is everything compiled once per process.
type state struct {
	src     docSet
	formats map[string]*format
	refDef  *refCompiled
	refStr  *refCompiled
	fast    *fastCompiler
	paths   *pathIndex
	fastEng [2]*fastEngine
}

var (
	stateOnce sync.Once
	shared    *state
	sharedErr error
)

// mainLocs are the schemas validation starts from.
var mainLocs = []string{LocUser, LocUserAttributes, LocPatchOp, LocBulkRequest, LocBulkOperation, LocPlanLine}

func load() (*state, error) {
	stateOnce.Do(func() {
		shared, sharedErr = build()
	})
	return shared, sharedErr
}

func build() (*state, error) {
	s := &state{}
	var err error
	if s.src, err = loadSources(); err != nil {
		return nil, err
	}
	if s.formats, err = formatTable(); err != nil {
		return nil, err
	}
	s.fast = newFastCompiler(s.src, s.formats)
	for _, u := range s.src.urls() {
		if _, err := s.fast.get(u); err != nil {
			return nil, err
		}
		defs, _ := s.src[u].(map[string]any)["$defs"].(map[string]any)
		for _, name := range sortedKeys(defs) {
			if _, err := s.fast.get(u + "#/$defs/" + escapeToken(name)); err != nil {
				return nil, err
			}
		}
	}
	// The reference compiles on first use (refCompiled); the golden and
	// differential tests compile it whole.
	s.refDef = newRefCompiled(makeVariant(s.src, variantDefault), s.formats)
	s.refStr = newRefCompiled(makeVariant(s.src, variantStrict), s.formats)
	for _, loc := range mainLocs {
		if _, err := s.fast.get(loc); err != nil {
			return nil, err
		}
	}
	if s.paths, err = newPathIndex(makeVariant(s.src, variantDefault)); err != nil {
		return nil, err
	}
	s.fastEng = [2]*fastEngine{{strict: false, comp: s.fast}, {strict: true, comp: s.fast}}
	return s, nil
}

// New returns a validator. The schema files are compiled once per process;
// New only fails when they are broken.
func New(opts Options) (*Validator, error) {
	s, err := load()
	if err != nil {
		return nil, err
	}
	mode := 0
	if opts.Strict {
		mode = 1
	}
	v := &Validator{
		opts: opts,
		c:    checker{eng: &refEngine{strict: opts.Strict, def: s.refDef, stric: s.refStr}, strict: opts.Strict, paths: s.paths},
		fast: &FastValidator{c: checker{eng: s.fastEng[mode], strict: opts.Strict, paths: s.paths}},
	}
	if opts.Fast {
		v.c = v.fast.c
	}
	return v, nil
}

// Strict reports whether the validator runs in strict mode.
func (v *Validator) Strict() bool { return v.opts.Strict }

// Fast returns the fast validator of the same mode.
func (v *Validator) Fast() *FastValidator { return v.fast }

// ValidateBulk checks a decoded SCIM BulkRequest: the request schema, each
// operation's data by method (POST and PUT: User; PATCH: PatchOp and each
// patch value against the attribute its path names), at most 100 operations
// and unique bulkIds. Pointers are relative to the request.
func (v *Validator) ValidateBulk(doc any) []Finding { return v.c.bulk(doc) }

// ValidateUser checks a decoded User body (POST or PUT /Users).
func (v *Validator) ValidateUser(doc any) []Finding { return v.c.user(doc) }

// ValidatePatch checks a decoded PatchOp body (PATCH /Users/{id}).
func (v *Validator) ValidatePatch(doc any) []Finding { return v.c.patch(doc) }

// ValidatePlanLine checks one decoded line of plan.jsonl against
// plan-line.json (the line alone: ValidateBytes also reads the plan).
func (v *Validator) ValidatePlanLine(doc any) []Finding { return v.c.planLine(doc) }

// ValidateOperation checks one bulk operation given by its parts; bulkID ""
// means none and data nil means no data. Pointers are relative to the
// operation ("/data/name/givenName"); Prefix them with "/Operations/<i>".
func (v *Validator) ValidateOperation(method, path, bulkID string, data any) []Finding {
	return v.c.operation(method, path, bulkID, data)
}

// ValidateBulk is Validator.ValidateBulk on the fast path.
func (f *FastValidator) ValidateBulk(doc any) []Finding { return f.c.bulk(doc) }

// ValidateUser is Validator.ValidateUser on the fast path.
func (f *FastValidator) ValidateUser(doc any) []Finding { return f.c.user(doc) }

// ValidatePatch is Validator.ValidatePatch on the fast path.
func (f *FastValidator) ValidatePatch(doc any) []Finding { return f.c.patch(doc) }

// ValidatePlanLine is Validator.ValidatePlanLine on the fast path.
func (f *FastValidator) ValidatePlanLine(doc any) []Finding { return f.c.planLine(doc) }

// ValidateOperation is Validator.ValidateOperation on the fast path: what
// convert calls for every operation it writes.
func (f *FastValidator) ValidateOperation(method, path, bulkID string, data any) []Finding {
	return f.c.operation(method, path, bulkID, data)
}

// engine validates a value against the schema at a location and appends
// the findings, pointers prefixed with base and then rel.
type engine interface {
	check(loc string, v any, base string, rel relPtr, out []Finding) []Finding
}

// relPtr is a short relative pointer kept as unescaped tokens, so that no
// pointer string is built for values without findings.
type relPtr struct {
	n    int
	toks [3]pathTok
}

var noToks relPtr

// String renders the tokens as a JSON pointer.
func (r relPtr) String() string {
	var b strings.Builder
	for _, t := range r.toks[:r.n] {
		b.WriteByte('/')
		if t.idx >= 0 {
			b.WriteString(strconv.Itoa(t.idx))
		} else {
			b.WriteString(escapeToken(t.key))
		}
	}
	return b.String()
}

// checker is what both validators share: which schema applies where, and
// the rules no schema keyword expresses.
type checker struct {
	eng    engine
	strict bool
	paths  *pathIndex
}

func (c *checker) strictOnly() model.Severity {
	if c.strict {
		return model.SevError
	}
	return model.SevWarning
}

func (c *checker) user(v any) []Finding {
	return finish(c.eng.check(LocUser, v, "", noToks, nil))
}

func (c *checker) patch(v any) []Finding {
	out := c.eng.check(LocPatchOp, v, "", noToks, nil)
	return finish(c.patchValues(v, "", out))
}

func (c *checker) planLine(v any) []Finding {
	return finish(c.eng.check(LocPlanLine, v, "", noToks, nil))
}

func (c *checker) bulk(v any) []Finding {
	out := c.eng.check(LocBulkRequest, v, "", noToks, nil)
	ops, _ := member(v, "Operations")
	n := arrayLen(ops)
	var ids map[string]int
	for i := 0; i < n; i++ {
		op := arrayAt(ops, i)
		if !isObject(op) {
			continue
		}
		m, _ := member(op, "method")
		if method, _ := stringOf(m); method == "PATCH" {
			data, _ := member(op, "data")
			out = c.patchValues(data, "/Operations/"+strconv.Itoa(i)+"/data", out)
		}
		b, _ := member(op, "bulkId")
		if id, ok := stringOf(b); ok && id != "" {
			if ids == nil {
				ids = make(map[string]int, n)
			}
			if first, dup := ids[id]; dup {
				out = append(out, Finding{
					Pointer: "/Operations/" + strconv.Itoa(i) + "/bulkId", Keyword: "unique", Severity: model.SevError,
					Message: fmt.Sprintf("bulkId %q is already used by operation %d", id, first),
				})
			} else {
				ids[id] = i
			}
		}
	}
	return finish(out)
}

var opPool = sync.Pool{New: func() any { return new(opObject) }}

func (c *checker) operation(method, path, bulkID string, data any) []Finding {
	return c.operationWith(method, path, bulkID, data, nil)
}

// operationWith is operation, with the member memo's context (the fast
// engine only).
func (c *checker) operationWith(method, path, bulkID string, data any, mc *memberCtx) []Finding {
	op := opPool.Get().(*opObject)
	op.reset(method, path, bulkID, data)
	var out []Finding
	if fe, ok := c.eng.(*fastEngine); ok && mc != nil {
		out = fe.checkWith(LocBulkOperation, op, "", noToks, nil, mc)
	} else {
		out = c.eng.check(LocBulkOperation, op, "", noToks, nil)
	}
	op.reset("", "", "", nil)
	opPool.Put(op)
	if method == "PATCH" && data != trustedData {
		out = c.patchValues(data, "/data", out)
	}
	return finish(out)
}

// patchValues checks each PATCH operation's path and value against the
// attribute the path names.
func (c *checker) patchValues(doc any, base string, out []Finding) []Finding {
	ops, _ := member(doc, "Operations")
	n := arrayLen(ops)
	for j := 0; j < n; j++ {
		op := arrayAt(ops, j)
		if !isObject(op) {
			continue
		}
		nv, _ := member(op, "op")
		name, _ := stringOf(nv)
		value, hasValue := member(op, "value")
		checkValue := hasValue && (name == "add" || name == "replace")
		pv, hasPath := member(op, "path")
		p, isStr := stringOf(pv)
		hasPath = hasPath && isStr
		if !hasPath {
			if checkValue && !isObject(value) {
				out = append(out, Finding{Pointer: opPointer(base, j) + "/value", Keyword: "type", Severity: model.SevError,
					Message: "without a path the value must be an object of attributes: " + message("type", "object", value)})
			} else if checkValue {
				out = c.eng.check(LocUserAttributes, value, base, valueToks(j), out)
			}
			continue
		}
		if p == "" {
			continue
		}
		t, err := c.paths.resolve(p)
		if err != nil {
			out = append(out, Finding{Pointer: opPointer(base, j) + "/path", Keyword: "path", Severity: c.strictOnly(), Message: err.Error()})
			continue
		}
		if t.note != "" {
			out = append(out, Finding{Pointer: opPointer(base, j) + "/path", Keyword: "path", Severity: c.strictOnly(), Message: t.note})
		}
		if !checkValue {
			continue
		}
		loc := t.loc
		if t.itemsLoc != "" && !isArray(value) && name == "add" {
			loc = t.itemsLoc
		}
		n0 := len(out)
		out = c.eng.check(loc, value, base, valueToks(j), out)
		if t.lenient && !c.strict {
			for k := n0; k < len(out); k++ {
				out[k].Severity = model.SevWarning
			}
		}
	}
	return out
}

// opPointer is the pointer of the j-th PATCH operation under base.
func opPointer(base string, j int) string {
	return base + "/Operations/" + strconv.Itoa(j)
}

// valueToks are the tokens of the j-th PATCH operation's value relative to
// the PatchOp body: built on the stack, turned into a pointer only for
// findings.
func valueToks(j int) relPtr {
	return relPtr{n: 3, toks: [3]pathTok{{key: "Operations", idx: -1}, {idx: j}, {key: "value", idx: -1}}}
}

// finish drops warnings that repeat an error's pointer and keyword (and
// repeated warnings), drops exact duplicates and sorts.
func finish(fs []Finding) []Finding {
	if len(fs) == 0 {
		return nil
	}
	sortFindings(fs)
	errs := map[[2]string]bool{}
	for _, f := range fs {
		if f.IsError() {
			errs[[2]string{f.Pointer, f.Keyword}] = true
		}
	}
	out := fs[:0]
	var last Finding
	warned := map[[2]string]bool{}
	for i, f := range fs {
		k := [2]string{f.Pointer, f.Keyword}
		if !f.IsError() && (errs[k] || warned[k]) {
			continue
		}
		if i > 0 && f == last {
			continue
		}
		if !f.IsError() {
			warned[k] = true
		}
		last = f
		out = append(out, f)
	}
	return out
}

// DetectKind tells what a file holds from its name and decoded content: .jsonl
// files are plans; otherwise the "schemas" URNs decide, then the shape.
func DetectKind(name string, doc any) Kind {
	if strings.EqualFold(filepath.Ext(name), ".jsonl") {
		return KindPlan
	}
	if !isObject(doc) {
		return KindUnknown
	}
	has := map[string]bool{}
	list, _ := member(doc, "schemas")
	for i := range max(arrayLen(list), 0) {
		if s, ok := stringOf(arrayAt(list, i)); ok {
			has[s] = true
		}
	}
	switch {
	case has[model.SchemaBulkRequest]:
		return KindBulk
	case has[model.SchemaPatchOp]:
		return KindPatch
	case has[model.SchemaCore]:
		return KindUser
	}
	if ops, _ := member(doc, "Operations"); arrayLen(ops) > 0 {
		first := arrayAt(ops, 0)
		if _, ok := member(first, "method"); ok {
			return KindBulk
		}
		if _, ok := member(first, "op"); ok {
			return KindPatch
		}
	}
	if _, ok := member(doc, "userName"); ok {
		return KindUser
	}
	return KindUnknown
}

// ValidateBytes validates a document of the given kind (KindUnknown: detect
// it from the content). Bulk requests over 400 KB get a finding at pointer
// "". Findings carry the line they are on; JSON that does not parse is a
// finding with keyword "json". The error is only for an unknown kind.
func (v *Validator) ValidateBytes(kind Kind, data []byte) ([]Finding, error) {
	if kind == KindPlan {
		return v.validatePlan(data), nil
	}
	doc, release, err := decodeDocReused(data, false)
	if err != nil {
		return []Finding{jsonFinding(data, err)}, nil
	}
	defer release()
	return v.validateDoc(kind, data, doc)
}

// validateDoc validates data, decoded as doc, as kind.
func (v *Validator) validateDoc(kind Kind, data []byte, doc any) ([]Finding, error) {
	if kind == KindUnknown {
		if kind = DetectKind("", doc); kind == KindUnknown {
			return nil, ErrUnknownKind
		}
	}
	var fs []Finding
	switch kind {
	case KindBulk:
		fs = v.ValidateBulk(doc)
		if f, over := RequestSizeFinding(len(data)); over {
			fs = append([]Finding{f}, fs...)
		}
	case KindUser:
		fs = v.ValidateUser(doc)
	case KindPatch:
		fs = v.ValidatePatch(doc)
	default:
		return nil, fmt.Errorf("schemas: unknown kind %q", kind)
	}
	if len(fs) > 0 {
		setLines(data, fs)
		sortFindings(fs)
	}
	return fs, nil
}

// planChunk is the number of plan.jsonl lines a worker validates at a time.
const planChunk = 256

// planBatch is the number of chunks read before they are validated
// together: what validating a plan holds in memory at a time.
const planBatch = 16

// validatePlan validates the plan.jsonl data (see validatePlanFile).
func (v *Validator) validatePlan(data []byte) []Finding {
	out, err := v.validatePlanLines(bytes.NewReader(data))
	if err != nil { // a bytes.Reader does not fail
		panic(err)
	}
	return sortedPlanFindings(checkPlanLines(bytes.NewReader(data), out))
}

// validatePlanFile validates a plan.jsonl file in two streaming passes:
// every line against plan-line.json on all cores (a large run's plan has a
// million lines of lineage), a batch of lines at a time, then through the
// plan's reader (checkPlanLines). Findings come in line order.
func (v *Validator) validatePlanFile(path string) ([]Finding, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, err := v.validatePlanLines(f)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	found := sortedPlanFindings(checkPlanLines(f, out))
	dropbehind.Read(f)
	return found, nil
}

func sortedPlanFindings(out []Finding) []Finding {
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// validatePlanLines validates every line r holds against plan-line.json,
// planBatch chunks of planChunk lines at a time.
func (v *Validator) validatePlanLines(r io.Reader) ([]Finding, error) {
	// A chunk's lines are read into one buffer, which the decoded lines'
	// strings point into: it is reused unless a finding may hold one.
	type chunk struct {
		first int // line number of the first line
		buf   []byte
		ends  []int // of each line in buf
		out   []Finding
	}
	var out []Finding
	var chunks, free []*chunk
	flush := func() {
		_ = pool.Each(context.Background(), len(chunks), 0, func(_ context.Context, k int) error {
			c := chunks[k]
			start := 0
			for n, end := range c.ends {
				c.out = v.appendPlanLine(c.out, c.buf[start:end], c.first+n)
				start = end
			}
			return nil
		})
		for _, c := range chunks {
			if len(c.out) > 0 {
				out = append(out, c.out...)
				continue
			}
			c.buf, c.ends = c.buf[:0], c.ends[:0]
			free = append(free, c)
		}
		chunks = chunks[:0]
	}
	br := bufio.NewReaderSize(r, 256<<10)
	for line := 1; ; line++ {
		text, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull { // a line longer than the buffer: in parts
			long := append([]byte(nil), text...)
			for err == bufio.ErrBufferFull {
				text, err = br.ReadSlice('\n')
				long = append(long, text...)
			}
			text = long
		}
		if len(text) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		text = bytes.TrimSuffix(text, []byte("\n"))
		if len(chunks) == 0 || len(chunks[len(chunks)-1].ends) == planChunk {
			if len(chunks) == planBatch {
				flush()
			}
			c := &chunk{}
			if n := len(free); n > 0 {
				c, free = free[n-1], free[:n-1]
			}
			c.first = line
			chunks = append(chunks, c)
		}
		c := chunks[len(chunks)-1]
		c.buf = append(c.buf, text...)
		c.ends = append(c.ends, len(c.buf))
		if err == io.EOF {
			break
		}
	}
	flush()
	return out, nil
}

// appendPlanLine appends the findings of one plan.jsonl line.
func (v *Validator) appendPlanLine(out []Finding, text []byte, line int) []Finding {
	if len(bytes.TrimSpace(text)) == 0 {
		return out
	}
	doc, release, err := decodeDocReused(text, true) // text is the chunk's, kept while a finding may hold it
	if err != nil {
		return append(out, Finding{Keyword: "json", Severity: model.SevError, Line: line, Message: "not JSON: " + err.Error()})
	}
	defer release()
	for _, f := range v.ValidatePlanLine(doc) {
		f.Line = line
		out = append(out, f)
	}
	return out
}

// ValidateFile reads and validates one file, detecting its kind from the
// content (.jsonl files are plans).
func (v *Validator) ValidateFile(path string) ([]Finding, Kind, error) {
	if strings.EqualFold(filepath.Ext(path), ".jsonl") {
		fs, err := v.validatePlanFile(path)
		if err != nil {
			return nil, KindPlan, fmt.Errorf("schemas: %w", err)
		}
		return fs, KindPlan, nil
	}
	if isReport(path) {
		return nil, KindUnknown, fmt.Errorf("schemas: %s: %w", path, ErrUnknownKind)
	}
	bp := fileBufs.Get().(*[]byte)
	data, err := dropbehind.ReadFile(path, *bp) // read once: its pages serve the next file
	if err != nil {
		fileBufs.Put(bp)
		return nil, KindUnknown, fmt.Errorf("schemas: %w", err)
	}
	// The document's strings are data's bytes: data is reused when no
	// finding can hold one.
	reuse := false
	defer func() {
		if reuse {
			*bp = data
			fileBufs.Put(bp)
		}
	}()
	doc, release, err := decodeDocReused(data, true) // read for this call alone
	if err != nil {
		return []Finding{jsonFinding(data, err)}, KindUnknown, nil
	}
	defer release()
	kind := DetectKind(path, doc)
	if kind == KindUnknown {
		return nil, KindUnknown, fmt.Errorf("schemas: %s: %w", path, ErrUnknownKind)
	}
	fs, err := v.validateDoc(kind, data, doc)
	if err != nil {
		return nil, kind, fmt.Errorf("schemas: %s: %w", path, err)
	}
	reuse = len(fs) == 0
	return fs, kind, nil
}

// fileBufs are the buffers ValidateFile reads files into.
var fileBufs = sync.Pool{New: func() any { return new([]byte) }}

// isReport reports whether path names a report convert or report writes
// (report.json, report-full.json), which no schema describes: they are
// skipped unread, as reading a large run's report whole is costly.
func isReport(path string) bool {
	switch strings.ToLower(filepath.Base(path)) {
	case "report.json", "report-full.json":
		return true
	}
	return false
}

// FileResult is the outcome of validating one file of a directory.
type FileResult struct {
	Path     string
	Kind     Kind // KindUnknown: skipped (report.json and the like)
	Findings []Finding
	Err      error
}

// ValidateDir validates every .json and .jsonl file under dir, in parallel,
// and returns the results sorted by path. Files of no known kind come back
// with KindUnknown and no findings. The error is for a directory that
// cannot be walked.
func (v *Validator) ValidateDir(dir string) ([]FileResult, error) {
	var paths []string
	sizes := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := strings.ToLower(filepath.Ext(p)); !d.IsDir() && (ext == ".json" || ext == ".jsonl") {
			paths = append(paths, p)
			if info, err := d.Info(); err == nil {
				sizes[p] = info.Size()
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	sort.Strings(paths)
	// The largest files go first (a convert's plan.jsonl is a third of
	// the bytes, and would otherwise be checked alone at the end), on
	// twice as many workers as cores: the files are mostly read from
	// disk, so a worker waiting for one leaves its core to another.
	order := make([]int, len(paths))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return sizes[paths[order[a]]] > sizes[paths[order[b]]] })
	// Progress is called from one goroutine at a time, with done rising.
	var mu sync.Mutex
	done := 0
	report := func(finished int) {
		mu.Lock()
		done += finished
		if v.opts.Progress != nil {
			v.opts.Progress(done, len(paths))
		}
		mu.Unlock()
	}
	report(0)
	results := make([]FileResult, len(paths))
	pool.Each(context.Background(), len(paths), 2*runtime.GOMAXPROCS(0), func(_ context.Context, j int) error {
		i := order[j]
		fs, kind, err := v.ValidateFile(paths[i])
		if errors.Is(err, ErrUnknownKind) {
			err = nil
		}
		report(1)
		results[i] = FileResult{Path: paths[i], Kind: kind, Findings: fs, Err: err}
		return nil
	})
	return results, nil
}
