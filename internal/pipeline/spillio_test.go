package pipeline

import "testing"

// TestBlockStoreBuffers: an open partition's buffer is its share of the
// block budget (4 to 64 KiB); a sealed one keeps the largest buffer only
// while every partition's fits the budget, else it has 4 KiB, and the
// sealed buffers of many partitions stay small (1M employees: 1,250).
func TestBlockStoreBuffers(t *testing.T) {
	cases := []struct{ parts, size, sealed int }{
		{1, maxBuf, maxBuf},
		{256, maxBuf, maxBuf},                 // 200k of the mixed shape
		{257, blockBudget / 257, sealedBuf},   // one more: the budget is exceeded
		{1250, blockBudget / 1250, sealedBuf}, // 1M
		{maxPartitions, 4 << 10, sealedBuf},
	}
	for _, c := range cases {
		b, err := newBlockStore(t.TempDir(), "records", c.parts)
		if err != nil {
			t.Fatal(err)
		}
		if b.size != c.size || b.sealed != c.sealed {
			t.Errorf("%d partitions: buffers of %d and %d bytes (open, sealed); want %d and %d", c.parts, b.size, b.sealed, c.size, c.sealed)
		}
		if c.parts*b.sealed > max(blockBudget, c.parts*sealedBuf) {
			t.Errorf("%d partitions: sealed buffers of %d bytes exceed the budget", c.parts, b.sealed)
		}
		b.close()
	}
	// A sealed partition flushes at its buffer's size.
	b, err := newBlockStore(t.TempDir(), "records", 1250)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	if err := b.seal(0); err != nil {
		t.Fatal(err)
	}
	entry := make([]byte, 1000)
	for range 5 {
		if err := b.add(0, entry); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(b.parts[0].blocks); n != 1 || b.parts[0].blocks[0].n != 5000 {
		t.Errorf("a sealed partition of 5 entries of 1000 bytes wrote %d blocks (%v); want one of 5000 bytes", n, b.parts[0].blocks)
	}
}
