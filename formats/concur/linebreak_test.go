package concur

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestBareCR: a carriage return not followed by a line feed (a bare CR)
// outside quotes ends the record, with a warning naming the line, in LF and
// CRLF files alike; inside quotes it is data. The text after it is a record
// of its own, on the next line: no two records ever merge, and every
// physical record ends as exactly one result, read or rejected.
func TestBareCR(t *testing.T) {
	const org = "305,Ann,,Lee,E1,,,,,,,,,,Y,Org1"
	cases := []struct {
		name  string
		in    string
		want  []string // as drain renders them
		warns []int    // lines of the bare-CR warnings
	}{
		{
			name:  "LF file: the two employees stay two",
			in:    s100 + org + "\r305,Bo,,Ng,E2\n400,E2,EXP_APPROVER\n",
			want:  []string{"100@1/7", "305@2/16", "305@3/5", "400@4/3"},
			warns: []int{2},
		},
		{
			name:  "CRLF file",
			in:    strings.ReplaceAll(s100+org+"\n400,E1,EXP_APPROVER\n", "\n", "\r\n") + "305,Bo\r305,Cy\r\n",
			want:  []string{"100@1/7", "305@2/16", "400@3/3", "305@4/2", "305@5/2"},
			warns: []int{4},
		},
		{
			name:  "the text after the CR is rejected on its own line",
			in:    s100 + "305,Ann,,Lee,E1,,,,,,,,,,Y,Org\r1,x\n305,Bo\n",
			want:  []string{"100@1/7", "305@2/16", "err@3:1 type", "305@4/2"},
			warns: []int{2},
		},
		{
			name: "inside quotes a CR is data",
			in:   s100 + "305,\"Org\r1\",\"a\r\",\"\r\"\n305,Bo\n",
			want: []string{"100@1/7", "305@2/4", "305@3/2"},
		},
		{
			name:  "after a closing quote it ends the record",
			in:    s100 + "305,\"Ann\"\r305,\"Bo\"\"\"\r305,Cy\n",
			want:  []string{"100@1/7", "305@2/2", "305@3/2", "305@4/2"},
			warns: []int{2, 3},
		},
		{
			name:  "at the start of a field, and blank lines",
			in:    s100 + "305,Ann,\r\r305,Bo\n\r\n\r305,Cy\n",
			want:  []string{"100@1/7", "305@2/3", "305@4/2", "305@7/2"},
			warns: []int{2, 3, 6},
		},
		{
			name: "at the end of the file: no warning, nothing follows",
			in:   s100 + "305,Ann\n305,Bo\r",
			want: []string{"100@1/7", "305@2/2", "305@3/2"},
		},
		{
			name: "CRLF at the end of the file",
			in:   s100 + "305,Ann\r\n",
			want: []string{"100@1/7", "305@2/2"},
		},
		{
			name:  "CR then CRLF",
			in:    s100 + "305,Ann\r\r\n305,Bo\n",
			want:  []string{"100@1/7", "305@2/2", "305@4/2"},
			warns: []int{2},
		},
		{
			name:  "a whole file with CR line ends, read directly",
			in:    strings.ReplaceAll(s100+"305,Ann\n400,E1,EXP_APPROVER\n", "\n", "\r"),
			want:  []string{"100@1/7", "305@2/2", "400@3/3"},
			warns: []int{1, 2},
		},
		{
			name:  "multi-line quoted field before the CR",
			in:    s100 + "305,\"two\nlines\",E1\r305,Bo\n",
			want:  []string{"100@1/7", "305@2/3", "305@4/2"},
			warns: []int{3},
		},
		{
			name:  "after a bare quote: the record is rejected, the next one read",
			in:    s100 + "305,An\"n\r305,Bo\n",
			want:  []string{"100@1/7", "err@2:2 quote", "305@3/2"},
			warns: []int{2},
		},
		{
			name:  "after a stray quote",
			in:    s100 + "305,\"Ann\"x\r305,Bo\n",
			want:  []string{"100@1/7", "err@2:2 quote", "305@3/2"},
			warns: []int{2},
		},
		{
			name:  "in an unterminated quote it is data; reading resumes on the next LF line",
			in:    s100 + "305,\"Ann\r305,Bo\n305,Cy\r305,Di\n",
			want:  []string{"100@1/7", "err@2:2 quote", "305@3/2", "305@4/2"},
			warns: []int{3},
		},
		{
			name:  "semicolons: a quoted CR after a separator is data",
			in:    "100;0;SSO;UPDATE;EN;N;N\r305;\"A\rB\";x\r305;Bo\n",
			want:  []string{"100@1/7", "305@2/3", "305@3/2"},
			warns: []int{1, 2},
		},
		{
			name:  "too many fields after the CR are the next record's",
			in:    s100 + "400,E1,EXP_APPROVER\r400," + fields(12, "a") + "\n",
			want:  []string{"100@1/7", "400@2/3", "400@3/13"},
			warns: []int{2},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, rd := range []struct {
				name string
				wrap func(io.Reader) io.Reader
			}{
				{"whole", func(r io.Reader) io.Reader { return r }},
				{"one byte", iotest.OneByteReader},
				{"halves", iotest.HalfReader},
			} {
				r := NewReader(rd.wrap(strings.NewReader(c.in)), "in.csv")
				got, errs := drain(t, r)
				if strings.Join(got, " ") != strings.Join(c.want, " ") {
					t.Errorf("%s: got  %v\nwant %v", rd.name, got, c.want)
				}
				var warns []int
				for _, w := range r.Warnings() {
					if strings.Contains(w.Message, "carriage return alone") {
						warns = append(warns, w.Source.Line)
						if want := fmt.Sprintf("what follows it is line %d,", w.Source.Line+1); !strings.Contains(w.Message, want) {
							t.Errorf("%s: warning %q lacks %q", rd.name, w, want)
						}
					}
				}
				if fmt.Sprint(warns) != fmt.Sprint(c.warns) && !(len(warns) == 0 && len(c.warns) == 0) {
					t.Errorf("%s: bare-CR warnings at lines %v, want %v", rd.name, warns, c.warns)
				}
				for _, e := range errs {
					if strings.Contains(e.Error(), "\r") {
						t.Errorf("%s: error %q holds a CR", rd.name, e)
					}
				}
			}
			readBoth(t, []byte(c.in), 0, false)
			readBoth(t, []byte(c.in), 0, true)
		})
	}
}

