package pipeline

import (
	"encoding/binary"
	"strings"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// A spilled change set is written in binary, not JSON: decoding JSON was
// most of the time of the merge. It holds what the JSON form holds, and
// decodes to what model.ChangeSet's UnmarshalJSON gives (a differential
// test checks it): every value's source flattened into its Site (field
// and name) and Origin (position).
//
// The change sets of a partition are one section, written by one
// csEncoder and read in the same order by one csDecoder. A site, or an
// input file's name, is written whole the first time the section holds
// it and by its number after that: the sites of a feed are a few hundred
// (mapping rows by field), its values hundreds of thousands, so a site
// costs a byte or two instead of its schema, path, field, name and row.
// The decoder shares one *Site per number, and one *Origin per position
// of the change set.

const (
	csNil      = 0 // Ref.Primary nil; Records nil
	csFalse    = 1
	csTrue     = 2
	maxCSSites = 1 << 14 // the sites (and files) a section numbers; beyond, written whole each time
)

// Dictionary tags: a new entry (numbered next), an entry written whole
// but not numbered (the dictionary is full), or tagEntry+n for entry n.
const (
	tagNew    = 0
	tagInline = 1
	tagEntry  = 2
)

// csEncoder writes the change sets of one section.
type csEncoder struct {
	sites, refSites, files map[string]uint64
	span                   []byte
	// bySite caches the numbers of sites by a value's Site and field (the
	// engine shares one Site per mapping row), checked against the field
	// and name they give.
	bySite   map[model.SiteField]csSiteHit
	lastFile string
	lastN    uint64 // the number of lastFile, tagEntry+n; 0: none
}

func newCSEncoder() *csEncoder {
	return &csEncoder{sites: map[string]uint64{}, refSites: map[string]uint64{}, files: map[string]uint64{},
		bySite: map[model.SiteField]csSiteHit{}}
}

// csSiteHit is a site's number and the field and name it was written with.
type csSiteHit struct {
	n           uint64
	field, name string
}

// entry appends b by its number in dict, or whole (numbering it while
// dict has room).
func entry(dst []byte, dict map[string]uint64, b []byte) []byte {
	if n, ok := dict[string(b)]; ok {
		return binary.AppendUvarint(dst, n+tagEntry)
	}
	if len(dict) < maxCSSites {
		dict[string(b)] = uint64(len(dict))
		dst = append(dst, tagNew)
	} else {
		dst = append(dst, tagInline)
	}
	return appendBytes(dst, b)
}

// appendChangeSet appends cs in the spilled binary form.
func (e *csEncoder) appendChangeSet(dst []byte, cs *model.ChangeSet) []byte {
	dst = appendString(dst, cs.EmployeeID)
	dst = appendBool(dst, cs.Creates)
	dst = appendBool(dst, cs.Rename != nil)
	if r := cs.Rename; r != nil {
		dst = appendString(dst, r.From)
		dst = appendString(dst, r.NewEmployeeID)
		dst = appendString(dst, r.NewLogin)
		dst = appendSource(dst, r.Source)
	}
	dst = e.appendAttrs(dst, cs.Attrs)
	dst = binary.AppendUvarint(dst, uint64(len(cs.Refs)))
	for i := range cs.Refs {
		r := &cs.Refs[i]
		dst = appendString(dst, string(r.Kind))
		dst = appendString(dst, r.Schema)
		dst = appendString(dst, r.Path)
		switch {
		case r.Primary == nil:
			dst = append(dst, csNil)
		case *r.Primary:
			dst = append(dst, csTrue)
		default:
			dst = append(dst, csFalse)
		}
		dst = appendString(dst, r.Target)
		dst = e.appendAttrs(dst, r.Attrs)
		src := r.Source()
		dst = e.appendSite(dst, e.refSites, nil, src, r.Row())
		dst = e.appendOrigin(dst, src)
	}
	if cs.Records == nil {
		dst = append(dst, csNil)
	} else {
		dst = append(dst, csTrue)
		dst = binary.AppendUvarint(dst, uint64(len(cs.Records)))
		for _, p := range cs.Records {
			dst = appendString(dst, p.File)
			dst = binary.AppendUvarint(dst, uint64(p.Line))
			dst = binary.AppendUvarint(dst, uint64(p.Item))
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(cs.LeaveOut)))
	for _, u := range cs.LeaveOut {
		dst = appendString(dst, u)
	}
	return dst
}

func appendSource(dst []byte, s model.Source) []byte {
	dst = appendString(dst, s.File)
	dst = binary.AppendUvarint(dst, uint64(s.Line))
	dst = binary.AppendUvarint(dst, uint64(s.Item))
	dst = appendString(dst, s.Field)
	return appendString(dst, s.Name)
}

func (e *csEncoder) appendAttrs(dst []byte, attrs []model.Attr) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(attrs)))
	for i := range attrs {
		a := &attrs[i]
		src := a.Source()
		k := model.SiteField{Site: a.Site, Field: a.Field}
		if h, ok := e.bySite[k]; ok && a.Site != nil && h.field == src.Field && h.name == src.Name {
			dst = binary.AppendUvarint(dst, h.n)
		} else {
			mark := len(dst)
			dst = e.appendSite(dst, e.sites, a, src, a.Row())
			if a.Site != nil && dst[mark] >= tagEntry && len(e.bySite) < maxCSSites {
				n, _ := binary.Uvarint(dst[mark:])
				e.bySite[k] = csSiteHit{n: n, field: src.Field, name: src.Name}
			}
		}
		dst = e.appendOrigin(dst, src)
		if a.Kind() == model.AttrMember {
			dst = appendString(dst, a.Member())
			dst = appendBool(dst, a.Bool)
			continue
		}
		dst = append(dst, byte(a.Type))
		switch a.Type {
		case model.StringValue:
			dst = appendString(dst, a.Str)
		case model.BoolValue:
			dst = appendBool(dst, a.Bool)
		}
	}
	return dst
}

