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
// It is also the one parser of SCIM attribute paths and filters, which
// plan, schemas and the sandbox share (path.go, filter.go):
//
//   - NextSegment and SplitPath split `emails[type eq "work"].value` into
//     segments, ClosingBracket finds the end of a value filter, NameChar and
//     ValidAttrName check attribute names;
//   - ParseSelector reads the element selector a PATCH path needs
//     (`key eq value [and …]`, JSON literals), the strict form plan emits
//     and reads in mapping tables;
//   - ParseFilter reads the whole filter expression grammar (or, and, not,
//     parentheses, value paths, every comparison operator), leniently as
//     the sandbox does; FilterString prints a filter back.
//
// The two grammars differ where their callers did before they were one
// parser (parse_test.go keeps the table and a differential fuzz target).
//
// The package imports nothing from the project.
package scim
