package formats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Options choose how an input is opened.
type Options struct {
	// Format forces a reader ("concur", "v1xml", "v3json"); "" detects it
	// from the content.
	Format string
	// Encoding names the input's character encoding ("windows-1252",
	// "iso-8859-1", …); "" or "utf-8" reads UTF-8 and rejects invalid bytes.
	Encoding string
	// Read, when set, counts the bytes read from the input as reading goes
	// (for progress reports); it may be read from another goroutine.
	Read *atomic.Int64
}

// countingReader adds the bytes it reads to n.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Input is an opened input file.
type Input struct {
	Reader
	Path   string
	Format string
	// Size is the size of the file in bytes (0 when not opened by Open).
	Size   int64
	closer io.Closer

	warnings []model.Diagnostic // about the input as a whole, found by NewInput
}

// Close closes the underlying file.
func (in *Input) Close() error {
	if in.closer == nil {
		return nil
	}
	return in.closer.Close()
}

// Warnings returns the warnings about the input as a whole: those NewInput
// found (line ends) and those its reader collects.
func (in *Input) Warnings() []model.Diagnostic {
	ws := in.warnings
	if w, ok := in.Reader.(Warner); ok {
		ws = append(ws[:len(ws):len(ws)], w.Warnings()...)
	}
	return ws
}

// Open opens path with the reader for its format.
func Open(path string, opts Options) (*Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		f.Close()
		return nil, fmt.Errorf("%s is a directory: expected input files, given in processing order (e.g. %s)", path, filepath.Join(path, "*.csv"))
	}
	in, err := NewInput(f, path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	in.closer = f
	if st != nil {
		in.Size = st.Size()
	}
	return in, nil
}

// NewInput wraps an already open stream; name is used in positions.
func NewInput(r io.Reader, name string, opts Options) (*Input, error) {
	enc, err := LookupEncoding(opts.Encoding)
	if err != nil {
		return nil, err
	}
	if opts.Read != nil {
		r = countingReader{r, opts.Read}
	}
	var bomNote string
	if enc == nil {
		// UTF-16 with a byte order mark says what it is: read it as such.
		raw := bufio.NewReaderSize(r, 64*1024)
		if b, _ := raw.Peek(2); len(b) == 2 && (b[0] == 0xff && b[1] == 0xfe || b[0] == 0xfe && b[1] == 0xff) {
			enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
			bomNote = "the file is UTF-16 (it starts with a byte order mark): read as UTF-16"
		}
		r = raw
	}
	if enc != nil {
		r = transform.NewReader(r, enc.NewDecoder())
	}
	br := bufio.NewReaderSize(r, 64*1024)
	head, perr := br.Peek(headSize)
	if perr != nil && perr != io.EOF && perr != bufio.ErrBufferFull {
		return nil, fmt.Errorf("%s: %w", name, perr)
	}
	format := opts.Format
	if format == "" {
		format, err = Detect(head)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	e, err := Lookup(format)
	if err != nil {
		return nil, err
	}
	in := &Input{Path: name, Format: e.Name}
	if bomNote != "" {
		in.warnings = append(in.warnings, model.Diagnostic{Severity: model.SevInfo, Source: model.Source{File: name, Line: 1}, Message: bomNote})
	}
	var src io.Reader = br
	if crOnly(head) {
		src = bufio.NewReaderSize(crToLF{br}, 64*1024)
		in.warnings = append(in.warnings, model.Diagnostic{Severity: model.SevWarning, Source: model.Source{File: name, Line: 1},
			Message: "lines end with a carriage return alone (classic Mac OS): each one is read as a line break"})
	}
	in.Reader = e.New(src, name)
	return in, nil
}

// headSize is how much of an input NewInput looks at to detect its format
// and its line ends.
const headSize = 16 << 10

// crOnly reports whether head breaks lines with a carriage return alone,
// as classic Mac OS (and Excel's "CSV (Macintosh)") writes them: its first
// line break outside double quotes is a CR not followed by an LF. Such
// files may still hold LFs inside quoted cells, as LF files may hold CRs.
func crOnly(head []byte) bool {
	quoted := false
	for i, c := range head {
		switch c {
		case '"':
			quoted = !quoted
		case '\r', '\n':
			if !quoted {
				return c == '\r' && (i+1 == len(head) || head[i+1] != '\n')
			}
		}
	}
	return false
}

// crToLF turns every carriage return not followed by a line feed into a
// line feed, byte for byte, so that offsets are unchanged; CRLF and LF are
// left as they are.
type crToLF struct{ br *bufio.Reader }

func (c crToLF) Read(p []byte) (int, error) {
	n, err := c.br.Read(p)
	b := p[:n]
	for {
		i := bytes.IndexByte(b, '\r')
		if i < 0 {
			break
		}
		if i+1 < len(b) {
			if b[i+1] != '\n' {
				b[i] = '\n'
			}
		} else if next, perr := c.br.Peek(1); perr != nil || next[0] != '\n' {
			b[i] = '\n' // the last byte read: look at the next one
		}
		b = b[i+1:]
	}
	return n, err
}

// LookupEncoding returns the decoder for a named encoding; nil for UTF-8.
func LookupEncoding(name string) (encoding.Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "utf-8", "utf8":
		return nil, nil
	case "utf-16", "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), nil
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), nil
	}
	enc, err := htmlindex.Get(name)
	if err != nil {
		return nil, fmt.Errorf("unknown encoding %q: expected utf-8, windows-1252, iso-8859-1, iso-8859-15, utf-16 or another WHATWG encoding label", name)
	}
	return enc, nil
}

