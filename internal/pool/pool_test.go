package pool

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCoversEveryIndexOnce(t *testing.T) {
	for _, tt := range []struct{ n, workers, block int }{{0, 4, 1}, {1, 4, 1}, {10, 1, 3}, {1000, 4, 7}, {1000, 0, 128}, {5, 8, 1}} {
		seen := make([]int32, tt.n)
		var workers atomic.Int32
		err := Run(context.Background(), tt.n, Options{Workers: tt.workers, Block: tt.block}, func() func(context.Context, int, int) error {
			workers.Add(1)
			return func(_ context.Context, lo, hi int) error {
				if hi-lo > max(tt.block, 1) {
					t.Errorf("block [%d, %d) larger than %d", lo, hi, tt.block)
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&seen[i], 1)
				}
				return nil
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range seen {
			if c != 1 {
				t.Fatalf("n=%d: index %d handled %d times", tt.n, i, c)
			}
		}
		if tt.workers > 0 && int(workers.Load()) > tt.workers {
			t.Errorf("n=%d: %d workers, at most %d wanted", tt.n, workers.Load(), tt.workers)
		}
	}
}

func TestMapOrdered(t *testing.T) {
	got, err := Map(context.Background(), 100, 4, func(_ context.Context, i int) (int, error) {
		if i%7 == 0 {
			time.Sleep(time.Millisecond)
		}
		return i * i, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		if v != i*i {
			t.Fatalf("got[%d] = %d", i, v)
		}
	}
}

func TestFirstErrorWins(t *testing.T) {
	first := errors.New("first")
	var handled atomic.Int32
	var mu sync.Mutex
	cancelled := false
	err := Each(context.Background(), 1000, 4, func(ctx context.Context, i int) error {
		handled.Add(1)
		switch {
		case i == 3:
			return first
		case i < 8:
			<-ctx.Done() // the error cancels the work in flight
			mu.Lock()
			cancelled = true
			mu.Unlock()
			return errors.New("later")
		}
		return nil
	})
	if err != first {
		t.Fatalf("error %v, want the first", err)
	}
	if !cancelled {
		t.Error("work in flight not cancelled")
	}
	if n := handled.Load(); n > 20 {
		t.Errorf("%d indexes handled after the error", n)
	}
	if _, err := Map(context.Background(), 10, 1, func(_ context.Context, i int) (int, error) {
		if i == 2 {
			return 0, first
		}
		return i, nil
	}); err != first {
		t.Fatalf("one worker: error %v", err)
	}
}

// TestContextDone: once ctx is cancelled no index is handed out. An
// index a worker took before it saw the cancel may still run (one per
// worker); counting every index handled instead made the test fail when
// the cancelling worker was descheduled between its count and its
// cancel while the other ran on.
func TestContextDone(t *testing.T) {
	const workers = 2
	ctx, cancel := context.WithCancel(context.Background())
	var handled, after atomic.Int32
	var cancelled atomic.Bool
	err := Each(ctx, 1000, workers, func(context.Context, int) error {
		if cancelled.Load() {
			after.Add(1)
		}
		if handled.Add(1) == 5 {
			cancel()
			cancelled.Store(true)
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if n := after.Load(); n > workers {
		t.Errorf("%d indexes begun after cancel returned, want at most one per worker (%d)", n, workers)
	}
}
