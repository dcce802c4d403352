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
type Run struct {
	Dir      string
	Sets     []*model.ChangeSet
	Records  []model.RecordResult
	Options  PlanOptions
	PlanHash string // sha256 of plan.jsonl
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

// Load reads a convert output directory.
func Load(dir string) (*Run, error) {
	for _, name := range []string{"report.json", "plan.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); errors.Is(err, fs.ErrNotExist) {
			return nil, &NotConvertOutputError{Dir: dir, Missing: name}
		} else if err != nil {
			return nil, err
		}
	}
	r := &Run{Dir: dir}
	var rep struct {
		Records []model.RecordResult `json:"records"`
		Options *PlanOptions         `json:"options"`
	}
	if err := readJSON(filepath.Join(dir, "report.json"), &rep); err != nil {
		return nil, err
	}
	r.Records = rep.Records
	if rep.Options != nil {
		r.Options = *rep.Options
	}
	if err := r.readPlan(filepath.Join(dir, "plan.jsonl")); err != nil {
		return nil, err
	}
	return r, nil
}

func readJSON(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := json.NewDecoder(bufio.NewReaderSize(f, 1<<20)).Decode(v); err != nil {
		return fmt.Errorf("%s: %w (the file is damaged: convert again)", path, err)
	}
	return nil
}

// readPlan decodes every employee of plan.jsonl into a change set (package
// lineage) and hashes the file.
func (r *Run) readPlan(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	lr := lineage.NewReader(io.TeeReader(f, h))
	lr.File = path
	for {
		l, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		r.Sets = append(r.Sets, l.ChangeSet)
	}
	r.PlanHash = hex.EncodeToString(h.Sum(nil))
	return nil
}
