package pipeline

import (
	"syscall"
	"testing"
)

// allocated is the size of the blocks the spill file holds.
func allocated(t *testing.T, w *entryWriter) int64 {
	var st syscall.Stat_t
	if err := syscall.Fstat(int(w.f.Fd()), &st); err != nil {
		t.Fatal(err)
	}
	return st.Blocks * 512
}
