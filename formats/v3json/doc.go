// Package v3json reads legacy Users 3.0/3.1 JSON responses
// (spec/legacy/users-v3*): a top-level object whose Items array holds one
// object per user. It streams the input with json.Decoder tokens and returns
// one model.Record per Items[] element (Format model.FormatV3JSON, Type
// "3.0" or "3.1").
//
// # Shapes
//
//	3.0: {"Items": [user...], "NextPage": "url"}
//	3.1: {"total": n, "offset": n, "limit": n, "company": {...}, "Items": [user...]}
//
// Top-level property names match case-insensitively ("items" is Items).
// A top-level array of users is not accepted: the documented responses are
// objects, and only the object says which API produced the file; the error
// says to wrap the array as {"Items": [...]}.
//
// NextPage, total, offset and limit are metadata (Paging), not records; a
// NextPage that is set, or a total beyond offset + the items read, is a
// warning that users on other pages are not in the file. The company object
// is file-level (Company). Other top-level properties are ignored with a
// warning.
//
// # 3.0 or 3.1
//
// An item is typed "3.1" when a 3.1 top-level property (total, offset,
// limit, company) came before it in the file, or when it has a CountryCode
// or Emails property itself (even null); otherwise "3.0". The decision is
// made per item, as the reader streams: a 3.1 top-level property that
// follows Items (unusual; the documented order puts it first) cannot retype
// the items already returned, and is reported as a warning.
//
// # Records
//
//   - Pos is the file and the line of the item's opening brace.
//   - Keys are canonical property names (the field column of
//     spec/legacy/users-v3.csv, matched case-insensitively: "employeeId" →
//     "EmployeeID"); unknown properties keep their own name. Names are the
//     property names as written; Lines the line of each value.
//   - Values are text: strings as decoded, booleans "true"/"false", numbers
//     exactly as written; a null property is absent.
//   - Emails (3.1) is flattened: a property p of object element i becomes
//     key "Emails[i].p" (p as written), a scalar element i becomes
//     "Emails[i]"; null elements are left out but keep their index, so keys
//     point at the input. Example: Emails[0].EmailAddress, Emails[0].Type.
//
// # Errors
//
// Every error is a *model.ParseError (file:line[:field], field being the
// property name as written) whose cause wraps one of ErrEmpty,
// ErrNotResponse, ErrMalformed, ErrEncoding, ErrControl or ErrItem.
//
// Recoverable (the reader skips the item and goes on): an item that is not
// an object, a property whose value is an object or array (other than
// Emails, whose elements must be scalars or flat objects), a duplicate
// property, bytes that are not text (invalid UTF-8, NUL) inside a string,
// and control characters in a string or a property name (C0 but tab, LF
// and CR; DEL; C1), escaped ("\u001b") or not (see formats/internal/control;
// tabs and line breaks are text). Bad bytes are replaced with U+FFFD before
// the decoder sees them, so one bad byte costs one item, not the file. A
// bad byte or control character in top-level metadata or the company
// object is reported the same way, nothing being skipped. Messages name the
// character but never show a value; a property name holding a control
// character is shown with it escaped.
//
// Fatal: an empty file, a top-level value that is not an object, an object
// without Items ("no Items array in the top-level object (found "users"):
// …"), Items that is not an array, a second Items, malformed JSON (a JSON
// decoder cannot resynchronise, so reading stops), a second top-level value,
// and UTF-16 input (give --encoding utf-16). io.EOF and a fatal error are
// sticky.
//
// # Positions
//
// json.Decoder.InputOffset gives the byte offset of each token; the reader's
// input filter queues the offsets of the newlines the decoder has read but
// not yet passed, and maps offsets to lines from that queue. Memory stays
// bounded by the decoder's read-ahead: the file is never held whole.
package v3json
