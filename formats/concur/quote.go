package concur

// quoteFault is what is wrong with the quoting of a record.
type quoteFault int

const (
	quoteOK           quoteFault = iota
	quoteUnterminated            // a quoted field runs to the end of the input
	quoteStray                   // a closing quote is followed by other text
	quoteBare                    // a quote inside an unquoted field
)

// quoteProblem locates a quoting fault in the raw text of one record, which
// starts at the beginning of raw on line startLine. It follows encoding/csv's
// rules (RFC 4180: a field is quoted when it starts with a quote; "" is a
// literal quote) and reports the field involved, where that field starts and
// where the fault is.
type quoteProblem struct {
	fault       quoteFault
	field       int // 1-based field number
	fline, fcol int // start of the field
	line, col   int // the offending quote
}

func findQuoteProblem(raw []byte, startLine int, comma byte) quoteProblem {
	line, col, field := startLine, 1, 1
	i := 0
	for {
		fline, fcol := line, col
		if i < len(raw) && raw[i] == '"' {
			i++
			col++
			for {
				if i >= len(raw) {
					return quoteProblem{fault: quoteUnterminated, field: field, fline: fline, fcol: fcol, line: fline, col: fcol}
				}
				c := raw[i]
				if c == '\n' {
					line++
					col = 1
					i++
					continue
				}
				if c != '"' {
					i++
					col++
					continue
				}
				if i+1 < len(raw) && raw[i+1] == '"' {
					i += 2
					col += 2
					continue
				}
				qline, qcol := line, col
				i++
				col++
				if i >= len(raw) || raw[i] == '\n' || raw[i] == '\r' && (i+1 == len(raw) || raw[i+1] == '\n') {
					return quoteProblem{}
				}
				if raw[i] == comma {
					i++
					col++
					field++
					break
				}
				return quoteProblem{fault: quoteStray, field: field, fline: fline, fcol: fcol, line: qline, col: qcol}
			}
			continue
		}
		for {
			if i >= len(raw) || raw[i] == '\n' {
				return quoteProblem{}
			}
			switch raw[i] {
			case comma:
				i++
				col++
				field++
			case '"':
				return quoteProblem{fault: quoteBare, field: field, fline: fline, fcol: fcol, line: line, col: col}
			default:
				i++
				col++
				continue
			}
			break
		}
	}
}
