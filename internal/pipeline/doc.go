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
// Every input record ends with exactly one status (converted, skipped or
// rejected), and Totals add up to the records read.
package pipeline
