package target

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/upsmigrate/upsmigrate/internal/scim"
)

// scimError decodes a SCIM error body (RFC 7644 §3.12, with Concur's
// messages); nil when body is not one.
func scimError(body []byte) *scim.Error {
	var e scim.Error
	if json.Unmarshal(body, &e) != nil || (e.Detail == "" && e.ScimType == "" && e.Concur == nil) {
		return nil
	}
	return &e
}

// addSCIMDetail copies what a SCIM error body says into e.
func addSCIMDetail(e *Error, body []byte) {
	se := scimError(body)
	if se == nil {
		return
	}
	switch {
	case se.Detail == "":
	case e.Detail == "":
		e.Detail = se.Detail
	default:
		e.Detail += ": " + se.Detail
	}
	if se.ScimType != "" && e.Code == "" {
		e.Code = se.ScimType
	}
	e.Messages = append(e.Messages, scimMessages(se)...)
}

func scimMessages(se *scim.Error) []Message {
	if se == nil || se.Concur == nil {
		return nil
	}
	out := make([]Message, 0, len(se.Concur.Messages))
	for _, m := range se.Concur.Messages {
		out = append(out, Message{Code: m.Code, Text: m.Message, SchemaPath: m.SchemaPath, Type: m.Type})
	}
	return out
}

// permanent is the error of a refused request (a 4xx not retried).
func permanent(r *request, res *response) *Error {
	e := &Error{Kind: KindPermanent, Op: r.op, Method: r.method, URL: stripQuery(r.url), Status: res.status,
		Detail: http.StatusText(res.status), Attempts: res.attempts}
	if se := scimError(res.body); se != nil {
		if se.Detail != "" {
			e.Detail = se.Detail
		}
		e.Code = se.ScimType
		e.Messages = scimMessages(se)
	}
	return e
}

// jsonHeader is the header of a request with a JSON body.
func jsonHeader(contentType string) http.Header {
	return http.Header{"Content-Type": {contentType}, "Accept": {"application/scim+json, application/json"}}
}

// itoa formats a status for OpResult.Code.
func itoa(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}
