package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/upsmigrate/upsmigrate/formats/concur"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// The spilled data is a sequence of entries, each its length (a uvarint)
// and its payload. Payloads are made of uvarints, fixed 8-byte integers,
// single bytes and strings (a uvarint length and the bytes).

// errCorrupt is the cause of every error decoding spilled data: a defect
// or a temporary file changed under the run.
var errCorrupt = errors.New("corrupt spilled data")

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// appendInPlace appends what render appends, preceded by its length as
// appendBytes writes it, rendering straight into dst: behind room for the
// longest length, into which it is moved once its length is known.
func appendInPlace(dst []byte, render func([]byte) []byte) []byte {
	at := len(dst)
	dst = render(append(dst, make([]byte, binary.MaxVarintLen64)...))
	n := len(dst) - at - binary.MaxVarintLen64
	var lb [binary.MaxVarintLen64]byte
	l := binary.PutUvarint(lb[:], uint64(n))
	copy(dst[at:], lb[:l])
	copy(dst[at+l:], dst[at+binary.MaxVarintLen64:])
	return dst[:at+l+n]
}

func appendBool(dst []byte, b bool) []byte {
	if b {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// dec reads a payload: a string (its strings are then substrings, no copy)
// or a byte slice (sub-slices). The first error sticks; later reads return
// zero values.
type dec[T ~string | ~[]byte] struct {
	s   T
	i   int
	err error
}

func (d *dec[T]) fail() {
	if d.err == nil {
		d.err = fmt.Errorf("offset %d of a %d-byte entry: %w", d.i, len(d.s), errCorrupt)
	}
	d.i = len(d.s)
}

func (d *dec[T]) uvarint() uint64 {
	var x uint64
	var shift uint
	for k := 0; k < binary.MaxVarintLen64; k++ {
		if d.i >= len(d.s) {
			break
		}
		b := d.s[d.i]
		d.i++
		if b < 0x80 {
			if k == binary.MaxVarintLen64-1 && b > 1 {
				break // overflows 64 bits
			}
			return x | uint64(b)<<shift
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	d.fail()
	return 0
}

// int reads a uvarint that must fit an int.
func (d *dec[T]) int() int {
	v := d.uvarint()
	if v > math.MaxInt32 {
		d.fail()
		return 0
	}
	return int(v)
}

// count reads a number of items that each take at least one byte.
func (d *dec[T]) count() int {
	n := d.int()
	if n > len(d.s)-d.i {
		d.fail()
		return 0
	}
	return n
}

func (d *dec[T]) u64() uint64 {
	if len(d.s)-d.i < 8 {
		d.fail()
		return 0
	}
	var x uint64
	for k := 7; k >= 0; k-- {
		x = x<<8 | uint64(d.s[d.i+k])
	}
	d.i += 8
	return x
}

func (d *dec[T]) byte() byte {
	if d.i >= len(d.s) {
		d.fail()
		return 0
	}
	b := d.s[d.i]
	d.i++
	return b
}

func (d *dec[T]) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail()
	return false
}

// raw reads a length-prefixed string or byte slice, without copying.
func (d *dec[T]) raw() T {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.fail()
		var zero T
		return zero
	}
	v := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return v
}

// str reads a string (a copy when reading bytes).
func (d *dec[T]) str() string { return string(d.raw()) }

// done reports the error of the reads, or that bytes are left.
func (d *dec[T]) done() error {
	if d.err == nil && d.i != len(d.s) {
		d.err = fmt.Errorf("%d bytes left after a %d-byte entry: %w", len(d.s)-d.i, d.i, errCorrupt)
	}
	return d.err
}

func appendU64(dst []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(dst, v) }

// maxInterned bounds the strings and lists a recordCodec interns; the
// others are written inline.
const maxInterned = 1 << 12

// listKey is the identity of a Keys or Names slice: the readers share one
// per record type, so most records refer to a few.
type listKey struct {
	p *string
	n int
}

// recordCodec encodes input records compactly: the format, type and file
// of a record and its Keys and Names slices are written as numbers into
// tables the codec keeps (formats and types are few; a flat file's Keys
// and Names are shared by all records of a type). The tables hold on to
// what they intern, so an interned slice is never confused with a later
// one at the same address.
type recordCodec struct {
	strs  map[string]uint64
	strTb []string
	lists map[listKey]uint64
	lstTb [][]string
}

func newRecordCodec() *recordCodec {
	return &recordCodec{strs: map[string]uint64{}, lists: map[listKey]uint64{}}
}

func (c *recordCodec) appendStr(dst []byte, s string) []byte {
	id, ok := c.strs[s]
	if !ok && len(c.strTb) < maxInterned {
		c.strTb = append(c.strTb, s)
		id = uint64(len(c.strTb))
		c.strs[s] = id
	}
	dst = binary.AppendUvarint(dst, id)
	if id == 0 {
		dst = appendString(dst, s)
	}
	return dst
}

func (c *recordCodec) appendList(dst []byte, l []string) []byte {
	if len(l) == 0 {
		return append(dst, 0, 0)
	}
	k := listKey{&l[0], len(l)}
	id, ok := c.lists[k]
	if !ok && len(c.lstTb) < maxInterned {
		c.lstTb = append(c.lstTb, l)
		id = uint64(len(c.lstTb))
		c.lists[k] = id
	}
	dst = binary.AppendUvarint(dst, id)
	if id == 0 {
		dst = binary.AppendUvarint(dst, uint64(len(l)))
		for _, s := range l {
			dst = appendString(dst, s)
		}
	}
	return dst
}

func (c *recordCodec) readStr(d *dec[string]) string {
	id := d.uvarint()
	if id == 0 {
		return d.str()
	}
	if id > uint64(len(c.strTb)) {
		d.fail()
		return ""
	}
	return c.strTb[id-1]
}

func (c *recordCodec) readList(d *dec[string]) []string {
	id := d.uvarint()
	if id > 0 {
		if id > uint64(len(c.lstTb)) {
			d.fail()
			return nil
		}
		return c.lstTb[id-1]
	}
	n := d.count()
	if n == 0 {
		return nil
	}
	l := make([]string, n)
	for i := range l {
		l[i] = d.str()
	}
	return l
}

// spilledRecord is an input record on its way to its partition: its
// ordinal in the run (the order records are read in, over all inputs) and
// the hash its partition is chosen by.
type spilledRecord struct {
	ord  uint64
	hash uint64
	rec  model.Record
}

// appendRecord appends the entry of an input record.
func (c *recordCodec) appendRecord(dst []byte, ord, hash uint64, rec *model.Record) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, binary.MaxVarintLen32)...) // room for the length
	body := len(dst)
	dst = binary.AppendUvarint(dst, ord)
	dst = appendU64(dst, hash)
	dst = c.appendStr(dst, rec.Format)
	dst = c.appendStr(dst, rec.Type)
	dst = c.appendStr(dst, rec.Pos.File)
	dst = binary.AppendUvarint(dst, uint64(max(rec.Pos.Line, 0)))
	dst = binary.AppendUvarint(dst, uint64(max(rec.Pos.Item, 0)))
	dst = c.appendList(dst, rec.Keys)
	dst = c.appendList(dst, rec.Names)
	if asLine(rec) {
		// The line, split again when read: one copy instead of a
		// length and a copy per value (a 305 row has ~140).
		dst = append(dst, valuesLine, rec.Sep)
		dst = appendString(dst, rec.Line)
	} else {
		dst = append(dst, valuesEach)
		dst = binary.AppendUvarint(dst, uint64(len(rec.Values)))
		for _, v := range rec.Values {
			dst = appendString(dst, v)
		}
	}
	dst = appendBool(dst, rec.Lines != nil)
	if rec.Lines != nil {
		dst = binary.AppendUvarint(dst, uint64(len(rec.Lines)))
		for _, l := range rec.Lines {
			dst = binary.AppendUvarint(dst, uint64(max(l, 0)))
		}
	}
	// The length goes in front of the payload, in the room left for it.
	n := len(dst) - body
	var lb [binary.MaxVarintLen64]byte
	ln := binary.PutUvarint(lb[:], uint64(n))
	copy(dst[body-ln:], lb[:ln])
	return append(dst[:start], dst[body-ln:]...)
}

