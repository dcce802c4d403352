// Package gen writes large, realistic synthetic inputs for benchmarks and
// load tests: Write305 produces a Concur employee import file of any size
// whose approver references all point at employees in the same file.
// The output depends only on the row count and the seed.
package gen
