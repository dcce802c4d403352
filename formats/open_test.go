package formats

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

func TestDetect(t *testing.T) {
	tests := []struct {
		head, want, err string
	}{
		{head: "100,0,SSO,UPDATE,EN,N,N\n", want: "concur"},
		{head: "\ufeff305,Ann", want: "concur"},
		{head: "\"305\",Ann", want: "concur"},
		{head: "  \n<?xml version=\"1.0\"?><batch/>", want: "v1xml"},
		{head: "\ufeff{\"Items\":[]}", want: "v3json"},
		{head: "[{}]", want: "v3json"},
		{head: "", err: "empty"},
		{head: " \r\n\t", err: "empty"},
		{head: "# a readme", err: "--format"},
		{head: "\x00\x01\x02", err: "first bytes"},
		{head: "PK\x03\x04\x14\x00\x06\x00", err: "Excel workbook (.xlsx)"},
		{head: "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", err: "Excel 97-2003 workbook (.xls)"},
		{head: "Record Type,First Name,Last Name,Employee ID\n305,Ann,Lee,E1\n", err: `line 1 is a header row ("Record Type,First Name,Last Name,Employee ID")`},
		{head: "EmployeeID;FirstName\r\n", err: "delete line 1"},
	}
	for _, tt := range tests {
		got, err := Detect([]byte(tt.head))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Detect(%q) error = %v, want %q", tt.head, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Detect(%q) = %q, %v; want %q", tt.head, got, err, tt.want)
		}
	}
}

func TestLookup(t *testing.T) {
	for _, n := range Names() {
		if e, err := Lookup(n); err != nil || e.Name != n || e.New == nil {
			t.Errorf("Lookup(%q) = %+v, %v", n, e, err)
		}
	}
	_, err := Lookup("xlsx")
	if err == nil || !strings.Contains(err.Error(), "concur, v1xml, v3json") {
		t.Errorf("Lookup(xlsx) error = %v: want the known names listed", err)
	}
}

func TestNewInputEncoding(t *testing.T) {
	// "Zoë" in windows-1252: the ë is the single byte 0xEB.
	raw := "100,0,SSO,UPDATE,EN,N,N\n305,Zo\xeb,,Lee,E1\n"
	in, err := NewInput(strings.NewReader(raw), "w.csv", Options{Encoding: "windows-1252"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		rec, err := in.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if rec.Type == "305" {
			names = append(names, rec.Field(2))
		}
	}
	if len(names) != 1 || names[0] != "Zoë" {
		t.Errorf("decoded names %q, want [Zoë]", names)
	}

	// Without --encoding the same bytes are invalid UTF-8: a record error.
	in, err = NewInput(strings.NewReader(raw), "w.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	var pe *model.ParseError
	for {
		_, err := in.Next()
		if err == io.EOF {
			break
		}
		if errors.As(err, &pe) {
			break
		}
	}
	if pe == nil || pe.Line != 2 {
		t.Errorf("invalid UTF-8 not reported at line 2: %v", pe)
	}
}

func TestNewInputErrors(t *testing.T) {
	if _, err := NewInput(strings.NewReader("x"), "a", Options{Encoding: "klingon"}); err == nil || !strings.Contains(err.Error(), "windows-1252") {
		t.Errorf("unknown encoding: %v", err)
	}
	if _, err := NewInput(strings.NewReader("x"), "a", Options{Format: "xlsx"}); err == nil {
		t.Error("unknown format accepted")
	}
	if _, err := NewInput(strings.NewReader("hello"), "a.txt", Options{}); err == nil || !strings.HasPrefix(err.Error(), "a.txt: ") {
		t.Errorf("undetectable input: %v", err)
	}
	if _, err := Open("does/not/exist.csv", Options{}); err == nil {
		t.Error("missing file opened")
	}
}

// TestNewInputLineEnds: a file whose lines end with CR alone (classic Mac
// OS, Excel's "CSV (Macintosh)") is read line by line with a warning;
// LF and CRLF files are read as they are, without one.
func TestNewInputLineEnds(t *testing.T) {
	const rec1, rec2 = "400,E1,EXP_PROCESSOR", "400,E2,EXP_APPROVER"
	tests := []struct {
		name, content string
		lines         []int
		warn          bool
	}{
		{"LF", rec1 + "\n" + rec2 + "\n", []int{1, 2}, false},
		{"CRLF", rec1 + "\r\n" + rec2 + "\r\n", []int{1, 2}, false},
		{"CR only", rec1 + "\r" + rec2 + "\r", []int{1, 2}, true},
		{"CR only, blank line", rec1 + "\r\r" + rec2, []int{1, 3}, true},
		{"quoted CR inside LF file", "\"400\",E1,\"EXP\rPROCESSOR\"\n" + rec2 + "\n", []int{1, 2}, false},
		{"CR only, LF inside a quoted cell", rec1 + "\r400,E2,\"EXP\nAPPROVER\"\r", []int{1, 2}, true},
		{"CR only, CRLF later", rec1 + "\r" + rec2 + "\r\n", []int{1, 2}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := NewInput(strings.NewReader(tt.content), "in.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			var lines []int
			var emps []string
			for {
				rec, err := in.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("record %d: %v", len(lines)+1, err)
				}
				lines = append(lines, rec.Pos.Line)
				emps = append(emps, rec.Values[1])
			}
			if len(lines) != len(tt.lines) || lines[0] != tt.lines[0] || lines[len(lines)-1] != tt.lines[len(tt.lines)-1] {
				t.Errorf("records at lines %v, want %v", lines, tt.lines)
			}
			if len(emps) == 2 && (emps[0] != "E1" || emps[1] != "E2") {
				t.Errorf("employees %v, want [E1 E2]", emps)
			}
			var warned bool
			for _, w := range in.Warnings() {
				if strings.Contains(w.Message, "carriage return alone") && w.Source.File == "in.csv" {
					warned = true
				}
			}
			if warned != tt.warn {
				t.Errorf("line-end warning = %v, want %v (%v)", warned, tt.warn, in.Warnings())
			}
		})
	}
}

// TestCRToLF reads through crToLF a byte at a time, so that every CR is
// the last byte of a read and its successor is only peeked.
func TestCRToLF(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"a\rb\r\nc\r", "a\nb\r\nc\n"},
		{"\r\r\n\r", "\n\r\n\n"},
		{"no breaks", "no breaks"},
		{"x\ny\r", "x\ny\n"},
	} {
		c := crToLF{bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(tt.in)), 16)}
		var out []byte
		p := make([]byte, 1)
		for {
			n, err := c.Read(p)
			out = append(out, p[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if string(out) != tt.want {
			t.Errorf("crToLF(%q) = %q, want %q", tt.in, out, tt.want)
		}
		whole, err := io.ReadAll(crToLF{bufio.NewReader(strings.NewReader(tt.in))})
		if err != nil || string(whole) != tt.want {
			t.Errorf("crToLF(%q) in one read = %q, %v; want %q", tt.in, whole, err, tt.want)
		}
	}
}

func TestOpenDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(dir, Options{})
	if err == nil || !strings.Contains(err.Error(), "is a directory: expected input files") {
		t.Errorf("Open(dir) error = %v, want a directory error", err)
	}
}

