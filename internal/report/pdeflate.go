package report

import (
	"bytes"
	"io"
	"runtime"

	"github.com/klauspost/compress/flate"
)

// A workbook is mostly its Lineage part, a gigabyte of XML at 200k
// employees, and deflating it on one core took as long as rendering it on
// all of them. parallelDeflate deflates a part in chunks on every core:
// each chunk a deflate stream of its own, flushed to a byte boundary and
// left open, the last one closed, so that the chunks one after the other
// are one deflate stream (as pgzip does). The part decompresses to the
// same bytes; a part of one chunk is compressed exactly as flate.Writer
// compresses it. TestParallelDeflate holds both.

// deflateChunk is the input of a chunk.
var deflateChunk = 1 << 20

// deflateJob is one chunk being compressed.
type deflateJob struct {
	in   []byte
	out  bytes.Buffer
	err  error
	done chan struct{}
}

// parallelDeflate is a deflate writer that compresses its chunks
// concurrently and writes them to out in order.
type parallelDeflate struct {
	out     io.Writer
	level   int
	cur     *deflateJob   // the chunk being filled
	pending []*deflateJob // chunks being compressed, in order
	free    []*deflateJob
	writers chan *flate.Writer
	err     error
}

// deflateWorkers is the most chunks compressed at once: a chunk in
// flight holds its input, its output and a flate.Writer, some 2.5 MiB.
const deflateWorkers = 4

func newParallelDeflate(out io.Writer, level int) *parallelDeflate {
	n := min(runtime.GOMAXPROCS(0), deflateWorkers)
	return &parallelDeflate{out: out, level: level, writers: make(chan *flate.Writer, n)}
}

func (z *parallelDeflate) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && z.err == nil {
		j := z.job()
		if len(j.in) == deflateChunk { // and more comes: not the last
			z.start(false)
			continue
		}
		k := min(len(p), deflateChunk-len(j.in))
		j.in = append(j.in, p[:k]...)
		p = p[k:]
	}
	if z.err != nil {
		return 0, z.err
	}
	return n, nil
}

// Close compresses the last chunk, ending the stream, and writes what is
// left; it does not close out.
func (z *parallelDeflate) Close() error {
	if z.err != nil {
		return z.err
	}
	z.job()
	z.start(true)
	for len(z.pending) > 0 && z.err == nil {
		z.writeOldest()
	}
	return z.err
}

// job is the chunk being filled.
func (z *parallelDeflate) job() *deflateJob {
	if z.cur == nil {
		if n := len(z.free); n > 0 {
			z.cur = z.free[n-1]
			z.free = z.free[:n-1]
			z.cur.in, z.cur.err = z.cur.in[:0], nil
			z.cur.out.Reset()
		} else {
			z.cur = &deflateJob{in: make([]byte, 0, deflateChunk)}
		}
	}
	return z.cur
}

// start compresses the current chunk, on a goroutine unless it is the
// only one, and writes out the oldest chunks while too many are pending.
func (z *parallelDeflate) start(last bool) {
	j := z.cur
	z.cur = nil
	j.done = make(chan struct{})
	if last && len(z.pending) == 0 {
		z.compress(j, true)
	} else {
		go z.compress(j, last)
	}
	z.pending = append(z.pending, j)
	for len(z.pending) > cap(z.writers) && z.err == nil {
		z.writeOldest()
	}
}

func (z *parallelDeflate) compress(j *deflateJob, last bool) {
	defer close(j.done)
	var fw *flate.Writer
	select {
	case fw = <-z.writers:
		fw.Reset(&j.out)
	default:
		if fw, j.err = flate.NewWriter(&j.out, z.level); j.err != nil {
			return
		}
	}
	if _, j.err = fw.Write(j.in); j.err == nil {
		if last {
			j.err = fw.Close()
		} else {
			j.err = fw.Flush()
		}
	}
	select {
	case z.writers <- fw:
	default:
	}
}

// writeOldest waits for the oldest pending chunk and writes it.
func (z *parallelDeflate) writeOldest() {
	j := z.pending[0]
	<-j.done
	z.pending = z.pending[1:]
	if z.err = j.err; z.err == nil {
		_, z.err = z.out.Write(j.out.Bytes())
	}
	if z.err == nil {
		z.free = append(z.free, j)
	}
}
