package schemas

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
)

// isBulkName reports whether name is a bulk file's: bulk-NNNN.json, four
// digits or more.
func isBulkName(name string) bool {
	digits, ok := strings.CutPrefix(name, "bulk-")
	if !ok {
		return false
	}
	if digits, ok = strings.CutSuffix(digits, ".json"); !ok || len(digits) < 4 {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// checkPlanLines reads a plan with its reader (package lineage) and adds
// the findings no per-line schema can give: the header and its version,
// references to dictionary entries defined above, positions within the
// employee's, and the fields of every operation. The reader stops at the
// first line it cannot read; a line that is not JSON is already a finding
// of out and is not repeated. A plan of another format (lineage.ErrVersion)
// has that one finding only.
func checkPlanLines(r io.Reader, out []Finding) []Finding {
	lr := lineage.NewReader(r)
	lr.Shared = true // only the operations are checked
	for {
		l, err := lr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			var le *lineage.Error
			if !errors.As(err, &le) {
				return append(out, Finding{Keyword: "lineage", Severity: model.SevError, Message: err.Error()})
			}
			if errors.Is(err, lineage.ErrVersion) {
				// Another format: what the schema says of its lines is noise.
				return []Finding{{Keyword: "lineage", Severity: model.SevError, Line: le.Line, Message: le.Err.Error()}}
			}
			for _, f := range out {
				if f.Line == le.Line && f.Keyword == "json" {
					return out
				}
			}
			msg := le.Err.Error()
			if le.Col > 0 {
				msg = "column " + strconv.Itoa(le.Col) + ": " + msg
			}
			return append(out, Finding{Keyword: "lineage", Severity: model.SevError, Line: le.Line, Message: msg})
		}
		for i, o := range l.Operations {
			ptr := "/ops/" + strconv.Itoa(i)
			bad := func(field int, format string, args ...any) {
				out = append(out, Finding{Pointer: ptr + "/" + strconv.Itoa(field), Keyword: "lineage", Severity: model.SevError,
					Line: l.N, Message: fmt.Sprintf(format, args...)})
			}
			if !isBulkName(o.Bulk) {
				bad(0, "%q is not a bulk file name (bulk-NNNN.json)", o.Bulk)
			}
			if o.Index < 0 {
				bad(1, "operation index %d is negative", o.Index)
			}
			if o.Phase < 0 || o.Phase > 2 {
				bad(2, "phase %d is not 0, 1 or 2", o.Phase)
			}
			switch o.Method {
			case "POST", "PATCH", "PUT", "DELETE":
			default:
				bad(3, "%q is not one of POST, PATCH, PUT, DELETE", o.Method)
			}
			if o.Path == "" {
				bad(4, "the operation has no path")
			}
		}
	}
}
