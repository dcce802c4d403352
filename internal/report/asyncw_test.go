package report

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestAsyncWriterReusesBuffers: writers made one after another share
// their buffers through the pool, and each still writes exactly what it
// was given, in order: no byte of an earlier writer's buffer leaks into a
// later file, whatever the sizes of the writes.
func TestAsyncWriterReusesBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		var want, got bytes.Buffer
		a := newAsyncWriter(&got)
		for range rng.IntN(50) {
			p := make([]byte, rng.IntN(300<<10))
			for i := range p {
				p[i] = byte('a' + (round+i)%26)
			}
			want.Write(p)
			if n, err := a.Write(p); n != len(p) || err != nil {
				t.Fatalf("round %d: Write = %d, %v", round, n, err)
			}
			clear(p) // the writer must have copied it
		}
		if err := a.wait(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("round %d: wrote %d bytes, not the %d given", round, got.Len(), want.Len())
		}
		if err := a.wait(); err != nil { // a second wait is harmless
			t.Fatal(err)
		}
	}
}
