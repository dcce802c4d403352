package plan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/golden"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// goldenCase is one file of testdata/cases: change sets and options.
type goldenCase struct {
	Options struct {
		CompanyID    string `json:"companyId"`
		Directory    string `json:"directory"`
		MaxOps       int    `json:"maxOps"`
		MaxBytes     int    `json:"maxBytes"`
		Replace      bool   `json:"replace"`
		Indent       bool   `json:"indent"`
		FailOnErrors *int   `json:"failOnErrors"`
	} `json:"options"`
	Sets []*model.ChangeSet `json:"sets"`
}

func loadCase(t testing.TB, file string) ([]*model.ChangeSet, Options) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var gc goldenCase
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&gc); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	o := Options{CompanyID: gc.Options.CompanyID, MaxOps: gc.Options.MaxOps, MaxBytes: gc.Options.MaxBytes,
		Replace: gc.Options.Replace, Indent: gc.Options.Indent, FailOnErrors: gc.Options.FailOnErrors}
	if gc.Options.Directory != "" {
		d, err := LoadDirectory(filepath.Join("testdata", gc.Options.Directory))
		if err != nil {
			t.Fatal(err)
		}
		o.Directory = d
	}
	return gc.Sets, o
}

// goldenOp is the lineage of one operation in a golden file.
type goldenOp struct {
	Employee string            `json:"employee"`
	Kind     OpKind            `json:"kind"`
	Sources  map[string]string `json:"sources"`
	Rows     map[string]string `json:"rows,omitempty"`
}

type goldenRequest struct {
	Seq        int             `json:"seq"`
	Phase      int             `json:"phase"`
	Size       int             `json:"size"`
	Body       json.RawMessage `json:"body"`
	Operations []goldenOp      `json:"operations"`
}

type goldenPlan struct {
	Stats    Stats           `json:"stats"`
	Warnings []string        `json:"warnings,omitempty"`
	Requests []goldenRequest `json:"requests"`
}

// render turns a plan into its golden form, checking the invariants every
// plan must hold on the way.
func render(t *testing.T, p *Plan, o Options) []byte {
	t.Helper()
	g := goldenPlan{Stats: p.Stats}
	for _, w := range p.Warnings {
		g.Warnings = append(g.Warnings, w.String())
	}
	lastPhase := -1
	for i, r := range p.Requests {
		var buf bytes.Buffer
		if err := r.Encode(&buf); err != nil {
			t.Fatal(err)
		}
		b := buf.Bytes()
		if len(b) != r.Size() {
			t.Errorf("request %d: Size %d, Encode wrote %d bytes", r.Seq, r.Size(), len(b))
		}
		if max := o.MaxBytes; max > 0 && len(b) > max || len(b) > DefaultMaxBytes {
			t.Errorf("request %d: %d bytes over the limit", r.Seq, len(b))
		}
		if n := len(r.Operations); n == 0 || (o.MaxOps > 0 && n > o.MaxOps) || n > DefaultMaxOps {
			t.Errorf("request %d: %d operations", r.Seq, n)
		}
		if r.Seq != i+1 || r.Phase < lastPhase {
			t.Errorf("request %d (seq %d) phase %d after phase %d", i, r.Seq, r.Phase, lastPhase)
		}
		lastPhase = r.Phase
		if !json.Valid(b) {
			t.Fatalf("request %d is not valid JSON:\n%s", r.Seq, b)
		}
		// The encoding equals encoding/json's of the same request.
		want, err := json.Marshal(r.Body())
		if err != nil {
			t.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(unescapeHTML(want), compact.Bytes()) {
			t.Errorf("request %d differs from encoding/json:\n got %s\nwant %s", r.Seq, compact.Bytes(), want)
		}
		gr := goldenRequest{Seq: r.Seq, Phase: r.Phase, Size: r.Size(), Body: bytes.TrimSpace(b)}
		for _, op := range r.Operations {
			if op.Phase != r.Phase {
				t.Errorf("request %d holds a phase %d operation", r.Seq, op.Phase)
			}
			gop := goldenOp{Employee: op.Employee, Kind: op.Kind, Sources: map[string]string{}, Rows: op.Rows()}
			for k, s := range op.Sources() {
				gop.Sources[k] = s.String()
			}
			if len(gop.Rows) == 0 {
				gop.Rows = nil
			}
			gr.Operations = append(gr.Operations, gop)
		}
		g.Requests = append(g.Requests, gr)
	}
	out, err := json.MarshalIndent(g, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// unescapeHTML undoes encoding/json's HTML escaping, which the plan's
// encoder does not do.
func unescapeHTML(b []byte) []byte {
	r := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")
	return []byte(r.Replace(string(b)))
}

func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/cases/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	sort.Strings(files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			sets, o := loadCase(t, f)
			p, err := Build(sets, o)
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, p, o)
			golden.Check(t, filepath.Join("testdata", name+".golden.json"), got)
		})
	}
}

func itoa(i int) string { return string(jsonInt(i)) }
