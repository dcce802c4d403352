package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// lines maps byte offsets of a document to 1-based line numbers.
type lines []int // offsets of '\n'

func newLines(data []byte) lines {
	var nl lines
	for i, c := range data {
		if c == '\n' {
			nl = append(nl, i)
		}
	}
	return nl
}

func (l lines) at(off int64) int {
	return sort.SearchInts(l, int(off)) + 1
}

// jsonFinding reports a document that does not parse, at its line.
func jsonFinding(data []byte, err error) Finding {
	f := Finding{Keyword: "json", Severity: model.SevError, Message: "not JSON: " + err.Error()}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		f.Line = newLines(data).at(se.Offset - 1)
	case errors.As(err, &te):
		f.Line = newLines(data).at(te.Offset - 1)
	}
	return f
}

// pointerLines returns the line each value of a JSON document starts on
// (for object members: the line of the member's name), by JSON pointer.
func pointerLines(data []byte) map[string]int {
	nl := newLines(data)
	out := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		ptr     string
		isArray bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	// childPtr returns the pointer of the value about to be read.
	childPtr := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := &stack[len(stack)-1]
		if f.isArray {
			return f.ptr + "/" + strconv.Itoa(f.index)
		}
		return f.ptr + "/" + escapeToken(f.key)
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.isArray {
			f.index++
		} else {
			f.wantKey = true
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		end := dec.InputOffset()
		if len(stack) > 0 {
			f := &stack[len(stack)-1]
			if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
				stack = stack[:len(stack)-1]
				valueDone()
				continue
			}
			if !f.isArray && f.wantKey {
				f.key, _ = tok.(string)
				f.wantKey = false
				out[f.ptr+"/"+escapeToken(f.key)] = nl.at(tokenStart(data, start, end))
				continue
			}
		}
		ptr := childPtr()
		if _, seen := out[ptr]; !seen {
			out[ptr] = nl.at(tokenStart(data, start, end))
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{ptr: ptr, isArray: d == '[', wantKey: d == '{'})
			continue
		}
		valueDone()
	}
}

// tokenStart skips the separators json.Decoder counts before a token.
func tokenStart(data []byte, start, end int64) int64 {
	for start < end && start < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[start]) >= 0 {
		start++
	}
	return start
}

// setLines sets each finding's Line to where its pointer (or the nearest
// ancestor present in the document) starts.
func setLines(data []byte, fs []Finding) {
	idx := pointerLines(data)
	for i := range fs {
		if fs[i].Line != 0 {
			continue
		}
		p := fs[i].Pointer
		for {
			if l, ok := idx[p]; ok {
				fs[i].Line = l
				break
			}
			j := strings.LastIndexByte(p, '/')
			if j < 0 {
				break
			}
			p = p[:j]
		}
	}
}
