package plan

// Packer places encoded operations into Bulk requests, in order, by the
// rule Build packs its requests with: a request holds operations of one
// phase only, at most MaxOps of them and at most MaxBytes encoded; an
// operation that does not fit starts the next request. A conversion that
// writes its requests as their operations come (a run too large to plan in
// memory) packs them with a Packer and gets Build's requests byte for byte
// (AppendHead, AppendOp and AppendTail write what Request.Encode writes).
type Packer struct {
	maxOps, maxBytes int
	indent           bool
	failOnErrors     *int
	frame            int // size of a request without operations, final newline included

	phase int // of the open request
	seq   int // 1-based sequence number of the open request; 0 before the first
	n     int // operations in the open request
	size  int // encoded size of the open request
}

// NewPacker returns a Packer for requests shaped by opts (MaxOps,
// MaxBytes, FailOnErrors and Indent; zero limits are the UPS limits).
func NewPacker(opts Options) *Packer {
	if opts.MaxOps <= 0 {
		opts.MaxOps = DefaultMaxOps
	}
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	return &Packer{maxOps: opts.MaxOps, maxBytes: opts.MaxBytes, indent: opts.Indent, failOnErrors: opts.FailOnErrors,
		frame: frameSize(opts.FailOnErrors, opts.Indent), phase: -1}
}

// Add places the next operation, of the given phase and encoded size
// (Operation.Size): it returns the sequence number of its request (1-based:
// bulk-0001.json is 1) and its index in the request; index 0 means the
// operation starts a new request. Phases must come in order: every
// operation of phase 0, then of phase 1, then of phase 2.
func (k *Packer) Add(phase, size int) (seq, index int) {
	cost := size
	if k.indent {
		cost += 5 // newline and two levels of indentation
	}
	if k.seq == 0 || phase != k.phase || k.n == k.maxOps || k.size+cost+1 > k.maxBytes {
		k.seq++
		k.phase, k.n, k.size = phase, 0, k.frame
	}
	if k.n > 0 {
		cost++ // comma
	}
	k.size += cost
	k.n++
	return k.seq, k.n - 1
}

// Requests is the number of requests started so far.
func (k *Packer) Requests() int { return k.seq }

// Size is the encoded size of the open request so far, final newline
// included (Request.Size once it is complete).
func (k *Packer) Size() int { return k.size }

// AppendHead appends the beginning of a request, up to its first
// operation.
func (k *Packer) AppendHead(dst []byte) []byte {
	return requestHead(dst, k.failOnErrors, k.indent)
}

// AppendOp appends operation index of a request: its separator and its
// encoding (Operation.Encoded).
func (k *Packer) AppendOp(dst []byte, index int, enc []byte) []byte {
	if index > 0 {
		dst = append(dst, ',')
	}
	dst = newline(dst, k.indent, 2)
	return append(dst, enc...)
}

// AppendTail appends the end of a request after its last operation, final
// newline included.
func (k *Packer) AppendTail(dst []byte) []byte {
	return append(requestTail(dst, k.indent), '\n')
}
