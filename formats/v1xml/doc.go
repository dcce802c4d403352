// Package v1xml reads legacy Users V1 batch XML (spec/legacy/users-v1*):
// a <batch> root, in the namespace http://www.concursolutions.com/api/user/2011/02
// or in none, holding one <UserProfile> per user, each with flat child
// elements. It streams the input with encoding/xml tokens and returns one
// model.Record per UserProfile (Format model.FormatV1XML, Type "v1").
//
// # Records
//
//   - Pos is the file and the line of the <UserProfile> start tag.
//   - Keys are canonical field names; Names the element names as written;
//     Values the element text with surrounding XML whitespace (space, tab,
//     CR, LF) trimmed; Lines the line of each field's start tag. An empty
//     element (<Mi/>) is a present field with value "".
//   - Canonical names are the request spellings of the element column of
//     spec/legacy/users-v1.csv. The other spellings the V1 documents use
//     are mapped by the one alias table in fields.go (EmployeeID → EmpId,
//     LoginID → LoginId, LedgerName → LedgerKey, CrnCode → CrnKey); names
//     are then matched case-insensitively (EmployeeId → EmpId). See
//     Canonical.
//   - Unknown child elements are returned under their own name; the mapping
//     decides whether they are supported.
//   - A non-empty Password value is replaced by Redacted, so no later stage
//     can echo it; errors never quote it either.
//   - Attributes and namespaces of UserProfile and its fields are ignored.
//
// # Errors
//
// Every error is a *model.ParseError (file:line[:field], field being the
// element name as written) whose cause wraps one of ErrEmpty, ErrNotBatch,
// ErrMalformed, ErrEncoding, ErrControl or ErrStructure.
//
// Recoverable (the reader skips the UserProfile, or the stray content, and
// goes on): a nested element below a field, a duplicate field (under any
// spelling), text directly in <batch> or <UserProfile>, a <batch> child
// other than <UserProfile>, bytes that are not text (invalid UTF-8, NUL)
// inside an element, and control characters in a field (C0 but tab, LF and
// CR; DEL; C1), as bytes or as character references such as &#x1B; (see
// formats/internal/control; tabs and line breaks are text). Bad bytes and
// references to C0 control characters, which XML 1.0 forbids and the XML
// decoder would stop on, are replaced with U+FFFD before the decoder sees
// them, so one bad character costs one record, not the file. The message
// names the character, except in a Password, and never shows the value.
//
// Fatal: an empty file, a root other than <batch> ("not a Users V1 batch:
// root element <X>, expected <batch>"), XML that is not well-formed (XML
// has no point to resynchronise on, so reading stops), text or elements
// after </batch>, and UTF-16 input (give --encoding utf-16). io.EOF and a
// fatal error are sticky.
//
// The XML declaration's encoding is not applied: the reader takes UTF-8
// (formats.Open transcodes when --encoding is given); a declared encoding
// only shapes the advice of an encoding error. A UTF-8 byte order mark is
// dropped.
//
// # Warnings
//
// Warnings reports a batch with more than MaxBatch (500) UserProfiles (the
// V1 API limit; all are still read), an empty batch and a <batch> in an
// unexpected namespace.
package v1xml