// TestNewInputUTF16BOM: a UTF-16 file with a byte order mark is read as
// UTF-16 without --encoding, with a note saying so.
func TestNewInputUTF16BOM(t *testing.T) {
	text := "100,0,SSO,UPDATE,EN,N,N\n305,Zoë,,Müller,E1\n"
	for _, tt := range []struct {
		name string
		enc  encoding.Encoding
	}{
		{"little-endian", unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)},
		{"big-endian", unicode.UTF16(unicode.BigEndian, unicode.UseBOM)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.enc.NewEncoder().Bytes([]byte(text))
			if err != nil {
				t.Fatal(err)
			}
			in, err := NewInput(bytes.NewReader(b), "u16.csv", Options{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for {
				rec, err := in.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if rec.Type == "305" {
					names = append(names, rec.Values[1], rec.Values[3])
				}
			}
			if strings.Join(names, " ") != "Zoë Müller" {
				t.Errorf("read %q, want Zoë Müller", names)
			}
			ws := in.Warnings()
			if len(ws) == 0 || !strings.Contains(ws[0].Message, "UTF-16") {
				t.Errorf("no note about UTF-16: %v", ws)
			}
		})
	}
}

// TestLegacyReadersStopOnBinaryTail: a legacy payload followed by
// megabytes of NUL bytes ends with one fatal error naming the line where
// the NULs start, after the records before them, in bounded memory.
func TestLegacyReadersStopOnBinaryTail(t *testing.T) {
	for _, tt := range []struct{ path, format string }{
		{"../samples/legacy/users-v1-nons.xml", "v1xml"},
		{"../samples/legacy/users-v3.1.json", "v3json"},
	} {
		t.Run(tt.format, func(t *testing.T) {
			data, err := os.ReadFile(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			lines := bytes.Count(data, []byte("\n"))
			src := io.MultiReader(bytes.NewReader(data), io.LimitReader(zeroReader{}, 8<<20))
			in, err := NewInput(src, "tail", Options{Format: tt.format})
			if err != nil {
				t.Fatal(err)
			}
			records := 0
			var fatal *model.ParseError
			for {
				_, err := in.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					if errors.As(err, &fatal) && fatal.Fatal {
						break
					}
					continue
				}
				records++
			}
			if fatal == nil {
				t.Fatalf("no fatal error after %d records", records)
			}
			if records == 0 || fatal.Line < lines {
				t.Errorf("%d records, fatal at line %d (%v); want the records and the line of the NULs (%d+)", records, fatal.Line, fatal.Err, lines)
			}
		})
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
