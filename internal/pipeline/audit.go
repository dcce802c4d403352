package pipeline

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/version"
	"github.com/upsmigrate/upsmigrate/mapping"
)

// toolVersion names the build in the audit; tests pin it so golden files
// do not follow the Go toolchain.
var toolVersion = version.String

// Audit says what made a run, for the report's audit header: the tool, the
// inputs and the mapping tables, with their hashes.
type Audit struct {
	ToolVersion string       `json:"toolVersion"`
	Inputs      []InputAudit `json:"inputs"`
	Mapping     MappingAudit `json:"mapping"`
}

// InputAudit is one input file: its size and sha256 when it was written
// (empty when it could not be read again).
type InputAudit struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256,omitempty"`
}

// MappingAudit lists the mapping tables of the run. SHA256 is the hash of
// the tables' hashes, one per line in the order listed: two runs with the
// same SHA256 used the same tables.
type MappingAudit struct {
	SHA256 string       `json:"sha256"`
	Tables []TableAudit `json:"tables"`
	// Rows holds, for every mapping row a message of report.json names
	// ("mapping/tables/305.csv:8"), its transform, note and lost columns.
	Rows map[string]RowAudit `json:"rows,omitempty"`
}

// TableAudit is one mapping table: where it came from (Embedded, or an
// override file) and the sha256 of its rows written as CSV (the header,
// then every row's columns in file order).
type TableAudit struct {
	Name     string `json:"name"`
	File     string `json:"file"`
	Embedded bool   `json:"embedded"`
	Rows     int    `json:"rows"`
	SHA256   string `json:"sha256"`
}

// RowAudit is what a report shows of a mapping row a message names.
type RowAudit struct {
	Transform string `json:"transform,omitempty"`
	Note      string `json:"note,omitempty"`
	Lost      string `json:"lost,omitempty"`
}

// audit describes the run for report.json.
func (r *Result) audit(rep *Report) *Audit {
	a := &Audit{ToolVersion: toolVersion(), Inputs: []InputAudit{}}
	for _, f := range r.Files {
		in := InputAudit{Path: f.Path}
		in.Bytes, in.SHA256 = r.hashes.get(f.Path)
		a.Inputs = append(a.Inputs, in)
	}
	if r.mapping == nil {
		return a
	}
	all := sha256.New()
	add := func(t TableAudit) {
		a.Mapping.Tables = append(a.Mapping.Tables, t)
		io.WriteString(all, t.SHA256+"\n")
	}
	rows := map[string]RowAudit{}
	for _, t := range r.mapping.Tables() {
		h := sha256.New()
		w := csv.NewWriter(h)
		w.Write(mapping.Columns)
		for _, row := range t.Rows() {
			w.Write(row.Values())
			rows[t.RowRef(row)] = RowAudit{Transform: row.Transform, Note: row.Note, Lost: row.Lost}
		}
		w.Flush()
		add(TableAudit{Name: t.Name, File: t.File, Embedded: embedded(t.File), Rows: len(t.Rows()), SHA256: hex.EncodeToString(h.Sum(nil))})
	}
	if d := r.mapping.Defaults(); d != nil {
		h := sha256.New()
		w := csv.NewWriter(h)
		w.Write(mapping.DefaultsColumns)
		for _, row := range d.Rows() {
			w.Write([]string{row.TargetSchema, row.TargetPath, row.Value, row.Transform, row.Applies, row.Note})
			file := row.File
			if file == "" {
				file = d.File
			}
			rows[file+":"+strconv.Itoa(row.Line)] = RowAudit{Transform: row.Transform, Note: row.Note}
		}
		w.Flush()
		add(TableAudit{Name: "defaults", File: d.File, Embedded: embedded(d.File), Rows: d.Len(), SHA256: hex.EncodeToString(h.Sum(nil))})
	}
	a.Mapping.SHA256 = hex.EncodeToString(all.Sum(nil))
	a.Mapping.Rows = map[string]RowAudit{}
	named := func(row string) {
		if ra, ok := rows[row]; ok && row != "" {
			a.Mapping.Rows[row] = ra
		}
	}
	for _, rec := range rep.Records {
		for _, m := range rec.Messages {
			named(m.Row)
		}
	}
	for row := range r.namedRows { // the records of a spilled run
		named(row)
	}
	for _, f := range rep.Files {
		for _, m := range f.Warnings {
			named(m.Row)
		}
	}
	for _, m := range rep.Warnings {
		named(m.Row)
	}
	return a
}

func embedded(file string) bool { return strings.HasPrefix(file, mapping.EmbeddedDir+"/") }

// inputHashes are the sizes and SHA-256 digests of a run's inputs, taken
// on a goroutine of its own: a spilled run starts it after its read pass,
// so that the digests are ready when report.json's audit asks for them
// instead of being taken, alone on the cores, at the end.
type inputHashes struct {
	done chan struct{}
	sums []inputHash
}

type inputHash struct {
	path string
	n    int64
	sum  string
}

// hashInputs starts taking the digests of paths.
func hashInputs(paths []string) *inputHashes {
	h := &inputHashes{done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for _, p := range paths {
			n, sum := fileHash(p)
			h.sums = append(h.sums, inputHash{p, n, sum})
		}
	}()
	return h
}

// get is fileHash(path), taken beforehand when h holds it.
func (h *inputHashes) get(path string) (int64, string) {
	if h != nil {
		<-h.done
		for _, s := range h.sums {
			if s.path == path {
				return s.n, s.sum
			}
		}
	}
	return fileHash(path)
}

// fileHash is the size and sha256 of a file, 0 and "" when it cannot be
// read.
func fileHash(path string) (int64, string) {
	f, err := os.Open(path)
	if err != nil {
		return 0, ""
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, ""
	}
	return n, hex.EncodeToString(h.Sum(nil))
}
