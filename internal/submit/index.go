package submit

import (
	"fmt"

	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
)

// index is what a submission keeps of every employee between the passes
// over the run's change sets: a few words each, not the change set.
//
// Operations are keyed by employee: the Employee ID, or for a phase-0
// rename the ID before it. Every such key has a number (an employee's
// position in the run; an old ID that is no employee's gets one past
// them), so that per-operation counts and flags are slices, not maps.
type index struct {
	emps   []empInfo
	byID   map[string]int32
	byFrom map[string]int32 // old ID → the (last) employee renamed from it
	others map[string]int32 // key numbers of old IDs that are no employee's
	nkeys  int
	dup    [2]int32 // positions of the first employee with two change sets; -1 when none
}

// empInfo is one employee of the run.
type empInfo struct {
	id    string
	from  string // Rename.From; "" without a rename
	refs  int32  // references of the change set
	flags uint8
}

const (
	empCreates     uint8 = 1 << iota // ChangeSet.Creates
	empDeactivates                   // the change set sets active false
	empNewID                         // the rename changes the Employee ID
	empNewLogin                      // the rename changes the login
)

func newIndex() *index {
	return &index{byID: map[string]int32{}, byFrom: map[string]int32{}, others: map[string]int32{}, dup: [2]int32{-1, -1}}
}

// add appends the employee of cs.
func (x *index) add(cs *model.ChangeSet) {
	n := int32(len(x.emps))
	e := empInfo{id: cs.EmployeeID, refs: int32(len(cs.Refs))}
	if cs.Creates {
		e.flags |= empCreates
	}
	if deactivates(cs) {
		e.flags |= empDeactivates
	}
	if rn := cs.Rename; rn != nil && rn.From != "" {
		e.from = rn.From
		if rn.NewEmployeeID != "" && rn.NewEmployeeID != rn.From {
			e.flags |= empNewID
		}
		if rn.NewLogin != "" {
			e.flags |= empNewLogin
		}
		x.byFrom[rn.From] = n
	}
	if first, dup := x.byID[cs.EmployeeID]; dup {
		if x.dup[0] < 0 {
			x.dup = [2]int32{first, n}
		}
	} else {
		x.byID[cs.EmployeeID] = n
	}
	x.emps = append(x.emps, e)
}

// done numbers the keys once every employee is added.
func (x *index) done() {
	x.nkeys = len(x.emps)
	for from := range x.byFrom {
		if _, ok := x.byID[from]; !ok {
			x.others[from] = int32(x.nkeys)
			x.nkeys++
		}
	}
}

// get returns the employee of an Employee ID.
func (x *index) get(emp string) (*empInfo, bool) {
	i, ok := x.byID[emp]
	if !ok {
		return nil, false
	}
	return &x.emps[i], true
}

// creates reports whether a change set of the run can create emp.
func (x *index) creates(emp string) bool {
	e, ok := x.get(emp)
	return ok && e.flags&empCreates != 0
}

// renamedFrom is the ID emp had before this run renames it ("" when the
// run does not change its ID).
func (x *index) renamedFrom(emp string) string {
	if e, ok := x.get(emp); ok && e.from != emp {
		return e.from
	}
	return ""
}

// renameOf is the employee renamed from the old ID from.
func (x *index) renameOf(from string) (*empInfo, bool) {
	i, ok := x.byFrom[from]
	if !ok {
		return nil, false
	}
	return &x.emps[i], true
}

// key is the number of an operation's employee key, -1 when the run has
// no such key.
func (x *index) key(emp string) int {
	if i, ok := x.byID[emp]; ok {
		return int(i)
	}
	if i, ok := x.others[emp]; ok {
		return int(i)
	}
	return -1
}

// dupError is plan.Build's error for an employee with two change sets.
func (r *Run) dupError() error {
	x := r.index()
	if x.dup[0] < 0 {
		return nil
	}
	var first, second *model.ChangeSet
	err := r.eachChunk(func(base int, sets []*model.ChangeSet) error {
		for i, cs := range sets {
			switch int32(base + i) {
			case x.dup[0]:
				first = cs
			case x.dup[1]:
				second = cs
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if first == nil || second == nil {
		return fmt.Errorf("plan: employee %q has two change sets", x.emps[x.dup[0]].id)
	}
	return fmt.Errorf("plan: %s: employee %q has two change sets (the other starts at %s)", plan.FirstPos(second), second.EmployeeID, plan.FirstPos(first))
}

// bits is a set of key numbers.
type bits []uint64

func newBits(n int) bits { return make(bits, (n+63)/64) }

func (b bits) set(i int) {
	if i >= 0 {
		b[i/64] |= 1 << (i % 64)
	}
}

func (b bits) has(i int) bool { return i >= 0 && b[i/64]&(1<<(i%64)) != 0 }

func (b bits) clear(i int) {
	if i >= 0 {
		b[i/64] &^= 1 << (i % 64)
	}
}
