package pipeline

import (
	"fmt"
	"os"
	"path/filepath"
)

// aheadFiles is how many bulk files ahead creates before the writer asks.
const aheadFiles = 64

// ahead creates the bulk files of a spilled conversion, in order, on a
// goroutine of its own, ahead of the merge that writes them. Creating a
// file is kernel time that grows with the inodes the file system freed in
// the last minutes (ext4 passes over each of them), up to a quarter of a
// millisecond a file: taken off the merge, it runs beside it.
type ahead struct {
	files chan aheadFile
	done  chan struct{}
	ended chan struct{}
}

type aheadFile struct {
	f    *os.File
	path string
	err  error
}

// createAhead starts creating dir's bulk files 1 to n.
func createAhead(dir string, n int) *ahead {
	a := &ahead{files: make(chan aheadFile, aheadFiles), done: make(chan struct{}), ended: make(chan struct{})}
	go func() {
		defer close(a.ended)
		defer close(a.files)
		for seq := 1; seq <= n; seq++ {
			select {
			case <-a.done:
				return
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
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return a
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

// stop ends the creation and closes the files created but not asked for.
func (a *ahead) stop() {
	close(a.done)
	for af := range a.files {
		if af.f != nil {
			af.f.Close()
		}
	}
	<-a.ended
}
