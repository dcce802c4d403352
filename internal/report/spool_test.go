package report

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
)

// TestSpoolFile: a spool past spoolMem moves to its file; every
// employee's items read back whole, in any order of the employees, each
// read served from the window or a read of its own (items larger than
// the window included).
func TestSpoolFile(t *testing.T) {
	s := newSpool[Warning]()
	defer s.close()
	rng := rand.New(rand.NewSource(5))
	want := map[string][]Warning{}
	var emps []string
	for i := 0; s.size < 3*spoolMem; i++ {
		emp := fmt.Sprintf("E%05d", i/3)
		if i%3 == 0 {
			emps = append(emps, emp)
		}
		msg := strings.Repeat("x", rng.Intn(200))
		if i%5000 == 7 {
			msg = strings.Repeat("long ", spoolWindow/3) // larger than the window
		}
		w := Warning{Origin: "record", Employee: emp, Source: fmt.Sprintf("in.csv:%d:6", i+2), Message: msg}
		if err := s.add(&w, emp); err != nil {
			t.Fatal(err)
		}
		want[emp] = append(want[emp], w)
	}
	if err := s.done(); err != nil {
		t.Fatal(err)
	}
	if s.f == nil {
		t.Fatalf("%d bytes spooled in memory, want a file past %d", s.size, spoolMem)
	}
	rng.Shuffle(len(emps), func(i, j int) { emps[i], emps[j] = emps[j], emps[i] })
	for _, e := range emps {
		got, err := s.of(e, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want[e]) {
			t.Fatalf("%s: %d items differ from the %d spooled", e, len(got), len(want[e]))
		}
	}
}
