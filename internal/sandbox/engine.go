package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/upsmigrate/upsmigrate/internal/scim"
)

const statusRetention = 7 * 24 * time.Hour

// drain runs every stage that is due at now, oldest first. Callers hold s.mu.
func (s *Server) drain(now time.Time) {
	for len(s.st.queue) > 0 && !s.st.queue[0].Due.After(now) {
		p := s.st.queue[0]
		s.st.queue = s.st.queue[1:]
		s.runStage(p, now)
	}
	if now.Sub(s.lastSweep) >= time.Minute {
		s.lastSweep = now
		for id, p := range s.st.provisions {
			if p.completed() && now.Sub(p.Created) > statusRetention {
				delete(s.st.provisions, id)
				s.st.dirtyProvs[id] = true
			}
		}
	}
	s.flush()
}

func (s *Server) runStage(p *provision, now time.Time) {
	switch p.Stage {
	case 0:
		for _, op := range p.Ops {
			if !op.Done {
				s.runIdentity(p, op, now)
			}
		}
		p.Stage = 1
		p.Due = p.Due.Add(s.cfg.Latency)
		s.st.enqueue(p)
	case 1:
		for _, op := range p.Ops {
			if !op.Done {
				s.runExtensions(p, op, now)
			}
		}
		p.Stage = 2
		p.Completed = now
	}
	p.Modified = now
	s.st.putProvision(p)
}

func (s *Server) validatorFor(p *provision, self string) *validator {
	return &validator{st: s.st, companyID: s.creds.CompanyID, bulkIDs: p.BulkIDs, selfID: self}
}

// splitBody separates a User body into its identity document and the
// extension writes. Unknown extension URNs are an error.
func splitBody(data map[string]any) (identity map[string]any, work []extWork, err *scimError) {
	identity = map[string]any{}
	for _, k := range sortedKeys(data) {
		v := data[k]
		if !strings.HasPrefix(strings.ToLower(k), "urn:") {
			switch strings.ToLower(k) {
			case "id", "meta", "schemas":
			default:
				identity[k] = v
			}
			continue
		}
		sch := canonicalSchema(k)
		if sch == "" {
			return nil, nil, badRequest("invalidValue", fmt.Sprintf("unknown schema extension %q", k))
		}
		if identitySchemas[sch] {
			identity[sch] = v
			continue
		}
		m, ok := v.(map[string]any)
		if !ok && v != nil {
			return nil, nil, badRequest("invalidValue", fmt.Sprintf("%s must be an object", k))
		}
		work = append(work, extWork{Schema: sch, Set: m, Unset: v == nil})
	}
	sortWork(work)
	return identity, work, nil
}

func hasCoreSchema(data map[string]any) bool {
	for _, s := range toArray(mustGet(data, "schemas")) {
		if str, ok := s.(string); ok && strings.EqualFold(str, urnCore) {
			return true
		}
	}
	return false
}

