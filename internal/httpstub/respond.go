package httpstub

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
)

// Responder produces the answer to a matched request: a response, or an
// error as a transport would return it.
type Responder func(*http.Request) (*http.Response, error)

// wrote tells the request's httptrace hooks that a connection was obtained
// and the request written, as a real transport would.
func wrote(req *http.Request) {
	if tr := httptrace.ContextClientTrace(req.Context()); tr != nil {
		if tr.GotConn != nil {
			tr.GotConn(httptrace.GotConnInfo{})
		}
		if tr.WroteHeaders != nil {
			tr.WroteHeaders()
		}
		if tr.WroteRequest != nil {
			tr.WroteRequest(httptrace.WroteRequestInfo{})
		}
	}
}

func respond(req *http.Request, status int, header http.Header, body []byte) *http.Response {
	wrote(req)
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}
}

// StringResponse answers 200 with body.
func StringResponse(body string) Responder {
	return StatusStringResponse(http.StatusOK, body)
}

// StatusStringResponse answers status with body.
func StatusStringResponse(status int, body string) Responder {
	return func(req *http.Request) (*http.Response, error) {
		return respond(req, status, nil, []byte(body)), nil
	}
}

// JSONResponse answers status with v encoded as JSON (a string or []byte
// is sent as is) and Content-Type application/json.
func JSONResponse(status int, v any) Responder {
	var body []byte
	switch x := v.(type) {
	case string:
		body = []byte(x)
	case []byte:
		body = x
	default:
		var err error
		if body, err = json.Marshal(v); err != nil {
			panic(fmt.Sprintf("httpstub: JSONResponse: %v", err))
		}
	}
	return func(req *http.Request) (*http.Response, error) {
		h := http.Header{"Content-Type": {"application/json"}}
		return respond(req, status, h, body), nil
	}
}

// StatusWithHeader answers status with an empty body and the given header
// pairs (key, value, key, value …).
func StatusWithHeader(status int, kv ...string) Responder {
	return WithHeader(StatusStringResponse(status, ""), kv...)
}

// WithHeader adds header pairs (key, value …) to r's responses.
func WithHeader(r Responder, kv ...string) Responder {
	if len(kv)%2 != 0 {
		panic("httpstub: WithHeader needs key, value pairs")
	}
	return func(req *http.Request) (*http.Response, error) {
		res, err := r(req)
		if res != nil {
			for i := 0; i < len(kv); i += 2 {
				res.Header.Add(kv[i], kv[i+1])
			}
		}
		return res, err
	}
}

// Sequence answers with rs in turn, repeating the last one; register it
// with Times or Always.
func Sequence(rs ...Responder) Responder {
	var n atomic.Int64
	return func(req *http.Request) (*http.Response, error) {
		i := int(n.Add(1) - 1)
		return rs[min(i, len(rs)-1)](req)
	}
}

// ErrConnDrop is the error ConnDrop returns (wrapped).
var ErrConnDrop = errors.New("connection reset by peer after the request was written")

// ConnDrop fails after the request was written: the httptrace WroteRequest
// hook is called, then the connection breaks (the server may have acted).
func ConnDrop() Responder {
	return func(req *http.Request) (*http.Response, error) {
		wrote(req)
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}}
	}
}

// DialError fails before the request is written (connection refused): the
// server never saw it.
func DialError() Responder {
	return func(req *http.Request) (*http.Response, error) {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	}
}

// Hang writes the request and then blocks until its context ends, like a
// server that never answers; it returns the context's error.
func Hang() Responder {
	return func(req *http.Request) (*http.Response, error) {
		wrote(req)
		<-req.Context().Done()
		return nil, req.Context().Err()
	}
}

// RetryAfter is a convenience: status with a Retry-After header of secs
// seconds.
func RetryAfter(status, secs int) Responder {
	return StatusWithHeader(status, "Retry-After", strconv.Itoa(secs))
}
