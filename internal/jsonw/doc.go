// Package jsonw appends JSON text to byte slices for the hand-written
// encoders of the hot paths (bulk requests, plan.jsonl): the same bytes
// encoding/json writes with HTML escaping off, without reflection or
// allocation.
package jsonw
