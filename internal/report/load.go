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
	"strings"

	planfmt "github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// JSON shapes of report.json: only the fields used, decoded from the wire
// form so the producer's Go types may change freely.
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
	jsonRecordFields jsonRecord // without its UnmarshalJSON
	// jsonRecordIn is jsonRecord as written: a message's source without
	// a file is of the record's file.
	jsonRecordIn struct {
		jsonRecordFields
		Messages []struct {
			jsonDiag
			Source struct {
				jsonSource
				File *string `json:"file"`
			} `json:"source"`
		} `json:"messages"`
	}
	jsonFinding struct {
		Request   int         `json:"request"`
		Operation int         `json:"operation"`
		Employee  string      `json:"employee"`
		Source    *jsonSource `json:"source"`
		Finding   struct {
			Pointer  string `json:"pointer"`
			Message  string `json:"message"`
			Severity string `json:"severity"`
		} `json:"finding"`
	}
	jsonSettings struct {
		Present                bool   `json:"present"`
		Line                   int    `json:"line"`
		ErrorThreshold         int    `json:"errorThreshold"`
		ExistingRecordHandling string `json:"existingRecordHandling"`
		LanguageCode           string `json:"languageCode"`
		ValidateExpenseGroup   bool   `json:"validateExpenseGroup"`
		ValidatePaymentGroup   bool   `json:"validatePaymentGroup"`
	}
	jsonTotals struct {
		Records   int            `json:"records"`
		Converted int            `json:"converted"`
		Skipped   int            `json:"skipped"`
		Rejected  int            `json:"rejected"`
		LeftOut   map[string]int `json:"leftOut"`
		AtSubmit  int            `json:"resolvedAtSubmit"`
	}
	jsonPlanStats struct {
		UsersCreated     int   `json:"usersCreated"`
		UsersUpdated     int   `json:"usersUpdated"`
		Renames          int   `json:"renames"`
		Operations       []int `json:"operations"`
		Requests         int   `json:"requests"`
		RequestsPerPhase []int `json:"requestsPerPhase"`
		Bytes            int64 `json:"bytes"`
	}
	jsonFile struct {
		Path     string        `json:"path"`
		Format   string        `json:"format"`
		Records  int           `json:"records"`
		Warnings []jsonDiag    `json:"warnings"`
		Settings *jsonSettings `json:"settings"`
	}
	jsonAtSubmit struct {
		Employee string     `json:"employee"`
		Kind     string     `json:"kind"`
		From     string     `json:"from"`
		Source   jsonSource `json:"source"`
	}
	jsonOptions struct {
		CompanyID    string `json:"companyId"`
		Replace      bool   `json:"replace"`
		FailOnErrors *int   `json:"failOnErrors"`
		Strict       bool   `json:"strict"`
		DateOrder    string `json:"dateOrder"`
	}
	jsonAudit struct {
		ToolVersion string `json:"toolVersion"`
		Inputs      []struct {
			Path   string `json:"path"`
			Bytes  int64  `json:"bytes"`
			SHA256 string `json:"sha256"`
		} `json:"inputs"`
		Mapping struct {
			SHA256 string         `json:"sha256"`
			Tables []MappingTable `json:"tables"`
			Rows   map[string]struct {
				Transform string `json:"transform"`
				Note      string `json:"note"`
				Lost      string `json:"lost"`
			} `json:"rows"`
		} `json:"mapping"`
	}
	// jsonReport is report.json but for its records and findings, which
	// are streamed (jsonReport.Records is kept only for a journal).
	jsonReport struct {
		Totals           jsonTotals     `json:"totals"`
		Plan             jsonPlanStats  `json:"plan"`
		Files            []jsonFile     `json:"files"`
		Warnings         []jsonDiag     `json:"warnings"`
		ResolvedAtSubmit []jsonAtSubmit `json:"resolvedAtSubmit"`
		Options          *jsonOptions   `json:"options"`
		Audit            *jsonAudit     `json:"audit"`
		Records          []jsonRecord   `json:"-"`
	}
)

