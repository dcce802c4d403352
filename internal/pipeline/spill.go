package pipeline

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/upsmigrate/upsmigrate/internal/dropbehind"
	"github.com/upsmigrate/upsmigrate/internal/lineage"
	"github.com/upsmigrate/upsmigrate/internal/model"
	"github.com/upsmigrate/upsmigrate/internal/plan"
	"github.com/upsmigrate/upsmigrate/mapping"
	"github.com/upsmigrate/upsmigrate/schemas"
)

// A conversion too large for memory runs by partition of employees,
// spilled to disk, in three passes; its outputs are byte for byte those of
// Convert and Write, but for the order of plan.jsonl's dictionary (all of
// it after the header, numbered as the partitions met it), which reads
// back the same.
//
//  1. Read (spillread.go). Every input is streamed through its reader;
//     each record's employee key, new ID (320), logins and references are
//     read from the mapping table (mapping.Engine.Keys) and the record is
//     appended, compactly encoded, to the blocks of partition
//     hash(key) mod P in a temporary file. Reader errors become rejected
//     records in a stream of their own.
//  2. Partition (spillpart.go). Each partition's records are mapped,
//     planned and validated in input order by the rounds of Convert
//     (settle), and what the merge needs is spilled: the operations per
//     phase, the change sets' lines of plan.jsonl (up to their operations:
//     lineage.Lines, one dictionary for every partition) and the record
//     results, each with the key of its place in the run.
//  3. Merge (spillmerge.go). The partitions' operations are merged in
//     change-set order, phase by phase, and packed into requests as
//     plan.Build packs them (plan.Packer); then the lines into plan.jsonl,
//     each ended with where its operations landed, and the records into
//     report.json. Each section is freed
//     as its last reader goes (spillfree.go): the outputs take the pages
//     the spill gives back.
//
// Partitions are first tried as ranges of the employees in the order they
// first appear (spillrange.go): then the change sets of one partition all
// come before the next partition's, each partition writes its operations
// straight into the bulk files (spilldirect.go) and its lines straight
// into plan.jsonl (spillplan.go: the plan numbers requests within their
// phase, and its header, counting them, is written last), and the merge
// only moves them into place; steps 2 and 3 spill and merge no operation
// and no line, only the record results and what report.json lists of
// each change set. A coupling across two ranges files the records by hash
// again, as above.
//
// The merge writes report.json's records while it writes plan.jsonl;
// only the arrays after them wait for it.
//
// Couplings between employees are resolved so that a partition decides
// what Convert decides:
//
//   - a rename (320) joins the old and the new ID, and a reference to
//     either joins the referring employee: they are partitioned together
//     (a union-find over the hashes of the few keys concerned; records
//     written to the partition of their own hash are moved when read);
//   - employees given one login (ignoring case), or a login a directory
//     employee holds, are partitioned together, so the later one is
//     rejected as Convert rejects it;
//   - records that share one position (several records on one line) are
//     partitioned together, as a rejection by position touches them all;
//   - whether a referenced employee of another partition is in the run
//     (mapping's "neither in this run nor in the directory", and what
//     submit resolves by lookup) is answered from the set of all keys read,
//     then checked once every partition is done: a partition that counted
//     an employee whose records all ended rejected runs again with the
//     employees that are in the run, until nothing changes. Without a
//     directory only its at-submit entries depend on it: they are
//     mended instead (spillmend.go).
//
// Hashes are 64-bit (seeded per input: newSeed): two keys with one hash
// would only be partitioned together, or a reference to an employee
// outside the run counted as in the run, with odds of about 2^-64 per pair.
//
// A settled partition spills in the background while the next ones are
// read, mapped and planned (spiller): mapping is serial, and so is most
// of the spill, so the two share the cores; a spill that waits for the
// one before it lets the next partition go on.
//
// Memory holds, besides three partitions at a time, only the key hashes of
// the run (8 bytes per employee), the logins' (16 bytes per login, while
// partitioning) and the couplings (few); the partition's size is chosen
// from the size of the inputs (PartitionBytes).

// PartitionBytes is the input size a partition of a spilled conversion
// is made for (Options.Partitions overrides the number). Smaller
// partitions fit the caches better and hold less memory; what each costs
// besides its records (the plan's builders learning again) is spared by
// plan.Builders. In alternated runs on the 2-core VM, half a MiB and
// 256 KiB both took 3–8% less CPU than 1 MiB; at 1M employees of the
// mixed shape, 256 KiB held 23 MB more at its peak, half a MiB 9 MB.
const PartitionBytes = 512 << 10

// maxPartitions bounds the number of partitions.
const maxPartitions = 4096