// Detect tells an input's format from its first bytes: XML starts with '<',
// JSON with '{' or '[', a Concur flat file with a record type number.
func Detect(head []byte) (string, error) {
	h := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	h = bytes.TrimLeft(h, " \t\r\n")
	if len(h) == 0 {
		return "", fmt.Errorf("input is empty: expected a Concur import file, a Users V1 XML batch or a Users 3.x JSON payload")
	}
	switch c := h[0]; {
	case c == '<':
		return "v1xml", nil
	case c == '{' || c == '[':
		return "v3json", nil
	case c >= '0' && c <= '9', c == '"':
		return "concur", nil
	}
	if msg := knownMistake(h); msg != "" {
		return "", errors.New(msg)
	}
	show := h
	if len(show) > 16 {
		show = show[:16]
	}
	return "", fmt.Errorf("cannot tell the input format from its first bytes %q: expected a record type number (Concur import), '<' (Users V1 XML) or '{' (Users 3.x JSON); use --format to force one", show)
}

// knownMistake explains the inputs people give by mistake: a workbook
// instead of its CSV, a flat file with a header row. "" for anything else.
func knownMistake(h []byte) string {
	switch {
	case bytes.HasPrefix(h, []byte("PK\x03\x04")):
		return "this is an Excel workbook (.xlsx) or another zip archive, not an import file: open it in Excel, choose File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\", and give the .csv (one sheet per file, no header row)"
	case bytes.HasPrefix(h, []byte("\xd0\xcf\x11\xe0")):
		return "this is an Excel 97-2003 workbook (.xls), not an import file: open it in Excel, choose File > Save As > \"CSV UTF-8 (Comma delimited) (*.csv)\", and give the .csv (one sheet per file, no header row)"
	}
	line := h
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	if len(line) == 0 || !isLetter(line[0]) || bytes.IndexAny(line, ",;\t|") < 0 {
		return ""
	}
	show := string(line)
	if len(show) > 60 {
		show = show[:60] + "…"
	}
	return fmt.Sprintf("line 1 is a header row (%q): Concur employee import files have none, every line starts with its record type (100, 305, 350 …); delete line 1 (or save the sheet without its header row) and run again", show)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
