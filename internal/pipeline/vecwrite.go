package pipeline

import "os"

// vecWriter gathers what is written to a file as pieces and writes them
// with one system call a flush (writev where the system has it): the
// operations of a bulk request go to the file from where the plan
// encoded them, not copied into a buffer first (600 MB at 200k
// employees). A piece given by add must stay unchanged until the next
// flush; addCopy copies its piece (the small ones: a request's head, an
// operation's separator).
type vecWriter struct {
	f     *os.File
	iov   [][]byte
	small []byte // the copied pieces; never grown, so that they stay put
}

// smallCap bounds the copied pieces between flushes.
const smallCap = 16 << 10

func newVecWriter() *vecWriter { return &vecWriter{small: make([]byte, 0, smallCap)} }

// reset drops what is pending and writes to f from now on.
func (v *vecWriter) reset(f *os.File) {
	v.f = f
	clear(v.iov)
	v.iov, v.small = v.iov[:0], v.small[:0]
}

// add appends b, which stays b's until the next flush.
func (v *vecWriter) add(b []byte) {
	if len(b) > 0 {
		v.iov = append(v.iov, b)
	}
}

// addCopy appends a copy of b.
func (v *vecWriter) addCopy(b []byte) error {
	if len(b) > cap(v.small)-len(v.small) {
		if err := v.flush(); err != nil {
			return err
		}
		if len(b) > cap(v.small) {
			v.add(append([]byte(nil), b...))
			return nil
		}
	}
	at := len(v.small)
	v.small = append(v.small, b...)
	v.add(v.small[at:len(v.small):len(v.small)])
	return nil
}

// flush writes what is pending.
func (v *vecWriter) flush() error {
	if len(v.iov) == 0 {
		return nil
	}
	err := writeVec(v.f, v.iov)
	clear(v.iov)
	v.iov, v.small = v.iov[:0], v.small[:0]
	return err
}
