package concur

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/upsmigrate/upsmigrate/internal/gen"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

var sentinels = []struct {
	name string
	err  error
}{
	{"empty", ErrEmpty}, {"nottext", ErrNotText}, {"read", ErrRead},
	{"type", ErrUnknownType}, {"width", ErrTooManyFields}, {"quote", ErrQuote},
	{"utf8", ErrInvalidUTF8}, {"nul", ErrNUL}, {"control", ErrControl}, {"toolong", ErrRecordTooLong},
	{"setting", ErrSetting},
}

func kind(err error) string {
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.name
		}
	}
	return fmt.Sprintf("%T", err)
}

// drain reads r to its end and renders what Next returned: "305@2/5" for a
// 305 record on line 2 with 5 values, "err@3:1 type" for a recoverable error
// on line 3 field 1, "fatal@1 empty" for a fatal one. It returns the errors
// too.
func drain(t *testing.T, r *Reader) ([]string, []*model.ParseError) {
	t.Helper()
	var out []string
	var errs []*model.ParseError
	for i := 0; i < 1000000; i++ {
		rec, err := r.Next()
		if err == io.EOF {
			return out, errs
		}
		if err != nil {
			var pe *model.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *model.ParseError", err, err)
			}
			errs = append(errs, pe)
			if pe.Fatal {
				return append(out, fmt.Sprintf("fatal@%d %s", pe.Line, kind(err))), errs
			}
			f := ""
			if pe.Field != "" {
				f = ":" + pe.Field
			}
			out = append(out, fmt.Sprintf("err@%d%s %s", pe.Line, f, kind(err)))
			continue
		}
		out = append(out, fmt.Sprintf("%s@%d/%d", rec.Type, rec.Pos.Line, len(rec.Values)))
	}
	t.Fatal("reader did not end")
	return nil, nil
}

func fields(n int, fill string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fill
	}
	return strings.Join(parts, ",")
}

const s100 = "100,0,SSO,UPDATE,EN,N,N\n"

