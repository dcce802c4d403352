package schemas

import (
	"sort"
	"strings"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// fastEngine validates with compiled nodes.
type fastEngine struct {
	strict bool
	comp   *fastCompiler
	cache  sync.Map // location → *node
	recent recentNodes
}

func (e *fastEngine) node(loc string) (*node, error) {
	if n := e.recent.get(loc); n != nil {
		return n, nil
	}
	if n, ok := e.cache.Load(loc); ok {
		e.recent.put(n.(*node))
		return n.(*node), nil
	}
	n, err := e.comp.get(loc)
	if err != nil {
		return nil, err
	}
	e.cache.Store(loc, n)
	e.recent.put(n)
	return n, nil
}

func (e *fastEngine) check(loc string, v any, base string, rel relPtr, out []Finding) []Finding {
	return e.checkWith(loc, v, base, rel, out, nil)
}

// checkWith is check, with the encoding of the operation's data for the
// member memo (membermemo.go) when mc is not nil.
func (e *fastEngine) checkWith(loc string, v any, base string, rel relPtr, out []Finding, mc *memberCtx) []Finding {
	n, err := e.node(loc)
	if err != nil {
		return append(out, Finding{Pointer: base + rel.String(), Keyword: "schema", Severity: model.SevError, Message: err.Error()})
	}
	n = target(n) // checks as n does
	if n.leaf {
		lw := walker{strict: e.strict}
		if lw.leafOK(n, v) {
			return out
		}
	}
	w := walkerPool.Get().(*walker)
	w.strict, w.base, w.out, w.path, w.mc = e.strict, base, out, append(w.path[:0], rel.toks[:rel.n]...), mc
	w.check(n, v, false, false)
	out = w.out
	w.out, w.mc = nil, nil
	walkerPool.Put(w)
	return out
}

// act is a schema an object member's value is checked against; strict
// marks it strict-only.
type act struct {
	n      *node
	strict bool
}

// reqName is a name some schema of a group requires.
type reqName struct {
	name   string
	idx    int      // in the group's table
	param  []string // the schema's required (or strict-only required) list
	strict bool     // strict-only
}

// objGroup merges the object keywords of a schema and of every schema its
// $ref and allOf apply to the same object, so that each member is looked
// up once.
type objGroup struct {
	tab     keyTable
	acts    [][]act    // per key
	closed  []uint8    // per key: closedAll (bit 0) and closedQuiet (bit 1) schemas that lack it
	info    []groupKey // per key: what groupObject reads, together
	unknown uint8      // the same for names not in tab
	req     []reqName
	reqMask uint64 // the bits of every name in req
	lookup  bool   // open and small: look the names up instead of walking the members
	id      int    // this group's row in a walker's memo
}

func newNode(loc string) *node {
	return &node{loc: loc, minLen: -1, maxLen: -1, sMin: -1, sMax: -1, minItems: -1, maxItems: -1}
}

// groupMembers lists the schemas that run on an object together with n:
// n and, through $ref and allOf, those whose type admits objects.
func groupMembers(n *node, seen map[*node]bool, out []*node) []*node {
	if n == nil || seen[n] || n.boolean != 0 || n.types != 0 && n.types&tObject == 0 {
		return out
	}
	seen[n] = true
	out = append(out, n)
	out = groupMembers(n.ref, seen, out)
	for _, s := range n.allOf {
		out = groupMembers(s, seen, out)
	}
	return out
}

// buildGroups gives every node compiled so far without one its objGroup.
func (c *fastCompiler) buildGroups() {
	var work []*node
	for _, n := range c.nodes {
		if !n.grouped {
			work = append(work, n)
		}
	}
	sort.Slice(work, func(i, j int) bool { return work[i].loc < work[j].loc })
	for len(work) > 0 {
		n := work[0]
		work = work[1:]
		if n.grouped {
			continue
		}
		n.grouped = true
		work = append(work, c.group(n)...)
	}
}

// group builds n.grp and returns the nodes it made for members checked
// against several schemas.
func (c *fastCompiler) group(n *node) []*node {
	members := groupMembers(n, map[*node]bool{}, nil)
	var keys []string
	index := map[string]int{}
	key := func(k string) int {
		if i, ok := index[k]; ok {
			return i
		}
		index[k] = len(keys)
		keys = append(keys, k)
		return len(keys) - 1
	}
	g := &objGroup{}
	work := false
	for _, m := range members {
		if !m.objWork {
			continue
		}
		work = true
		for i, k := range m.tab.keys {
			if p := m.tabProp[i]; p != nil {
				j := key(k)
				for len(g.acts) <= j {
					g.acts = append(g.acts, nil)
				}
				g.acts[j] = append(g.acts[j], act{n: p, strict: m.tabStrict[i]})
			}
		}
		for _, r := range m.required {
			g.req = append(g.req, reqName{name: r, idx: key(r), param: m.required})
		}
		for _, r := range m.srequired {
			g.req = append(g.req, reqName{name: r, idx: key(r), param: m.srequired, strict: true})
		}
	}
	if !work || len(keys) > 64 {
		return nil
	}
	for len(g.acts) < len(keys) {
		g.acts = append(g.acts, nil)
	}
	g.closed = make([]uint8, len(keys))
	for _, m := range members {
		if m.closed == open {
			continue
		}
		bit := uint8(1)
		if m.closed == closedQuiet {
			bit = 2
		}
		g.unknown |= bit
		for j, k := range keys {
			if i := m.tab.find(k); i < 0 || m.tabProp[i] == nil {
				g.closed[j] |= bit
			}
		}
	}
	var made []*node
	for j, as := range g.acts {
		if len(as) < 2 {
			continue
		}
		same := true
		for _, a := range as[1:] {
			same = same && a.strict == as[0].strict
		}
		if !same {
			continue
		}
		s := newNode(n.loc + " (" + keys[j] + ")")
		for _, a := range as {
			s.allOf = append(s.allOf, a.n)
		}
		s.finish()
		made = append(made, s)
		g.acts[j] = []act{{n: s, strict: as[0].strict}}
	}
	g.tab = newKeyTable(keys)
	for _, r := range g.req {
		g.reqMask |= 1 << r.idx
	}
	g.info = make([]groupKey, len(keys))
	for j, as := range g.acts {
		g.info[j] = groupKey{closed: g.closed[j], acts: len(as) > 0}
		if len(as) == 1 && as[0].n.leaf {
			g.info[j].leaf = as[0].n
		}
	}
	g.id = int(groupIDs.Add(1) - 1)
	g.lookup = g.unknown == 0 && len(keys) <= 2
	n.grp = g
	return made
}

// groupMember checks the member k of an object against a group and
// returns its index in the group's table (-1 when it has none).
func (w *walker) groupMember(g *objGroup, k string, pv any, so bool) int {
	i := g.tab.find(k)
	closed := g.unknown
	if i >= 0 {
		closed = g.closed[i]
		w.groupValue(g, i, k, pv, so)
	}
	if closed&1 != 0 {
		w.emit("additionalProperties", false, k, so)
	}
	if closed&2 != 0 {
		w.emit("additionalProperties", false, k, true)
	}
	return i
}

func (w *walker) groupRequired(g *objGroup, seen uint64, so bool) {
	if seen&g.reqMask == g.reqMask {
		return
	}
	for _, r := range g.req {
		if seen&(1<<r.idx) == 0 {
			w.emit("required", r.param, r.name, so || r.strict)
		}
	}
}

func (w *walker) groupMap(g *objGroup, x map[string]any, so bool) {
	var seen uint64
	if g.lookup && len(x) > 2*len(g.tab.keys) {
		for i, k := range g.tab.keys {
			if v, ok := x[k]; ok {
				seen |= 1 << i
				w.groupValue(g, i, k, v, so)
			}
		}
		w.groupRequired(g, seen, so)
		return
	}
	for k, pv := range x {
		if i := w.groupMember(g, k, pv, so); i >= 0 && i < 64 {
			seen |= 1 << i
		}
	}
	w.groupRequired(g, seen, so)
}

// groupKey is what groupObject reads of a name of a group's table.
type groupKey struct {
	leaf   *node // the name's only schema, when it is a leaf
	closed uint8 // as objGroup.closed
	acts   bool  // some schema applies to the name's value
}

// groupValue checks the value of the i-th name of a group's table.
func (w *walker) groupValue(g *objGroup, i int, k string, v any, so bool) {
	if ki := &g.info[i]; ki.leaf != nil && w.leafOK(ki.leaf, v) {
		return
	}
	w.groupCheck(g, i, k, v, so)
}

// groupCheck is groupValue without the leaf shortcut.
func (w *walker) groupCheck(g *objGroup, i int, k string, v any, so bool) {
	if as := g.acts[i]; len(as) > 0 {
		w.path = append(w.path, pathTok{key: k, idx: -1})
		for _, a := range as {
			w.check(a.n, v, so || a.strict, false)
		}
		w.path = w.path[:len(w.path)-1]
	}
}

func (w *walker) groupObject(g *objGroup, x Object, so bool) {
	var seen uint64
	if g.lookup && x.Len() > 2*len(g.tab.keys) {
		for i, k := range g.tab.keys {
			if v, ok := x.Lookup(k); ok {
				seen |= 1 << i
				w.groupValue(g, i, k, v, so)
			}
		}
		w.groupRequired(g, seen, so)
		return
	}
	row := w.memoRow(g)
	var keys []string
	var vals []any
	stable := false
	if m, ok := x.(StableMembers); ok {
		keys, vals = m.StableMembers()
		stable = true
	} else if m, ok := x.(Members); ok {
		keys, vals = m.Members()
	}
	mc := w.mc
	if w.silent {
		mc = nil
	}
	for j := range x.Len() {
		var k string
		if keys != nil {
			k = keys[j]
		} else {
			k = x.KeyAt(j)
		}
		var i int
		if j < len(row) {
			if e := &row[j]; model.SameString(e.key, k) {
				i = int(e.idx)
			} else {
				i = g.tab.find(k)
				// The memo outlives the document, whose buffer may be
				// reused: it keeps the document's key only when the
				// document's keys never change (the next documents
				// likely give the same string, compared by its
				// address), else the table's own key, or a copy.
				var mk string
				switch {
				case stable:
					mk = k
				case i >= 0:
					mk = g.tab.keys[i]
				default:
					mk = strings.Clone(k)
				}
				*e = memoEnt{key: mk, idx: int32(i)}
			}
		} else {
			i = g.tab.find(k)
		}
		closed := g.unknown
		if i >= 0 {
			seen |= 1 << i
			ki := &g.info[i]
			closed = ki.closed
			if ki.leaf != nil {
				if v := valueAt(x, vals, j); !w.leafOK(ki.leaf, v) {
					w.groupCheck(g, i, k, v, so)
				}
			} else if ki.acts {
				if enc, ok := mc.of(x, j); ok {
					w.groupCheckEncoded(g, i, k, valueAt(x, vals, j), so, enc)
				} else {
					w.groupCheck(g, i, k, valueAt(x, vals, j), so)
				}
			}
		}
		if closed != 0 {
			if closed&1 != 0 {
				w.emit("additionalProperties", false, k, so)
			}
			if closed&2 != 0 {
				w.emit("additionalProperties", false, k, true)
			}
		}
	}
	w.groupRequired(g, seen, so)
}

// valueAt is x.ValueAt(j), read from vals when x gave its Members.
func valueAt(x Object, vals []any, j int) any {
	if vals != nil {
		return vals[j]
	}
	return x.ValueAt(j)
}