func (s jsonSource) String() string {
	return model.Source{File: s.File, Line: s.Line, Field: s.Field, Name: s.Name}.String()
}

func (d jsonDiag) message() Message {
	m := Message{Severity: d.Severity, Source: d.Source.String(), Row: d.Row, Message: d.Message}
	m.Text = m.text()
	return m
}

func (m Message) text() string {
	t := m.Source + ": " + m.Message
	if m.Row != "" {
		t += " [" + m.Row + "]"
	}
	return t
}

// Load reads DIR/report.json, and DIR/journal.db when it exists
// (read-only, without its lock: a run may be writing it). plan.jsonl is
// read by each walk of the report (Trace, the writers); with a journal,
// Load walks it once to match the journal's operations. Without a journal
// the report is a dry run's; with one, Run, Outcomes, Requests, Operations
// and the summary's state counts are filled in from it.
func Load(dir string) (*Data, error) {
	d, err := loadDir(dir, recordsFast)
	if errors.Is(err, errNotLaidOut) { // read again, all by encoding/json
		d, err = loadDir(dir, false)
	}
	return d, err
}

func loadDir(dir string, fast bool) (*Data, error) {
	d := &Data{Dir: dir, planPath: filepath.Join(dir, "plan.jsonl"), recs: map[uint64]uint16{},
		fileIdx: map[string]uint32{}, warnings: newSpool[Warning](), rejected: newSpool[Rejected](), lost: newLostSet()}
	var err error
	if d.jr, err = probeJournal(dir); err != nil {
		return nil, err
	}
	d.warnFeed = newSpoolFeed(func(w *Warning, emp string) error { return d.warnings.add(w, emp) })
	rep, err := d.readReport(filepath.Join(dir, "report.json"), fast)
	if ferr := d.warnFeed.close(); err == nil {
		err = ferr
	}
	d.warnFeed = nil
	if err != nil {
		d.Close()
		return nil, err
	}
	if err := d.warnings.done(); err != nil {
		return nil, err
	}
	if err := d.rejected.done(); err != nil {
		return nil, err
	}
	d.Lost = d.lost.list(d)
	if d.jr == nil {
		if _, err := os.Stat(d.planPath); err != nil {
			d.Close()
			return nil, err
		}
		return d, nil
	}
	if err := d.walk(nil); err != nil {
		d.Close()
		return nil, err
	}
	if err := d.loadJournal(rep); err != nil {
		d.Close()
		return nil, err
	}
	for i := range d.AtSubmit {
		d.AtSubmit[i].RecordState = d.jr.recordState(d.AtSubmit[i].record)
	}
	return d, nil
}

