package pipeline

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMergeHeap: the merge's heap gives the entries of sorted streams in
// order, whatever the number of streams, with streams added after the
// start (as the reader's rejections are) and ties between streams.
func TestMergeHeap(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, k := range []int{1, 2, 3, 7, 64, 257} {
		seqs := make([][]uint64, k)
		var all []uint64
		for i := range seqs {
			n := rng.IntN(40)
			for range n {
				seqs[i] = append(seqs[i], rng.Uint64N(500))
			}
			slices.Sort(seqs[i])
			all = append(all, seqs[i]...)
		}
		slices.Sort(all)
		pos := make([]int, k)
		m := &merge{less: byKey}
		late := k / 3 // the last streams are pushed after init
		for i := range k - late {
			if len(seqs[i]) > 0 {
				m.s = append(m.s, &stream{part: i, key: seqs[i][0]})
			}
		}
		m.init()
		for i := k - late; i < k; i++ {
			if len(seqs[i]) > 0 {
				m.push(&stream{part: i, key: seqs[i][0]})
			}
		}
		var got []uint64
		for len(m.s) > 0 {
			st := m.s[0]
			got = append(got, st.key)
			pos[st.part]++
			if p := pos[st.part]; p < len(seqs[st.part]) {
				st.key = seqs[st.part][p]
				m.down(0)
			} else {
				m.popTop()
			}
		}
		if !slices.Equal(got, all) {
			t.Fatalf("%d streams: merged out of order or incomplete:\n%v\nwant\n%v", k, got, all)
		}
	}
}
