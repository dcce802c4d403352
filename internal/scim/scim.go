package scim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Message schema URNs (RFC 7644 section 3.1, 3.4.2, 3.5.2, 3.7, 3.12) and
// the SAP Concur error extension.
const (
	SchemaBulkRequest   = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
	SchemaBulkResponse  = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
	SchemaPatchOp       = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaListResponse  = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaSearchRequest = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	SchemaError         = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaConcurError   = "urn:ietf:params:scim:api:messages:concur:2.0:Error"
)

// Bulk operation methods (RFC 7644 section 3.7).
const (
	MethodPost   = "POST"
	MethodPut    = "PUT"
	MethodPatch  = "PATCH"
	MethodDelete = "DELETE"
)

// PATCH operation kinds (RFC 7644 section 3.5.2).
const (
	OpAdd     = "add"
	OpReplace = "replace"
	OpRemove  = "remove"
)

// BulkRequest is a SCIM Bulk request body (RFC 7644 section 3.7).
type BulkRequest struct {
	Schemas []string `json:"schemas"`
	// FailOnErrors is the number of errors after which the server stops
	// processing the request; nil leaves it to the server (RFC: process all).
	FailOnErrors *int            `json:"failOnErrors,omitempty"`
	Operations   []BulkOperation `json:"Operations"`
}

// BulkOperation is one operation of a BulkRequest.
type BulkOperation struct {
	Method  string `json:"method"`
	BulkID  string `json:"bulkId,omitempty"`
	Version string `json:"version,omitempty"`
	Path    string `json:"path,omitempty"`
	// Data is the resource (POST, PUT) or PatchOp body (PATCH); absent for
	// DELETE.
	Data any `json:"data,omitempty"`
}

// PatchOp is a SCIM PATCH request body (RFC 7644 section 3.5.2).
type PatchOp struct {
	Schemas    []string         `json:"schemas"`
	Operations []PatchOperation `json:"Operations"`
}

// PatchOperation is one operation of a PatchOp. Path may be omitted for
// add and replace, when Value is an object keyed by attribute names or
// extension URNs; Value is omitted for remove.
type PatchOperation struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// BulkResponse is a synchronous SCIM Bulk response (RFC 7644 section 3.7.3).
type BulkResponse struct {
	Schemas    []string                `json:"schemas"`
	Operations []BulkOperationResponse `json:"Operations"`
}

// BulkOperationResponse is the outcome of one bulk operation. Response holds
// the server's body for the operation (an Error when Status is 4xx/5xx) and
// is kept raw.
type BulkOperationResponse struct {
	Method   string          `json:"method"`
	BulkID   string          `json:"bulkId,omitempty"`
	Version  string          `json:"version,omitempty"`
	Location string          `json:"location,omitempty"`
	Response json.RawMessage `json:"response,omitempty"`
	Status   StatusCode      `json:"status"`
}

// Error decodes Response as a SCIM Error; ok is false when the operation
// succeeded or its response is not an error body.
func (r *BulkOperationResponse) Error() (e *Error, ok bool) {
	if r.Status.OK() || len(bytes.TrimSpace(r.Response)) == 0 {
		return nil, false
	}
	var out Error
	if err := json.Unmarshal(r.Response, &out); err != nil {
		return nil, false
	}
	return &out, true
}

// ListResponse is a SCIM query response (RFC 7644 section 3.4.2). UPS search
// answers carry "total" instead of "totalResults"; Count returns whichever
// is present.
type ListResponse struct {
	Schemas      []string          `json:"schemas"`
	TotalResults int               `json:"totalResults"`
	Total        *int              `json:"total,omitempty"`
	ItemsPerPage int               `json:"itemsPerPage,omitempty"`
	StartIndex   int               `json:"startIndex,omitempty"`
	Resources    []json.RawMessage `json:"Resources"`
}

// Count is the total number of results of the query.
func (l *ListResponse) Count() int {
	if l.TotalResults == 0 && l.Total != nil {
		return *l.Total
	}
	return l.TotalResults
}

// Error is a SCIM error body (RFC 7644 section 3.12) with the SAP Concur
// extension UPS adds. It implements error; its message never includes
// request data beyond what the server wrote in it.
type Error struct {
	Schemas  []string     `json:"schemas"`
	Status   StatusCode   `json:"status"`
	ScimType string       `json:"scimType,omitempty"`
	Detail   string       `json:"detail,omitempty"`
	Concur   *ConcurError `json:"urn:ietf:params:scim:api:messages:concur:2.0:Error,omitempty"`
}

// ConcurError is the SAP Concur error extension of an Error.
type ConcurError struct {
	Messages []ErrorMessage `json:"messages"`
}

// ErrorMessage is one message of a ConcurError; Type is "error" or
// "warning".
type ErrorMessage struct {
	Code       string `json:"code"`
	Message    string `json:"message,omitempty"`
	SchemaPath string `json:"schemaPath,omitempty"`
	Type       string `json:"type,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("scim error")
	if e.Status != 0 {
		b.WriteString(" ")
		b.WriteString(strconv.Itoa(int(e.Status)))
	}
	if e.ScimType != "" {
		b.WriteString(" (" + e.ScimType + ")")
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Concur != nil {
		for _, m := range e.Concur.Messages {
			b.WriteString("; " + m.Code)
			if m.SchemaPath != "" {
				b.WriteString(" at " + m.SchemaPath)
			}
			if m.Message != "" {
				b.WriteString(": " + m.Message)
			}
		}
	}
	return b.String()
}

// StatusCode is an HTTP status code as SCIM bodies carry it: RFC 7644
// writes it as a string ("201"), some servers as a number. It decodes both
// and encodes as a string.
type StatusCode int

// OK reports a 2xx status.
func (s StatusCode) OK() bool { return s >= 200 && s < 300 }

// MarshalJSON writes the code as a JSON string.
func (s StatusCode) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.Itoa(int(s))), nil
}

// UnmarshalJSON reads a JSON string or number; an empty string or null is 0.
func (s *StatusCode) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*s = 0
		return nil
	}
	txt := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &txt); err != nil {
			return err
		}
		txt = strings.TrimSpace(txt)
		if txt == "" {
			*s = 0
			return nil
		}
	}
	n, err := strconv.Atoi(txt)
	if err != nil {
		return fmt.Errorf("scim: status %s is not an HTTP status code", b)
	}
	*s = StatusCode(n)
	return nil
}
