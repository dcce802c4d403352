package dropbehind

import (
	"io"
	"os"
)

// Read drops the cached pages of f, a file read once and read now
// (validate, report): they are taken again by the next file read, rather
// than new memory. Pages not written back yet stay.
func Read(f *os.File) {
	if f != nil {
		dropClean(f)
	}
}

// ReadFile reads the file at path, as os.ReadFile does, into buf's room
// (grown as needed), and drops its cached pages (Read).
func ReadFile(path string, buf []byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	data := buf[:0]
	if int64(cap(data)) < st.Size()+1 { // +1: EOF without growing
		data = make([]byte, 0, st.Size()+1)
	}
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	Read(f)
	return data, nil
}
