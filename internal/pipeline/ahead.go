package pipeline

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
)

// aheadFiles is how many bulk files ahead creates before the writer asks.
const aheadFiles = 8

// ahead creates the bulk files of a spilled conversion, in order, on a
// goroutine of its own, ahead of the merge that writes them. Creating a
// file is kernel time that grows with the inodes the file system freed in
// the last minutes (ext4 passes over each of them), up to a quarter of a
// millisecond a file: taken off the merge, it runs beside it.
type ahead struct {
	stopped bool
	files   chan aheadFile
	done    chan struct{}
	ended   chan struct{}
}

type aheadFile struct {
	f    *os.File
	path string
	err  error
}

// seqRange is the bulk files first to last (last noEnd: every one after
// first, until stop).
type seqRange struct{ first, last int }

const noEnd = math.MaxInt

// createAhead starts creating dir's bulk files of the ranges, in order.
func createAhead(dir string, ranges ...seqRange) *ahead {
	a := &ahead{files: make(chan aheadFile, aheadFiles), done: make(chan struct{}), ended: make(chan struct{})}
	go func() {
		defer close(a.ended)
		defer close(a.files)
		for _, r := range ranges {
			if !a.create(dir, r) {
				return
			}
		}
	}()
	return a
}

// create creates the files of r; false once stopped or failed.
func (a *ahead) create(dir string, r seqRange) bool {
	for seq := r.first; seq <= r.last; seq++ {
		select {
		case <-a.done:
			return false
		default:
		}
		path := filepath.Join(dir, BulkFileName(seq))
		f, err := createOutput(path)
		select {
		case a.files <- aheadFile{f, path, err}:
		case <-a.done:
			if f != nil {
				f.Close()
			}
			return false
		}
		if err != nil {
			return false
		}
	}
	return true
}

// next returns bulk file seq, created; the files must be asked for in
// order, each once.
func (a *ahead) next(seq int) (*os.File, string, error) {
	af, ok := <-a.files
	if !ok || af.path != "" && filepath.Base(af.path) != BulkFileName(seq) {
		if ok && af.f != nil {
			af.f.Close()
		}
		return nil, "", fmt.Errorf("spill: bulk file %d was not counted before the merge: %w", seq, errCorrupt)
	}
	return af.f, af.path, af.err
}

// stop ends the creation and closes the files created but not asked
// for; once stopped, stop does nothing.
func (a *ahead) stop() {
	if a.stopped {
		return
	}
	a.stopped = true
	close(a.done)
	for af := range a.files {
		if af.f != nil {
			af.f.Close()
		}
	}
	<-a.ended
}