func TestReader(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		want  []string
		warns []string // "line: start of message"
		check func(t *testing.T, r *Reader, errs []*model.ParseError)
	}{
		{
			name: "lf with settings",
			in:   s100 + "305,Ann,,Lee,E1,ann@x.example\n400,E1,EXP_APPROVER\n",
			want: []string{"100@1/7", "305@2/6", "400@3/3"},
			check: func(t *testing.T, r *Reader, _ []*model.ParseError) {
				s := r.Settings()
				if !s.Present || s.Line != 1 || s.PasswordGeneration != "SSO" || s.ValidateExpenseGroup || s.ValidatePaymentGroup {
					t.Errorf("settings = %+v", s)
				}
			},
		},
		{
			name: "bom and crlf",
			in:   "\ufeff" + strings.ReplaceAll(s100+"305,Ann,,Lee,E1\n305,Bo,,Ng,E2\n", "\n", "\r\n"),
			want: []string{"100@1/7", "305@2/5", "305@3/5"},
		},
		{
			name: "quoted commas, doubled quotes, embedded newline",
			in:   s100 + "305,\"Lee, Ann\",\"say \"\"hi\"\"\",\"two\nlines\",E1\n305,Bo\n",
			want: []string{"100@1/7", "305@2/5", "305@4/2"},
		},
		{
			name: "blank lines and empty rows",
			in:   "\n" + s100 + "\n\n,,,,\n  ,\t\n305,Ann\n\r\n400,E1\n\n",
			want: []string{"100@2/7", "305@7/2", "400@9/2"},
		},
		{
			name:  "missing 100",
			in:    "305,Ann\n305,Bo\n",
			want:  []string{"305@1/2", "305@2/2"},
			warns: []string{"1: no import settings record (100)"},
			check: func(t *testing.T, r *Reader, _ []*model.ParseError) {
				if s := r.Settings(); s != DefaultSettings() {
					t.Errorf("settings = %+v, want defaults", s)
				}
			},
		},
		{
			name:  "100 not first",
			in:    "305,Ann\n100,5,EMPID,REPLACE,EN,Y,Y\n",
			want:  []string{"305@1/2", "100@2/7"},
			warns: []string{"1: no import settings record", "2: import settings record (100) is not the first"},
			check: func(t *testing.T, r *Reader, _ []*model.ParseError) {
				if s := r.Settings(); s.Present || s.ErrorThreshold != 0 {
					t.Errorf("settings = %+v, want defaults", s)
				}
			},
		},
		{
			name: "short 100",
			in:   "100,3\n305,Ann\n",
			want: []string{"100@1/2", "305@2/2"},
			check: func(t *testing.T, r *Reader, _ []*model.ParseError) {
				s := r.Settings()
				if !s.Present || s.ErrorThreshold != 3 || s.ExistingRecordHandling != "UPDATE" || !s.ValidateExpenseGroup {
					t.Errorf("settings = %+v", s)
				}
			},
		},
		{
			name: "bad 100 values",
			in:   "100,-1,SSO,MERGE,EN,y,N\n305,Ann\n",
			want: []string{"err@1:2 setting", "305@2/2"},
			check: func(t *testing.T, r *Reader, errs []*model.ParseError) {
				s := r.Settings()
				if !s.Present || s.ExistingRecordHandling != "UPDATE" || s.PasswordGeneration != "SSO" || !s.ValidateExpenseGroup || s.ValidatePaymentGroup {
					t.Errorf("settings = %+v: want the valid fields applied, defaults for the bad ones", s)
				}
				if msg := errs[0].Error(); !strings.Contains(msg, `Error Threshold is "-1": expected a whole number`) {
					t.Errorf("message %q", msg)
				}
				if len(r.Warnings()) != 0 {
					t.Errorf("warnings %v: a bad 100 record is not a missing one", r.Warnings())
				}
			},
		},
		{
			name: "100 too wide",
			in:   "100,0,SSO,UPDATE,EN,N,N,X\n305,Ann\n",
			want: []string{"err@1:8 width", "305@2/2"},
		},
		{
			name: "unknown record type",
			in:   s100 + "999,x\n305,Ann\n 305,Bo\n,Cy\n",
			want: []string{"100@1/7", "err@2:1 type", "305@3/2", "err@4:1 type", "err@5:1 type"},
			check: func(t *testing.T, _ *Reader, errs []*model.ParseError) {
				for i, want := range []string{
					`in.csv:2:1: unknown record type "999": expected one of 100, 300, 305, 310, 320, 350, 370, 400, 500, 550`,
					`in.csv:4:1: unknown record type " 305": expected exactly 305, without spaces around it`,
					`in.csv:5:1: unknown record type: field 1 is empty`,
				} {
					if got := errs[i].Error(); !strings.HasPrefix(got, want) {
						t.Errorf("error %d = %q, want prefix %q", i, got, want)
					}
				}
			},
		},
		{
			name: "too many fields",
			in:   s100 + "400," + fields(12, "a") + "\n400," + fields(13, "a") + "\n" + "305," + fields(136, "") + "\n305," + fields(137, "") + "\n",
			want: []string{"100@1/7", "400@2/13", "err@3:14 width", "305@4/137", "err@5:138 width"},
			check: func(t *testing.T, _ *Reader, errs []*model.ParseError) {
				if errs[0].Column != 29 {
					t.Errorf("column = %d, want 29 (the 14th field)", errs[0].Column)
				}
				if want := "this 400 record (Role Import) has 14 fields; expected at most 13"; !strings.Contains(errs[0].Error(), want) {
					t.Errorf("message %q lacks %q", errs[0], want)
				}
			},
		},
		{
			name: "unterminated quote at end of file",
			in:   s100 + "305,Ann\n305,\"Bo,Ng\n",
			want: []string{"100@1/7", "305@2/2", "err@3:2 quote"},
		},
		{
			name: "unterminated quote resumes on the next line",
			in:   s100 + "305,\"Ann,Lee,E1\n305,Bo,,Ng,E2\n400,E2,EXP_APPROVER\n",
			want: []string{"100@1/7", "err@2:2 quote", "305@3/5", "400@4/3"},
			check: func(t *testing.T, _ *Reader, errs []*model.ParseError) {
				want := "in.csv:2:2: bad quoting: unterminated quoted field: the quote opening field 2 at column 5 is never closed; expected a closing quote before the end of the file; reading resumes on line 3"
				if got := errs[0].Error(); !strings.HasPrefix(got, want) {
					t.Errorf("message\n%q\nwant prefix\n%q", got, want)
				}
			},
		},
		{
			name: "quote closed on a later line then stray text",
			in:   s100 + "305,\"Ann\n305,\"Bo\"x,E2\n305,Cy\n",
			want: []string{"100@1/7", "err@2:2 quote", "err@3:2 quote", "305@4/2"},
		},
		{
			name: "stray quote and bare quote",
			in:   s100 + "305,\"Ann\"x,Lee\n305,An\"n,Lee\n305,Bo\n",
			want: []string{"100@1/7", "err@2:2 quote", "err@3:2 quote", "305@4/2"},
			check: func(t *testing.T, _ *Reader, errs []*model.ParseError) {
				if errs[0].Column != 5 || errs[1].Column != 5 {
					t.Errorf("columns %d, %d, want 5, 5", errs[0].Column, errs[1].Column)
				}
			},
		},
		{
			name: "invalid utf-8",
			in:   s100 + "305,Jos\xe9,,Lee\n305,José\n",
			want: []string{"100@1/7", "err@2:2 utf8", "305@3/2"},
			check: func(t *testing.T, _ *Reader, errs []*model.ParseError) {
				if errs[0].Column != 5 {
					t.Errorf("column %d, want 5", errs[0].Column)
				}
			},
		},
		{
			name: "nul byte",
			in:   s100 + "305,Ann,\x00,Lee\n305,Bo\n",
			want: []string{"100@1/7", "err@2:3 nul", "305@3/2"},
		},
		{
			name: "password never echoed",
			in:   s100 + "305,Ann,,Lee,E1,ann@x.example,s3cr\xe9t-pw\n305,Ann,,Lee,E1,ann@x.example,\"s3cret\"x\n",
			want: []string{"100@1/7", "err@2:7 utf8", "err@3:7 quote"},
			check: func(t *testing.T, _ *Reader, errs []*model.ParseError) {
				for _, e := range errs {
					if strings.Contains(e.Error(), "s3cr") {
						t.Errorf("error echoes the password: %v", e)
					}
				}
			},
		},
		{
			name: "binary garbage",
			in:   "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00",
			want: []string{"fatal@1 nottext"},
		},
		{
			name: "utf-16",
			in:   "\xff\xfe3\x000\x005\x00,\x00",
			want: []string{"fatal@1 nottext"},
		},
		{
			name: "utf-16 without bom",
			in:   "3\x000\x005\x00,\x00A\x00n\x00n\x00\n\x00",
			want: []string{"fatal@1 nottext"},
			check: func(t *testing.T, _ *Reader, errs []*model.ParseError) {
				if !strings.Contains(errs[0].Error(), "UTF-16") {
					t.Errorf("message %q does not suggest UTF-16", errs[0])
				}
			},
		},
		{name: "empty", in: "", want: []string{"fatal@1 empty"}},
		{name: "bom only", in: "\ufeff", want: []string{"fatal@1 empty"}},
		{name: "blank lines only", in: "\n\r\n,,,\n", want: []string{"fatal@1 empty"}},
		{
			name: "short rows keep their length",
			in:   s100 + "305\n550,E1,E2\n",
			want: []string{"100@1/7", "305@2/1", "550@3/3"},
		},
		{
			name: "no final newline, CR at end",
			in:   s100 + "400,E1,EXP_APPROVER\r",
			want: []string{"100@1/7", "400@2/3"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(c.in), "in.csv")
			got, errs := drain(t, r)
			if strings.Join(got, " ") != strings.Join(c.want, " ") {
				t.Errorf("got  %v\nwant %v", got, c.want)
			}
			var warns []string
			for _, w := range r.Warnings() {
				warns = append(warns, fmt.Sprintf("%d: %s", w.Source.Line, w.Message))
			}
			if len(warns) != len(c.warns) {
				t.Errorf("warnings %q, want %q", warns, c.warns)
			} else {
				for i := range warns {
					if !strings.HasPrefix(warns[i], c.warns[i]) {
						t.Errorf("warning %q, want prefix %q", warns[i], c.warns[i])
					}
				}
			}
			for _, e := range errs {
				if e.File != "in.csv" || e.Line < 1 || !strings.HasPrefix(e.Error(), "in.csv:") || !strings.Contains(e.Error(), "expected") {
					t.Errorf("error %q: want in.csv:line and what was expected", e)
				}
			}
			if c.check != nil {
				c.check(t, r, errs)
			}
		})
	}
}

