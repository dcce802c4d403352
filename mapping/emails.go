package mapping

import (
	"sort"
	"strconv"
	"strings"
)

// entryPart is one value of an email_entry row: the element itself (a
// string) or one property of it, as its key says ("Emails[1].Type").
type entryPart struct {
	cr *crow
	f  int32
	v  string
}

// emailEntry is one element of an e-mail array, its parts gathered.
type emailEntry struct {
	cr          *crow
	idx         int
	addr, typ   string
	addrF, typF int32
}

// Property names of an e-mail element (any case): the address and its type.
var (
	emailAddressProps = []string{"EmailAddress", "Value", "Address", "Email"}
	emailTypeProps    = []string{"Type"}
)

func oneOf(p string, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(p, n) {
			return true
		}
	}
	return false
}

// splitElement splits key "Emails[2].Type" of the array row src "Emails[*]"
// into the element index 2 and the property "Type" ("" for a string
// element).
func splitElement(src, key string) (int, string, bool) {
	rest, ok := strings.CutPrefix(key, strings.TrimSuffix(src, "[*]")+"[")
	if !ok {
		return 0, "", false
	}
	n, rest, ok := strings.Cut(rest, "]")
	i, err := strconv.Atoi(n)
	if !ok || err != nil {
		return 0, "", false
	}
	if rest == "" {
		return i, "", true
	}
	p, ok := strings.CutPrefix(rest, ".")
	return i, p, ok && p != ""
}

// emailEntries maps the e-mail elements of the record (e.escr), after its
// other fields: each element with an address and a type the row's args map
// goes to emails[type eq "<UPS type>"].value. An address is dropped with a
// warning naming the element and its type when the type is missing or not
// mapped, or when another field of the record (PrimaryEmail, an earlier
// element) gives a different address of that type; an address the record
// already carries is dropped silently. Other properties are dropped with a
// warning.
func (e *Engine) emailEntries(c *contrib) {
	var entries []emailEntry
	find := func(cr *crow, idx int) *emailEntry {
		for i := range entries {
			if entries[i].cr == cr && entries[i].idx == idx {
				return &entries[i]
			}
		}
		entries = append(entries, emailEntry{cr: cr, idx: idx, addrF: -1, typF: -1})
		return &entries[len(entries)-1]
	}
	for _, p := range e.escr {
		key := ""
		if int(p.f) < len(c.origin.Keys) {
			key = c.origin.Keys[p.f]
		}
		idx, prop, ok := splitElement(p.cr.src, key)
		switch {
		case !ok:
			c.warn(p.cr, p.f, "not an element of "+p.cr.src+": the value is dropped")
		case prop == "" || oneOf(prop, emailAddressProps):
			en := find(p.cr, idx)
			en.addr, en.addrF = p.v, p.f
		case oneOf(prop, emailTypeProps):
			en := find(p.cr, idx)
			en.typ, en.typF = p.v, p.f
		default:
			c.warn(p.cr, p.f, "property "+prop+" of an e-mail element: not supported by UPS, the value is dropped")
		}
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].idx < entries[j].idx })
	for i := range entries {
		e.emailEntry(c, &entries[i])
	}
}

func (e *Engine) emailEntry(c *contrib, en *emailEntry) {
	if en.addr == "" {
		return // a type alone loses nothing
	}
	cr := en.cr
	label := strings.TrimSuffix(cr.src, "[*]") + "[" + strconv.Itoa(en.idx) + "]"
	if en.typ != "" {
		label += " (type " + en.typ + ")"
	} else {
		label += " (no type)"
	}
	cur := e.vals.buf[e.start:]
	k, ok := cr.etypes[strings.ToLower(en.typ)]
	if !ok {
		for i := range cur {
			if r := cur[i].row(c.tc); r.schema == cr.subs[0].schema && strings.HasPrefix(r.path, "emails[") && strings.EqualFold(cur[i].s, en.addr) {
				return // carried by another field
			}
		}
		why := "no UPS e-mail type for it"
		if en.typ == "" {
			why = "UPS keeps e-mail addresses by type and the element gives none"
		}
		c.warn(cr, en.addrF, label+": "+why+": address dropped")
		return
	}
	sub := cr.subs[k-1]
	for i := range cur {
		if cur[i].row(c.tc).target != sub.target {
			continue
		}
		if !strings.EqualFold(cur[i].s, en.addr) {
			by := "another field"
			if int(cur[i].f) < len(c.origin.Keys) {
				by = c.origin.Keys[cur[i].f]
			}
			c.warn(cr, en.addrF, label+": UPS keeps one "+typeWord(sub)+" e-mail address, which "+by+" gives: address dropped")
		}
		return
	}
	if _, err := convEmail(en.addr, 0); err != nil {
		c.warn(cr, en.addrF, label+": "+err.Error()+": address dropped")
		return
	}
	e.put(c, sub, cval{ri: cr.idx, sub: k, s: en.addr, f: en.addrF})
}

// typeWord is the UPS type of a typed e-mail row: "work" for
// emails[type eq "work"].value.
func typeWord(sub *crow) string {
	t := strings.TrimPrefix(sub.path, `emails[type eq "`)
	return t[:strings.IndexByte(t, '"')]
}
