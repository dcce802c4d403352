package report

import (
	"io"
	"sync"
)

// asyncWriter writes to w on a goroutine of its own, so that the system
// calls of a large report run beside its rendering: Write copies p into
// one of a few buffers and returns; the bytes reach w in order. The first
// error of w is returned by the Write or close after it.
type asyncWriter struct {
	w     io.Writer
	full  chan []byte
	free  chan []byte
	done  chan struct{}
	mu    sync.Mutex
	err   error
	close sync.Once
}

// asyncBuffers is the number of buffers an asyncWriter has in flight.
const asyncBuffers = 4

// asyncBufs holds the buffers of asyncWriters done with, for the next: a
// report writes hundreds of pages, each through an asyncWriter.
var asyncBufs sync.Pool

func newAsyncWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{w: w, full: make(chan []byte, asyncBuffers), free: make(chan []byte, asyncBuffers), done: make(chan struct{})}
	for range asyncBuffers {
		var b []byte
		if p, ok := asyncBufs.Get().(*[]byte); ok {
			b = (*p)[:0]
		}
		a.free <- b
	}
	go a.run()
	return a
}

func (a *asyncWriter) run() {
	defer close(a.done)
	for b := range a.full {
		if a.error() == nil {
			if _, err := a.w.Write(b); err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
		a.free <- b[:0]
	}
}

func (a *asyncWriter) error() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Write queues a copy of p.
func (a *asyncWriter) Write(p []byte) (int, error) {
	if err := a.error(); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	b := append(<-a.free, p...)
	a.full <- b
	return len(p), nil
}

// wait writes what is queued and stops the goroutine; it returns the
// first error of w.
func (a *asyncWriter) wait() error {
	a.close.Do(func() {
		close(a.full)
		<-a.done
		for range asyncBuffers {
			if b := <-a.free; cap(b) > 0 {
				asyncBufs.Put(&b)
			}
		}
	})
	<-a.done
	return a.error()
}