// How a record's values are written: each, or as the line they split
// from (model.Record.Line).
const (
	valuesEach = iota
	valuesLine
)

// asLine reports whether rec's values can be written as its line: the
// reader gave it, on one line, and its values add up to it, the
// separators and the quotes of whole quoted fields aside (a check of
// lengths against a reader's slip: Line is split again when read).
func asLine(rec *model.Record) bool {
	if rec.Line == "" || rec.Lines != nil || len(rec.Values) == 0 {
		return false
	}
	n := len(rec.Values) - 1
	for _, v := range rec.Values {
		n += len(v)
	}
	quotes := len(rec.Line) - n
	return quotes >= 0 && quotes%2 == 0 && quotes <= 2*len(rec.Values)
}

// recordHead reads the ordinal and hash at the start of a record's
// payload, to filter records without decoding them.
func recordHead(payload string) (ord, hash uint64, err error) {
	d := dec[string]{s: payload}
	ord = d.uvarint()
	hash = d.u64()
	return ord, hash, d.err
}

// readRecord decodes a record's payload into r. Its strings are
// substrings of payload; r.rec.Values is reused, the other slices are the
// codec's or new.
func (c *recordCodec) readRecord(payload string, r *spilledRecord) error {
	d := dec[string]{s: payload}
	r.ord = d.uvarint()
	r.hash = d.u64()
	rec := &r.rec
	rec.Format = c.readStr(&d)
	rec.Type = c.readStr(&d)
	rec.Pos.File = c.readStr(&d)
	rec.Pos.Line = d.int()
	rec.Pos.Item = d.int()
	rec.Keys = c.readList(&d)
	rec.Names = c.readList(&d)
	rec.Values = rec.Values[:0]
	rec.Line, rec.Sep = "", 0
	switch d.byte() {
	case valuesLine:
		rec.Sep = d.byte()
		rec.Line = d.str()
		var ok bool
		if rec.Values, ok = concur.SplitLine(rec.Line, rec.Sep, rec.Values); !ok {
			d.fail()
		}
	case valuesEach:
		n := d.count()
		for range n {
			rec.Values = append(rec.Values, d.raw())
		}
	default:
		d.fail()
	}
	rec.Lines = nil
	if d.bool() {
		n := d.count()
		rec.Lines = make([]int, n)
		for i := range rec.Lines {
			rec.Lines[i] = d.int()
		}
	}
	return d.done()
}