// spillDirPrefix starts the name of the temporary directory a spilled
// conversion makes in its output directory.
const spillDirPrefix = ".upsmigrate-spill-"

// inputBytes is the total size of the inputs.
func inputBytes(paths []string) (int64, error) {
	var n int64
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return 0, err
		}
		n += st.Size()
	}
	return n, nil
}

// spills reports whether ConvertTo converts by partition.
func spills(paths []string, opts Options) (bool, error) {
	limit := opts.SpillAbove
	switch {
	case limit < 0:
		return false, nil
	case limit == 0:
		limit = DefaultSpillAbove
	}
	n, err := inputBytes(paths)
	if err != nil {
		return false, err
	}
	return n > limit, nil
}

// spillRun is one conversion by partition.
type spillRun struct {
	// opsOf lists each change set's operations in the spill of a
	// partition (spills run one at a time), its arrays reused.
	opsOf setOps
	// created is set once a partition is known to create a user
	// (Options.CreatesUsers).
	created bool
	// setOf finds a change set of that partition by employee ID (and by
	// the old ID of a rename), its table reused.
	setOf map[string]int
	// namedRows are the mapping rows the records' messages name (audit).
	namedRows map[string]bool
	opts      Options
	set       *mapping.Set
	paths     []string
	order     map[string]int // input path → its index, as mergeResults orders
	tmp       string         // the temporary directory
	seed      uint64         // of the hashes
	parts     int
	hashParts int // the partitions of a run by hash

	// ranged: the partitions are ranges of the input, in order
	// (spillrange.go), and their operations are written by direct.
	ranged    bool
	rg        ranges
	rebuckets int
	direct    *directPhases
	// planOut is plan.jsonl by ranges, written as the partitions spill.
	planOut *directPlan

	codec *recordCodec
	in    *blockStore  // the input records, by partition
	rejs  *entryWriter // the reader's rejections, as record results
	refs  *entryWriter // (target, key) hashes of every reference

	files      []FileSummary        // the reader's warnings only, until the tally's date hints join them
	notes      [][]model.Diagnostic // per file: the warnings that follow the date hints
	nextOrd    uint64
	anyRejects bool
	nrejects   int // records the readers rejected

	keys    []uint64   // hashes of every key and new key read (sorted and compacted now and then); by ranges, while reading, the new keys only: the others are in rg.keys until the read ends
	logins  []hashPair // (login, key)
	renames []hashPair // (key, new key)
	joins   []hashPair // keys to partition together (records sharing one position)
	uf      unionFind

	movedFrom [][]int           // per partition, the partitions holding records moved to it
	dirByPart [][]plan.DirEntry // per partition, the directory entries whose logins its employees may give

	rounds int // partition rounds run
	mended int // partitions whose at-submit entries were mended (spillmend.go)

	tally *mapping.Engine // adds no record: the sum of the partitions' counts
	fv    *schemas.FastValidator
	// fvReady gives fv and its error, compiled while the inputs are read
	// (startValidator).
	fvReady chan validatorResult
	out     *entryWriter // the partitions' outputs
	state   []partState
	// lines renders the change sets' lines of plan.jsonl as the partitions
	// spill them (one spill at a time), numbering one dictionary for all.
	lines *lineage.Lines
	// slabs are the arrays the partitions' operations are encoded in,
	// reused from one partition to the next once spilled; blocks the
	// arenas their records and change sets are mapped into.
	slabs  plan.Slabs
	blocks mapping.Blocks
	// builders are the plan's builders, lent from one partition to the
	// next with what they learned.
	builders plan.Builders
	// drop takes the outputs (bulk files, plan.jsonl, report.json) out of
	// the page cache once written.
	drop *dropbehind.Dropper
	// hashes are the inputs' digests for report.json's audit, taken after
	// the read pass beside the partitions.
	hashes *inputHashes
}

// hashPair is two hashes: a login or a key, and the key it couples with.
type hashPair struct{ a, b uint64 }

func cmpPair(x, y hashPair) int {
	switch {
	case x.a != y.a:
		if x.a < y.a {
			return -1
		}
		return 1
	case x.b != y.b:
		if x.b < y.b {
			return -1
		}
		return 1
	}
	return 0
}