// TestBareCRCounts: in a long file whose records are separated by bare CRs
// here and there (the reads cut the input at every place, CRs included),
// every record is read once, on its own line, and the warnings stop after
// maxCRWarnings with one that counts the rest.
func TestBareCRCounts(t *testing.T) {
	var b strings.Builder
	b.WriteString(s100)
	n, crs := 3000, 0
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "305,First%d,,Last,E%d,\"a\r\nb\",\"c\rd\",%s", i, i, strings.Repeat("x", i%37))
		if i%7 == 3 {
			b.WriteString("\r")
			crs++
		} else if i%2 == 0 {
			b.WriteString("\r\n")
		} else {
			b.WriteString("\n")
		}
	}
	if (n-1)%7 == 3 {
		crs-- // the last byte of the file: no warning
	}
	in := b.String()
	for _, wrap := range []func(io.Reader) io.Reader{
		func(r io.Reader) io.Reader { return r },
		iotest.OneByteReader,
		iotest.HalfReader,
	} {
		r := NewReader(wrap(strings.NewReader(in)), "in.csv")
		line, recs := 1, 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Pos.Line != line || rec.Type == "305" && rec.Values[4] != fmt.Sprintf("E%d", recs-1) {
				t.Fatalf("record %d at line %d (%q), want line %d", recs, rec.Pos.Line, rec.Values[:min(5, len(rec.Values))], line)
			}
			line += 2 // each 305 spans two lines: "a\r\nb"
			if recs == 0 {
				line = 2
			}
			recs++
		}
		if recs != n+1 {
			t.Fatalf("%d records, want %d", recs, n+1)
		}
		ws := r.Warnings()
		var crw []string
		for _, w := range ws {
			if strings.Contains(w.Message, "carriage return alone") {
				crw = append(crw, w.String())
			}
		}
		if len(crw) != maxCRWarnings+1 || !strings.Contains(crw[maxCRWarnings], fmt.Sprintf("%d more lines end with a carriage return alone", crs-maxCRWarnings)) {
			t.Fatalf("warnings %q, want %d and a count of the other %d", crw, maxCRWarnings, crs-maxCRWarnings)
		}
	}
	readBoth(t, []byte(in), 0, true)
}

// TestBareCRMatchesReference: on inputs without quoting faults, the Reader
// reads what encoding/csv reads once every bare CR outside quotes is an LF.
func TestBareCRMatchesReference(t *testing.T) {
	for _, in := range []string{
		s100 + "305,A\r305,B,\"c\rd\"\r\"305\",\"\"\"\r\"\r\n\r\r\n305,x",
		"305;\"a;\r\";b\r400;\"\"\r",
		"\ufeff305\t\"x\ry\"\tz\r305\tq\r\r",
	} {
		rows, lines, err := csvRows([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i, row := range rows {
			want = append(want, fmt.Sprintf("%d %q", lines[i], row))
		}
		r := NewReader(iotest.OneByteReader(bytes.NewReader([]byte(in))), "in.csv")
		var got []string
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d %q", rec.Pos.Line, rec.Values))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%q:\ngot  %s\nwant %s", in, got, want)
		}
	}
}
