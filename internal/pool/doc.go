// Package pool runs work over the indexes [0, n) on a bounded number of
// goroutines: the one worker pool of upsmigrate, used wherever the code
// spreads work over cores (plan building, the mapping engine's fold,
// schema validation, the findings of a convert) or over concurrent
// requests (lookups of the target and of submit).
//
// Workers take the next block of indexes from a shared counter, so that
// uneven work balances itself; results stored by index (Map, or a slice
// the caller indexes) come out in index order whatever the order of
// completion. The first error wins: no index is handed out after it, the
// context passed to the work is cancelled, and Run returns it. A context
// done before the end stops the handing out too.
//
// One worker (or one block) runs in the calling goroutine.
//
// The package imports nothing from the project.
package pool
