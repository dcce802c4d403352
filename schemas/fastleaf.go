package schemas

import (
	"sync/atomic"
	"unicode/utf8"
)

// The walk's shortcuts. Each answers, without emitting, whether a plain
// check would find nothing; when it cannot tell or the value fails, the
// walk falls back to check, which reports exactly as without shortcuts.

// isLeaf reports whether n only holds keywords on the value itself
// (type, const, enum and the string keywords), so that leafOK can decide
// it.
func (n *node) isLeaf() bool {
	return n.boolean == 1 || n.boolean == 0 && !n.objWork && !n.arrWork && n.ref == nil && len(n.allOf) == 0 && n.ifN == nil
}

// leafOK reports whether v passes the leaf n with no finding in the
// walker's mode: it evaluates what check would, in the same order, and
// answers false where check would emit.
func (w *walker) leafOK(n *node, v any) bool {
	if n.boolean == 1 {
		return true
	}
	if n.types != 0 && !typeOK(n.types, v) {
		return false
	}
	if !n.hasConst && !n.hasEnum && !n.strWork {
		return true
	}
	s, isStr := stringOf(v)
	if n.hasConst {
		if n.constStr {
			if !isStr || s != n.constVal.(string) {
				return false
			}
		} else if !equalJSON(v, n.constVal) {
			return false
		}
	}
	if n.hasEnum {
		if base, strict := w.enumPasses(n, v); !w.keywordOK(&n.enumK, base, strict) {
			return false
		}
	}
	if n.strWork && isStr {
		return w.stringOK(n, s)
	}
	return true
}

// stringOK is checkString without findings.
func (w *walker) stringOK(n *node, s string) bool {
	if k := &n.formatK; k.has || k.hasStrict {
		if base, strict := w.formatPasses(n, s); !w.keywordOK(k, base, strict) {
			return false
		}
	}
	if (n.minLenK.has || n.minLenK.hasStrict || n.maxLenK.has || n.maxLenK.hasStrict) && !lengthsPass(n, s) {
		l := utf8.RuneCountInString(s)
		if !w.keywordOK(&n.minLenK, l >= n.minLen, l >= n.sMin) || !w.keywordOK(&n.maxLenK, l <= n.maxLen, l <= n.sMax) {
			return false
		}
	}
	if k := &n.patternK; k.has || k.hasStrict {
		if base, strict := w.patternPasses(n, s); !w.keywordOK(k, base, strict) {
			return false
		}
	}
	return true
}

// keywordOK reports whether keyword would emit nothing.
func (w *walker) keywordOK(k *strCheck, base, strict bool) bool {
	if w.strict && k.hasStrict {
		return strict
	}
	if k.has && !base {
		return false
	}
	return !k.hasStrict || strict
}

// groupIDs numbers the groups of every compiler, so that one walker's memo
// serves them all.
var groupIDs atomic.Int64

// memoEnt remembers the index a group's table gave a member name: the
// members of the objects of one run come in the same order, so the name
// at a position is usually the one seen there last, often the same string.
// An entry is a cache of keyTable.find: it is used only when its key
// equals the name, so it never changes a result.
type memoEnt struct {
	key string
	idx int32
}

// memoRows bounds a row: members past it are looked up.
const memoRows = 64

// memoRow returns the walker's row of memo entries for g, one per member
// position.
func (w *walker) memoRow(g *objGroup) []memoEnt {
	if g.id >= len(w.memo) {
		w.memo = append(w.memo, make([][]memoEnt, g.id+1-len(w.memo))...)
	}
	row := w.memo[g.id]
	if row == nil {
		row = make([]memoEnt, min(len(g.tab.keys)+4, memoRows))
		for i := range row {
			row[i].idx = -1
		}
		w.memo[g.id] = row
	}
	return row
}

// lengthsPass reports whether s passes every length bound of n without
// counting its runes: s has at most len(s) runes and at least a quarter as
// many. False means it could not tell.
func lengthsPass(n *node, s string) bool {
	lo, hi := (len(s)+3)/4, len(s)
	return lo >= n.minLen && lo >= n.sMin && (!n.maxLenK.has || hi <= n.maxLen) && (!n.maxLenK.hasStrict || hi <= n.sMax)
}

// condition is an "if" schema of the form {"properties": {name: leaf},
// "required": [name]} (required optional): condOK decides it by one
// lookup.
type condition struct {
	name     string
	leaf     *node
	required bool
}

// asCondition returns n as a condition, or nil when n has another form.
func (n *node) asCondition() *condition {
	if n.boolean != 0 || n.types != 0 || n.hasConst || n.hasEnum || n.strWork || n.arrWork || n.closed != open ||
		n.ref != nil || len(n.allOf) > 0 || n.ifN != nil || len(n.props) != 1 || len(n.sprops) > 0 ||
		len(n.srequired) > 0 || len(n.required) > 1 {
		return nil
	}
	c := &condition{}
	for k, p := range n.props {
		c.name, c.leaf = k, p
	}
	if !c.leaf.filled || !c.leaf.leaf {
		return nil
	}
	if len(n.required) == 1 {
		if n.required[0] != c.name {
			return nil
		}
		c.required = true
	}
	return c
}

// condOK is valid for a condition. plainCondition holds "if" schemas to
// keywords that do not depend on the mode, so every finding check would
// make is an error and leafOK's answer is valid's.
func (w *walker) condOK(c *condition, v any) bool {
	var e any
	var ok bool
	switch x := v.(type) {
	case map[string]any:
		e, ok = x[c.name]
	case Object:
		e, ok = x.Lookup(c.name)
	default:
		return true
	}
	if !ok {
		return !c.required
	}
	return w.leafOK(c.leaf, e)
}

// recentNodes is a small direct-mapped cache of nodes by their location,
// in front of fastEngine's map: a slot is picked from a few sampled bytes
// and confirmed by comparing the whole location, so it never returns
// another location's node; the locations a run checks against (PATCH
// targets) come back as the same strings and compare at once.
type recentNodes [64]atomic.Pointer[node]

func recentSlot(loc string) uint64 { return (keySample(loc) * keyMul) >> 58 }

func (r *recentNodes) get(loc string) *node {
	if n := r[recentSlot(loc)].Load(); n != nil && n.loc == loc {
		return n
	}
	return nil
}

func (r *recentNodes) put(n *node) { r[recentSlot(n.loc)].Store(n) }