// readReport streams report.json: its records and schema findings one at a
// time into the record index and the spools, the rest whole.
func (d *Data) readReport(path string, fast bool) (*jsonReport, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rep := &jsonReport{}
	st := &loadState{files: map[string]*File{}, counted: map[string]int{}}
	cut, laidOut, err := findRecords(f)
	if err != nil {
		return nil, err
	}
	fast = fast && laidOut
	src := io.Reader(f)
	if fast {
		src = cut.reader(f)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(src, 1<<20))
	err = readObject(dec, func(key string) error {
		switch key {
		case "totals":
			return dec.Decode(&rep.Totals)
		case "plan":
			return dec.Decode(&rep.Plan)
		case "files":
			if err := dec.Decode(&rep.Files); err != nil {
				return err
			}
			return d.addFiles(st, rep.Files)
		case "records":
			if fast { // the array is read here; the decoder sees "[]"
				in := interner{}
				err := cut.eachRecord(f, &in, func(r *jsonRecord) error {
					if d.jr != nil {
						rep.Records = append(rep.Records, *r)
					}
					return d.addRecord(st, r)
				})
				if err != nil {
					return err
				}
			}
			return readArray(dec, func() error {
				var r jsonRecord
				if err := decodeAt(dec, &r); err != nil {
					return err
				}
				if d.jr != nil {
					rep.Records = append(rep.Records, r)
				}
				return d.addRecord(st, &r)
			})
		case "findings":
			return readArray(dec, func() error {
				var f jsonFinding
				if err := decodeAt(dec, &f); err != nil {
					return err
				}
				return d.addFinding(&f)
			})
		case "warnings":
			if err := dec.Decode(&rep.Warnings); err != nil {
				return err
			}
			for _, w := range rep.Warnings {
				if err := d.addWarning(&Warning{Origin: OriginPlan, Source: w.Source.String(), Row: w.Row, Message: w.Message}); err != nil {
					return err
				}
			}
			return nil
		case "resolvedAtSubmit":
			return dec.Decode(&rep.ResolvedAtSubmit)
		case "options":
			return dec.Decode(&rep.Options)
		case "audit":
			return dec.Decode(&rep.Audit)
		}
		var skip json.RawMessage
		return dec.Decode(&skip)
	})
	if err != nil {
		var re *recordError
		if errors.As(err, &re) { // not one record a line after all
			return nil, fmt.Errorf("%w: %w", errNotLaidOut, err)
		}
		if fast {
			return nil, positioned(path, dec, err, cut.fileOffset)
		}
		return nil, positioned(path, dec, err, nil)
	}
	d.finishReport(st, rep)
	return rep, nil
}

// decodeAt decodes the next value; a type error's offset, relative to the
// value, becomes the offset in the file.
func decodeAt(dec *json.Decoder, v any) error {
	base := dec.InputOffset()
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		te.Offset += base
	}
	return err
}

// readObject reads a JSON object, calling field with each key; field must
// consume the value.
func readObject(dec *json.Decoder, field func(string) error) error {
	if err := delim(dec, '{'); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		key, ok := t.(string)
		if !ok {
			return fmt.Errorf("want an object key, got %v", t)
		}
		if err := field(key); err != nil {
			return err
		}
	}
	return delim(dec, '}')
}

// readArray reads a JSON array (or null), calling elem for each element.
func readArray(dec *json.Decoder, elem func() error) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t == nil {
		return nil
	}
	if t != json.Delim('[') {
		return &json.UnmarshalTypeError{Value: fmt.Sprint(t), Offset: dec.InputOffset(), Type: nil}
	}
	for dec.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	return delim(dec, ']')
}

func delim(dec *json.Decoder, want json.Delim) error {
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if t != want {
		return fmt.Errorf("want %v, got %v", want, t)
	}
	return nil
}

// recordsFast says whether report.json's records are read by parseRecord
// when the file is laid out as convert writes it (tests turn it off).
var recordsFast = true

// positioned names the line of report.json a decoding error is on;
// fileOffset, when not nil, maps the decoder's offsets to the file's.
func positioned(path string, dec *json.Decoder, err error, fileOffset func(int64) int64) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te) && te.Offset > 0:
		off = te.Offset
	}
	if te != nil && te.Type == nil {
		err = fmt.Errorf("want an array, got %s", te.Value)
	}
	if fileOffset != nil {
		off = fileOffset(off)
	}
	return atOffset(path, off, err)
}

