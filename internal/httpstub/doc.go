// Package httpstub stubs HTTP for client tests, in the manner of GitHub
// CLI's pkg/httpmock: a Registry is an http.RoundTripper holding stubs, each
// a Matcher (which requests it answers) and a Responder (what it answers).
//
//	reg := httpstub.New(t) // verifies at cleanup; unmatched requests fail t
//	reg.Register(httpstub.REST("POST", "/profile/v4/Bulk"),
//		httpstub.JSONResponse(202, map[string]any{"id": "p1"}))
//	client := &http.Client{Transport: reg}
//
// A stub answers one request unless Times(n) or Always() says otherwise;
// stubs are tried in registration order and the first that matches and has
// uses left answers. Verify fails the test for a stub never (or not fully)
// used and for a request no stub matched (printed with its method, URL and
// body).
//
// Responders can also fail the way networks do: DialError fails before the
// request is written (the client's httptrace WroteRequest hook is not
// called), ConnDrop after it (WroteRequest is called, then the connection
// "breaks"), and Hang blocks until the request's context ends.
package httpstub
