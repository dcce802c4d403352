package submit

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// Run is a convert output directory: its change sets, its records and the
// plan options convert used.
//
// Load keeps only a compact index of the employees: the change sets of
// plan.jsonl and the records of report.json are read again from Dir, a
// chunk at a time, whenever a step needs them, so that a run of a million
// employees is not held in memory. A Run made by hand (tests) gives Sets
// and Records instead.
type Run struct {
	Dir      string
	Sets     []*model.ChangeSet   // in memory; nil when read from Dir
	Records  []model.RecordResult // in memory; nil when read from Dir
	Options  PlanOptions
	PlanHash string // sha256 of plan.jsonl

	idx *index
}

// PlanOptions are the plan options convert recorded in report.json.
type PlanOptions = plan.Recorded

// NotConvertOutputError says a directory holds no complete convert run.
type NotConvertOutputError struct {
	Dir     string
	Missing string
}

func (e *NotConvertOutputError) Error() string {
	return fmt.Sprintf("%s is not a convert output (no %s): run 'upsmigrate convert --out %s FILE...' first, or give the directory convert wrote", e.Dir, e.Missing, e.Dir)
}

// Load reads a convert output directory: report.json's options and
// plan.jsonl's employees into the run's index, hashing the plan.
func Load(dir string) (*Run, error) {
	for _, name := range []string{"report.json", "plan.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); errors.Is(err, fs.ErrNotExist) {
			return nil, &NotConvertOutputError{Dir: dir, Missing: name}
		} else if err != nil {
			return nil, err
		}
	}
	r := &Run{Dir: dir}
	opts, err := readReportOptions(r.reportPath())
	if err != nil {
		return nil, err
	}
	if opts != nil {
		r.Options = *opts
	}
	idx := newIndex()
	h := sha256.New()
	err = r.readPlan(h, chunkSize, func(sets []*model.ChangeSet) error {
		for _, cs := range sets {
			idx.add(cs)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	idx.done()
	r.idx = idx
	r.PlanHash = hex.EncodeToString(h.Sum(nil))
	return r, nil
}

func (r *Run) reportPath() string { return filepath.Join(r.Dir, "report.json") }
func (r *Run) planPath() string   { return filepath.Join(r.Dir, lineage.FileName) }

// index is the run's employees, compact: built by Load, or from Sets.
func (r *Run) index() *index {
	if r.idx == nil {
		idx := newIndex()
		for _, cs := range r.Sets {
			idx.add(cs)
		}
		idx.done()
		r.idx = idx
	}
	return r.idx
}

// chunkSize is how many change sets a pass over the run holds at a time.
var chunkSize = 4096

// eachChunk calls fn with the run's change sets in plan order, chunkSize
// at a time; base is the position of the chunk's first set in the run.
// The sets are fn's until it returns.
func (r *Run) eachChunk(fn func(base int, sets []*model.ChangeSet) error) error {
	return r.eachChunkOf(chunkSize, fn)
}

// roundChunk is the chunk of a round, which holds a few chunks at once
// (one planned, one waiting, one sending, requests in flight): a quarter
// of a pass's.
func roundChunk() int { return max(1, chunkSize/4) }

// eachChunkOf is eachChunk with chunks of size.
func (r *Run) eachChunkOf(size int, fn func(base int, sets []*model.ChangeSet) error) error {
	if r.Sets != nil || r.Dir == "" {
		for lo := 0; lo < len(r.Sets); lo += size {
			if err := fn(lo, r.Sets[lo:min(lo+size, len(r.Sets))]); err != nil {
				return err
			}
		}
		return nil
	}
	base := 0
	return r.readPlan(nil, size, func(sets []*model.ChangeSet) error {
		err := fn(base, sets)
		base += len(sets)
		return err
	})
}

// readPlan reads plan.jsonl's employees in chunks of size, hashing
// the file into h when not nil.
func (r *Run) readPlan(h io.Writer, size int, fn func(sets []*model.ChangeSet) error) error {
	path := r.planPath()
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var in io.Reader = f
	if h != nil {
		in = io.TeeReader(f, h)
	}
	lr := lineage.NewReader(in)
	lr.File = path
	sets := make([]*model.ChangeSet, 0, size)
	for {
		l, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		sets = append(sets, l.ChangeSet)
		if len(sets) == size {
			if err := fn(sets); err != nil {
				return err
			}
			clear(sets)
			sets = sets[:0]
		}
	}
	if len(sets) > 0 {
		return fn(sets)
	}
	return nil
}

// allSets returns every change set of the run (small runs and tests).
func (r *Run) allSets() ([]*model.ChangeSet, error) {
	if r.Sets != nil {
		return r.Sets, nil
	}
	var out []*model.ChangeSet
	err := r.eachChunk(func(_ int, sets []*model.ChangeSet) error {
		out = append(out, sets...)
		return nil
	})
	return out, err
}

// setsOf returns the change sets of the given employees, read in one pass.
func (r *Run) setsOf(emps []string) (map[string]*model.ChangeSet, error) {
	want := make(map[string]bool, len(emps))
	for _, e := range emps {
		want[e] = true
	}
	out := map[string]*model.ChangeSet{}
	err := r.eachChunk(func(_ int, sets []*model.ChangeSet) error {
		for _, cs := range sets {
			if want[cs.EmployeeID] {
				out[cs.EmployeeID] = cs
			}
		}
		return nil
	})
	return out, err
}

// readReportOptions reads the options of report.json, skipping the rest.
func readReportOptions(path string) (*PlanOptions, error) {
	var opts *PlanOptions
	err := readReport(path, func(dec *json.Decoder, key string) (bool, error) {
		if key != "options" {
			return false, nil
		}
		return true, dec.Decode(&opts)
	})
	return opts, err
}

// eachRecord calls fn with every record of the run, in report order.
func (r *Run) eachRecord(fn func(rec *model.RecordResult) error) error {
	if r.Records != nil || r.Dir == "" {
		for i := range r.Records {
			if err := fn(&r.Records[i]); err != nil {
				return err
			}
		}
		return nil
	}
	return readReport(r.reportPath(), func(dec *json.Decoder, key string) (bool, error) {
		if key != "records" {
			return false, nil
		}
		return true, eachElement(dec, func() error {
			var rec model.RecordResult
			if err := dec.Decode(&rec); err != nil {
				return err
			}
			return fn(&rec)
		})
	})
}

// readReport streams report.json's top-level members: fn reads the value
// of the members it wants (true) and the others are skipped.
func readReport(path string, fn func(dec *json.Decoder, key string) (bool, error)) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	damaged := func(err error) error {
		return fmt.Errorf("%s: %w (the file is damaged: convert again)", path, err)
	}
	dec := json.NewDecoder(bufio.NewReaderSize(f, 1<<20))
	if err := expectDelim(dec, '{'); err != nil {
		return damaged(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return damaged(err)
		}
		key, _ := tok.(string)
		read, err := fn(dec, key)
		if err != nil {
			return damaged(err)
		}
		if !read {
			if err := skipValue(dec); err != nil {
				return damaged(err)
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return damaged(err)
	}
	return nil
}

// skipValue skips the value dec is at; an array or an object goes one
// member at a time, not whole into memory (report.json's records are a
// million of them).
func skipValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	for dec.More() {
		if d == '{' {
			if _, err := dec.Token(); err != nil {
				return err
			}
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return err
}

// eachElement calls fn for every element of the array dec is at (null is
// an empty array); fn decodes the element.
func eachElement(dec *json.Decoder, fn func() error) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("want an array, found %v", tok)
	}
	for dec.More() {
		if err := fn(); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, found %v", want, tok)
	}
	return nil
}
