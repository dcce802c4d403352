package report

// spoolFeed adds items to a spool on a goroutine of its own, in the
// order given, in batches: loading a run's report.json spools every
// warning (encoding and writing it), which then runs beside the parsing.
// Until close returns, nothing else may touch the spool.
type spoolFeed[T any] struct {
	batch []fedItem[T]
	ch    chan []fedItem[T]
	free  chan []fedItem[T]
	done  chan error
	err   error // the goroutine's, once close has it
	shut  bool
}

type fedItem[T any] struct {
	item T
	emp  string
}

// feedBatch is the number of items a batch carries; feedBatches the
// batches in flight.
const (
	feedBatch   = 256
	feedBatches = 4
)

// newSpoolFeed starts feeding add, a spool's add of an item filed under
// one employee.
func newSpoolFeed[T any](add func(item *T, emp string) error) *spoolFeed[T] {
	f := &spoolFeed[T]{ch: make(chan []fedItem[T], feedBatches), free: make(chan []fedItem[T], feedBatches+1),
		done: make(chan error, 1)}
	for range feedBatches + 1 {
		f.free <- make([]fedItem[T], 0, feedBatch)
	}
	f.batch = <-f.free
	go func() {
		var err error
		for b := range f.ch {
			for i := range b {
				if err == nil {
					err = add(&b[i].item, b[i].emp)
				}
				b[i] = fedItem[T]{}
			}
			f.free <- b[:0]
		}
		f.done <- err
	}()
	return f
}

// add queues a copy of item, filed under emp.
func (f *spoolFeed[T]) add(item *T, emp string) error {
	f.batch = append(f.batch, fedItem[T]{*item, emp})
	if len(f.batch) == feedBatch {
		f.ch <- f.batch
		f.batch = <-f.free
	}
	return nil
}

// close adds what is queued and stops the goroutine; it returns the first
// error of the spool's add. Calling it again returns the same.
func (f *spoolFeed[T]) close() error {
	if !f.shut {
		f.shut = true
		if len(f.batch) > 0 {
			f.ch <- f.batch
		}
		close(f.ch)
		f.err = <-f.done
	}
	return f.err
}