// atOffset names the line of report.json byte off is on.
func atOffset(path string, off int64, err error) error {
	if line, lerr := lineAt(path, off); lerr == nil {
		return fmt.Errorf("%s:%d: %w", path, line, err)
	}
	return fmt.Errorf("%s: %w", path, err)
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

// loadState is what readReport counts while it streams.
type loadState struct {
	files   map[string]*File
	order   []string
	counted map[string]int
}

func (st *loadState) file(path string) *File {
	if f, ok := st.files[path]; ok {
		return f
	}
	st.files[path] = &File{Path: path}
	st.order = append(st.order, path)
	return st.files[path]
}

func (d *Data) addFiles(st *loadState, files []jsonFile) error {
	for _, f := range files {
		ff := st.file(f.Path)
		ff.Format, ff.Records = f.Format, f.Records
		if s := f.Settings; s != nil {
			where := "defaults (no 100 record)"
			if s.Present {
				where = fmt.Sprintf("100 record on line %d", s.Line)
			}
			ff.Settings = fmt.Sprintf("%s: existing records %s, language %s, error threshold %d, validate expense group %s, payment group %s; applied, not sent to UPS",
				where, s.ExistingRecordHandling, s.LanguageCode, s.ErrorThreshold, yn(s.ValidateExpenseGroup), yn(s.ValidatePaymentGroup))
		}
		for _, w := range f.Warnings {
			ff.Warnings++
			if err := d.addWarning(&Warning{Origin: OriginFile, Source: w.Source.String(), Row: w.Row, Message: w.Message}); err != nil {
				return err
			}
		}
	}
	return nil
}

// fileKey is the key of an input record in Data.recs.
func (d *Data) fileKey(file string, line int) uint64 {
	i, ok := d.fileIdx[file]
	if !ok {
		i = uint32(len(d.fileIdx))
		d.fileIdx[file] = i
	}
	return uint64(i)<<40 | uint64(uint32(line))
}

// record looks an input record up: its kind, and whether report.json
// lists it.
func (d *Data) record(file string, line int) (recKind, bool) {
	i, ok := d.fileIdx[file]
	if !ok {
		return recKind{}, false
	}
	k, ok := d.recs[uint64(i)<<40|uint64(uint32(line))]
	if !ok {
		return recKind{}, false
	}
	return d.kinds[k], true
}

func (d *Data) addRecord(st *loadState, r *jsonRecord) error {
	s := &d.Summary
	s.Records++
	ff := st.file(r.Pos.File)
	st.counted[r.Pos.File]++
	if ff.Format == "" {
		ff.Format = r.Format
	}
	kind := recKind{format: r.Format, typ: r.Type, status: r.Status}
	k := -1
	for i, rk := range d.kinds {
		if rk == kind {
			k = i
			break
		}
	}
	if k < 0 && len(d.kinds) < 1<<16-1 {
		d.kinds = append(d.kinds, kind)
		k = len(d.kinds) - 1
	}
	if k >= 0 {
		d.recs[d.fileKey(r.Pos.File, r.Pos.Line)] = uint16(k)
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
			d.lost.addRejected(&rj, m)
		}
		if r.Status != string(model.StatusRejected) {
			d.Notes = append(d.Notes, fmt.Sprintf("%s: unknown record status %q counted as rejected", rj.Pos, r.Status))
		}
		return d.rejected.add(&rj, r.EmployeeID)
	}
	for _, m := range r.Messages {
		if m.Severity == string(model.SevInfo) {
			continue // the reason of a skipped 100 record: the file's Settings
		}
		ff.Warnings++
		w := Warning{Origin: OriginRecord, Status: r.Status, Employee: r.EmployeeID,
			Source: m.Source.String(), Row: m.Row, Message: m.Message}
		d.lost.addWarning(&w, m, r.Type)
		if err := d.addWarning(&w); err != nil {
			return err
		}
	}
	return nil
}

func (d *Data) addWarning(w *Warning) error {
	d.Summary.Warnings++
	if d.warnFeed != nil {
		return d.warnFeed.add(w, w.Employee)
	}
	return d.warnings.add(w, w.Employee)
}

func (d *Data) addFinding(f *jsonFinding) error {
	w := Warning{Origin: OriginSchema, Employee: f.Employee, Operation: OpKey(planfmt.BulkName(f.Request), f.Operation),
		Message: f.Finding.Message}
	if f.Finding.Pointer != "" {
		w.Message = f.Finding.Pointer + ": " + w.Message
	}
	if f.Source != nil {
		w.Source = f.Source.String()
	}
	return d.addWarning(&w)
}

