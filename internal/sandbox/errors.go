package sandbox

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// message is one entry of a Concur error or extension status message list.
type message struct {
	Code       string `json:"code"`
	Message    string `json:"message"`
	SchemaPath string `json:"schemaPath,omitempty"`
	Type       string `json:"type"`
}

// scimError is a SCIM error response (RFC 7644 §3.12) with Concur messages.
type scimError struct {
	Status   int
	ScimType string
	Detail   string
	Messages []message
}

func (e *scimError) Error() string { return e.Detail }

func badRequest(scimType, detail string) *scimError {
	return &scimError{Status: http.StatusBadRequest, ScimType: scimType, Detail: detail}
}

func notFound(detail string) *scimError {
	return &scimError{Status: http.StatusNotFound, Detail: detail}
}

// body renders the error in the shape of status-shapes.json
// (scim_error_response).
func (e *scimError) body() map[string]any {
	msgs := e.Messages
	if len(msgs) == 0 {
		code := "INVALID_INPUT"
		switch {
		case e.Status == http.StatusNotFound:
			code = "NOT_FOUND"
		case e.Status == http.StatusUnauthorized:
			code = "UNAUTHORIZED"
		case e.Status == http.StatusForbidden:
			code = "FORBIDDEN"
		case e.Status == http.StatusConflict:
			code = "INVALID_VALUE"
		case e.Status >= 500:
			code = "SERVER_ERROR"
		}
		msgs = []message{{Code: code, Message: e.Detail, Type: "error"}}
	}
	b := map[string]any{
		"schemas": []string{urnError, urnConcurError},
		"status":  strconv.Itoa(e.Status),
		"detail":  e.Detail,
		urnConcurError: map[string]any{
			"messages": msgs,
		},
	}
	if e.ScimType != "" {
		b["scimType"] = e.ScimType
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

const scimJSON = "application/scim+json;charset=UTF-8"

func writeSCIM(w http.ResponseWriter, status int, v any) { writeJSON(w, status, scimJSON, v) }

func writeError(w http.ResponseWriter, e *scimError) {
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="upsmigrate-sandbox"`)
	}
	writeSCIM(w, e.Status, e.body())
}
