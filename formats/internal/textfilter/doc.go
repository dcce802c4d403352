// Package textfilter holds the input filter shared by the legacy readers
// (formats/v1xml and formats/v3json). A Filter sits between the raw input
// and a decoder: it drops a leading UTF-8 byte order mark, notes a UTF-16
// one, and replaces every byte that cannot be text (invalid UTF-8, NUL, C0
// control characters other than tab, CR and LF) with U+FFFD, remembering
// where it did so. The decoder therefore never fails on such a byte, and
// the reader can report it against the record and field it fell in by
// claiming the bad bytes the decoder has passed (Claim) or the first one
// still pending at a decoder failure (Pending).
//
// NewXML makes a filter for XML input, which also replaces each character
// reference to a C0 control character (&#27;, &#x1B;) outside comments,
// CDATA sections and processing instructions with U+FFFD, as a bad byte:
// XML 1.0 forbids such characters even as references, so encoding/xml
// would stop the whole read on one.
//
// The filter counts lines on its output; built with trackNL it also keeps
// the offsets of newlines, so that LineAt maps a decoder byte offset to a
// line for decoders that only report offsets (encoding/json).
package textfilter
