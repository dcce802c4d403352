package schemas

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// Finding is one problem in a validated document.
type Finding struct {
	// Pointer is the RFC 6901 JSON pointer of the offending value inside the
	// document (inside the plan line for plan files); "" is the whole
	// document. A missing attribute is pointed at where it should be.
	Pointer  string         `json:"pointer"`
	Message  string         `json:"message"`
	Severity model.Severity `json:"severity"`
	// Keyword is the JSON Schema keyword that failed ("required", "enum",
	// "format", "additionalProperties", …) or one of the validator's own:
	// "maxBytes" (request size), "path" (PATCH path), "unique" (bulkId),
	// "json" (not JSON), "false" (a value that must be absent), "lineage"
	// (a plan its reader refuses, or an operation field of a plan line).
	Keyword string `json:"keyword"`
	// Line is the 1-based line of the file the finding is on: the plan line
	// for plan.jsonl, the line where the pointed value (or its nearest
	// present ancestor) starts for JSON files; 0 when not known.
	Line int `json:"line,omitempty"`
}

// String renders "/pointer: message", with "warning: " before warnings.
func (f Finding) String() string {
	var b strings.Builder
	if f.Pointer != "" {
		b.WriteString(f.Pointer)
		b.WriteString(": ")
	}
	if f.Severity == model.SevWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(f.Message)
	return b.String()
}

// Format renders the finding for a file: "file:line: /pointer: message".
func (f Finding) Format(file string) string {
	if f.Line > 0 {
		return file + ":" + strconv.Itoa(f.Line) + ": " + f.String()
	}
	return file + ": " + f.String()
}

// IsError reports whether the finding is an error.
func (f Finding) IsError() bool { return f.Severity == model.SevError }

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.IsError() {
			return true
		}
	}
	return false
}

// Prefix returns the findings with prefix (a JSON pointer) put before their
// pointers: Prefix(fs, "/Operations/3") turns "/data/userName" into
// "/Operations/3/data/userName". It modifies fs in place.
func Prefix(fs []Finding, prefix string) []Finding {
	for i := range fs {
		fs[i].Pointer = prefix + fs[i].Pointer
	}
	return fs
}

// Kind is the kind of document a file holds.
type Kind string

// Document kinds.
const (
	KindUnknown Kind = ""
	KindBulk    Kind = "bulk"  // SCIM BulkRequest
	KindUser    Kind = "user"  // one User body (POST/PUT /Users)
	KindPatch   Kind = "patch" // one PatchOp body (PATCH /Users/{id})
	KindPlan    Kind = "plan"  // plan.jsonl: package lineage's format, one employee or dictionary entry per line
)

// Limits UPS puts on a bulk request.
const (
	MaxRequestBytes = 400 * 1024 // serialized size of one bulk request
	MaxOperations   = 100        // operations in one bulk request
)

// RequestSizeFinding returns the finding for a serialized bulk request of n
// bytes, and whether n is over UPS's limit.
func RequestSizeFinding(n int) (Finding, bool) {
	if n <= MaxRequestBytes {
		return Finding{}, false
	}
	return Finding{
		Pointer:  "",
		Keyword:  "maxBytes",
		Severity: model.SevError,
		Message:  fmt.Sprintf("request is %d bytes, over UPS's limit of %d", n, MaxRequestBytes),
	}, true
}

// sortFindings orders findings by line, pointer, keyword and message.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Pointer != b.Pointer {
			return a.Pointer < b.Pointer
		}
		if a.Keyword != b.Keyword {
			return a.Keyword < b.Keyword
		}
		return a.Message < b.Message
	})
}

// mergeStrict combines a document's findings in default mode: errors are
// the default-mode findings; strict-only findings become warnings unless an
// error names the same pointer and keyword.
func mergeStrict(errs, strict []Finding) []Finding {
	seen := make(map[[2]string]bool, len(errs))
	for _, e := range errs {
		seen[[2]string{e.Pointer, e.Keyword}] = true
	}
	out := errs
	for _, s := range strict {
		k := [2]string{s.Pointer, s.Keyword}
		if seen[k] {
			continue
		}
		seen[k] = true
		s.Severity = model.SevWarning
		out = append(out, s)
	}
	return out
}

