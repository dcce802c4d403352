package sandbox

import (
	"sort"
	"strings"
	"time"
)

// userRec is one stored user: core attributes at the top level of Doc and
// each extension as an object under its URN (no id, schemas or meta).
type userRec struct {
	ID       string         `json:"id"`
	Doc      map[string]any `json:"doc"`
	Created  time.Time      `json:"created"`
	Modified time.Time      `json:"modified"`
	Version  int            `json:"version"`
	Seq      int64          `json:"seq"`
}

// state is everything the sandbox knows; Server.mu guards it.
type state struct {
	users            map[string]*userRec // by lower-case id
	byUserName       map[string]string   // lower-case userName → id
	byEmployeeNumber map[string]string
	byExternalID     map[string]string
	provisions       map[string]*provision
	queue            []*provision // provisions with a stage still to run
	seq              int64
	refresh          map[string]refreshRec // sha256(refresh token) → record

	dirtyUsers map[string]bool // ids to write (or delete) at the next flush
	dirtyProvs map[string]bool
	dirtyToks  map[string]bool
}

func newState() *state {
	return &state{
		users:            map[string]*userRec{},
		byUserName:       map[string]string{},
		byEmployeeNumber: map[string]string{},
		byExternalID:     map[string]string{},
		provisions:       map[string]*provision{},
		refresh:          map[string]refreshRec{},
		dirtyUsers:       map[string]bool{},
		dirtyProvs:       map[string]bool{},
		dirtyToks:        map[string]bool{},
	}
}

func userKeys(doc map[string]any) (userName, employeeNumber, externalID string) {
	userName, _ = getStr(doc, "userName")
	externalID, _ = getStr(doc, "externalId")
	employeeNumber, _ = getStr(asMap(mustGet(doc, urnEnterprise)), "employeeNumber")
	return strings.ToLower(userName), strings.ToLower(employeeNumber), strings.ToLower(externalID)
}

func (st *state) unindex(u *userRec) {
	un, en, ex := userKeys(u.Doc)
	for idx, k := range map[*map[string]string]string{&st.byUserName: un, &st.byEmployeeNumber: en, &st.byExternalID: ex} {
		if k != "" && (*idx)[k] == u.ID {
			delete(*idx, k)
		}
	}
}

func (st *state) index(u *userRec) {
	un, en, ex := userKeys(u.Doc)
	if un != "" {
		st.byUserName[un] = u.ID
	}
	if en != "" {
		st.byEmployeeNumber[en] = u.ID
	}
	if ex != "" {
		st.byExternalID[ex] = u.ID
	}
}

// put stores u (new or replacing the stored user with the same id).
func (st *state) put(u *userRec) {
	if old := st.users[u.ID]; old != nil {
		st.unindex(old)
	} else if u.Seq == 0 {
		st.seq++
		u.Seq = st.seq
	}
	if u.Seq > st.seq {
		st.seq = u.Seq
	}
	st.users[u.ID] = u
	st.index(u)
	st.dirtyUsers[u.ID] = true
}

func (st *state) remove(id string) {
	if u := st.users[id]; u != nil {
		st.unindex(u)
		delete(st.users, id)
		st.dirtyUsers[id] = true
	}
}

// sortedUsers lists users in creation order.
func (st *state) sortedUsers() []*userRec {
	out := make([]*userRec, 0, len(st.users))
	for _, u := range st.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

// enqueue schedules p's next stage.
func (st *state) enqueue(p *provision) {
	st.queue = append(st.queue, p)
	sort.SliceStable(st.queue, func(i, j int) bool {
		if !st.queue[i].Due.Equal(st.queue[j].Due) {
			return st.queue[i].Due.Before(st.queue[j].Due)
		}
		return st.queue[i].Seq < st.queue[j].Seq
	})
}

func (st *state) putProvision(p *provision) {
	st.provisions[p.ID] = p
	st.dirtyProvs[p.ID] = true
}

func cloneValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneDoc(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneValue(e)
		}
		return out
	default:
		return v
	}
}

func cloneDoc(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