// appendSite appends a site: a value's (a not nil) schema, path and kind,
// then the field, name and row of both values and refs, as an entry of
// dict.
func (e *csEncoder) appendSite(dst []byte, dict map[string]uint64, a *model.Attr, src model.Source, row string) []byte {
	b := e.span[:0]
	if a != nil {
		b = appendString(b, a.Schema())
		b = appendString(b, a.Path())
		b = append(b, byte(a.Kind()))
	}
	b = appendString(b, src.Field)
	b = appendString(b, src.Name)
	b = appendString(b, row)
	e.span = b
	return entry(dst, dict, b)
}

// appendOrigin appends a position: its file as an entry, line and item.
func (e *csEncoder) appendOrigin(dst []byte, src model.Source) []byte {
	if e.lastN != 0 && src.File == e.lastFile {
		dst = binary.AppendUvarint(dst, e.lastN)
	} else {
		e.span = append(e.span[:0], src.File...)
		mark := len(dst)
		dst = entry(dst, e.files, e.span)
		if e.lastN = 0; dst[mark] >= tagEntry {
			e.lastFile = src.File
			e.lastN, _ = binary.Uvarint(dst[mark:])
		}
	}
	dst = binary.AppendUvarint(dst, uint64(src.Line))
	return binary.AppendUvarint(dst, uint64(src.Item))
}

// csDecoder decodes the change sets of one section, in the order they
// were written.
type csDecoder struct {
	sites, refSites []*model.Site
	files           []string
	origins         map[model.Position]*model.Origin // of the change set being decoded
	last            *model.Origin                    // the last of origins found
	shared          *siteTable
}

func newCSDecoder(shared *siteTable) *csDecoder {
	if shared == nil {
		shared = newSiteTable()
	}
	return &csDecoder{origins: map[model.Position]*model.Origin{}, shared: shared}
}

// siteTable shares one *Site per site among the decoders of a merge (each
// section numbers its sites anew), so that what is keyed by the Site
// pointer downstream (the lineage writer's cache) sees a few hundred.
type siteTable struct {
	sites, refSites map[string]*model.Site // by the site's encoded form
}

func newSiteTable() *siteTable {
	return &siteTable{sites: map[string]*model.Site{}, refSites: map[string]*model.Site{}}
}

// maxSharedSites bounds each map of a siteTable; past it, sites are not
// shared.
const maxSharedSites = 1 << 14

// entry reads an entry of a dictionary: its number, or its bytes and
// whether the encoder numbered it (next).
func entryOf(d *dec[string], size int) (n int, b string, isNew bool) {
	switch t := d.uvarint(); {
	case t == tagNew || t == tagInline:
		if t == tagNew && size >= maxCSSites {
			d.fail()
		}
		return -1, d.raw(), t == tagNew
	case t-tagEntry < uint64(size):
		return int(t - tagEntry), "", false
	}
	d.fail()
	return -1, "", false
}

