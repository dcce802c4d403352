package lineage

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead: the plan reader never panics, fails with an *Error, and a
// plan of this version it reads whole is written again (Writer, with the
// header's request counts) into a plan that reads back to the same lines.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	head := `{"plan":"upsmigrate","version":5,"requests":[1,2,1]}` + "\n" +
		`{"file":1,"path":"a.csv"}` + "\n" + `{"site":1,"schema":"s","path":"p"}` + "\n" +
		`{"site":2,"schema":"s","path":"q","kind":1,"member":"M"}` + "\n"
	for _, l := range []string{
		`{"emp":"E1","records":[[1,2],[1,3]],"attrs":[1,"x",true,["y",1]],"ops":[[1,0,1,"POST"]]}`,
		`{"emp":"E2","records":[[1,2]],"attrs":[2,false,1,null],"ops":[[2,1,1,"PATCH"]]}`,
		`{"emp":"E3","records":[[1,2],[1,9]],"pos":1,"attrs":[1,["x",0],2,true],"ops":[]}`,
		`{"emp":"E4","records":[[1,2]],"attrs":[1,1,"x"]}`,
		`{"emp":"E5","records":[[1,2]],"attrs":["x"]}`,
	} {
		f.Add([]byte(head + l + "\n"))
	}
	f.Fuzz(func(t *testing.T, plan []byte) {
		r := NewReader(bytes.NewReader(plan))
		var lines []Line
		for {
			l, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v (%T) is not an *Error", err, err)
				}
				return
			}
			lines = append(lines, *l)
		}
		if r.version != Version {
			return
		}
		var b bytes.Buffer
		w := NewWriter(&b, r.requests)
		for _, l := range lines {
			if err := w.Write(l.ChangeSet, l.Operations); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		again := NewReader(bytes.NewReader(b.Bytes()))
		for i := range lines {
			l, err := again.Next()
			if err != nil {
				t.Fatalf("line %d written again does not read: %v\n%s", i, err, b.Bytes())
			}
			if d := equal(l, &lines[i]); d != "" {
				t.Fatalf("line %d written again: %s\n%s", i, d, b.Bytes())
			}
		}
		if _, err := again.Next(); err != io.EOF {
			t.Fatalf("after the lines written again: %v, want io.EOF", err)
		}
	})
}
