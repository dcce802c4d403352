package lineage

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/jsonw"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// Format and Version are the header's "plan" and "version": the format
// this package writes. It reads Version and the versions from
// OldestVersion on (version 2 is version 3 without "pos"; version 3
// numbers requests from the first of the run, not of their phase, and has
// no "requests"; version 4 writes a site's number with each value;
// version 5 writes leaveOut's URNs whole).
const (
	Format        = "upsmigrate"
	Version       = 6
	OldestVersion = 2
)

// HeaderSize is the length of the header line (AppendHeader), newline
// included: fixed, so that a plan written before its requests are counted
// can have its header written over at the end.
const HeaderSize = 96

// Phases is how many phases a plan's requests come in (plan.Phase).
const Phases = 3

// AppendHeader appends the header line of a plan whose phases pack
// requests[p] requests each, padded with spaces to HeaderSize.
func AppendHeader(dst []byte, requests [Phases]int) []byte {
	start := len(dst)
	dst = append(dst, `{"plan":`...)
	dst = jsonw.AppendString(dst, Format)
	dst = append(dst, `,"version":`...)
	dst = jsonw.AppendInt(dst, Version)
	dst = append(dst, `,"requests":[`...)
	for p, n := range requests {
		if p > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.AppendInt(dst, n)
	}
	dst = append(dst, "]}"...)
	for len(dst)-start < HeaderSize-1 {
		dst = append(dst, ' ')
	}
	return append(dst, '\n')
}

// firsts is the number each phase's requests follow: the requests of the
// phases before it.
func firsts(requests [Phases]int) (f [Phases]int) {
	for p := 1; p < Phases; p++ {
		f[p] = f[p-1] + requests[p-1]
	}
	return f
}

// FileName is the name of the plan in a convert output directory.
const FileName = "plan.jsonl"

// OpRef says where an employee's operation landed: bulk file, index, method
// and path; it completes a value's lineage from input to request.
type OpRef struct {
	Bulk   string `json:"bulk"`
	Index  int    `json:"index"`
	Phase  int    `json:"phase"`
	Method string `json:"method"`
	Path   string `json:"path"`
	BulkID string `json:"bulkId,omitempty"`
}

// Line is one employee of a plan: the change set with its lineage and the
// operations it became. The parts its values share (model.Site,
// model.Origin, Ref.Primary) are shared with the other lines a Reader
// returns and must not be modified.
type Line struct {
	*model.ChangeSet
	Operations []OpRef
	// N is the 1-based line of the file the employee is on (0 for a
	// Line not read from a file).
	N int
}

// ErrVersion says a plan is not in the format this upsmigrate reads: an
// older or newer upsmigrate wrote it. Convert again to rewrite it.
var ErrVersion = errors.New("plan.jsonl is not in the format this upsmigrate reads")

// Error is an error in a plan file, at its line and 1-based byte column
// (0 when the whole line is meant).
type Error struct {
	File string
	Line int
	Col  int
	Err  error
}

func (e *Error) Error() string {
	s := e.File
	if e.Line > 0 {
		s += ":" + strconv.Itoa(e.Line)
	}
	if e.Line > 0 && e.Col > 0 {
		s += ":" + strconv.Itoa(e.Col)
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// versionError is an ErrVersion saying what the file is.
type versionError string

func (e versionError) Error() string {
	return string(e) + "; this upsmigrate reads plan formats " + strconv.Itoa(OldestVersion) + " to " + strconv.Itoa(Version) + ": run 'upsmigrate convert' again to rewrite it"
}

func (e versionError) Is(target error) bool { return target == ErrVersion }

// BulkName is the name of the n-th bulk request file of a convert output.
func BulkName(n int) string {
	var b [32]byte
	return string(AppendBulkName(b[:0], n))
}

// AppendBulkName appends BulkName(n): "bulk-%04d.json", without fmt (a
// plan names two files for each of its operations).
func AppendBulkName(dst []byte, n int) []byte {
	if n < 0 {
		return fmt.Appendf(dst, "bulk-%04d.json", n)
	}
	dst = append(dst, "bulk-"...)
	for d := 1000; d > n && d > 1; d /= 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, ".json"...)
}

// bulkNumber is n when name is BulkName(n).
func bulkNumber(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "bulk-")
	if !ok {
		return 0, false
	}
	digits, ok := strings.CutSuffix(rest, ".json")
	if !ok || len(digits) < 4 || digits[0] < '0' || digits[0] > '9' {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	var b [32]byte
	if err != nil || n < 1 || string(AppendBulkName(b[:0], n)) != name {
		return 0, false
	}
	return n, true
}

// usualAddress is the path and bulkId an operation of method has when it
// addresses employee emp by bulkId, as convert writes them without a
// directory (plan.BulkID, plan.BulkIDPath): a POST to /Users with the
// employee's bulkId, any other method to its bulkId path. A plan leaves
// them out of an operation that has them (the writer compares the
// strings, so a UUID path is written out).
func usualAddress(emp, method string) (path, bulkID string) {
	if method == "POST" {
		return "/Users", plan.BulkID(emp)
	}
	return plan.BulkIDPath(emp), ""
}

// isUsualAddress reports whether path and bulkID are usualAddress(emp,
// method), without building them (the writer asks for every operation).
func isUsualAddress(emp, method, path, bulkID string) bool {
	if method == "POST" {
		return path == "/Users" && plan.IsBulkID(bulkID, emp)
	}
	return bulkID == "" && plan.IsBulkIDPath(path, emp)
}
