package asyncw

import (
	"io"
	"sync"
)

// Writer is an asynchronous, buffered io.Writer. It is not safe for
// concurrent use. Close (or Flush) before using what was written.
type Writer struct {
	w      io.Writer
	buf    []byte      // being filled
	full   chan []byte // filled, to write, in order
	free   chan []byte // written, to fill again
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error // the first write error
	closed bool
}

// Buffers is how many buffers a Writer fills in turn: one being
// filled while the others wait to be written or are being written.
const Buffers = 3

// bufs holds the buffers of Writers closed, for the next: a report
// writes hundreds of pages, each through a Writer.
var bufs sync.Pool

// buffer is a pooled buffer of at least size bytes, or a new one.
func buffer(size int) []byte {
	if p, ok := bufs.Get().(*[]byte); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

// New returns a Writer that writes to w in buffers of size bytes (at
// least 4 KiB).
func New(w io.Writer, size int) *Writer {
	size = max(size, 4<<10)
	aw := &Writer{w: w, full: make(chan []byte, Buffers), free: make(chan []byte, Buffers)}
	for range Buffers - 1 {
		aw.free <- buffer(size)
	}
	aw.buf = buffer(size)
	aw.wg.Add(1)
	go aw.run()
	return aw
}

func (aw *Writer) run() {
	defer aw.wg.Done()
	for b := range aw.full {
		if aw.error() == nil {
			if _, err := aw.w.Write(b); err != nil {
				aw.mu.Lock()
				aw.err = err
				aw.mu.Unlock()
			}
		}
		aw.free <- b[:0]
	}
}

func (aw *Writer) error() error {
	aw.mu.Lock()
	defer aw.mu.Unlock()
	return aw.err
}

// Write takes p; it fails only with an earlier write's error.
func (aw *Writer) Write(p []byte) (int, error) { return write(aw, p) }

// WriteString is Write of s.
func (aw *Writer) WriteString(s string) (int, error) { return write(aw, s) }

func write[T string | []byte](aw *Writer, p T) (int, error) {
	if aw.closed {
		return 0, io.ErrClosedPipe
	}
	if err := aw.error(); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		k := copy(aw.buf[len(aw.buf):cap(aw.buf)], p)
		aw.buf = aw.buf[:len(aw.buf)+k]
		p = p[k:]
		if len(aw.buf) == cap(aw.buf) {
			aw.send()
		}
	}
	return n, nil
}

// send hands the buffer being filled to the goroutine and takes a free
// one, waiting for it when every other is still to be written.
func (aw *Writer) send() {
	aw.full <- aw.buf
	aw.buf = <-aw.free
}

// Flush writes everything given so far and waits until it is written.
func (aw *Writer) Flush() error {
	if aw.closed {
		return aw.error()
	}
	if len(aw.buf) > 0 {
		aw.send()
	}
	// Every buffer back in the free list (or being filled) is written.
	var held [Buffers - 1][]byte
	for i := range held {
		held[i] = <-aw.free
	}
	for _, b := range held {
		aw.free <- b
	}
	return aw.error()
}

// Close flushes and ends the goroutine; it returns the first write error.
// Closing again returns that error again.
func (aw *Writer) Close() error {
	if aw.closed {
		return aw.error()
	}
	err := aw.Flush()
	aw.closed = true
	close(aw.full)
	aw.wg.Wait()
	// Every buffer is back: the one being filled and the free ones.
	for _, b := range append([][]byte{aw.buf}, drain(aw.free)...) {
		b = b[:0]
		bufs.Put(&b)
	}
	aw.buf = nil
	return err
}

// drain takes what is in c without waiting.
func drain(c chan []byte) [][]byte {
	var out [][]byte
	for {
		select {
		case b := <-c:
			out = append(out, b)
		default:
			return out
		}
	}
}
