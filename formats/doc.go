// Package formats opens input files: it detects their format by content,
// decodes legacy encodings on request and hands out one streaming Reader per
// input from the table of readers in registry.go.
package formats