// read decodes one change set into cs, reusing the array of its Attrs
// only. Its strings are substrings of d's, but for the dictionary's
// entries, which are copied: the decoder keeps them.
func (c *csDecoder) read(d *dec[string], cs *model.ChangeSet) {
	if len(c.origins) > 64 {
		c.origins = map[model.Position]*model.Origin{}
	} else {
		clear(c.origins)
	}
	c.last = nil
	attrs := cs.Attrs[:0]
	*cs = model.ChangeSet{EmployeeID: d.str(), Creates: d.bool()}
	if d.bool() {
		cs.Rename = &model.Rename{From: d.str(), NewEmployeeID: d.str(), NewLogin: d.str(), Source: readSource(d)}
	}
	cs.Attrs = c.attrs(d, attrs)
	if n := d.count(); n > 0 {
		cs.Refs = make([]model.Ref, n)
		for i := range cs.Refs {
			r := &cs.Refs[i]
			r.Kind, r.Schema, r.Path = model.RefKind(d.str()), d.str(), d.str()
			switch d.byte() {
			case csTrue:
				t := true
				r.Primary = &t
			case csFalse:
				f := false
				r.Primary = &f
			}
			r.Target = d.str()
			r.Attrs = c.attrs(d, nil)
			r.Site = c.site(d, &c.refSites, false)
			r.Origin = c.origin(d)
		}
	}
	if d.byte() == csTrue {
		cs.Records = make([]model.Position, d.count())
		for i := range cs.Records {
			cs.Records[i] = model.Position{File: d.str(), Line: d.int(), Item: d.int()}
		}
	}
	if n := d.count(); n > 0 {
		cs.LeaveOut = make([]string, n)
		for i := range cs.LeaveOut {
			cs.LeaveOut[i] = d.str()
		}
	}
}

func readSource(d *dec[string]) model.Source {
	return model.Source{File: d.str(), Line: d.int(), Item: d.int(), Field: d.str(), Name: d.str()}
}

// attrs decodes a list of values, into the array of dst when it has room.
func (c *csDecoder) attrs(d *dec[string], dst []model.Attr) []model.Attr {
	n := d.count()
	if n == 0 {
		return nil
	}
	var attrs []model.Attr
	if cap(dst) >= n {
		attrs = dst[:n]
		clear(attrs)
	} else {
		attrs = make([]model.Attr, n)
	}
	for i := range attrs {
		a := &attrs[i]
		a.Site = c.site(d, &c.sites, true)
		a.Origin = c.origin(d)
		if a.Site.Kind == model.AttrMember {
			a.Str, a.Bool = d.str(), d.bool()
			continue
		}
		a.Type = model.ValueType(d.byte())
		switch a.Type {
		case model.NoValue:
		case model.StringValue:
			a.Str = d.str()
		case model.BoolValue:
			a.Bool = d.bool()
		default:
			d.fail()
		}
	}
	return attrs
}

func (c *csDecoder) site(d *dec[string], sites *[]*model.Site, attr bool) *model.Site {
	n, b, isNew := entryOf(d, len(*sites))
	if n >= 0 {
		return (*sites)[n]
	}
	table := c.shared.sites
	if !attr {
		table = c.shared.refSites
	}
	if s, ok := table[b]; ok {
		if isNew {
			*sites = append(*sites, s)
		}
		return s
	}
	sd := dec[string]{s: strings.Clone(b)}
	s := &model.Site{}
	if attr {
		s.Schema, s.Path, s.Kind = sd.str(), sd.str(), model.AttrKind(sd.byte())
		if s.Kind > model.AttrMember {
			sd.fail()
		}
	}
	s.Field, s.Name, s.Row = sd.str(), sd.str(), sd.str()
	if sd.done() != nil || d.err != nil {
		d.fail()
		return s
	}
	if isNew {
		*sites = append(*sites, s)
	}
	if len(table) < maxSharedSites {
		table[sd.s] = s
	}
	return s
}

func (c *csDecoder) origin(d *dec[string]) *model.Origin {
	var file string
	switch n, b, isNew := entryOf(d, len(c.files)); {
	case n >= 0:
		file = c.files[n]
	default:
		file = b
		if isNew && d.err == nil {
			file = strings.Clone(b)
			c.files = append(c.files, file)
		}
	}
	p := model.Position{File: file, Line: d.int(), Item: d.int()}
	if c.last != nil && c.last.Pos == p { // a record's values come together
		return c.last
	}
	o, ok := c.origins[p]
	if !ok {
		o = &model.Origin{Pos: p}
		c.origins[p] = o
	}
	c.last = o
	return o
}
