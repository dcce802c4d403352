package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// refCompiled holds one variant of the schemas compiled by jsonschema/v5,
// on first use: convert and validate run the fast path only, and compiling
// the reference (the schemas checked against their metaschema, then
// compiled) would be half of their start-up.
type refCompiled struct {
	docs    docSet
	formats map[string]*format
	once    sync.Once
	err     error // of the compiler's set-up
	mu      sync.Mutex
	comp    *jsonschema.Compiler
	cache   map[string]*jsonschema.Schema
}

func newRefCompiled(docs docSet, formats map[string]*format) *refCompiled {
	return &refCompiled{docs: docs, formats: formats, cache: map[string]*jsonschema.Schema{}}
}

func newCompiler(docs docSet, formats map[string]*format) (*jsonschema.Compiler, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(s string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schemas: %s is not an embedded schema", s)
	}
	for name, f := range formats {
		check := f.check
		c.Formats[name] = func(v any) bool {
			s, ok := v.(string)
			return !ok || check(s)
		}
	}
	for _, u := range docs.urls() {
		data, err := json.Marshal(docs[u])
		if err != nil {
			return nil, fmt.Errorf("schemas: encode %s: %w", u, err)
		}
		if err := c.AddResource(u, bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", u, err)
		}
	}
	return c, nil
}

func (r *refCompiled) schema(loc string) (*jsonschema.Schema, error) {
	r.once.Do(func() { r.comp, r.err = newCompiler(r.docs, r.formats) })
	if r.err != nil {
		return nil, r.err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.cache[loc]; ok {
		return s, nil
	}
	s, err := r.comp.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("schemas: compile %s: %w", loc, err)
	}
	r.cache[loc] = s
	return s, nil
}

// run validates v against loc and returns the findings, all errors, with
// pointers relative to v.
func (r *refCompiled) run(loc string, v any) []Finding {
	s, err := r.schema(loc)
	if err != nil {
		return []Finding{{Keyword: "schema", Severity: model.SevError, Message: err.Error()}}
	}
	err = s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Finding{{Keyword: "type", Severity: model.SevError, Message: "not a JSON value: " + err.Error()}}
	}
	var out []Finding
	var leaves func(e *jsonschema.ValidationError)
	leaves = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				leaves(c)
			}
			return
		}
		out = append(out, r.leaf(e, v)...)
	}
	leaves(ve)
	return out
}

// leaf turns one failed keyword into findings, with the same messages the
// fast path writes.
func (r *refCompiled) leaf(e *jsonschema.ValidationError, doc any) []Finding {
	ptr := instancePointer(e.InstanceLocation)
	val, _ := pointerGet(doc, ptr)
	f := func(p, kw string, param, v any) Finding {
		return Finding{Pointer: p, Keyword: kw, Severity: model.SevError, Message: message(kw, param, v)}
	}
	if raw, ok := r.docs.lookup(e.AbsoluteKeywordLocation); ok && raw == false && e.Message == "not allowed" {
		return []Finding{f(ptr, "false", nil, lastPointerToken(ptr))}
	}
	docURL, kptr := splitLoc(e.AbsoluteKeywordLocation)
	i := strings.LastIndexByte(kptr, '/')
	if i < 0 {
		return []Finding{f(ptr, "schema", nil, e.Message)}
	}
	kw := UnescapeToken(kptr[i+1:])
	raw, _ := r.docs.lookup(docURL + "#" + kptr[:i])
	sch, _ := raw.(map[string]any)
	param := sch[kw]
	switch kw {
	case "required":
		obj, _ := val.(map[string]any)
		var out []Finding
		for _, name := range stringsOf(param) {
			if _, ok := obj[name]; !ok {
				out = append(out, f(ptr+"/"+escapeToken(name), kw, param, name))
			}
		}
		return out
	case "additionalProperties":
		obj, _ := val.(map[string]any)
		props, _ := sch["properties"].(map[string]any)
		var out []Finding
		for name := range obj {
			if _, ok := props[name]; !ok {
				out = append(out, f(ptr+"/"+escapeToken(name), kw, false, name))
			}
		}
		return out
	}
	return []Finding{f(ptr, kw, param, val)}
}

// instancePointer turns jsonschema/v5's instance location (tokens escaped
// for JSON pointers, then for URL paths) into a plain JSON pointer.
func instancePointer(loc string) string {
	if loc == "" {
		return ""
	}
	toks := strings.Split(strings.TrimPrefix(loc, "/"), "/")
	var b strings.Builder
	for _, t := range toks {
		if u, err := url.PathUnescape(t); err == nil {
			t = u
		}
		b.WriteByte('/')
		b.WriteString(t)
	}
	return b.String()
}

func lastPointerToken(ptr string) string {
	i := strings.LastIndexByte(ptr, '/')
	if i < 0 {
		return ""
	}
	return UnescapeToken(ptr[i+1:])
}

// refEngine validates with jsonschema/v5. Strict mode is the verdict of the
// strict variant; default mode is the verdict of the default variant plus,
// as warnings, whatever the strict variant finds beyond it.
type refEngine struct {
	strict     bool
	def, stric *refCompiled
}

func (e *refEngine) check(loc string, v any, base string, rel relPtr, out []Finding) []Finding {
	v = plainValue(v)
	base += rel.String()
	sf := e.stric.run(loc, v)
	var fs []Finding
	if e.strict {
		fs = sf
	} else {
		fs = mergeStrict(e.def.run(loc, v), sf)
	}
	return append(out, Prefix(fs, base)...)
}
