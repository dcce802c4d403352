package plan

import "sync"

// Slabs is a free list of the arrays Build encodes operations into, for
// plans whose lifetime the caller ends (Plan.Release): a conversion by
// partition builds a plan per partition, spills it and drops it, and
// reusing the arrays spares the collector most of what it would otherwise
// allocate. Safe for concurrent use.
type Slabs struct {
	mu   sync.Mutex
	free [][]byte
}

// maxFreeSlabs bounds the arrays a Slabs keeps: 32 MiB.
const maxFreeSlabs = 32 << 20 / slabBytes

func (s *Slabs) get() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.free); n > 0 {
		b := s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
		return b[:0]
	}
	return make([]byte, 0, slabBytes)
}

func (s *Slabs) put(bs [][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range bs {
		if len(s.free) == maxFreeSlabs {
			return
		}
		s.free = append(s.free, b)
	}
}

// Release gives the arrays p's operations are encoded in back to the
// Options.Slabs that Build took them from: p's operations (their Encoded
// bytes) must not be used after. A plan built without Slabs is not
// changed.
func (p *Plan) Release() {
	if p.slabs == nil || len(p.slabs.used) == 0 {
		return
	}
	p.slabs.from.put(p.slabs.used)
	p.slabs = nil
}

// planSlabs are the arrays a plan's operations are encoded in, and the
// free list they came from.
type planSlabs struct {
	from *Slabs
	used [][]byte
}
