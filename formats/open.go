package formats

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

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
}

// Input is an opened input file.
type Input struct {
	Reader
	Path   string
	Format string
	closer io.Closer
}

// Close closes the underlying file.
func (in *Input) Close() error {
	if in.closer == nil {
		return nil
	}
	return in.closer.Close()
}

// Warnings returns the reader's file-level warnings, if it collects any.
func (in *Input) Warnings() []model.Diagnostic {
	if w, ok := in.Reader.(Warner); ok {
		return w.Warnings()
	}
	return nil
}

// Open opens path with the reader for its format.
func Open(path string, opts Options) (*Input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	in, err := NewInput(f, path, opts)
	if err != nil {
		f.Close()
		return nil, err
	}
	in.closer = f
	return in, nil
}

// NewInput wraps an already open stream; name is used in positions.
func NewInput(r io.Reader, name string, opts Options) (*Input, error) {
	enc, err := LookupEncoding(opts.Encoding)
	if err != nil {
		return nil, err
	}
	if enc != nil {
		r = transform.NewReader(r, enc.NewDecoder())
	}
	br := bufio.NewReaderSize(r, 64*1024)
	format := opts.Format
	if format == "" {
		head, perr := br.Peek(4096)
		if perr != nil && perr != io.EOF && perr != bufio.ErrBufferFull {
			return nil, fmt.Errorf("%s: %w", name, perr)
		}
		format, err = Detect(head)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	e, err := Lookup(format)
	if err != nil {
		return nil, err
	}
	return &Input{Reader: e.New(br, name), Path: name, Format: e.Name}, nil
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
	show := h
	if len(show) > 16 {
		show = show[:16]
	}
	return "", fmt.Errorf("cannot tell the input format from its first bytes %q: expected a record type number (Concur import), '<' (Users V1 XML) or '{' (Users 3.x JSON); use --format to force one", show)
}