// runIdentity performs the identity part of an operation (stage 1).
func (s *Server) runIdentity(p *provision, op *operation, now time.Time) {
	fail := func(e *scimError) {
		msgs := e.Messages
		if len(msgs) == 0 {
			msgs = e.body()[urnConcurError].(map[string]any)["messages"].([]message)
		}
		op.failIdentity(e.Status, msgs)
	}
	var id string
	if op.Method != http.MethodPost {
		var err *scimError
		if id, err = p.userPath(op.Path); err != nil {
			fail(err)
			return
		}
		if s.st.users[id] == nil {
			fail(notFound(fmt.Sprintf("user %s not found", id)))
			return
		}
		op.UserID = id
	}
	switch op.Method {
	case http.MethodDelete:
		s.st.remove(id)
		op.setResult(urnCore, "success", http.StatusNoContent, nil)
		op.setResult(urnEnterprise, "success", http.StatusNoContent, nil)
		op.finish()
		return
	case http.MethodPost, http.MethodPut:
		var data map[string]any
		if err := json.Unmarshal(op.Data, &data); err != nil || data == nil {
			fail(badRequest("invalidSyntax", "data is not a User object"))
			return
		}
		if !hasCoreSchema(data) {
			fail(badRequest("invalidValue", "schemas must list "+urnCore))
			return
		}
		identity, work, e := splitBody(data)
		if e != nil {
			fail(e)
			return
		}
		var old *userRec
		if op.Method == http.MethodPut {
			old = s.st.users[id]
			bodyID, _ := getStr(data, "id")
			if !strings.EqualFold(bodyID, id) {
				fail(badRequest("invalidValue", fmt.Sprintf("PUT data must repeat the user id %s (got %q)", id, bodyID)))
				return
			}
			for _, ex := range extensionOrder {
				if !identitySchemas[ex.urn] && old.Doc[ex.urn] != nil && !hasWork(work, ex.urn) {
					work = append(work, extWork{Schema: ex.urn, Unset: true})
					op.Touched = append(op.Touched, ex.urn)
				}
			}
			sortWork(work)
		}
		var oldDoc map[string]any
		if old != nil {
			oldDoc = old.Doc
		}
		resolveBulkRefs(identity, p.BulkIDs)
		r := s.validatorFor(p, id).identity(identity, oldDoc)
		if r.failed() {
			op.failIdentity(r.status, r.msgs)
			return
		}
		u := &userRec{ID: id, Doc: identity, Created: now, Modified: now}
		if old != nil {
			u.Created, u.Version, u.Seq = old.Created, old.Version+1, old.Seq
			for k, v := range old.Doc {
				if !identitySchemas[canonicalSchema(k)] && strings.HasPrefix(k, "urn:") {
					u.Doc[k] = v
				}
			}
		} else {
			u.ID = s.newID()
			op.UserID = u.ID
			if op.BulkID != "" {
				if p.BulkIDs == nil {
					p.BulkIDs = map[string]string{}
				}
				p.BulkIDs[op.BulkID] = u.ID
			}
		}
		s.st.put(u)
		s.identityResults(op, r)
		op.Work = work
	case http.MethodPatch:
		ops, e := decodePatch(op.Data)
		if e != nil {
			fail(e)
			return
		}
		u := s.st.users[id]
		doc := cloneDoc(u.Doc)
		var work []extWork
		for _, o := range ops {
			for _, sch := range o.schemas() {
				part := o.restrict(sch)
				if identitySchemas[sch] {
					if err := applyPatch(doc, part); err != nil {
						err.Messages = []message{{Code: "INVALID_VALUE", Message: err.Detail, SchemaPath: sch, Type: "error"}}
						fail(err)
						return
					}
					continue
				}
				if canonicalSchema(sch) == "" {
					fail(badRequest("invalidPath", fmt.Sprintf("unknown schema %q", sch)))
					return
				}
				work = addWork(work, sch, rawOp(part))
			}
		}
		resolveBulkRefs(doc, p.BulkIDs)
		r := s.validatorFor(p, id).identity(doc, u.Doc)
		if r.failed() {
			op.failIdentity(r.status, r.msgs)
			return
		}
		nu := *u
		nu.Doc, nu.Modified, nu.Version = doc, now, u.Version+1
		s.st.put(&nu)
		s.identityResults(op, r)
		sortWork(work)
		op.Work = work
	default:
		fail(badRequest("invalidValue", "method "+op.Method+" is not supported"))
	}
}

func (s *Server) identityResults(op *operation, r *vresult) {
	for _, sch := range []string{urnCore, urnEnterprise} {
		msgs, _ := r.errorsFor(sch)
		result := "success"
		if !op.touches(sch) && len(msgs) == 0 {
			result = "no-op"
		}
		op.setResult(sch, result, okCode(op.Method), msgs)
	}
}

func hasWork(w []extWork, schema string) bool {
	for _, x := range w {
		if x.Schema == schema {
			return true
		}
	}
	return false
}