func TestRecordContents(t *testing.T) {
	in := s100 + "305,\"Lee, Ann\",\"say \"\"hi\"\"\",\"two\r\nlines\",E1\n"
	r := NewReader(strings.NewReader(in), "f.csv")
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Format != model.FormatConcur || rec.Type != "305" || rec.Pos != (model.Position{File: "f.csv", Line: 2}) {
		t.Errorf("record %+v", rec)
	}
	want := []string{"305", "Lee, Ann", `say "hi"`, "two\nlines", "E1"}
	if strings.Join(rec.Values, "|") != strings.Join(want, "|") {
		t.Errorf("values %q, want %q", rec.Values, want)
	}
	if got := fmt.Sprint(rec.Lines); got != "[2 2 2 2 3]" {
		t.Errorf("lines %s, want [2 2 2 2 3]", got)
	}
	if v, ok := rec.Get("5"); !ok || v != "E1" {
		t.Errorf("Get(5) = %q, %v", v, ok)
	}
	if s := rec.Source(4).String(); s != "f.csv:3:5 (Employee ID)" {
		t.Errorf("source %q", s)
	}
	if len(rec.Keys) != 137 || rec.Names[1] != "First Name" {
		t.Errorf("keys %d, names[1] %q", len(rec.Keys), rec.Names[1])
	}
	rec2, _ := NewReader(strings.NewReader("305,A\n"), "g").Next()
	if &rec2.Keys[0] != &rec.Keys[0] || &rec2.Names[0] != &rec.Names[0] {
		t.Error("Keys and Names are not shared between records of a type")
	}
}

