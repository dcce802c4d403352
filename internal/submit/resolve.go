package submit

import (
	"context"
	"maps"
	"slices"
	"sync"

	"github.com/upsmigrate/upsmigrate/internal/journal"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/internal/pool"
	"github.com/upsmigrate/upsmigrate/internal/target"
)

// resolver knows which employees exist in the target: from the journal
// (users this run created or looked up before), from --directory, and from
// lookups by employeeNumber, batched and cached for the run. It keeps the
// user id of each, no more: plans need nothing else.
type resolver struct {
	t       target.Target
	j       *journal.Journal // nil in dry runs: nothing is recorded
	workers int              // concurrent lookups
	idx     *index           // the run's employees: their IDs are shared, not copied
	known   users
	missing bits            // run keys looked up in this run and not found
	others  map[string]bool // the same, of employees that are no run key
	Lookups int             // employee numbers looked up
}

// newResolver looks users up in t with up to workers concurrent calls.
func newResolver(t target.Target, j *journal.Journal, workers int, idx *index) *resolver {
	return &resolver{t: t, j: j, workers: workers, idx: idx, known: newUsers(),
		missing: newBits(idx.nkeys), others: map[string]bool{}}
}

// seed adds users already known (journal, directory) without a lookup.
func (r *resolver) seed(emp, id, _ string) {
	if emp == "" || id == "" {
		return
	}
	if i, ok := r.idx.byID[emp]; ok {
		emp = r.idx.emps[i].id
	}
	r.known.put(emp, id)
	r.setMissing(emp, false)
}

func (r *resolver) isMissing(emp string) bool {
	if k := r.idx.key(emp); k >= 0 {
		return r.missing.has(k)
	}
	return r.others[emp]
}

func (r *resolver) setMissing(emp string, missing bool) {
	if k := r.idx.key(emp); k >= 0 {
		if missing {
			r.missing.set(k)
		} else {
			r.missing.clear(k)
		}
		return
	}
	if missing {
		r.others[emp] = true
	} else {
		delete(r.others, emp)
	}
}

// learn records a user the run found or created, in memory and in the
// journal.
func (r *resolver) learn(u journal.User) error {
	r.seed(u.EmployeeNumber, u.ID, u.UserName)
	if r.j == nil {
		return nil
	}
	return r.j.PutUsers([]journal.User{u})
}

// ensure looks up the employees that are neither known nor known missing.
func (r *resolver) ensure(ctx context.Context, emps []string) error {
	var todo []string
	seen := map[string]bool{}
	for _, e := range emps {
		if e == "" || seen[e] {
			continue
		}
		seen[e] = true
		if _, ok := r.known.get(e); ok || r.isMissing(e) {
			continue
		}
		todo = append(todo, e)
	}
	return r.lookup(ctx, todo, true)
}

// refresh looks the employees up again, whatever is cached: after a
// request whose outcome is unknown, the target is the only truth.
func (r *resolver) refresh(ctx context.Context, emps []string) error {
	emps = slices.Compact(slices.Sorted(slices.Values(emps)))
	for _, e := range emps {
		r.setMissing(e, false)
	}
	return r.lookup(target.Fresh(ctx), emps, false)
}

// lookup looks emps up: split between concurrent searches, or in one call
// (a fresh lookup, which the target makes one by one when it is small).
func (r *resolver) lookup(ctx context.Context, emps []string, split bool) error {
	if len(emps) == 0 {
		return nil
	}
	r.Lookups += len(emps)
	var found map[string]target.User
	var err error
	if split {
		found, err = r.search(ctx, emps)
	} else {
		found, err = r.t.LookupEmployees(ctx, emps)
	}
	if err != nil {
		return err
	}
	var learned []journal.User
	for _, e := range emps {
		u, ok := found[e]
		if !ok || u.ID == "" {
			r.setMissing(e, true)
			r.known.del(e)
			continue
		}
		r.seed(e, u.ID, u.UserName)
		learned = append(learned, journal.User{EmployeeNumber: e, ID: u.ID, UserName: u.UserName, Source: "lookup"})
	}
	if r.j != nil && len(learned) > 0 {
		return r.j.PutUsers(learned)
	}
	return nil
}

// lookupChunk is how many employee numbers one LookupEmployees call asks
// for when a lookup is split between workers: one UPS search (which
// internal/target batches by 50).
const lookupChunk = 50

// search looks emps up, in chunks of lookupChunk on up to r.workers
// concurrent calls: one search at a time would hold a run of a million
// employees to one request per round trip, far under the rate a target
// allows.
func (r *resolver) search(ctx context.Context, emps []string) (map[string]target.User, error) {
	if len(emps) <= lookupChunk || r.workers <= 1 {
		return r.t.LookupEmployees(ctx, emps)
	}
	var mu sync.Mutex
	found := make(map[string]target.User, len(emps))
	// The first error cancels the searches in flight.
	err := pool.Run(ctx, len(emps), pool.Options{Workers: r.workers, Block: lookupChunk}, func() func(context.Context, int, int) error {
		return func(ctx context.Context, lo, hi int) error {
			got, err := r.t.LookupEmployees(ctx, emps[lo:hi])
			mu.Lock()
			maps.Copy(found, got)
			mu.Unlock()
			return err
		}
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

func (r *resolver) has(emp string) bool {
	_, ok := r.known.get(emp)
	return ok
}

// directory is what is known of emps, as a plan's directory. An
// employee this run renames is given the user of the ID before the rename
// when that user is known, as plan.Build resolves it, so that a chunk of
// the run's change sets is planned as the whole run would be.
func (r *resolver) directory(emps []string) (*plan.Directory, error) {
	entries := make([]plan.DirEntry, 0, len(emps))
	for _, e := range emps {
		id, ok := r.known.get(e)
		if from := r.idx.renamedFrom(e); from != "" {
			if fid, found := r.known.get(from); found {
				id, ok = fid, true
			}
		}
		if ok {
			entries = append(entries, plan.DirEntry{EmployeeNumber: e, ID: id})
		}
	}
	return plan.NewDirectory(entries)
}
