//go:build linux

package dropbehind

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// resident counts the pages of path in the page cache.
func resident(t *testing.T, path string) (in, all int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	m, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (len(m)+os.Getpagesize()-1)/os.Getpagesize())
	if _, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); errno != 0 {
		t.Fatal(errno)
	}
	for _, v := range vec {
		if v&1 != 0 {
			in++
		}
	}
	return in, len(vec)
}

// dropsPages reports whether the file system of dir drops clean pages
// (tmpfs keeps them: they are its storage).
func dropsPages(t *testing.T, dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return st.Type != unix.TMPFS_MAGIC && st.Type != unix.RAMFS_MAGIC
}

func TestDropBehind(t *testing.T) {
	dir := t.TempDir()
	d := New()
	if d == nil {
		t.Fatal("New returned nil on Linux")
	}
	var want [][]byte
	for i, size := range []int{3*Chunk + 12345, 200 << 10, 0} {
		data := bytes.Repeat([]byte{byte('a' + i)}, size)
		want = append(want, data)
		f, err := os.Create(filepath.Join(dir, "out"+string(rune('0'+i))))
		if err != nil {
			t.Fatal(err)
		}
		var w io.Writer = f
		if i == 0 { // a long file: by chunks, through a buffer
			w = d.Writer(f)
		}
		bw := bufio.NewWriterSize(w, 64<<10)
		if _, err := bw.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := bw.Flush(); err != nil {
			t.Fatal(err)
		}
		d.Finished(f)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, data := range want {
		path := filepath.Join(dir, "out"+string(rune('0'+i)))
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("%s: %d bytes read back, want the %d written", path, len(got), len(data))
		}
	}
	if !dropsPages(t, dir) {
		t.Skipf("%s keeps its pages (tmpfs)", dir)
	}
	// Read back above, so drop again to see the Dropper do it.
	d = New()
	for i := range want[:2] {
		f, err := os.OpenFile(filepath.Join(dir, "out"+string(rune('0'+i))), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		d.Finished(f)
		f.Close()
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range want[:2] {
		in, all := resident(t, filepath.Join(dir, "out"+string(rune('0'+i))))
		if in*10 > all {
			t.Errorf("out%d: %d of %d pages still cached after Close, want at most a tenth", i, in, all)
		}
	}
}

func TestChunksDroppedWhileWriting(t *testing.T) {
	dir := t.TempDir()
	if !dropsPages(t, dir) {
		t.Skipf("%s keeps its pages (tmpfs)", dir)
	}
	d := New()
	path := filepath.Join(dir, "long")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := d.Writer(f)
	block := bytes.Repeat([]byte("x"), 1<<20)
	for range 4 * Chunk / len(block) {
		if _, err := w.Write(block); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.Close(); err != nil { // every chunk handed over, none left
		t.Fatal(err)
	}
	f.Close()
	if in, all := resident(t, path); in*10 > all {
		t.Errorf("%d of %d pages cached after the chunks were handed over, want at most a tenth", in, all)
	}
}

func TestReadFileDrops(t *testing.T) {
	dir := t.TempDir()
	if !dropsPages(t, dir) {
		t.Skipf("%s keeps its pages (tmpfs)", dir)
	}
	for _, size := range []int{0, 1, 4096, 3<<20 + 7} {
		path := filepath.Join(dir, "in")
		data := bytes.Repeat([]byte("yz"), size/2+size%2)[:size]
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		f, _ := os.Open(path)
		f.Sync() // written back: clean pages can go
		f.Close()
		got, err := ReadFile(path, make([]byte, 5))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%d bytes: read %d bytes, not what was written", size, len(got))
		}
		if size == 0 {
			continue
		}
		if in, all := resident(t, path); in*10 > all {
			t.Errorf("%d bytes: %d of %d pages cached after ReadFile, want at most a tenth", size, in, all)
		}
	}
	if _, err := ReadFile(filepath.Join(dir, "missing"), nil); !os.IsNotExist(err) {
		t.Errorf("a missing file: %v, want not-exist", err)
	}
}

// TestWriteBackError: a region whose write-back fails (EIO from the disk)
// makes Close return that error, naming the file, and the regions after it
// are still dropped, each by an open descriptor of its own.
func TestWriteBackError(t *testing.T) {
	var dropped []int64
	defer func(f func(int, int64, int64) error) { dropRegion = f }(dropRegion)
	dropRegion = func(fd int, off, n int64) error {
		var st unix.Stat_t
		if err := unix.Fstat(fd, &st); err != nil {
			t.Errorf("the region's descriptor is not open: %v", err)
		}
		dropped = append(dropped, st.Size)
		if st.Size == 2 {
			return unix.EIO
		}
		return nil
	}
	dir := t.TempDir()
	d := New()
	for i, size := range []int{1, 2, 3} {
		f, err := os.Create(filepath.Join(dir, []string{"a", "b", "c"}[i]))
		if err != nil {
			t.Fatal(err)
		}
		f.Write(bytes.Repeat([]byte{'x'}, size))
		d.Finished(f)
		f.Close()
	}
	err := d.Close()
	if !errors.Is(err, unix.EIO) || !strings.Contains(err.Error(), filepath.Join(dir, "b")) || !strings.Contains(err.Error(), "write-back") {
		t.Fatalf("Close = %v; want the write-back error of %s", err, filepath.Join(dir, "b"))
	}
	if len(dropped) != 3 || dropped[2] != 3 {
		t.Errorf("regions dropped (by size): %v; want all three, the one after the failure too", dropped)
	}
}

// TestRelease: Release waits for no region beyond those already past the
// lag, yet reports their errors, and every region's descriptor is closed.
func TestRelease(t *testing.T) {
	for _, tt := range []struct {
		files, fail int // files handed over; the size of the one that fails (0: none)
		waited      int // regions waited for at most
		wantErr     bool
	}{
		{files: 3, waited: 0},
		{files: lag + 4, fail: 2, waited: 4, wantErr: true},
	} {
		var waited []int64
		calls := make(chan bool, 64)
		dropRegion = func(fd int, off, n int64) error {
			var st unix.Stat_t
			if err := unix.Fstat(fd, &st); err != nil {
				t.Errorf("the region's descriptor is not open: %v", err)
			}
			waited = append(waited, st.Size)
			calls <- true
			if st.Size == int64(tt.fail) {
				return unix.EIO
			}
			return nil
		}
		dir := t.TempDir()
		d := New()
		before := openFDs(t)
		for i := 1; i <= tt.files; i++ {
			f, err := os.Create(filepath.Join(dir, "f"+strings.Repeat("x", i)))
			if err != nil {
				t.Fatal(err)
			}
			f.Write(bytes.Repeat([]byte{'x'}, i))
			d.Finished(f)
			f.Close()
		}
		for range tt.waited { // the regions past the lag are waited for before Release
			select {
			case <-calls:
			case <-time.After(10 * time.Second):
				t.Fatal("the regions past the lag were not waited for")
			}
		}
		err := d.Release()
		dropRegion = drop
		if len(waited) > tt.waited {
			t.Errorf("%d files: %d regions waited for (%v), want at most %d", tt.files, len(waited), waited, tt.waited)
		}
		if (err != nil) != tt.wantErr || tt.wantErr && !errors.Is(err, unix.EIO) {
			t.Errorf("%d files: Release = %v, want an error: %v", tt.files, err, tt.wantErr)
		}
		if after := openFDs(t); after != before {
			t.Errorf("%d files: %d descriptors open after Release, %d before", tt.files, after, before)
		}
		for i := 1; i <= tt.files; i++ {
			if b, err := os.ReadFile(filepath.Join(dir, "f"+strings.Repeat("x", i))); err != nil || len(b) != i {
				t.Errorf("file %d: %d bytes, %v", i, len(b), err)
			}
		}
	}
}

// openFDs counts the process's open descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(entries)
}
