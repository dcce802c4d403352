package pipeline

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/dropbehind"
	"github.com/upsmigrate/upsmigrate/internal/jsonw"
	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// BulkFileName is the name of request seq (1-based) in the output directory.
func BulkFileName(seq int) string { return lineage.BulkName(seq) }

// OpRef says where an employee's operation landed (lineage.OpRef).
type OpRef = lineage.OpRef

// PlanLine is one employee of plan.jsonl (lineage.Line).
type PlanLine = lineage.Line

// Report is report.json.
type Report struct {
	Totals   Totals               `json:"totals"`
	Plan     plan.Stats           `json:"plan"`
	Files    []FileSummary        `json:"files"`
	Records  []model.RecordResult `json:"records"`
	Findings []OpFinding          `json:"findings,omitempty"`
	Warnings []model.Diagnostic   `json:"warnings,omitempty"` // plan-level warnings
	// ResolvedAtSubmit lists the employees outside the run that submit
	// looks up (convert without --directory): reference targets and the
	// employees of updates.
	ResolvedAtSubmit []AtSubmit `json:"resolvedAtSubmit,omitempty"`
	// Options are the plan options of the run, so that submit rebuilds
	// the same operations once it has resolved who exists in the target.
	Options *PlanOptions `json:"options,omitempty"`
	// Audit says what made the run (tool version, inputs and mapping
	// tables with their hashes), for the report's audit header.
	Audit *Audit `json:"audit,omitempty"`
}

// PlanOptions are the convert options that shape the operations.
type PlanOptions = plan.Recorded

// isOutput reports whether name is a file Write may create, so a re-run
// into the same directory never leaves a stale bulk file behind.
func isOutput(name string) bool {
	if name == "plan.jsonl" || name == "report.json" || name == reportTemp {
		return true
	}
	seq, ok := strings.CutPrefix(name, "bulk-")
	if seq, ok = strings.CutSuffix(seq, ".json"); !ok || len(seq) < 4 {
		return false
	}
	for i := 0; i < len(seq); i++ {
		if seq[i] < '0' || seq[i] > '9' {
			return false
		}
	}
	return true
}

// removeOutputs removes the files of a run from dir.
func removeOutputs(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() && isOutput(e.Name()) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// Write writes the bulk requests, plan.jsonl and report.json into dir,
// removing the outputs of an earlier run first. report.json is written
// last, so a directory without it holds no complete run; a write that
// fails removes what it wrote.
func (r *Result) Write(dir string) (err error) {
	// Everything a run writes is personal data: the folder is private.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return err
	}
	if err := removeOutputs(dir); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			removeOutputs(dir)
		}
	}()
	drop := dropbehind.New()
	defer func() {
		if derr := drop.Release(); err == nil {
			err = derr
		}
	}()
	ops := map[string][]OpRef{}
	bw := bufio.NewWriterSize(nil, 256*1024) // one buffer for every file
	files := int64(len(r.Plan.Requests) + 2)
	progress := func(done int64) {
		if r.progress != nil {
			r.progress(Progress{Stage: StageWrite, Done: done, Total: files})
		}
	}
	for i, req := range r.Plan.Requests {
		if interrupted(r.ctx) {
			return ErrInterrupted
		}
		progress(int64(i))
		name := BulkFileName(req.Seq)
		if err := writeFile(drop, filepath.Join(dir, name), bw, func(w *bufio.Writer) error { return req.Encode(w) }); err != nil {
			return err
		}
		for i, op := range req.Operations {
			ops[op.Employee] = append(ops[op.Employee], OpRef{Bulk: name, Index: i, Phase: op.Phase,
				Method: op.Method, Path: op.Path, BulkID: op.BulkID})
		}
	}
	progress(files - 2)
	if interrupted(r.ctx) {
		return ErrInterrupted
	}
	err = writeFile(drop, filepath.Join(dir, "plan.jsonl"), bw, func(w *bufio.Writer) error {
		return r.writePlan(w, ops)
	})
	if err != nil {
		return err
	}
	progress(files - 1)
	if interrupted(r.ctx) {
		return ErrInterrupted
	}
	if err := writeFile(drop, filepath.Join(dir, reportTemp), bw, func(w *bufio.Writer) error {
		return writeReport(w, r.Report())
	}); err != nil {
		return err
	}
	if err := os.Rename(filepath.Join(dir, reportTemp), filepath.Join(dir, "report.json")); err != nil {
		return err
	}
	progress(files)
	return nil
}

// writeReport writes rep indented by two spaces as encoding/json does,
// but for the entries of its long arrays (records, findings, warnings,
// resolvedAtSubmit): one compact JSON object a line (reportEntry), which
// keeps report.json a fraction of the bulk requests' size. It writes one
// entry at a time: the whole report is tens of megabytes for a large run.
// The spilled conversion writes the same bytes (spillRun.writeReport).
func writeReport(w io.Writer, rep Report) error {
	records, arrays := rep.Records, [3]any{rep.Findings, rep.Warnings, rep.ResolvedAtSubmit}
	head, i, err := reportHead(rep)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.Write(head[:i])
	for k := range records {
		if err := writeEntry(bw, k, &records[k]); err != nil {
			return err
		}
	}
	if len(records) == 0 {
		bw.WriteString("[]")
	} else {
		bw.WriteString(arrayEnd)
	}
	for k, a := range arrays {
		v := reflect.ValueOf(a)
		if v.Len() == 0 {
			continue
		}
		bw.WriteString(arrayHeads[k])
		for j := range v.Len() {
			if j > 0 {
				bw.WriteString(entrySep)
			}
			js, err := reportEntry(v.Index(j).Addr().Interface())
			if err != nil {
				return err
			}
			bw.Write(js)
		}
		bw.WriteString(arrayEnd)
	}
	bw.Write(head[i+len("null"):])
	bw.WriteString("\n")
	return bw.Flush()
}