// hash is the hash of a key: FNV-1a from the run's seed, mixed (the
// finalizer of splitmix64) so that its low bits spread keys evenly over the
// partitions.
func (s *spillRun) hash(key string) uint64 {
	h := s.seed
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 0x100000001b3
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

// hashLogin is the hash of a login, ignoring case as
// rejectDuplicateLogins compares logins.
func (s *spillRun) hashLogin(login string) uint64 {
	for i := 0; i < len(login); i++ {
		if c := login[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return s.hash(strings.ToLower(login))
		}
	}
	return s.hash(login)
}

// spillSeed, when not 0, is the seed of every spilled conversion's hashes
// (tests set it, for partitions chosen by the test).
var spillSeed uint64

// seedSample is how much of each input's start and end the seed hashes.
const seedSample = 4 << 10

// newSeed is the seed of a run's hashes: drawn from the inputs (their
// sizes, starts and ends), so that a run over the same inputs partitions
// them alike and writes the same bytes (plan.jsonl's dictionary is
// numbered in the order the partitions meet it), while the keys of
// different inputs meet different seeds.
func newSeed(paths []string) uint64 {
	if spillSeed != 0 {
		return spillSeed
	}
	h := fnv.New64a()
	buf := make([]byte, seedSample)
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue // the read pass reports it
		}
		if st, err := f.Stat(); err == nil {
			fmt.Fprintf(h, "%d\x00", st.Size())
			n, _ := f.ReadAt(buf, 0)
			h.Write(buf[:n])
			if st.Size() > seedSample {
				n, _ = f.ReadAt(buf, st.Size()-seedSample)
				h.Write(buf[:n])
			}
		}
		f.Close()
	}
	return 0xcbf29ce484222325 ^ h.Sum64()
}

// partOf is the partition of the records filed under hash h (by ranges:
// -1 when no records are; only while the read and couple run).
func (s *spillRun) partOf(h uint64) int {
	if s.ranged {
		return s.rangePart(h)
	}
	if s.uf.has(h) {
		h = s.uf.find(h)
	}
	return int(h % uint64(s.parts))
}

// unionFind joins key hashes; only keys coupled with another are in it.
// Once frozen, every hash points at its root and find writes nothing, so
// that partitions may be mapped and spilled at once.
type unionFind struct {
	parent map[uint64]uint64
	frozen bool
}

// freeze points every hash at its root; union may not be called after.
func (u *unionFind) freeze() {
	for h := range u.parent {
		u.parent[h] = u.find(h)
	}
	u.frozen = true
}

func (u *unionFind) has(h uint64) bool {
	_, ok := u.parent[h]
	return ok
}

func (u *unionFind) find(h uint64) uint64 {
	root := h
	for {
		p, ok := u.parent[root]
		if !ok || p == root {
			break
		}
		root = p
	}
	if u.frozen {
		return root
	}
	for h != root { // path compression
		p := u.parent[h]
		u.parent[h] = root
		h = p
	}
	return root
}

// union joins a and b; the smaller root becomes the root of both, so the
// outcome does not depend on the order of the unions.
func (u *unionFind) union(a, b uint64) {
	if a == b {
		return
	}
	if u.frozen {
		panic("spill: union after freeze")
	}
	if u.parent == nil {
		u.parent = map[uint64]uint64{}
	}
	for _, h := range [2]uint64{a, b} {
		if _, ok := u.parent[h]; !ok {
			u.parent[h] = h
		}
	}
	ra, rb := u.find(a), u.find(b)
	switch {
	case ra < rb:
		u.parent[rb] = ra
	case rb < ra:
		u.parent[ra] = rb
	}
}

// compactHashes sorts hs and removes duplicates, in place; what is left
// is copied when it is much smaller, to free the rest.
func compactHashes(hs []uint64) []uint64 {
	sortHashes(hs)
	hs = slices.Compact(hs)
	if cap(hs) > 2*len(hs)+1024 {
		hs = slices.Clone(hs)
	}
	return hs
}

// containsHash reports whether sorted hs holds h.
func containsHash(hs []uint64, h uint64) bool {
	_, ok := slices.BinarySearch(hs, h)
	return ok
}

// hashSet is a sorted set of key hashes (compactHashes) indexed by their
// top bits: where the hashes of each bucket begin, about four a bucket.
// The hashes are uniform (spillRun.hash), so a lookup reads one entry of
// the index and one cache line of hashes, where a binary search of 200k
// hashes missed the cache a dozen times: the references of every
// partition are looked up in the set of the run's employees (0.13 s of
// the mixed shape's 8.2 CPU-seconds at 200k). Its index takes 1 byte per
// hash.
type hashSet struct {
	hs    []uint64
	start []uint32 // start[b]: the first hash whose top bits are b or more
	shift uint     // 64 less the bits of a bucket number
}

func newHashSet(hs []uint64) *hashSet {
	bits := 0
	for 1<<bits < len(hs)/4 {
		bits++
	}
	s := &hashSet{hs: hs, start: make([]uint32, 1<<bits+1), shift: uint(64 - bits)}
	b := 0
	for i, h := range hs {
		for top := int(s.top(h)); b <= top; b++ {
			s.start[b] = uint32(i)
		}
	}
	for ; b < len(s.start); b++ {
		s.start[b] = uint32(len(hs))
	}
	return s
}

