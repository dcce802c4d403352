// Package gen writes large, realistic synthetic inputs for benchmarks and
// load tests. Write305 produces a Concur employee import file of any size
// whose approver references all point at employees in the same file;
// Write350, Write400 and Write500 produce travel, role and delegate files
// for the same employees, each in a seeded random order (not grouped by
// employee), with several role and delegate records for some employees;
// Write305Findings is Write305 with a value in every record that convert
// drops with a warning, Write305Lacking without the currency UPS requires
// with the spend extension (every new user's is left out, with a warning),
// Write305Varied with each record filling its own subset of the optional
// fields. WriteFiles writes the files of one Shape (305, mixed, findings,
// varied or lacking) into a directory. Every output converts without a
// rejected record and depends only on the row count and the seed.
package gen
