package report

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	kflate "github.com/klauspost/compress/flate"
)

// TestParallelDeflate deflates text of several lengths, in writes of
// several sizes, with parallelDeflate and with the flate.Writer it runs
// (klauspost/compress): the stream decompresses, with the standard
// library's reader, to the text, and a text of one chunk is compressed
// byte for byte as that flate.Writer compresses it.
func TestParallelDeflate(t *testing.T) {
	defer func(n int) { deflateChunk = n }(deflateChunk)
	deflateChunk = 1000
	rng := rand.New(rand.NewPCG(3, 4))
	words := []string{"<row r=\"", "\">", "<c r=\"A", "\" t=\"inlineStr\"><is><t>", "</t></is></c>", "é", "\n"}
	var text []byte
	for len(text) < 20*deflateChunk {
		if rng.IntN(4) == 0 {
			text = append(text, byte(rng.Uint32()))
		} else {
			text = append(text, words[rng.IntN(len(words))]...)
		}
	}
	for _, n := range []int{0, 1, 999, 1000, 1001, 2500, 7 * 1000, 20 * 1000} {
		for _, step := range []int{1, 7, 1000, 4096, n + 1} {
			in := text[:n]
			var got bytes.Buffer
			z := newParallelDeflate(&got, flate.BestSpeed)
			for i := 0; i < len(in); i += step {
				if k, err := z.Write(in[i:min(i+step, len(in))]); err != nil || k != min(step, len(in)-i) {
					t.Fatalf("%d bytes in writes of %d: wrote %d, %v", n, step, k, err)
				}
			}
			must(t, z.Close())
			out, err := io.ReadAll(flate.NewReader(bytes.NewReader(got.Bytes())))
			must(t, err)
			if !bytes.Equal(out, in) {
				t.Fatalf("%d bytes in writes of %d: decompressed to %d bytes, not the text", n, step, len(out))
			}
			if n <= deflateChunk {
				var want bytes.Buffer
				fw, _ := kflate.NewWriter(&want, kflate.BestSpeed)
				fw.Write(in)
				must(t, fw.Close())
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("%d bytes: compressed otherwise than flate.Writer", n)
				}
			}
		}
	}
}

// failAfter accepts n writes, then fails every one.
type failAfter struct {
	n   int
	err error
}

func (w *failAfter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, w.err
	}
	w.n--
	return len(p), nil
}

// TestParallelDeflateWriteError: a failing destination's error comes back
// from Write or Close, and stays: nothing after it is reported written.
func TestParallelDeflateWriteError(t *testing.T) {
	defer func(n int) { deflateChunk = n }(deflateChunk)
	deflateChunk = 100
	boom := errors.New("disk full")
	for _, ok := range []int{0, 1, 3} {
		dst := &failAfter{n: ok, err: boom}
		z := newParallelDeflate(dst, flate.BestSpeed)
		in := bytes.Repeat([]byte("<row r=\"1\"><c r=\"A1\"/></row>\n"), 200) // 60 chunks
		var werr error
		for i := 0; i < len(in) && werr == nil; i += 37 {
			_, werr = z.Write(in[i:min(i+37, len(in))])
		}
		cerr := z.Close()
		if !errors.Is(werr, boom) && !errors.Is(cerr, boom) {
			t.Fatalf("after %d good writes: Write %v, Close %v; want %v", ok, werr, cerr, boom)
		}
		if werr != nil && !errors.Is(cerr, boom) {
			t.Errorf("after %d good writes: Close = %v after Write failed; want the same error", ok, cerr)
		}
		if k, err := z.Write([]byte("more")); k != 0 || !errors.Is(err, boom) {
			t.Errorf("after %d good writes: a later Write = %d, %v; want 0, %v", ok, k, err, boom)
		}
	}
}
