package pipeline

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/upsmigrate/upsmigrate/internal/dropbehind"
)

// createTemp creates the temporary file name in dir, readable by its
// owner only.
func createTemp(dir, name string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	return f, nil
}

// entryWriter appends entries to a temporary file and reads sections of
// it back.
type entryWriter struct {
	f    *os.File
	w    *bufio.Writer
	off  int64               // bytes written
	drop *dropbehind.Dropper // of an output, not read back (dropBehind)
	lb   [binary.MaxVarintLen64]byte
}

func newEntryWriter(dir, name string) (*entryWriter, error) {
	f, err := createTemp(dir, name)
	if err != nil {
		return nil, err
	}
	return &entryWriter{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// dropBehind hands what e writes, as it goes, to drop: e is an output
// the run does not read back.
func (e *entryWriter) dropBehind(drop *dropbehind.Dropper) {
	e.drop = drop
	e.w.Reset(drop.Writer(e.f))
}

// write appends bytes (whole entries).
func (e *entryWriter) write(p []byte) error {
	n, err := e.w.Write(p)
	e.off += int64(n)
	if err != nil {
		return fmt.Errorf("spill: %s: %w", e.f.Name(), err)
	}
	return nil
}

// entry appends the parts of a payload as one entry.
func (e *entryWriter) entry(parts ...[]byte) error {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if err := e.write(e.lb[:binary.PutUvarint(e.lb[:], uint64(n))]); err != nil {
		return err
	}
	for _, p := range parts {
		if err := e.write(p); err != nil {
			return err
		}
	}
	return nil
}

func (e *entryWriter) flush() error {
	if err := e.w.Flush(); err != nil {
		return fmt.Errorf("spill: %s: %w", e.f.Name(), err)
	}
	return nil
}

// truncate drops what was written past off.
func (e *entryWriter) truncate(off int64) error {
	err := e.flush()
	if err == nil {
		if err = e.f.Truncate(off); err == nil {
			_, err = e.f.Seek(off, io.SeekStart)
		}
		if err != nil {
			err = fmt.Errorf("spill: %s: %w", e.f.Name(), err)
		}
	}
	e.w.Reset(e.drop.Writer(e.f))
	e.off = off
	return err
}

func (e *entryWriter) close() error {
	if e == nil || e.f == nil {
		return nil
	}
	err := e.f.Close()
	e.f = nil
	return err
}

// section is a range of a temporary file.
type section struct{ off, n int64 }

// reader reads the entries of sec; the writer must be flushed.
func (e *entryWriter) reader(sec section, bufSize int) *entryReader {
	return &entryReader{r: bufio.NewReaderSize(io.NewSectionReader(e.f, sec.off, sec.n), bufSize), left: sec.n,
		name: e.f.Name(), off: sec.off}
}

// entryReader reads the entries of a section one at a time.
type entryReader struct {
	r    *bufio.Reader
	left int64 // bytes of the section not read yet
	buf  []byte
	name string
	off  int64 // offset of the next entry in the file
}

// next returns the next entry's payload, valid until the following call;
// io.EOF at the end of the section.
func (r *entryReader) next() ([]byte, error) {
	if r.left == 0 {
		return nil, io.EOF
	}
	n, err := binary.ReadUvarint(r.r)
	if err == nil && n > uint64(r.left) {
		err = errCorrupt
	}
	if err != nil {
		return nil, r.fail(err)
	}
	var p []byte
	if n <= uint64(r.r.Size()) {
		// In the read buffer: returned from there, not copied.
		if p, err = r.r.Peek(int(n)); err == nil {
			_, err = r.r.Discard(int(n))
		}
	} else {
		if uint64(cap(r.buf)) < n {
			r.buf = make([]byte, n)
		}
		p = r.buf[:n]
		_, err = io.ReadFull(r.r, p)
	}
	if err != nil {
		return nil, r.fail(err)
	}
	used := int64(uvarintLen(n)) + int64(n)
	r.left -= used
	r.off += used
	if r.left < 0 {
		return nil, r.fail(errCorrupt)
	}
	return p, nil
}

func (r *entryReader) fail(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("spill: %s: entry at offset %d: %w", r.name, r.off, err)
}

// blockStore files entries by partition: each partition fills a buffer,
// appended to one temporary file as a block when full. A partition's
// entries are its blocks' in order.
type blockStore struct {
	f      *os.File
	off    int64
	size   int // the buffer of an open partition
	sealed int // the buffer of a sealed one
	parts  []partBlocks
}

type partBlocks struct {
	buf    []byte
	blocks []section
	sealed bool // gets entries now and then (ranges): blockStore.sealed
}

// A sealed partition's buffer: the records a sealed range gets come in
// trickles (an employee's records in files read after the one that
// opened the range), each buffer flushed is a write and later a read of
// its own. When the partitions are few enough for each to have the
// largest buffer (64 KiB) within blockBudget, a sealed one keeps it:
// alternated runs of 200k employees of the mixed shape (256 partitions)
// took 1.5-2.5% less CPU than with 4 KiB buffers, while 16 KiB gained
// nothing measurable. Otherwise it has sealedBuf: at 1M employees (1,250
// partitions) buffers of each partition's share (13 KiB) raised the peak
// of the read pass, which is the run's peak, by 20 MB.
const (
	sealedBuf = minBuf
	minBuf    = 4 << 10
	maxBuf    = 64 << 10
)

// blockBudget bounds the memory of all partitions' buffers together.
const blockBudget = 16 << 20

func newBlockStore(dir, name string, parts int) (*blockStore, error) {
	f, err := createTemp(dir, name)
	if err != nil {
		return nil, err
	}
	size := min(max(blockBudget/parts, minBuf), maxBuf)
	sealed := sealedBuf
	if parts*maxBuf <= blockBudget {
		sealed = maxBuf
	}
	return &blockStore{f: f, size: size, sealed: sealed, parts: make([]partBlocks, parts)}, nil
}

// add files an entry (bytes holding whole entries) under partition p;
// a partition past the last is added.
func (b *blockStore) add(p int, entry []byte) error {
	for p >= len(b.parts) {
		b.parts = append(b.parts, partBlocks{})
	}
	pb := &b.parts[p]
	size := b.size
	if pb.sealed {
		size = b.sealed
	}
	if pb.buf == nil {
		pb.buf = make([]byte, 0, size+size/4)
	}
	pb.buf = append(pb.buf, entry...)
	if len(pb.buf) >= size {
		return b.flush(p)
	}
	return nil
}

func (b *blockStore) flush(p int) error {
	pb := &b.parts[p]
	if len(pb.buf) == 0 {
		return nil
	}
	if _, err := b.f.Write(pb.buf); err != nil {
		return fmt.Errorf("spill: %s: %w", b.f.Name(), err)
	}
	pb.blocks = append(pb.blocks, section{b.off, int64(len(pb.buf))})
	b.off += int64(len(pb.buf))
	pb.buf = pb.buf[:0]
	return nil
}

// seal writes what partition p's buffer holds and frees it: p gets
// entries now and then from here on, into a small buffer.
func (b *blockStore) seal(p int) error {
	err := b.flush(p)
	b.parts[p].buf, b.parts[p].sealed = nil, true
	return err
}

// finish writes what the buffers hold and frees them.
func (b *blockStore) finish() error {
	for p := range b.parts {
		if err := b.flush(p); err != nil {
			return err
		}
		b.parts[p].buf = nil
	}
	return nil
}

// block reads a block as a string. The string is made from a buffer no
// one else holds or changes, without a copy: the strings decoded from it
// are substrings, which the mapping engine keeps.
func (b *blockStore) block(sec section) (string, error) {
	buf := make([]byte, sec.n)
	if _, err := b.f.ReadAt(buf, sec.off); err != nil {
		return "", fmt.Errorf("spill: %s: block at offset %d: %w", b.f.Name(), sec.off, err)
	}
	if len(buf) == 0 {
		return "", nil
	}
	return unsafe.String(&buf[0], len(buf)), nil
}

func (b *blockStore) close() error {
	if b == nil || b.f == nil {
		return nil
	}
	err := b.f.Close()
	b.f = nil
	return err
}

// uvarintLen is the length of x's uvarint encoding.
func uvarintLen(x uint64) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}
