package concur

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
	"github.com/upsmigrate/upsmigrate/internal/golden"
)

// dump is what the golden files hold for one input.
type dump struct {
	File     string   `json:"file"`
	Settings Settings `json:"settings"`
	Warnings []string `json:"warnings,omitempty"`
	Events   []event  `json:"events"`
}

// event is one result of Next: a record (its non-empty fields as
// "position name = value") or an error.
type event struct {
	Type   string   `json:"type,omitempty"`
	Line   int      `json:"line,omitempty"`
	Count  int      `json:"count,omitempty"`
	Fields []string `json:"fields,omitempty"`
	Lines  []int    `json:"lines,omitempty"`
	Error  string   `json:"error,omitempty"`
	Fatal  bool     `json:"fatal,omitempty"`
}

func dumpFile(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := NewReader(f, filepath.Base(path))
	d := dump{File: filepath.Base(path)}
	evs, err := formattest.Events(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	for _, ev := range evs {
		rec := ev.Record
		if rec == nil {
			d.Events = append(d.Events, event{Error: ev.Err.Error(), Fatal: ev.Fatal})
			continue
		}
		e := event{Type: rec.Type, Line: rec.Pos.Line, Count: len(rec.Values), Lines: rec.Lines}
		for i, v := range rec.Values {
			if v == "" {
				continue
			}
			if rec.Names[i] == "Password" {
				v = "(not shown)"
			}
			e.Fields = append(e.Fields, fmt.Sprintf("%s %s = %s", rec.Keys[i], rec.Names[i], v))
		}
		d.Events = append(d.Events, e)
	}
	d.Settings = r.Settings()
	for _, w := range r.Warnings() {
		d.Warnings = append(d.Warnings, w.String())
	}
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}

// TestGolden reads every sample, every bad input under testdata/bad and
// every odd one (other separators) under testdata/odd and
// compares what the reader returns with testdata/golden.
func TestGolden(t *testing.T) {
	var inputs []string
	for _, pat := range []string{"../../samples/concur/*.csv", "testdata/bad/*.csv", "testdata/odd/*.csv"} {
		m, err := filepath.Glob(pat)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, m...)
	}
	if len(inputs) < 15 {
		t.Fatalf("found %d inputs, want the samples and testdata/bad", len(inputs))
	}
	for _, in := range inputs {
		prefix := "sample-"
		switch {
		case strings.Contains(in, "testdata/bad"):
			prefix = "bad-"
		case strings.Contains(in, "testdata/odd"):
			prefix = "odd-"
		}
		file := filepath.Join("testdata", "golden", prefix+strings.TrimSuffix(filepath.Base(in), ".csv")+".json")
		t.Run(filepath.Base(file), func(t *testing.T) {
			golden.Check(t, file, dumpFile(t, in))
		})
	}
}

// TestSamples checks what the samples promise: every row within its type's
// width, no errors, a 100 record wherever the README says so, exactly one
// password value, and every referenced employee ID defined in the samples.
func TestSamples(t *testing.T) {
	files, _ := filepath.Glob("../../samples/concur/*.csv")
	ids := map[string]bool{}
	var refs []string
	passwords := 0
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		r := NewReader(f, filepath.Base(p))
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Errorf("%v", err)
				continue
			}
			rt, _ := Lookup(rec.Type)
			for i, v := range rec.Values {
				if v == "" {
					continue
				}
				fd := rt.Fields[i]
				switch {
				case fd.Name == "Password":
					passwords++
				case fd.Name == "Employee ID" && (rec.Type == "300" || rec.Type == "305"):
					ids[v] = true
				case fd.Name == "New Employee ID":
					ids[v] = true
				case fd.Format == "employee ID" || fd.Name == "Employee ID" || fd.Name == "Delegate ID":
					refs = append(refs, fmt.Sprintf("%s:%d:%d=%s", rec.Pos.File, rec.Pos.Line, i+1, v))
				}
				if fd.Format == "Y/N" && v != "Y" && v != "N" {
					t.Errorf("%s:%d:%d: flag %q", rec.Pos.File, rec.Pos.Line, i+1, v)
				}
				if fd.MaxLen > 0 && len([]rune(v)) > fd.MaxLen {
					t.Errorf("%s:%d:%d: %q longer than %d", rec.Pos.File, rec.Pos.Line, i+1, v, fd.MaxLen)
				}
				if len(fd.Allowed) > 0 && !contains(fd.Allowed, v) {
					t.Errorf("%s:%d:%d: %q not in %v", rec.Pos.File, rec.Pos.Line, i+1, v, fd.Allowed)
				}
			}
		}
		f.Close()
		if w := r.Warnings(); len(w) > 0 && filepath.Base(p) != "legacy-300.csv" {
			t.Errorf("%s: warnings %v", p, w)
		}
	}
	if passwords != 1 {
		t.Errorf("%d password values in the samples, want exactly 1", passwords)
	}
	if len(ids) < 8 || len(ids) > 13 {
		t.Errorf("%d employees defined, want 8-12 (plus one renamed ID)", len(ids))
	}
	for _, ref := range refs {
		id := ref[strings.LastIndexByte(ref, '=')+1:]
		if !ids[id] {
			t.Errorf("%s refers to an employee the samples do not define", ref)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
