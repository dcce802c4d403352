// Package scim holds the SCIM 2.0 protocol messages upsmigrate sends and
// receives, as RFC 7644 defines them on the wire: Bulk requests and
// responses, PATCH operations, list responses and errors, including the
// SAP Concur error extension UPS v4 adds to the error body.
//
// JSON tags follow the wire spelling exactly; note the capitalised
// "Operations" and "Resources" members RFC 7644 uses. Status codes that
// RFC 7644 writes as strings ("201") are decoded from either strings or
// numbers, since servers differ, and always encoded as strings.
//
// The package imports nothing from the project.
package scim
