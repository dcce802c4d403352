package mapping

import (
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// arenaBlock is the size of an arena's blocks, in elements (a request
// for more gets a block of its own, never reused).
const arenaBlock = 4096

// maxFreeBlocks bounds each free list of Blocks.
const maxFreeBlocks = 256

// Blocks are the arenas' blocks engines have given back, for the next
// engines to map into: a run that maps its employees part by part (a
// spilled conversion) gives each part's engine the same Blocks and
// releases the engine once the part's change sets are written, so that
// the parts reuse a few megabytes instead of allocating a gigabyte at 200k
// employees. The zero value is ready; Blocks are safe for concurrent use.
type Blocks struct {
	vals     freeList[cval]
	refs     freeList[cref]
	orgs     freeList[model.Origin]
	attrs    freeList[model.Attr]
	mrefs    freeList[model.Ref]
	recs     freeList[model.Position]
	contribs freeList[contrib]
}

// freeList is a bounded list of cleared blocks of one type.
type freeList[T any] struct {
	mu   sync.Mutex
	list [][]T
}

func (f *freeList[T]) get() []T {
	f.mu.Lock()
	defer f.mu.Unlock()
	if n := len(f.list); n > 0 {
		b := f.list[n-1]
		f.list[n-1] = nil
		f.list = f.list[:n-1]
		return b
	}
	return nil
}

// put clears the blocks and keeps those the list has room for.
func (f *freeList[T]) put(blocks [][]T) {
	for _, b := range blocks {
		clear(b[:cap(b)])
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, b := range blocks {
		if len(f.list) < maxFreeBlocks {
			f.list = append(f.list, b[:0])
		}
	}
}

// arena hands out sub-slices of large shared blocks: one allocation per
// block instead of one per record. With a free list, its blocks come from
// it and go back to it on release.
type arena[T any] struct {
	buf  []T
	from *freeList[T]
	held [][]T // the blocks taken from (or to be given to) from
}

// block starts a new block with room for n elements.
func (a *arena[T]) block(n int) {
	if a.from == nil || n > arenaBlock {
		a.buf = make([]T, 0, max(arenaBlock, n))
		return
	}
	b := a.from.get()
	if b == nil {
		b = make([]T, 0, arenaBlock)
	}
	a.buf = b
	a.held = append(a.held, b)
}

// reserve makes room for n more elements in the current block.
func (a *arena[T]) reserve(n int) {
	if cap(a.buf)-len(a.buf) < n {
		a.block(n)
	}
}

// alloc returns a slice of length n and capacity c from the current block.
func (a *arena[T]) alloc(n, c int) []T {
	if cap(a.buf)-len(a.buf) < c {
		a.block(c)
	}
	start := len(a.buf)
	a.buf = a.buf[:start+c]
	return a.buf[start : start+n : start+c]
}

func (a *arena[T]) take(src []T) []T {
	if len(src) == 0 {
		return nil
	}
	if cap(a.buf)-len(a.buf) < len(src) {
		a.block(len(src))
	}
	start := len(a.buf)
	a.buf = append(a.buf, src...)
	return a.buf[start:len(a.buf):len(a.buf)]
}

// adopt makes o's blocks a's to release (o is an arena of a worker that
// ends before a is released).
func (a *arena[T]) adopt(o *arena[T]) {
	a.held = append(a.held, o.held...)
	o.held, o.buf = nil, nil
}

// release gives the blocks back; what was handed out from them must no
// longer be used.
func (a *arena[T]) release() {
	if a.from != nil {
		a.from.put(a.held)
	}
	a.held, a.buf = nil, nil
}