// finishReport checks the totals against what was listed and keeps the
// small parts of report.json.
func (d *Data) finishReport(st *loadState, rep *jsonReport) {
	s := &d.Summary
	p := rep.Plan
	s.UsersCreated, s.UsersUpdated, s.Renames = p.UsersCreated, p.UsersUpdated, p.Renames
	s.Operations = phases(p.Operations)
	s.Requests, s.RequestsPerPhase, s.Bytes = p.Requests, phases(p.RequestsPerPhase), p.Bytes
	for _, path := range st.order {
		f := st.files[path]
		if n := st.counted[path]; n != f.Records {
			d.Notes = append(d.Notes, fmt.Sprintf("%s: report.json counts %d records, lists %d", path, f.Records, n))
			f.Records = n
		}
		d.Files = append(d.Files, *f)
	}
	if d.Files == nil {
		d.Files = []File{}
	}
	t := rep.Totals
	if t.Records != s.Records || t.Converted != s.Converted || t.Skipped != s.Skipped || t.Rejected != s.Rejected {
		d.Notes = append(d.Notes, fmt.Sprintf("report.json totals (%d read, %d converted, %d skipped, %d rejected) differ from its record list; the list is shown",
			t.Records, t.Converted, t.Skipped, t.Rejected))
	}
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
	d.audit(rep, st)
}

// audit fills Data.Audit from report.json's audit and options.
func (d *Data) audit(rep *jsonReport, st *loadState) {
	a := &d.Audit
	if o := rep.Options; o != nil {
		a.CompanyID = o.CompanyID
		if o.DateOrder != "" {
			a.Options = append(a.Options, "date order "+o.DateOrder)
		}
		if o.Replace {
			a.Options = append(a.Options, "replace (PUT) existing users")
		}
		if o.Strict {
			a.Options = append(a.Options, "strict")
		}
		if o.FailOnErrors != nil {
			a.Options = append(a.Options, fmt.Sprintf("fail on errors %d", *o.FailOnErrors))
		}
	}
	a.Inputs = []Input{}
	a.Mapping = []MappingTable{}
	if rep.Audit == nil {
		for _, f := range d.Files {
			a.Inputs = append(a.Inputs, Input{Path: f.Path, Format: f.Format})
		}
		return
	}
	a.ToolVersion = rep.Audit.ToolVersion
	for _, in := range rep.Audit.Inputs {
		format := ""
		if f := st.files[in.Path]; f != nil {
			format = f.Format
		}
		a.Inputs = append(a.Inputs, Input{Path: in.Path, Format: format, Bytes: in.Bytes, SHA256: in.SHA256})
	}
	a.MappingSHA256 = rep.Audit.Mapping.SHA256
	a.Mapping = append(a.Mapping, rep.Audit.Mapping.Tables...)
	for ref, r := range rep.Audit.Mapping.Rows {
		if d.mapRows == nil {
			d.mapRows = map[string]mappingRow{}
		}
		d.mapRows[ref] = mappingRow{transform: r.Transform, note: strings.TrimSpace(r.Note), lost: strings.TrimSpace(r.Lost)}
	}
}

func phases(v []int) []int {
	out := make([]int, 3)
	copy(out, v)
	return out
}

// UnmarshalJSON reads a record of report.json (model.RecordResult's form).
func (r *jsonRecord) UnmarshalJSON(b []byte) error {
	var in jsonRecordIn
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*r = jsonRecord(in.jsonRecordFields)
	r.Messages = nil
	for _, m := range in.Messages {
		d := m.jsonDiag
		d.Source = m.Source.jsonSource
		d.Source.File = r.Pos.File
		if m.Source.File != nil {
			d.Source.File = *m.Source.File
		}
		r.Messages = append(r.Messages, d)
	}
	return nil
}
