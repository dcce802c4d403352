package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/upsmigrate/upsmigrate/mapping"
)

// fuzzName names the fuzzed workbook in errors.
const fuzzName = "fuzz.xlsx"

// maxReadTime bounds one Read of a fuzz input (a few kB: real workbooks
// load in milliseconds; the margin is for a loaded machine).
const maxReadTime = 20 * time.Second

// FuzzRead reads arbitrary bytes as a mapping workbook (seeded with
// exports of the embedded tables, with and without defaults, cut short and
// slightly damaged). See checkRead for what it checks.
func FuzzRead(f *testing.F) {
	tmp := fuzzTmp(f)
	for _, book := range seedBooks(f) {
		f.Add(book)
		f.Add(book[:len(book)/2])
		f.Add(book[:len(book)-22]) // no end of central directory
		damaged := bytes.Clone(book)
		damaged[len(damaged)/3] ^= 0xff
		f.Add(damaged)
	}
	f.Add([]byte{})
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Add([]byte(strings.Join(mapping.Columns, ",") + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRead(t, data, tmp)
	})
}

// FuzzReadParts reads an exported workbook one of whose parts (sheets,
// shared strings, workbook, content types …, chosen by which) is replaced
// by arbitrary bytes, stored uncompressed so that excelize parses them.
// See checkRead for what it checks.
func FuzzReadParts(f *testing.F) {
	tmp := fuzzTmp(f)
	book := seedBooks(f)[1]
	zr, err := zip.NewReader(bytes.NewReader(book), int64(len(book)))
	if err != nil {
		f.Fatal(err)
	}
	parts := make([][]byte, len(zr.File))
	for i, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			f.Fatal(err)
		}
		parts[i], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			f.Fatal(err)
		}
	}
	f.Add(uint8(0), parts[0]) // the workbook as exported
	// A few damaged parts of note: the sheet list, a sheet, shared strings.
	for i, zf := range zr.File {
		switch {
		case zf.Name == "xl/workbook.xml":
			f.Add(uint8(i), []byte(strings.Replace(string(parts[i]), `name="305"`, `name="3 05"`, 1)))
		case strings.HasPrefix(zf.Name, "xl/worksheets/sheet"):
			f.Add(uint8(i), []byte(strings.Replace(string(parts[i]), `r="A1"`, `r="XFD1048576"`, 1)))
			f.Add(uint8(i), []byte(strings.Replace(string(parts[i]), `<row r="2"`, `<row r="999999"`, 1)))
		case zf.Name == "xl/sharedStrings.xml":
			f.Add(uint8(i), []byte(strings.Replace(string(parts[i]), "<si>", "<si><t>\x00&#0;&lt;</t></si><si>", 1)))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, part []byte) {
		i := int(which) % len(zr.File)
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for j, zf := range zr.File {
			w, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Store})
			if err != nil {
				t.Fatal(err)
			}
			body := parts[j]
			if j == i {
				body = part
			}
			if _, err := w.Write(body); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		checkRead(t, buf.Bytes(), tmp)
	})
}

// checkRead reads data as a workbook. It must not panic, must end within
// maxReadTime, and must leave no temporary file in TMPDIR (tmp). An error
// is either about the file as a whole (naming it) or one *Problem per
// problem, each naming the workbook, at a sheet row within the limits or
// at the whole sheet or workbook. A workbook that loads gives a set whose
// export loads to the same tables and defaults.
func checkRead(t *testing.T, data []byte, tmp string) {
	t.Helper()
	start := time.Now()
	set, err := Read(bytes.NewReader(data), fuzzName)
	if d := time.Since(start); d > maxReadTime {
		t.Fatalf("Read took %s on %d bytes", d, len(data))
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Fatalf("temporary files left in TMPDIR: %v", left[0].Name())
	}
	if err != nil {
		if set != nil {
			t.Fatal("a set and an error")
		}
		checkReadError(t, err)
		return
	}
	var buf bytes.Buffer
	if err := Export(set, &buf); err != nil {
		t.Fatalf("the loaded set does not export: %v", err)
	}
	again, err := Read(&buf, "again.xlsx")
	if err != nil {
		t.Fatalf("the export of a loaded workbook does not load: %v", err)
	}
	for _, tb := range set.Tables() {
		tb2, ok := again.Table(tb.Name)
		if !ok {
			t.Fatalf("table %s lost in the export", tb.Name)
		}
		if !reflect.DeepEqual(stripLines(tb.Rows()), stripLines(tb2.Rows())) {
			t.Fatalf("table %s changed through its export", tb.Name)
		}
	}
	if len(again.Tables()) != len(set.Tables()) {
		t.Fatalf("%d tables, %d after export", len(set.Tables()), len(again.Tables()))
	}
	if set.Defaults().Len() != again.Defaults().Len() {
		t.Fatalf("%d defaults, %d after export", set.Defaults().Len(), again.Defaults().Len())
	}
}

func checkReadError(t *testing.T, err error) {
	t.Helper()
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		var p *Problem
		if errors.As(err, &p) {
			t.Fatalf("a lone problem, not joined: %v", err)
		}
		if !strings.HasPrefix(err.Error(), fuzzName+": ") {
			t.Fatalf("file error %q does not name the workbook", err)
		}
		return
	}
	for _, e := range j.Unwrap() {
		p, ok := e.(*Problem)
		if !ok {
			t.Fatalf("problem %T is not a *Problem: %v", e, e)
		}
		if p.File != fuzzName || p.Err == nil || p.Row < 0 || p.Row > MaxRows+1 || (p.Sheet == "" && (p.Row != 0 || p.Cell != "")) {
			t.Fatalf("problem outside the workbook: %+v: %v", p, p)
		}
		if !strings.HasPrefix(p.Error(), fuzzName+":") {
			t.Fatalf("problem %q does not name the workbook", p)
		}
	}
}

// fuzzTmp points TMPDIR at an empty directory of the fuzz process, for
// checkRead to find temporary files left behind.
func fuzzTmp(f *testing.F) string {
	tmp := f.TempDir()
	f.Setenv("TMPDIR", tmp)
	return tmp
}

// seedBooks are exports of the embedded set, without and with defaults.
func seedBooks(f *testing.F) [][]byte {
	return [][]byte{export(f, defaultSet(f)), export(f, withDefaults(f))}
}
