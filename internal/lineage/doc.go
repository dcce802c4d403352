// Package lineage writes and reads plan.jsonl: every employee's change set
// (model.ChangeSet) with each value's lineage, and the operations it
// became (OpRef). submit rebuilds the operations from it, the report
// traces every value through it and `upsmigrate lineage` shows one
// employee's; so the encoding is lossless, yet compact: what the values
// of many employees share is written once, in dictionary lines, and each
// employee's line refers to it by number.
//
// # Format (version 6)
//
// One JSON object a line; the first key says what the line is. Blank
// lines are ignored.
//
//	{"plan":"upsmigrate","version":6,"requests":[1,0,0]}
//	{"file":1,"path":"in/feed.csv"}
//	{"site":1,"schema":"urn:ietf:params:scim:schemas:core:2.0:User","path":"name.givenName","field":"2","name":"First Name","row":"mapping/tables/305.csv:3"}
//	{"site":2,"schema":"urn:ietf:params:scim:schemas:extension:spend:2.0:Role","path":"roles","kind":1,"member":"EXP_APPROVER","field":"64","name":"Approver","row":"mapping/tables/305.csv:65"}
//	{"ref":1,"kind":"approver","schema":"urn:ietf:params:scim:schemas:extension:spend:2.0:Approver","path":"report","primary":true,"field":"59","name":"Report approver","row":"mapping/tables/305.csv:60"}
//	{"emp":"E1","creates":true,"records":[[1,2]],"attrs":[1,"Dana",true],"refs":[[1,"E7"]],"ops":[[1,0,1,"POST"]]}
//
// The first line is the header: the format, its version and how many
// requests each phase packs (identity, references, other updates). It is
// padded with spaces to HeaderSize bytes, so that a plan written before
// its requests are all counted (by ranges of a large run) can have it
// written over at the end. A reader refuses a file without it (written by
// an upsmigrate before this format) or of a version it does not know,
// saying to run convert again. It reads versions 2 and 3 too (see below).
//
// Dictionary lines come before the first line that uses them, numbered
// from 1, each kind on its own: the dictionary is the file's, built as
// employees are written, in whatever order they come (no pass over the
// whole plan first). A plan written at once (Writer) defines each entry
// just before the first line that uses it; a plan whose lines were
// rendered apart, by partition of a large run (Lines), gives its whole
// dictionary after the header, numbered in the order the partitions met
// it. Both read back the same.
//
//   - file: an input file path.
//   - site: a value's target and source field: the schema URN, the path in
//     it, the kind (1: a member of a multi-valued attribute, whose member is
//     "member"; absent: a value set), the source field's key and name, and
//     the mapping-table row. Field and name are those of the value's input
//     field (model.Attr.Source), so one mapping row reading fields of
//     several names has a site for each.
//   - ref: the slot of a reference to another employee (kind, schema,
//     path, primary) and its source field and mapping row.
//
// An employee line ("emp": the Employee ID) holds:
//
//   - creates: true when a record able to create the user contributed
//     (absent: false).
//   - rename: {"from","newEmployeeId","newLogin","source":{"file","line",
//     "item","field","name"}}, the file by number.
//   - records: the input records that contributed, [file, line] each, or
//     [file, line, item] for a record that shares its line with another
//     (minified JSON or XML: model.Position.Item); null when there are none.
//   - at: further [file, line] positions of values that are not the start
//     of a record (a V1 XML value on a line of its own, a mapping default).
//   - pos: the position most of the line's values come from (see attrs),
//     left out when it is 0. It comes before attrs and refs.
//   - attrs: the values, in one flat array: a site's number, then the
//     value of that site; each further value is of the site after the one
//     of the value before it, unless a site's number comes first. A value
//     is a string, true or false (null: none); of a member site, true
//     makes the member present and false absent. A value is at the
//     position of the value before it (the first at the line's pos),
//     unless it is written [value, position]. The position numbers records
//     and then at from 0: the source of the value is the position's file
//     and line with the site's field and name. (An employee's values
//     mostly come from one record, and the values of each record come
//     together, mostly in the order of their sites: a position on each
//     value was 3% of the plan, and a site's number with each value, as
//     version 4 wrote them, made the plan 38% larger.)
//   - refs: references, [ref, target] or [ref, target, position] or [ref,
//     target, position, values] (a delegate's element values, written as
//     attrs are, the first at the ref's position instead of the line's
//     pos).
//   - leaveOut: the extensions left out of the user when it is created,
//     by their tokens of spec/notation.csv ("spend:2.0:User";
//     model.ShortSchema), a URN that has none whole.
//   - ops: the operations, [bulk, index, phase, method, path] and the
//     bulkId when there is one; bulk is the file's name, or n for the nth
//     request of the operation's phase: "bulk-000m.json" (four digits at
//     least), m being n plus the requests of the phases before (the
//     header's "requests"). Path and bulkId are left out
//     when they are the usual ones of an employee addressed by bulkId: a
//     POST to "/Users" with the bulkId "emp-" and the path-escaped ID, any
//     other method to "/Users/bulkId:emp-" and the path-escaped ID
//     (plan.BulkID, plan.BulkIDPath).
//
// Version 5 wrote leaveOut's URNs whole (67 bytes an employee where a
// feed lacks a currency: a tenth of its plan). Version 4 wrote each value as [site, value] or [site, value, position].
// Version 3 numbered requests from the first of the run, not of their
// phase, and had no "requests": a plan's lines could not be written before
// the phases were all packed. Version 2 had no pos either (values without
// a position are at the first), gave the element values of refs the same
// default, and wrote every operation whole.
//
// Everything else a value has in memory (the record's other fields, the
// mapping engine's shared parts) was never part of the lineage: Writer
// keeps exactly what model.ChangeSet's JSON form holds (AppendJSON), and
// Reader gives back change sets whose JSON form is byte for byte the
// original's. With jq: `jq -c 'select(.emp=="E1")' plan.jsonl` finds an
// employee, `jq -c 'select(.site)'` lists the sites.
package lineage
