package report

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
)

// spoolMem is the most a spool holds in memory before it moves to a
// temporary file.
const spoolMem = 4 << 20

// spool keeps a list of items (warnings, rejected records) of any length
// in bounded memory: encoded in order, in memory until they outgrow
// spoolMem, then in a temporary file (0600, removed at once, so nothing
// stays behind). Items are indexed by employee, so a report can put each
// person's items into their section, and listed in order.
type spool[T any] struct {
	mem   []byte
	f     *os.File
	w     *bufio.Writer
	size  int64
	n     int
	byEmp map[string]*empItems
	emps  []string // the employees of byEmp, in first-seen order
	buf   []byte
	// win holds the file from winOff on, as last read: one employee's
	// items are mostly next to each other, read in one go.
	win    []byte
	winOff int64
}

// spoolWindow is how much of the file readAt reads at a time.
const spoolWindow = 64 << 10

// empItems are the offsets of one employee's items; seen marks an
// employee a walk has shown.
type empItems struct {
	offs []int64
	seen bool
}

func newSpool[T any]() *spool[T] { return &spool[T]{byEmp: map[string]*empItems{}} }

// add appends an item, filed under the given employees (none: listed
// only).
func (s *spool[T]) add(item *T, employees ...string) error {
	b, err := s.encode(item)
	if err != nil {
		return err
	}
	off := s.size
	var hdr [4]byte
	binary.LittleEndian.PutUint32(hdr[:], uint32(len(b)))
	if s.f == nil && len(s.mem)+len(b)+4 > spoolMem {
		if s.f, err = os.CreateTemp("", "upsmigrate-report-"); err != nil {
			return err
		}
		os.Remove(s.f.Name())
		s.w = bufio.NewWriterSize(s.f, 256<<10)
		if _, err := s.w.Write(s.mem); err != nil {
			return err
		}
		s.mem = nil
	}
	if s.f != nil {
		s.w.Write(hdr[:])
		if _, err := s.w.Write(b); err != nil {
			return err
		}
	} else {
		s.mem = append(append(s.mem, hdr[:]...), b...)
	}
	s.size += int64(len(b)) + 4
	s.n++
	for i, e := range employees {
		if e == "" || (i > 0 && e == employees[0]) {
			continue
		}
		ei := s.byEmp[e]
		if ei == nil {
			ei = &empItems{}
			s.byEmp[e] = ei
			s.emps = append(s.emps, e)
		}
		ei.offs = append(ei.offs, off)
	}
	return nil
}

// done ends the adding; reading may start.
func (s *spool[T]) done() error {
	if s.w != nil {
		return s.w.Flush()
	}
	return nil
}

// close releases the temporary file.
func (s *spool[T]) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

func (s *spool[T]) len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// at decodes the item at off.
func (s *spool[T]) at(off int64, item *T) error {
	var hdr [4]byte
	if err := s.readAt(hdr[:], off); err != nil {
		return err
	}
	n := int(binary.LittleEndian.Uint32(hdr[:]))
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	b := s.buf[:n]
	if err := s.readAt(b, off+4); err != nil {
		return err
	}
	return decodeItem(b, item)
}

// encode encodes an item into s.buf (spoolCodec, else JSON).
func (s *spool[T]) encode(item *T) ([]byte, error) {
	if c, ok := any(item).(spoolCodec); ok {
		s.buf = c.appendSpool(s.buf[:0])
		return s.buf, nil
	}
	return json.Marshal(item)
}

func decodeItem[T any](b []byte, item *T) error {
	if c, ok := any(item).(spoolCodec); ok {
		return c.readSpool(&spoolReader{b: b})
	}
	*item = *new(T)
	return json.Unmarshal(b, item)
}

func (s *spool[T]) readAt(b []byte, off int64) error {
	if s.f == nil {
		if off+int64(len(b)) > int64(len(s.mem)) {
			return io.ErrUnexpectedEOF
		}
		copy(b, s.mem[off:])
		return nil
	}
	if off < s.winOff || off+int64(len(b)) > s.winOff+int64(len(s.win)) {
		n := min(max(int64(len(b)), spoolWindow), s.size-off)
		if n < int64(len(b)) {
			return io.ErrUnexpectedEOF
		}
		if int64(cap(s.win)) < n {
			s.win = make([]byte, n)
		}
		s.win = s.win[:n]
		if _, err := s.f.ReadAt(s.win, off); err != nil {
			s.win = s.win[:0]
			return err
		}
		s.winOff = off
	}
	copy(b, s.win[off-s.winOff:])
	return nil
}

// each calls fn with every item in order; the item is reused.
func (s *spool[T]) each(fn func(*T) error) error {
	if s == nil || s.n == 0 {
		return nil
	}
	var r io.Reader
	if s.f == nil {
		r = &byteReader{b: s.mem}
	} else {
		r = bufio.NewReaderSize(io.NewSectionReader(s.f, 0, s.size), 256<<10)
	}
	var hdr [4]byte
	var item T
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		n := int(binary.LittleEndian.Uint32(hdr[:]))
		if cap(s.buf) < n {
			s.buf = make([]byte, n)
		}
		if _, err := io.ReadFull(r, s.buf[:n]); err != nil {
			return err
		}
		if err := decodeItem(s.buf[:n], &item); err != nil {
			return err
		}
		if err := fn(&item); err != nil {
			return err
		}
	}
}

// of appends the items of employee emp to dst and marks emp seen.
func (s *spool[T]) of(emp string, dst []T) ([]T, error) {
	if s == nil {
		return dst, nil
	}
	ei := s.byEmp[emp]
	if ei == nil {
		return dst, nil
	}
	ei.seen = true
	for _, off := range ei.offs {
		var item T
		if err := s.at(off, &item); err != nil {
			return dst, err
		}
		dst = append(dst, item)
	}
	return dst, nil
}

// unseen lists the employees with items no walk has shown, in first-seen
// order, and clears the marks for the next walk.
func (s *spool[T]) unseen(dst []string, skip map[string]bool) []string {
	if s == nil {
		return dst
	}
	for _, e := range s.emps {
		if ei := s.byEmp[e]; !ei.seen && !skip[e] {
			dst = append(dst, e)
			skip[e] = true
		}
	}
	return dst
}

// clearSeen forgets which employees a walk has shown.
func (s *spool[T]) clearSeen() {
	if s == nil {
		return
	}
	for _, ei := range s.byEmp {
		ei.seen = false
	}
}

type byteReader struct {
	b []byte
	i int
}

func (r *byteReader) Read(p []byte) (int, error) {
	if r.i >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.i:])
	r.i += n
	return n, nil
}
