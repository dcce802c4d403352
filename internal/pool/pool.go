package pool

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
)

// Options bound a run.
type Options struct {
	// Workers is the most goroutines working at once; <= 0 means
	// runtime.GOMAXPROCS(0). There are never more workers than blocks.
	Workers int
	// Block is how many consecutive indexes a worker takes at a time;
	// <= 0 means 1.
	Block int
}

// Run calls the work function of a worker for consecutive blocks [lo, hi)
// of [0, n) until every index is handed out. newWorker is called once per
// worker, in its goroutine, and returns that worker's work function: state
// it closes over (a builder, a buffer) is the worker's own.
//
// The first error a work function returns wins: no block is handed out
// after it, the context given to the work functions is cancelled, and Run
// returns it once every worker has stopped. Otherwise Run returns ctx's
// error when ctx is done by then (handing out stops when it is), or nil.
func Run(ctx context.Context, n int, o Options, newWorker func() func(ctx context.Context, lo, hi int) error) error {
	if n <= 0 {
		return ctx.Err()
	}
	block := max(o.Block, 1)
	blocks := (n + block - 1) / block
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, blocks)
	if workers == 1 {
		work := newWorker()
		for lo := 0; lo < n; lo += block {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := work(ctx, lo, min(lo+block, n)); err != nil {
				return err
			}
		}
		return ctx.Err()
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		once     sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			work := newWorker()
			for wctx.Err() == nil {
				lo := int(next.Add(int64(block))) - block
				if lo >= n {
					return
				}
				if err := work(wctx, lo, min(lo+block, n)); err != nil {
					once.Do(func() { firstErr = err })
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// Each calls fn for every index of [0, n) on up to workers goroutines
// (GOMAXPROCS when workers <= 0), one index at a time; errors and ctx as
// for Run.
func Each(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	work := func(ctx context.Context, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if err := fn(ctx, i); err != nil {
				return err
			}
		}
		return nil
	}
	return Run(ctx, n, Options{Workers: workers}, func() func(context.Context, int, int) error { return work })
}

// Map calls fn for every index of [0, n) as Each does and returns the
// results in index order. On an error the results are nil.
func Map[T any](ctx context.Context, n, workers int, fn func(ctx context.Context, i int) (T, error)) ([]T, error) {
	out := make([]T, n)
	err := Each(ctx, n, workers, func(ctx context.Context, i int) error {
		v, err := fn(ctx, i)
		out[i] = v
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