func addWork(w []extWork, schema string, op patchOp) []extWork {
	for i := range w {
		if w[i].Schema == schema && w[i].Set == nil && !w[i].Unset {
			w[i].Ops = append(w[i].Ops, op)
			return w
		}
	}
	return append(w, extWork{Schema: schema, Ops: []patchOp{op}})
}

// rawOp turns a parsed operation back into its wire form.
func rawOp(o parsedOp) patchOp {
	po := patchOp{Op: o.op}
	if o.path != nil {
		po.Path = o.path.Schema
		if o.path.Attr != "" {
			po.Path = pathString(o.path)
		}
	}
	if o.hasValue {
		po.Value, _ = json.Marshal(o.value)
	}
	return po
}

func pathString(p *patchPath) string {
	s := p.Attr
	if p.Schema != urnCore {
		s = p.Schema + ":" + s
	}
	if p.Filter != nil {
		s += "[" + scim.FilterString(p.Filter) + "]"
	}
	if p.Sub != "" {
		s += "." + p.Sub
	}
	return s
}

type patchBody struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

func decodePatch(data []byte) ([]parsedOp, *scimError) {
	var pb patchBody
	if err := json.Unmarshal(data, &pb); err != nil {
		return nil, badRequest("invalidSyntax", "PatchOp: "+err.Error())
	}
	return parsePatchOps(pb.Operations)
}

// runExtensions performs the extension writes of an operation (stage 2).
// An extension that fails (invalid, or --ext-fail-rate) leaves the others
// and the identity in place.
func (s *Server) runExtensions(p *provision, op *operation, now time.Time) {
	u := s.st.users[op.UserID]
	if u == nil {
		for _, w := range op.Work {
			op.setResult(w.Schema, "error", http.StatusNotFound, []message{{Code: "NOT_FOUND", Message: "the user no longer exists", SchemaPath: w.Schema, Type: "error"}})
		}
		op.finish()
		return
	}
	doc := cloneDoc(u.Doc)
	changed := false
	v := s.validatorFor(p, u.ID)
	for _, w := range op.Work {
		if s.extFault() {
			op.setResult(w.Schema, "error", http.StatusBadRequest, injectedExtFailure(w, u.Doc))
			continue
		}
		before, had := doc[w.Schema]
		var applyErr *scimError
		switch {
		case w.Unset:
			delete(doc, w.Schema)
		case w.Set != nil:
			doc[w.Schema] = cloneDoc(w.Set)
		default:
			for _, raw := range w.Ops {
				ops, err := parsePatchOps([]patchOp{raw})
				if err == nil {
					err = applyPatch(doc, ops[0])
				}
				if err != nil {
					applyErr = err
					break
				}
			}
		}
		if ext, ok := doc[w.Schema].(map[string]any); ok {
			resolveBulkRefs(ext, p.BulkIDs)
		}
		var r *vresult
		if applyErr != nil {
			r = &vresult{}
			r.errorf(applyErr.Status, w.Schema, "%s", applyErr.Detail)
		} else {
			r = v.extension(w.Schema, doc, u.Doc)
		}
		if r.failed() {
			if had {
				doc[w.Schema] = before
			} else {
				delete(doc, w.Schema)
			}
			op.setResult(w.Schema, "error", r.status, r.msgs)
			continue
		}
		changed = true
		op.setResult(w.Schema, "success", http.StatusOK, r.msgs)
	}
	if changed {
		nu := *u
		nu.Doc, nu.Modified, nu.Version = doc, now, u.Version+1
		s.st.put(&nu)
	}
	op.finish()
}

// resolveBulkRefs replaces "bulkId:x" strings by the id of the user that
// the POST with bulkId x created (RFC 7644 §3.7.2).
func resolveBulkRefs(m map[string]any, ids map[string]string) {
	if len(ids) == 0 {
		return
	}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			if b, ok := strings.CutPrefix(x, "bulkId:"); ok {
				if id, found := ids[b]; found {
					return id
				}
			}
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		}
		return v
	}
	walk(m)
}
