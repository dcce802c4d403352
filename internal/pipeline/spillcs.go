package pipeline

import (
	"encoding/binary"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// A spilled change set is written in binary, not JSON: decoding JSON was
// most of the time of the merge. It holds what the JSON form holds, and
// decodes to what model.ChangeSet's UnmarshalJSON gives (a differential
// test checks it): every value's source flattened into its Site (field
// and name) and Origin (position). Each value's site and origin are
// contiguous spans, so the decoder shares one *Site per distinct site and
// one *Origin per position of the change set, found by the span's bytes.

const (
	csNil      = 0 // Ref.Primary nil; Records nil
	csFalse    = 1
	csTrue     = 2
	maxCSSites = 1 << 14 // the sites a csDecoder keeps before starting over
)

// appendChangeSet appends cs in the spilled binary form.
func appendChangeSet(dst []byte, cs *model.ChangeSet) []byte {
	dst = appendString(dst, cs.EmployeeID)
	dst = appendBool(dst, cs.Creates)
	dst = appendBool(dst, cs.Rename != nil)
	if r := cs.Rename; r != nil {
		dst = appendString(dst, r.From)
		dst = appendString(dst, r.NewEmployeeID)
		dst = appendString(dst, r.NewLogin)
		dst = appendSource(dst, r.Source)
	}
	dst = appendAttrs(dst, cs.Attrs)
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
		dst = appendAttrs(dst, r.Attrs)
		src := r.Source()
		dst = appendSiteSpan(dst, nil, src, r.Row())
		dst = appendOriginSpan(dst, src)
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

func appendAttrs(dst []byte, attrs []model.Attr) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(attrs)))
	for i := range attrs {
		a := &attrs[i]
		src := a.Source()
		dst = appendSiteSpan(dst, a, src, a.Row())
		dst = appendOriginSpan(dst, src)
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

// appendSiteSpan appends a site as one span: a value's (a not nil) schema,
// path and kind, then the field, name and row of both values and refs.
func appendSiteSpan(dst []byte, a *model.Attr, src model.Source, row string) []byte {
	n := len(dst)
	dst = append(dst, 0, 0, 0, 0) // the span's length, fixed width
	if a != nil {
		dst = appendString(dst, a.Schema())
		dst = appendString(dst, a.Path())
		dst = append(dst, byte(a.Kind()))
	}
	dst = appendString(dst, src.Field)
	dst = appendString(dst, src.Name)
	dst = appendString(dst, row)
	binary.LittleEndian.PutUint32(dst[n:], uint32(len(dst)-n-4))
	return dst
}

func appendOriginSpan(dst []byte, src model.Source) []byte {
	n := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = appendString(dst, src.File)
	dst = binary.AppendUvarint(dst, uint64(src.Line))
	dst = binary.AppendUvarint(dst, uint64(src.Item))
	binary.LittleEndian.PutUint32(dst[n:], uint32(len(dst)-n-4))
	return dst
}

// csDecoder decodes spilled change sets, sharing sites across them.
type csDecoder struct {
	sites    map[string]*model.Site // attr sites by span
	refSites map[string]*model.Site
	origins  map[string]*model.Origin // of the change set being decoded
}

func newCSDecoder() *csDecoder {
	return &csDecoder{sites: map[string]*model.Site{}, refSites: map[string]*model.Site{}, origins: map[string]*model.Origin{}}
}

// span reads a fixed-width length and the bytes it counts.
func span(d *dec[[]byte]) []byte {
	if len(d.s)-d.i < 4 {
		d.fail()
		return nil
	}
	n := int(binary.LittleEndian.Uint32(d.s[d.i:]))
	d.i += 4
	if n > len(d.s)-d.i {
		d.fail()
		return nil
	}
	b := d.s[d.i : d.i+n]
	d.i += n
	return b
}

// read decodes one change set into cs (reusing nothing of it).
func (c *csDecoder) read(d *dec[[]byte], cs *model.ChangeSet) {
	if len(c.origins) > 64 {
		c.origins = map[string]*model.Origin{}
	} else {
		clear(c.origins)
	}
	*cs = model.ChangeSet{EmployeeID: d.str(), Creates: d.bool()}
	if d.bool() {
		cs.Rename = &model.Rename{From: d.str(), NewEmployeeID: d.str(), NewLogin: d.str(), Source: readSource(d)}
	}
	cs.Attrs = c.attrs(d)
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
			r.Attrs = c.attrs(d)
			r.Site = c.site(d, c.refSites, false)
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

func readSource(d *dec[[]byte]) model.Source {
	return model.Source{File: d.str(), Line: d.int(), Item: d.int(), Field: d.str(), Name: d.str()}
}

func (c *csDecoder) attrs(d *dec[[]byte]) []model.Attr {
	n := d.count()
	if n == 0 {
		return nil
	}
	attrs := make([]model.Attr, n)
	for i := range attrs {
		a := &attrs[i]
		a.Site = c.site(d, c.sites, true)
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

func (c *csDecoder) site(d *dec[[]byte], sites map[string]*model.Site, attr bool) *model.Site {
	b := span(d)
	if s, ok := sites[string(b)]; ok {
		return s
	}
	sd := dec[[]byte]{s: b}
	s := &model.Site{}
	if attr {
		s.Schema, s.Path, s.Kind = sd.str(), sd.str(), model.AttrKind(sd.byte())
		if s.Kind > model.AttrMember {
			sd.fail()
		}
	}
	s.Field, s.Name, s.Row = sd.str(), sd.str(), sd.str()
	if sd.done() != nil {
		d.fail()
		return s
	}
	if len(sites) >= maxCSSites {
		clear(sites)
	}
	sites[string(b)] = s
	return s
}

func (c *csDecoder) origin(d *dec[[]byte]) *model.Origin {
	b := span(d)
	if o, ok := c.origins[string(b)]; ok {
		return o
	}
	od := dec[[]byte]{s: b}
	o := &model.Origin{Pos: model.Position{File: od.str(), Line: od.int(), Item: od.int()}}
	if od.done() != nil {
		d.fail()
		return o
	}
	c.origins[string(b)] = o
	return o
}
