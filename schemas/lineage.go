package schemas

import (
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// OpPointer splits a finding's pointer on a bulk request into the index of
// the operation and the pointer inside that operation's data
// ("/Operations/3/data/name/givenName" → 3, "/name/givenName"). inData is
// false for pointers on the operation itself ("/Operations/3/bulkId").
func OpPointer(ptr string) (op int, rest string, inData, ok bool) {
	s, found := strings.CutPrefix(ptr, "/Operations/")
	if !found {
		return 0, "", false, false
	}
	idx, tail, _ := strings.Cut(s, "/")
	n, err := strconv.Atoi(idx)
	if err != nil || n < 0 {
		return 0, "", false, false
	}
	if tail == "data" || strings.HasPrefix(tail, "data/") {
		return n, strings.TrimPrefix(tail, "data"), true, true
	}
	return n, "", false, true
}

// SourceOf maps a finding on a bulk request back to the input value it came
// from. resolve is the lineage of the request: given an operation index and
// a pointer inside that operation's data it returns the source of the value
// there. When the pointed value has no lineage of its own (a missing
// attribute, a whole object), the nearest ancestor that has one answers;
// findings on the operation itself ask for the data as a whole (""). A
// finding on the whole request has no source.
func SourceOf(f Finding, resolve func(opIndex int, pointerInData string) (model.Source, bool)) (model.Source, bool) {
	op, rest, _, ok := OpPointer(f.Pointer)
	if !ok {
		return model.Source{}, false
	}
	for {
		if src, ok := resolve(op, rest); ok {
			return src, true
		}
		if rest == "" {
			return model.Source{}, false
		}
		rest = rest[:strings.LastIndexByte(rest, '/')]
	}
}
