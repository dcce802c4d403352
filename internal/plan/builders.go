package plan

import "sync"

// Builders keeps the builders of Build's workers from one Build to the
// next, for a caller that builds many plans with the same options: a
// conversion by partition builds one per partition. A builder learns as
// it goes (the paths it parsed, the bodies it remembers to replay, the
// encoding templates and key orders it compiled); a new builder for each
// plan learns it all again, and the smaller the plans, the more of the
// work that is. Safe for concurrent use.
//
// A builder is lent to one Build at a time. What it keeps depends on the
// options that shape the operations (CompanyID, Indent, Replace,
// Directory): a Build with others than the last one's starts afresh.
type Builders struct {
	mu   sync.Mutex
	idle []*builder
	key  buildersKey
}

// buildersKey is what Builders' builders keep depends on.
type buildersKey struct {
	companyID string
	indent    bool
	replace   bool
	dir       *Directory
}

// maxIdleBuilders bounds the builders a Builders keeps.
const maxIdleBuilders = 64

func keyOf(opts *Options) buildersKey {
	return buildersKey{companyID: opts.CompanyID, indent: opts.Indent, replace: opts.Replace, dir: opts.Directory}
}

// take returns a builder for a Build with opts: an idle one when its
// options are those of the last Build, else a new one. A nil *Builders
// always returns a new one.
func (bs *Builders) take(opts *Options, renamed map[string]string) *builder {
	if bs == nil {
		return newBuilder(opts, renamed)
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if k := keyOf(opts); k != bs.key {
		clear(bs.idle)
		bs.idle, bs.key = bs.idle[:0], k
	}
	n := len(bs.idle)
	if n == 0 {
		return newBuilder(opts, renamed)
	}
	b := bs.idle[n-1]
	bs.idle[n-1] = nil
	bs.idle = bs.idle[:n-1]
	b.opts, b.dir, b.renamed = opts, opts.Directory, renamed
	return b
}

// give takes back a builder once its Build is done with it. What belonged
// to that Build's plan (its slabs of operations and encodings, its
// rebuilders) is let go; what the builder learned is kept.
func (bs *Builders) give(b *builder) {
	if bs == nil {
		return
	}
	b.opts, b.dir, b.renamed = nil, nil, nil
	b.slab, b.slabs, b.opSlab, b.lazySlab = nil, nil, nil, nil
	b.rebuilders, b.env = nil, nil
	b.check, b.checkDone = nil, nil
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if len(bs.idle) < maxIdleBuilders {
		bs.idle = append(bs.idle, b)
	}
}
