package pipeline

import (
	"io"
	"os"
)

// A spill is written once and, for most of its sections, read once: what
// the merge has read is given back to the file system as it goes
// (freeRange punches a hole), so the outputs written meanwhile take the
// pages the spill leaves instead of growing the page cache by both. The
// spill's footprint on disk and in memory shrinks as the merge goes.

// freeGrain is how much a consuming reader reads between two holes.
const freeGrain = 1 << 20

// consumer reads a section of f and frees the whole pages of it already
// read. Pages the section shares with its neighbours are never freed.
type consumer struct {
	f        *os.File
	off, end int64 // the next byte to read; the end of the section
	freed    int64 // the section is freed below this offset (page aligned)
	failed   bool  // the file system cannot free: stop trying
}

func newConsumer(f *os.File, sec section) *consumer {
	return &consumer{f: f, off: sec.off, end: sec.off + sec.n, freed: alignUp(sec.off)}
}

func (c *consumer) Read(p []byte) (int, error) {
	if c.off >= c.end {
		return 0, io.EOF
	}
	if int64(len(p)) > c.end-c.off {
		p = p[:c.end-c.off]
	}
	n, err := c.f.ReadAt(p, c.off)
	c.off += int64(n)
	if err == io.EOF && c.off == c.end {
		err = nil
	}
	if upTo := alignDown(c.off); !c.failed && upTo-c.freed >= freeGrain {
		if freeRange(c.f, c.freed, upTo-c.freed) != nil {
			c.failed = true
		}
		c.freed = upTo
	}
	return n, err
}

const pageSize = 4 << 10

func alignUp(x int64) int64   { return (x + pageSize - 1) &^ (pageSize - 1) }
func alignDown(x int64) int64 { return x &^ (pageSize - 1) }

// consumer reads the entries of sec once, freeing them as it goes: sec
// must not be read again.
func (e *entryWriter) consumer(sec section, bufSize int) *entryReader {
	r := e.reader(sec, bufSize)
	r.r.Reset(newConsumer(e.f, sec))
	return r
}