// message renders the text of a schema finding. param is the keyword's
// value in the schema, v the offending instance value (for "required" and
// "additionalProperties" and "false": the attribute name).
func message(keyword string, param any, v any) string {
	v = scalarValue(v)
	switch keyword {
	case "type":
		return fmt.Sprintf("expected %s, got %s", typeList(param), describe(v))
	case "enum":
		return fmt.Sprintf("%s is not one of %s", preview(v), enumList(param))
	case "const":
		return fmt.Sprintf("must be %s, not %s", preview(param), preview(v))
	case "format":
		name, _ := param.(string)
		what := name
		if fs, err := formatTable(); err == nil && fs[name] != nil {
			what = fs[name].what
		}
		return fmt.Sprintf("%s is not %s", preview(v), what)
	case "required":
		return fmt.Sprintf("required attribute %q is missing", v)
	case "additionalProperties":
		return fmt.Sprintf("unknown attribute %q", v)
	case "false":
		return fmt.Sprintf("attribute %q is not allowed here", v)
	case "maxLength":
		return fmt.Sprintf("is %d characters long, over the maximum of %s", utf8.RuneCountInString(asString(v)), num(param))
	case "minLength":
		if num(param) == "1" {
			return "must not be empty"
		}
		return fmt.Sprintf("is %d characters long, under the minimum of %s", utf8.RuneCountInString(asString(v)), num(param))
	case "maxItems":
		return fmt.Sprintf("has %d items, over the maximum of %s", max(arrayLen(v), 0), num(param))
	case "minItems":
		return fmt.Sprintf("has %d items, under the minimum of %s", max(arrayLen(v), 0), num(param))
	case "pattern":
		return fmt.Sprintf("%s does not match %s", preview(v), param)
	}
	return fmt.Sprintf("fails %s", keyword)
}

func asString(v any) string { s, _ := v.(string); return s }
func asArray(v any) []any   { a, _ := v.([]any); return a }

func num(v any) string {
	switch n := v.(type) {
	case json.Number:
		return n.String()
	case int:
		return strconv.Itoa(n)
	case float64:
		return strconv.FormatFloat(n, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

func typeList(param any) string {
	switch t := param.(type) {
	case string:
		return t
	case []any:
		var parts []string
		for _, x := range t {
			parts = append(parts, fmt.Sprint(x))
		}
		return strings.Join(parts, " or ")
	case []string:
		return strings.Join(t, " or ")
	}
	return fmt.Sprint(param)
}

func enumList(param any) string {
	list := asArray(param)
	var parts []string
	for i, x := range list {
		if i == 8 {
			parts = append(parts, fmt.Sprintf("… (%d more)", len(list)-8))
			break
		}
		if s, ok := x.(string); ok {
			parts = append(parts, s)
		} else {
			parts = append(parts, preview(x))
		}
	}
	return strings.Join(parts, ", ")
}

// jsonType names the JSON type of a decoded value.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, float64, float32, int, int64, int32, int8, int16, uint, uint64, uint32, uint16, uint8:
		return "number"
	case []any, Array:
		return "array"
	case map[string]any, Object:
		return "object"
	case *string:
		return jsonType(scalarValue(v))
	}
	return fmt.Sprintf("Go %T", v)
}

// describe names a value's type, with the value for scalars.
func describe(v any) string {
	switch v.(type) {
	case string, bool, json.Number, float64, int, int64:
		return jsonType(v) + " " + preview(v)
	}
	return jsonType(v)
}

// preview renders a scalar value as JSON, shortened to 40 characters.
func preview(v any) string {
	switch x := v.(type) {
	case string:
		if utf8.RuneCountInString(x) > 40 {
			r := []rune(x)
			return strconv.Quote(string(r[:37])) + "…"
		}
		return strconv.Quote(x)
	case nil:
		return "null"
	case bool, json.Number, float64, int, int64:
		return fmt.Sprint(x)
	case []any, Array:
		return "an array"
	case map[string]any, Object:
		return "an object"
	case *string:
		return preview(scalarValue(x))
	}
	return fmt.Sprintf("%T", v)
}
