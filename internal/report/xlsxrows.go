package report

import (
	"bufio"
	"io"
	"os"
)

// A sheet's data rows, but Summary's and Lineage's, are rendered as they
// come (appendRawRow, as excelize's StreamWriter.SetRow renders them, at a
// fraction of its cost) into a rowFile, and spliced into each part of the
// sheet while the workbook is zipped, as the Lineage rows are
// (xlsxraw.go).

// rowMem is the most a rowFile holds in memory before it moves to a
// temporary file.
const rowMem = 4 << 20

// rowFile holds rendered rows: in memory, then, past rowMem, in a
// temporary file (0600, removed at once, so nothing stays behind).
type rowFile struct {
	mem  []byte
	f    *os.File
	w    *bufio.Writer
	size int64
	cols colNames
	buf  []byte
}

// rowSection is the rows of one part of a sheet.
type rowSection struct{ off, n int64 }

// add renders row r (1-based) into the file and counts it into sec.
func (rf *rowFile) add(sec *rowSection, r int, cells []any) error {
	rf.buf = appendRawRow(rf.buf[:0], &rf.cols, r, cells)
	if rf.f == nil && len(rf.mem)+len(rf.buf) > rowMem {
		f, err := os.CreateTemp("", "upsmigrate-rows-")
		if err != nil {
			return err
		}
		os.Remove(f.Name())
		rf.f, rf.w = f, bufio.NewWriterSize(f, 256<<10)
		if _, err := rf.w.Write(rf.mem); err != nil {
			return err
		}
		rf.mem = nil
	}
	if rf.f != nil {
		if _, err := rf.w.Write(rf.buf); err != nil {
			return err
		}
	} else {
		rf.mem = append(rf.mem, rf.buf...)
	}
	rf.size += int64(len(rf.buf))
	sec.n = rf.size - sec.off
	return nil
}

// section starts the rows of a part.
func (rf *rowFile) section() *rowSection { return &rowSection{off: rf.size} }

// copyTo writes the rows of sec.
func (rf *rowFile) copyTo(w io.Writer, sec *rowSection) error {
	if rf.f == nil {
		_, err := w.Write(rf.mem[sec.off : sec.off+sec.n])
		return err
	}
	if err := rf.w.Flush(); err != nil {
		return err
	}
	_, err := io.Copy(w, io.NewSectionReader(rf.f, sec.off, sec.n))
	return err
}

// close releases the temporary file.
func (rf *rowFile) close() {
	if rf != nil && rf.f != nil {
		rf.f.Close()
		rf.f = nil
	}
}