// top is the bucket of h.
func (s *hashSet) top(h uint64) uint64 {
	if s.shift == 64 {
		return 0
	}
	return h >> s.shift
}

// has reports whether the set holds h.
func (s *hashSet) has(h uint64) bool {
	b := s.top(h)
	for _, x := range s.hs[s.start[b]:s.start[b+1]] {
		if x >= h {
			return x == h
		}
	}
	return false
}

// partitions is the number of partitions for inputs of n bytes.
func partitions(opts Options, n int64) int {
	if opts.Partitions > 0 {
		return min(opts.Partitions, maxPartitions)
	}
	return int(min(max((n+PartitionBytes-1)/PartitionBytes, 1), maxPartitions))
}

// convertSpilled converts by partition (see above) and writes the outputs
// into dir. Its temporary directory, made in dir, is removed on every
// return.
func convertSpilled(paths []string, opts Options, dir string) (o *Outcome, err error) {
	set := opts.Mapping
	if set == nil {
		if set, err = mapping.Default(); err != nil {
			return nil, err
		}
	}
	n, err := inputBytes(paths)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(dir, spillDirPrefix)
	if err != nil {
		return nil, fmt.Errorf("spill: %w", err)
	}
	parts := partitions(opts, n)
	s := &spillRun{namedRows: map[string]bool{}, opts: opts, set: set, paths: paths, tmp: tmp, seed: newSeed(paths), parts: parts,
		hashParts: parts, ranged: triesRanges(), codec: newRecordCodec(), order: make(map[string]int, len(paths)),
		drop: dropbehind.New()}
	defer func() {
		if cerr := s.close(); cerr != nil && err == nil {
			o, err = nil, cerr
		}
	}()
	for i, p := range paths {
		s.order[p] = i
	}
	if s.ranged {
		s.rg.keys.reserve(expectedKeys(n))
	}
	s.startValidator()
	if err := s.read(); err != nil {
		return nil, err
	}
	s.hashes = hashInputs(paths)
	if err := s.couple(); err != nil {
		return nil, err
	}
	if err := s.partition(); err != nil {
		return nil, err
	}
	if spillObserver != nil {
		spillObserver(s)
	}
	created := 0
	for i := range s.state {
		created += s.state[i].stats.UsersCreated
	}
	if opts.BeforeWrite != nil {
		if err := opts.BeforeWrite(created); err != nil {
			return nil, err
		}
	}
	return s.write(dir)
}

// validatorResult is the schema validator of a run, or why there is none.
type validatorResult struct {
	fv  *schemas.FastValidator
	err error
}

// startValidator compiles the schema validator (the first time in the
// process, some milliseconds of one core) on a goroutine of its own while
// the read pass runs, which leaves part of a core idle; the partitions
// wait for it (validator).
func (s *spillRun) startValidator() {
	s.fvReady = make(chan validatorResult, 1)
	go func() {
		fv, err := fastValidator(s.opts)
		s.fvReady <- validatorResult{fv, err}
	}()
}

// validator is the validator startValidator compiled, or one compiled
// now when none was started (or it was taken already).
func (s *spillRun) validator() (*schemas.FastValidator, error) {
	if s.fvReady == nil {
		return fastValidator(s.opts)
	}
	r := <-s.fvReady
	s.fvReady = nil
	return r.fv, r.err
}

// spillObserver, set by tests, sees a spilled conversion once its
// partitions are done.
var spillObserver func(*spillRun)

// close closes the temporary files and removes the temporary directory.
func (s *spillRun) close() error {
	first := s.drop.Release()
	if err := s.in.close(); err != nil && first == nil {
		first = err
	}
	if err := s.direct.close(); err != nil && first == nil {
		first = err
	}
	if err := s.planOut.close(); err != nil && first == nil {
		first = err
	}
	for _, w := range []*entryWriter{s.rejs, s.refs, s.out} {
		if err := w.close(); err != nil && first == nil {
			first = err
		}
	}
	if err := os.RemoveAll(s.tmp); err != nil && first == nil {
		first = fmt.Errorf("spill: %w", err)
	}
	return first
}

// removeStaleSpills removes the temporary directories that runs killed
// before they could remove them left in dir, but keep.
func removeStaleSpills(dir, keep string) {
	matches, _ := filepath.Glob(filepath.Join(dir, spillDirPrefix+"*"))
	for _, m := range matches {
		if m != keep {
			os.RemoveAll(m)
		}
	}
}
