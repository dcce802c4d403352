package schemas

import (
	"fmt"
	"sort"
	"sync"
)

// Requirement is an extension and the attributes a full User body (POST,
// PUT) must carry with it, sorted (the order the validator reports them
// missing in): the "required" keyword of the extension's property at the
// root of user.json.
type Requirement struct {
	URN   string
	Attrs []string
}

var extRequired = sync.OnceValues(func() ([]Requirement, error) {
	docs, err := loadSources()
	if err != nil {
		return nil, err
	}
	user, _ := docs[LocUser].(map[string]any)
	props, _ := user["properties"].(map[string]any)
	var out []Requirement
	for urn, p := range props {
		pm, _ := p.(map[string]any)
		req, _ := pm["required"].([]any)
		if len(req) == 0 {
			continue
		}
		r := Requirement{URN: urn}
		for _, a := range req {
			s, ok := a.(string)
			if !ok {
				return nil, fmt.Errorf("schemas: user.json: properties[%q].required holds %v, not a name", urn, a)
			}
			r.Attrs = append(r.Attrs, s)
		}
		sort.Strings(r.Attrs)
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out, nil
})

// ExtensionRequirements lists, sorted by URN, every schema whose object a
// full User body may only carry with certain of its attributes, and those
// attributes (the default variant: x-strict is not read). The enterprise
// extension is among them (employeeNumber).
func ExtensionRequirements() ([]Requirement, error) {
	rs, err := extRequired()
	if err != nil {
		return nil, err
	}
	out := make([]Requirement, len(rs))
	for i, r := range rs {
		out[i] = Requirement{URN: r.URN, Attrs: append([]string(nil), r.Attrs...)}
	}
	return out, nil
}
