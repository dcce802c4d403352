// Package pipeline runs a conversion end to end: it streams every input
// through its reader into the mapping engine, folds the records into change
// sets, rejects the later of two employees given the same login (in the
// run or in the --directory snapshot), plans the phased Bulk requests,
// validates every operation with the
// fast schema validator (rejecting, through the lineage, the records whose
// values fail) and writes the bulk files, plan.jsonl (package lineage's
// compact encoding of the change sets and the operations they became) and
// report.json.
//
// What the plan and the schemas refuse is settled in rounds (settle.go):
// a value dropped, an extension left out of a new user, a record or an
// employee rejected, then the change sets finished and planned again. A
// round plans only the users the one before changed (plan.Options.Reuse);
// an extension a new user's input does not complete is left out as the
// change sets are finished, before any round (mapping.Options.Requires);
// and in a run by partition without a directory, an employee rejected in
// one partition only mends the lookups of the others (spillmend.go). So a
// run costs what its rejections and findings change.
//
// Every input record ends with exactly one status (converted, skipped or
// rejected), and Totals add up to the records read.
package pipeline
