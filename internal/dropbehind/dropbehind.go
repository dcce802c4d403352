package dropbehind

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// Chunk is how much of a long file Writer hands over at a time.
const Chunk = 8 << 20

// queued bounds the regions waiting for their write-back: past it, the
// writer waits for the disk, as the page cache's dirty limits would make
// it wait.
const queued = 64

// region is a part of a file, final, to write back and drop (n 0: to the
// end of the file), by a descriptor of its own, closed after.
type region struct {
	fd     int
	name   string
	off, n int64
}

// A Dropper drops the regions handed to it behind the writes, in the
// background, until Close. Its methods may be called from several
// goroutines.
type Dropper struct {
	ch     chan region
	done   chan struct{}
	once   sync.Once
	nowait atomic.Bool // Release: what is left is not waited for

	mu  sync.Mutex
	err error
}

// New starts a Dropper; where the system cannot drop pages it returns nil,
// which does nothing.
func New() *Dropper {
	if !supported {
		return nil
	}
	d := &Dropper{ch: make(chan region, queued), done: make(chan struct{})}
	go d.run()
	return d
}

// dropRegion is drop; tests make it fail as a failing disk would.
var dropRegion = drop

// lag is how many regions have their write-back started before the
// oldest is waited for and dropped. Waiting at once held one of the
// process's Ps in the system call for the whole write, and the goroutines
// that had work waited for it (a runtime trace of convert on 2 cores: a
// second with one goroutine running and another runnable); started this
// far ahead, a region is mostly on disk by the time it is waited for.
const lag = 8

func (d *Dropper) run() {
	defer close(d.done)
	var started []region // write-back started, oldest first
	finish := func() {
		r := started[0]
		started = started[1:]
		if err := dropRegion(r.fd, r.off, r.n); err != nil {
			d.fail(fmt.Errorf("%s: write-back: %w", r.name, err))
		}
		closeFD(r.fd)
	}
	for r := range d.ch {
		startWriteBack(r.fd, r.off, r.n)
		started = append(started, r)
		if len(started) > lag {
			d.finishOne(&started, finish)
		}
	}
	for len(started) > 0 {
		d.finishOne(&started, finish)
	}
}

// finishOne waits for the oldest region and drops it (finish), or, once
// released, drops what of it is written and leaves the rest to the kernel.
func (d *Dropper) finishOne(started *[]region, finish func()) {
	if !d.nowait.Load() {
		finish()
		return
	}
	r := (*started)[0]
	*started = (*started)[1:]
	dropWritten(r.fd, r.off, r.n)
	closeFD(r.fd)
}

func (d *Dropper) fail(err error) {
	d.mu.Lock()
	if d.err == nil {
		d.err = err
	}
	d.mu.Unlock()
}

// Finished hands over the whole of f, whose writing is done (its
// buffers flushed): call it just before f.Close. f's descriptor is
// duplicated, so f may be closed, renamed or removed at once.
func (d *Dropper) Finished(f *os.File) {
	if d == nil || f == nil {
		return
	}
	d.hand(f, 0, 0)
}

// hand hands over [off, off+n) of f (n 0: to its end) by a duplicate of
// its descriptor.
func (d *Dropper) hand(f *os.File, off, n int64) {
	fd, ok := dupFD(f)
	if !ok {
		return
	}
	d.ch <- region{fd: fd, name: f.Name(), off: off, n: n}
}

// Writer returns a writer to f that hands over each Chunk of f as it is
// written past it, from f's current offset; Finished hands over the
// rest. Writes at other offsets (WriteAt) are not followed: the pages
// they touch are read back when needed.
func (d *Dropper) Writer(f *os.File) io.Writer {
	if d == nil {
		return f
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return f
	}
	return &writer{d: d, f: f, off: off, from: off}
}

type writer struct {
	d         *Dropper
	f         *os.File
	off, from int64 // written up to; handed over up to
}

func (w *writer) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.off += int64(n)
	if w.off-w.from >= Chunk {
		size := (w.off - w.from) / Chunk * Chunk
		w.d.hand(w.f, w.from, size)
		w.from += size
	}
	return n, err
}

// Release ends the Dropper as a command ends: the regions handed over
// whose write-back is not yet waited for have it started and their pages
// already written dropped, and the rest is left to the kernel, as for any
// file written without fsync. It returns the first write-back error of
// the regions waited for. Waiting for the disk at the end, as Close does,
// held a 200k-employee convert up to 0.3 s with its cores idle while the
// disk was busy (a runtime trace, 2-core VM; 37 ms when it was not): the
// last tens of megabytes written.
func (d *Dropper) Release() error {
	if d == nil {
		return nil
	}
	d.nowait.Store(true)
	return d.Close()
}

// Close waits for every region handed over and returns the first error of
// their write-back. The Dropper takes no more regions: every file handed
// to it (Finished, a Writer's chunks) must be handed before Close.
func (d *Dropper) Close() error {
	if d == nil {
		return nil
	}
	d.once.Do(func() { close(d.ch) })
	<-d.done
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}