// TestMatchesEncodingCSV reads a generated file with the Reader and with
// encoding/csv: the values must be the same.
func TestMatchesEncodingCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := gen.Write305(&buf, 3000, 5); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(bytes.NewReader(buf.Bytes()))
	cr.FieldsPerRecord = -1
	want, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(iotest.HalfReader(bytes.NewReader(buf.Bytes())), "gen.csv")
	for i := 0; ; i++ {
		rec, err := r.Next()
		if err == io.EOF {
			if i != len(want) {
				t.Fatalf("read %d records, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Pos.Line != i+1 || strings.Join(rec.Values, "\x1f") != strings.Join(want[i], "\x1f") {
			t.Fatalf("record %d at line %d differs from encoding/csv", i, rec.Pos.Line)
		}
	}
	if len(r.Warnings()) != 0 {
		t.Errorf("warnings %v", r.Warnings())
	}
}

// TestRecycle hands every few records back: the records read after reuse
// their arrays, and hold the same values as encoding/csv's; the values
// read before stay as they were.
func TestRecycle(t *testing.T) {
	var buf bytes.Buffer
	if err := gen.Write305(&buf, 2000, 7); err != nil {
		t.Fatal(err)
	}
	cr := csv.NewReader(bytes.NewReader(buf.Bytes()))
	cr.FieldsPerRecord = -1
	want, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(bytes.NewReader(buf.Bytes()), "gen.csv")
	var kept []string // one value of every record, taken when it was read
	var batch, held []*model.Record
	reused := 0
	seen := map[*string]bool{}
	for i := 0; ; i++ {
		rec, err := r.Next()
		if err == io.EOF {
			if i != len(want) {
				t.Fatalf("read %d records, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(rec.Values, "\x1f") != strings.Join(want[i], "\x1f") {
			t.Fatalf("record %d differs from encoding/csv", i)
		}
		if p := &rec.Values[:1][0]; seen[p] {
			reused++
		} else {
			seen[p] = true
		}
		kept = append(kept, rec.Values[len(rec.Values)-1])
		batch = append(batch, rec)
		if len(batch) == 16 {
			if i%32 < 16 {
				r.Recycle(batch)
			} else {
				held = append(held, batch...) // never handed back: must not change
			}
			batch = nil
		}
	}
	for _, rec := range held {
		if w := want[rec.Pos.Line-1]; strings.Join(rec.Values, "\x1f") != strings.Join(w, "\x1f") {
			t.Fatalf("record of line %d, never recycled, changed: %q, want %q", rec.Pos.Line, rec.Values, w)
		}
	}
	if len(held) == 0 {
		t.Fatal("no record held")
	}
	if reused == 0 {
		t.Error("no record reused a recycled array")
	}
	for i, v := range kept {
		if w := want[i][len(want[i])-1]; v != w {
			t.Fatalf("value of record %d changed after recycling: %q, want %q", i, v, w)
		}
	}
}

// TestLongLine: a 10 MB field is a valid record; the same record over a
// smaller limit is an error and reading goes on.
func TestLongLine(t *testing.T) {
	big := strings.Repeat("x", 10<<20)
	in := s100 + "305," + big + ",Lee\n305,Bo\n"
	got, _ := drain(t, NewReader(strings.NewReader(in), "in.csv"))
	if want := "100@1/7 305@2/3 305@3/2"; strings.Join(got, " ") != want {
		t.Errorf("10 MB line: got %v, want %s", got, want)
	}

	for _, c := range []struct{ name, in, want string }{
		{"single line", s100 + "305," + strings.Repeat("x", 300<<10) + "\n305,Bo\n", "100@1/7 err@2 toolong 305@3/2"},
		{"unterminated quote", s100 + "305,\"" + strings.Repeat("305,Bo\n", 20000), "100@1/7 err@2 toolong 305@3/2 305@4/2"},
		{"no newline at all", "305," + strings.Repeat("y", 1<<20), "err@1 toolong"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(c.in), "in.csv")
			r.maxRecord = 16 << 10
			got, _ := drain(t, r)
			g := strings.Join(got, " ")
			if !strings.HasPrefix(g, c.want) {
				g = g[:min(len(g), 200)]
				t.Errorf("got %s…, want prefix %s", g, c.want)
			}
		})
	}
}

type failAfter struct {
	r io.Reader
	n int
}

var errDisk = errors.New("disk gone")

func (f *failAfter) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errDisk
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestReadErrorIsFatalAndSticky(t *testing.T) {
	in := s100 + "305,Ann\n305,Bo\n" + strings.Repeat("305,Cy\n", 20000)
	r := NewReader(&failAfter{r: strings.NewReader(in), n: 70000}, "in.csv")
	var last error
	for i := 0; i < 30000; i++ {
		_, err := r.Next()
		if err != nil {
			last = err
			break
		}
	}
	var pe *model.ParseError
	if !errors.As(last, &pe) || !pe.Fatal || !errors.Is(last, errDisk) || !errors.Is(last, ErrRead) {
		t.Fatalf("got %v, want a fatal read error wrapping %v", last, errDisk)
	}
	if _, err := r.Next(); err != last {
		t.Errorf("Next after a fatal error = %v, want the same error", err)
	}
}

func TestTypesTable(t *testing.T) {
	counts := map[string]int{"100": 7, "300": 86, "305": 137, "310": 24, "320": 9, "350": 67, "370": 30, "400": 13, "500": 11, "550": 18}
	ts := Types()
	if len(ts) != len(counts) {
		t.Fatalf("%d types, want %d", len(ts), len(counts))
	}
	for _, rt := range ts {
		if counts[rt.Code] != len(rt.Fields) {
			t.Errorf("%s: %d fields, want %d", rt.Code, len(rt.Fields), counts[rt.Code])
		}
		for i, f := range rt.Fields {
			if f.Number != i+1 || f.Name == "" {
				t.Errorf("%s field %d: %+v", rt.Code, i+1, f)
			}
		}
		if f := rt.Fields[0]; !f.Required || len(f.Allowed) != 1 || f.Allowed[0] != rt.Code {
			t.Errorf("%s: field 1 = %+v, want the required literal %s", rt.Code, f, rt.Code)
		}
		if got, ok := Lookup(rt.Code); !ok || got != rt {
			t.Errorf("Lookup(%s) = %v, %v", rt.Code, got, ok)
		}
		if len(rt.Keys()) != len(rt.Fields) || rt.Keys()[len(rt.Fields)-1] != fmt.Sprint(len(rt.Fields)) {
			t.Errorf("%s: keys %v", rt.Code, rt.Keys())
		}
	}
	if _, ok := Lookup("360"); ok {
		t.Error("Lookup(360): out-of-scope type found")
	}
	if f := rt305.Fields[4]; f.Name != "Employee ID" || f.MaxLen != 48 {
		t.Errorf("305 field 5 = %+v", f)
	}
}
