package plan

import (
	"testing"

	"github.com/upsmigrate/upsmigrate/internal/model"
)

// shareSites makes the attributes of the same target and mapping row
// share one Site, as the mapping engine's do (one per row).
func shareSites(sets []*model.ChangeSet) {
	sites := map[model.Site]*model.Site{}
	for _, cs := range sets {
		for i := range cs.Attrs {
			a := &cs.Attrs[i]
			if s, ok := sites[*a.Site]; ok {
				a.Site = s
			} else {
				sites[*a.Site] = a.Site
			}
		}
	}
}

// benchUser measures builder.user alone: one builder, its arrays given
// back after each pass over the sets.
func benchUser(b *testing.B, sets []*model.ChangeSet, o Options) {
	if o.MaxOps <= 0 {
		o.MaxOps = DefaultMaxOps
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	o.Slabs = new(Slabs)
	bl := newBuilder(&o, nil)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	cpu0 := cpuTime()
	for b.Loop() {
		for _, cs := range sets {
			res := bl.user(cs)
			if res.err != nil {
				b.Fatal(res.err)
			}
			n++
		}
		o.Slabs.put(bl.slabs)
		bl.slabs, bl.slab = bl.slabs[:0], nil
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(n), "cpu-ns/user")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/user")
}

// BenchmarkUser measures the per-user path (body, encoding, references)
// over generated full 305 users, each attribute with a Site of its own.
func BenchmarkUser(b *testing.B) { benchUser(b, genSets(2000), Options{CompanyID: "c0"}) }

// BenchmarkUserSharedSites is BenchmarkUser with the Sites shared per
// mapping row, as the mapping engine makes them.
func BenchmarkUserSharedSites(b *testing.B) {
	sets := genSets(2000)
	shareSites(sets)
	benchUser(b, sets, Options{CompanyID: "c0"})
}

// BenchmarkUserIndent is BenchmarkUser with indented output.
func BenchmarkUserIndent(b *testing.B) {
	benchUser(b, genSets(2000), Options{CompanyID: "c0", Indent: true})
}

// BenchmarkUserVaried is BenchmarkUser over users whose shapes change
// every three users (variedSets), with shared Sites.
func BenchmarkUserVaried(b *testing.B) {
	sets := variedSets(2000)
	shareSites(sets)
	benchUser(b, sets, Options{CompanyID: "c0"})
}

// BenchmarkUserEachShape is BenchmarkUser where every user lacks an
// attribute the previous one has: no body is replayed.
func BenchmarkUserEachShape(b *testing.B) {
	sets := genSets(2000)
	for u, cs := range sets {
		i := u % len(cs.Attrs)
		cs.Attrs = append(cs.Attrs[:i:i], cs.Attrs[i+1:]...)
	}
	shareSites(sets)
	benchUser(b, sets, Options{CompanyID: "c0"})
}