// reportHead is report.json without its long arrays, indented, and the
// offset of the null that stands for them after "records": the arrays are
// written in its place.
func reportHead(rep Report) (head []byte, at int, err error) {
	rep.Records, rep.Findings, rep.Warnings, rep.ResolvedAtSubmit = nil, nil, nil, nil
	if head, err = json.MarshalIndent(rep, "", "  "); err != nil {
		return nil, 0, err
	}
	const field = "\n  \"records\": "
	at = bytes.Index(head, []byte(field+"null"))
	if at < 0 {
		return nil, 0, fmt.Errorf("report.json: no records field in %.40q", head)
	}
	return head, at + len(field), nil
}

// The layout of report.json's long arrays: the records' after its field
// name, then the others, each after its own (when not empty).
// Entries are not indented: a run has one or more per input record.
const (
	arrayStart = "[\n"
	entrySep   = ",\n"
	arrayEnd   = "\n  ]"
)

var arrayHeads = [3]string{",\n  \"findings\": [\n", ",\n  \"warnings\": [\n", ",\n  \"resolvedAtSubmit\": [\n"}

// reportEntry is the JSON of one entry of report.json's long arrays.
func reportEntry(v any) ([]byte, error) {
	switch x := v.(type) {
	case *model.RecordResult: // one per record: without reflection
		return appendRecordJSON(make([]byte, 0, 256), x), nil
	case *AtSubmit:
		return jsonw.EscapeHTML(x.appendJSON(make([]byte, 0, 256)), 0), nil
	case *OpFinding: // one per operation when every record has a warning
		return jsonw.EscapeHTML(x.appendJSON(make([]byte, 0, 256)), 0), nil
	}
	return json.Marshal(v)
}

// appendRecordJSON appends r's entry of report.json's records, without
// the escapes of <, > and & that encoding/json adds (JSON does not need
// them, and a message giving a flag's <value> had ten bytes of them on
// each of a run's records).
func appendRecordJSON(dst []byte, r *model.RecordResult) []byte {
	return r.AppendJSON(dst)
}

func writeEntry(bw *bufio.Writer, k int, v any) error {
	js, err := reportEntry(v)
	if err != nil {
		return err
	}
	if k == 0 {
		bw.WriteString(arrayStart)
	} else {
		bw.WriteString(entrySep)
	}
	_, err = bw.Write(js)
	return err
}

// Report returns the report of the conversion.
func (r *Result) Report() Report {
	rep := Report{Totals: r.Totals, Files: r.Files, Records: r.Records, Findings: r.Findings, Options: r.options,
		ResolvedAtSubmit: r.AtSubmit}
	if r.Plan != nil {
		rep.Plan = r.Plan.Stats
		rep.Warnings = r.Plan.Warnings
	}
	if rep.Records == nil {
		rep.Records = []model.RecordResult{}
	}
	rep.Audit = r.audit(&rep)
	return rep
}

// writePlan writes plan.jsonl in the compact lineage encoding (package
// lineage), one line per change set in plan order.
func (r *Result) writePlan(w io.Writer, ops map[string][]OpRef) error {
	var requests [lineage.Phases]int
	if r.Plan != nil {
		requests = r.Plan.Stats.RequestsPerPhase
	}
	lw := lineage.NewWriter(w, requests)
	for _, cs := range r.ChangeSets {
		if err := lw.Write(cs, lineOps(cs, ops)); err != nil {
			return err
		}
	}
	return lw.Flush()
}

// lineOps are the operations cs became: a rename's, filed under the old
// ID, first.
func lineOps(cs *model.ChangeSet, ops map[string][]OpRef) []OpRef {
	refs := ops[cs.EmployeeID]
	if cs.Rename != nil && cs.Rename.From != cs.EmployeeID {
		refs = append(slices.Clip(ops[cs.Rename.From]), refs...)
	}
	return refs
}

// writeFile creates path and fills it through w, reset onto the file,
// dropped behind by drop.
func writeFile(drop *dropbehind.Dropper, path string, w *bufio.Writer, fill func(*bufio.Writer) error) error {
	f, err := createOutput(path)
	if err != nil {
		return err
	}
	w.Reset(drop.Writer(f))
	if err := fill(w); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	drop.Finished(f)
	return f.Close()
}

// reportTemp is the name report.json is written under before it is
// renamed: a run killed while writing it leaves no partial report.json,
// whose presence says the run is complete.
const reportTemp = "report.json.tmp"

// createOutput creates (or truncates) the output file path, readable by
// its owner only.
func createOutput(path string) (*os.File, error) {
	f, err := openOutput(path)
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil { // an older file keeps its mode otherwise
		f.Close()
		return nil, err
	}
	return f, nil
}
