package mapping

// gate applies presence flag g (a flag row whose path is the parent of the
// paths of g.gated, such as 500/550 field 8 Can Temporarily Approve
// Reports over temporaryDelegation's dates) to the delegate element values
// of the record in e.dscr:
//
//   - N: the element gets no such sub-attribute. The flag (false) is kept,
//     so that the plan drops what earlier records of the same delegate
//     gave; the record's values of the gated rows are dropped with a
//     warning naming their fields.
//   - Y with gated values: kept as given.
//   - Y without: UPS holds the sub-attribute only with its parts, so the
//     flag is dropped with a warning (an earlier record's parts stay).
//   - blank with gated values: the values carry the sub-attribute, as when
//     Y; an implied true (attributed to the first gated field) overrides an
//     earlier record's N.
func (e *Engine) gate(c *contrib, tc *compiled, g *crow) {
	flag, kids := -1, 0
	for i := range e.dscr {
		switch r := e.dscr[i].row(tc); {
		case r == g:
			flag = i
		case isGated(g, r):
			kids++
		}
	}
	switch {
	case flag < 0 && kids == 0:
	case flag < 0:
		for i := range e.dscr {
			if isGated(g, e.dscr[i].row(tc)) {
				e.dscr = append(e.dscr, cval{ri: g.idx, b: true, f: e.dscr[i].f})
				return
			}
		}
	case !e.dscr[flag].b && kids > 0:
		f := e.dscr[flag].f
		var names []string
		kept := e.dscr[:0]
		for _, v := range e.dscr {
			if r := v.row(tc); isGated(g, r) {
				names = append(names, fieldName(tc, r))
				continue
			}
			kept = append(kept, v)
		}
		e.dscr = kept
		c.warn(g, f, "N for "+g.name+": the delegate gets no "+g.path+", so "+andList(names)+" "+isAre(names)+" ignored")
	case e.dscr[flag].b && kids == 0:
		names := make([]string, len(g.gated))
		for i, r := range g.gated {
			names[i] = fieldName(tc, r)
		}
		f := e.dscr[flag].f
		e.dscr = append(e.dscr[:flag], e.dscr[flag+1:]...)
		c.warn(g, f, "Y for "+g.name+" without "+andList(names)+": UPS holds a "+g.path+" only with them, so none is sent")
	}
}

func isGated(g, r *crow) bool {
	for _, k := range g.gated {
		if k == r {
			return true
		}
	}
	return false
}

// fieldName names a row's field in messages: "field 9 (Temporary Approval
// Delegation From Date)" in numbered tables, the key otherwise.
func fieldName(tc *compiled, r *crow) string {
	if tc.numbered {
		return "field " + r.src + " (" + r.name + ")"
	}
	if r.name != r.src {
		return r.src + " (" + r.name + ")"
	}
	return r.src
}

func isAre(names []string) string {
	if len(names) == 1 {
		return "is"
	}
	return "are"
}
