package lineage

import "bytes"

// RefTargets calls visit with the target of each reference of an employee
// line of a plan, in order, without decoding the line, until visit
// returns false. ok is false when it cannot tell: a target with escapes,
// or a line not as Writer writes it; the caller then decodes the line.
func RefTargets(line []byte, visit func(target []byte) bool) (ok bool) {
	at := bytes.Index(line, []byte(`,"refs":[`))
	if at < 0 {
		return bytes.HasPrefix(line, []byte(`{"emp":`)) // no references
	}
	b, i := line, at+len(`,"refs":[`)
	if i < len(b) && b[i] == ']' {
		return true
	}
	for i < len(b) {
		if b[i] != '[' {
			return false
		}
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i+1 >= len(b) || b[i] != ',' || b[i+1] != '"' {
			return false
		}
		start := i + 2
		end := bytes.IndexByte(b[start:], '"')
		if end < 0 {
			return false
		}
		target := b[start : start+end]
		if bytes.IndexByte(target, '\\') >= 0 {
			return false
		}
		if !visit(target) {
			return true
		}
		// The rest of the element: a position, values (arrays, strings).
		i = start + end + 1
		for depth := 1; depth > 0; i++ {
			if i >= len(b) {
				return false
			}
			switch b[i] {
			case '"':
				for i++; i < len(b) && b[i] != '"'; i++ {
					if b[i] == '\\' {
						i++
					}
				}
			case '[':
				depth++
			case ']':
				depth--
			}
		}
		if i < len(b) && b[i] == ',' {
			i++
			continue
		}
		return i < len(b) && b[i] == ']'
	}
	return false
}
