// Package diag builds what the legacy readers (formats/v1xml and
// formats/v3json) report about one input: *model.ParseError values whose
// cause is a message of a kind (errors.Is on the kind holds), the sticky
// end of the read (io.EOF or the fatal error), and warnings about the input
// as a whole.
package diag
