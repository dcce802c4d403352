package asyncw

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// TestOrder: whatever the sizes given, the bytes arrive whole and in
// order, after Flush and after Close.
func TestOrder(t *testing.T) {
	const size = 4 << 10
	for _, tc := range []struct {
		name  string
		sizes []int
	}{
		{"nothing", nil},
		{"empty writes", []int{0, 0}},
		{"one byte", []int{1}},
		{"a buffer less one", []int{size - 1}},
		{"a buffer", []int{size}},
		{"a buffer and one", []int{size + 1}},
		{"many small", []int{7, 100, 3, 4000, 1, 1, 9000, 5}},
		{"larger than every buffer", []int{10*size + 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got bytes.Buffer
			w := New(&got, size)
			var want bytes.Buffer
			for i, n := range tc.sizes {
				p := bytes.Repeat([]byte{byte('a' + i%26)}, n)
				var k int
				var err error
				if i%2 == 0 {
					k, err = w.Write(p)
				} else {
					k, err = w.WriteString(string(p))
				}
				if err != nil || k != n {
					t.Fatalf("write %d: %d, %v; want %d, nil", i, k, err, n)
				}
				want.Write(p)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("after Flush: %d bytes, want %d (or not in order)", got.Len(), want.Len())
			}
			w.WriteString("end")
			want.WriteString("end")
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Fatalf("after Close: %d bytes, want %d", got.Len(), want.Len())
			}
		})
	}
}

// failWriter fails every write from the nth on.
type failWriter struct {
	n   int
	err error
	bytes.Buffer
}

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n--; f.n < 0 {
		return 0, f.err
	}
	return f.Buffer.Write(p)
}

// TestError: a write error comes back from the next call, Flush and
// Close (every time), and nothing after it is written.
func TestError(t *testing.T) {
	boom := errors.New("disk full")
	fw := &failWriter{n: 1, err: boom}
	w := New(fw, 4<<10)
	w.Write(make([]byte, 4<<10)) // written
	w.Write(make([]byte, 4<<10)) // fails
	if err := w.Flush(); !errors.Is(err, boom) {
		t.Fatalf("Flush: %v, want %v", err, boom)
	}
	if _, err := w.WriteString("more"); !errors.Is(err, boom) {
		t.Fatalf("WriteString after the error: %v, want %v", err, boom)
	}
	for i := range 2 {
		if err := w.Close(); !errors.Is(err, boom) {
			t.Fatalf("Close %d: %v, want %v", i, err, boom)
		}
	}
	if fw.Len() != 4<<10 {
		t.Errorf("%d bytes written, want the 4096 before the error", fw.Len())
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write after Close: no error")
	}
}

// gateWriter blocks every write until the gate opens.
type gateWriter struct {
	gate chan struct{}
	bytes.Buffer
}

func (g *gateWriter) Write(p []byte) (int, error) {
	<-g.gate
	return g.Buffer.Write(p)
}

// TestAsync: writes return while the writer below is still busy, up to
// the buffers there are; then they wait for it.
func TestAsync(t *testing.T) {
	const size = 4 << 10
	g := &gateWriter{gate: make(chan struct{})}
	w := New(g, size)
	done := make(chan struct{})
	go func() {
		// One buffer being written (blocked), one waiting, one filling.
		w.Write(make([]byte, (Buffers-1)*size+size/2))
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Write waited for a writer that is busy while buffers were free")
	}
	blocked := make(chan struct{})
	go func() {
		w.Write(make([]byte, size)) // needs a buffer written first
		close(blocked)
	}()
	select {
	case <-blocked:
		t.Fatal("Write returned with every buffer taken")
	case <-time.After(50 * time.Millisecond):
	}
	close(g.gate)
	<-blocked
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if want := Buffers*size + size/2; g.Len() != want {
		t.Errorf("%d bytes written, want %d", g.Len(), want)
	}
}

var _ io.StringWriter = (*Writer)(nil)

func BenchmarkWrite(b *testing.B) {
	line := strings.Repeat("x", 150) + "\n"
	b.SetBytes(int64(len(line)))
	w := New(io.Discard, 256<<10)
	for b.Loop() {
		w.WriteString(line)
	}
	w.Close()
}

// TestReusedBuffers: Writers made one after another share their buffers
// through the pool, and each still writes exactly what it was given, in
// order: no byte of an earlier Writer's buffer leaks into a later file,
// whatever the sizes of the writes (some larger than a buffer), and the
// caller may reuse what it gave at once.
func TestReusedBuffers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 10 {
		var want, got bytes.Buffer
		w := New(&got, 64<<10)
		for range rng.IntN(30) {
			p := make([]byte, rng.IntN(200<<10))
			for i := range p {
				p[i] = byte('a' + (round+i)%26)
			}
			want.Write(p)
			if n, err := w.Write(p); n != len(p) || err != nil {
				t.Fatalf("round %d: Write = %d, %v", round, n, err)
			}
			clear(p) // the Writer must have copied it
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("round %d: wrote %d bytes, not the %d given", round, got.Len(), want.Len())
		}
	}
}
